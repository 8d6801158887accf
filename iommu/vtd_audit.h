/* An independent reader of what a VT-d unit really uses: the legacy-mode
 * root and context tables, second-level page tables and the interrupt
 * remapping table, decoded from memory with bit layouts of its own
 * (iommu/vtd_audit_bits.h, from the VT-d specification 4.1: 9.1, 9.3, 9.8,
 * 9.10, 10.4.6, 10.4.29). It shares no code or constants with the writers
 * (vtd_domain.c, vtd_sl.c, arch/x86/pt.c, irte.c, vtd_ir.c), so a bug in
 * them cannot hide itself here.
 *
 * It reads memory only through vtd_audit_mem, a page at a time, and reports
 * what it finds through a sink: facts (present context entries, coalesced
 * mappings, present IRTEs) and malformed structures (a pointer that is not
 * readable memory, reserved bits, a table that links back to one above it,
 * more tables than the caller allows). It never follows what it cannot
 * read and never walks forever. What the facts mean for isolation is the
 * caller's policy (hv/remap/audit_check.c). */
#ifndef IOMMU_VTD_AUDIT_H
#define IOMMU_VTD_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_audit_mem {
	/* The 512 qwords of the 4 KiB page at `phys` (4 KiB aligned), or
	 * NULL when it is not memory the walker may read. */
	const uint64_t *(*page)(void *ctx, uint64_t phys);
	void *ctx;
};

/* A present context entry, decoded. */
struct vtd_audit_context {
	unsigned unit;
	uint16_t sid;            /* bus << 8 | devfn */
	bool fpd;                /* fault processing disabled */
	unsigned tt;             /* translation type, 2 bits */
	unsigned aw;             /* address width field: 1 39-bit, 2 48-bit, 3 57-bit */
	uint16_t did;
	uint64_t table;          /* second-level page-table pointer */
	bool reserved_set;       /* reserved bits are set */
};

/* A run of mappings with consecutive IOVAs, consecutive host addresses and
 * one set of effective rights (every level's R and W ANDed). */
struct vtd_audit_range {
	uint64_t iova, hpa, size;
	bool read, write;
};

/* A present IRTE, decoded (remapped or posted format alike: `posted`). */
struct vtd_audit_irte {
	unsigned unit;
	uint32_t index;
	bool fpd, dest_logical, redir_hint, level, posted, reserved_set;
	unsigned dlm;            /* delivery mode, 3 bits */
	uint8_t vector;
	uint32_t apic_id;        /* from DST: 8 bits (xAPIC) or 32 (x2APIC) */
	uint16_t sid;
	unsigned sq, svt;
};

struct vtd_audit_sink {
	void (*context)(void *ctx, const struct vtd_audit_context *c);
	void (*range)(void *ctx, const struct vtd_audit_range *r);
	void (*irte)(void *ctx, const struct vtd_audit_irte *e);
	/* A structure that is not what the specification allows, or cannot
	 * be read: the text names it (unit, bus, devfn, level, address). */
	void (*malformed)(void *ctx, const char *text);
	void *ctx;
};

/* Every present context entry reachable from RTADDR value `rtaddr`. */
void vtd_audit_contexts(const struct vtd_audit_mem *m, unsigned unit, uint64_t rtaddr,
			const struct vtd_audit_sink *s);

/* Every mapping of the second-level table at `table` as a context entry
 * with address-width field `aw` names it, in IOVA order. At most
 * `max_tables` table pages are read (the root included): beyond that the
 * walk stops and says so. Returns the bytes mapped. */
uint64_t vtd_audit_mappings(const struct vtd_audit_mem *m, uint64_t table, unsigned aw,
			    unsigned max_tables, const struct vtd_audit_sink *s);

/* Every present entry of the interrupt remapping table IRTA value `irta`
 * names. */
void vtd_audit_irtes(const struct vtd_audit_mem *m, unsigned unit, uint64_t irta,
		     const struct vtd_audit_sink *s);

/* Entry `index` alone: 1 present (*out filled), 0 not present, -1 beyond
 * the table or unreadable (said through s->malformed). */
int vtd_audit_irte_at(const struct vtd_audit_mem *m, unsigned unit, uint64_t irta,
		      uint32_t index, struct vtd_audit_irte *out, const struct vtd_audit_sink *s);

#endif
