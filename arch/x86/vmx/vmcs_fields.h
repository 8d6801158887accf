/* VMCS field encodings (Intel SDM Vol. 3D, appendix B), each typed by its
 * width. VMREAD/VMWRITE take any encoding in a register, and a 64-bit
 * write to a 32-bit field fails only at run time (or, to a 16-bit field,
 * truncates silently): the backend's accessors take these types instead,
 * so that a wrong-width access does not compile (the idea of NOVA's and
 * Hedron's per-width VMCS encodings). Structs rather than enums, which C
 * converts into each other and into integers silently.
 *
 * An encoding carries its width in bits 14:13 (B.1-B.4); VMCS_FIELD()
 * refuses to compile a field whose type disagrees with them, so that a
 * typo here cannot mistype a field either. Bit 0 (high half of a 64-bit
 * field) is never set here: hv runs in 64-bit mode and accesses 64-bit
 * fields whole. */
#ifndef ARCH_X86_VMX_VMCS_FIELDS_H
#define ARCH_X86_VMX_VMCS_FIELDS_H

#include <stdint.h>

struct vmcs_field16 { uint16_t enc; };
struct vmcs_field32 { uint16_t enc; };
struct vmcs_field64 { uint16_t enc; };
struct vmcs_field_natural { uint16_t enc; }; /* 64 bits on a 64-bit host */

#define VMCS_WIDTH_16      0
#define VMCS_WIDTH_64      1
#define VMCS_WIDTH_32      2
#define VMCS_WIDTH_NATURAL 3
#define VMCS_ENC_WIDTH(e)  (((e) >> 13) & 3)

/* A negative array size where the encoding's width bits are not `width`. */
#define VMCS_FIELD(type, width, e) \
	((struct type){ (uint16_t)((e) + 0 * sizeof(char[VMCS_ENC_WIDTH(e) == (width) ? 1 : -1])) })
#define VMCS16(e)  VMCS_FIELD(vmcs_field16, VMCS_WIDTH_16, e)
#define VMCS32(e)  VMCS_FIELD(vmcs_field32, VMCS_WIDTH_32, e)
#define VMCS64(e)  VMCS_FIELD(vmcs_field64, VMCS_WIDTH_64, e)
#define VMCSNAT(e) VMCS_FIELD(vmcs_field_natural, VMCS_WIDTH_NATURAL, e)

/* 16-bit control, guest and host fields. */
#define VMCS_VPID                 VMCS16(0x0000)
#define VMCS_GUEST_ES_SELECTOR    VMCS16(0x0800)
#define VMCS_GUEST_CS_SELECTOR    VMCS16(0x0802)
#define VMCS_GUEST_SS_SELECTOR    VMCS16(0x0804)
#define VMCS_GUEST_DS_SELECTOR    VMCS16(0x0806)
#define VMCS_GUEST_FS_SELECTOR    VMCS16(0x0808)
#define VMCS_GUEST_GS_SELECTOR    VMCS16(0x080a)
#define VMCS_GUEST_LDTR_SELECTOR  VMCS16(0x080c)
#define VMCS_GUEST_TR_SELECTOR    VMCS16(0x080e)
#define VMCS_HOST_ES_SELECTOR     VMCS16(0x0c00)
#define VMCS_HOST_CS_SELECTOR     VMCS16(0x0c02)
#define VMCS_HOST_SS_SELECTOR     VMCS16(0x0c04)
#define VMCS_HOST_DS_SELECTOR     VMCS16(0x0c06)
#define VMCS_HOST_FS_SELECTOR     VMCS16(0x0c08)
#define VMCS_HOST_GS_SELECTOR     VMCS16(0x0c0a)
#define VMCS_HOST_TR_SELECTOR     VMCS16(0x0c0c)

