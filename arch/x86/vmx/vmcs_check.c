/* VM-entry checks on a software VMCS (SDM Vol. 3C, 26.2 and 26.3.1), in
 * the CPU's order; each failure says which check. */
#include "arch/x86/vmx/vmcs_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_PCIDE (1ull << 17)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
/* SCE, LME, LMA, NXE: the EFER bits an Intel CPU has. */
#define EFER_VALID (1ull << 0 | EFER_LME | EFER_LMA | 1ull << 11)
#define RFLAGS_RESERVED 0xffffffffffc08028ull
#define RFLAGS_FIXED (1ull << 1)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_VM (1ull << 17)
/* LBR, BTF and bits 6-15 (TR, BTS, ..., RTM): the rest is reserved. */
#define DEBUGCTL_VALID 0xffc3ull
#define DEBUGCTL_BTF (1ull << 1)
#define PENDING_DBG_RESERVED 0xfffffffffffeaff0ull
#define PENDING_DBG_BS (1ull << 14)

#define BLOCK_STI (1u << 0)
#define BLOCK_MOV_SS (1u << 1)
#define BLOCK_SMI (1u << 2)
#define BLOCK_NMI (1u << 3)
#define INTERRUPTIBILITY_RESERVED 0xffffffe0u

#define ACTIVITY_ACTIVE 0u
#define ACTIVITY_HLT 1u
#define ACTIVITY_SHUTDOWN 2u
#define ACTIVITY_SIPI 3u

/* VM-entry interruption information (24.8.3). */
#define INTR_VECTOR(i) ((i) & 0xffu)
#define INTR_TYPE(i) (((i) >> 8) & 7u)
#define INTR_DELIVER_ERROR (1u << 11)
#define INTR_RESERVED 0x7ffff000u
#define INTR_VALID (1u << 31)
#define INTR_TYPE_EXT 0u
#define INTR_TYPE_NMI 2u
#define INTR_TYPE_HW_EXCEPTION 3u
#define INTR_TYPE_SOFT_INT 4u
#define INTR_TYPE_PRIV_SOFT 5u
#define INTR_TYPE_SOFT_EXCEPTION 6u
#define INTR_TYPE_OTHER 7u

#define BASIC_NO_ERROR_CODE_CHECK (1ull << 56)
#define MISC_ZERO_INSN_LEN (1ull << 30)

#define EPTP_MEMTYPE(p) ((p) & 7u)
#define EPTP_WALK(p) (((p) >> 3) & 7u)
#define EPTP_RESERVED_LOW 0xf80ull

