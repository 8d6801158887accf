/* Building a software VMCS for hv's entry states, and writing it out
 * field by field (see vmcs_image.h for the choice of controls). */
#include "arch/x86/vmx/vmcs_image.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define RFLAGS_FIXED 0x2ull
#define DR7_INIT 0x400ull
#define VEC_DB 1u
#define VEC_AC 17u

struct wanted {
	enum vmx_control_word word;
	uint32_t required, optional;
};

/* What hv asks of each control word (vmcs_image.h says why). IA-32e mode
 * guest is asked for so that a CPU without it is refused here; the guest
 * state sets or clears it per entry. */
static const struct wanted wanted[] = {
	{ VMX_CTL_PIN, VMX_PIN_NMI_EXITING, 0 },
	{ VMX_CTL_PROC, VMX_PROC_IO_BITMAPS | VMX_PROC_MSR_BITMAPS | VMX_PROC_SECONDARY, 0 },
	{ VMX_CTL_PROC2,
	  VMX_PROC2_EPT | VMX_PROC2_VPID | VMX_PROC2_UNRESTRICTED | VMX_PROC2_WBINVD_EXITING,
	  VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES },
	{ VMX_CTL_EXIT,
	  VMX_EXIT_HOST_64BIT | VMX_EXIT_SAVE_DEBUG | VMX_EXIT_SAVE_PAT | VMX_EXIT_LOAD_PAT |
	  VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER, 0 },
	{ VMX_CTL_ENTRY,
	  VMX_ENTRY_LOAD_DEBUG | VMX_ENTRY_IA32E_GUEST | VMX_ENTRY_LOAD_PAT | VMX_ENTRY_LOAD_EFER, 0 },
};

static uint32_t *control_slot(struct vmcs_controls *ctl, enum vmx_control_word w)
{
	switch (w) {
	case VMX_CTL_PIN: return &ctl->pin;
	case VMX_CTL_PROC: return &ctl->proc;
	case VMX_CTL_PROC2: return &ctl->proc2;
	case VMX_CTL_EXIT: return &ctl->exit;
	case VMX_CTL_ENTRY: return &ctl->entry;
	}
	return &ctl->pin;
}

static int refuse_missing(enum vmx_control_word w, uint32_t missing, char *why, size_t len)
{
	char buf[16];
	unsigned bit = (unsigned)__builtin_ctz(missing);

	snprintf(why, len, "%s: %s unsupported", vmx_control_word_name(w),
		 vmx_control_bit_name(w, bit, buf, sizeof(buf)));
	return -ENODEV;
}

static int adjust_controls(const struct vmx_caps *caps, struct vmcs_controls *ctl, char *why,
			   size_t len)
{
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		const struct wanted *w = &wanted[i];
		uint32_t missing;

		if (vmx_adjust_control(vmx_caps_allowed(caps, w->word), w->required, w->optional,
				       control_slot(ctl, w->word), &missing))
			return refuse_missing(w->word, missing, why, len);
	}
	return 0;
}

/* EPT needs what vcpu_npt_format() will describe: 4-level tables held in
 * write-back memory. */
static int check_ept(const struct vmx_caps *caps, char *why, size_t len)
{
	if (!vmx_caps_ept_walk4(caps)) {
		snprintf(why, len, "EPT: 4-level page walk unsupported");
		return -ENODEV;
	}
	if (!vmx_caps_ept_wb(caps)) {
		snprintf(why, len, "EPT: write-back paging-structure memory type unsupported");
		return -ENODEV;
	}
	return 0;
}

int vmcs_build_controls(const struct vmx_caps *caps, const struct vmcs_vcpu_params *vcpu,
			struct vmcs_controls *ctl, char *why, size_t len)
{
	memset(ctl, 0, sizeof(*ctl));
	int err = adjust_controls(caps, ctl, why, len);
	if (!err)
		err = check_ept(caps, why, len);
	if (err)
		return err;
	if (vcpu->vpid == 0) {
		snprintf(why, len, "VPID 0 is the host's");
		return -EINVAL;
	}
	ctl->entry &= ~VMX_ENTRY_IA32E_GUEST;
	ctl->vpid = vcpu->vpid;
	ctl->exception_bitmap = 1u << VEC_DB | 1u << VEC_AC;
	ctl->io_bitmap_a = vcpu->io_bitmap_a;
	ctl->io_bitmap_b = vcpu->io_bitmap_b;
	ctl->msr_bitmap = vcpu->msr_bitmap;
	ctl->eptp = vcpu->ept_root | VMX_EPTP_WALK4 | VMX_EPTP_MEMTYPE_WB;
	/* The bits VMX operation fixes to 1 (CR0.NE, CR4.VMXE) are the
	 * host's: the guest sees its own value of them in the shadow, and
	 * a write of it does not exit. Unrestricted guest frees PE and PG. */
	ctl->cr0_mask = caps->cr0_fixed0 & ~(CR0_PE | CR0_PG);
	ctl->cr4_mask = caps->cr4_fixed0;
	return 0;
}

