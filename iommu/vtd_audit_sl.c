/* A second-level page table walked as the unit walks it: every present
 * entry followed down to its leaf, rights ANDed on the way, leaves merged
 * into ranges. The walk is bounded: by the depth the context entry's AW
 * names, by a table budget, and by refusing an entry that links back to a
 * table above it (which would otherwise make the walk endless in effect). */
#include "iommu/vtd_audit.h"
#include "iommu/vtd_audit_bits.h"

struct sl_walk {
	const struct vtd_audit_mem *m;
	const struct vtd_audit_sink *s;
	unsigned tables_left;
	bool over_budget;
	uint64_t path[6];          /* the tables from the root down to this one */
	struct vtd_audit_range run; /* merged leaves not yet handed over */
	uint64_t mapped;
};

static void flush_run(struct sl_walk *w)
{
	if (w->run.size && w->s->range)
		w->s->range(w->s->ctx, &w->run);
	w->run.size = 0;
}

static void add_leaf(struct sl_walk *w, uint64_t iova, uint64_t hpa, uint64_t size, bool r,
		     bool wr)
{
	struct vtd_audit_range *run = &w->run;

	w->mapped += size;
	if (run->size && run->iova + run->size == iova && run->hpa + run->size == hpa &&
	    run->read == r && run->write == wr) {
		run->size += size;
		return;
	}
	flush_run(w);
	*run = (struct vtd_audit_range){ .iova = iova, .hpa = hpa, .size = size, .read = r,
					 .write = wr };
}

static bool links_back(struct sl_walk *w, unsigned depth, uint64_t table, uint64_t iova)
{
	for (unsigned d = 0; d <= depth; d++) {
		if (w->path[d] != table)
			continue;
		vtd_audit_say(w->s, "second-level table %#llx: the entry for IOVA %#llx links back "
			      "to table %#llx above it (a loop)", (unsigned long long)w->path[depth],
			      (unsigned long long)iova, (unsigned long long)table);
		return true;
	}
	return false;
}

static void walk_table(struct sl_walk *w, unsigned depth, unsigned level, uint64_t base,
		       bool r, bool wr);

static void walk_entry(struct sl_walk *w, unsigned depth, unsigned level, uint64_t iova,
		       uint64_t e, bool r, bool wr)
{
	uint64_t addr = e & AUDIT_ADDR_12_51;
	uint64_t size = 1ull << AUDIT_SL_LEVEL_SHIFT(level);

	r = r && (e & AUDIT_SL_R);
	wr = wr && (e & AUDIT_SL_W);
	if (level == 0 || ((e & AUDIT_SL_PS) && level <= 2)) {
		if (addr & (size - 1))
			vtd_audit_say(w->s, "second-level leaf for IOVA %#llx: address %#llx is not "
				      "aligned to its %#llx bytes", (unsigned long long)iova,
				      (unsigned long long)addr, (unsigned long long)size);
		add_leaf(w, iova, addr & ~(size - 1), size, r, wr);
		return;
	}
	if (e & AUDIT_SL_PS) {
		vtd_audit_say(w->s, "second-level entry for IOVA %#llx: PS set at level %u, where "
			      "it is reserved", (unsigned long long)iova, level + 1);
		return;
	}
	if (!links_back(w, depth, addr, iova))
		walk_table(w, depth + 1, level - 1, iova, r, wr);
}

static void walk_table(struct sl_walk *w, unsigned depth, unsigned level, uint64_t base,
		       bool r, bool wr)
{
	uint64_t table = w->path[depth];

	if (!w->tables_left) {
		if (!w->over_budget)
			vtd_audit_say(w->s, "second-level table %#llx (IOVA %#llx): more tables than "
				      "the walk allows; the rest is not audited",
				      (unsigned long long)table, (unsigned long long)base);
		w->over_budget = true;
		return;
	}
	w->tables_left--;
	const uint64_t *t = w->m->page(w->m->ctx, table);
	if (!t) {
		vtd_audit_say(w->s, "second-level table %#llx (IOVA %#llx) is not readable memory",
			      (unsigned long long)table, (unsigned long long)base);
		return;
	}
	for (unsigned i = 0; i < AUDIT_QWORDS; i++) {
		uint64_t e = t[i];
		if (!(e & (AUDIT_SL_R | AUDIT_SL_W)))
			continue;
		uint64_t iova = base + ((uint64_t)i << AUDIT_SL_LEVEL_SHIFT(level));
		if (level)
			w->path[depth + 1] = e & AUDIT_ADDR_12_51;
		walk_entry(w, depth, level, iova, e, r, wr);
	}
}

uint64_t vtd_audit_mappings(const struct vtd_audit_mem *m, uint64_t table, unsigned aw,
			    unsigned max_tables, const struct vtd_audit_sink *s)
{
	struct sl_walk w = { .m = m, .s = s, .tables_left = max_tables };

	/* AW 1, 2, 3: 3-, 4- and 5-level tables (39, 48, 57 bits). */
	if (aw < 1 || aw > 3) {
		vtd_audit_say(s, "second-level table %#llx: address width field %u is reserved",
			      (unsigned long long)table, aw);
		return 0;
	}
	w.path[0] = table & AUDIT_ADDR_12_51;
	walk_table(&w, 0, aw + 1, 0, true, true);
	flush_run(&w);
	return w.mapped;
}