struct say {
	char *why;
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static int fail(const struct say *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, s->len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define TRY(expr) do { int err_ = (expr); if (err_) return err_; } while (0)

static bool canonical(uint64_t addr, unsigned bits)
{
	if (bits == 0 || bits >= 64)
		return true;
	int64_t shifted = (int64_t)(addr << (64 - bits)) >> (64 - bits);
	return (uint64_t)shifted == addr;
}

static bool within(uint64_t addr, unsigned bits)
{
	return bits >= 64 || (addr >> bits) == 0;
}

static bool page_address_ok(uint64_t addr, unsigned bits)
{
	return (addr & 0xfff) == 0 && within(addr, bits);
}

/* 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-: each PAT entry one of them. */
static int check_pat(const struct say *s, const char *who, uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned type = (unsigned)(pat >> (8 * i)) & 0xff;
		if (type == 2 || type == 3 || type > 7)
			return fail(s, "%s PAT: entry %u holds no memory type", who, i);
	}
	return 0;
}

static bool guest_ia32e(const struct vmcs_image *img)
{
	return img->ctl.entry & VMX_ENTRY_IA32E_GUEST;
}

static bool unrestricted(const struct vmcs_image *img)
{
	return (img->ctl.proc & VMX_PROC_SECONDARY) && (img->ctl.proc2 & VMX_PROC2_UNRESTRICTED);
}

/* ---- VM-execution, VM-exit and VM-entry controls (26.2.1) ---------------- */

static int check_word(const struct say *s, const struct vmx_caps *caps, enum vmx_control_word w,
		      uint32_t value)
{
	unsigned bit;
	bool must_one;
	char buf[16];

	if (vmx_control_fits(vmx_caps_allowed(caps, w), value, &bit, &must_one))
		return 0;
	return fail(s, "%s: %s %s", vmx_control_word_name(w),
		    vmx_control_bit_name(w, bit, buf, sizeof(buf)),
		    must_one ? "must be 1" : "not allowed");
}

static int check_allowed_settings(const struct say *s, const struct vmx_caps *caps,
				  const struct vmcs_controls *c)
{
	TRY(check_word(s, caps, VMX_CTL_PIN, c->pin));
	TRY(check_word(s, caps, VMX_CTL_PROC, c->proc));
	/* Without "activate secondary controls" they count as 0. */
	if (c->proc & VMX_PROC_SECONDARY)
		TRY(check_word(s, caps, VMX_CTL_PROC2, c->proc2));
	TRY(check_word(s, caps, VMX_CTL_EXIT, c->exit));
	return check_word(s, caps, VMX_CTL_ENTRY, c->entry);
}

static int check_bitmaps(const struct say *s, const struct vmx_caps *caps,
			 const struct vmcs_controls *c)
{
	unsigned bits = vmx_caps_struct_addr_bits(caps);

	if (c->proc & VMX_PROC_IO_BITMAPS) {
		if (!page_address_ok(c->io_bitmap_a, bits))
			return fail(s, "I/O bitmap A: not 4 KiB aligned or beyond the physical-address width");
		if (!page_address_ok(c->io_bitmap_b, bits))
			return fail(s, "I/O bitmap B: not 4 KiB aligned or beyond the physical-address width");
	}
	if ((c->proc & VMX_PROC_MSR_BITMAPS) && !page_address_ok(c->msr_bitmap, bits))
		return fail(s, "MSR bitmap: not 4 KiB aligned or beyond the physical-address width");
	return 0;
}

static uint32_t proc2_of(const struct vmcs_controls *c)
{
	return (c->proc & VMX_PROC_SECONDARY) ? c->proc2 : 0;
}

static int check_nmi_and_apic(const struct say *s, const struct vmcs_controls *c)
{
	uint32_t proc2 = proc2_of(c);

	if ((c->pin & VMX_PIN_VIRTUAL_NMIS) && !(c->pin & VMX_PIN_NMI_EXITING))
		return fail(s, "pin-based controls: virtual NMIs without NMI exiting");
	if ((c->proc & VMX_PROC_NMI_WINDOW) && !(c->pin & VMX_PIN_VIRTUAL_NMIS))
		return fail(s, "processor-based controls: NMI-window exiting without virtual NMIs");
	if (!(c->proc & VMX_PROC_TPR_SHADOW) &&
	    (proc2 & (VMX_PROC2_VIRT_X2APIC | VMX_PROC2_APIC_REG_VIRT | VMX_PROC2_VIRT_INT_DELIVERY)))
		return fail(s, "secondary controls: APIC virtualization without TPR shadow");
	if ((proc2 & VMX_PROC2_VIRT_INT_DELIVERY) && !(c->pin & VMX_PIN_EXT_INT_EXITING))
		return fail(s, "secondary controls: virtual-interrupt delivery without external-interrupt exiting");
	return 0;
}

static int check_eptp(const struct say *s, const struct vmx_caps *caps, uint64_t eptp)
{
	unsigned type = EPTP_MEMTYPE(eptp), walk = EPTP_WALK(eptp);

	if (!((type == 0 && vmx_caps_ept_uc(caps)) || (type == 6 && vmx_caps_ept_wb(caps))))
		return fail(s, "EPT pointer: memory type %u unsupported", type);
	if (!((walk == 3 && vmx_caps_ept_walk4(caps)) ||
	      (walk == 4 && (caps->ept_vpid & VMX_EPT_WALK_5))))
		return fail(s, "EPT pointer: page-walk length %u unsupported", walk + 1);
	if ((eptp & VMX_EPTP_AD) && !vmx_caps_ept_ad(caps))
		return fail(s, "EPT pointer: accessed/dirty flags unsupported");
	if (eptp & EPTP_RESERVED_LOW)
		return fail(s, "EPT pointer: reserved bits 11:7 set");
	if (!within(eptp, caps->phys_addr_bits))
		return fail(s, "EPT pointer: beyond the physical-address width");
	return 0;
}

static int check_ept_vpid(const struct say *s, const struct vmx_caps *caps,
			  const struct vmcs_controls *c)
{
	uint32_t proc2 = proc2_of(c);

	if (proc2 & VMX_PROC2_EPT)
		TRY(check_eptp(s, caps, c->eptp));
	else if (proc2 & VMX_PROC2_UNRESTRICTED)
		return fail(s, "secondary controls: unrestricted guest without EPT");
	if ((proc2 & VMX_PROC2_VPID) && c->vpid == 0)
		return fail(s, "VPID: 0 with VPID enabled");
	return 0;
}

static int check_msr_area(const struct say *s, const struct vmx_caps *caps, const char *name,
			  uint32_t count, uint64_t addr)
{
	unsigned bits = vmx_caps_struct_addr_bits(caps);

	if (count == 0)
		return 0;
	if (addr & 0xf)
		return fail(s, "%s area: not 16-byte aligned", name);
	if (!within(addr + (uint64_t)count * 16 - 1, bits) || addr + (uint64_t)count * 16 < addr)
		return fail(s, "%s area: beyond the physical-address width", name);
	return 0;
}

static int check_exit_entry(const struct say *s, const struct vmx_caps *caps,
			    const struct vmcs_controls *c)
{
	if ((c->exit & VMX_EXIT_SAVE_PREEMPTION) && !(c->pin & VMX_PIN_PREEMPTION_TIMER))
		return fail(s, "VM-exit controls: save VMX-preemption timer without activating it");
	TRY(check_msr_area(s, caps, "VM-exit MSR-store", c->exit_msr_store_count,
			   c->exit_msr_store_addr));
	TRY(check_msr_area(s, caps, "VM-exit MSR-load", c->exit_msr_load_count,
			   c->exit_msr_load_addr));
	TRY(check_msr_area(s, caps, "VM-entry MSR-load", c->entry_msr_load_count,
			   c->entry_msr_load_addr));
	/* hv never runs in SMM. */
	if (c->entry & VMX_ENTRY_SMM)
		return fail(s, "VM-entry controls: entry to SMM outside SMM");
	if (c->entry & VMX_ENTRY_DEACT_DUAL_MONITOR)
		return fail(s, "VM-entry controls: deactivate dual-monitor treatment outside SMM");
	return 0;
}

/* #DF, #TS, #NP, #SS, #GP, #PF, #AC push an error code. */
static bool pushes_error_code(unsigned vector)
{
	return vector < 32 && ((1u << vector) & 0x27d00u);
}

static int check_injection_type(const struct say *s, const struct vmx_caps *caps,
				const struct vmcs_controls *c, unsigned type, unsigned vector)
{
	switch (type) {
	case INTR_TYPE_EXT:
		return 0;
	case INTR_TYPE_NMI:
		return vector == 2 ? 0 : fail(s, "VM-entry injection: NMI with vector %u", vector);
	case INTR_TYPE_HW_EXCEPTION:
		return vector <= 31 ? 0 :
			fail(s, "VM-entry injection: hardware exception with vector %u", vector);
	case INTR_TYPE_SOFT_INT: case INTR_TYPE_PRIV_SOFT: case INTR_TYPE_SOFT_EXCEPTION:
		if (c->entry_insn_len > 15 ||
		    (c->entry_insn_len == 0 && !(caps->misc & MISC_ZERO_INSN_LEN)))
			return fail(s, "VM-entry injection: instruction length %u", c->entry_insn_len);
		return 0;
	case INTR_TYPE_OTHER:
		if (!vmx_caps_may_set(caps, VMX_CTL_PROC, VMX_PROC_MTF))
			return fail(s, "VM-entry injection: type 7 without monitor trap flag support");
		return vector == 0 ? 0 : fail(s, "VM-entry injection: type 7 with vector %u", vector);
	default:
		return fail(s, "VM-entry injection: reserved type %u", type);
	}
}

static int check_injection(const struct say *s, const struct vmx_caps *caps,
			   const struct vmcs_image *img)
{
	const struct vmcs_controls *c = &img->ctl;
	uint32_t info = c->entry_intr_info;
	unsigned type = INTR_TYPE(info), vector = INTR_VECTOR(info);

	if (!(info & INTR_VALID))
		return 0;
	if (info & INTR_RESERVED)
		return fail(s, "VM-entry injection: reserved bits 30:12 set");
	TRY(check_injection_type(s, caps, c, type, vector));
	bool protected_mode = !unrestricted(img) || (img->guest.cr0 & CR0_PE);
	bool wants_error = protected_mode && type == INTR_TYPE_HW_EXCEPTION &&
			   pushes_error_code(vector);
	bool checked = !(type == INTR_TYPE_HW_EXCEPTION && (caps->basic & BASIC_NO_ERROR_CODE_CHECK));
	if (checked && wants_error != !!(info & INTR_DELIVER_ERROR))
		return fail(s, "VM-entry injection: error code %s for vector %u",
			    wants_error ? "missing" : "delivered", vector);
	if ((info & INTR_DELIVER_ERROR) && (c->entry_exception_error >> 16))
		return fail(s, "VM-entry injection: error code bits 31:16 set");
	return 0;
}

int vmcs_check_controls(const struct vmx_caps *caps, const struct vmcs_image *img, char *why,
			size_t len)
{
	const struct say s = { why, len };
	const struct vmcs_controls *c = &img->ctl;

	TRY(check_allowed_settings(&s, caps, c));
	if (c->cr3_target_count > vmx_caps_cr3_targets(caps))
		return fail(&s, "CR3-target count: %u above the CPU's %u", c->cr3_target_count,
			    vmx_caps_cr3_targets(caps));
	TRY(check_bitmaps(&s, caps, c));
	TRY(check_nmi_and_apic(&s, c));
	TRY(check_ept_vpid(&s, caps, c));
	TRY(check_exit_entry(&s, caps, c));
	return check_injection(&s, caps, img);
}

/* ---- host state (26.2.2-26.2.4) ---------------------------------------- */

static int check_fixed(const struct say *s, const char *who, uint64_t value, uint64_t fixed0,
		       uint64_t fixed1)
{
	uint64_t clear = fixed0 & ~value, set = value & ~fixed1;

	if (clear)
		return fail(s, "%s: bit %u must be 1 in VMX operation", who,
			    (unsigned)__builtin_ctzll(clear));
	if (set)
		return fail(s, "%s: bit %u must be 0 in VMX operation", who,
			    (unsigned)__builtin_ctzll(set));
	return 0;
}

static int check_host_registers(const struct say *s, const struct vmx_caps *caps,
				const struct vmcs_image *img)
{
	const struct vmcs_host *h = &img->host;
	unsigned lin = caps->linear_addr_bits;

	TRY(check_fixed(s, "host CR0", h->cr0, caps->cr0_fixed0, caps->cr0_fixed1));
	TRY(check_fixed(s, "host CR4", h->cr4, caps->cr4_fixed0, caps->cr4_fixed1));
	if (!within(h->cr3, caps->phys_addr_bits))
		return fail(s, "host CR3: beyond the physical-address width");
	if (!canonical(h->sysenter_esp, lin))
		return fail(s, "host SYSENTER_ESP: not canonical");
	if (!canonical(h->sysenter_eip, lin))
		return fail(s, "host SYSENTER_EIP: not canonical");
	if (img->ctl.exit & VMX_EXIT_LOAD_PAT)
		TRY(check_pat(s, "host", h->pat));
	if (img->ctl.exit & VMX_EXIT_LOAD_EFER) {
		if (h->efer & ~EFER_VALID)
			return fail(s, "host EFER: reserved bits set");
		bool host64 = img->ctl.exit & VMX_EXIT_HOST_64BIT;
		if (!!(h->efer & EFER_LMA) != host64 || !!(h->efer & EFER_LME) != host64)
			return fail(s, "host EFER: LMA and LME differ from host address-space size");
	}
	return 0;
}

static int check_host_selectors(const struct say *s, const struct vmcs_host *h)
{
	const struct { const char *name; uint16_t sel; } sels[] = {
		{ "ES", h->es }, { "CS", h->cs }, { "SS", h->ss }, { "DS", h->ds },
		{ "FS", h->fs }, { "GS", h->gs }, { "TR", h->tr },
	};

	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		if (sels[i].sel & 7)
			return fail(s, "host %s selector: RPL or TI set", sels[i].name);
	}
	if (h->cs == 0)
		return fail(s, "host CS selector: null");
	if (h->tr == 0)
		return fail(s, "host TR selector: null");
	return 0;
}

