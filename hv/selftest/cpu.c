/* Self-tests of exception handling, the time source, and the application
 * processors. */
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/hpet.h"
#include "arch/x86/irq.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/sizes.h"
#include "arch/x86/smp.h"
#include "arch/x86/time.h"
#include "hv/platform.h"
#include "hv/selftest/selftest.h"

#include <string.h>

#define TIME_CHECK_MS 200
#define TIME_TOLERANCE_PERCENT 10
#define PM_TIMER_HZ 3579545ull
#define IPI_WAIT_US 100000
/* After the IPI arrived: how long a second delivery would have had. */
#define IPI_SETTLE_US 5000

static enum selftest_result exception_caught(struct selftest_ctx *ctx)
{
	struct fault_expectation e = { .vector = VEC_UD,
				       .resume_rip = (uintptr_t)fault_probe_ud_resume };
	(void)ctx;

	exception_expect(&e);
	fault_probe_ud();
	exception_expect_clear();
	CHECK(e.taken, "UD2 raised no #UD");
	CHECK(e.rip == (uintptr_t)fault_probe_ud, "#UD reported at %#llx, UD2 is at %p",
	      (unsigned long long)e.rip, (void *)fault_probe_ud);
	return SELFTEST_PASS;
}

/* A timer other than the one the TSC was calibrated against: comparing
 * with that one would prove nothing. */
struct reference {
	const char *name;
	uint64_t (*read)(void);
	uint64_t hz, mask;
};

static uintptr_t hpet_base;
static uint16_t pm_port;

static uint64_t read_hpet(void) { return hpet_counter(hpet_base); }
static uint64_t read_pm(void) { return inl(pm_port); }

static bool pick_reference(struct reference *r)
{
	const struct acpi_timers *t = &platform.timers;
	enum tsc_source calibrated_by = time_tsc_source();
	uint32_t period;

	hpet_base = t->hpet_base;
	pm_port = t->pm_timer_port;
	if (calibrated_by != TSC_FROM_HPET && hpet_base && (period = hpet_period_fs(hpet_base)) && period <= HPET_MAX_PERIOD_FS) {
		hpet_enable(hpet_base);
		*r = (struct reference){ "HPET", read_hpet,
					 HPET_FEMTOSECONDS_PER_SECOND / period, ~0ull };
		return true;
	}
	if (calibrated_by != TSC_FROM_PM_TIMER && pm_port) {
		*r = (struct reference){ "PM timer", read_pm, PM_TIMER_HZ,
					 t->pm_timer_32bit ? 0xffffffffull : 0xffffffull };
		return true;
	}
	return false;
}

static enum selftest_result time_source(struct selftest_ctx *ctx)
{
	struct reference ref;

	if (!pick_reference(&ref))
		return selftest_skip(ctx, "no independent timer to compare the TSC with");
	uint64_t ref0 = ref.read(), ns0 = time_ns();
	time_delay_us(TIME_CHECK_MS * 1000);
	uint64_t ns = time_ns() - ns0, ref_ticks = (ref.read() - ref0) & ref.mask;
	uint64_t ref_ns = ref_ticks * 1000000000ull / ref.hz;

	selftest_diag("TSC says %llu us, %s says %llu us", (unsigned long long)(ns / 1000),
		      ref.name, (unsigned long long)(ref_ns / 1000));
	CHECK(ref_ns > 0, "%s did not advance", ref.name);
	uint64_t diff = ns > ref_ns ? ns - ref_ns : ref_ns - ns;
	CHECK(diff * 100 <= ref_ns * TIME_TOLERANCE_PERCENT, "off by more than %u%%",
	      TIME_TOLERANCE_PERCENT);
	return SELFTEST_PASS;
}

/* Every CPU firmware lists came online, and the BSP is CPU 0 with its own
 * per-CPU data. */
static enum selftest_result smp_all_cpus_online(struct selftest_ctx *ctx)
{
	const struct expectations *e = &ctx->opts->expect;

