/* VMX capability MSRs: loading, control adjustment, decoding (SDM Vol. 3D,
 * appendix A). */
#include "arch/x86/vmx/vmx_caps.h"

#include <stdio.h>

static uint32_t must_be_one(uint64_t allowed_msr)
{
	return (uint32_t)allowed_msr;
}

static uint32_t may_be_one(uint64_t allowed_msr)
{
	return (uint32_t)(allowed_msr >> 32);
}

void vmx_caps_load(struct vmx_caps *c, uint64_t (*rdmsr)(uint32_t msr, void *ctx), void *ctx,
		   unsigned phys_addr_bits, unsigned linear_addr_bits)
{
	*c = (struct vmx_caps){ 0 };
	c->basic = rdmsr(MSR_IA32_VMX_BASIC, ctx);
	bool true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;

	c->pin = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED : MSR_IA32_VMX_PINBASED_CTLS, ctx);
	c->proc = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED : MSR_IA32_VMX_PROCBASED_CTLS, ctx);
	c->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT : MSR_IA32_VMX_EXIT_CTLS, ctx);
	c->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY : MSR_IA32_VMX_ENTRY_CTLS, ctx);
	c->misc = rdmsr(MSR_IA32_VMX_MISC, ctx);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0, ctx);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1, ctx);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0, ctx);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1, ctx);
	/* PROCBASED_CTLS2 exists where secondary controls may be 1, and
	 * EPT_VPID_CAP where EPT or VPID may be (A.3.3, A.10). */
	if (may_be_one(c->proc) & VMX_PROC_SECONDARY)
		c->proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2, ctx);
	if (may_be_one(c->proc2) & (VMX_PROC2_EPT | VMX_PROC2_VPID))
		c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP, ctx);
	c->phys_addr_bits = phys_addr_bits;
	c->linear_addr_bits = linear_addr_bits;
}

int vmx_adjust_control(uint64_t allowed_msr, uint32_t wanted_required, uint32_t wanted_optional,
		       uint32_t *out, uint32_t *missing)
{
	uint32_t may = may_be_one(allowed_msr);

	*missing = wanted_required & ~may;
	*out = ((wanted_required | wanted_optional) & may) | must_be_one(allowed_msr);
	return *missing ? -1 : 0;
}

bool vmx_control_fits(uint64_t allowed_msr, uint32_t value, unsigned *bit, bool *must_one)
{
	uint32_t cleared = must_be_one(allowed_msr) & ~value;
	uint32_t set = value & ~may_be_one(allowed_msr);

	if (cleared) {
		*bit = (unsigned)__builtin_ctz(cleared);
		*must_one = true;
		return false;
	}
	if (set) {
		*bit = (unsigned)__builtin_ctz(set);
		*must_one = false;
		return false;
	}
	return true;
}

const char *vmx_control_word_name(enum vmx_control_word w)
{
	switch (w) {
	case VMX_CTL_PIN: return "pin-based controls";
	case VMX_CTL_PROC: return "processor-based controls";
	case VMX_CTL_PROC2: return "secondary controls";
	case VMX_CTL_EXIT: return "VM-exit controls";
	case VMX_CTL_ENTRY: return "VM-entry controls";
	}
	return "controls";
}

struct bit_name {
	enum vmx_control_word word;
	uint8_t bit;
	const char *name;
};