static int check_host_bases(const struct say *s, const struct vmx_caps *caps,
			    const struct vmcs_host *h)
{
	const struct { const char *name; uint64_t base; } bases[] = {
		{ "FS", h->fs_base }, { "GS", h->gs_base }, { "GDTR", h->gdtr_base },
		{ "IDTR", h->idtr_base }, { "TR", h->tr_base },
	};

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		if (!canonical(bases[i].base, caps->linear_addr_bits))
			return fail(s, "host %s base: not canonical", bases[i].name);
	}
	return 0;
}

/* hv runs in 64-bit mode: the exit must return to it (26.2.4). */
static int check_host_address_space(const struct say *s, const struct vmx_caps *caps,
				    const struct vmcs_image *img)
{
	if (!(img->ctl.exit & VMX_EXIT_HOST_64BIT))
		return fail(s, "VM-exit controls: host address-space size 0 on a 64-bit host");
	if (!(img->host.cr4 & CR4_PAE))
		return fail(s, "host CR4: PAE clear with a 64-bit host");
	if (!canonical(img->host.rip, caps->linear_addr_bits))
		return fail(s, "host RIP: not canonical");
	return 0;
}

int vmcs_check_host(const struct vmx_caps *caps, const struct vmcs_image *img, char *why,
		    size_t len)
{
	const struct say s = { why, len };

	TRY(check_host_registers(&s, caps, img));
	TRY(check_host_selectors(&s, &img->host));
	TRY(check_host_bases(&s, caps, &img->host));
	return check_host_address_space(&s, caps, img);
}

