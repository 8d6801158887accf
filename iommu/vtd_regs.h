/* VT-d remapping hardware registers (Intel VT-d specification 4.1,
 * chapter 11) and the in-memory structures they point at (chapter 9).
 * Each register's width is in its type: QEMU aborts on a 64-bit access to
 * a 32-bit register. */
#ifndef IOMMU_VTD_REGS_H
#define IOMMU_VTD_REGS_H

#include <stdint.h>

/* A register's offset carries its width in its type, so that the accessors
 * (vtd_read32() and the rest, iommu/vtd_unit.h) refuse to compile an access
 * of the wrong width: QEMU, for one, aborts on a 64-bit access to a 32-bit
 * register. Structs rather than enums, which C converts into each other and
 * into integers silently. */
typedef struct { unsigned off; } vtd_reg32_t;
typedef struct { unsigned off; } vtd_reg64_t;

/* For the registers at offsets the unit reports (CAP.FRO, ECAP.IRO). */
static inline vtd_reg32_t vtd_reg32_at(unsigned off) { return (vtd_reg32_t){ off }; }
static inline vtd_reg64_t vtd_reg64_at(unsigned off) { return (vtd_reg64_t){ off }; }

/* Register offsets (11.4). */
#define VTD_VER      ((vtd_reg32_t){ 0x000 })
#define VTD_CAP      ((vtd_reg64_t){ 0x008 })
#define VTD_ECAP     ((vtd_reg64_t){ 0x010 })
#define VTD_GCMD     ((vtd_reg32_t){ 0x018 })
#define VTD_GSTS     ((vtd_reg32_t){ 0x01c })
#define VTD_RTADDR   ((vtd_reg64_t){ 0x020 })
#define VTD_CCMD     ((vtd_reg64_t){ 0x028 })
#define VTD_FSTS     ((vtd_reg32_t){ 0x034 })
#define VTD_FECTL    ((vtd_reg32_t){ 0x038 })
#define VTD_FEDATA   ((vtd_reg32_t){ 0x03c })
#define VTD_FEADDR   ((vtd_reg32_t){ 0x040 })
#define VTD_FEUADDR  ((vtd_reg32_t){ 0x044 })
#define VTD_AFLOG    ((vtd_reg64_t){ 0x058 })
#define VTD_PMEN     ((vtd_reg32_t){ 0x064 })
#define VTD_PLMBASE  ((vtd_reg32_t){ 0x068 })
#define VTD_PLMLIMIT ((vtd_reg32_t){ 0x06c })
#define VTD_PHMBASE  ((vtd_reg64_t){ 0x070 })
#define VTD_PHMLIMIT ((vtd_reg64_t){ 0x078 })
#define VTD_IQH      ((vtd_reg64_t){ 0x080 })
#define VTD_IQT      ((vtd_reg64_t){ 0x088 })
#define VTD_IQA      ((vtd_reg64_t){ 0x090 })
#define VTD_ICS      ((vtd_reg32_t){ 0x09c })
#define VTD_IECTL    ((vtd_reg32_t){ 0x0a0 })
#define VTD_IEDATA   ((vtd_reg32_t){ 0x0a4 })
#define VTD_IEADDR   ((vtd_reg32_t){ 0x0a8 })
#define VTD_IEUADDR  ((vtd_reg32_t){ 0x0ac })
#define VTD_IQERCD   ((vtd_reg64_t){ 0x0b0 })
#define VTD_IRTA     ((vtd_reg64_t){ 0x0b8 })