void vmcs_build_host(const struct vmcs_host_state *h, struct vmcs_host *out)
{
	*out = (struct vmcs_host){
		.cr0 = h->cr0, .cr3 = h->cr3, .cr4 = h->cr4,
		.fs_base = h->fs_base, .gs_base = h->gs_base, .tr_base = h->tr_base,
		.gdtr_base = h->gdtr_base, .idtr_base = h->idtr_base,
		.rsp = h->rsp, .rip = h->rip,
		.es = h->es, .cs = h->cs, .ss = h->ss, .ds = h->ds, .fs = h->fs, .gs = h->gs,
		.tr = h->tr,
		.pat = h->pat, .efer = h->efer,
	};
}

static void set_segment(struct vmcs_segment *s, uint16_t sel, uint32_t ar, uint32_t limit,
			uint64_t base)
{
	*s = (struct vmcs_segment){ .selector = sel, .limit = limit, .ar = ar, .base = base };
}

/* What both entry states share; as svm.c's reset_common(). */
static void guest_common(struct vmcs_guest *g)
{
	memset(g, 0, sizeof(*g));
	set_segment(&g->seg[VMCS_LDTR], 0, VMX_AR_LDT, 0xffff, 0);
	set_segment(&g->seg[VMCS_TR], 0, VMX_AR_TSS64_BUSY, 0xffff, 0);
	g->idtr_limit = 0xffff;
	g->dr7 = DR7_INIT;
	g->rflags = RFLAGS_FIXED;
	g->pat = VMX_PAT_DEFAULT;
	g->link_pointer = VMX_LINK_POINTER_NONE;
}

static void data_segments(struct vmcs_guest *g, uint16_t sel, uint32_t ar, uint32_t limit)
{
	static const enum vmcs_seg data[] = { VMCS_ES, VMCS_SS, VMCS_DS, VMCS_FS, VMCS_GS };

	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		set_segment(&g->seg[data[i]], sel, ar, limit, 0);
}

/* The guest sees cr0/cr4 as given; the CPU holds them with the bits the
 * masks own forced on (see vmcs_build_controls()). */
static void set_control_registers(struct vmcs_controls *ctl, struct vmcs_guest *g, uint64_t cr0,
				  uint64_t cr4)
{
	ctl->cr0_shadow = cr0;
	ctl->cr4_shadow = cr4;
	g->cr0 = cr0 | ctl->cr0_mask;
	g->cr4 = cr4 | ctl->cr4_mask;
}

static void guest_long_mode(const struct vmcs_entry *e, struct vmcs_controls *ctl,
			    struct vmcs_guest *g)
{
	set_segment(&g->seg[VMCS_CS], e->code_sel, VMX_AR_CODE64, 0xffffffff, 0);
	data_segments(g, e->data_sel, VMX_AR_DATA_FLAT, 0xffffffff);
	g->gdtr_base = e->gdt_base;
	g->gdtr_limit = e->gdt_limit;
	set_control_registers(ctl, g, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG,
			      CR4_PAE);
	g->cr3 = e->cr3;
	g->efer = EFER_LME | EFER_LMA | EFER_NXE;
	g->rip = e->rip;
	ctl->entry |= VMX_ENTRY_IA32E_GUEST;
}