/* ---- guest state (26.3.1) ---------------------------------------------- */

static const char *const seg_names[VMCS_SEG_COUNT] = {
	"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR",
};

static int check_guest_control_registers(const struct say *s, const struct vmx_caps *caps,
					 const struct vmcs_image *img)
{
	const struct vmcs_guest *g = &img->guest;
	uint64_t cr0_fixed0 = caps->cr0_fixed0;

	if (unrestricted(img))
		cr0_fixed0 &= ~(CR0_PE | CR0_PG);
	TRY(check_fixed(s, "guest CR0", g->cr0, cr0_fixed0, caps->cr0_fixed1));
	if ((g->cr0 & CR0_PG) && !(g->cr0 & CR0_PE))
		return fail(s, "guest CR0: PG without PE");
	TRY(check_fixed(s, "guest CR4", g->cr4, caps->cr4_fixed0, caps->cr4_fixed1));
	if (img->ctl.entry & VMX_ENTRY_LOAD_DEBUG) {
		if (g->debugctl & ~DEBUGCTL_VALID)
			return fail(s, "guest IA32_DEBUGCTL: reserved bits set");
		if (g->dr7 >> 32)
			return fail(s, "guest DR7: bits 63:32 set");
	}
	if (guest_ia32e(img)) {
		if (!(g->cr0 & CR0_PG))
			return fail(s, "guest CR0: PG clear with IA-32e mode guest");
		if (!(g->cr4 & CR4_PAE))
			return fail(s, "guest CR4: PAE clear with IA-32e mode guest");
	} else if (g->cr4 & CR4_PCIDE) {
		return fail(s, "guest CR4: PCIDE set outside IA-32e mode");
	}
	if (!within(g->cr3, caps->phys_addr_bits))
		return fail(s, "guest CR3: beyond the physical-address width");
	return 0;
}