/* Global command and status (11.4.4, 11.4.5): the same bit positions. */
#define VTD_GCMD_TE    (1u << 31) /* translation enable */
#define VTD_GCMD_SRTP  (1u << 30) /* set root table pointer */
#define VTD_GCMD_SFL   (1u << 29)
#define VTD_GCMD_EAFL  (1u << 28)
#define VTD_GCMD_WBF   (1u << 27) /* write buffer flush */
#define VTD_GCMD_QIE   (1u << 26) /* queued invalidation enable */
#define VTD_GCMD_IRE   (1u << 25) /* interrupt remapping enable */
#define VTD_GCMD_SIRTP (1u << 24) /* set interrupt remap table pointer */
#define VTD_GCMD_CFI   (1u << 23) /* compatibility format interrupts */
/* The one-shot bits; GCMD must never be written with them from GSTS. */
#define VTD_GCMD_ONE_SHOT (VTD_GCMD_SRTP | VTD_GCMD_SFL | VTD_GCMD_WBF | VTD_GCMD_SIRTP)
#define VTD_GSTS_TES   VTD_GCMD_TE
#define VTD_GSTS_RTPS  VTD_GCMD_SRTP
#define VTD_GSTS_WBFS  VTD_GCMD_WBF
#define VTD_GSTS_QIES  VTD_GCMD_QIE
#define VTD_GSTS_IRES  VTD_GCMD_IRE
#define VTD_GSTS_IRTPS VTD_GCMD_SIRTP
#define VTD_GSTS_CFIS  VTD_GCMD_CFI

/* Root table address (11.4.6): legacy mode, TTM = 0. */
#define VTD_RTADDR_TTM_LEGACY (0ull << 10)

/* Context command (11.4.7). */
#define VTD_CCMD_ICC          (1ull << 63)
#define VTD_CCMD_CIRG_GLOBAL  (1ull << 61)
#define VTD_CCMD_CIRG_DOMAIN  (2ull << 61)
#define VTD_CCMD_CIRG_DEVICE  (3ull << 61)
#define VTD_CCMD_CAIG(v)      (((v) >> 59) & 3)
#define VTD_CCMD_FM(m)        ((uint64_t)(m) << 32)
#define VTD_CCMD_SID(s)       ((uint64_t)(s) << 16)
#define VTD_CCMD_DID(d)       ((uint64_t)(d))

/* IOTLB registers at ECAP.IRO * 16 (11.4.8). */
#define VTD_IOTLB_IVA_OFFSET  0x0
#define VTD_IOTLB_REG_OFFSET  0x8
#define VTD_IOTLB_IVT         (1ull << 63)
#define VTD_IOTLB_IIRG_GLOBAL (1ull << 60)
#define VTD_IOTLB_IIRG_DOMAIN (2ull << 60)
#define VTD_IOTLB_IIRG_PAGE   (3ull << 60)
#define VTD_IOTLB_IAIG(v)     (((v) >> 57) & 3)
#define VTD_IOTLB_DR          (1ull << 49)
#define VTD_IOTLB_DW          (1ull << 48)
#define VTD_IOTLB_DID(d)      ((uint64_t)(d) << 32)
#define VTD_IVA_IH            (1ull << 6)
#define VTD_IVA_AM(m)         ((uint64_t)(m))

/* Fault status (11.4.9.1) and control (11.4.9.2). */
#define VTD_FSTS_PFO  (1u << 0) /* primary fault overflow */
#define VTD_FSTS_PPF  (1u << 1) /* primary pending fault */
#define VTD_FSTS_IQE  (1u << 4) /* invalidation queue error */
#define VTD_FSTS_ICE  (1u << 5)
#define VTD_FSTS_ITE  (1u << 6)
#define VTD_FSTS_FRI(v) (((v) >> 8) & 0xff)
#define VTD_FSTS_W1C  (VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)
#define VTD_FECTL_IM  (1u << 31) /* interrupt mask */
#define VTD_FECTL_IP  (1u << 30)

/* Fault recording registers at CAP.FRO * 16, 16 bytes each (11.4.14,
 * vtd_frcd_offset()): the page address read as the qword at 0, then the
 * 32-bit words */
#define VTD_FRCD_WORD2      8  /* bits 95:64 */
#define VTD_FRCD_WORD3      12 /* bits 127:96 */
#define VTD_FRCD_SID(w2)    ((w2) & 0xffff)
#define VTD_FRCD_FR(w3)     ((w3) & 0xff)           /* fault reason */
#define VTD_FRCD_TYPE_READ  (1u << 30)              /* else a write */
#define VTD_FRCD_F          (1u << 31)              /* fault; write 1 to clear */

