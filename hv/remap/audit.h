/* The VT-d audit on the machine: after every guest is built and before any
 * starts, every unit's tables read back by the independent walker and
 * judged against what hv was configured with (hv/remap/audit_check.h);
 * later, each IRTE hv rewrites for a guest, alone. */
#ifndef HV_REMAP_AUDIT_H
#define HV_REMAP_AUDIT_H

#include "hv/boot_info.h"
#include "hv/options.h"
#include "hv/remap/irq_route.h"

struct guest;

/* Prints one line per guest (devices, domains, pages mapped, IRTEs,
 * violations) and each violation. 0, or -EPERM when there were violations
 * and `mode` is AUDIT_ON: no guest may start. Keeps what it expected for
 * audit_route_entry(). */
int audit_guests(const struct boot_info *bi, struct guest *guests, unsigned n,
		 enum audit_mode mode);

/* After hv wrote entry `sub` of `r` for guest g: that entry judged alone.
 * On a violation with audit=on, the entry is masked and g is stopped
 * (-EPERM): the writer just broke isolation for it, so none of its routes
 * can be trusted, and the other guests run on. */
int audit_route_entry(struct guest *g, const struct irq_route *r, unsigned sub);

/* How many entries audit_route_entry() judged, and how many failed. */
void audit_print_runtime(void);

#endif
