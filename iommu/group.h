/* DMA aliases and IOMMU groups of the enumerated PCI functions, by Linux's
 * rules (drivers/pci/search.c pci_for_each_dma_alias, drivers/iommu/iommu.c
 * pci_device_group): a group is the smallest set of functions the IOMMU
 * can isolate from each other, and is only ever owned as a whole. */
#ifndef IOMMU_GROUP_H
#define IOMMU_GROUP_H

#include "arch/x86/pci_enum.h"

/* Fills alias[], alias_count and group of every function, and
 * t->group_count. Functions are taken in enumeration order, which puts
 * every bridge before what lies below it. */
void iommu_groups_compute(struct pci_topology *t);

/* Whether ACS isolates `f` from its peers (Linux's pci_acs_enabled with
 * REQ_ACS_FLAGS). */
bool pci_acs_isolated(const struct pci_function *f);

#endif
