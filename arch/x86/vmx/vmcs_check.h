/* The checks VM entry makes of a VMCS (Intel SDM Vol. 3C, 26.2 "Checks on
 * VMX Controls and Host-State Area", 26.3.1 "Checks on the Guest State
 * Area"), run on a software image before any VMLAUNCH: the CPU only says
 * "invalid control field" (error 7), "invalid host state" (8) or "invalid
 * guest state" (exit reason 33), where this names the check.
 *
 * It covers what applies to a 64-bit host and the fields in a
 * struct vmcs_image: not the virtual-APIC, posted-interrupt, PML, VM
 * function, shadow-VMCS and CET fields, which the image has not (controls
 * that need them are refused by the allowed settings or not checked), not
 * the PDPTEs of a PAE guest, nor what only the CPU knows (SMM, the
 * revision of a linked VMCS: any link pointer but ~0 is refused). */
#ifndef ARCH_X86_VMX_VMCS_CHECK_H
#define ARCH_X86_VMX_VMCS_CHECK_H

#include <stddef.h>

#include "arch/x86/vmx/vmcs_image.h"
#include "arch/x86/vmx/vmx_caps.h"

/* 0, or -EINVAL with the failed check in `why` ("guest CR0: PG without
 * PE"): controls first, then the host state, then the guest state, as the
 * CPU checks them. */
int vmcs_check(const struct vmx_caps *caps, const struct vmcs_image *img, char *why, size_t len);

int vmcs_check_controls(const struct vmx_caps *caps, const struct vmcs_image *img, char *why,
			size_t len);
int vmcs_check_host(const struct vmx_caps *caps, const struct vmcs_image *img, char *why,
		    size_t len);
int vmcs_check_guest(const struct vmx_caps *caps, const struct vmcs_image *img, char *why,
		     size_t len);

#endif