static int check_guest_msrs(const struct say *s, const struct vmx_caps *caps,
			    const struct vmcs_image *img)
{
	const struct vmcs_guest *g = &img->guest;

	if (!canonical(g->sysenter_esp, caps->linear_addr_bits))
		return fail(s, "guest SYSENTER_ESP: not canonical");
	if (!canonical(g->sysenter_eip, caps->linear_addr_bits))
		return fail(s, "guest SYSENTER_EIP: not canonical");
	if (img->ctl.entry & VMX_ENTRY_LOAD_PAT)
		TRY(check_pat(s, "guest", g->pat));
	if (img->ctl.entry & VMX_ENTRY_LOAD_EFER) {
		bool ia32e = guest_ia32e(img);
		if (g->efer & ~EFER_VALID)
			return fail(s, "guest EFER: reserved bits set");
		if (!!(g->efer & EFER_LMA) != ia32e)
			return fail(s, "guest EFER: LMA differs from IA-32e mode guest");
		if ((g->cr0 & CR0_PG) && !!(g->efer & EFER_LME) != ia32e)
			return fail(s, "guest EFER: LME differs from IA-32e mode guest with CR0.PG set");
	}
	return 0;
}

static bool usable(const struct vmcs_segment *seg)
{
	return !(seg->ar & VMX_AR_UNUSABLE);
}

/* Virtual-8086 mode: every segment as real mode's, at DPL 3. */
static int check_v8086_segment(const struct say *s, enum vmcs_seg i,
			       const struct vmcs_segment *seg)
{
	if (seg->base != (uint64_t)seg->selector << 4)
		return fail(s, "guest %s: base not selector << 4 in virtual-8086 mode", seg_names[i]);
	if (seg->limit != 0xffff)
		return fail(s, "guest %s: limit not 0xffff in virtual-8086 mode", seg_names[i]);
	if (seg->ar != 0xf3)
		return fail(s, "guest %s: access rights not 0xf3 in virtual-8086 mode", seg_names[i]);
	return 0;
}

/* G set: limit[11:0] all ones; G clear: limit[31:20] all zeros. */
static bool limit_fits_granularity(const struct vmcs_segment *seg)
{
	if (seg->ar & VMX_AR_G)
		return (seg->limit & 0xfff) == 0xfff;
	return (seg->limit >> 20) == 0;
}

static int check_segment_common(const struct say *s, enum vmcs_seg i,
				const struct vmcs_segment *seg)
{
	if (!(seg->ar & VMX_AR_S))
		return fail(s, "guest %s access rights: S clear (system descriptor)", seg_names[i]);
	if (!(seg->ar & VMX_AR_P))
		return fail(s, "guest %s access rights: not present", seg_names[i]);
	if (seg->ar & VMX_AR_RESERVED)
		return fail(s, "guest %s access rights: reserved bits set", seg_names[i]);
	if (!limit_fits_granularity(seg))
		return fail(s, "guest %s: limit does not fit the granularity bit", seg_names[i]);
	return 0;
}

