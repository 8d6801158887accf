/* VT-d second-level page tables (Intel VT-d specification 4.1, 9.8):
 * the format for the page-table engine of arch/x86/pt.h. An entry is
 * present when R or W is set; table entries carry R|W so the leaves alone
 * decide the access rights; a leaf may carry R, W and SNP (VTD_SL_*, in
 * iommu/vtd_regs.h). Superpages (PS, bit 7) at the levels CAP.SLLPS names:
 * bit 0 = 2M (level 1), bit 1 = 1G (level 2). The address field is bits
 * 51:12; a domain must not map beyond the unit's CAP.MGAW/host address
 * width, which the caller checks. */
#ifndef IOMMU_VTD_SL_H
#define IOMMU_VTD_SL_H

#include <stdbool.h>

#include "arch/x86/pt.h"
#include "iommu/vtd_regs.h"

/* The address width of each table depth: context entry AW 1, 2, 3. */
#define VTD_SL_AW_3LEVEL 39
#define VTD_SL_AW_4LEVEL 48
#define VTD_SL_AW_5LEVEL 57

/* Fills *out for a `levels`-deep (3, 4 or 5) second-level table; leaves_2m
 * and leaves_1g from CAP.SLLPS bits 0 and 1. 1G leaves are used only with
 * 2M ones (the engine splits a 1G leaf into 2M leaves). SNP is in
 * leaf_flags_allowed, but SNP in a leaf is reserved, and faults, on a unit
 * without snoop control (ECAP.SC=0; QEMU's intel-iommu by default): a
 * caller for such a unit clears VTD_SL_SNP from out->leaf_flags_allowed,
 * and pt_map() then refuses it. Any other depth gives a format that
 * pt_init() refuses (levels 0). */
void vtd_sl_format(struct pt_format *out, unsigned levels, bool leaves_2m, bool leaves_1g);

#endif
