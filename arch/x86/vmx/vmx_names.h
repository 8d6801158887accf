/* Texts for what VT-x reports as numbers (Intel SDM Vol. 3C, 31.4
 * "VM Instruction Error Numbers"; Vol. 3D, appendix C "VMX Basic Exit
 * Reasons"), for hv's messages. */
#ifndef ARCH_X86_VMX_VMX_NAMES_H
#define ARCH_X86_VMX_VMX_NAMES_H

#include <stdint.h>

/* "VM entry with invalid control field(s)", or "unknown error" */
const char *vmx_insn_error_name(uint32_t error);
/* "EPT violation", ... for the basic exit reason (bits 15:0), or
 * "unknown exit reason" */
const char *vmx_exit_reason_name(uint32_t reason);

#endif