static void guest_startup(const struct vmcs_entry *e, struct vmcs_controls *ctl,
			  struct vmcs_guest *g)
{
	set_segment(&g->seg[VMCS_CS], (uint16_t)(e->vector << 8), VMX_AR_REAL_CODE, 0xffff,
		    (uint64_t)e->vector << 12);
	data_segments(g, 0, VMX_AR_REAL_DATA, 0xffff);
	g->gdtr_limit = 0xffff;
	set_control_registers(ctl, g, CR0_ET, 0);
	g->efer = 0;
	g->rip = 0;
	ctl->entry &= ~VMX_ENTRY_IA32E_GUEST;
}

void vmcs_build_guest(const struct vmcs_entry *entry, struct vmcs_controls *ctl,
		      struct vmcs_guest *guest)
{
	guest_common(guest);
	/* Nothing injected from before the reset. */
	ctl->entry_intr_info = 0;
	if (entry->kind == VMCS_ENTRY_LONG_MODE)
		guest_long_mode(entry, ctl, guest);
	else
		guest_startup(entry, ctl, guest);
}

int vmcs_build(const struct vmx_caps *caps, const struct vmcs_entry *entry,
	       const struct vmcs_vcpu_params *vcpu, const struct vmcs_host_state *host,
	       struct vmcs_image *img, char *why, size_t len)
{
	memset(img, 0, sizeof(*img));
	int err = vmcs_build_controls(caps, vcpu, &img->ctl, why, len);
	if (err)
		return err;
	vmcs_build_host(host, &img->host);
	vmcs_build_guest(entry, &img->ctl, &img->guest);
	return 0;
}

/* ---- writing an image out ---------------------------------------------- */

/* When a field is written: always, or only where the controls use what
 * the CPU may lack. */
enum need {
	ALWAYS, NEED_PROC2, NEED_VPID, NEED_EPT, NEED_XSAVES,
	NEED_GUEST_PAT, NEED_GUEST_EFER, NEED_HOST_PAT, NEED_HOST_EFER,
};

/* An image member's offset, refusing to compile where its size is not
 * the field's width. */
#define MEMBER(member, size) \
	(uint16_t)(offsetof(struct vmcs_image, member) + \
		   0 * sizeof(char[sizeof(((struct vmcs_image *)0)->member) == (size) ? 1 : -1]))

struct entry16 { struct vmcs_field16 f; uint16_t off; uint8_t part, need; };
struct entry32 { struct vmcs_field32 f; uint16_t off; uint8_t part, need; };
struct entry64 { struct vmcs_field64 f; uint16_t off; uint8_t part, need; };
struct entry_nat { struct vmcs_field_natural f; uint16_t off; uint8_t part, need; };

#define C VMCS_PART_CONTROLS
#define G VMCS_PART_GUEST
#define H VMCS_PART_HOST
#define E16(f, m, p, n) { f, MEMBER(m, 2), p, n }
#define E32(f, m, p, n) { f, MEMBER(m, 4), p, n }
#define E64(f, m, p, n) { f, MEMBER(m, 8), p, n }

static const struct entry16 fields16[] = {
	E16(VMCS_VPID, ctl.vpid, C, NEED_VPID),
	E16(VMCS_GUEST_ES_SELECTOR, guest.seg[VMCS_ES].selector, G, ALWAYS),
	E16(VMCS_GUEST_CS_SELECTOR, guest.seg[VMCS_CS].selector, G, ALWAYS),
	E16(VMCS_GUEST_SS_SELECTOR, guest.seg[VMCS_SS].selector, G, ALWAYS),
	E16(VMCS_GUEST_DS_SELECTOR, guest.seg[VMCS_DS].selector, G, ALWAYS),
	E16(VMCS_GUEST_FS_SELECTOR, guest.seg[VMCS_FS].selector, G, ALWAYS),
	E16(VMCS_GUEST_GS_SELECTOR, guest.seg[VMCS_GS].selector, G, ALWAYS),
	E16(VMCS_GUEST_LDTR_SELECTOR, guest.seg[VMCS_LDTR].selector, G, ALWAYS),
	E16(VMCS_GUEST_TR_SELECTOR, guest.seg[VMCS_TR].selector, G, ALWAYS),
	E16(VMCS_HOST_ES_SELECTOR, host.es, H, ALWAYS),
	E16(VMCS_HOST_CS_SELECTOR, host.cs, H, ALWAYS),
	E16(VMCS_HOST_SS_SELECTOR, host.ss, H, ALWAYS),
	E16(VMCS_HOST_DS_SELECTOR, host.ds, H, ALWAYS),
	E16(VMCS_HOST_FS_SELECTOR, host.fs, H, ALWAYS),
	E16(VMCS_HOST_GS_SELECTOR, host.gs, H, ALWAYS),
	E16(VMCS_HOST_TR_SELECTOR, host.tr, H, ALWAYS),
};

