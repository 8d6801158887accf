/* Decoding of a VT-d remapping unit's Capability register (CAP_REG, VT-d
 * 4.1 section 11.4.2) and Extended Capability register (ECAP_REG, 11.4.3),
 * as small named helpers in the manner of Linux's cap_xxx()/ecap_xxx()
 * (drivers/iommu/intel/iommu.h), each field named with its bit range; the
 * choice of the second-level table depth for domains; and a human-readable
 * summary printed once per unit at boot.
 *
 * Only fields a legacy-mode (TTM = 00b) driver uses are decoded, plus a few
 * informative scalable-mode ones. Counts and offsets are returned decoded
 * (number of domains, bits, bytes), not as the raw field. */
#ifndef IOMMU_VTD_CAPS_H
#define IOMMU_VTD_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline unsigned vtd_reg_field(uint64_t reg, unsigned shift, unsigned width)
{
	return (unsigned)((reg >> shift) & ((1ull << width) - 1));
}

static inline bool vtd_reg_bit(uint64_t reg, unsigned bit)
{
	return (reg >> bit) & 1;
}

/* ---- CAP_REG (11.4.2) ------------------------------------------------------ */

#define VTD_CAP_ND_SHIFT      0  /* 2:0   number of domains supported */
#define VTD_CAP_ND_WIDTH      3
#define VTD_CAP_AFL_BIT       3  /* 3     advanced fault logging */
#define VTD_CAP_RWBF_BIT      4  /* 4     required write-buffer flushing */
#define VTD_CAP_PLMR_BIT      5  /* 5     protected low-memory region */
#define VTD_CAP_PHMR_BIT      6  /* 6     protected high-memory region */
#define VTD_CAP_CM_BIT        7  /* 7     caching mode */
#define VTD_CAP_SAGAW_SHIFT   8  /* 12:8  supported adjusted guest address widths */
#define VTD_CAP_SAGAW_WIDTH   5
#define VTD_CAP_MGAW_SHIFT    16 /* 21:16 maximum guest address width - 1 */
#define VTD_CAP_MGAW_WIDTH    6
#define VTD_CAP_ZLR_BIT       22 /* 22    zero-length read */
#define VTD_CAP_FRO_SHIFT     24 /* 33:24 fault-recording register offset / 16 */
#define VTD_CAP_FRO_WIDTH     10
#define VTD_CAP_SLLPS_SHIFT   34 /* 37:34 second-level large page support */
#define VTD_CAP_SLLPS_WIDTH   4
#define VTD_CAP_PSI_BIT       39 /* 39    page-selective invalidation */
#define VTD_CAP_NFR_SHIFT     40 /* 47:40 number of fault-recording registers - 1 */
#define VTD_CAP_NFR_WIDTH     8
#define VTD_CAP_MAMV_SHIFT    48 /* 53:48 maximum address mask value */
#define VTD_CAP_MAMV_WIDTH    6
#define VTD_CAP_DWD_BIT       54 /* 54    write draining */
#define VTD_CAP_DRD_BIT       55 /* 55    read draining */
#define VTD_CAP_FL1GP_BIT     56 /* 56    first-level 1-GByte pages */
#define VTD_CAP_PI_BIT        59 /* 59    posted interrupts */
#define VTD_CAP_FL5LP_BIT     60 /* 60    first-level 5-level paging */
#define VTD_CAP_ESIRTPS_BIT   62 /* 62    enhanced set interrupt remap table pointer */
#define VTD_CAP_ESRTPS_BIT    63 /* 63    enhanced set root table pointer */

/* SAGAW bits: bit n is a (n + 2)-level table covering 30 + 9n bits. Bit 0
 * (2-level, 30-bit) is not used by hv; bit 4 is reserved. */
#define VTD_SAGAW_2LVL_30BIT  (1u << 0)
#define VTD_SAGAW_3LVL_39BIT  (1u << 1)
#define VTD_SAGAW_4LVL_48BIT  (1u << 2)
#define VTD_SAGAW_5LVL_57BIT  (1u << 3)

/* SLLPS bits: 2-MByte and 1-GByte second-level leaves (bits 2-3 reserved). */
#define VTD_SLLPS_2M          (1u << 0)
#define VTD_SLLPS_1G          (1u << 1)

