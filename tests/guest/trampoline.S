/* The test guest's AP trampoline: a vCPU started by SIPI (CS = 0x0800,
 * IP = 0: real mode at TRAMP_BASE) goes through 32-bit protected mode on
 * the trampoline's own GDT into 64-bit mode on hv's page tables (vCPU 0's
 * CR3), switches to hv's GDT (vCPU 0's GDTR), loads the guest's IDT and
 * calls ap_main(cpu) on its own stack. Everything it needs beyond the code
 * is in the parameter block (trampoline.h), which smp.c fills in.
 *
 * Assembled for TRAMP_BASE: an address in the copy is
 * TRAMP_BASE + (label - trampoline_start); in real mode DS = CS =
 * TRAMP_BASE >> 4, so an offset is label - trampoline_start. Kept in
 * .rodata: only the copy runs. */
#include "tests/guest/trampoline.h"

#define CR0_PE   0x00000001
#define CR0_ET   0x00000010
#define CR0_NE   0x00000020
#define CR0_WP   0x00010000
#define CR0_PG   0x80000000
#define CR4_PAE  0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100

#define OFF(label)    ((label) - trampoline_start)
#define ADDR(label)   (TRAMP_BASE + OFF(label))
#define PARAM(field)  (TRAMP_BASE + TRAMP_PARAMS + (field))

	.section .rodata.trampoline, "a"
	.balign 16
	.global trampoline_start, trampoline_end

	.code16
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl OFF(tramp_gdtr)
	/* Written whole: INIT leaves CR0.CD and NW set, and the AP would run
	 * with its caches off. */
	movl $(CR0_PE | CR0_ET | CR0_NE), %eax
	movl %eax, %cr0
	ljmpl $TRAMP_SEL_CODE32, $ADDR(tramp32)

	.code32
tramp32:
	movw $TRAMP_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $CR4_PAE, %eax
	movl %eax, %cr4
	movl PARAM(TP_CR3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	orl PARAM(TP_EFER), %eax
	wrmsr
	movl $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE), %eax
	movl %eax, %cr0
	/* Paging on with EFER.LME: long mode, compatibility mode until CS is a
	 * 64-bit segment. */
	ljmpl $TRAMP_SEL_CODE64, $ADDR(tramp64)

	.code64
tramp64:
	movq PARAM(TP_STACK), %rsp
	lgdt PARAM(TP_GDTR)
	/* Reload CS from hv's GDT (the same selectors: trampoline.h). */
	pushq $TRAMP_SEL_CODE64
	pushq $ADDR(tramp64_hv_gdt)
	lretq
tramp64_hv_gdt:
	movl $TRAMP_SEL_DATA, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	lidt PARAM(TP_IDTR)
	movq PARAM(TP_CPU), %rdi
	movq PARAM(TP_ENTRY), %rax
	xorl %ebp, %ebp
	call *%rax
1:	cli
	hlt
	jmp 1b

	/* null; 64-bit code; data; 32-bit code (see trampoline.h). */
	.balign 16
tramp_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
	.quad 0x00cf9a000000ffff
tramp_gdt_end:
tramp_gdtr:
	.word tramp_gdt_end - tramp_gdt - 1
	.long ADDR(tramp_gdt)
trampoline_end:

	/* trampoline_end - trampoline_start <= TRAMP_PARAMS: checked by
	 * guest.ld (the assembler cannot: the jumps' sizes are not final). */
	.if TRAMP_PARAMS + TP_SIZE > 0x1000
	.error "the parameter block does not fit in the page"
	.endif