static const struct entry32 fields32[] = {
	E32(VMCS_PIN_CONTROLS, ctl.pin, C, ALWAYS),
	E32(VMCS_PROC_CONTROLS, ctl.proc, C, ALWAYS),
	E32(VMCS_PROC2_CONTROLS, ctl.proc2, C, NEED_PROC2),
	E32(VMCS_EXCEPTION_BITMAP, ctl.exception_bitmap, C, ALWAYS),
	E32(VMCS_PF_ERROR_MASK, ctl.pf_error_mask, C, ALWAYS),
	E32(VMCS_PF_ERROR_MATCH, ctl.pf_error_match, C, ALWAYS),
	E32(VMCS_CR3_TARGET_COUNT, ctl.cr3_target_count, C, ALWAYS),
	E32(VMCS_EXIT_CONTROLS, ctl.exit, C, ALWAYS),
	E32(VMCS_EXIT_MSR_STORE_COUNT, ctl.exit_msr_store_count, C, ALWAYS),
	E32(VMCS_EXIT_MSR_LOAD_COUNT, ctl.exit_msr_load_count, C, ALWAYS),
	E32(VMCS_ENTRY_CONTROLS, ctl.entry, C, ALWAYS),
	E32(VMCS_ENTRY_MSR_LOAD_COUNT, ctl.entry_msr_load_count, C, ALWAYS),
	E32(VMCS_ENTRY_INTR_INFO, ctl.entry_intr_info, C, ALWAYS),
	E32(VMCS_ENTRY_EXCEPTION_ERROR, ctl.entry_exception_error, C, ALWAYS),
	E32(VMCS_ENTRY_INSN_LEN, ctl.entry_insn_len, C, ALWAYS),
	E32(VMCS_GUEST_ES_LIMIT, guest.seg[VMCS_ES].limit, G, ALWAYS),
	E32(VMCS_GUEST_CS_LIMIT, guest.seg[VMCS_CS].limit, G, ALWAYS),
	E32(VMCS_GUEST_SS_LIMIT, guest.seg[VMCS_SS].limit, G, ALWAYS),
	E32(VMCS_GUEST_DS_LIMIT, guest.seg[VMCS_DS].limit, G, ALWAYS),
	E32(VMCS_GUEST_FS_LIMIT, guest.seg[VMCS_FS].limit, G, ALWAYS),
	E32(VMCS_GUEST_GS_LIMIT, guest.seg[VMCS_GS].limit, G, ALWAYS),
	E32(VMCS_GUEST_LDTR_LIMIT, guest.seg[VMCS_LDTR].limit, G, ALWAYS),
	E32(VMCS_GUEST_TR_LIMIT, guest.seg[VMCS_TR].limit, G, ALWAYS),
	E32(VMCS_GUEST_GDTR_LIMIT, guest.gdtr_limit, G, ALWAYS),
	E32(VMCS_GUEST_IDTR_LIMIT, guest.idtr_limit, G, ALWAYS),
	E32(VMCS_GUEST_ES_AR, guest.seg[VMCS_ES].ar, G, ALWAYS),
	E32(VMCS_GUEST_CS_AR, guest.seg[VMCS_CS].ar, G, ALWAYS),
	E32(VMCS_GUEST_SS_AR, guest.seg[VMCS_SS].ar, G, ALWAYS),
	E32(VMCS_GUEST_DS_AR, guest.seg[VMCS_DS].ar, G, ALWAYS),
	E32(VMCS_GUEST_FS_AR, guest.seg[VMCS_FS].ar, G, ALWAYS),
	E32(VMCS_GUEST_GS_AR, guest.seg[VMCS_GS].ar, G, ALWAYS),
	E32(VMCS_GUEST_LDTR_AR, guest.seg[VMCS_LDTR].ar, G, ALWAYS),
	E32(VMCS_GUEST_TR_AR, guest.seg[VMCS_TR].ar, G, ALWAYS),
	E32(VMCS_GUEST_INTERRUPTIBILITY, guest.interruptibility, G, ALWAYS),
	E32(VMCS_GUEST_ACTIVITY_STATE, guest.activity, G, ALWAYS),
	E32(VMCS_GUEST_SYSENTER_CS, guest.sysenter_cs, G, ALWAYS),
	E32(VMCS_HOST_SYSENTER_CS, host.sysenter_cs, H, ALWAYS),
};