static int check_cs(const struct say *s, const struct vmcs_image *img)
{
	const struct vmcs_segment *cs = &img->guest.seg[VMCS_CS], *ss = &img->guest.seg[VMCS_SS];
	unsigned type = VMX_AR_TYPE(cs->ar), dpl = VMX_AR_DPL(cs->ar);

	if (cs->base >> 32)
		return fail(s, "guest CS base: bits 63:32 set");
	if (type == 3 && !unrestricted(img))
		return fail(s, "guest CS access rights: data type 3 without unrestricted guest");
	if (type != 3 && type != 9 && type != 11 && type != 13 && type != 15)
		return fail(s, "guest CS access rights: type %u not accessed code", type);
	TRY(check_segment_common(s, VMCS_CS, cs));
	if (type == 3 && dpl != 0)
		return fail(s, "guest CS access rights: DPL not 0 with type 3");
	if ((type == 9 || type == 11) && dpl != VMX_AR_DPL(ss->ar))
		return fail(s, "guest CS access rights: non-conforming DPL differs from SS DPL");
	if ((type == 13 || type == 15) && dpl > VMX_AR_DPL(ss->ar))
		return fail(s, "guest CS access rights: conforming DPL above SS DPL");
	if (guest_ia32e(img) && (cs->ar & VMX_AR_L) && (cs->ar & VMX_AR_DB))
		return fail(s, "guest CS access rights: L and D/B both set in IA-32e mode");
	return 0;
}

static int check_ss(const struct say *s, const struct vmcs_image *img)
{
	const struct vmcs_segment *ss = &img->guest.seg[VMCS_SS], *cs = &img->guest.seg[VMCS_CS];
	unsigned dpl = VMX_AR_DPL(ss->ar);

	if (!unrestricted(img)) {
		if ((ss->selector & 3) != (cs->selector & 3))
			return fail(s, "guest SS selector: RPL differs from CS RPL");
		if (dpl != (ss->selector & 3u))
			return fail(s, "guest SS access rights: DPL differs from its RPL");
	}
	if ((VMX_AR_TYPE(cs->ar) == 3 || !(img->guest.cr0 & CR0_PE)) && dpl != 0)
		return fail(s, "guest SS access rights: DPL not 0 in real mode or with CS type 3");
	if (!usable(ss))
		return 0;
	if (ss->base >> 32)
		return fail(s, "guest SS base: bits 63:32 set");
	if (VMX_AR_TYPE(ss->ar) != 3 && VMX_AR_TYPE(ss->ar) != 7)
		return fail(s, "guest SS access rights: type %u not read/write accessed data",
			    VMX_AR_TYPE(ss->ar));
	return check_segment_common(s, VMCS_SS, ss);
}

static int check_data_segment(const struct say *s, const struct vmx_caps *caps,
			      const struct vmcs_image *img, enum vmcs_seg i)
{
	const struct vmcs_segment *seg = &img->guest.seg[i];
	unsigned type = VMX_AR_TYPE(seg->ar);

	if ((i == VMCS_FS || i == VMCS_GS) && !canonical(seg->base, caps->linear_addr_bits))
		return fail(s, "guest %s base: not canonical", seg_names[i]);
	if (!usable(seg))
		return 0;
	if ((i == VMCS_ES || i == VMCS_DS) && (seg->base >> 32))
		return fail(s, "guest %s base: bits 63:32 set", seg_names[i]);
	if (!(type & 1))
		return fail(s, "guest %s access rights: type %u not accessed", seg_names[i], type);
	if ((type & 8) && !(type & 2))
		return fail(s, "guest %s access rights: unreadable code", seg_names[i]);
	if (!unrestricted(img) && type <= 11 && VMX_AR_DPL(seg->ar) < (seg->selector & 3u))
		return fail(s, "guest %s access rights: DPL below its RPL", seg_names[i]);
	return check_segment_common(s, i, seg);
}

static int check_system_segment_common(const struct say *s, enum vmcs_seg i,
				       const struct vmcs_segment *seg)
{
	if (seg->selector & 4)
		return fail(s, "guest %s selector: TI set", seg_names[i]);
	if (seg->ar & VMX_AR_S)
		return fail(s, "guest %s access rights: S set (not a system descriptor)", seg_names[i]);
	if (!(seg->ar & VMX_AR_P))
		return fail(s, "guest %s access rights: not present", seg_names[i]);
	if (seg->ar & VMX_AR_RESERVED)
		return fail(s, "guest %s access rights: reserved bits set", seg_names[i]);
	if (!limit_fits_granularity(seg))
		return fail(s, "guest %s: limit does not fit the granularity bit", seg_names[i]);
	return 0;
}

