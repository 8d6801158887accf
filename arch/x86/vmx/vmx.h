/* The VT-x vCPU backend (arch/x86/vcpu_backend.h). */
#ifndef ARCH_X86_VMX_VMX_H
#define ARCH_X86_VMX_VMX_H

#include <stdbool.h>

struct vcpu_backend;

/* An Intel CPU with VMX (CPUID.1:ECX[5]); whether firmware left it usable
 * (IA32_FEATURE_CONTROL) and the CPU has EPT, VPID and unrestricted guest
 * is for the backend's global_init to say. */
bool vmx_available(void);

extern const struct vcpu_backend vmx_backend;

#endif
