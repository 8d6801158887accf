/* The test guest's other vCPUs: started by vCPU 0 with INIT, SIPI, SIPI
 * through the trampoline (trampoline.S) as on hardware; each enables its
 * LAPIC, says it is alive and idles with interrupts on. */
#include "tests/guest/guest.h"
#include "tests/guest/trampoline.h"

uint8_t guest_stacks[HV_GUEST_MAX_CPUS][STACK_SIZE] __attribute__((aligned(4096)));
struct ap_state ap_state[HV_GUEST_MAX_CPUS];

_Static_assert(TRAMP_BASE >= HV_GUEST_LOW_FREE && TRAMP_BASE + 0x1000 <= HV_GUEST_LEGACY_HOLE,
	       "the trampoline must be in the guest's low area");
_Static_assert(TRAMP_SEL_CODE64 == HV_GUEST_SEL_CODE64 && TRAMP_SEL_DATA == HV_GUEST_SEL_DATA,
	       "the trampoline's selectors are hv's (trampoline.S switches GDTs under them)");
_Static_assert(TRAMP_BASE % 0x1000 == 0, "a SIPI starts a vCPU at a page boundary");

void ap_main(uint64_t cpu);

__attribute__((noreturn)) void ap_main(uint64_t cpu)
{
	struct ap_state *s = &ap_state[cpu < HV_GUEST_MAX_CPUS ? cpu : 0];

	__atomic_fetch_add(&s->starts, 1, __ATOMIC_RELAXED);
	lapic_enable();
	s->cpuid_apic = cpuid(1, 0).ebx >> 24;
	s->lapic_id = lapic_apic_id();
	__atomic_store_n(&s->alive, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("sti; hlt" ::: "memory");
}

uint64_t smp_trampoline_base(void)
{
	return TRAMP_BASE;
}

static void param64(unsigned field, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)(TRAMP_BASE + TRAMP_PARAMS + field) = v;
}

static void param_desc(unsigned field, const struct desc_ptr *d)
{
	*(volatile uint16_t *)(uintptr_t)(TRAMP_BASE + TRAMP_PARAMS + field) = d->limit;
	*(volatile uint64_t *)(uintptr_t)(TRAMP_BASE + TRAMP_PARAMS + field + 2) = d->base;
}

bool smp_start_ap(unsigned cpu)
{
	uint32_t apic_id = boot->apic_id[cpu];
	struct desc_ptr gdtr;

	/* The trampoline and, for this AP, its parameters. One AP at a time:
	 * the next one gets the block when this one is alive (it has read it
	 * all by then). */
	memcpy((void *)(uintptr_t)TRAMP_BASE, trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	param64(TP_CR3, read_cr3());
	param64(TP_EFER, rdmsr(MSR_EFER) & EFER_NXE);
	param64(TP_STACK, (uint64_t)(uintptr_t)&guest_stacks[cpu][STACK_SIZE]);
	param64(TP_ENTRY, (uint64_t)(uintptr_t)ap_main);
	param64(TP_CPU, cpu);
	param_desc(TP_GDTR, &gdtr);
	param_desc(TP_IDTR, &idt_ptr);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* INIT, 10 ms, SIPI, 200 us, SIPI (the second is ignored by a vCPU
	 * already running: ap_state.starts says whether it was). */
	lapic_send_ipi(apic_id, ICR_ASSERT | ICR_INIT);
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		lapic_send_ipi(apic_id, ICR_ASSERT | ICR_STARTUP | (TRAMP_BASE >> 12));
		delay_us(200);
	}
	uint64_t d = deadline_us(1000000);
	while (!__atomic_load_n(&ap_state[cpu].alive, __ATOMIC_ACQUIRE)) {
		if (expired(d))
			return false;
		cpu_relax();
	}
	return true;
}
