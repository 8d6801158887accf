/* The interrupt remapping table as the unit reads it: IRTA names the table
 * and its size, each present entry is decoded as the remapped format. */
#include "iommu/vtd_audit.h"
#include "iommu/vtd_audit_bits.h"

#include <stddef.h>

#define IRTE_BYTES 16u
#define IRTES_PER_PAGE (AUDIT_PAGE / IRTE_BYTES)

static void decode(unsigned unit, uint32_t index, uint64_t lo, uint64_t hi, bool x2apic,
		   struct vtd_audit_irte *e)
{
	uint32_t dst = AUDIT_IRTE_DST(lo);

	*e = (struct vtd_audit_irte){
		.unit = unit,
		.index = index,
		.fpd = lo & AUDIT_IRTE_FPD,
		.dest_logical = lo & AUDIT_IRTE_DM,
		.redir_hint = lo & AUDIT_IRTE_RH,
		.level = lo & AUDIT_IRTE_TM,
		.posted = lo & AUDIT_IRTE_IM,
		.dlm = (unsigned)AUDIT_IRTE_DLM(lo),
		.vector = (uint8_t)AUDIT_IRTE_V(lo),
		.apic_id = x2apic ? dst : (dst >> 8) & 0xff,
		.sid = AUDIT_IRTE_SID(hi),
		.sq = (unsigned)AUDIT_IRTE_SQ(hi),
		.svt = (unsigned)AUDIT_IRTE_SVT(hi),
		.reserved_set = (lo & AUDIT_IRTE_LO_RSVD) || (hi & AUDIT_IRTE_HI_RSVD) ||
				(!x2apic && (dst & AUDIT_IRTE_DST_XAPIC_RSVD)),
	};
}

static uint64_t entries_of(uint64_t irta)
{
	return 2ull << AUDIT_IRTA_S(irta);
}

/* The entry's two qwords, or NULL (said) when its page cannot be read. */
static const uint64_t *slot(const struct vtd_audit_mem *m, unsigned unit, uint64_t irta,
			    uint32_t index, const struct vtd_audit_sink *s)
{
	uint64_t page = (irta & AUDIT_ADDR_12_63) + (index / IRTES_PER_PAGE) * AUDIT_PAGE;
	const uint64_t *p = m->page(m->ctx, page);

	if (!p)
		vtd_audit_say(s, "unit %u: interrupt remapping table page %#llx (IRTE %u) is not "
			      "readable memory", unit, (unsigned long long)page, index);
	return p ? p + 2 * (index % IRTES_PER_PAGE) : NULL;
}

int vtd_audit_irte_at(const struct vtd_audit_mem *m, unsigned unit, uint64_t irta,
		      uint32_t index, struct vtd_audit_irte *out, const struct vtd_audit_sink *s)
{
	if (index >= entries_of(irta)) {
		vtd_audit_say(s, "unit %u: IRTE %u is beyond the table's %llu entries", unit, index,
			      (unsigned long long)entries_of(irta));
		return -1;
	}
	const uint64_t *e = slot(m, unit, irta, index, s);
	if (!e)
		return -1;
	if (!(e[0] & AUDIT_IRTE_P))
		return 0;
	decode(unit, index, e[0], e[1], irta & AUDIT_IRTA_EIME, out);
	return 1;
}

void vtd_audit_irtes(const struct vtd_audit_mem *m, unsigned unit, uint64_t irta,
		     const struct vtd_audit_sink *s)
{
	uint64_t n = entries_of(irta);

	for (uint64_t first = 0; first < n; first += IRTES_PER_PAGE) {
		const uint64_t *p = slot(m, unit, irta, (uint32_t)first, s);
		for (uint32_t i = 0; p && i < IRTES_PER_PAGE && first + i < n; i++) {
			struct vtd_audit_irte e;
			if (!(p[2 * i] & AUDIT_IRTE_P))
				continue;
			decode(unit, (uint32_t)first + i, p[2 * i], p[2 * i + 1],
			       irta & AUDIT_IRTA_EIME, &e);
			if (s->irte)
				s->irte(s->ctx, &e);
		}
	}
}
