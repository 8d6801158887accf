/* What a guest sees of its CPU through CPUID and the MSRs that exit: the
 * features the hypervisor does not give it hidden (VMX/SVM, MONITOR,
 * x2APIC: the guarded LAPIC is an xAPIC page), its own CPU count, the
 * xAPIC fixed where it is. An MSR not handled here raises #GP. */
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "hv/guest/exits.h"
#include "hv/guest/vlapic.h"

#define MSR_APIC_BASE 0x0000001bu
#define MSR_MTRR_CAP  0x000000feu
#define MSR_PAT       0x00000277u
#define MSR_EFER      0xc0000080u
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_BSP    (1ull << 8)
#define CPUID_LEN 2
#define RDMSR_LEN 2

static bool msr_read(struct guest_vcpu *gv, uint32_t msr, uint64_t *v)
{
	switch (msr) {
	case MSR_APIC_BASE:
		*v = XAPIC_BASE | APIC_BASE_ENABLE | (gv->index == 0 ? APIC_BASE_BSP : 0);
		return true;
	case MSR_EFER:
		*v = vcpu_get_efer(&gv->vcpu);
		return true;
	case MSR_PAT:
		*v = vcpu_get_pat(&gv->vcpu);
		return true;
	case MSR_MTRR_CAP:
		*v = 0; /* no MTRRs to program: the nested table decides */
		return true;
	default:
		return false;
	}
}

static bool msr_write(struct guest_vcpu *gv, uint32_t msr, uint64_t v)
{
	switch (msr) {
	case MSR_APIC_BASE:
		/* The xAPIC stays where it is and enabled: no x2APIC, no move. */
		return (v & ~APIC_BASE_BSP) == (XAPIC_BASE | APIC_BASE_ENABLE);
	case MSR_EFER:
		return vcpu_set_efer(&gv->vcpu, v) == 0;
	case MSR_PAT:
		/* Each entry a memory type that exists (SDM 11.12.2): 0, 1, 4-7. */
		for (unsigned i = 0; i < 8; i++) {
			unsigned type = (v >> (8 * i)) & 0xff;
			if (type == 2 || type == 3 || type > 7)
				return false;
		}
		vcpu_set_pat(&gv->vcpu, v);
		return true;
	default:
		return false;
	}
}

void guest_msr_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	uint32_t msr = (uint32_t)r->gpr[GPR_RCX];
	uint64_t v = (r->gpr[GPR_RDX] << 32) | (uint32_t)r->gpr[GPR_RAX];
	bool ok = e->msr.write ? msr_write(gv, msr, v) : msr_read(gv, msr, &v);

	if (!ok) {
		vcpu_inject_exception(&gv->vcpu, VEC_GP, true, 0);
		return;
	}
	if (!e->msr.write) {
		r->gpr[GPR_RAX] = (uint32_t)v;
		r->gpr[GPR_RDX] = v >> 32;
	}
	r->rip += RDMSR_LEN;
}

void guest_cpuid_exit(struct guest_vcpu *gv)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	uint32_t leaf = (uint32_t)r->gpr[GPR_RAX], sub = (uint32_t)r->gpr[GPR_RCX];
	struct cpuid_regs c = cpuid(leaf, sub);

	switch (leaf) {
	case 0x1:
		/* No VMX, MONITOR or x2APIC (the xAPIC page is how the guarded
		 * LAPIC works); a hypervisor is present; its own CPU count. */
		c.ecx &= ~(1u << 5 | 1u << 3 | 1u << 21);
		c.ecx |= 1u << 31;
		c.ebx = (c.ebx & 0xff00ffffu) | (gv->guest->vcpu_count & 0xff) << 16;
		break;
	case 0x5: case 0xb: case 0x1f: case 0x8000000a:
		c = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 0x40000000:
		c = (struct cpuid_regs){ 0x40000000, 0x79687668 /* "hvhy" */,
					 0x76726570 /* "perv" */, 0x726f7369 /* "isor" */ };
		break;
	case 0x80000001:
		c.ecx &= ~(1u << 2); /* SVM */
		break;
	case 0x80000008:
		c.ecx = (c.ecx & ~0xffu) | ((gv->guest->vcpu_count - 1) & 0xff);
		break;
	default:
		break;
	}
	r->gpr[GPR_RAX] = c.eax;
	r->gpr[GPR_RBX] = c.ebx;
	r->gpr[GPR_RCX] = c.ecx;
	r->gpr[GPR_RDX] = c.edx;
	r->rip += CPUID_LEN;
}
