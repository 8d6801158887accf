/* What firmware says about the machine: ACPI tables, CPUs, ECAM, VT-d. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <stdbool.h>

#include "arch/x86/acpi.h"
#include "arch/x86/madt.h"
#include "arch/x86/mcfg.h"
#include "iommu/dmar.h"

struct platform {
	struct acpi_tables acpi;
	bool acpi_ok;
	struct acpi_timers timers;
	struct madt_info madt;
	bool madt_ok;
	struct mcfg_info mcfg;
	bool mcfg_ok;
	bool dmar_present;
	bool dmar_ok;
	struct dmar_summary dmar;
};

extern struct platform platform;

/* Reads the tables from the RSDP. Returns 0, or a negative errno when there
 * is no usable ACPI at all; missing tables are reported, not fatal. */
int platform_discover(const void *rsdp);
void platform_print(void);

#endif
