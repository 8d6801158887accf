#include "iommu/vtd_fault.h"
#include "iommu/vtd_caps.h"
#include "iommu/vtd_regs.h"
#include "iommu/vtd_unit.h"

unsigned vtd_drain_faults(struct vtd_unit *u, vtd_fault_fn report, void *ctx,
			  bool *overflowed)
{
	const struct vtd_env *env = u->env;
	uint32_t fsts = env->read32(env->ctx, u->base, VTD_FSTS);
	unsigned records = cap_nfr(u->cap), drained = 0;
	unsigned first = VTD_FSTS_FRI(fsts) % records;

	/* Records fill as a ring from the index FSTS names; the first one
	 * without F set ends the run. */
	for (unsigned i = 0; (fsts & VTD_FSTS_PPF) && i < records; i++) {
		unsigned reg = cap_fro(u->cap) + ((first + i) % records) * VTD_FRCD_SIZE;
		uint32_t w3 = env->read32(env->ctx, u->base, reg + VTD_FRCD_WORD3);
		if (!(w3 & VTD_FRCD_F))
			break;
		uint32_t w2 = env->read32(env->ctx, u->base, reg + VTD_FRCD_WORD2);
		struct vtd_fault f = {
			.unit = u->index,
			.sid = VTD_FRCD_SID(w2),
			.address = env->read64(env->ctx, u->base, reg) & ~0xfffull,
			.reason = VTD_FRCD_FR(w3),
			.read = w3 & VTD_FRCD_TYPE_READ,
		};
		env->write32(env->ctx, u->base, reg + VTD_FRCD_WORD3, VTD_FRCD_F);
		drained++;
		report(&f, ctx);
	}
	*overflowed = fsts & VTD_FSTS_PFO;
	if (*overflowed)
		env->write32(env->ctx, u->base, VTD_FSTS, VTD_FSTS_PFO);
	return drained;
}