/* Protected memory enable (11.4.15). */
#define VTD_PMEN_EPM  (1u << 31)
#define VTD_PMEN_PRS  (1u << 0)

/* Invalidation queue address (11.4.18): size field QS, 2^QS pages. */
#define VTD_IQA_QS(qs)  ((uint64_t)(qs))
#define VTD_IQ_DESC_SIZE 16
#define VTD_IQ_TAIL_SHIFT 4
#define VTD_ICS_IWC   (1u << 0) /* invalidation wait complete */

/* Interrupt remapping table address (11.4.19). */
#define VTD_IRTA_EIME  (1ull << 11)
#define VTD_IRTA_S(s)  ((uint64_t)(s))

/* Queued invalidation descriptors (6.5.2), 128 bits: low qword first. */
#define VTD_QI_CC       0x1 /* context-cache invalidate */
#define VTD_QI_IOTLB    0x2
#define VTD_QI_DEVTLB   0x3
#define VTD_QI_IEC      0x4 /* interrupt entry cache */
#define VTD_QI_WAIT     0x5
#define VTD_QI_CC_GLOBAL  (1ull << 4)
#define VTD_QI_CC_DOMAIN  (2ull << 4)
#define VTD_QI_CC_DEVICE  (3ull << 4)
#define VTD_QI_CC_DID(d)  ((uint64_t)(d) << 16)
#define VTD_QI_CC_SID(s)  ((uint64_t)(s) << 32)
#define VTD_QI_CC_FM(m)   ((uint64_t)(m) << 48)
#define VTD_QI_IOTLB_GLOBAL (1ull << 4)
#define VTD_QI_IOTLB_DOMAIN (2ull << 4)
#define VTD_QI_IOTLB_PAGE   (3ull << 4)
#define VTD_QI_IOTLB_DW     (1ull << 6)
#define VTD_QI_IOTLB_DR     (1ull << 7)
#define VTD_QI_IOTLB_DID(d) ((uint64_t)(d) << 16)
#define VTD_QI_IOTLB_AM(m)  ((uint64_t)(m))       /* high qword */
#define VTD_QI_IOTLB_IH     (1ull << 6)           /* high qword */
#define VTD_QI_IEC_GLOBAL   (0ull << 4)
#define VTD_QI_IEC_INDEX    (1ull << 4)
#define VTD_QI_IEC_IM(m)    ((uint64_t)(m) << 27)
#define VTD_QI_IEC_IIDX(i)  ((uint64_t)(i) << 32)
#define VTD_QI_WAIT_IF      (1ull << 4)
#define VTD_QI_WAIT_SW      (1ull << 5)
#define VTD_QI_WAIT_FN      (1ull << 6)
#define VTD_QI_WAIT_DATA(d) ((uint64_t)(d) << 32)

/* Root and context entries, legacy mode (9.1, 9.3): 128 bits each. */
#define VTD_ROOT_ENTRIES 256
#define VTD_CONTEXT_ENTRIES 256
#define VTD_ROOT_P           (1ull << 0)
#define VTD_CTX_LO_P         (1ull << 0)
#define VTD_CTX_LO_FPD       (1ull << 1) /* fault processing disable */
#define VTD_CTX_LO_TT_MULTI  (0ull << 2) /* translate untranslated requests */
#define VTD_CTX_LO_TT_PASS   (2ull << 2)
#define VTD_CTX_HI_AW(aw)    ((uint64_t)(aw))      /* 1: 3-level, 2: 4, 3: 5 */
#define VTD_CTX_HI_DID(d)    ((uint64_t)(d) << 8)

/* Second-level paging entries (9.8): R, W, superpage, snoop. */
#define VTD_SL_R    (1ull << 0)
#define VTD_SL_W    (1ull << 1)
#define VTD_SL_PS   (1ull << 7)
#define VTD_SL_SNP  (1ull << 11)
#define VTD_SL_ADDR_MASK 0x000ffffffffff000ull

#endif
