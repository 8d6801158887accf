/* The root and context tables (legacy mode) as the unit walks them. */
#include "iommu/vtd_audit.h"
#include "iommu/vtd_audit_bits.h"

struct context_walk {
	const struct vtd_audit_mem *m;
	const struct vtd_audit_sink *s;
	unsigned unit;
	uint64_t root;
	uint64_t seen[AUDIT_ROOT_ENTRIES]; /* context tables of the buses before */
};

static void decode_context(unsigned unit, uint16_t sid, uint64_t lo, uint64_t hi,
			   struct vtd_audit_context *c)
{
	*c = (struct vtd_audit_context){
		.unit = unit,
		.sid = sid,
		.fpd = lo & AUDIT_CTX_LO_FPD,
		.tt = (unsigned)AUDIT_CTX_LO_TT(lo),
		.aw = (unsigned)AUDIT_CTX_HI_AW(hi),
		.did = (uint16_t)AUDIT_CTX_HI_DID(hi),
		.table = lo & AUDIT_ADDR_12_63,
		.reserved_set = (lo & AUDIT_CTX_LO_RSVD) || (hi & AUDIT_CTX_HI_RSVD),
	};
}

/* A context table that is the root table or another bus's would make one
 * entry mean two things: named, and not followed a second time. */
static bool table_reused(struct context_walk *w, unsigned bus, uint64_t table)
{
	if (table == w->root) {
		vtd_audit_say(w->s, "unit %u: bus %02x: context table %#llx is the root table",
			      w->unit, bus, (unsigned long long)table);
		return true;
	}
	for (unsigned b = 0; b < bus; b++) {
		if (!w->seen[b] || w->seen[b] != table)
			continue;
		vtd_audit_say(w->s, "unit %u: bus %02x: context table %#llx is also bus %02x's",
			      w->unit, bus, (unsigned long long)table, b);
		return true;
	}
	return false;
}

static void walk_bus(struct context_walk *w, unsigned bus, uint64_t lo, uint64_t hi)
{
	uint64_t table = lo & AUDIT_ADDR_12_63;

	if ((lo & AUDIT_ROOT_LO_RSVD) || hi)
		vtd_audit_say(w->s, "unit %u: bus %02x: root entry %#llx:%#llx has reserved bits set",
			      w->unit, bus, (unsigned long long)hi, (unsigned long long)lo);
	if (table_reused(w, bus, table))
		return;
	w->seen[bus] = table;
	const uint64_t *ctx = w->m->page(w->m->ctx, table);
	if (!ctx) {
		vtd_audit_say(w->s, "unit %u: bus %02x: context table %#llx is not readable memory",
			      w->unit, bus, (unsigned long long)table);
		return;
	}
	for (unsigned devfn = 0; devfn < AUDIT_CTX_ENTRIES; devfn++) {
		uint64_t clo = ctx[2 * devfn], chi = ctx[2 * devfn + 1];
		struct vtd_audit_context c;
		if (!(clo & AUDIT_CTX_LO_P))
			continue;
		decode_context(w->unit, (uint16_t)(bus << 8 | devfn), clo, chi, &c);
		if (w->s->context)
			w->s->context(w->s->ctx, &c);
	}
}

void vtd_audit_contexts(const struct vtd_audit_mem *m, unsigned unit, uint64_t rtaddr,
			const struct vtd_audit_sink *s)
{
	struct context_walk w = { .m = m, .s = s, .unit = unit, .root = rtaddr & AUDIT_ADDR_12_63 };

	if (AUDIT_RTADDR_TTM(rtaddr)) {
		vtd_audit_say(s, "unit %u: RTADDR %#llx is not in legacy mode: not audited", unit,
			      (unsigned long long)rtaddr);
		return;
	}
	const uint64_t *root = m->page(m->ctx, w.root);
	if (!root) {
		vtd_audit_say(s, "unit %u: root table %#llx is not readable memory", unit,
			      (unsigned long long)w.root);
		return;
	}
	for (unsigned bus = 0; bus < AUDIT_ROOT_ENTRIES; bus++)
		if (root[2 * bus] & AUDIT_ROOT_LO_P)
			walk_bus(&w, bus, root[2 * bus], root[2 * bus + 1]);
}
