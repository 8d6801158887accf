/* Instructions that may fault on purpose. The exception handler resumes at
 * the matching *_resume label, whose stack is the probe's own. */
	.text

	.global fault_probe_read, fault_probe_read_resume
fault_probe_read:
	movzbq (%rdi), %rax
	ret
fault_probe_read_resume:
	movq $-1, %rax
	ret

	.global fault_probe_write, fault_probe_write_resume
fault_probe_write:
	movb %sil, (%rdi)
fault_probe_write_resume:
	ret

	/* The target holds a RET when it is executable. A fetch fault leaves
	 * the return address of the call on the stack. */
	.global fault_probe_exec, fault_probe_exec_resume
fault_probe_exec:
	call *%rdi
	ret
fault_probe_exec_resume:
	addq $8, %rsp
	ret

	.global fault_probe_ud, fault_probe_ud_resume
fault_probe_ud:
	ud2
fault_probe_ud_resume:
	ret

	.section .note.GNU-stack, "", @progbits
