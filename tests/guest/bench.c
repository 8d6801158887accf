/* The guest side of `make bench` (cmdline "bench"): what a guest exit costs,
 * as the round trip of CPUID (always intercepted), and how many exits a
 * LAPIC timer interrupt costs the guest (the timer interrupt itself is
 * delivered without one; its EOI is an MMIO write to the trapped xAPIC
 * page). Figures as KTAP diagnostics "# bench NAME key=value ...". */
#include "tests/guest/guest.h"

#define CPUID_SAMPLES 512
#define TIMER_INTERRUPTS 200
#define TIMER_COUNT 200000        /* LAPIC ticks between interrupts (divide by 1) */
#define LVT_PERIODIC (1u << 17)
#define TIMER_WAIT_TSC (20ull * 1000 * 1000 * 1000)

static uint64_t samples[CPUID_SAMPLES];

static bool bench_cpuid_exit(void)
{
	for (unsigned i = 0; i < CPUID_SAMPLES; i++) {
		uint64_t start = rdtsc();
		cpuid(0, 0);
		samples[i] = rdtsc() - start;
	}
	sort_u64(samples, CPUID_SAMPLES);
	kprintf("# bench guest_cpuid_exit samples=%u min=%llu median=%llu max=%llu cycles\n",
		CPUID_SAMPLES, (unsigned long long)samples[0],
		(unsigned long long)samples[CPUID_SAMPLES / 2],
		(unsigned long long)samples[CPUID_SAMPLES - 1]);
	return true;
}

static bool bench_timer_exits(void)
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
		kprintf("# bench guest_timer_exits: only %u of %u timer interrupts arrived\n", n,
			TIMER_INTERRUPTS);
		return false;
	}
	/* The window's own exits: three LAPIC writes and the closing hypercall. */
	exits -= 4;
	kprintf("# bench guest_timer_exits interrupts=%u exits=%llu per_interrupt=%llu.%02llu\n", n,
		(unsigned long long)exits, (unsigned long long)(exits / n),
		(unsigned long long)(exits * 100 / n % 100));
	return true;
}

void guest_bench(void)
{
	bool device = boot->pci_ecam != 0;

	kprintf("KTAP version 1\n1..%u\n", device ? 3 : 2);
	bool a = bench_cpuid_exit();
	kprintf("%s 1 guest_cpuid_exit\n", a ? "ok" : "not ok");
	bool b = bench_timer_exits();
	kprintf("%s 2 guest_timer_exits\n", b ? "ok" : "not ok");
	bool c = !device || pt_bench_device_interrupts();
	if (device)
		kprintf("%s 3 guest_device_irq\n", c ? "ok" : "not ok");
	guest_exit(!(a && b && c));
}
