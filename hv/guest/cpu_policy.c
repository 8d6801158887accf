/* What a guest sees of its CPU through CPUID and the MSRs that exit: the
 * features the hypervisor does not give it hidden (VMX/SVM, MONITOR, the
 * features whose MSRs it does not offer, and x2APIC where hv's own LAPIC
 * is not in x2APIC mode), its own CPU count,
 * the LAPIC fixed where it is (vlapic_x2apic.c: APIC_BASE and the x2APIC
 * MSRs). An MSR not handled here raises #GP. */
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "hv/guest/exits.h"
#include "hv/guest/vlapic.h"

#define MSR_APIC_BASE 0x0000001bu
#define MSR_MTRR_CAP  0x000000feu
#define MSR_MCG_CAP   0x00000179u
#define MSR_MCG_STATUS 0x0000017au
#define MSR_MTRR_DEF_TYPE 0x000002ffu
#define MSR_AMD_INT_PENDING 0xc0010055u
#define MSR_UCODE_REV 0x0000008bu   /* Intel's BIOS_SIGN_ID, AMD's PATCH_LEVEL */
#define MSR_MISC_ENABLE 0x000001a0u
/* Fast strings on; no branch trace store and no PEBS (no PMU is offered). */
#define MISC_ENABLE_GUEST (1ull << 0 | 1ull << 11 | 1ull << 12)
/* CPUID.1 features whose MSRs hv does not offer (thermal monitors and
 * clock control, the debug store, perfmon capabilities, SpeedStep, SMX):
 * ECX DTES64, DS-CPL, SMX, EST, TM2, PDCM; EDX DS, ACPI, TM, PBE. */
#define CPUID_1_ECX_HIDDEN (1u << 2 | 1u << 4 | 1u << 6 | 1u << 7 | 1u << 8 | 1u << 15)
#define CPUID_1_EDX_HIDDEN (1u << 21 | 1u << 22 | 1u << 29 | 1u << 31)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define CPUID_7_EBX_TSC_ADJUST (1u << 1)
#define CPUID_7_EBX_PT (1u << 25)
#define CPUID_7_ECX_OSPKE (1u << 4)
#define CPUID_D1_EAX_XSAVES (1u << 3)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)
#define MSR_PAT       0x00000277u
#define MSR_EFER      0xc0000080u
#define X2APIC_MSR_FIRST 0x800u
#define X2APIC_MSR_LAST  0x8ffu
#define CPUID_LEN 2
#define RDMSR_LEN 2
/* MTRRs enabled, default type write-back: with no variable or fixed
 * ranges (MTRRcap 0) the nested table alone decides the memory types. */
#define MTRR_DEF_TYPE_RESET 0x806ull
#define MTRR_DEF_TYPE_BITS  0xcffull /* type (0-7), FE (10), E (11) */

/* A memory type MTRRs may name (SDM 11.11.1): UC, WC, WT, WP, WB. */
static bool mtrr_type_valid(unsigned type)
{
	return type == 0 || type == 1 || (type >= 4 && type <= 6);
}

/* The CPU's microcode revision, read as the SDM says (Vol. 3A 10.11.7.1:
 * write 0, CPUID, read; AMD's PATCH_LEVEL just reads): the guest's CPU is
 * its own, so it may know what runs it. */
static uint64_t microcode_revision(void)
{
	uint64_t v = 0;

	(void)wrmsr_safe(MSR_UCODE_REV, 0);
	(void)cpuid(1, 0);
	if (rdmsr_safe(MSR_UCODE_REV, &v))
		v = 0;
	return v;
}

static bool msr_read(struct guest_vcpu *gv, uint32_t msr, uint64_t *v)
{
	switch (msr) {
	case MSR_APIC_BASE:
		*v = vlapic_apic_base(gv);
		return true;
	case X2APIC_MSR_FIRST ... X2APIC_MSR_LAST:
		return vlapic_msr_read(gv, msr, v);
	case MSR_EFER:
		*v = vcpu_get_efer(&gv->vcpu);
		return true;
	case MSR_PAT:
		*v = vcpu_get_pat(&gv->vcpu);
		return true;
	case MSR_MTRR_CAP:
		*v = 0; /* no MTRRs to program: the nested table decides */
		return true;
	case MSR_MTRR_DEF_TYPE:
		*v = gv->mtrr_def_type_flipped ^ MTRR_DEF_TYPE_RESET;
		return true;
	/* Read by Linux without a #GP guard: no machine-check banks, and
	 * no interrupt-pending message (its AMD E400 idle check). */
	case MSR_MCG_CAP: case MSR_MCG_STATUS: case MSR_AMD_INT_PENDING:
		*v = 0;
		return true;
	/* Read by Linux without a #GP guard on Intel CPUs (verify_cpu's
	 * XD-disable check, early_init_intel). */
	case MSR_MISC_ENABLE:
		*v = MISC_ENABLE_GUEST;
		return true;
	case MSR_UCODE_REV:
		*v = microcode_revision();
		return true;
	default:
		return false;
	}
}

