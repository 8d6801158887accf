/* VT-d remapping hardware registers (Intel VT-d specification 4.1,
 * chapter 11) and the in-memory structures they point at (chapter 9).
 * 32-bit registers must be accessed 32 bits wide: QEMU aborts on a 64-bit
 * access to one (FACTS.md). */
#ifndef IOMMU_VTD_REGS_H
#define IOMMU_VTD_REGS_H

#include <stdint.h>

/* Register offsets (11.4). */
#define VTD_VER      0x000 /* 32 */
#define VTD_CAP      0x008 /* 64 */
#define VTD_ECAP     0x010 /* 64 */
#define VTD_GCMD     0x018 /* 32 */
#define VTD_GSTS     0x01c /* 32 */
#define VTD_RTADDR   0x020 /* 64 */
#define VTD_CCMD     0x028 /* 64 */
#define VTD_FSTS     0x034 /* 32 */
#define VTD_FECTL    0x038 /* 32 */
#define VTD_FEDATA   0x03c /* 32 */
#define VTD_FEADDR   0x040 /* 32 */
#define VTD_FEUADDR  0x044 /* 32 */
#define VTD_AFLOG    0x058 /* 64 */
#define VTD_PMEN     0x064 /* 32 */
#define VTD_PLMBASE  0x068 /* 32 */
#define VTD_PLMLIMIT 0x06c /* 32 */
#define VTD_PHMBASE  0x070 /* 64 */
#define VTD_PHMLIMIT 0x078 /* 64 */
#define VTD_IQH      0x080 /* 64 */
#define VTD_IQT      0x088 /* 64 */
#define VTD_IQA      0x090 /* 64 */
#define VTD_ICS      0x09c /* 32 */
#define VTD_IECTL    0x0a0 /* 32 */
#define VTD_IEDATA   0x0a4 /* 32 */
#define VTD_IEADDR   0x0a8 /* 32 */
#define VTD_IEUADDR  0x0ac /* 32 */
#define VTD_IQERCD   0x0b0 /* 64 */
#define VTD_IRTA     0x0b8 /* 64 */

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

/* Fault recording registers at CAP.FRO * 16, 16 bytes each (11.4.14),
 * read as 32-bit words: the page address in words 0-1, then */
#define VTD_FRCD_SIZE       16
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