static const struct bit_name bit_names[] = {
	{ VMX_CTL_PIN, 0, "external-interrupt exiting" },
	{ VMX_CTL_PIN, 3, "NMI exiting" },
	{ VMX_CTL_PIN, 5, "virtual NMIs" },
	{ VMX_CTL_PIN, 6, "VMX-preemption timer" },
	{ VMX_CTL_PIN, 7, "posted interrupts" },
	{ VMX_CTL_PROC, 2, "interrupt-window exiting" },
	{ VMX_CTL_PROC, 3, "TSC offsetting" },
	{ VMX_CTL_PROC, 7, "HLT exiting" },
	{ VMX_CTL_PROC, 9, "INVLPG exiting" },
	{ VMX_CTL_PROC, 10, "MWAIT exiting" },
	{ VMX_CTL_PROC, 11, "RDPMC exiting" },
	{ VMX_CTL_PROC, 12, "RDTSC exiting" },
	{ VMX_CTL_PROC, 15, "CR3-load exiting" },
	{ VMX_CTL_PROC, 16, "CR3-store exiting" },
	{ VMX_CTL_PROC, 19, "CR8-load exiting" },
	{ VMX_CTL_PROC, 20, "CR8-store exiting" },
	{ VMX_CTL_PROC, 21, "TPR shadow" },
	{ VMX_CTL_PROC, 22, "NMI-window exiting" },
	{ VMX_CTL_PROC, 23, "MOV-DR exiting" },
	{ VMX_CTL_PROC, 24, "unconditional I/O exiting" },
	{ VMX_CTL_PROC, 25, "I/O bitmaps" },
	{ VMX_CTL_PROC, 27, "monitor trap flag" },
	{ VMX_CTL_PROC, 28, "MSR bitmaps" },
	{ VMX_CTL_PROC, 29, "MONITOR exiting" },
	{ VMX_CTL_PROC, 30, "PAUSE exiting" },
	{ VMX_CTL_PROC, 31, "secondary controls" },
	{ VMX_CTL_PROC2, 0, "virtualize APIC accesses" },
	{ VMX_CTL_PROC2, 1, "EPT" },
	{ VMX_CTL_PROC2, 2, "descriptor-table exiting" },
	{ VMX_CTL_PROC2, 3, "RDTSCP" },
	{ VMX_CTL_PROC2, 4, "virtualize x2APIC mode" },
	{ VMX_CTL_PROC2, 5, "VPID" },
	{ VMX_CTL_PROC2, 6, "WBINVD exiting" },
	{ VMX_CTL_PROC2, 7, "unrestricted guest" },
	{ VMX_CTL_PROC2, 8, "APIC-register virtualization" },
	{ VMX_CTL_PROC2, 9, "virtual-interrupt delivery" },
	{ VMX_CTL_PROC2, 10, "PAUSE-loop exiting" },
	{ VMX_CTL_PROC2, 12, "INVPCID" },
	{ VMX_CTL_PROC2, 13, "VM functions" },
	{ VMX_CTL_PROC2, 14, "VMCS shadowing" },
	{ VMX_CTL_PROC2, 17, "page-modification logging" },
	{ VMX_CTL_PROC2, 18, "EPT-violation #VE" },
	{ VMX_CTL_PROC2, 20, "XSAVES/XRSTORS" },
	{ VMX_CTL_PROC2, 25, "TSC scaling" },
	{ VMX_CTL_EXIT, 2, "save debug controls" },
	{ VMX_CTL_EXIT, 9, "host address-space size" },
	{ VMX_CTL_EXIT, 12, "load IA32_PERF_GLOBAL_CTRL" },
	{ VMX_CTL_EXIT, 15, "acknowledge interrupt on exit" },
	{ VMX_CTL_EXIT, 18, "save IA32_PAT" },
	{ VMX_CTL_EXIT, 19, "load IA32_PAT" },
	{ VMX_CTL_EXIT, 20, "save IA32_EFER" },
	{ VMX_CTL_EXIT, 21, "load IA32_EFER" },
	{ VMX_CTL_EXIT, 22, "save VMX-preemption timer" },
	{ VMX_CTL_ENTRY, 2, "load debug controls" },
	{ VMX_CTL_ENTRY, 9, "IA-32e mode guest" },
	{ VMX_CTL_ENTRY, 10, "entry to SMM" },
	{ VMX_CTL_ENTRY, 11, "deactivate dual-monitor treatment" },
	{ VMX_CTL_ENTRY, 13, "load IA32_PERF_GLOBAL_CTRL" },
	{ VMX_CTL_ENTRY, 14, "load IA32_PAT" },
	{ VMX_CTL_ENTRY, 15, "load IA32_EFER" },
};

const char *vmx_control_bit_name(enum vmx_control_word w, unsigned bit, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(bit_names) / sizeof(bit_names[0]); i++) {
		if (bit_names[i].word == w && bit_names[i].bit == bit)
			return bit_names[i].name;
	}
	snprintf(buf, len, "bit %u", bit);
	return buf;
}

uint64_t vmx_caps_allowed(const struct vmx_caps *c, enum vmx_control_word w)
{
	switch (w) {
	case VMX_CTL_PIN: return c->pin;
	case VMX_CTL_PROC: return c->proc;
	case VMX_CTL_PROC2: return c->proc2;
	case VMX_CTL_EXIT: return c->exit;
	case VMX_CTL_ENTRY: return c->entry;
	}
	return 0;
}

bool vmx_caps_true_controls(const struct vmx_caps *c)
{
	return c->basic & VMX_BASIC_TRUE_CTLS;
}

uint32_t vmx_caps_revision(const struct vmx_caps *c)
{
	return (uint32_t)(c->basic & VMX_BASIC_REVISION_MASK);
}