static const struct entry64 fields64[] = {
	E64(VMCS_IO_BITMAP_A, ctl.io_bitmap_a, C, ALWAYS),
	E64(VMCS_IO_BITMAP_B, ctl.io_bitmap_b, C, ALWAYS),
	E64(VMCS_MSR_BITMAP, ctl.msr_bitmap, C, ALWAYS),
	E64(VMCS_EXIT_MSR_STORE_ADDR, ctl.exit_msr_store_addr, C, ALWAYS),
	E64(VMCS_EXIT_MSR_LOAD_ADDR, ctl.exit_msr_load_addr, C, ALWAYS),
	E64(VMCS_ENTRY_MSR_LOAD_ADDR, ctl.entry_msr_load_addr, C, ALWAYS),
	E64(VMCS_EPT_POINTER, ctl.eptp, C, NEED_EPT),
	E64(VMCS_XSS_EXIT_BITMAP, ctl.xss_exit_bitmap, C, NEED_XSAVES),
	E64(VMCS_LINK_POINTER, guest.link_pointer, G, ALWAYS),
	E64(VMCS_GUEST_DEBUGCTL, guest.debugctl, G, ALWAYS),
	E64(VMCS_GUEST_PAT, guest.pat, G, NEED_GUEST_PAT),
	E64(VMCS_GUEST_EFER, guest.efer, G, NEED_GUEST_EFER),
	E64(VMCS_HOST_PAT, host.pat, H, NEED_HOST_PAT),
	E64(VMCS_HOST_EFER, host.efer, H, NEED_HOST_EFER),
};

static const struct entry_nat fields_nat[] = {
	E64(VMCS_CR0_GUEST_HOST_MASK, ctl.cr0_mask, C, ALWAYS),
	E64(VMCS_CR4_GUEST_HOST_MASK, ctl.cr4_mask, C, ALWAYS),
	E64(VMCS_CR0_READ_SHADOW, ctl.cr0_shadow, C, ALWAYS),
	E64(VMCS_CR4_READ_SHADOW, ctl.cr4_shadow, C, ALWAYS),
	E64(VMCS_GUEST_CR0, guest.cr0, G, ALWAYS),
	E64(VMCS_GUEST_CR3, guest.cr3, G, ALWAYS),
	E64(VMCS_GUEST_CR4, guest.cr4, G, ALWAYS),
	E64(VMCS_GUEST_ES_BASE, guest.seg[VMCS_ES].base, G, ALWAYS),
	E64(VMCS_GUEST_CS_BASE, guest.seg[VMCS_CS].base, G, ALWAYS),
	E64(VMCS_GUEST_SS_BASE, guest.seg[VMCS_SS].base, G, ALWAYS),
	E64(VMCS_GUEST_DS_BASE, guest.seg[VMCS_DS].base, G, ALWAYS),
	E64(VMCS_GUEST_FS_BASE, guest.seg[VMCS_FS].base, G, ALWAYS),
	E64(VMCS_GUEST_GS_BASE, guest.seg[VMCS_GS].base, G, ALWAYS),
	E64(VMCS_GUEST_LDTR_BASE, guest.seg[VMCS_LDTR].base, G, ALWAYS),
	E64(VMCS_GUEST_TR_BASE, guest.seg[VMCS_TR].base, G, ALWAYS),
	E64(VMCS_GUEST_GDTR_BASE, guest.gdtr_base, G, ALWAYS),
	E64(VMCS_GUEST_IDTR_BASE, guest.idtr_base, G, ALWAYS),
	E64(VMCS_GUEST_DR7, guest.dr7, G, ALWAYS),
	E64(VMCS_GUEST_RSP, guest.rsp, G, ALWAYS),
	E64(VMCS_GUEST_RIP, guest.rip, G, ALWAYS),
	E64(VMCS_GUEST_RFLAGS, guest.rflags, G, ALWAYS),
	E64(VMCS_GUEST_PENDING_DBG, guest.pending_dbg, G, ALWAYS),
	E64(VMCS_GUEST_SYSENTER_ESP, guest.sysenter_esp, G, ALWAYS),
	E64(VMCS_GUEST_SYSENTER_EIP, guest.sysenter_eip, G, ALWAYS),
	E64(VMCS_HOST_CR0, host.cr0, H, ALWAYS),
	E64(VMCS_HOST_CR3, host.cr3, H, ALWAYS),
	E64(VMCS_HOST_CR4, host.cr4, H, ALWAYS),
	E64(VMCS_HOST_FS_BASE, host.fs_base, H, ALWAYS),
	E64(VMCS_HOST_GS_BASE, host.gs_base, H, ALWAYS),
	E64(VMCS_HOST_TR_BASE, host.tr_base, H, ALWAYS),
	E64(VMCS_HOST_GDTR_BASE, host.gdtr_base, H, ALWAYS),
	E64(VMCS_HOST_IDTR_BASE, host.idtr_base, H, ALWAYS),
	E64(VMCS_HOST_SYSENTER_ESP, host.sysenter_esp, H, ALWAYS),
	E64(VMCS_HOST_SYSENTER_EIP, host.sysenter_eip, H, ALWAYS),
	E64(VMCS_HOST_RSP, host.rsp, H, ALWAYS),
	E64(VMCS_HOST_RIP, host.rip, H, ALWAYS),
};

