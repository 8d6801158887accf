/* The audit's policy: what every unit's tables must say, given what hv was
 * configured with, compared with what the independent walker
 * (iommu/vtd_audit.h) reads back. Pure data in, violations out: the host
 * unit tests run it over tables the real writers built, then corrupted.
 *
 * The rules:
 *  - a present context entry belongs to a device some guest owns (one of
 *    its requester IDs, on its unit), and names that device's domain: its
 *    domain ID, its table, translation through the table (TT 0), the
 *    unit's address width, no reserved bits;
 *  - every mapping of such a table lands in its guest's RAM at the
 *    expected offset, or in one of the guest's devices' RMRRs (identity),
 *    with exactly the rights expected, and all of them are mapped; no IOVA
 *    or host address in the interrupt range 0xFEE00000-0xFEEFFFFF;
 *  - every present IRTE validates its source exactly (SVT 1; an SQ mask
 *    only where every function it admits is the same guest's), is in
 *    remapped format, physical destination mode, fixed or lowest-priority
 *    delivery, no reserved bits; its destination is a CPU of the guest
 *    that owns its source ID, and an IRTE of a source no guest owns (hv's
 *    own: an I/O APIC, say) targets none of the guests' CPUs. */
#ifndef HV_REMAP_AUDIT_CHECK_H
#define HV_REMAP_AUDIT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu/vtd_audit.h"

#define AUDIT_UNITS_MAX 16
#define AUDIT_GUESTS_MAX 8
#define AUDIT_DEVICES_MAX 8
#define AUDIT_SIDS_MAX 4
#define AUDIT_RMRRS_MAX 4
#define AUDIT_CPUS_MAX 16
#define AUDIT_HV_MEM_MAX 16
#define AUDIT_RAM_WINDOWS 2

#define AUDIT_IRQ_RANGE_BASE 0xfee00000ull
#define AUDIT_IRQ_RANGE_SIZE 0x100000ull

/* A range that may be mapped: IOVA to host address, with these rights. */
struct audit_window {
	uint64_t iova, hpa, size;
	bool read, write;
};

struct audit_device {
	unsigned unit;                  /* ordinal of the unit translating it */
	uint16_t bdf;                   /* its own, for the messages */
	unsigned sid_count;
	uint16_t sid[AUDIT_SIDS_MAX];   /* every requester ID its DMA may carry */
	uint16_t did;                   /* the domain hv attached it to */
	uint64_t table;                 /* that domain's second-level table */
	unsigned rmrr_count;
	struct audit_window rmrr[AUDIT_RMRRS_MAX];
};

struct audit_guest {
	const char *name;
	uint64_t ram, ram_size;         /* host range of its RAM */
	unsigned window_count;
	struct audit_window window[AUDIT_RAM_WINDOWS]; /* what its devices may reach */
	unsigned cpu_count;
	uint32_t apic_id[AUDIT_CPUS_MAX];
	unsigned device_count;
	struct audit_device device[AUDIT_DEVICES_MAX];
};

struct audit_unit {
	bool translating;               /* context tables to audit */
	uint64_t rtaddr;                /* as the unit's register holds it */
	unsigned aw;                    /* the context AW field hv uses */
	bool remapping;                 /* interrupt remapping on */
	uint64_t irta;
};

struct audit_expect {
	struct vtd_audit_mem mem;
	unsigned unit_count;
	struct audit_unit unit[AUDIT_UNITS_MAX];
	unsigned guest_count;
	struct audit_guest guest[AUDIT_GUESTS_MAX];
	/* hv's own memory, only to name what a stray mapping reaches. */
	unsigned hv_mem_count;
	struct { uint64_t base, size; } hv_mem[AUDIT_HV_MEM_MAX];
	/* Table pages one second-level walk may read. */
	unsigned max_tables;
};

struct audit_tally {
	unsigned devices, domains, irtes, violations;
	uint64_t pages;                 /* 4 KiB pages mapped, over its domains */
};

struct audit_report {
	struct audit_tally guest[AUDIT_GUESTS_MAX];
	struct audit_tally hv;          /* what belongs to no guest */
	unsigned violations;            /* all of them */
	/* Each violation as a line of text (no newline), naming the unit, the
	 * device or IRTE, what was expected and what was found. */
	void (*violation)(void *ctx, const char *text);
	void *ctx;
};

/* Every unit, every table: fills *r (its counts zeroed first). Returns
 * the number of violations. */
unsigned audit_check(const struct audit_expect *e, struct audit_report *r);

/* IRTE `index` of unit `unit` alone (after hv rewrote it): the same
 * rules, counted into *r (not zeroed). Returns the violations found. */
unsigned audit_check_irte(const struct audit_expect *e, unsigned unit, uint32_t index,
			  struct audit_report *r);

#endif
