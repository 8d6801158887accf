/* A resume point for exception_dispatch(): the callee-saved registers, the
 * stack pointer and the return address of recovery_save(), as the SysV ABI
 * needs them to return a second time (struct recovery_point in
 * arch/x86/exception.h). */
	.text

	/* int recovery_save(struct recovery_point *p): 0 now, 1 when resumed */
	.global recovery_save
recovery_save:
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	leaq 8(%rsp), %rax
	movq %rax, 48(%rdi)
	movq (%rsp), %rax
	movq %rax, 56(%rdi)
	xorl %eax, %eax
	ret

	/* noreturn void recovery_resume(const struct recovery_point *p) */
	.global recovery_resume
recovery_resume:
	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	movl $1, %eax
	jmpq *56(%rdi)

	.section .note.GNU-stack, "", @progbits
