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
#define TIMER_WAIT_US 20000000

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
	uint64_t exits;
	uint32_t n = lapic_timer_exits(TIMER_COUNT, TIMER_INTERRUPTS, TIMER_WAIT_US, &exits);

	if (n < TIMER_INTERRUPTS) {
		kprintf("# bench %s: only %u of %u timer interrupts arrived\n", name, n,
			TIMER_INTERRUPTS);
		return false;
	}
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
