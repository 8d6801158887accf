/* The interrupt latency benchmark (`make bench`, tests/bench/irq_latency.py):
 * TSC cycles from edu's raise register write to the handler's entry on the
 * service CPU, which both raises and takes the interrupt, with the MSI remapped
 * through an IRTE or (intremap=off) in compatibility format. Meant for
 * `-icount shift=0,sleep=off`, where the TSC counts virtual nanoseconds and
 * the figures do not depend on how busy the host is. (An interrupt to
 * another CPU is not measured: under -icount QEMU runs the CPUs round
 * robin, so the figure would be its scheduling slice.) Reported as KTAP
 * diagnostics "bench irq_latency ..."; the test fails only when samples
 * could not be taken. */
#include "arch/x86/cpu.h"
#include "arch/x86/irq.h"
#include "arch/x86/smp.h"
#include "arch/x86/time.h"
#include "hv/remap/device_irq.h"
#include "hv/remap/irq_route.h"
#include "hv/remap/units.h"
#include "hv/selftest/edu.h"
#include "hv/selftest/selftest.h"
#include "iommu/irte.h"

#define BENCH_VECTOR 0x50
#define SAMPLES 512
#define SAMPLE_WAIT_US 100000
#define EDU_IRQ_BIT 0x2

static volatile uint64_t handler_tsc;
static volatile unsigned long handled;

static void bench_handler(uint8_t vector, void *ctx)
{
	(void)vector, (void)ctx;
	handler_tsc = rdtsc();
	handled++;
}

static void sort(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* Points edu's MSI at `apic_id`: through its IRTE when remapping is on. */
static int route_to(struct edu *e, struct irq_route *r, bool remapped, uint32_t apic_id)
{
	struct msi_compat m = { .dest = (uint8_t)apic_id, .vector = BENCH_VECTOR };
	uint32_t addr, data;
	int err;

	if (remapped) {
		if ((err = irq_route_set(r, 0, apic_id, BENCH_VECTOR)))
			return err;
		irq_route_msi(r, &addr, &data);
	} else if ((err = msi_compat_encode(&m, &addr, &data))) {
		return err;
	}
	return device_msi_enable(e->fn, addr, data, 1);
}

static bool measure(struct edu *e, uint64_t *samples)
{
	for (unsigned i = 0; i < SAMPLES; i++) {
		unsigned long before = handled;
		uint64_t start = rdtsc();
		edu_raise(e, EDU_IRQ_BIT);
		uint64_t deadline = deadline_after_us(SAMPLE_WAIT_US);
		while (handled == before)
			if (deadline_passed(deadline))
				return false;
		samples[i] = handler_tsc - start;
		edu_ack(e, EDU_IRQ_BIT);
	}
	return true;
}

static enum selftest_result irq_latency(struct selftest_ctx *ctx)
{
	static uint64_t samples[SAMPLES];
	const struct pci_function *f = edu_find(0);
	struct irq_route route;
	struct edu e;

	if (!f || !iommu_active())
		return selftest_skip(ctx, "needs an edu behind VT-d");
	bool remapped = irq_route_unit_enabled(iommu_unit_of(f));
	CHECK(edu_open(&e, f) == 0, "edu has no usable BAR");
	CHECK(irq_register(BENCH_VECTOR, bench_handler, NULL) == 0, "vector taken");
	CHECK(!remapped || irq_route_alloc(f, 1, IRQ_OWNER_HV, &route) == 0, "no IRTE");

	CHECK(route_to(&e, &route, remapped, smp_apic_id(0)) == 0, "route");
	CHECK(measure(&e, samples), "an interrupt did not arrive");
	sort(samples, SAMPLES);
	selftest_diag("bench irq_latency remap=%s cpu=0 samples=%u min=%llu median=%llu "
		      "max=%llu cycles", remapped ? "on" : "off", SAMPLES,
		      (unsigned long long)samples[0], (unsigned long long)samples[SAMPLES / 2],
		      (unsigned long long)samples[SAMPLES - 1]);
	device_msi_disable(f);
	edu_close(&e);
	if (remapped)
		irq_route_free(&route);
	irq_unregister(BENCH_VECTOR);
	return SELFTEST_PASS;
}

static const struct selftest tests[] = {
	{ "irq_latency", irq_latency },
};

const struct selftest_suite selftest_suite_irqbench = { "irqbench", tests, 1 };