static bool needed(const struct vmcs_controls *ctl, unsigned need)
{
	bool proc2 = ctl->proc & VMX_PROC_SECONDARY;

	switch (need) {
	case NEED_PROC2: return proc2;
	case NEED_VPID: return proc2 && (ctl->proc2 & VMX_PROC2_VPID);
	case NEED_EPT: return proc2 && (ctl->proc2 & VMX_PROC2_EPT);
	case NEED_XSAVES: return proc2 && (ctl->proc2 & VMX_PROC2_XSAVES);
	case NEED_GUEST_PAT:
		return (ctl->entry & VMX_ENTRY_LOAD_PAT) || (ctl->exit & VMX_EXIT_SAVE_PAT);
	case NEED_GUEST_EFER:
		return (ctl->entry & VMX_ENTRY_LOAD_EFER) || (ctl->exit & VMX_EXIT_SAVE_EFER);
	case NEED_HOST_PAT: return ctl->exit & VMX_EXIT_LOAD_PAT;
	case NEED_HOST_EFER: return ctl->exit & VMX_EXIT_LOAD_EFER;
	default: return true;
	}
}

static bool wanted_field(const struct vmcs_image *img, unsigned parts, uint8_t part, uint8_t need)
{
	return (parts & part) && needed(&img->ctl, need);
}

static const void *member_at(const struct vmcs_image *img, uint16_t off)
{
	return (const char *)img + off;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void vmcs_image_write(const struct vmcs_image *img, unsigned parts, const struct vmcs_writer *w)
{
	for (size_t i = 0; i < COUNT(fields16); i++) {
		uint16_t v;
		if (!wanted_field(img, parts, fields16[i].part, fields16[i].need))
			continue;
		memcpy(&v, member_at(img, fields16[i].off), sizeof(v));
		w->write16(w->ctx, fields16[i].f, v);
	}
	for (size_t i = 0; i < COUNT(fields32); i++) {
		uint32_t v;
		if (!wanted_field(img, parts, fields32[i].part, fields32[i].need))
			continue;
		memcpy(&v, member_at(img, fields32[i].off), sizeof(v));
		w->write32(w->ctx, fields32[i].f, v);
	}
	for (size_t i = 0; i < COUNT(fields64); i++) {
		uint64_t v;
		if (!wanted_field(img, parts, fields64[i].part, fields64[i].need))
			continue;
		memcpy(&v, member_at(img, fields64[i].off), sizeof(v));
		w->write64(w->ctx, fields64[i].f, v);
	}
	for (size_t i = 0; i < COUNT(fields_nat); i++) {
		uint64_t v;
		if (!wanted_field(img, parts, fields_nat[i].part, fields_nat[i].need))
			continue;
		memcpy(&v, member_at(img, fields_nat[i].off), sizeof(v));
		w->write_natural(w->ctx, fields_nat[i].f, v);
	}
}
