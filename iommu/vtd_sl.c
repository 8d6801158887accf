#include "iommu/vtd_sl.h"

void vtd_sl_format(struct pt_format *out, unsigned levels, bool leaves_2m, bool leaves_1g)
{
	*out = (struct pt_format){
		.levels = levels,
		.present = VTD_SL_R | VTD_SL_W,
		.table_flags = VTD_SL_R | VTD_SL_W,
		.leaf_flags_allowed = VTD_SL_R | VTD_SL_W | VTD_SL_SNP,
		.leaf_always = 0,
		.large_leaf = VTD_SL_PS,
		/* 1G leaves split into 2M ones: only with them. */
		.large_levels = leaves_2m ? (1u << 1) | (leaves_1g ? 1u << 2 : 0) : 0,
		.addr_mask = VTD_SL_ADDR_MASK,
	};
	if (levels < 3 || levels > 5)
		out->levels = 0;
}
