/* void svm_run(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_vmcb_pa)
 *
 * Enters the guest of `vmcb_pa` with the general-purpose registers in
 * gpr[] (encoding order; RAX and RSP live in the VMCB and are skipped) and
 * returns at its #VMEXIT with them stored back. VMRUN/#VMEXIT switch only
 * part of the state (AMD64 APM Vol. 2, 15.5): the host's FS, GS, TR, LDTR
 * and the syscall MSRs go through VMSAVE/VMLOAD of `host_vmcb_pa` around
 * the guest's own VMLOAD/VMSAVE. Called with GIF = 0 (CLGI); VMRUN sets
 * it for the guest and #VMEXIT clears it again. */
	.text
	.globl svm_run
	.type svm_run, @function
svm_run:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdx              /* host VMCB */
	pushq %rsi              /* gpr[] */
	pushq %rdi              /* guest VMCB */

	movq %rdx, %rax
	vmsave %rax

	movq 8*1(%rsi), %rcx
	movq 8*2(%rsi), %rdx
	movq 8*3(%rsi), %rbx
	movq 8*5(%rsi), %rbp
	movq 8*7(%rsi), %rdi
	movq 8*8(%rsi), %r8
	movq 8*9(%rsi), %r9
	movq 8*10(%rsi), %r10
	movq 8*11(%rsi), %r11
	movq 8*12(%rsi), %r12
	movq 8*13(%rsi), %r13
	movq 8*14(%rsi), %r14
	movq 8*15(%rsi), %r15
	movq 8*6(%rsi), %rsi

	movq (%rsp), %rax       /* guest VMCB */
	vmload %rax
	vmrun %rax
	vmsave %rax

	movq 8(%rsp), %rax      /* gpr[] */
	movq %rcx, 8*1(%rax)
	movq %rdx, 8*2(%rax)
	movq %rbx, 8*3(%rax)
	movq %rbp, 8*5(%rax)
	movq %rsi, 8*6(%rax)
	movq %rdi, 8*7(%rax)
	movq %r8, 8*8(%rax)
	movq %r9, 8*9(%rax)
	movq %r10, 8*10(%rax)
	movq %r11, 8*11(%rax)
	movq %r12, 8*12(%rax)
	movq %r13, 8*13(%rax)
	movq %r14, 8*14(%rax)
	movq %r15, 8*15(%rax)

	movq 16(%rsp), %rax     /* host VMCB */
	vmload %rax

	addq $24, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
	.size svm_run, . - svm_run
	.section .note.GNU-stack, "", @progbits
