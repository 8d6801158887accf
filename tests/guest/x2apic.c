/* The guest's x2APIC, where hv offers it (CPUID.1:ECX[21]: hv's own LAPIC
 * is in x2APIC mode; hv/guest/vlapic_x2apic.c). vCPU 0 switches through
 * APIC_BASE and stays there: the tests after this one send their IPIs
 * through the x2APIC's ICR, to vCPUs that stay xAPICs. */
#include "tests/guest/guest.h"

#define CPUID_1_ECX_X2APIC (1u << 21)
#define ICR_LOGICAL        (1u << 11)
#define TIMER_INTERRUPTS   50
#define TIMER_COUNT        20000 /* LAPIC ticks between interrupts (divide by 1) */
#define TIMER_WAIT_US      5000000

static bool x2apic_offered(void)
{
	return cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC;
}

bool lapic_to_x2apic(void)
{
	if (!x2apic_offered() ||
	    wrmsr_faults(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD))
		return false;
	lapic_x2apic[this_cpu()] = true;
	return true;
}

/* xAPIC before (x2APIC MSRs #GP), x2APIC after; no way back but a reset. */
static bool switch_to_x2apic(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE), v;

	expect(!(base & APIC_BASE_EXTD), "APIC_BASE 0x%llx: x2APIC mode before the switch",
	       (unsigned long long)base);
	expect(rdmsr_faults(X2APIC_MSR(LAPIC_ID), &v), "the x2APIC ID MSR read in xAPIC mode");
	if (!expect(lapic_to_x2apic(), "setting APIC_BASE.EXTD raised #GP"))
		return false;
	expect(rdmsr(MSR_APIC_BASE) == (base | APIC_BASE_EXTD), "APIC_BASE 0x%llx after the switch",
	       (unsigned long long)rdmsr(MSR_APIC_BASE));
	expect(wrmsr_faults(MSR_APIC_BASE, base), "APIC_BASE back to xAPIC mode without #GP");
	return true;
}

/* Its ID in full, its logical ID in the cluster format that follows from
 * it, and a read-only register that refuses writes. */
static void registers(void)
{
	uint32_t id = boot->apic_id[0], ldr = (id >> 4) << 16 | 1u << (id & 15);
	uint64_t v;

	expect(lapic_apic_id() == id, "x2APIC ID %u, not %u", lapic_apic_id(), id);
	/* Bochs 2.7 keeps the xAPIC's LDR (0) in x2APIC mode: said, not
	 * failed; any other value must be the one the ID gives. */
	uint64_t got = rdmsr(X2APIC_MSR(0xd0));
	if (got == 0)
		kprintf("# x2APIC LDR reads 0, not 0x%x: the CPU does not derive it (Bochs 2.7)\n", ldr);
	else
		expect(got == ldr, "LDR 0x%llx, not 0x%x", (unsigned long long)got, ldr);
	expect(wrmsr_faults(X2APIC_MSR(LAPIC_ID), 0), "a write of the ID register without #GP");
	expect(!rdmsr_faults(X2APIC_MSR(LAPIC_VERSION), &v), "the version register raised #GP");
}

/* The SELF IPI register, and ICR writes with a physical and a logical
 * (cluster) destination naming this vCPU. */
static void self_ipis(void)
{
	volatile uint32_t *got = &irq_count[0][VEC_IPI];
	uint32_t start = *got, id = boot->apic_id[0];
	uint64_t cluster = (uint64_t)((id >> 4) << 16 | 1u << (id & 15)) << 32;

	irq_enable();
	wrmsr(X2APIC_SELF_IPI, VEC_IPI);
	lapic_send_ipi(id, ICR_ASSERT | ICR_FIXED | VEC_IPI);
	wrmsr(X2APIC_MSR(LAPIC_ICR_LO), cluster | ICR_ASSERT | ICR_LOGICAL | VEC_IPI);
	wait_count(got, start + 3, 100000);
	irq_disable();
	expect(*got - start == 3, "%u of 3 self IPIs (SELF IPI register, physical and logical ICR)",
	       *got - start);
}

/* Periodic timer interrupts with their EOIs: no exit of their own. */
static void timer_without_exits(void)
{
	uint64_t exits;
	uint32_t n = lapic_timer_exits(TIMER_COUNT, TIMER_INTERRUPTS, TIMER_WAIT_US, &exits);

	kprintf("# x2APIC on vCPU 0 (APIC ID %u): %u timer interrupts, %llu exits besides the "
		"measurement's own\n", boot->apic_id[0], n, (unsigned long long)exits);
	if (!expect(n >= TIMER_INTERRUPTS, "only %u of %u timer interrupts", n, TIMER_INTERRUPTS))
		return;
	/* An EOI that exited would make one per interrupt. */
	expect(exits * 10 < n, "%llu exits for %u timer interrupts: the EOI exits",
	       (unsigned long long)exits, n);
}

enum result guest_x2apic(void)
{
	if (!x2apic_offered())
		return skip_because("no x2APIC offered (hv offers it where its own LAPIC is in "
				    "x2APIC mode)");
	if (!switch_to_x2apic())
		return FAIL;
	registers();
	self_ipis();
	timer_without_exits();
	return PASS;
}