static int check_tr_ldtr(const struct say *s, const struct vmx_caps *caps,
			 const struct vmcs_image *img)
{
	const struct vmcs_segment *tr = &img->guest.seg[VMCS_TR], *ldtr = &img->guest.seg[VMCS_LDTR];
	unsigned type = VMX_AR_TYPE(tr->ar);

	if (!canonical(tr->base, caps->linear_addr_bits))
		return fail(s, "guest TR base: not canonical");
	if (!usable(tr))
		return fail(s, "guest TR: unusable");
	/* A busy TSS: 32/64-bit (11), or 16-bit (3) outside IA-32e mode. */
	if (type != 11 && (type != 3 || guest_ia32e(img)))
		return fail(s, "guest TR access rights: type %u not a busy TSS", type);
	TRY(check_system_segment_common(s, VMCS_TR, tr));
	if (!usable(ldtr))
		return 0;
	if (!canonical(ldtr->base, caps->linear_addr_bits))
		return fail(s, "guest LDTR base: not canonical");
	if (VMX_AR_TYPE(ldtr->ar) != 2)
		return fail(s, "guest LDTR access rights: type %u not an LDT", VMX_AR_TYPE(ldtr->ar));
	return check_system_segment_common(s, VMCS_LDTR, ldtr);
}

static int check_guest_segments(const struct say *s, const struct vmx_caps *caps,
				const struct vmcs_image *img)
{
	if (img->guest.rflags & RFLAGS_VM) {
		for (enum vmcs_seg i = VMCS_ES; i <= VMCS_GS; i++)
			TRY(check_v8086_segment(s, i, &img->guest.seg[i]));
	} else {
		TRY(check_cs(s, img));
		TRY(check_ss(s, img));
		static const enum vmcs_seg data[] = { VMCS_ES, VMCS_DS, VMCS_FS, VMCS_GS };
		for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
			TRY(check_data_segment(s, caps, img, data[i]));
	}
	return check_tr_ldtr(s, caps, img);
}

static int check_descriptor_tables(const struct say *s, const struct vmx_caps *caps,
				   const struct vmcs_guest *g)
{
	if (!canonical(g->gdtr_base, caps->linear_addr_bits))
		return fail(s, "guest GDTR base: not canonical");
	if (!canonical(g->idtr_base, caps->linear_addr_bits))
		return fail(s, "guest IDTR base: not canonical");
	if (g->gdtr_limit > 0xffff)
		return fail(s, "guest GDTR limit: above 0xffff");
	if (g->idtr_limit > 0xffff)
		return fail(s, "guest IDTR limit: above 0xffff");
	return 0;
}

static int check_rip_rflags(const struct say *s, const struct vmx_caps *caps,
			    const struct vmcs_image *img)
{
	const struct vmcs_guest *g = &img->guest;
	bool mode64 = guest_ia32e(img) && (g->seg[VMCS_CS].ar & VMX_AR_L);
	uint32_t info = img->ctl.entry_intr_info;

	if (!mode64 && (g->rip >> 32))
		return fail(s, "guest RIP: bits 63:32 set outside 64-bit mode");
	if (mode64 && !canonical(g->rip, caps->linear_addr_bits))
		return fail(s, "guest RIP: not canonical");
	if (g->rflags & RFLAGS_RESERVED)
		return fail(s, "guest RFLAGS: reserved bits set");
	if (!(g->rflags & RFLAGS_FIXED))
		return fail(s, "guest RFLAGS: bit 1 clear");
	if ((g->rflags & RFLAGS_VM) && (guest_ia32e(img) || !(g->cr0 & CR0_PE)))
		return fail(s, "guest RFLAGS: VM set in IA-32e mode or with CR0.PE clear");
	if ((info & INTR_VALID) && INTR_TYPE(info) == INTR_TYPE_EXT && !(g->rflags & RFLAGS_IF))
		return fail(s, "guest RFLAGS: IF clear while injecting an external interrupt");
	return 0;
}

