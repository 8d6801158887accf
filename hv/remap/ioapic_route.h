/* Legacy interrupts, for hardware where they still matter: each MADT I/O
 * APIC taken over with every pin masked, and a GSI routed through an IRTE
 * in remappable format (VT-d 5.1.5.1) whose source-ID check names the
 * I/O APIC as its DMAR device scope gives it. Without interrupt remapping
 * on its unit a pin stays masked: hv routes nothing in compatibility
 * format. */
#ifndef HV_REMAP_IOAPIC_ROUTE_H
#define HV_REMAP_IOAPIC_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/remap/irq_route.h"

struct ioapic_pin {
	unsigned ioapic;       /* index into platform.madt.ioapic[] */
	unsigned pin;
	struct irq_route route;
};

/* Masks every pin of every I/O APIC; returns how many were armed. */
unsigned ioapic_route_init(void);

/* Routes `gsi` to `vector` on the CPU with `apic_id`. 0; -ENOENT when no
 * I/O APIC has the GSI; -ENODEV when its unit does not remap interrupts
 * or the DMAR names no source for it; what irq_route_* return. */
int ioapic_route_gsi(uint32_t gsi, bool level, bool active_low, uint32_t apic_id,
		     uint8_t vector, struct ioapic_pin *p);

/* Masks the pin and frees its IRTE. */
int ioapic_route_free(struct ioapic_pin *p);

#endif
