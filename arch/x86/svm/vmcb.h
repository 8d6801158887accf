/* The AMD SVM virtual machine control block (AMD64 APM Vol. 2, appendix B:
 * control area layout B-1, state save area B-2) and the exit codes and
 * intercept bits hv uses (15.9-15.13, 15.25). */
#ifndef ARCH_X86_SVM_VMCB_H
#define ARCH_X86_SVM_VMCB_H

#include <stdint.h>

/* Intercept vector 3 (VMCB 0x00C) and 4 (0x010). */
#define SVM_INTERCEPT_NMI        (1u << 1)
#define SVM_INTERCEPT_INIT       (1u << 3)
#define SVM_INTERCEPT_CPUID      (1u << 18)
#define SVM_INTERCEPT_INVD       (1u << 22)
#define SVM_INTERCEPT_HLT        (1u << 24)
#define SVM_INTERCEPT_INVLPGA    (1u << 26)
#define SVM_INTERCEPT_IOIO       (1u << 27)
#define SVM_INTERCEPT_MSR        (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN   (1u << 31)
#define SVM_INTERCEPT_VMRUN      (1u << 0)
#define SVM_INTERCEPT_VMMCALL    (1u << 1)
#define SVM_INTERCEPT_VMLOAD     (1u << 2)
#define SVM_INTERCEPT_VMSAVE     (1u << 3)
#define SVM_INTERCEPT_STGI       (1u << 4)
#define SVM_INTERCEPT_CLGI       (1u << 5)
#define SVM_INTERCEPT_SKINIT     (1u << 6)
#define SVM_INTERCEPT_WBINVD     (1u << 9) /* WBNOINVD too */

#define SVM_TLB_FLUSH_ALL 1
#define SVM_NP_ENABLE 1

/* Exit codes (appendix C). */
#define SVM_EXIT_EXCP_BASE 0x040 /* + vector: an intercepted exception */
#define SVM_EXIT_EXCP_LAST 0x05f
#define SVM_EXIT_NMI      0x061
#define SVM_EXIT_INIT     0x063
#define SVM_EXIT_CPUID    0x072
#define SVM_EXIT_INVD     0x076
#define SVM_EXIT_HLT      0x078
#define SVM_EXIT_INVLPGA  0x07a
#define SVM_EXIT_IOIO     0x07b
#define SVM_EXIT_MSR      0x07c
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN    0x080
#define SVM_EXIT_VMMCALL  0x081
#define SVM_EXIT_VMLOAD   0x082
#define SVM_EXIT_VMSAVE   0x083
#define SVM_EXIT_STGI     0x084
#define SVM_EXIT_CLGI     0x085
#define SVM_EXIT_SKINIT   0x086
#define SVM_EXIT_WBINVD   0x089
#define SVM_EXIT_NPF      0x400
/* Compared on the low 32 bits: QEMU TCG reads it back as 0x00000000ffffffff. */
#define SVM_EXIT_INVALID  0xffffffffu

/* IOIO EXITINFO1 (15.10.2). */
#define SVM_IOIO_IN       (1u << 0)
#define SVM_IOIO_STR      (1u << 2)
#define SVM_IOIO_REP      (1u << 3)
#define SVM_IOIO_SZ8      (1u << 4)
#define SVM_IOIO_SZ16     (1u << 5)
#define SVM_IOIO_SZ32     (1u << 6)
#define SVM_IOIO_A16      (1u << 7) /* the address size of INS/OUTS */
#define SVM_IOIO_A32      (1u << 8)
#define SVM_IOIO_A64      (1u << 9)
#define SVM_IOIO_PORT(i)  ((uint16_t)((i) >> 16))

/* NPF EXITINFO1: a page-fault error code (15.25.6). */
#define SVM_NPF_WRITE     (1ull << 1)
#define SVM_NPF_FETCH     (1ull << 4)

/* EXITINTINFO (15.7.2) has EVENTINJ's format. */
#define SVM_EXITINTINFO_VALID (1ull << 31)

