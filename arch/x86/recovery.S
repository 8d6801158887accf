/* A resume point for exception_dispatch(): the callee-saved registers, the
 * stack pointer, the return address and RFLAGS of recovery_save(), as the
 * SysV ABI needs them to return a second time (struct recovery_point in
 * arch/x86/exception.h). The handler resumes there by rewriting its frame
 * and returning through IRET, as any handler returns. */
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
	pushfq
	popq 64(%rdi)
	xorl %eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
