/* The guest side of `make bench` (cmdline "bench"): what a guest exit costs,
 * as the round trip of CPUID (always intercepted) beside back-to-back TSC
 * reads (no exit), and how many exits a LAPIC timer interrupt costs the
 * guest (the timer interrupt itself is delivered without one; its EOI is
 * an MMIO write to the trapped xAPIC page, or, where hv offers x2APIC, an
 * MSR write that reaches the hardware: both measured then). Figures as
 * KTAP diagnostics "# bench NAME key=value ...". */
#include "tests/guest/guest.h"

#define CPUID_SAMPLES 512
#define TIMER_INTERRUPTS 200
#define TIMER_COUNT 200000        /* LAPIC ticks between interrupts (divide by 1) */
#define LVT_PERIODIC (1u << 17)
#define TIMER_WAIT_TSC (20ull * 1000 * 1000 * 1000)

static uint64_t samples[CPUID_SAMPLES];

static uint64_t median_cycles(bool with_cpuid)
{
	for (unsigned i = 0; i < CPUID_SAMPLES; i++) {
		uint64_t start = rdtsc();
		if (with_cpuid)
			cpuid(0, 0);
		samples[i] = rdtsc() - start;
	}
	sort_u64(samples, CPUID_SAMPLES);
	return samples[CPUID_SAMPLES / 2];
}

static bool bench_cpuid_exit(void)
{
	uint64_t baseline = median_cycles(false), median = median_cycles(true);

	kprintf("# bench guest_cpuid_exit samples=%u min=%llu median=%llu max=%llu cycles; "
		"two TSC reads alone median=%llu\n",
		CPUID_SAMPLES, (unsigned long long)samples[0], (unsigned long long)median,
		(unsigned long long)samples[CPUID_SAMPLES - 1], (unsigned long long)baseline);
	return true;
}

static bool bench_timer_exits(const char *name)
{
	volatile uint32_t *fired = &irq_count[0][VEC_TIMER];
	uint32_t start = *fired;

	lapic_enable();
	lapic_write(LAPIC_TIMER_DCR, 0xb);
	uint64_t exits_before = hypercall(HV_HC_EXITS, 0, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_ICR, TIMER_COUNT);
	irq_enable();
	uint64_t deadline = rdtsc() + TIMER_WAIT_TSC;
	while (*fired - start < TIMER_INTERRUPTS && rdtsc() < deadline)
		__asm__ volatile("hlt");
	irq_disable();
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	uint64_t exits = hypercall(HV_HC_EXITS, 0, 0) - exits_before;
	uint32_t n = *fired - start;

	if (n < TIMER_INTERRUPTS) {
		kprintf("# bench %s: only %u of %u timer interrupts arrived\n", name, n,
			TIMER_INTERRUPTS);
		return false;
	}
	/* The window's own exits: the LVT armed and masked, the closing
	 * hypercall, and in xAPIC mode the initial count. */
	exits -= lapic_x2apic[0] ? 3 : 4;
	kprintf("# bench %s interrupts=%u exits=%llu per_interrupt=%llu.%02llu\n", name, n,
		(unsigned long long)exits, (unsigned long long)(exits / n),
		(unsigned long long)(exits * 100 / n % 100));
	return true;
}

void guest_bench(void)
{
	bool device = boot->pci_ecam != 0;

	kprintf("KTAP version 1\n1..%u\n", device ? 4 : 3);
	bool a = bench_cpuid_exit();
	kprintf("%s 1 guest_cpuid_exit\n", a ? "ok" : "not ok");
	bool b = bench_timer_exits("guest_timer_exits");
	kprintf("%s 2 guest_timer_exits\n", b ? "ok" : "not ok");
	/* Where hv offers x2APIC, the same again in that mode. */
	bool x2 = lapic_to_x2apic(), c = !x2 || bench_timer_exits("guest_timer_exits_x2apic");
	if (x2)
		kprintf("%s 3 guest_timer_exits_x2apic\n", c ? "ok" : "not ok");
	else
		kprintf("ok 3 guest_timer_exits_x2apic # SKIP no x2APIC offered\n");
	bool d = !device || pt_bench_device_interrupts();
	if (device)
		kprintf("%s 4 guest_device_irq\n", d ? "ok" : "not ok");
	guest_exit(!(a && b && c && d));
}
