/* MADT: the interrupt controllers and CPUs firmware describes (ACPI 6.5, 5.2.12). */
#ifndef ARCH_X86_MADT_H
#define ARCH_X86_MADT_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_header;

#define MADT_MAX_CPUS 256
#define MADT_MAX_IOAPICS 16
#define MADT_MAX_OVERRIDES 16

/* MPS INTI flags of an interrupt source override (ACPI 6.5, table 5.26). */
#define MADT_INTI_POLARITY_MASK   0x3
#define MADT_INTI_ACTIVE_LOW      0x3
#define MADT_INTI_TRIGGER_SHIFT   2
#define MADT_INTI_TRIGGER_MASK    (0x3 << 2)
#define MADT_INTI_LEVEL           (0x3 << 2)

/* An ISA IRQ wired to another GSI, or with other polarity/trigger. */
struct madt_override {
	uint8_t source;    /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;    /* MADT_INTI_* */
};

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
	struct madt_override override[MADT_MAX_OVERRIDES];
	unsigned skipped_entries; /* unknown types, or beyond our limits */
};

/* Returns 0, or -EINVAL for a table too short or an entry running past it
 * (what was read before it is kept). */
int madt_parse(const struct acpi_header *madt, struct madt_info *out);

/* The GSI of ISA IRQ `irq` and its INTI flags (0: the bus default, edge
 * and active high), following any override. */
uint32_t madt_isa_gsi(const struct madt_info *m, uint8_t irq, uint16_t *flags);

#endif
