/* The VT-d structure layouts the audit walker reads (Intel VT-d
 * specification 4.1), written out for iommu/vtd_audit_*.c alone: the
 * writers' own definitions (vtd_regs.h, irte.h) are deliberately not used,
 * so a wrong bit there is not repeated here. */
#ifndef IOMMU_VTD_AUDIT_BITS_H
#define IOMMU_VTD_AUDIT_BITS_H

#define AUDIT_PAGE        4096ull
#define AUDIT_QWORDS      512u
#define AUDIT_ADDR_12_51  0x000ffffffffff000ull
#define AUDIT_ADDR_12_63  0xfffffffffffff000ull

/* Root Table Address register (10.4.6): table in 63:12, translation table
 * mode in 11:10 (0 legacy; the others are scalable-mode layouts). */
#define AUDIT_RTADDR_TTM(v) (((v) >> 10) & 3)

/* Legacy-mode root entry (9.1): 128 bits, one per bus. */
#define AUDIT_ROOT_ENTRIES    256u
#define AUDIT_ROOT_LO_P       (1ull << 0)
#define AUDIT_ROOT_LO_RSVD    0x0000000000000ffeull /* 11:1 */

/* Legacy-mode context entry (9.3): 128 bits, one per devfn. */
#define AUDIT_CTX_ENTRIES     256u
#define AUDIT_CTX_LO_P        (1ull << 0)
#define AUDIT_CTX_LO_FPD      (1ull << 1)
#define AUDIT_CTX_LO_TT(lo)   (((lo) >> 2) & 3)
#define AUDIT_CTX_LO_RSVD     0x0000000000000ff0ull /* 11:4 */
#define AUDIT_CTX_HI_AW(hi)   ((hi) & 7)
#define AUDIT_CTX_HI_DID(hi)  (((hi) >> 8) & 0xffff)
#define AUDIT_CTX_HI_RSVD     0xffffffffff000080ull /* 63:24 and 7; 6:3 are ignored */

/* Second-level paging entry (9.8). Present when R or W is set; PS marks a
 * leaf in a 2M (level 1) or 1G (level 2) entry and is reserved above. */
#define AUDIT_SL_R            (1ull << 0)
#define AUDIT_SL_W            (1ull << 1)
#define AUDIT_SL_PS           (1ull << 7)
#define AUDIT_SL_LEVEL_SHIFT(l) (12u + 9u * (l))

/* Interrupt Remapping Table Address register (10.4.29). */
#define AUDIT_IRTA_EIME       (1ull << 11)
#define AUDIT_IRTA_S(v)       ((v) & 0xf)   /* 2^(S + 1) entries */

/* Interrupt remapping table entry (9.10), remapped format; lo = 63:0,
 * hi = 127:64. */
#define AUDIT_IRTE_P          (1ull << 0)
#define AUDIT_IRTE_FPD        (1ull << 1)
#define AUDIT_IRTE_DM         (1ull << 2)
#define AUDIT_IRTE_RH         (1ull << 3)
#define AUDIT_IRTE_TM         (1ull << 4)
#define AUDIT_IRTE_DLM(lo)    (((lo) >> 5) & 7)
#define AUDIT_IRTE_IM         (1ull << 15)
#define AUDIT_IRTE_V(lo)      (((lo) >> 16) & 0xff)
#define AUDIT_IRTE_DST(lo)    ((uint32_t)((lo) >> 32))
#define AUDIT_IRTE_LO_RSVD    0x00000000ff007000ull /* 31:24, 14:12 */
#define AUDIT_IRTE_DST_XAPIC_RSVD 0xffff00ffu      /* xAPIC: only 15:8 hold the ID */
#define AUDIT_IRTE_SID(hi)    ((uint16_t)(hi))
#define AUDIT_IRTE_SQ(hi)     (((hi) >> 16) & 3)
#define AUDIT_IRTE_SVT(hi)    (((hi) >> 18) & 3)
#define AUDIT_IRTE_HI_RSVD    0xfffffffffff00000ull /* 127:84 */

struct vtd_audit_sink;

/* Hands a malformed structure's description (printf format) to the sink. */
void vtd_audit_say(const struct vtd_audit_sink *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