static bool msr_write(struct guest_vcpu *gv, uint32_t msr, uint64_t v)
{
	switch (msr) {
	case MSR_APIC_BASE:
		return vlapic_set_apic_base(gv, v);
	case X2APIC_MSR_FIRST ... X2APIC_MSR_LAST:
		return vlapic_msr_write(gv, msr, v);
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
	case MSR_MTRR_DEF_TYPE:
		/* Kept for reading back only: no MTRR ever reaches the CPU. */
		if ((v & ~MTRR_DEF_TYPE_BITS) || !mtrr_type_valid(v & 0xff))
			return false;
		gv->mtrr_def_type_flipped = v ^ MTRR_DEF_TYPE_RESET;
		return true;
	case MSR_MCG_STATUS:
		return v == 0; /* no machine check is in progress to clear */
	case MSR_MISC_ENABLE:
		return v == MISC_ENABLE_GUEST; /* nothing in it is the guest's to change */
	case MSR_UCODE_REV:
		return v == 0; /* the first step of reading the revision; no update */
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

/* The CPU reports CR4.OSXSAVE and CR4.PKE as hv's: the guest's are its
 * CR4's. */
static uint32_t mirror_cr4(const struct guest_vcpu *gv, uint32_t reg, uint32_t bit, uint64_t cr4_bit)
{
	struct vcpu_state st;

	vcpu_get_state(&gv->vcpu, &st);
	return st.cr4 & cr4_bit ? reg | bit : reg & ~bit;
}

/* No VMX or MONITOR nor the features whose MSRs hv does not offer, x2APIC
 * only where the guest's MSR accesses reach an x2APIC; a hypervisor is
 * present; its own CPU count. */
static void leaf_1(const struct guest_vcpu *gv, struct cpuid_regs *c)
{
	c->ecx &= ~(1u << 5 | 1u << 3 | CPUID_1_ECX_HIDDEN | (vlapic_x2apic_offered() ? 0 : 1u << 21));
	c->ecx = mirror_cr4(gv, c->ecx, CPUID_1_ECX_OSXSAVE, CR4_OSXSAVE) | 1u << 31;
	c->edx &= ~CPUID_1_EDX_HIDDEN;
	c->ebx = (c->ebx & 0xff00ffffu) | (gv->guest->vcpu_count & 0xff) << 16;
}

void guest_cpuid_exit(struct guest_vcpu *gv)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	uint32_t leaf = (uint32_t)r->gpr[GPR_RAX], sub = (uint32_t)r->gpr[GPR_RCX];
	struct cpuid_regs c = cpuid(leaf, sub);

	switch (leaf) {
	case 0x1:
		leaf_1(gv, &c);
		break;
	case 0x7:
		/* No TSC_ADJUST (the TSC is not the guest's to move), no
		 * processor trace. */
		if (sub == 0) {
			c.ebx &= ~(CPUID_7_EBX_TSC_ADJUST | CPUID_7_EBX_PT);
			c.ecx = mirror_cr4(gv, c.ecx, CPUID_7_ECX_OSPKE, CR4_PKE);
		}
		break;
	case 0xd:
		/* No XSAVES: IA32_XSS is not offered (and VMX would need its
		 * control for XSAVES not to #UD). */
		if (sub == 1) {
			c.eax &= ~CPUID_D1_EAX_XSAVES;
			c.ecx = c.edx = 0;
		}
		break;
	/* MONITOR, thermal and power management, the architectural PMU,
	 * topology, processor trace, SVM: none offered. */
	case 0x5: case 0x6: case 0xa: case 0xb: case 0x14: case 0x1f: case 0x8000000a:
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
