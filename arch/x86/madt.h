/* MADT: the interrupt controllers and CPUs firmware describes (ACPI 6.5, 5.2.12). */
#ifndef ARCH_X86_MADT_H
#define ARCH_X86_MADT_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_header;

#define MADT_MAX_CPUS 256
#define MADT_MAX_IOAPICS 16

struct madt_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct madt_info {
	uint32_t lapic_address;
	bool pcat_compat;
	unsigned cpu_count;   /* enabled or online-capable */
	uint32_t cpu_apic_id[MADT_MAX_CPUS];
	unsigned ioapic_count;
	struct madt_ioapic ioapic[MADT_MAX_IOAPICS];
	unsigned override_count;
	unsigned skipped_entries; /* unknown types, or beyond our limits */
};

/* Returns 0, or -EINVAL for a table too short or an entry running past it
 * (what was read before it is kept). */
int madt_parse(const struct acpi_header *madt, struct madt_info *out);

#endif