/* Domain IDs are 16 bits wide in a context entry (9.3): ND = 6 gives 64K. */
#define VTD_MAX_DOMAIN_IDS    65536u

static inline unsigned cap_nd_field(uint64_t cap)
{
	return vtd_reg_field(cap, VTD_CAP_ND_SHIFT, VTD_CAP_ND_WIDTH);
}

/* Width of a domain ID in bits: 4 + 2 * ND. ND = 7 is reserved; it is
 * read as 16 bits, the width of the context entry's DID field. */
static inline unsigned cap_nd_bits(uint64_t cap)
{
	unsigned bits = 4 + 2 * cap_nd_field(cap);
	return bits > 16 ? 16 : bits;
}

/* Number of domain IDs the unit supports: 2^(4 + 2 * ND) (16 to 65536). */
static inline uint32_t cap_nd(uint64_t cap)
{
	return (uint32_t)1 << cap_nd_bits(cap);
}

static inline bool cap_afl(uint64_t cap)  { return vtd_reg_bit(cap, VTD_CAP_AFL_BIT); }
static inline bool cap_rwbf(uint64_t cap) { return vtd_reg_bit(cap, VTD_CAP_RWBF_BIT); }
static inline bool cap_plmr(uint64_t cap) { return vtd_reg_bit(cap, VTD_CAP_PLMR_BIT); }
static inline bool cap_phmr(uint64_t cap) { return vtd_reg_bit(cap, VTD_CAP_PHMR_BIT); }
/* Caching mode: not-present and faulting entries may be cached, so every
 * change (not-present to present included) needs an invalidation; domain
 * ID 0 is reserved (9.3). */
static inline bool cap_cm(uint64_t cap)   { return vtd_reg_bit(cap, VTD_CAP_CM_BIT); }

/* The SAGAW bitmap (VTD_SAGAW_*). */
static inline unsigned cap_sagaw(uint64_t cap)
{
	return vtd_reg_field(cap, VTD_CAP_SAGAW_SHIFT, VTD_CAP_SAGAW_WIDTH);
}

/* Maximum guest address width in bits (field + 1): untranslated requests
 * above 2^MGAW - 1 are always blocked. */
static inline unsigned cap_mgaw(uint64_t cap)
{
	return vtd_reg_field(cap, VTD_CAP_MGAW_SHIFT, VTD_CAP_MGAW_WIDTH) + 1;
}

static inline bool cap_zlr(uint64_t cap) { return vtd_reg_bit(cap, VTD_CAP_ZLR_BIT); }

/* Byte offset of the first fault-recording register from the register
 * base (field * 16). */
static inline unsigned cap_fro(uint64_t cap)
{
	return vtd_reg_field(cap, VTD_CAP_FRO_SHIFT, VTD_CAP_FRO_WIDTH) * 16;
}

/* The SLLPS bitmap (VTD_SLLPS_*). */
static inline unsigned cap_sllps(uint64_t cap)
{
	return vtd_reg_field(cap, VTD_CAP_SLLPS_SHIFT, VTD_CAP_SLLPS_WIDTH);
}

static inline bool cap_psi(uint64_t cap) { return vtd_reg_bit(cap, VTD_CAP_PSI_BIT); }

/* Number of fault-recording registers (field + 1, 1 to 256). */
static inline unsigned cap_nfr(uint64_t cap)
{
	return vtd_reg_field(cap, VTD_CAP_NFR_SHIFT, VTD_CAP_NFR_WIDTH) + 1;
}

/* Largest address mask (log2 of pages) of a page-selective invalidation;
 * meaningful only when PSI is set. */
static inline unsigned cap_mamv(uint64_t cap)
{
	return vtd_reg_field(cap, VTD_CAP_MAMV_SHIFT, VTD_CAP_MAMV_WIDTH);
}

static inline bool cap_dwd(uint64_t cap)     { return vtd_reg_bit(cap, VTD_CAP_DWD_BIT); }
static inline bool cap_drd(uint64_t cap)     { return vtd_reg_bit(cap, VTD_CAP_DRD_BIT); }
static inline bool cap_fl1gp(uint64_t cap)   { return vtd_reg_bit(cap, VTD_CAP_FL1GP_BIT); }
static inline bool cap_pi(uint64_t cap)      { return vtd_reg_bit(cap, VTD_CAP_PI_BIT); }
static inline bool cap_fl5lp(uint64_t cap)   { return vtd_reg_bit(cap, VTD_CAP_FL5LP_BIT); }
static inline bool cap_esirtps(uint64_t cap) { return vtd_reg_bit(cap, VTD_CAP_ESIRTPS_BIT); }
static inline bool cap_esrtps(uint64_t cap)  { return vtd_reg_bit(cap, VTD_CAP_ESRTPS_BIT); }

