/* Time from the TSC, calibrated once at boot, for timestamps and bounded waits. */
#ifndef ARCH_X86_TIME_H
#define ARCH_X86_TIME_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_timers;

enum tsc_source { TSC_FROM_CPUID_15, TSC_FROM_PM_TIMER, TSC_FROM_HPET, TSC_FROM_CPUID_16, TSC_GUESSED };

/* Marks t=0 of the boot timeline. */
void time_start(void);

/* Finds the TSC frequency: CPUID leaf 0x15 when it names the crystal, else a
 * calibration against the ACPI PM timer or the HPET. */
enum tsc_source time_calibrate(const struct acpi_timers *timers);
const char *tsc_source_name(enum tsc_source s);
enum tsc_source time_tsc_source(void);

/* Whether the ACPI PM timer the tables name counts at 3.579545 MHz (within
 * 25% over 2 ms of the calibrated TSC, in one of three tries): a port
 * firmware calls the timer that does not is something else. */
bool time_pm_timer_counts(const struct acpi_timers *t);

bool time_ready(void);
uint64_t time_tsc_hz(void);
uint64_t time_ns(void);
void time_delay_us(uint64_t us);

/* Deadlines in TSC ticks, for bounded waits on hardware. */
uint64_t deadline_after_us(uint64_t us);
bool deadline_passed(uint64_t deadline);

#endif
