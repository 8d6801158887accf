/* The MSRs a guest reads and writes without an exit, under either backend:
 * state the hardware switches between host and guest (SVM's VMLOAD/VMSAVE)
 * or that is the guest's alone (hv uses none of them; under VMX they stay
 * in the CPU as the guest left them). */
#ifndef ARCH_X86_VCPU_MSRS_H
#define ARCH_X86_VCPU_MSRS_H

#include <stdint.h>

static const uint32_t vcpu_passthrough_msrs[] = {
	0xc0000100u, /* FS_BASE */
	0xc0000101u, /* GS_BASE */
	0xc0000102u, /* KERNEL_GS_BASE */
	0xc0000081u, /* STAR */
	0xc0000082u, /* LSTAR */
	0xc0000083u, /* CSTAR */
	0xc0000084u, /* SFMASK */
	0x00000174u, /* SYSENTER_CS */
	0x00000175u, /* SYSENTER_ESP */
	0x00000176u, /* SYSENTER_EIP */
	0xc0000103u, /* TSC_AUX */
	0x000006e0u, /* TSC_DEADLINE: the LAPIC timer is the guest's */
	/* The CPU's speculation controls, the guest's to use on its own CPU
	 * (hv sets none): where CPUID lists them the guest mitigates its own
	 * processes; where it does not they #GP, as the CPU raises it. */
	0x00000048u, /* SPEC_CTRL */
	0x00000049u, /* PRED_CMD */
	0x0000010au, /* ARCH_CAPABILITIES (read-only: writes #GP) */
	0x0000010bu, /* FLUSH_CMD */
};

#endif
