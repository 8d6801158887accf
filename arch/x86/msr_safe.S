/* RDMSR and WRMSR that return -EFAULT (-14) instead of faulting: where the
 * MSR or the value comes from a guest, a #GP must not become the
 * hypervisor's. exception_dispatch() sends a #GP at *_insn to *_fault. */
	.text

	/* int rdmsr_safe(uint32_t msr, uint64_t *value) */
	.global rdmsr_safe, rdmsr_safe_insn, rdmsr_safe_fault
rdmsr_safe:
	movl %edi, %ecx
rdmsr_safe_insn:
	rdmsr
	shlq $32, %rdx
	movl %eax, %eax
	orq %rdx, %rax
	movq %rax, (%rsi)
	xorl %eax, %eax
	ret
rdmsr_safe_fault:
	movl $-14, %eax
	ret

	/* int wrmsr_safe(uint32_t msr, uint64_t value) */
	.global wrmsr_safe, wrmsr_safe_insn, wrmsr_safe_fault
wrmsr_safe:
	movl %edi, %ecx
	movl %esi, %eax
	movq %rsi, %rdx
	shrq $32, %rdx
wrmsr_safe_insn:
	wrmsr
	xorl %eax, %eax
	ret
wrmsr_safe_fault:
	movl $-14, %eax
	ret

	.section .note.GNU-stack, "", @progbits
