/* int vmx_enter(uint64_t *gpr, int launched)
 *
 * Enters the guest of the current VMCS with the general-purpose registers
 * in gpr[] (encoding order; RSP lives in the VMCS and is skipped):
 * VMRESUME when `launched`, VMLAUNCH otherwise. A VM exit resumes at
 * vmx_exit_entry (the VMCS's host RIP) on the stack this call left in the
 * host RSP field, with every register but RSP the guest's: they are stored
 * back into gpr[] and the host's callee-saved ones popped.
 *
 * Returns 0 after a VM exit, 1 for VMfailInvalid (CF), 2 for VMfailValid
 * (ZF: the VM-instruction error field says why), 3 when the host RSP
 * could not be written. Called with RFLAGS.IF = 0; a VM exit clears it
 * again (SDM Vol. 3C, 28.5.3: RFLAGS is loaded as 2). */
#include "arch/x86/vcpu_gprs.inc"

#define VMCS_HOST_RSP 0x6c14

	.text
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	HOST_CALLEE_SAVED_PUSH
	pushq %rdi              /* gpr[]: (%rsp) at the VM exit */

	movl $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe 3f

	movq %rdi, %rax
	testl %esi, %esi
	VCPU_GPRS_LOAD %rax
	movq 8*0(%rax), %rax    /* the movs leave ZF of the test alone */
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* Only a failed VMLAUNCH/VMRESUME gets here: CF or ZF says how. */
	movl $1, %eax
	jc 4f
	movl $2, %eax
	jmp 4f
3:	movl $3, %eax
4:	addq $8, %rsp
	HOST_CALLEE_SAVED_POP
	ret
	.size vmx_enter, . - vmx_enter

	.globl vmx_exit_entry
	.type vmx_exit_entry, @function
vmx_exit_entry:
	xchgq (%rsp), %rax      /* gpr[] out, the guest's RAX onto the stack */
	VCPU_GPRS_STORE %rax
	popq 8*0(%rax)
	xorl %eax, %eax
	HOST_CALLEE_SAVED_POP
	ret
	.size vmx_exit_entry, . - vmx_exit_entry
	.section .note.GNU-stack, "", @progbits
