/* The GUEST_PORT_ACPI block a hardware-reduced FADT points a Linux guest
 * at: the PM timer (32 bits, 3.579545 MHz, from hv's clock), the sleep
 * control and status registers, and the reset register. What a byte of
 * it reads and what a write to it asks for, pure, for the host unit
 * tests; hv/guest/platform/devices.c acts on the requests. */
#ifndef HV_GUEST_PLATFORM_ACPI_PM_H
#define HV_GUEST_PLATFORM_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest/platform/layout.h"

#define ACPI_PM_TIMER_HZ 3579545u

/* Sleep control (ACPI 6 4.8.3.7): SLP_TYPx in bits 2-4, SLP_EN bit 5. */
#define ACPI_SLEEP_TYPE_SHIFT 2
#define ACPI_SLEEP_TYPE_MASK  0x1c
#define ACPI_SLEEP_ENABLE     0x20

/* The timer's value at `now_ns`: it counts from hv's boot and wraps. */
uint32_t acpi_pm_timer(uint64_t now_ns);

/* The byte at `offset` in the block: the timer's bytes, 0 for the sleep
 * and reset registers, all-ones for the ports nothing uses. */
uint8_t acpi_pm_read_byte(unsigned offset, uint64_t now_ns);

/* What a write of `value` to the byte at `offset` asks for. */
enum acpi_pm_request {
	ACPI_PM_NOTHING,
	ACPI_PM_POWER_OFF,     /* SLP_EN with SLP_TYP S5 */
	ACPI_PM_OTHER_SLEEP,   /* SLP_EN with another type: *sleep_type says which */
	ACPI_PM_RESET,         /* GUEST_RESET_VALUE to the reset register */
};

enum acpi_pm_request acpi_pm_decode_write(unsigned offset, uint8_t value, unsigned *sleep_type);

#endif