/* Byte offset of fault-recording register `index` (16 bytes each). */
static inline unsigned vtd_frcd_offset(uint64_t cap, unsigned index)
{
	return cap_fro(cap) + 16 * index;
}

/* ---- ECAP_REG (11.4.3) ----------------------------------------------------- */

#define VTD_ECAP_C_BIT        0  /* 0     page-walk coherency */
#define VTD_ECAP_QI_BIT       1  /* 1     queued invalidation */
#define VTD_ECAP_DT_BIT       2  /* 2     device-TLB */
#define VTD_ECAP_IR_BIT       3  /* 3     interrupt remapping */
#define VTD_ECAP_EIM_BIT      4  /* 4     extended interrupt mode (x2APIC IDs) */
#define VTD_ECAP_PT_BIT       6  /* 6     pass through (TT = 10b) */
#define VTD_ECAP_SC_BIT       7  /* 7     snoop control (SNP in leaf entries) */
#define VTD_ECAP_IRO_SHIFT    8  /* 17:8  IOTLB register offset / 16 */
#define VTD_ECAP_IRO_WIDTH    10
#define VTD_ECAP_MHMV_SHIFT   20 /* 23:20 maximum handle mask value */
#define VTD_ECAP_MHMV_WIDTH   4
#define VTD_ECAP_NEST_BIT     26 /* 26    nested translation */
#define VTD_ECAP_PRS_BIT      29 /* 29    page requests */
#define VTD_ECAP_PASID_BIT    40 /* 40    PASID */
#define VTD_ECAP_SMTS_BIT     43 /* 43    scalable-mode translation */
#define VTD_ECAP_SLTS_BIT     46 /* 46    second-level translation (scalable mode) */
#define VTD_ECAP_FLTS_BIT     47 /* 47    first-level translation (scalable mode) */

/* Page walks snoop the CPU caches. When clear, every table update must be
 * flushed from the CPU caches (clflush) before hardware may see it. */
static inline bool ecap_c(uint64_t ecap)   { return vtd_reg_bit(ecap, VTD_ECAP_C_BIT); }
static inline bool ecap_qi(uint64_t ecap)  { return vtd_reg_bit(ecap, VTD_ECAP_QI_BIT); }
static inline bool ecap_dt(uint64_t ecap)  { return vtd_reg_bit(ecap, VTD_ECAP_DT_BIT); }
static inline bool ecap_ir(uint64_t ecap)  { return vtd_reg_bit(ecap, VTD_ECAP_IR_BIT); }
static inline bool ecap_eim(uint64_t ecap) { return vtd_reg_bit(ecap, VTD_ECAP_EIM_BIT); }
static inline bool ecap_pt(uint64_t ecap)  { return vtd_reg_bit(ecap, VTD_ECAP_PT_BIT); }
static inline bool ecap_sc(uint64_t ecap)  { return vtd_reg_bit(ecap, VTD_ECAP_SC_BIT); }

/* Byte offset of the IOTLB registers (IVA_REG first, then IOTLB_REG at
 * +8: VTD_IOTLB_IVA_OFFSET / VTD_IOTLB_REG_OFFSET) from the register base
 * (field * 16). */
static inline unsigned ecap_iro(uint64_t ecap)
{
	return vtd_reg_field(ecap, VTD_ECAP_IRO_SHIFT, VTD_ECAP_IRO_WIDTH) * 16;
}

/* Largest handle mask of an interrupt-entry-cache invalidation (log2). */
static inline unsigned ecap_mhmv(uint64_t ecap)
{
	return vtd_reg_field(ecap, VTD_ECAP_MHMV_SHIFT, VTD_ECAP_MHMV_WIDTH);
}

