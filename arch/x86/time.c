#include "arch/x86/time.h"
#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/hpet.h"

#define PM_TIMER_HZ 3579545ull
#define CALIBRATION_MS 50
/* A timer that never advances must not hang calibration: each read costs
 * well over 10 ns, so this bounds the loop to seconds. */
#define CALIBRATION_POLL_LIMIT 100000000ul
#define GUESSED_TSC_HZ 2000000000ull

static uint64_t tsc_at_start;
static uint64_t tsc_hz;
static enum tsc_source source;

void time_start(void)
{
	tsc_at_start = rdtsc();
}

const char *tsc_source_name(enum tsc_source s)
{
	static const char *const names[] = {
		[TSC_FROM_CPUID_15] = "CPUID leaf 0x15",
		[TSC_FROM_PM_TIMER] = "ACPI PM timer",
		[TSC_FROM_HPET] = "HPET",
		[TSC_FROM_CPUID_16] = "CPUID leaf 0x16",
		[TSC_GUESSED] = "a guess (no reference timer)",
	};
	return names[s];
}

static uint64_t tsc_hz_from_cpuid_15(void)
{
	if (cpuid(0, 0).eax < 0x15)
		return 0;
	struct cpuid_regs r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax;
}

/* Counts TSC ticks while a reference counter advances by `ref_ticks`. */
static uint64_t tsc_ticks_over(uint64_t (*read_ref)(const void *), const void *ctx,
			       uint64_t ref_mask, uint64_t ref_ticks)
{
	uint64_t ref0 = read_ref(ctx), tsc0 = rdtsc();

	for (unsigned long i = 0; i < CALIBRATION_POLL_LIMIT; i++) {
		uint64_t elapsed = (read_ref(ctx) - ref0) & ref_mask;
		if (elapsed >= ref_ticks)
			return (rdtsc() - tsc0) * ref_ticks / elapsed;
	}
	return 0;
}

static uint64_t read_pm_timer(const void *ctx)
{
	return inl(*(const uint16_t *)ctx);
}

/* PM timer ticks over `ms` of the TSC. */
static uint64_t pm_ticks_over_ms(const struct acpi_timers *t, uint64_t mask, unsigned ms)
{
	uint64_t start = inl(t->pm_timer_port), until = rdtsc() + tsc_hz / 1000 * ms;

	while (rdtsc() < until)
		cpu_relax();
	return (inl(t->pm_timer_port) - start) & mask;
}

/* Any of a few tries, within a quarter: the TSC's own calibration can be
 * off by several percent on a loaded emulator, and a thread preempted
 * between two reads spoils one try; a port that is something else does
 * not count at megahertz rates at all. */
bool time_pm_timer_counts(const struct acpi_timers *t)
{
	const unsigned ms = 2, tries = 3;

	if (!t->pm_timer_port || !tsc_hz)
		return false;
	uint64_t mask = t->pm_timer_32bit ? 0xffffffffull : 0xffffffull;
	uint64_t want = PM_TIMER_HZ / 1000 * ms;
	for (unsigned i = 0; i < tries; i++) {
		uint64_t ticks = pm_ticks_over_ms(t, mask, ms);
		if (ticks >= want - want / 4 && ticks <= want + want / 4)
			return true;
	}
	return false;
}

static uint64_t read_hpet(const void *ctx)
{
	return hpet_counter(*(const uintptr_t *)ctx);
}

static uint64_t tsc_hz_from_pm_timer(const struct acpi_timers *t)
{
	if (!t->pm_timer_port)
		return 0;
	uint64_t mask = t->pm_timer_32bit ? 0xffffffffull : 0xffffffull;
	uint64_t ticks = tsc_ticks_over(read_pm_timer, &t->pm_timer_port, mask,
					PM_TIMER_HZ * CALIBRATION_MS / 1000);
	return ticks * 1000 / CALIBRATION_MS;
}

static uint64_t tsc_hz_from_hpet(const struct acpi_timers *t)
{
	if (!t->hpet_base)
		return 0;
	uintptr_t base = t->hpet_base;
	uint32_t period = hpet_period_fs(base);
	if (!period || period > HPET_MAX_PERIOD_FS)
		return 0;
	hpet_enable(base);
	uint64_t hz = HPET_FEMTOSECONDS_PER_SECOND / period;
	uint64_t ticks = tsc_ticks_over(read_hpet, &base, ~0ull,
					hz * CALIBRATION_MS / 1000);
	return ticks * 1000 / CALIBRATION_MS;
}

static uint64_t tsc_hz_from_cpuid_16(void)
{
	if (cpuid(0, 0).eax < 0x16)
		return 0;
	return (uint64_t)(cpuid(0x16, 0).eax & 0xffff) * 1000000;
}

static enum tsc_source find_tsc_hz(const struct acpi_timers *timers)
{
	if ((tsc_hz = tsc_hz_from_cpuid_15()))
		return TSC_FROM_CPUID_15;
	if ((tsc_hz = tsc_hz_from_pm_timer(timers)))
		return TSC_FROM_PM_TIMER;
	if ((tsc_hz = tsc_hz_from_hpet(timers)))
		return TSC_FROM_HPET;
	if ((tsc_hz = tsc_hz_from_cpuid_16()))
		return TSC_FROM_CPUID_16;
	tsc_hz = GUESSED_TSC_HZ;
	return TSC_GUESSED;
}

enum tsc_source time_calibrate(const struct acpi_timers *timers)
{
	return source = find_tsc_hz(timers);
}

enum tsc_source time_tsc_source(void)
{
	return source;
}

bool time_ready(void)
{
	return tsc_hz != 0;
}

uint64_t time_tsc_hz(void)
{
	return tsc_hz;
}

uint64_t time_ns(void)
{
	uint64_t ticks = rdtsc() - tsc_at_start;

	/* Split to keep ticks * 1e9 from overflowing after a few seconds. */
	return ticks / tsc_hz * 1000000000ull +
	       ticks % tsc_hz * 1000000000ull / tsc_hz;
}

uint64_t deadline_after_us(uint64_t us)
{
	return rdtsc() + us * (tsc_hz / 1000000);
}

bool deadline_passed(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) >= 0;
}

void time_delay_us(uint64_t us)
{
	uint64_t d = deadline_after_us(us);

	while (!deadline_passed(d))
		cpu_relax();
}
