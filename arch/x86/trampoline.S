/* Application processor startup: from the real mode a SIPI starts the AP in
 * to 64-bit mode on the hypervisor's page tables, then into ap_main (smp.c)
 * on the AP's own stack (SDM Vol. 3A, 9.4.4.1; 10.9.1 entering protected
 * mode; 10.8.5 initializing IA-32e mode).
 *
 * smp.c copies [trampoline_start, trampoline_end) to the start of a page
 * below 1 MiB; the SIPI vector is that page's number, so the AP starts with
 * CS = vector << 8 and IP = 0. Nothing here depends on where it runs: real
 * mode addresses the copy through CS and DS, 32- and 64-bit code through
 * %ebx, which holds the copy's linear address; absolute addresses (the far
 * pointers, the GDT base, CR3, stack and entry) are in the parameter block,
 * which smp.c fills in. */
#include "arch/x86/trampoline.h"

/* As in arch/x86/cpu.h, without the C suffixes. */
#define CR0_PE   0x00000001
#define CR0_ET   0x00000010
#define CR0_NE   0x00000020
#define CR0_WP   0x00010000
#define CR0_PG   0x80000000
#define CR4_PAE  0x00000020
#define MSR_IA32_EFER 0xc0000080
#define EFER_LME 0x00000100
#define EFER_NXE 0x00000800

/* Offset of a parameter in the copy. */
#define PARAM(off) (trampoline_params - trampoline_start + (off))

	/* Data, not text: only the copy runs (and the image's disassembly,
	 * 64-bit only, need not decode 16- and 32-bit code or the GDT). */
	.section .rodata.trampoline, "a"
	.code16
	.global trampoline_start
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	xorl %ebx, %ebx
	movw %ax, %bx
	shll $4, %ebx
	lgdtl PARAM(TP_GDTR)
	/* Written whole: INIT leaves CR0.CD and NW set (SDM Vol. 3A, Table
	 * 10-1), and the AP would run with its caches off. */
	movl $(CR0_PE | CR0_ET | CR0_NE), %eax
	movl %eax, %cr0
	ljmpl *PARAM(TP_FAR32)

	.code32
	.global trampoline_entry32
trampoline_entry32:
	movw $TRAMPOLINE_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $CR4_PAE, %eax
	movl %eax, %cr4
	/* The PML4 copy below 1 MiB: the real one may lie above 4 GiB. */
	movl PARAM(TP_CR3)(%ebx), %eax
	movl %eax, %cr3
	/* NXE before paging: the tables carry NX bits, which are reserved
	 * (a #PF on every walk) while it is clear. */
	movl $MSR_IA32_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	/* Paging on with EFER.LME set activates IA-32e mode; WP as on the BSP
	 * (arch/x86/paging.c): read-only pages stay so for ring 0. */
	movl $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE), %eax
	movl %eax, %cr0
	ljmpl *PARAM(TP_FAR64)(%ebx)

	.code64
	.global trampoline_entry64
trampoline_entry64:
	/* The upper halves of the registers are undefined after the switch
	 * (SDM Vol. 1, 3.4.1.1): zero-extend the base. */
	movl %ebx, %ebx
	movq PARAM(TP_STACK)(%rbx), %rsp
	movq PARAM(TP_ARG)(%rbx), %rdi
	movq PARAM(TP_ENTRY)(%rbx), %rax
	xorl %ebp, %ebp
	/* A call, not a jump: the entry sees the stack alignment of a call. */
	callq *%rax
1:	cli
	hlt
	jmp 1b

	/* Accessed bits preset: the CPU never writes to this table. */
	.balign 8
	.global trampoline_gdt
trampoline_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff /* TRAMPOLINE_SEL_CODE32: flat 32-bit code */
	.quad 0x00cf93000000ffff /* TRAMPOLINE_SEL_DATA: flat data */
	.quad 0x00af9b000000ffff /* TRAMPOLINE_SEL_CODE64: 64-bit code */
	.global trampoline_gdt_end
trampoline_gdt_end:

	.balign 8
	.global trampoline_params
trampoline_params:
	.fill TP_SIZE, 1, 0
	.global trampoline_end
trampoline_end:

	.section .note.GNU-stack, "", @progbits