/* 64-bit control fields. */
#define VMCS_IO_BITMAP_A          VMCS64(0x2000)
#define VMCS_IO_BITMAP_B          VMCS64(0x2002)
#define VMCS_MSR_BITMAP           VMCS64(0x2004)
#define VMCS_EXIT_MSR_STORE_ADDR  VMCS64(0x2006)
#define VMCS_EXIT_MSR_LOAD_ADDR   VMCS64(0x2008)
#define VMCS_ENTRY_MSR_LOAD_ADDR  VMCS64(0x200a)
#define VMCS_TSC_OFFSET           VMCS64(0x2010)
#define VMCS_EPT_POINTER          VMCS64(0x201a)
#define VMCS_XSS_EXIT_BITMAP      VMCS64(0x202c)
/* 64-bit read-only data field. */
#define VMCS_GUEST_PHYSICAL_ADDRESS VMCS64(0x2400)
/* 64-bit guest fields. */
#define VMCS_LINK_POINTER         VMCS64(0x2800)
#define VMCS_GUEST_DEBUGCTL       VMCS64(0x2802)
#define VMCS_GUEST_PAT            VMCS64(0x2804)
#define VMCS_GUEST_EFER           VMCS64(0x2806)
#define VMCS_GUEST_PDPTE0         VMCS64(0x280a)
#define VMCS_GUEST_PDPTE1         VMCS64(0x280c)
#define VMCS_GUEST_PDPTE2         VMCS64(0x280e)
#define VMCS_GUEST_PDPTE3         VMCS64(0x2810)
/* 64-bit host fields. */
#define VMCS_HOST_PAT             VMCS64(0x2c00)
#define VMCS_HOST_EFER            VMCS64(0x2c02)

/* 32-bit control fields. */
#define VMCS_PIN_CONTROLS         VMCS32(0x4000)
#define VMCS_PROC_CONTROLS        VMCS32(0x4002)
#define VMCS_EXCEPTION_BITMAP     VMCS32(0x4004)
#define VMCS_PF_ERROR_MASK        VMCS32(0x4006)
#define VMCS_PF_ERROR_MATCH       VMCS32(0x4008)
#define VMCS_CR3_TARGET_COUNT     VMCS32(0x400a)
#define VMCS_EXIT_CONTROLS        VMCS32(0x400c)
#define VMCS_EXIT_MSR_STORE_COUNT VMCS32(0x400e)
#define VMCS_EXIT_MSR_LOAD_COUNT  VMCS32(0x4010)
#define VMCS_ENTRY_CONTROLS       VMCS32(0x4012)
#define VMCS_ENTRY_MSR_LOAD_COUNT VMCS32(0x4014)
#define VMCS_ENTRY_INTR_INFO      VMCS32(0x4016)
#define VMCS_ENTRY_EXCEPTION_ERROR VMCS32(0x4018)
#define VMCS_ENTRY_INSN_LEN       VMCS32(0x401a)
#define VMCS_TPR_THRESHOLD        VMCS32(0x401c)
#define VMCS_PROC2_CONTROLS       VMCS32(0x401e)
/* 32-bit read-only data fields. */
#define VMCS_INSN_ERROR           VMCS32(0x4400)
#define VMCS_EXIT_REASON          VMCS32(0x4402)
#define VMCS_EXIT_INTR_INFO       VMCS32(0x4404)
#define VMCS_EXIT_INTR_ERROR      VMCS32(0x4406)
#define VMCS_IDT_VECTORING_INFO   VMCS32(0x4408)
#define VMCS_IDT_VECTORING_ERROR  VMCS32(0x440a)
#define VMCS_EXIT_INSN_LEN        VMCS32(0x440c)
#define VMCS_EXIT_INSN_INFO       VMCS32(0x440e)
/* 32-bit guest fields. */
#define VMCS_GUEST_ES_LIMIT       VMCS32(0x4800)
#define VMCS_GUEST_CS_LIMIT       VMCS32(0x4802)
#define VMCS_GUEST_SS_LIMIT       VMCS32(0x4804)
#define VMCS_GUEST_DS_LIMIT       VMCS32(0x4806)
#define VMCS_GUEST_FS_LIMIT       VMCS32(0x4808)
#define VMCS_GUEST_GS_LIMIT       VMCS32(0x480a)
#define VMCS_GUEST_LDTR_LIMIT     VMCS32(0x480c)
#define VMCS_GUEST_TR_LIMIT       VMCS32(0x480e)
#define VMCS_GUEST_GDTR_LIMIT     VMCS32(0x4810)
#define VMCS_GUEST_IDTR_LIMIT     VMCS32(0x4812)
#define VMCS_GUEST_ES_AR          VMCS32(0x4814)
#define VMCS_GUEST_CS_AR          VMCS32(0x4816)
#define VMCS_GUEST_SS_AR          VMCS32(0x4818)
#define VMCS_GUEST_DS_AR          VMCS32(0x481a)
#define VMCS_GUEST_FS_AR          VMCS32(0x481c)
#define VMCS_GUEST_GS_AR          VMCS32(0x481e)
#define VMCS_GUEST_LDTR_AR        VMCS32(0x4820)
#define VMCS_GUEST_TR_AR          VMCS32(0x4822)
#define VMCS_GUEST_INTERRUPTIBILITY VMCS32(0x4824)
#define VMCS_GUEST_ACTIVITY_STATE VMCS32(0x4826)
#define VMCS_GUEST_SYSENTER_CS    VMCS32(0x482a)
#define VMCS_PREEMPTION_TIMER     VMCS32(0x482e)
/* 32-bit host field. */
#define VMCS_HOST_SYSENTER_CS     VMCS32(0x4c00)

