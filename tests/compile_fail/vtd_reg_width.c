/* VT-d register accesses of the wrong width, which the typed accessors
 * (iommu/vtd_unit.h, iommu/vtd_regs.h) must refuse to compile. Each case is
 * compiled alone by tests/check-compile-fail.sh; CONTROL, the right widths,
 * must compile, so that a case fails for its misuse and not for a broken
 * header. expect-error: incompatible type */
#include "iommu/vtd_unit.h"

void misuse(const struct vtd_unit *u);

void misuse(const struct vtd_unit *u)
{
#if defined(CONTROL)
	vtd_write32(u, VTD_GCMD, vtd_read32(u, VTD_GSTS));
	vtd_write64(u, VTD_IQT, vtd_read64(u, VTD_CAP));
	vtd_write32(u, vtd_reg32_at(0x22c), vtd_read32(u, vtd_reg32_at(0x228)));
	vtd_write64(u, vtd_reg64_at(0x108), vtd_read64(u, vtd_reg64_at(0x100)));
#elif defined(READ32_OF_REG64)
	(void)vtd_read32(u, VTD_CAP);
#elif defined(READ64_OF_REG32)
	(void)vtd_read64(u, VTD_GSTS);
#elif defined(WRITE32_OF_REG64)
	vtd_write32(u, VTD_IQT, 0);
#elif defined(WRITE64_OF_REG32)
	vtd_write64(u, VTD_FECTL, 0);
#elif defined(READ64_OF_REG32_AT)
	(void)vtd_read64(u, vtd_reg32_at(0x228));
#elif defined(WRITE32_OF_REG64_AT)
	vtd_write32(u, vtd_reg64_at(0x108), 0);
#elif defined(PLAIN_OFFSET)
	(void)vtd_read32(u, 0x01c);
#endif
}
