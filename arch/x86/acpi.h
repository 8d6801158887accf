/* ACPI root and system description tables (ACPI 6.5, chapter 5.2). Physical
 * addresses are used as pointers: the hypervisor identity-maps memory, and the
 * host unit tests hand in ordinary pointers. */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

/* Generic Address Structure (5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define ACPI_GAS_SYSTEM_MEMORY 0
#define ACPI_GAS_SYSTEM_IO     1

#define ACPI_MAX_TABLES 64

struct acpi_table {
	const struct acpi_header *header;
	bool checksum_ok;
};

struct acpi_tables {
	uint8_t rsdp_revision;
	bool rsdp_checksum_ok;
	/* The root table: the XSDT, or the RSDT when rsdt (RSDP revision
	 * below 2: ACPI 1.0). */
	const struct acpi_header *xsdt;
	bool rsdt;
	bool xsdt_checksum_ok;
	unsigned count;
	struct acpi_table table[ACPI_MAX_TABLES];
};

bool acpi_checksum_ok(const void *data, size_t len);

/* Validates the RSDP and its root table (the XSDT from revision 2 on, the
 * RSDT before) and records every table the root lists. Returns 0 or a negative errno; problems are logged. */
int acpi_tables_init(struct acpi_tables *t, const void *rsdp);

/* The instance-th table (from 0) whose signature matches, or NULL. */
const struct acpi_table *acpi_find(const struct acpi_tables *t,
				   const char signature[4], unsigned instance);

/* ACPI PM timer and HPET locations, from the FADT and HPET tables. */
struct acpi_timers {
	uint16_t pm_timer_port; /* 0 when absent */
	bool pm_timer_32bit;
	uint64_t hpet_base;     /* 0 when absent */
};

void acpi_find_timers(const struct acpi_tables *t, struct acpi_timers *out);

#endif
