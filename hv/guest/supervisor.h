/* Running the configured guests (hv/guest/supervisor.c). */
#ifndef HV_GUEST_SUPERVISOR_H
#define HV_GUEST_SUPERVISOR_H

#include <stdbool.h>

#include "hv/boot_info.h"
#include "hv/options.h"

/* Validates the configuration against the machine, builds every guest,
 * starts them and waits until all stopped; then reports each (as KTAP
 * when `ktap`, else as diagnostics) in *all_passed. -EINVAL when the
 * configuration was refused or a guest could not be built, -EPERM when
 * the audit of the VT-d tables (audit=on) found violations: nothing ran. */
int guests_run(const struct boot_info *bi, const struct hv_options *o, bool ktap,
	       bool *all_passed);

#endif
