/* void svm_run(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_vmcb_pa)
 *
 * Enters the guest of `vmcb_pa` with the general-purpose registers in
 * gpr[] (encoding order; RAX and RSP live in the VMCB and are skipped) and
 * returns at its #VMEXIT with them stored back. VMRUN/#VMEXIT switch only
 * part of the state (AMD64 APM Vol. 2, 15.5): the host's FS, GS, TR, LDTR
 * and the syscall MSRs go through VMSAVE/VMLOAD of `host_vmcb_pa` around
 * the guest's own VMLOAD/VMSAVE. Called with GIF = 0 (CLGI); VMRUN sets
 * it for the guest and #VMEXIT clears it again. */
#include "arch/x86/vcpu_gprs.inc"

	.text
	.globl svm_run
	.type svm_run, @function
svm_run:
	HOST_CALLEE_SAVED_PUSH
	pushq %rdx              /* host VMCB */
	pushq %rsi              /* gpr[] */
	pushq %rdi              /* guest VMCB */

	movq %rdx, %rax
	vmsave %rax

	VCPU_GPRS_LOAD %rsi
	movq 8*6(%rsi), %rsi

	movq (%rsp), %rax       /* guest VMCB */
	vmload %rax
	vmrun %rax
	vmsave %rax

	movq 8(%rsp), %rax      /* gpr[] */
	VCPU_GPRS_STORE %rax

	movq 16(%rsp), %rax     /* host VMCB */
	vmload %rax

	addq $24, %rsp
	HOST_CALLEE_SAVED_POP
	ret
	.size svm_run, . - svm_run
	.section .note.GNU-stack, "", @progbits
