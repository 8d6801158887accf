/* The test guest's entry (vCPU 0, as hv/guest/abi.h describes: 64-bit mode,
 * hv's page tables and GDT, interrupts off, RDI = the boot data, RSP = 0)
 * and its interrupt stubs. */
/* struct entry_state (guest.h) */
#define ES_RDI         0
#define ES_RSP         8
#define ES_RFLAGS      16
#define ES_CS          24
#define ES_DS          32
#define ES_SS          40
#define ES_BSS_NONZERO 48

#define STACK_SIZE 16384 /* guest.h */

	.section .text.entry, "ax"
	.code64
	.global guest_entry
guest_entry:
	/* What hv handed over, before anything changes it (entry_state is in
	 * .data: the .bss is checked and cleared below). */
	movq %rdi, entry_state + ES_RDI(%rip)
	movq %rsp, entry_state + ES_RSP(%rip)
	movq %cs, %rax
	movq %rax, entry_state + ES_CS(%rip)
	movq %ds, %rax
	movq %rax, entry_state + ES_DS(%rip)
	movq %ss, %rax
	movq %rax, entry_state + ES_SS(%rip)

	/* The loader must have zeroed the .bss: count the bytes it left
	 * nonzero (guest_boot_data reports them), then clear it anyway. */
	leaq __bss_start(%rip), %rsi
	leaq __bss_end(%rip), %rcx
	xorl %edx, %edx
1:	cmpq %rcx, %rsi
	jae 3f
	cmpb $0, (%rsi)
	je 2f
	incq %rdx
2:	incq %rsi
	jmp 1b
3:	movq %rdx, entry_state + ES_BSS_NONZERO(%rip)
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	cld
	rep stosb

	/* vCPU 0's stack: guest_stacks[0]. */
	leaq guest_stacks + STACK_SIZE(%rip), %rsp
	pushfq
	popq %rax
	movq %rax, entry_state + ES_RFLAGS(%rip)
	cli
	xorl %ebp, %ebp
	movq entry_state + ES_RDI(%rip), %rdi
	call guest_main
4:	cli
	hlt
	jmp 4b

/* Interrupt stubs, one per vector, and isr_stub_table, their addresses
 * (the IDT's handlers): each pushes an error code where the CPU pushes
 * none, then the vector, and goes to isr_common, which saves the registers
 * as struct frame (guest.h) and calls isr_dispatch(frame). The CPU aligns
 * RSP to 16 before its 5-word frame; 7 words with error code and vector,
 * 15 registers: 176 bytes, so RSP is 16-aligned at the call. */
	.text
	.macro isr_stub v
	.balign 16
isr_stub_\v:
	.if (\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp isr_common
	.endm

	.macro isr_stub_address v
	.quad isr_stub_\v
	.endm

	.altmacro
	.set vec, 0
	.rept 256
	isr_stub %vec
	.set vec, vec + 1
	.endr

	.section .rodata, "a"
	.balign 8
	.global isr_stub_table
isr_stub_table:
	.set vec, 0
	.rept 256
	isr_stub_address %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

	.text
isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call isr_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq
