/* The DMAR table as a platform model (Intel VT-d specification 4.1,
 * chapter 8): every remapping structure in table order with its device
 * scopes, and the diagnostics the parser raised on the way. The parser
 * (iommu/dmar.c) never reads past the table or a structure and never
 * trusts a length; the hypervisor and the host tool dmar-dump share it. */
#ifndef IOMMU_DMAR_MODEL_H
#define IOMMU_DMAR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DMAR header flags (8.1). */
#define DMAR_FLAG_INTR_REMAP      (1u << 0)
#define DMAR_FLAG_X2APIC_OPT_OUT  (1u << 1)
#define DMAR_FLAG_DMA_CTRL_OPT_IN (1u << 2)

/* DRHD flags (8.3). */
#define DRHD_FLAG_INCLUDE_PCI_ALL (1u << 0)
/* ATSR flags (8.5). */
#define ATSR_FLAG_ALL_PORTS (1u << 0)
/* SATC flags (8.8). */
#define SATC_FLAG_ATC_REQUIRED (1u << 0)

enum dmar_struct_type {
	DMAR_DRHD = 0,
	DMAR_RMRR = 1,
	DMAR_ATSR = 2,
	DMAR_RHSA = 3,
	DMAR_ANDD = 4,
	DMAR_SATC = 5,
	DMAR_SIDP = 6,
	DMAR_UNKNOWN = 0xffff, /* any other type code, skipped by its length */
};

/* Device scope types (8.3.1). */
enum dmar_scope_type {
	DMAR_SCOPE_ENDPOINT = 1,
	DMAR_SCOPE_BRIDGE = 2,
	DMAR_SCOPE_IOAPIC = 3,
	DMAR_SCOPE_HPET = 4,
	DMAR_SCOPE_ACPI_NAMESPACE = 5,
};

#define DMAR_MAX_PATH 16      /* hops of one scope path */
#define DMAR_MAX_STRUCTURES 128
#define DMAR_MAX_SCOPES 512   /* over all structures */
#define DMAR_MAX_DIAGNOSTICS 64
#define DMAR_DIAG_MESSAGE_MAX 120
#define DMAR_ANDD_NAME_MAX 64

struct dmar_path_hop {
	uint8_t dev, fn;
};

struct dmar_scope {
	uint8_t type;           /* enum dmar_scope_type, or what the table says */
	uint8_t enumeration_id; /* IOAPIC id, HPET number, ACPI device number */
	uint8_t start_bus;
	uint8_t path_len;
	/* Byte 2 of the scope: reserved before VT-d 4.0, device properties
	 * under an SIDP (8.9) since. */
	uint8_t flags;
	/* Set when the parser decided the hypervisor must not use this scope
	 * (unknown type, empty or impossible path, a second scope for the same
	 * IOAPIC/HPET, ...; see the diagnostics); dmar-dump still shows it. */
	bool ignored;
	/* A one-hop PCI path whose start bus is no root bus the table knows:
	 * firmware gave the device's own bus instead of the path from the root.
	 * Match it as start_bus:path[0] when the walk from the root finds
	 * nothing (Linux's "RMRR entry ... is broken - applying workaround"). */
	bool starts_on_secondary_bus;
	struct dmar_path_hop path[DMAR_MAX_PATH];
	uint32_t offset;        /* of the scope in the table */
};

struct dmar_structure {
	uint16_t type;          /* enum dmar_struct_type */
	uint16_t type_code;     /* as in the table (differs for DMAR_UNKNOWN) */
	uint32_t offset;
	uint16_t length;
	/* Set when the parser decided the hypervisor must not use it (a
	 * firmware bug, see the diagnostics); dmar-dump still shows it. */
	bool ignored;
	uint16_t first_scope, scope_count; /* into dmar_table.scope */
	union {
		struct { uint8_t flags, size; uint16_t segment; uint64_t address; } drhd;
		struct { uint16_t segment; uint64_t base, limit; } rmrr;
		struct { uint8_t flags; uint16_t segment; } atsr;
		struct { uint64_t address; uint32_t proximity_domain; } rhsa;
		struct { uint8_t device_number; char name[DMAR_ANDD_NAME_MAX]; } andd;
		struct { uint8_t flags; uint16_t segment; } satc;
		struct { uint16_t segment; } sidp;
	};
};

enum dmar_severity { DMAR_INFO, DMAR_WARNING, DMAR_ERROR };

struct dmar_diagnostic {
	enum dmar_severity severity;
	uint32_t offset;
	char message[DMAR_DIAG_MESSAGE_MAX];
};

struct dmar_table {
	uint8_t revision;
	char oem_id[7], oem_table_id[9];
	unsigned host_address_width; /* bits: the table's field + 1 */
	uint8_t flags;
	/* The whole table is unusable: the hypervisor runs without VT-d. */
	bool refused;
	/* Interrupt remapping must stay off even though the INTR_REMAP flag
	 * offers it: an IOAPIC of the MADT has no scope under a usable unit.
	 * Judged only with a MADT view and the flag set. */
	bool intr_remap_unsafe;
	unsigned structure_count, scope_count, diagnostic_count;
	unsigned diagnostics_dropped;
	struct dmar_structure structure[DMAR_MAX_STRUCTURES];
	struct dmar_scope scope[DMAR_MAX_SCOPES];
	struct dmar_diagnostic diagnostic[DMAR_MAX_DIAGNOSTICS];
};

/* IOAPIC ids the MADT lists, to check the DMAR's IOAPIC scopes against;
 * count 0 when no MADT is at hand (then no such check is made). */
struct dmar_madt_view {
	unsigned ioapic_count;
	const uint8_t *ioapic_ids;
};

/* Parses `len` bytes of a DMAR table. Returns 0 when the table is usable
 * (warnings allowed), -EINVAL when it is refused; out is filled either way. */
int dmar_parse(const void *table, size_t len, const struct dmar_madt_view *madt,
	       struct dmar_table *out);

const char *dmar_struct_type_name(uint16_t type);
const char *dmar_severity_name(enum dmar_severity severity);
const struct dmar_scope *dmar_scopes_of(const struct dmar_table *t,
					const struct dmar_structure *s);

/* The unit that takes the devices of `segment` no scope names: the first
 * usable INCLUDE_PCI_ALL DRHD of that segment in table order (a second one
 * is reported and covers nothing, as in Linux), or NULL. */
const struct dmar_structure *dmar_catch_all_unit(const struct dmar_table *t,
						 uint16_t segment);

#endif
