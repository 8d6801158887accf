/* The test guest's AP trampoline (trampoline.S), shared with smp.c: where it
 * runs and its parameter block. smp.c copies [trampoline_start,
 * trampoline_end) to TRAMP_BASE (a page of the guest's low area, which
 * hv/guest/abi.h leaves to the guest) and fills the block at TRAMP_BASE +
 * TRAMP_PARAMS before each SIPI; the SIPI vector is TRAMP_BASE >> 12. */
#ifndef TESTS_GUEST_TRAMPOLINE_H
#define TESTS_GUEST_TRAMPOLINE_H

#define TRAMP_BASE   0x10000
#define TRAMP_PARAMS 0x0f00 /* the block's offset in the page */

/* The block's fields (offsets in it). */
#define TP_CR3   0x00 /* u64: vCPU 0's CR3 (hv's tables, below 4 GiB) */
#define TP_EFER  0x08 /* u64: EFER bits to set besides LME (vCPU 0's NXE) */
#define TP_STACK 0x10 /* u64: the AP's initial RSP */
#define TP_ENTRY 0x18 /* u64: ap_main(cpu) */
#define TP_CPU   0x20 /* u64: the AP's index, ap_main's argument */
#define TP_GDTR  0x28 /* u16 limit, u64 base: vCPU 0's GDT (hv's) */
#define TP_IDTR  0x38 /* u16 limit, u64 base: the guest's IDT */
#define TP_SIZE  0x48

/* The trampoline's own GDT, for the step through 32-bit protected mode.
 * Its 64-bit code and data selectors are those of hv's GDT
 * (HV_GUEST_SEL_CODE64, HV_GUEST_SEL_DATA), so nothing changes when the AP
 * switches to hv's GDT. */
#define TRAMP_SEL_CODE64 0x08
#define TRAMP_SEL_DATA   0x10
#define TRAMP_SEL_CODE32 0x18

#ifndef __ASSEMBLER__
extern const char trampoline_start[], trampoline_end[];
#endif

#endif
