#include "iommu/vtd_fault.h"
#include "iommu/vtd_caps.h"
#include "iommu/vtd_regs.h"
#include "iommu/vtd_unit.h"

/* The parts of fault record `i` (iommu/vtd_regs.h, VTD_FRCD_*), at an
 * offset the unit reports. */
static vtd_reg64_t frcd_address(const struct vtd_unit *u, unsigned i)
{
	return vtd_reg64_at(vtd_frcd_offset(u->cap, i));
}

static vtd_reg32_t frcd_word(const struct vtd_unit *u, unsigned i, unsigned word)
{
	return vtd_reg32_at(vtd_frcd_offset(u->cap, i) + word);
}

/* One pass over the records pending when FSTS read `fsts`. */
static unsigned drain_records(struct vtd_unit *u, uint32_t fsts, vtd_fault_fn report, void *ctx)
{
	unsigned records = cap_nfr(u->cap), drained = 0;
	unsigned first = VTD_FSTS_FRI(fsts) % records;

	/* Records fill as a ring from the index FSTS names; the first one
	 * without F set ends the run. */
	for (unsigned i = 0; (fsts & VTD_FSTS_PPF) && i < records; i++) {
		unsigned rec = (first + i) % records;
		uint32_t w3 = vtd_read32(u, frcd_word(u, rec, VTD_FRCD_WORD3));
		if (!(w3 & VTD_FRCD_F))
			break;
		uint32_t w2 = vtd_read32(u, frcd_word(u, rec, VTD_FRCD_WORD2));
		struct vtd_fault f = {
			.unit = u->index,
			.sid = VTD_FRCD_SID(w2),
			.address = vtd_read64(u, frcd_address(u, rec)) & ~0xfffull,
			.reason = VTD_FRCD_FR(w3),
			.read = w3 & VTD_FRCD_TYPE_READ,
		};
		vtd_write32(u, frcd_word(u, rec, VTD_FRCD_WORD3), VTD_FRCD_F);
		drained++;
		report(&f, ctx);
	}
	return drained;
}

/* The unit raises a fault event only when a fault finds nothing pending
 * (PPF and PFO clear): a fault recorded, or an overflow flagged, while the
 * records are read would otherwise stay pending with no event to come,
 * and the unit would fall silent for good. So the drain repeats until the
 * status reads clear, a bounded number of times (a device faulting faster
 * than this drains is for the storm handling to stop). */
#define DRAIN_PASSES 8

unsigned vtd_drain_faults(struct vtd_unit *u, vtd_fault_fn report, void *ctx,
			  bool *overflowed)
{
	unsigned drained = 0;

	*overflowed = false;
	for (unsigned pass = 0; pass < DRAIN_PASSES; pass++) {
		uint32_t fsts = vtd_read32(u, VTD_FSTS);
		if (!(fsts & (VTD_FSTS_PPF | VTD_FSTS_PFO)))
			break;
		drained += drain_records(u, fsts, report, ctx);
		if (fsts & VTD_FSTS_PFO) {
			*overflowed = true;
			vtd_write32(u, VTD_FSTS, VTD_FSTS_PFO);
		}
	}
	return drained;
}
