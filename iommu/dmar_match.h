/* Which remapping unit translates a PCI function's DMA: the DRHD whose
 * device scope names it or a bridge above it, else the segment's
 * INCLUDE_PCI_ALL unit (VT-d 4.1, 8.3 and 8.3.1; Linux device_to_iommu). */
#ifndef IOMMU_DMAR_MATCH_H
#define IOMMU_DMAR_MATCH_H

#include "arch/x86/pci_enum.h"
#include "iommu/dmar_model.h"

/* The DRHD ordinal (0 = first DRHD of the table) or -1 when no unit
 * covers the function. Ignored DRHDs never match. */
int dmar_unit_of(const struct dmar_table *dt, const struct pci_topology *t, unsigned idx);

/* Resolves a scope's path through the enumerated bridges: the index of the
 * function it names, or -1 when that function is absent. */
int dmar_scope_resolve(const struct dmar_scope *s, uint16_t segment,
		       const struct pci_topology *t);

/* The unit (DRHD ordinal) that remaps the interrupts of the IOAPIC with
 * MADT id `ioapic_id`, and the source ID its requests carry, from its
 * DRHD device scope (8.3.1.1). 0; -ENOENT when no usable scope names it;
 * -ENODEV when a bridge on the scope's path is absent. */
int dmar_ioapic_source(const struct dmar_table *dt, const struct pci_topology *t,
		       uint8_t ioapic_id, int *unit, uint16_t *sid);

/* Fills fn[].unit for every function. */
void dmar_assign_units(const struct dmar_table *dt, struct pci_topology *t);

#endif
