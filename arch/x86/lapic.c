#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/time.h"

#include <errno.h>

#define CPUID_1_ECX_X2APIC (1u << 21)
/* Linux waits as long for a stuck delivery status before giving up. */
#define ICR_IDLE_TIMEOUT_US 100000

static uintptr_t xapic_base;
static bool x2apic;

uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16);
	return mmio_read32(xapic_base + reg);
}

void lapic_write(uint32_t reg, uint32_t value)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + reg / 16, value);
	else
		mmio_write32(xapic_base + reg, value);
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	x2apic = (cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC) != 0;
	/* xAPIC -> x2APIC must pass through enabled xAPIC (SDM 11.12.5). */
	base |= APIC_BASE_ENABLE;
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (x2apic)
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_X2APIC);
	xapic_base = base & APIC_BASE_ADDR_MASK;
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
}

bool lapic_x2apic_mode(void)
{
	return x2apic;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);
	return x2apic ? id : id >> 24;
}

static int xapic_wait_icr_idle(void)
{
	uint64_t deadline = deadline_after_us(ICR_IDLE_TIMEOUT_US);

	while (lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING) {
		if (deadline_passed(deadline))
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

int lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	int err = 0;

	if (!x2apic && apic_id > XAPIC_MAX_DEST_ID)
		return -EINVAL;
	/* An interrupt handler sending an IPI between the two xAPIC writes
	 * would send ours to its destination. */
	uint64_t flags = cpu_irq_save();
	if (x2apic) {
		/* WRMSR to the x2APIC is not ordered by MFENCE alone: LFENCE keeps
		 * it from running ahead of earlier stores (as Linux's
		 * weak_wrmsr_fence). */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(X2APIC_MSR_BASE + LAPIC_ICR_LOW / 16, (uint64_t)apic_id << 32 | icr_low);
	} else if (!(err = xapic_wait_icr_idle())) {
		/* The write of the low half sends (SDM Vol. 3A, 11.6.1). */
		lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
		lapic_write(LAPIC_ICR_LOW, icr_low);
		err = xapic_wait_icr_idle();
	}
	cpu_irq_restore(flags);
	return err;
}
