/* A unit's interrupt remapping (VT-d 4.1, 5.1 and 11.4.19): its table set
 * up and verified, compatibility-format interrupts blocked, remapping on;
 * entries written so the hardware never sees one half-written, each change
 * followed by an interrupt entry cache invalidation of its index. */
#ifndef IOMMU_VTD_IR_H
#define IOMMU_VTD_IR_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu/irte.h"
#include "iommu/vtd_unit.h"

/* Turns interrupt remapping on with the zeroed, 4 KiB aligned table at
 * `table` of 2^(irta_s + 1) entries; `eim` selects x2APIC destinations.
 * 0, or:
 *  -ENODEV      the unit has no interrupt remapping (ECAP.IR = 0);
 *  -EOPNOTSUPP  no queued invalidation (required: 6.5.2), or `eim`
 *               asked of a unit without ECAP.EIM;
 *  -EINVAL      irta_s > 15 or a misaligned table;
 *  -EIO         IRTA does not read back as written;
 *  -ETIMEDOUT   a command the unit did not complete in time. */
int vtd_ir_enable(struct vtd_unit *u, uint64_t table, unsigned irta_s, bool eim);

/* Writes entry `index` (present or not) and invalidates its cached copy.
 * -EINVAL when remapping is off, the index is beyond the table, or
 * irte_validate() refuses the entry for this unit's destination mode. */
int vtd_ir_set(struct vtd_unit *u, uint32_t index, const struct irte_fields *f);

/* Clears the naturally aligned block of `count` entries (a power of two)
 * at `first` and invalidates it. */
int vtd_ir_clear(struct vtd_unit *u, uint32_t first, unsigned count);

/* The entry as the table holds it. -EINVAL beyond the table. */
int vtd_ir_get(const struct vtd_unit *u, uint32_t index, struct irte_fields *f);

#endif
