/* Self-tests of exception handling and the time source. */
#include "hv/selftest.h"
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/hpet.h"
#include "arch/x86/time.h"
#include "hv/platform.h"

#define TIME_CHECK_MS 200
#define TIME_TOLERANCE_PERCENT 10
#define PM_TIMER_HZ 3579545ull

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

static const struct selftest tests[] = {
	{ "exception_caught", exception_caught },
	{ "time_source", time_source },
};

const struct selftest_suite selftest_suite_cpu = { "cpu", tests,
						       sizeof(tests) / sizeof(tests[0]) };