/* Natural-width control fields. */
#define VMCS_CR0_GUEST_HOST_MASK  VMCSNAT(0x6000)
#define VMCS_CR4_GUEST_HOST_MASK  VMCSNAT(0x6002)
#define VMCS_CR0_READ_SHADOW      VMCSNAT(0x6004)
#define VMCS_CR4_READ_SHADOW      VMCSNAT(0x6006)
/* Natural-width read-only data fields. */
#define VMCS_EXIT_QUALIFICATION   VMCSNAT(0x6400)
#define VMCS_GUEST_LINEAR_ADDRESS VMCSNAT(0x640a)
/* Natural-width guest fields. */
#define VMCS_GUEST_CR0            VMCSNAT(0x6800)
#define VMCS_GUEST_CR3            VMCSNAT(0x6802)
#define VMCS_GUEST_CR4            VMCSNAT(0x6804)
#define VMCS_GUEST_ES_BASE        VMCSNAT(0x6806)
#define VMCS_GUEST_CS_BASE        VMCSNAT(0x6808)
#define VMCS_GUEST_SS_BASE        VMCSNAT(0x680a)
#define VMCS_GUEST_DS_BASE        VMCSNAT(0x680c)
#define VMCS_GUEST_FS_BASE        VMCSNAT(0x680e)
#define VMCS_GUEST_GS_BASE        VMCSNAT(0x6810)
#define VMCS_GUEST_LDTR_BASE      VMCSNAT(0x6812)
#define VMCS_GUEST_TR_BASE        VMCSNAT(0x6814)
#define VMCS_GUEST_GDTR_BASE      VMCSNAT(0x6816)
#define VMCS_GUEST_IDTR_BASE      VMCSNAT(0x6818)
#define VMCS_GUEST_DR7            VMCSNAT(0x681a)
#define VMCS_GUEST_RSP            VMCSNAT(0x681c)
#define VMCS_GUEST_RIP            VMCSNAT(0x681e)
#define VMCS_GUEST_RFLAGS         VMCSNAT(0x6820)
#define VMCS_GUEST_PENDING_DBG    VMCSNAT(0x6822)
#define VMCS_GUEST_SYSENTER_ESP   VMCSNAT(0x6824)
#define VMCS_GUEST_SYSENTER_EIP   VMCSNAT(0x6826)
/* Natural-width host fields. */
#define VMCS_HOST_CR0             VMCSNAT(0x6c00)
#define VMCS_HOST_CR3             VMCSNAT(0x6c02)
#define VMCS_HOST_CR4             VMCSNAT(0x6c04)
#define VMCS_HOST_FS_BASE         VMCSNAT(0x6c06)
#define VMCS_HOST_GS_BASE         VMCSNAT(0x6c08)
#define VMCS_HOST_TR_BASE         VMCSNAT(0x6c0a)
#define VMCS_HOST_GDTR_BASE       VMCSNAT(0x6c0c)
#define VMCS_HOST_IDTR_BASE       VMCSNAT(0x6c0e)
#define VMCS_HOST_SYSENTER_ESP    VMCSNAT(0x6c10)
#define VMCS_HOST_SYSENTER_EIP    VMCSNAT(0x6c12)
#define VMCS_HOST_RSP             VMCSNAT(0x6c14)
#define VMCS_HOST_RIP             VMCSNAT(0x6c16)

#endif