static int check_activity(const struct say *s, const struct vmx_caps *caps,
			  const struct vmcs_image *img)
{
	const struct vmcs_guest *g = &img->guest;
	uint32_t info = img->ctl.entry_intr_info;
	unsigned type = INTR_TYPE(info), vector = INTR_VECTOR(info);

	if (!vmx_caps_activity_state(caps, g->activity))
		return fail(s, "guest activity state: %u unsupported", g->activity);
	if (g->activity == ACTIVITY_HLT && VMX_AR_DPL(g->seg[VMCS_SS].ar) != 0)
		return fail(s, "guest activity state: HLT with SS DPL not 0");
	if (g->activity != ACTIVITY_ACTIVE && (g->interruptibility & (BLOCK_STI | BLOCK_MOV_SS)))
		return fail(s, "guest activity state: not active with STI or MOV-SS blocking");
	if (!(info & INTR_VALID))
		return 0;
	bool debug_or_mc = type == INTR_TYPE_HW_EXCEPTION && (vector == 1 || vector == 18);
	if (g->activity == ACTIVITY_HLT && type != INTR_TYPE_EXT && type != INTR_TYPE_NMI &&
	    type != INTR_TYPE_OTHER && !debug_or_mc)
		return fail(s, "guest activity state: HLT while injecting that event");
	if (g->activity == ACTIVITY_SHUTDOWN && type != INTR_TYPE_NMI &&
	    !(type == INTR_TYPE_HW_EXCEPTION && vector == 18))
		return fail(s, "guest activity state: shutdown while injecting that event");
	if (g->activity == ACTIVITY_SIPI)
		return fail(s, "guest activity state: wait-for-SIPI while injecting an event");
	return 0;
}

static int check_interruptibility(const struct say *s, const struct vmcs_image *img)
{
	uint32_t st = img->guest.interruptibility, info = img->ctl.entry_intr_info;
	bool injecting = info & INTR_VALID;

	if (st & INTERRUPTIBILITY_RESERVED)
		return fail(s, "guest interruptibility state: reserved bits set");
	if ((st & BLOCK_STI) && (st & BLOCK_MOV_SS))
		return fail(s, "guest interruptibility state: STI and MOV-SS blocking together");
	if ((st & BLOCK_STI) && !(img->guest.rflags & RFLAGS_IF))
		return fail(s, "guest interruptibility state: STI blocking with RFLAGS.IF clear");
	if (injecting && INTR_TYPE(info) == INTR_TYPE_EXT && (st & (BLOCK_STI | BLOCK_MOV_SS)))
		return fail(s, "guest interruptibility state: blocking while injecting an external interrupt");
	if (injecting && INTR_TYPE(info) == INTR_TYPE_NMI && (st & BLOCK_MOV_SS))
		return fail(s, "guest interruptibility state: MOV-SS blocking while injecting an NMI");
	if (injecting && INTR_TYPE(info) == INTR_TYPE_NMI && (img->ctl.pin & VMX_PIN_VIRTUAL_NMIS) &&
	    (st & BLOCK_NMI))
		return fail(s, "guest interruptibility state: NMI blocking while injecting a virtual NMI");
	/* hv never runs in SMM. */
	if (st & BLOCK_SMI)
		return fail(s, "guest interruptibility state: SMI blocking outside SMM");
	return 0;
}

/* A single-step trap pending (BS) exactly when RFLAGS.TF without BTF
 * would have raised one that blocking or HLT held back. */
static int check_pending_debug(const struct say *s, const struct vmcs_image *img)
{
	const struct vmcs_guest *g = &img->guest;
	bool held = (g->interruptibility & (BLOCK_STI | BLOCK_MOV_SS)) || g->activity == ACTIVITY_HLT;
	bool single_step = (g->rflags & RFLAGS_TF) && !(g->debugctl & DEBUGCTL_BTF);

	if (g->pending_dbg & PENDING_DBG_RESERVED)
		return fail(s, "guest pending debug exceptions: reserved bits set");
	if (held && single_step && !(g->pending_dbg & PENDING_DBG_BS))
		return fail(s, "guest pending debug exceptions: BS clear with a single step pending");
	if (held && !single_step && (g->pending_dbg & PENDING_DBG_BS))
		return fail(s, "guest pending debug exceptions: BS set without single-stepping");
	return 0;
}

int vmcs_check_guest(const struct vmx_caps *caps, const struct vmcs_image *img, char *why,
		     size_t len)
{
	const struct say s = { why, len };

	TRY(check_guest_control_registers(&s, caps, img));
	TRY(check_guest_msrs(&s, caps, img));
	TRY(check_guest_segments(&s, caps, img));
	TRY(check_descriptor_tables(&s, caps, &img->guest));
	TRY(check_rip_rflags(&s, caps, img));
	TRY(check_activity(&s, caps, img));
	TRY(check_interruptibility(&s, img));
	TRY(check_pending_debug(&s, img));
	if (img->guest.link_pointer != VMX_LINK_POINTER_NONE)
		return fail(&s, "guest VMCS link pointer: not ~0 (hv keeps no shadow VMCS)");
	return 0;
}

int vmcs_check(const struct vmx_caps *caps, const struct vmcs_image *img, char *why, size_t len)
{
	TRY(vmcs_check_controls(caps, img, why, len));
	TRY(vmcs_check_host(caps, img, why, len));
	return vmcs_check_guest(caps, img, why, len);
}
