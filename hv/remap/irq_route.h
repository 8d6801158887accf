/* Device interrupts routed through VT-d interrupt remapping: per unit a
 * table and an allocator of its entries; per device a block of entries
 * whose source-ID check names the requester ID the device's interrupts
 * really carry; a route is a CPU (APIC ID) and a vector, and moving it is
 * one atomic entry update. */
#ifndef HV_REMAP_IRQ_ROUTE_H
#define HV_REMAP_IRQ_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci_enum.h"
#include "iommu/vtd_unit.h"

/* The owner of the hypervisor's own interrupts; guests get their own. */
#define IRQ_OWNER_HV 0u

/* A block of entries for one device (or one IOAPIC). */
struct irq_route {
	struct vtd_unit *unit;
	uint16_t first;
	uint8_t count;
	uint16_t sid;          /* the requester ID its interrupts carry */
	uint32_t owner;
};

struct hv_options;

/* Interrupt remapping on every unit that is up, where the options, the
 * DMAR (its INTR_REMAP flag, every IOAPIC in some unit's scope) and the
 * unit (ECAP.IR; EIM when the LAPIC is in x2APIC mode, unless the DMAR
 * opts out of x2APIC) allow it, with tables of o->irt_entries entries.
 * A unit that cannot remap says why and leaves its devices' interrupts
 * unremapped. */
void irq_route_init(const struct hv_options *o);

/* Whether interrupts of `u` are remapped. */
bool irq_route_unit_enabled(const struct vtd_unit *u);

/* Allocates `count` entries (a power of two up to 32: the vectors of a
 * multi-message MSI, or 1: an MSI-X entry's) for function `f`'s MSIs, for
 * `owner`. -ENODEV when f's unit does not remap interrupts, -EINVAL,
 * -ENOSPC. Allocation and freeing may run on any CPU at once (locked). */
int irq_route_alloc(const struct pci_function *f, unsigned count, uint32_t owner,
		    struct irq_route *r);

/* The same for requester `sid` on unit `u` (an IOAPIC's, say). */
int irq_route_alloc_sid(struct vtd_unit *u, uint16_t sid, unsigned count, uint32_t owner,
			struct irq_route *r);

/* Routes entry `sub` of the block to `vector` (fixed delivery, edge) on the
 * CPU with `apic_id`. Rerouting a present entry is the retarget: one
 * atomic update, then the entry is invalidated, so the next interrupt goes
 * to the new place. -EINVAL for a sub beyond the block, a vector below
 * 32, or an APIC ID that is not an online CPU's. */
int irq_route_set(const struct irq_route *r, unsigned sub, uint32_t apic_id, uint8_t vector);

/* As irq_route_set(), for level-triggered sources (IOAPIC pins). */
int irq_route_set_level(const struct irq_route *r, unsigned sub, uint32_t apic_id,
			uint8_t vector);

/* Makes entry `sub` not present: its interrupts are dropped (and faulted). */
int irq_route_mask(const struct irq_route *r, unsigned sub);

/* The remappable-format MSI address (low dword; the high one is 0) and data
 * naming the block: handle = first entry with SHV, so a multi-message MSI's
 * vector number selects the entry. */
void irq_route_msi(const struct irq_route *r, uint32_t *addr_lo, uint32_t *data);

/* Clears and invalidates the block's entries, then frees it. The device
 * must no longer send these interrupts (MSI disabled, or masked). */
int irq_route_free(struct irq_route *r);

#endif
