/* What the VT-x backend's two halves share: vmx.c (bring-up, the VMCS, the
 * guest state hv reads and writes) and vmx_exit.c (running the guest,
 * its exits, what the backend emulates itself). Inside arch/x86/vmx only. */
#ifndef ARCH_X86_VMX_VMX_VCPU_H
#define ARCH_X86_VMX_VMX_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/vcpu.h"
#include "arch/x86/vmx/vmcs_image.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/vmx/vmx_ops.h"

#define CR0_TS                   (1ull << 3)
#define CR0_NW                   (1ull << 29)
#define CR0_CD                   (1ull << 30)
#define CR4_VMXE                 (1ull << 13)
#define CR4_OSXSAVE              (1ull << 18)
#define EFER_LMA                 (1ull << 10)
#define DR6_INIT                 0xffff0ff0ull
#define DR7_GD                   (1ull << 13)

/* EPT entries (SDM Vol. 3C, 29.3.2): read, write, execute; the memory
 * type in a leaf's bits 5:3; bit 7 a large leaf. */
#define EPT_R          (1ull << 0)
#define EPT_W          (1ull << 1)
#define EPT_X          (1ull << 2)
#define EPT_MEMTYPE_UC (0ull << 3)
#define EPT_MEMTYPE_WB (6ull << 3)
#define EPT_MEMTYPE_MASK (7ull << 3)
#define EPT_LARGE      (1ull << 7)

/* Basic exit reasons (appendix C) hv expects. */
enum {
	EXIT_EXCEPTION_NMI = 0, EXIT_TRIPLE_FAULT = 2, EXIT_CPUID = 10, EXIT_HLT = 12,
	EXIT_INVD = 13, EXIT_VMCALL = 18, EXIT_VMCLEAR = 19, EXIT_VMXON = 27,
	EXIT_CR_ACCESS = 28, EXIT_IO = 30, EXIT_RDMSR = 31, EXIT_WRMSR = 32,
	EXIT_EPT_VIOLATION = 48, EXIT_INVEPT = 50, EXIT_INVVPID = 53, EXIT_WBINVD = 54,
	EXIT_PREEMPTION_TIMER = 52, EXIT_XSETBV = 55, EXIT_VMFUNC = 59,
};
#define EXIT_REASON_ENTRY_FAILED (1u << 31)

/* Interruption information (24.8.3, 24.9.2). */
#define INTR_INFO_VALID       (1u << 31)
#define INTR_INFO_ERROR_VALID (1u << 11)
#define INTR_INFO_TYPE(i)     (((i) >> 8) & 7u)
#define INTR_TYPE_NMI         2u
#define INTR_TYPE_HW_EXCEPTION 3u
#define INTR_TYPE_SW_INT      4u
#define INTR_TYPE_PRIV_SW_EXCEPTION 5u
#define INTR_TYPE_SW_EXCEPTION 6u

#define VCPU_OPCODE_VMCALL_LEN 3

/* The VMX-preemption timer between kicks: as long as it counts (reloaded
 * at each entry), so that it ends a guest's run on its own only after
 * 2^32 ticks of guest time. */
#define VMX_PREEMPTION_IDLE 0xffffffffu

struct vmx_vcpu {
	uint64_t vmcs_pa;
	struct vmcs_image img;
	bool launched;
	bool refused;       /* a reset's image failed vmcs_check: never entered */
	unsigned cpu;
	/* Its own I/O and MSR bitmaps once allow_ports/set_msr_exits made
	 * them (0 until then), kept for the vCPU made again. */
	uint64_t own_io_pa, own_msr_pa;
};

/* The capabilities of the CPUs (all alike), read once by vmx.c. */
extern struct vmx_caps vmx_host_caps;

static inline struct vmx_vcpu *vmx_hw(const struct vcpu *v)
{
	return v->hw;
}

/* The guest's view of CR0/CR4: its own bits where the host owns them. */
static inline uint64_t vmx_guest_view(uint64_t real, uint64_t mask, uint64_t shadow)
{
	return (real & ~mask) | (shadow & mask);
}

/* CR0 and CR4 with the bits VMX operation fixes (A.7, A.8). */
static inline uint64_t vmx_fixed(uint64_t v, uint64_t fixed0, uint64_t fixed1)
{
	return (v | fixed0) & fixed1;
}

/* An event for the next entry (24.8.3). */
static inline void vmx_inject(uint32_t info, uint32_t error)
{
	vmwrite32(VMCS_ENTRY_INTR_INFO, info);
	if (info & INTR_INFO_ERROR_VALID)
		vmwrite32(VMCS_ENTRY_EXCEPTION_ERROR, error);
}

/* Makes the vCPU's VMCS current on this CPU: 0 or -EIO (logged). */
int vmx_make_current(struct vmx_vcpu *s);
/* Drops the guest's cached translations (its VPID), as a reset or the
 * CPU's own MOV to CR0 would. */
void vmx_flush_vpid(const struct vmx_vcpu *s);
/* The current VMCS's VM-instruction error. */
uint32_t vmx_insn_error(void);

/* Runs the guest to its next exit that vcpu_loop must see (the backend's
 * `run`). */
void vmx_run_vcpu(struct vcpu *v, struct vcpu_exit *e);

#endif
