/* The exits hv/guest/vcpu_loop.c hands on, one file per concern: port I/O
 * and MMIO (hv/guest/io_exit.c), CPUID and MSRs (hv/guest/cpu_policy.c),
 * hypercalls (hv/guest/hypercall.c), WBINVD (hv/guest/cache_exit.c). Each
 * runs on the vCPU's own CPU with interrupts held off, and completes the
 * instruction (advances RIP), injects an exception, or stops the guest. */
#ifndef HV_GUEST_EXITS_H
#define HV_GUEST_EXITS_H

#include "arch/x86/insn_decode.h"
#include "arch/x86/vcpu.h"
#include "hv/guest/partition.h"

void guest_io_exit(struct guest_vcpu *gv, const struct vcpu_exit *e);
void guest_mmio_exit(struct guest_vcpu *gv, const struct vcpu_exit *e);
void guest_msr_exit(struct guest_vcpu *gv, const struct vcpu_exit *e);
void guest_cpuid_exit(struct guest_vcpu *gv);
void guest_hypercall_exit(struct guest_vcpu *gv);
void guest_wbinvd_exit(struct guest_vcpu *gv, const struct vcpu_exit *e);
void guest_invd_exit(struct guest_vcpu *gv);

/* The bytes of the instruction at gv's RIP, read through the guest's page
 * tables as an instruction fetch: how many were readable (fewer where a page
 * is not mapped, 0 for none), and the mode to decode them in. */
size_t guest_fetch_insn(struct guest_vcpu *gv, uint8_t bytes[INSN_MAX_LEN], enum insn_mode *mode);

#endif