/* EVENTINJ (15.20). */
#define SVM_EVENT_VALID      (1ull << 31)
#define SVM_EVENT_ERROR      (1ull << 11)
#define SVM_EVENT_EXCEPTION  (3ull << 8)

#define SVM_IOPM_BYTES  (3 * 4096)
#define SVM_MSRPM_BYTES (2 * 4096)

struct vmcb_segment {
	uint16_t selector;
	uint16_t attrib; /* descriptor bits 47:40 in 7:0, 55:52 in 11:8 */
	uint32_t limit;
	uint64_t base;
} __attribute__((packed));

struct vmcb_control {
	uint32_t intercept_cr;
	uint32_t intercept_dr;
	uint32_t intercept_exceptions;
	uint32_t intercept_misc1;
	uint32_t intercept_misc2;
	uint32_t intercept_misc3;
	uint8_t reserved_018[0x03c - 0x018];
	uint16_t pause_filter_threshold;
	uint16_t pause_filter_count;
	uint64_t iopm_base_pa;
	uint64_t msrpm_base_pa;
	uint64_t tsc_offset;
	uint32_t asid;
	uint8_t tlb_control;
	uint8_t reserved_05d[3];
	uint64_t vintr;
	uint64_t interrupt_shadow;
	uint64_t exit_code;
	uint64_t exit_info1;
	uint64_t exit_info2;
	uint64_t exit_int_info;
	uint64_t np_enable;
	uint8_t reserved_098[0x0a8 - 0x098];
	uint64_t event_inj;
	uint64_t n_cr3;
	uint64_t lbr_virt;
	uint32_t clean_bits;
	uint32_t reserved_0c4;
	uint64_t next_rip;
	uint8_t insn_len;
	uint8_t insn_bytes[15];
	uint8_t reserved_0e0[0x400 - 0x0e0];
} __attribute__((packed));

struct vmcb_save {
	struct vmcb_segment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	uint8_t reserved_0a0[0x0cb - 0x0a0];
	uint8_t cpl;
	uint32_t reserved_0cc;
	uint64_t efer;
	uint8_t reserved_0d8[0x148 - 0x0d8];
	uint64_t cr4, cr3, cr0, dr7, dr6, rflags, rip;
	uint8_t reserved_180[0x1d8 - 0x180];
	uint64_t rsp;
	uint8_t reserved_1e0[0x1f8 - 0x1e0];
	uint64_t rax;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2;
	uint8_t reserved_248[0x268 - 0x248];
	uint64_t g_pat;
	uint8_t reserved_270[0xc00 - 0x270];
} __attribute__((packed));

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __attribute__((packed, aligned(4096)));

_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");
_Static_assert(__builtin_offsetof(struct vmcb_save, cpl) == 0x0cb, "VMCB CPL");
_Static_assert(__builtin_offsetof(struct vmcb_save, efer) == 0x0d0, "VMCB EFER");
_Static_assert(__builtin_offsetof(struct vmcb_save, cr4) == 0x148, "VMCB CR4");
_Static_assert(__builtin_offsetof(struct vmcb_save, rip) == 0x178, "VMCB RIP");
_Static_assert(__builtin_offsetof(struct vmcb_save, rsp) == 0x1d8, "VMCB RSP");
_Static_assert(__builtin_offsetof(struct vmcb_save, rax) == 0x1f8, "VMCB RAX");
_Static_assert(__builtin_offsetof(struct vmcb_save, cr2) == 0x240, "VMCB CR2");
_Static_assert(__builtin_offsetof(struct vmcb_save, g_pat) == 0x268, "VMCB G_PAT");
_Static_assert(__builtin_offsetof(struct vmcb_control, n_cr3) == 0x0b0, "VMCB N_CR3");
_Static_assert(__builtin_offsetof(struct vmcb_control, event_inj) == 0x0a8, "VMCB EVENTINJ");
_Static_assert(__builtin_offsetof(struct vmcb_control, exit_code) == 0x070, "VMCB EXITCODE");

#endif
