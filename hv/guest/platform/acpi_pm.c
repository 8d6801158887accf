#include "hv/guest/platform/acpi_pm.h"
#include "hv/guest/platform/clock_ticks.h"

#define SLEEP_CTL_OFFSET (GUEST_PORT_SLEEP_CTL - GUEST_PORT_ACPI)
#define SLEEP_STS_OFFSET (GUEST_PORT_SLEEP_STS - GUEST_PORT_ACPI)
#define RESET_OFFSET     (GUEST_PORT_RESET - GUEST_PORT_ACPI)
#define TIMER_OFFSET     (GUEST_PORT_PM_TIMER - GUEST_PORT_ACPI)
#define TIMER_BYTES      4

uint32_t acpi_pm_timer(uint64_t now_ns)
{
	return (uint32_t)clock_ticks(now_ns, ACPI_PM_TIMER_HZ);
}

uint8_t acpi_pm_read_byte(unsigned offset, uint64_t now_ns)
{
	if (offset >= TIMER_OFFSET && offset < TIMER_OFFSET + TIMER_BYTES)
		return (uint8_t)(acpi_pm_timer(now_ns) >> (8 * (offset - TIMER_OFFSET)));
	switch (offset) {
	/* SLP_EN reads 0; no wake event is ever pending. */
	case SLEEP_CTL_OFFSET: case SLEEP_STS_OFFSET: case RESET_OFFSET: return 0;
	default: return 0xff;
	}
}

enum acpi_pm_request acpi_pm_decode_write(unsigned offset, uint8_t value, unsigned *sleep_type)
{
	switch (offset) {
	case SLEEP_CTL_OFFSET:
		if (!(value & ACPI_SLEEP_ENABLE))
			return ACPI_PM_NOTHING;
		*sleep_type = (value & ACPI_SLEEP_TYPE_MASK) >> ACPI_SLEEP_TYPE_SHIFT;
		return *sleep_type == GUEST_SLEEP_TYPE_S5 ? ACPI_PM_POWER_OFF : ACPI_PM_OTHER_SLEEP;
	case RESET_OFFSET:
		return value == GUEST_RESET_VALUE ? ACPI_PM_RESET : ACPI_PM_NOTHING;
	default:
		return ACPI_PM_NOTHING; /* status write-1-to-clear: nothing set; timer read-only */
	}
}