	CHECK(platform.madt_ok, "no readable MADT");
	CHECK(smp_cpu_count() == platform.madt.cpu_count, "%u CPUs online, the MADT lists %u",
	      smp_cpu_count(), platform.madt.cpu_count);
	CHECK(!e->cpus_set || smp_cpu_count() == e->cpus, "%u CPUs online, expected %u",
	      smp_cpu_count(), e->cpus);
	CHECK(this_cpu_index() == 0, "the BSP runs as CPU %u", this_cpu_index());
	CHECK(this_cpu()->self == this_cpu(), "the BSP's per-CPU self pointer is wrong");
	CHECK(smp_apic_id(0) == lapic_id(), "CPU 0 has APIC ID %u, the BSP's LAPIC says %u",
	      smp_apic_id(0), lapic_id());
	for (unsigned i = 0; i < smp_cpu_count(); i++)
		CHECK(smp_cpu_of_apic_id(smp_apic_id(i)) == (int)i, "APIC ID %u maps to CPU %d, not %u",
		      smp_apic_id(i), smp_cpu_of_apic_id(smp_apic_id(i)), i);
	return SELFTEST_PASS;
}

/* What the IPI handler saw on the CPU that took it. */
struct ipi_record {
	unsigned long hits;
	unsigned index;
	uint32_t percpu_apic_id, lapic_apic_id;
};

static void record_ipi(uint8_t vector, void *ctx)
{
	struct ipi_record *r = ctx;
	(void)vector;

	r->index = this_cpu_index();
	r->percpu_apic_id = this_cpu()->apic_id;
	r->lapic_apic_id = lapic_id();
	__atomic_fetch_add(&r->hits, 1, __ATOMIC_RELEASE);
}

static enum selftest_result ipi_to_cpu(struct ipi_record *r, unsigned cpu)
{
	uint32_t apic_id = smp_apic_id(cpu);
	int err;

	memset(r, 0, sizeof(*r));
	CHECK((err = lapic_send_ipi(apic_id, ICR_DELIVERY_FIXED | ICR_VECTOR(IRQ_VECTOR_IPI_TEST))) == 0,
	      "sending to APIC ID %u failed (%d)", apic_id, err);
	uint64_t deadline = deadline_after_us(IPI_WAIT_US);
	while (!__atomic_load_n(&r->hits, __ATOMIC_ACQUIRE) && !deadline_passed(deadline))
		cpu_relax();
	time_delay_us(IPI_SETTLE_US);
	unsigned long hits = __atomic_load_n(&r->hits, __ATOMIC_ACQUIRE);
	CHECK(hits == 1, "IPI to CPU %u (APIC ID %u) handled %lu times", cpu, apic_id, hits);
	CHECK(r->lapic_apic_id == apic_id, "IPI to APIC ID %u taken by APIC ID %u", apic_id,
	      r->lapic_apic_id);
	CHECK(r->index == cpu, "CPU %u (APIC ID %u) runs with CPU %u's per-CPU data", cpu, apic_id,
	      r->index);
	CHECK(r->percpu_apic_id == apic_id, "CPU %u's per-CPU data says APIC ID %u, its LAPIC %u",
	      cpu, r->percpu_apic_id, apic_id);
	return SELFTEST_PASS;
}

/* An IPI to each CPU by APIC ID arrives there once, and the handler finds
 * that CPU's index and APIC ID in its per-CPU data: a CPU on another's
 * GS base, or an index that is not its own, fails. */
static enum selftest_result smp_ipi_per_cpu_data(struct selftest_ctx *ctx)
{
	static struct ipi_record record;
	enum selftest_result r = SELFTEST_PASS;

	if (smp_cpu_count() < 2)
		return selftest_skip(ctx, "only the BSP is online");
	CHECK(irq_register(IRQ_VECTOR_IPI_TEST, record_ipi, &record) == 0, "vector %#x taken",
	      IRQ_VECTOR_IPI_TEST);
	for (unsigned cpu = 0; cpu < smp_cpu_count() && r == SELFTEST_PASS; cpu++)
		r = ipi_to_cpu(&record, cpu);
	irq_unregister(IRQ_VECTOR_IPI_TEST);
	if (r == SELFTEST_PASS)
		selftest_diag("%u CPUs each took their IPI with their own index and APIC ID",
			      smp_cpu_count());
	return r;
}

static const struct selftest tests[] = {
	{ "exception_caught", exception_caught },
	{ "time_source", time_source },
	{ "smp_all_cpus_online", smp_all_cpus_online },
	{ "smp_ipi_per_cpu_data", smp_ipi_per_cpu_data },
};

const struct selftest_suite selftest_suite_cpu = { "cpu", tests,
						       ARRAY_SIZE(tests) };
