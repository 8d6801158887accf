/* The legacy devices a Linux guest reads at boot, as a PC's chipset has
 * them: the PIT and port 0x61 (hv/guest/platform/pit.h), the RTC and
 * CMOS (cmos.h), the ACPI block (acpi_pm.h): one guest's state, the port
 * handlers, and their registration. */
#ifndef HV_GUEST_PLATFORM_DEVICES_H
#define HV_GUEST_PLATFORM_DEVICES_H

#include <stdbool.h>

#include "arch/x86/spinlock.h"
#include "hv/guest/platform/cmos.h"
#include "hv/guest/platform/pit.h"

struct guest;
struct wall_clock;

/* One guest's devices, shared by its vCPUs under `lock`. */
struct guest_platform {
	struct spinlock lock;
	struct pit pit;
	struct cmos cmos;
	bool other_sleep_logged;  /* a sleep type other than S5 was asked for */
};

/* The firmware's clock that every guest's CMOS clock starts from (the
 * boot_info's, from hv_main()); before it, or when it is not valid, the
 * clocks start at a fixed date, logged. */
void guest_platform_set_wall_clock(const struct wall_clock *wc);

/* Resets g->platform and claims the PIT, port 0x61, CMOS and ACPI ports
 * in g's port table: 0, or the first registration's negative errno. */
int guest_platform_attach(struct guest *g);

#endif