bool vmx_caps_may_set(const struct vmx_caps *c, enum vmx_control_word w, uint32_t bits)
{
	if (w == VMX_CTL_PROC2 && !(may_be_one(c->proc) & VMX_PROC_SECONDARY))
		return false;
	return (may_be_one(vmx_caps_allowed(c, w)) & bits) == bits;
}

bool vmx_caps_ept(const struct vmx_caps *c)
{
	return vmx_caps_may_set(c, VMX_CTL_PROC2, VMX_PROC2_EPT);
}

bool vmx_caps_vpid(const struct vmx_caps *c)
{
	return vmx_caps_may_set(c, VMX_CTL_PROC2, VMX_PROC2_VPID);
}

bool vmx_caps_unrestricted_guest(const struct vmx_caps *c)
{
	return vmx_caps_may_set(c, VMX_CTL_PROC2, VMX_PROC2_UNRESTRICTED);
}

bool vmx_caps_preemption_timer(const struct vmx_caps *c)
{
	return vmx_caps_may_set(c, VMX_CTL_PIN, VMX_PIN_PREEMPTION_TIMER);
}

unsigned vmx_caps_preemption_rate(const struct vmx_caps *c)
{
	return (unsigned)(c->misc & VMX_MISC_PREEMPTION_RATE_MASK);
}

static bool ept_cap(const struct vmx_caps *c, uint64_t bit)
{
	return vmx_caps_ept(c) && (c->ept_vpid & bit);
}

bool vmx_caps_ept_walk4(const struct vmx_caps *c) { return ept_cap(c, VMX_EPT_WALK_4); }
bool vmx_caps_ept_wb(const struct vmx_caps *c) { return ept_cap(c, VMX_EPT_MEMTYPE_WB); }
bool vmx_caps_ept_uc(const struct vmx_caps *c) { return ept_cap(c, VMX_EPT_MEMTYPE_UC); }
bool vmx_caps_ept_2m(const struct vmx_caps *c) { return ept_cap(c, VMX_EPT_LEAF_2M); }
bool vmx_caps_ept_1g(const struct vmx_caps *c) { return ept_cap(c, VMX_EPT_LEAF_1G); }
bool vmx_caps_ept_ad(const struct vmx_caps *c) { return ept_cap(c, VMX_EPT_AD_FLAGS); }

/* INVEPT of a type is there when INVEPT is and the type's bit says. */
bool vmx_caps_invept_single(const struct vmx_caps *c)
{
	return ept_cap(c, VMX_EPT_INVEPT) && ept_cap(c, VMX_EPT_INVEPT_SINGLE);
}

bool vmx_caps_invept_all(const struct vmx_caps *c)
{
	return ept_cap(c, VMX_EPT_INVEPT) && ept_cap(c, VMX_EPT_INVEPT_ALL);
}

static bool invvpid_cap(const struct vmx_caps *c, uint64_t bit)
{
	return vmx_caps_vpid(c) && (c->ept_vpid & VMX_VPID_INVVPID) && (c->ept_vpid & bit);
}

bool vmx_caps_invvpid_addr(const struct vmx_caps *c) { return invvpid_cap(c, VMX_VPID_INVVPID_ADDR); }
bool vmx_caps_invvpid_single(const struct vmx_caps *c) { return invvpid_cap(c, VMX_VPID_INVVPID_SINGLE); }
bool vmx_caps_invvpid_all(const struct vmx_caps *c) { return invvpid_cap(c, VMX_VPID_INVVPID_ALL); }

unsigned vmx_caps_cr3_targets(const struct vmx_caps *c)
{
	return (unsigned)((c->misc >> VMX_MISC_CR3_TARGETS_SHIFT) & VMX_MISC_CR3_TARGETS_MASK);
}

bool vmx_caps_activity_state(const struct vmx_caps *c, unsigned state)
{
	switch (state) {
	case 0: return true;
	case 1: return c->misc & VMX_MISC_ACTIVITY_HLT;
	case 2: return c->misc & VMX_MISC_ACTIVITY_SHUTDOWN;
	case 3: return c->misc & VMX_MISC_ACTIVITY_SIPI;
	default: return false;
	}
}

unsigned vmx_caps_struct_addr_bits(const struct vmx_caps *c)
{
	if ((c->basic & VMX_BASIC_ADDR_32BIT) && c->phys_addr_bits > 32)
		return 32;
	return c->phys_addr_bits;
}

enum vmx_feature_control vmx_feature_control_state(uint64_t msr)
{
	if (!(msr & VMX_FC_LOCK))
		return VMX_FC_ENABLE_AND_LOCK;
	return msr & VMX_FC_VMX_OUTSIDE_SMX ? VMX_FC_READY : VMX_FC_LOCKED_OFF;
}
