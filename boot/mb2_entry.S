/* The multiboot2 header GRUB looks for (Multiboot2 specification 1.0, 3.1)
 * and the 32-bit entry it jumps to: protected mode, paging off, EAX the
 * boot loader magic, EBX the information structure, no stack (3.2). This
 * sets up what UEFI would have left: an identity map of the low 4 GiB in
 * long mode, SSE enabled as UEFI requires (hv itself uses none), a stack;
 * then mb2_main(magic, info) runs in C. */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_EM (1 << 2)
#define CR0_TS (1 << 3)
#define CR0_NE (1 << 5)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)

#define PTE_PRESENT_WRITE 0x3
#define PDE_2M_PRESENT_WRITE 0x83
#define IDENTITY_2M_PAGES 2048 /* 4 GiB */
#define IDENTITY_DIRECTORIES 4

#define SEL_CODE64 0x08
#define SEL_DATA 0x10

#define BOOT_STACK_BYTES 65536

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* The end tag: hv asks for nothing beyond what GRUB always gives. */
	.word 0, 0
	.long 8
mb2_header_end:

	.text
	.code32
	.global mb2_start
mb2_start:
	cli
	cld
	movl %eax, %ebp
	movl %ebx, %esi
	/* GRUB zero-fills memory beyond an ELF segment's file size, but
	 * nothing here depends on it. */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl $mb2_boot_stack_top, %esp

	movl $mb2_pd, %edi
	movl $PDE_2M_PRESENT_WRITE, %eax
	movl $IDENTITY_2M_PAGES, %ecx
1:	movl %eax, (%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b
	movl $mb2_pd + PTE_PRESENT_WRITE, %eax
	movl $mb2_pdpt, %edi
	movl $IDENTITY_DIRECTORIES, %ecx
2:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 2b
	movl $mb2_pdpt + PTE_PRESENT_WRITE, %eax
	movl %eax, mb2_pml4

	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $mb2_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	/* Bochs's BIOS leaves the caches off (CD and NW as at reset);
	 * UEFI leaves them on, and VM entry refuses NW without CD. */
	wbinvd
	movl %cr0, %eax
	andl $~(CR0_EM | CR0_TS | CR0_CD | CR0_NW), %eax
	orl $(CR0_PG | CR0_PE | CR0_MP | CR0_NE), %eax
	movl %eax, %cr0
	lgdt mb2_gdtr
	ljmp $SEL_CODE64, $mb2_long

	.code64
mb2_long:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	leaq mb2_boot_stack_top(%rip), %rsp
	/* Upper halves are undefined after the mode switch. */
	movl %ebp, %edi
	movl %esi, %esi
	call mb2_main
3:	cli
	hlt
	jmp 3b

	.section .rodata
	.balign 8
mb2_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: flat data */
mb2_gdt_end:
mb2_gdtr:
	.word mb2_gdt_end - mb2_gdt - 1
	.long mb2_gdt

	.section .bss
	.balign 4096
mb2_pml4:
	.skip 4096
mb2_pdpt:
	.skip 4096
mb2_pd:
	.skip 4096 * IDENTITY_DIRECTORIES
	.balign 16
mb2_boot_stack:
	.skip BOOT_STACK_BYTES
mb2_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
