/* What firmware and the buses say about the machine: ACPI tables, CPUs,
 * ECAM, the VT-d units, and the PCI functions with their IOMMU groups. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <stdbool.h>

#include "arch/x86/acpi.h"
#include "arch/x86/madt.h"
#include "arch/x86/mcfg.h"
#include "arch/x86/pci_enum.h"
#include "iommu/dmar_model.h"

struct platform {
	struct acpi_tables acpi;
	bool acpi_ok;
	struct acpi_timers timers;
	struct madt_info madt;
	bool madt_ok;
	struct mcfg_info mcfg;
	bool mcfg_ok;
	/* NULL without a DMAR table; dmar->refused when it is unusable. */
	struct dmar_table *dmar;
	struct pci_topology *pci; /* NULL until enumerated, or without ECAM */
};

extern struct platform platform;

/* Reads the tables from the RSDP. Returns 0, or a negative errno when there
 * is no usable ACPI at all; missing tables are reported, not fatal. */
int platform_discover(const void *rsdp);

/* Whether VT-d can be used: a DMAR that was not refused. */
bool platform_has_vtd(void);

/* Enumerates PCI, computes DMA aliases and IOMMU groups and each function's
 * remapping unit. */
void platform_enumerate_pci(void);

void platform_print(void);

#endif
