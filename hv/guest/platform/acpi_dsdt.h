/* The DSDT of a Linux guest's tables (hv/guest/platform/acpi_tables.h). */
#ifndef HV_GUEST_PLATFORM_ACPI_DSDT_H
#define HV_GUEST_PLATFORM_ACPI_DSDT_H

#include <stddef.h>

struct acpi_guest_desc;

/* Writes the DSDT's AML body (no header) for a checked description into
 * buf[0, size). Returns its length, or 0 when it does not fit. */
size_t acpi_dsdt_body(const struct acpi_guest_desc *d, void *buf, size_t size);

#endif