static inline bool ecap_nest(uint64_t ecap)  { return vtd_reg_bit(ecap, VTD_ECAP_NEST_BIT); }
static inline bool ecap_prs(uint64_t ecap)   { return vtd_reg_bit(ecap, VTD_ECAP_PRS_BIT); }
static inline bool ecap_pasid(uint64_t ecap) { return vtd_reg_bit(ecap, VTD_ECAP_PASID_BIT); }
static inline bool ecap_smts(uint64_t ecap)  { return vtd_reg_bit(ecap, VTD_ECAP_SMTS_BIT); }
static inline bool ecap_slts(uint64_t ecap)  { return vtd_reg_bit(ecap, VTD_ECAP_SLTS_BIT); }
static inline bool ecap_flts(uint64_t ecap)  { return vtd_reg_bit(ecap, VTD_ECAP_FLTS_BIT); }

/* ---- second-level table depth ---------------------------------------------- */

/* The input-address width a `levels`-deep second-level table translates:
 * 12 offset bits plus 9 per level (3: 39, 4: 48, 5: 57). */
static inline unsigned vtd_levels_width(unsigned levels)
{
	return 12 + 9 * levels;
}

/* The context entry's AW field for a depth (9.3): 1, 2, 3 for 3, 4, 5
 * levels. It is also the index of that depth's bit in SAGAW. */
static inline unsigned vtd_levels_to_ctx_aw(unsigned levels)
{
	return levels - 2;
}

/* Chooses the depth of the second-level tables of this unit's domains.
 *
 * `haw_bits` is the DMAR table's host address width (the field + 1): no
 * physical address the platform can generate, RAM, MMIO or an RMRR, lies at
 * or above 2^HAW. The domains must be able to map any of them at an equal
 * IOVA (RMRR identity maps; guest RAM at GPA = IOVA is lower still), but
 * the unit never translates anything above its MGAW, so the width needed
 * is min(MGAW, HAW). Of the depths SAGAW offers (3, 4 or 5 levels; the
 * 2-level, 30-bit format is not used), the smallest whose width covers
 * that is chosen: each further level costs a memory access per IOTLB miss
 * and a page of tables per domain for nothing. When none covers it, the
 * deepest one offered is taken and the domains' IOVA space is then
 * narrower than HAW (the caller should say so). This is Linux's old
 * domain_init() (the smallest supported AGAW not below the guest width
 * capped by MGAW), except that Linux gave up where we take the deepest;
 * today's Linux takes the deepest AGAW up to 57 bits for every unit
 * (__iommu_calculate_agaw) and caps the domain width by MGAW.
 *
 * On success *levels is 3, 4 or 5 (vtd_levels_to_ctx_aw() gives the
 * context entry's AW) and *aw_bits the IOVA width the domains may use:
 * min(vtd_levels_width(levels), MGAW). That is what the hardware
 * translates: an input address above 2^X - 1, X the smaller of MGAW and
 * the table's width, faults with reason 4 (11.4.2, MGAW). HAW does not
 * bound it: HAW limits the output (host-physical) addresses in the tables,
 * not the IOVAs, so an IOVA allocator may use IOVAs above HAW, and
 * aw_bits may exceed haw_bits (QEMU: MGAW 48, HAW 39, 3 levels give 39;
 * HAW 36 with 3 levels gives 39).
 *
 * Returns 0, -EOPNOTSUPP when SAGAW offers none of 3, 4 or 5 levels, or
 * -EINVAL when haw_bits is 0. */
int vtd_choose_levels(uint64_t cap, unsigned haw_bits, unsigned *levels,
		      unsigned *aw_bits);

/* ---- boot summary ---------------------------------------------------------- */

/* A buffer this large holds any vtd_caps_describe() output untruncated. */
#define VTD_CAPS_DESCRIBE_MAX 1024

/* Writes a decoded, human-readable summary of CAP and ECAP into buf: lines
 * separated by '\n' (none after the last), NUL-terminated and truncated to
 * fit `size`. Returns the length of the whole summary (as snprintf does), so
 * a result >= size means it was truncated. */
size_t vtd_caps_describe(uint64_t cap, uint64_t ecap, char *buf, size_t size);

/* Logs the raw CAP and ECAP, then the same summary, with log_info(): one
 * message per line, each prefixed with `prefix` (e.g. "vt-d: unit 0: "). */
void vtd_caps_log(const char *prefix, uint64_t cap, uint64_t ecap);

#endif
