/* arch/x86/vmx/: the VMX capability model, the software VMCS of hv's entry
 * states and the VM-entry checker, over three CPUs' capability MSRs:
 * - Bochs 2.7's corei7_skylake_x, as measured (/work/shared/FACTS.md);
 *   its CR0_FIXED1 is not recorded there and taken as 0xffffffff, what
 *   every Intel CPU reports;
 * - an Ivy Bridge-like set: the same with EPT 1G leaves (EPT_VPID_CAP bit
 *   17) cleared, which is how Bochs's corei7_ivy_bridge_3770k differs
 *   (FACTS.md: "all but 1G pages");
 * - a real Intel Core i7-2635QM (Sandy Bridge, family 6 model 42), from
 *   VirtualBox's CPU database (src/VBox/VMM/VMMR3/cpus/
 *   Intel_Core_i7_2635QM.h, dumped by VBoxCpuReport): no 1G leaves, no EPT
 *   A/D flags, no INVPCID or XSAVES control, 36-bit physical addresses.
 * Every entry state builds and passes the checker on each; every check
 * the checker makes fails, naming itself, on a VMCS broken for it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/vmx/vmcs_check.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmcs_image.h"
#include "arch/x86/vmx/vmx_caps.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* VM-entry interruption information: valid, type, vector. */
#define VMX_INTR_VALID (1u << 31)
#define INFO(type, vector) (VMX_INTR_VALID | (type) << 8 | (vector))
#define DELIVER (1u << 11)

static const struct vmx_caps bochs_skylake_x = {
	.basic = 0x00d810000000002bull,
	.pin = 0x0000007f00000016ull,
	.proc = 0xf7f9fffe04006172ull,
	.exit = 0x007fffff00036dfbull,
	.entry = 0x0000ffff000011fbull,
	.proc2 = 0x02177fff00000000ull,
	.ept_vpid = 0x00000f0106334141ull,
	.misc = 0x600401e0ull,
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x2000ull,
	.cr4_fixed1 = 0x3727ffull,
	.phys_addr_bits = 40,
	.linear_addr_bits = 48,
};

static struct vmx_caps ivy_bridge_like(void)
{
	struct vmx_caps c = bochs_skylake_x;

	c.ept_vpid &= ~VMX_EPT_LEAF_1G;
	return c;
}

/* Intel Core i7-2635QM, VirtualBox CPU database; the MSRs by index. */
struct msr { uint32_t index; uint64_t value; };
static const struct msr i7_2635qm_msrs[] = {
	{ 0x480, 0x00da040000000010ull },
	{ 0x481, 0x0000007f00000016ull },
	{ 0x482, 0xfff9fffe0401e172ull },
	{ 0x483, 0x007fffff00036dffull },
	{ 0x484, 0x0000ffff000011ffull },
	{ 0x485, 0x100401e5ull },
	{ 0x486, 0x80000021ull },
	{ 0x487, 0xffffffffull },
	{ 0x488, 0x2000ull },
	{ 0x489, 0x627ffull },
	{ 0x48b, 0x000000ff00000000ull },
	{ 0x48c, 0x00000f0106114141ull },
	{ 0x48d, 0x0000007f00000016ull },
	{ 0x48e, 0xfff9fffe04006172ull },
	{ 0x48f, 0x007fffff00036dfbull },
	{ 0x490, 0x0000ffff000011fbull },
};

struct fake_msrs {
	const struct msr *msrs;
	size_t count;
	uint64_t basic_clear; /* bits of BASIC this CPU reads as 0 */
	uint32_t proc_allowed1_clear;
	unsigned reads_missing;
};

static uint64_t fake_rdmsr(uint32_t index, void *ctx)
{
	struct fake_msrs *f = ctx;

	for (size_t i = 0; i < f->count; i++) {
		if (f->msrs[i].index != index)
			continue;
		uint64_t v = f->msrs[i].value;
		if (index == MSR_IA32_VMX_BASIC)
			v &= ~f->basic_clear;
		if (index == MSR_IA32_VMX_PROCBASED_CTLS || index == MSR_IA32_VMX_TRUE_PROCBASED)
			v &= ~((uint64_t)f->proc_allowed1_clear << 32);
		return v;
	}
	f->reads_missing++;
	return 0;
}

static struct vmx_caps sandy_bridge(void)
{
	struct fake_msrs f = { i7_2635qm_msrs, COUNT(i7_2635qm_msrs), 0, 0, 0 };
	struct vmx_caps c;

	vmx_caps_load(&c, fake_rdmsr, &f, 36, 48);
	assert_int_equal(f.reads_missing, 0);
	return c;
}

enum cpu { SKYLAKE_X, IVY_LIKE, SANDY, CPU_COUNT };

static struct vmx_caps caps_of(enum cpu cpu)
{
	switch (cpu) {
	case SKYLAKE_X: return bochs_skylake_x;
	case IVY_LIKE: return ivy_bridge_like();
	default: return sandy_bridge();
	}
}

static const struct vmcs_host_state host = {
	.cr0 = 0x80050033ull, .cr3 = 0x1000000ull, .cr4 = 0x2620ull,
	.cs = 0x08, .ss = 0x10, .ds = 0x10, .es = 0x10, .fs = 0x10, .gs = 0x10, .tr = 0x18,
	.fs_base = 0, .gs_base = 0x7f000ull, .tr_base = 0x7e000ull,
	.gdtr_base = 0x7d000ull, .idtr_base = 0x7c000ull,
	.efer = 0xd01ull, .pat = VMX_PAT_DEFAULT,
	.rip = 0x123456ull, .rsp = 0x200000ull,
};

static const struct vmcs_vcpu_params vcpu = {
	.ept_root = 0x300000ull, .io_bitmap_a = 0x301000ull, .io_bitmap_b = 0x302000ull,
	.msr_bitmap = 0x303000ull, .vpid = 1,
};

/* hv's test guest (CS 0x08), Linux's 64-bit boot (CS 0x10), and SIPIs. */
static const struct vmcs_entry entries[] = {
	{ .kind = VMCS_ENTRY_LONG_MODE, .rip = 0x400000, .cr3 = 0x10000, .gdt_base = 0x5000,
	  .gdt_limit = 0x17, .code_sel = 0x08, .data_sel = 0x10 },
	{ .kind = VMCS_ENTRY_LONG_MODE, .rip = 0x1000000, .cr3 = 0x9c000, .gdt_base = 0x9b000,
	  .gdt_limit = 0x1f, .code_sel = 0x10, .data_sel = 0x18 },
	{ .kind = VMCS_ENTRY_STARTUP, .vector = 0x00 },
	{ .kind = VMCS_ENTRY_STARTUP, .vector = 0x9a },
	{ .kind = VMCS_ENTRY_STARTUP, .vector = 0xff },
};
#define LONG_MODE (&entries[0])
#define STARTUP (&entries[3])

static void build_ok(const struct vmx_caps *caps, const struct vmcs_entry *e,
		     struct vmcs_image *img)
{
	char why[128] = "";

	int err = vmcs_build(caps, e, &vcpu, &host, img, why, sizeof(why));
	if (err)
		fail_msg("vmcs_build: %d %s", err, why);
	err = vmcs_check(caps, img, why, sizeof(why));
	if (err)
		fail_msg("vmcs_check: %s", why);
}

/* ---- the capability model ------------------------------------------------ */

static void test_adjust_control(void **state)
{
	(void)state;
	uint32_t out, missing;

	/* Forced bits join, optional ones the CPU lacks drop quietly. */
	assert_int_equal(vmx_adjust_control(0x0000007f00000016ull, 1u << 3, 1u << 7, &out, &missing), 0);
	assert_int_equal(out, 0x16u | 1u << 3);
	assert_int_equal(missing, 0);
	/* A required bit it lacks is refused, and said. */
	assert_int_equal(vmx_adjust_control(0x0000007f00000016ull, 1u << 3 | 1u << 7, 0, &out, &missing), -1);
	assert_int_equal(missing, 1u << 7);

	char why[96];
	struct vmx_caps c = bochs_skylake_x;
	c.proc2 &= ~((uint64_t)VMX_PROC2_UNRESTRICTED << 32);
	struct vmcs_image img;
	assert_int_equal(vmcs_build(&c, LONG_MODE, &vcpu, &host, &img, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "secondary controls: unrestricted guest unsupported");
	c = bochs_skylake_x;
	c.proc &= ~((uint64_t)VMX_PROC_SECONDARY << 32);
	assert_int_equal(vmcs_build(&c, LONG_MODE, &vcpu, &host, &img, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "processor-based controls: secondary controls unsupported");
	c = bochs_skylake_x;
	c.pin &= ~((uint64_t)VMX_PIN_NMI_EXITING << 32);
	assert_int_equal(vmcs_build(&c, LONG_MODE, &vcpu, &host, &img, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "pin-based controls: NMI exiting unsupported");
	c = bochs_skylake_x;
	c.exit &= ~((uint64_t)VMX_EXIT_LOAD_EFER << 32);
	assert_int_equal(vmcs_build(&c, LONG_MODE, &vcpu, &host, &img, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "VM-exit controls: load IA32_EFER unsupported");
	c = bochs_skylake_x;
	c.ept_vpid &= ~VMX_EPT_MEMTYPE_WB;
	assert_int_equal(vmcs_build(&c, LONG_MODE, &vcpu, &host, &img, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "EPT: write-back paging-structure memory type unsupported");
	c = bochs_skylake_x;
	c.ept_vpid &= ~VMX_EPT_WALK_4;
	assert_int_equal(vmcs_build(&c, LONG_MODE, &vcpu, &host, &img, why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "EPT: 4-level page walk unsupported");
	struct vmcs_vcpu_params no_vpid = vcpu;
	no_vpid.vpid = 0;
	assert_int_equal(vmcs_build(&bochs_skylake_x, LONG_MODE, &no_vpid, &host, &img, why,
				    sizeof(why)), -EINVAL);
	assert_string_equal(why, "VPID 0 is the host's");
}

static void test_caps_load(void **state)
{
	(void)state;
	struct vmx_caps c = sandy_bridge();

	/* BASIC bit 55: the TRUE MSRs, where CR3 exiting may be 0. */
	assert_true(vmx_caps_true_controls(&c));
	assert_int_equal(c.proc, 0xfff9fffe04006172ull);
	assert_int_equal(c.exit, 0x007fffff00036dfbull);
	assert_int_equal(c.proc2, 0x000000ff00000000ull);
	assert_int_equal(c.ept_vpid, 0x00000f0106114141ull);
	assert_int_equal(vmx_caps_revision(&c), 0x10);

	/* Without it, the old MSRs and their default1 bits. */
	struct fake_msrs f = { i7_2635qm_msrs, COUNT(i7_2635qm_msrs), VMX_BASIC_TRUE_CTLS, 0, 0 };
	vmx_caps_load(&c, fake_rdmsr, &f, 36, 48);
	assert_false(vmx_caps_true_controls(&c));
	assert_int_equal(c.proc, 0xfff9fffe0401e172ull);
	assert_int_equal(c.entry, 0x0000ffff000011ffull);
	assert_int_equal(f.reads_missing, 0);

	/* No secondary controls: PROCBASED_CTLS2 and EPT_VPID_CAP unread
	 * (fake_rdmsr counts a read of an MSR it lacks). */
	static const struct msr no_secondary[] = {
		{ 0x480, 0x00da040000000010ull }, { 0x481, 0 }, { 0x482, 0 }, { 0x483, 0 },
		{ 0x484, 0 }, { 0x485, 0 }, { 0x486, 0 }, { 0x487, 0 }, { 0x488, 0 },
		{ 0x489, 0 }, { 0x48d, 0 }, { 0x48e, 0x7ff9fffe04006172ull }, { 0x48f, 0 },
		{ 0x490, 0 },
	};
	struct fake_msrs g = { no_secondary, COUNT(no_secondary), 0, 0, 0 };
	vmx_caps_load(&c, fake_rdmsr, &g, 36, 48);
	assert_int_equal(g.reads_missing, 0);
	assert_int_equal(c.proc2, 0);
	assert_false(vmx_caps_ept(&c));
}

static void test_decoded(void **state)
{
	(void)state;
	struct vmx_caps sky = caps_of(SKYLAKE_X), ivy = caps_of(IVY_LIKE), snb = caps_of(SANDY);

	for (enum cpu cpu = 0; cpu < CPU_COUNT; cpu++) {
		struct vmx_caps c = caps_of(cpu);
		assert_true(vmx_caps_ept(&c));
		assert_true(vmx_caps_vpid(&c));
		assert_true(vmx_caps_unrestricted_guest(&c));
		assert_true(vmx_caps_preemption_timer(&c));
		assert_true(vmx_caps_ept_walk4(&c));
		assert_true(vmx_caps_ept_wb(&c));
		assert_true(vmx_caps_ept_uc(&c));
		assert_true(vmx_caps_ept_2m(&c));
		assert_true(vmx_caps_invept_single(&c));
		assert_true(vmx_caps_invept_all(&c));
		assert_true(vmx_caps_invvpid_addr(&c));
		assert_true(vmx_caps_invvpid_single(&c));
		assert_true(vmx_caps_invvpid_all(&c));
		assert_int_equal(vmx_caps_cr3_targets(&c), 4);
		for (unsigned s = 0; s < 4; s++)
			assert_true(vmx_caps_activity_state(&c, s));
		assert_false(vmx_caps_activity_state(&c, 4));
	}
	assert_true(vmx_caps_ept_1g(&sky));
	assert_false(vmx_caps_ept_1g(&ivy));
	assert_false(vmx_caps_ept_1g(&snb));
	assert_true(vmx_caps_ept_ad(&sky));
	assert_false(vmx_caps_ept_ad(&snb));
	assert_int_equal(vmx_caps_preemption_rate(&sky), 0);
	assert_int_equal(vmx_caps_preemption_rate(&snb), 5);
	assert_int_equal(vmx_caps_struct_addr_bits(&snb), 36);
	assert_true(vmx_caps_may_set(&sky, VMX_CTL_PROC2, VMX_PROC2_INVPCID | VMX_PROC2_XSAVES));
	assert_false(vmx_caps_may_set(&snb, VMX_CTL_PROC2, VMX_PROC2_INVPCID));
	assert_false(vmx_caps_may_set(&sky, VMX_CTL_PROC, VMX_PROC_MTF));
	assert_true(vmx_caps_may_set(&snb, VMX_CTL_PROC, VMX_PROC_MTF));

	/* EPT decoding follows the control: no EPT, nothing of it. */
	sky.proc2 &= ~((uint64_t)VMX_PROC2_EPT << 32);
	assert_false(vmx_caps_ept_2m(&sky));
	assert_false(vmx_caps_invept_all(&sky));

	char buf[16];
	assert_string_equal(vmx_control_bit_name(VMX_CTL_PROC2, 7, buf, sizeof(buf)), "unrestricted guest");
	assert_string_equal(vmx_control_bit_name(VMX_CTL_PIN, 1, buf, sizeof(buf)), "bit 1");
}

/* ---- the entry states ---------------------------------------------------- */

static void test_every_state_on_every_cpu(void **state)
{
	(void)state;
	for (enum cpu cpu = 0; cpu < CPU_COUNT; cpu++) {
		struct vmx_caps c = caps_of(cpu);
		for (size_t e = 0; e < COUNT(entries); e++) {
			struct vmcs_image img;
			build_ok(&c, &entries[e], &img);
		}
	}
}

/* Sandy Bridge as it reads without the TRUE MSRs: CR3 exiting forced on,
 * and still a valid VMCS. */
static void test_without_true_controls(void **state)
{
	(void)state;
	struct fake_msrs f = { i7_2635qm_msrs, COUNT(i7_2635qm_msrs), VMX_BASIC_TRUE_CTLS, 0, 0 };
	struct vmx_caps c;
	struct vmcs_image img;

	vmx_caps_load(&c, fake_rdmsr, &f, 36, 48);
	for (size_t e = 0; e < COUNT(entries); e++)
		build_ok(&c, &entries[e], &img);
	assert_true(img.ctl.proc & VMX_PROC_CR3_LOAD_EXITING);
	assert_true(img.ctl.proc & VMX_PROC_CR3_STORE_EXITING);
}

static void test_controls(void **state)
{
	(void)state;
	struct vmcs_image img;

	build_ok(&bochs_skylake_x, LONG_MODE, &img);
	const struct vmcs_controls *c = &img.ctl;
	assert_true(c->pin & VMX_PIN_NMI_EXITING);
	assert_false(c->pin & (VMX_PIN_EXT_INT_EXITING | VMX_PIN_VIRTUAL_NMIS | VMX_PIN_PREEMPTION_TIMER));
	assert_int_equal(c->proc & (VMX_PROC_HLT_EXITING | VMX_PROC_RDTSC_EXITING | VMX_PROC_MWAIT_EXITING |
				    VMX_PROC_CR3_LOAD_EXITING | VMX_PROC_UNCOND_IO), 0);
	assert_int_equal(c->proc & (VMX_PROC_IO_BITMAPS | VMX_PROC_MSR_BITMAPS | VMX_PROC_SECONDARY),
			 VMX_PROC_IO_BITMAPS | VMX_PROC_MSR_BITMAPS | VMX_PROC_SECONDARY);
	uint32_t proc2 = VMX_PROC2_EPT | VMX_PROC2_VPID | VMX_PROC2_UNRESTRICTED |
			 VMX_PROC2_WBINVD_EXITING | VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES;
	assert_int_equal(c->proc2, proc2);
	assert_int_equal(c->exit & ~0x36dfbu, VMX_EXIT_SAVE_DEBUG | VMX_EXIT_HOST_64BIT | VMX_EXIT_SAVE_PAT |
			 VMX_EXIT_LOAD_PAT | VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER);
	assert_int_equal(c->entry & ~0x11fbu, VMX_ENTRY_LOAD_DEBUG | VMX_ENTRY_IA32E_GUEST |
			 VMX_ENTRY_LOAD_PAT | VMX_ENTRY_LOAD_EFER);
	assert_int_equal(c->exception_bitmap, 1u << 1 | 1u << 17);
	assert_int_equal(c->eptp, 0x30001eull);
	assert_int_equal(c->vpid, 1);
	assert_int_equal(c->io_bitmap_a, vcpu.io_bitmap_a);
	assert_int_equal(c->io_bitmap_b, vcpu.io_bitmap_b);
	assert_int_equal(c->msr_bitmap, vcpu.msr_bitmap);
	assert_int_equal(c->cr0_mask, 1u << 5);
	assert_int_equal(c->cr4_mask, 1u << 13);

	/* Sandy Bridge has no INVPCID or XSAVES control: they stay off. */
	struct vmx_caps snb = sandy_bridge();
	build_ok(&snb, LONG_MODE, &img);
	assert_int_equal(img.ctl.proc2, proc2 & ~(VMX_PROC2_INVPCID | VMX_PROC2_XSAVES));
}

static void test_long_mode_state(void **state)
{
	(void)state;
	struct vmcs_image img;

	build_ok(&bochs_skylake_x, &entries[1], &img);
	const struct vmcs_guest *g = &img.guest;
	assert_int_equal(g->seg[VMCS_CS].selector, 0x10);
	assert_int_equal(g->seg[VMCS_CS].ar, 0xa09b);
	for (enum vmcs_seg s = VMCS_ES; s <= VMCS_GS; s++) {
		if (s == VMCS_CS)
			continue;
		assert_int_equal(g->seg[s].selector, 0x18);
		assert_int_equal(g->seg[s].ar, 0xc093);
		assert_int_equal(g->seg[s].limit, 0xffffffffu);
	}
	assert_int_equal(g->gdtr_base, 0x9b000);
	assert_int_equal(g->gdtr_limit, 0x1f);
	assert_int_equal(g->cr0, 0x80010033ull);
	assert_int_equal(img.ctl.cr0_shadow, 0x80010033ull);
	assert_int_equal(g->cr4, 0x2020ull);
	assert_int_equal(img.ctl.cr4_shadow, 0x20ull);
	assert_int_equal(g->cr3, 0x9c000);
	assert_int_equal(g->efer, 0xd00ull);
	assert_int_equal(g->rip, 0x1000000);
	assert_int_equal(g->rflags, 2);
	assert_int_equal(g->dr7, 0x400);
	assert_int_equal(g->link_pointer, ~0ull);
	assert_int_equal(img.host.rip, host.rip);
	assert_int_equal(img.host.tr, 0x18);
}

static void test_startup_state(void **state)
{
	(void)state;
	struct vmcs_image img;

	build_ok(&bochs_skylake_x, STARTUP, &img);
	const struct vmcs_guest *g = &img.guest;
	assert_int_equal(g->seg[VMCS_CS].selector, 0x9a00);
	assert_int_equal(g->seg[VMCS_CS].base, 0x9a000);
	assert_int_equal(g->seg[VMCS_CS].limit, 0xffff);
	assert_int_equal(g->rip, 0);
	assert_int_equal(g->cr0, 0x30);
	assert_int_equal(img.ctl.cr0_shadow, 0x10);
	assert_int_equal(g->cr4, 0x2000);
	assert_int_equal(img.ctl.cr4_shadow, 0);
	assert_int_equal(g->efer, 0);
	assert_false(img.ctl.entry & VMX_ENTRY_IA32E_GUEST);

	/* A reset back to long mode sets IA-32e mode guest again. */
	vmcs_build_guest(LONG_MODE, &img.ctl, &img.guest);
	assert_true(img.ctl.entry & VMX_ENTRY_IA32E_GUEST);
	char why[128];
	assert_int_equal(vmcs_check(&bochs_skylake_x, &img, why, sizeof(why)), 0);
}

/* What the checker must let through: states the backend will enter later
 * (null data selectors of a 64-bit kernel, an injected #GP, an external
 * interrupt with IF set, a software interrupt, HLT). */
static void test_valid_variations(void **state)
{
	(void)state;
	struct vmcs_image img;
	char why[128];

	build_ok(&bochs_skylake_x, LONG_MODE, &img);
	for (enum vmcs_seg s = VMCS_ES; s <= VMCS_GS; s++)
		if (s != VMCS_CS && s != VMCS_SS)
			img.guest.seg[s] = (struct vmcs_segment){ .ar = VMX_AR_UNUSABLE };
	img.guest.seg[VMCS_LDTR] = (struct vmcs_segment){ .ar = VMX_AR_UNUSABLE };
	img.ctl.entry_intr_info = INFO(3, 13) | DELIVER;
	assert_int_equal(vmcs_check(&bochs_skylake_x, &img, why, sizeof(why)), 0);
	img.guest.rflags |= 1u << 9;
	img.ctl.entry_intr_info = INFO(0, 0x41);
	assert_int_equal(vmcs_check(&bochs_skylake_x, &img, why, sizeof(why)), 0);
	img.ctl.entry_intr_info = INFO(4, 0x80);
	img.ctl.entry_insn_len = 2;
	assert_int_equal(vmcs_check(&bochs_skylake_x, &img, why, sizeof(why)), 0);
	img.ctl.entry_intr_info = 0;
	img.guest.activity = 1;
	assert_int_equal(vmcs_check(&bochs_skylake_x, &img, why, sizeof(why)), 0);

	/* In real mode no exception pushes an error code. */
	build_ok(&bochs_skylake_x, STARTUP, &img);
	img.ctl.entry_intr_info = INFO(3, 13);
	assert_int_equal(vmcs_check(&bochs_skylake_x, &img, why, sizeof(why)), 0);
}

/* ---- writing an image out ------------------------------------------------ */

struct recorder {
	unsigned count[4];
	uint16_t seen[256];
	unsigned seen_count;
	bool width_wrong, duplicate;
	uint64_t guest_rip, vpid_writes, eptp_writes, proc2_writes;
};

static void record(struct recorder *r, uint16_t enc, unsigned width)
{
	r->count[width]++;
	if (VMCS_ENC_WIDTH(enc) != width || (enc & 1))
		r->width_wrong = true;
	for (unsigned i = 0; i < r->seen_count; i++)
		if (r->seen[i] == enc)
			r->duplicate = true;
	if (r->seen_count < COUNT(r->seen))
		r->seen[r->seen_count++] = enc;
	r->vpid_writes += enc == VMCS_VPID.enc;
	r->eptp_writes += enc == VMCS_EPT_POINTER.enc;
	r->proc2_writes += enc == VMCS_PROC2_CONTROLS.enc;
}

static void rec16(void *ctx, struct vmcs_field16 f, uint16_t v)
{
	(void)v;
	record(ctx, f.enc, VMCS_WIDTH_16);
}

static void rec32(void *ctx, struct vmcs_field32 f, uint32_t v)
{
	(void)v;
	record(ctx, f.enc, VMCS_WIDTH_32);
}

static void rec64(void *ctx, struct vmcs_field64 f, uint64_t v)
{
	(void)v;
	record(ctx, f.enc, VMCS_WIDTH_64);
}

static void rec_nat(void *ctx, struct vmcs_field_natural f, uint64_t v)
{
	struct recorder *r = ctx;
	if (f.enc == VMCS_GUEST_RIP.enc)
		r->guest_rip = v;
	record(ctx, f.enc, VMCS_WIDTH_NATURAL);
}

static struct recorder write_out(const struct vmcs_image *img, unsigned parts)
{
	struct recorder r = { 0 };
	const struct vmcs_writer w = { &r, rec16, rec32, rec64, rec_nat };

	vmcs_image_write(img, parts, &w);
	assert_false(r.width_wrong);
	assert_false(r.duplicate);
	return r;
}

static void test_write(void **state)
{
	(void)state;
	struct vmcs_image img;

	build_ok(&bochs_skylake_x, LONG_MODE, &img);
	struct recorder r = write_out(&img, VMCS_PART_ALL);
	assert_int_equal(r.count[VMCS_WIDTH_16], 16);
	assert_int_equal(r.count[VMCS_WIDTH_32], 37);
	assert_int_equal(r.count[VMCS_WIDTH_64], 14);
	assert_int_equal(r.count[VMCS_WIDTH_NATURAL], 36);
	assert_int_equal(r.guest_rip, LONG_MODE->rip);

	struct recorder guest = write_out(&img, VMCS_PART_GUEST);
	struct recorder ctl = write_out(&img, VMCS_PART_CONTROLS);
	struct recorder hst = write_out(&img, VMCS_PART_HOST);
	for (unsigned w = 0; w < 4; w++)
		assert_int_equal(guest.count[w] + ctl.count[w] + hst.count[w], r.count[w]);
	assert_int_equal(guest.vpid_writes + hst.vpid_writes, 0);

	/* Fields a CPU may lack are left alone where their controls are off;
	 * Sandy Bridge has no XSAVES control, so no XSS-exiting bitmap. */
	struct vmx_caps snb = sandy_bridge();
	build_ok(&snb, LONG_MODE, &img);
	struct recorder s = write_out(&img, VMCS_PART_ALL);
	assert_int_equal(s.count[VMCS_WIDTH_64], 13);
	img.ctl.proc2 &= ~VMX_PROC2_VPID;
	s = write_out(&img, VMCS_PART_ALL);
	assert_int_equal(s.vpid_writes, 0);
	assert_int_equal(s.eptp_writes, 1);
	img.ctl.proc &= ~VMX_PROC_SECONDARY;
	s = write_out(&img, VMCS_PART_ALL);
	assert_int_equal(s.eptp_writes + s.proc2_writes, 0);
	img.ctl.exit &= ~(VMX_EXIT_LOAD_PAT | VMX_EXIT_LOAD_EFER);
	s = write_out(&img, VMCS_PART_HOST);
	assert_int_equal(s.count[VMCS_WIDTH_64], 0);
}

/* ---- broken VMCSs: one per check ----------------------------------------- */

#define L VMCS_ENTRY_LONG_MODE
#define S VMCS_ENTRY_STARTUP
#define CAP_ALLOW(word, bits) (c->word |= (uint64_t)(bits) << 32)
#define NO_UG i->ctl.proc2 &= ~VMX_PROC2_UNRESTRICTED
#define G i->guest
#define SEG(s) i->guest.seg[VMCS_##s]
#define V86_SEGMENTS \
	for (int k = VMCS_ES; k <= VMCS_GS; k++) { \
		G.seg[k].ar = 0xf3; G.seg[k].limit = 0xffff; G.seg[k].base = (uint64_t)G.seg[k].selector << 4; \
	}

/* name, entry state, what the message must hold, the breakage (i: the
 * image, c: the capabilities, both copies). */
#define BROKEN(X) \
	X(pin_forced, L, "pin-based controls: bit 1 must be 1", i->ctl.pin &= ~2u) \
	X(pin_disallowed, L, "pin-based controls: posted interrupts not allowed", i->ctl.pin |= VMX_PIN_POSTED_INTERRUPTS) \
	X(proc_forced, L, "processor-based controls: bit 1 must be 1", i->ctl.proc &= ~2u) \
	X(proc_disallowed, L, "processor-based controls: monitor trap flag not allowed", i->ctl.proc |= VMX_PROC_MTF) \
	X(proc2_disallowed, L, "secondary controls: bit 30 not allowed", i->ctl.proc2 |= 1u << 30) \
	X(exit_forced, L, "VM-exit controls: bit 0 must be 1", i->ctl.exit &= ~1u) \
	X(entry_disallowed, L, "VM-entry controls: bit 16 not allowed", i->ctl.entry |= 1u << 16) \
	X(cr3_targets, L, "CR3-target count: 5 above the CPU's 4", i->ctl.cr3_target_count = 5) \
	X(io_bitmap_a, L, "I/O bitmap A: not 4 KiB aligned", i->ctl.io_bitmap_a |= 0x800) \
	X(io_bitmap_b, L, "I/O bitmap B: not 4 KiB aligned or beyond", i->ctl.io_bitmap_b = 1ull << 40) \
	X(msr_bitmap, L, "MSR bitmap: not 4 KiB aligned", i->ctl.msr_bitmap |= 8) \
	X(virtual_nmis, L, "virtual NMIs without NMI exiting", i->ctl.pin = (i->ctl.pin & ~VMX_PIN_NMI_EXITING) | VMX_PIN_VIRTUAL_NMIS) \
	X(nmi_window, L, "NMI-window exiting without virtual NMIs", i->ctl.proc |= VMX_PROC_NMI_WINDOW) \
	X(apic_virt, L, "APIC virtualization without TPR shadow", i->ctl.proc2 |= VMX_PROC2_VIRT_X2APIC) \
	X(virt_int_delivery, L, "virtual-interrupt delivery without external-interrupt exiting", \
	  i->ctl.proc |= VMX_PROC_TPR_SHADOW; i->ctl.proc2 |= VMX_PROC2_VIRT_INT_DELIVERY) \
	X(eptp_memtype, L, "EPT pointer: memory type 1 unsupported", i->ctl.eptp = (i->ctl.eptp & ~7ull) | 1) \
	X(eptp_walk, L, "EPT pointer: page-walk length 2 unsupported", i->ctl.eptp = (i->ctl.eptp & ~0x38ull) | 0x8) \
	X(eptp_ad, L, "EPT pointer: accessed/dirty flags unsupported", c->ept_vpid &= ~VMX_EPT_AD_FLAGS; i->ctl.eptp |= VMX_EPTP_AD) \
	X(eptp_reserved, L, "EPT pointer: reserved bits 11:7 set", i->ctl.eptp |= 0x80) \
	X(eptp_width, L, "EPT pointer: beyond the physical-address width", i->ctl.eptp |= 1ull << 45) \
	X(ug_without_ept, L, "unrestricted guest without EPT", i->ctl.proc2 &= ~VMX_PROC2_EPT) \
	X(vpid_zero, L, "VPID: 0 with VPID enabled", i->ctl.vpid = 0) \
	X(save_preemption, L, "save VMX-preemption timer without activating it", i->ctl.exit |= VMX_EXIT_SAVE_PREEMPTION) \
	X(exit_store_area, L, "VM-exit MSR-store area: not 16-byte aligned", i->ctl.exit_msr_store_count = 1; i->ctl.exit_msr_store_addr = 0x1008) \
	X(exit_load_area, L, "VM-exit MSR-load area: beyond", i->ctl.exit_msr_load_count = 2; i->ctl.exit_msr_load_addr = (1ull << 40) - 16) \
	X(entry_load_area, L, "VM-entry MSR-load area: not 16-byte aligned", i->ctl.entry_msr_load_count = 1; i->ctl.entry_msr_load_addr = 0x1004) \
	X(entry_smm, L, "VM-entry controls: entry to SMM outside SMM", i->ctl.entry |= VMX_ENTRY_SMM) \
	X(entry_dual_monitor, L, "deactivate dual-monitor treatment outside SMM", i->ctl.entry |= VMX_ENTRY_DEACT_DUAL_MONITOR) \
	X(inject_reserved, L, "VM-entry injection: reserved bits 30:12 set", i->ctl.entry_intr_info = INFO(0, 0x30) | 1u << 12) \
	X(inject_nmi_vector, L, "VM-entry injection: NMI with vector 3", i->ctl.entry_intr_info = INFO(2, 3)) \
	X(inject_exception_vector, L, "VM-entry injection: hardware exception with vector 32", i->ctl.entry_intr_info = INFO(3, 32)) \
	X(inject_insn_len, L, "VM-entry injection: instruction length 16", i->ctl.entry_intr_info = INFO(4, 0x80); i->ctl.entry_insn_len = 16) \
	X(inject_insn_len_zero, L, "VM-entry injection: instruction length 0", c->misc &= ~(1ull << 30); i->ctl.entry_intr_info = INFO(6, 3)) \
	X(inject_other_no_mtf, L, "type 7 without monitor trap flag support", i->ctl.entry_intr_info = INFO(7, 0)) \
	X(inject_other_vector, L, "VM-entry injection: type 7 with vector 1", CAP_ALLOW(proc, VMX_PROC_MTF); i->ctl.entry_intr_info = INFO(7, 1)) \
	X(inject_type_reserved, L, "VM-entry injection: reserved type 1", i->ctl.entry_intr_info = INFO(1, 0x30)) \
	X(inject_error_missing, L, "VM-entry injection: error code missing for vector 13", i->ctl.entry_intr_info = INFO(3, 13)) \
	X(inject_error_extra, S, "VM-entry injection: error code delivered for vector 13", i->ctl.entry_intr_info = INFO(3, 13) | DELIVER) \
	X(inject_error_high, L, "VM-entry injection: error code bits 31:16 set", i->ctl.entry_intr_info = INFO(3, 13) | DELIVER; i->ctl.entry_exception_error = 0x10000) \
	X(host_cr0_fixed0, L, "host CR0: bit 5 must be 1 in VMX operation", i->host.cr0 &= ~(1ull << 5)) \
	X(host_cr4_fixed1, L, "host CR4: bit 30 must be 0 in VMX operation", i->host.cr4 |= 1ull << 30) \
	X(host_cr3, L, "host CR3: beyond the physical-address width", i->host.cr3 = 1ull << 40) \
	X(host_sysenter_esp, L, "host SYSENTER_ESP: not canonical", i->host.sysenter_esp = 1ull << 47) \
	X(host_sysenter_eip, L, "host SYSENTER_EIP: not canonical", i->host.sysenter_eip = 0x0000900000000000ull) \
	X(host_pat, L, "host PAT: entry 2 holds no memory type", i->host.pat = 0x0000000000030000ull) \
	X(host_efer_reserved, L, "host EFER: reserved bits set", i->host.efer |= 1ull << 12) \
	X(host_efer_lma, L, "host EFER: LMA and LME differ from host address-space size", i->host.efer &= ~(1ull << 10)) \
	X(host_selector, L, "host DS selector: RPL or TI set", i->host.ds = 0x13) \
	X(host_tr_ti, L, "host TR selector: RPL or TI set", i->host.tr = 0x1c) \
	X(host_cs_null, L, "host CS selector: null", i->host.cs = 0) \
	X(host_tr_null, L, "host TR selector: null", i->host.tr = 0) \
	X(host_fs_base, L, "host FS base: not canonical", i->host.fs_base = 1ull << 48) \
	X(host_idtr_base, L, "host IDTR base: not canonical", i->host.idtr_base = 0x8000000000000000ull) \
	X(host_tr_base, L, "host TR base: not canonical", i->host.tr_base = 1ull << 47) \
	X(host_32bit, L, "VM-exit controls: host address-space size 0 on a 64-bit host", i->ctl.exit &= ~(VMX_EXIT_HOST_64BIT | VMX_EXIT_LOAD_EFER)) \
	X(host_pae, L, "host CR4: PAE clear with a 64-bit host", i->host.cr4 &= ~(1ull << 5)) \
	X(host_rip, L, "host RIP: not canonical", i->host.rip = 0x0000800000000000ull) \
	X(guest_cr0_fixed0, L, "guest CR0: bit 5 must be 1 in VMX operation", G.cr0 &= ~(1ull << 5)) \
	X(guest_cr0_pe_without_ug, S, "guest CR0: bit 0 must be 1 in VMX operation", NO_UG) \
	X(guest_cr0_fixed1, L, "guest CR0: bit 32 must be 0 in VMX operation", G.cr0 |= 1ull << 32) \
	X(guest_pg_without_pe, S, "guest CR0: PG without PE", G.cr0 |= 1ull << 31) \
	X(guest_cr4_fixed0, L, "guest CR4: bit 13 must be 1 in VMX operation", G.cr4 &= ~(1ull << 13)) \
	X(guest_cr4_fixed1, L, "guest CR4: bit 22 must be 0 in VMX operation", G.cr4 |= 1ull << 22) \
	X(guest_debugctl, L, "guest IA32_DEBUGCTL: reserved bits set", G.debugctl = 1ull << 2) \
	X(guest_dr7, L, "guest DR7: bits 63:32 set", G.dr7 |= 1ull << 32) \
	X(guest_ia32e_pg, L, "guest CR0: PG clear with IA-32e mode guest", G.cr0 &= ~(1ull << 31)) \
	X(guest_ia32e_pae, L, "guest CR4: PAE clear with IA-32e mode guest", G.cr4 &= ~(1ull << 5)) \
	X(guest_pcide, S, "guest CR4: PCIDE set outside IA-32e mode", G.cr4 |= 1ull << 17) \
	X(guest_cr3, L, "guest CR3: beyond the physical-address width", G.cr3 = 1ull << 40) \
	X(guest_sysenter_esp, L, "guest SYSENTER_ESP: not canonical", G.sysenter_esp = 1ull << 47) \
	X(guest_sysenter_eip, L, "guest SYSENTER_EIP: not canonical", G.sysenter_eip = 1ull << 50) \
	X(guest_pat, L, "guest PAT: entry 7 holds no memory type", G.pat = 0x0807040600070406ull) \
	X(guest_efer_reserved, L, "guest EFER: reserved bits set", G.efer |= 1ull << 12) \
	X(guest_efer_lma, L, "guest EFER: LMA differs from IA-32e mode guest", G.efer &= ~(1ull << 10)) \
	X(guest_efer_lme, L, "guest EFER: LME differs from IA-32e mode guest with CR0.PG set", G.efer &= ~(1ull << 8)) \
	X(v8086_ar, S, "guest ES: access rights not 0xf3 in virtual-8086 mode", G.rflags |= 1ull << 17) \
	X(v8086_base, S, "guest DS: base not selector << 4 in virtual-8086 mode", V86_SEGMENTS; G.rflags |= 1ull << 17; SEG(DS).base = 0x10) \
	X(v8086_limit, S, "guest GS: limit not 0xffff in virtual-8086 mode", V86_SEGMENTS; G.rflags |= 1ull << 17; SEG(GS).limit = 0xfffff) \
	X(v8086_in_real_mode, S, "guest RFLAGS: VM set in IA-32e mode or with CR0.PE clear", V86_SEGMENTS; G.rflags |= 1ull << 17) \
	X(cs_base_high, L, "guest CS base: bits 63:32 set", SEG(CS).base = 1ull << 32) \
	X(cs_type3_without_ug, L, "guest CS access rights: data type 3 without unrestricted guest", NO_UG; SEG(CS).ar = (SEG(CS).ar & ~0xfu) | 3) \
	X(cs_type, L, "guest CS access rights: type 10 not accessed code", SEG(CS).ar = (SEG(CS).ar & ~0xfu) | 10) \
	X(cs_system, L, "guest CS access rights: S clear", SEG(CS).ar &= ~VMX_AR_S) \
	X(cs_not_present, L, "guest CS access rights: not present", SEG(CS).ar &= ~VMX_AR_P) \
	X(cs_reserved, L, "guest CS access rights: reserved bits set", SEG(CS).ar |= 1u << 8) \
	X(cs_granularity, L, "guest CS: limit does not fit the granularity bit", SEG(CS).ar &= ~VMX_AR_G) \
	X(ds_granularity_low, S, "guest DS: limit does not fit the granularity bit", SEG(DS).ar |= VMX_AR_G; SEG(DS).limit = 0x1000) \
	X(cs_type3_dpl, S, "guest CS access rights: DPL not 0 with type 3", SEG(CS).ar = 0x93 | 3u << 5) \
	X(cs_nonconforming_dpl, L, "guest CS access rights: non-conforming DPL differs from SS DPL", SEG(CS).ar |= 3u << 5) \
	X(cs_conforming_dpl, L, "guest CS access rights: conforming DPL above SS DPL", SEG(CS).ar = (SEG(CS).ar & ~0xfu) | 15 | 3u << 5) \
	X(cs_long_and_db, L, "guest CS access rights: L and D/B both set in IA-32e mode", SEG(CS).ar |= VMX_AR_DB) \
	X(ss_rpl, L, "guest SS selector: RPL differs from CS RPL", NO_UG; SEG(SS).selector |= 3) \
	X(ss_dpl_rpl, L, "guest SS access rights: DPL differs from its RPL", NO_UG; SEG(SS).ar |= 3u << 5; SEG(CS).ar |= 3u << 5) \
	X(ss_dpl_real_mode, S, "guest SS access rights: DPL not 0 in real mode or with CS type 3", SEG(CS).ar |= 3u << 5; SEG(SS).ar |= 3u << 5) \
	X(ss_base_high, L, "guest SS base: bits 63:32 set", SEG(SS).base = 1ull << 33) \
	X(ss_type, L, "guest SS access rights: type 1 not read/write accessed data", SEG(SS).ar = (SEG(SS).ar & ~0xfu) | 1) \
	X(ss_not_present, L, "guest SS access rights: not present", SEG(SS).ar &= ~VMX_AR_P) \
	X(fs_base, L, "guest FS base: not canonical", SEG(FS).base = 1ull << 47) \
	X(gs_base_unusable, L, "guest GS base: not canonical", SEG(GS).ar = VMX_AR_UNUSABLE; SEG(GS).base = 1ull << 60) \
	X(es_base_high, L, "guest ES base: bits 63:32 set", SEG(ES).base = 1ull << 32) \
	X(ds_not_accessed, L, "guest DS access rights: type 2 not accessed", SEG(DS).ar &= ~1u) \
	X(gs_unreadable_code, L, "guest GS access rights: unreadable code", SEG(GS).ar = (SEG(GS).ar & ~0xfu) | 9) \
	X(ds_dpl_below_rpl, L, "guest DS access rights: DPL below its RPL", NO_UG; SEG(DS).selector |= 3) \
	X(es_system, L, "guest ES access rights: S clear", SEG(ES).ar &= ~VMX_AR_S) \
	X(tr_base, L, "guest TR base: not canonical", SEG(TR).base = 1ull << 47) \
	X(tr_unusable, L, "guest TR: unusable", SEG(TR).ar |= VMX_AR_UNUSABLE) \
	X(tr_type, L, "guest TR access rights: type 9 not a busy TSS", SEG(TR).ar = (SEG(TR).ar & ~0xfu) | 9) \
	X(tr_16bit_in_ia32e, L, "guest TR access rights: type 3 not a busy TSS", SEG(TR).ar = (SEG(TR).ar & ~0xfu) | 3) \
	X(tr_ti, L, "guest TR selector: TI set", SEG(TR).selector = 4) \
	X(tr_s, L, "guest TR access rights: S set", SEG(TR).ar |= VMX_AR_S) \
	X(tr_not_present, S, "guest TR access rights: not present", SEG(TR).ar &= ~VMX_AR_P) \
	X(tr_reserved, L, "guest TR access rights: reserved bits set", SEG(TR).ar |= 1u << 20) \
	X(tr_granularity, L, "guest TR: limit does not fit the granularity bit", SEG(TR).limit = 0x100000) \
	X(ldtr_base, L, "guest LDTR base: not canonical", SEG(LDTR).base = 1ull << 50) \
	X(ldtr_type, L, "guest LDTR access rights: type 3 not an LDT", SEG(LDTR).ar = (SEG(LDTR).ar & ~0xfu) | 3) \
	X(ldtr_ti, S, "guest LDTR selector: TI set", SEG(LDTR).selector = 0x0c) \
	X(gdtr_base, L, "guest GDTR base: not canonical", G.gdtr_base = 1ull << 47) \
	X(idtr_base, L, "guest IDTR base: not canonical", G.idtr_base = 1ull << 62) \
	X(gdtr_limit, L, "guest GDTR limit: above 0xffff", G.gdtr_limit = 0x10000) \
	X(idtr_limit, S, "guest IDTR limit: above 0xffff", G.idtr_limit = 0x20000) \
	X(rip_high, S, "guest RIP: bits 63:32 set outside 64-bit mode", G.rip = 1ull << 32) \
	X(rip_compat, L, "guest RIP: bits 63:32 set outside 64-bit mode", SEG(CS).ar = (SEG(CS).ar & ~VMX_AR_L) | VMX_AR_DB; G.rip = 1ull << 40) \
	X(rip_canonical, L, "guest RIP: not canonical", G.rip = 1ull << 47) \
	X(rflags_reserved, L, "guest RFLAGS: reserved bits set", G.rflags |= 1ull << 3) \
	X(rflags_fixed, L, "guest RFLAGS: bit 1 clear", G.rflags = 0) \
	X(rflags_vm_in_ia32e, L, "guest RFLAGS: VM set in IA-32e mode", V86_SEGMENTS; G.rflags |= 1ull << 17) \
	X(rflags_if_ext_int, L, "guest RFLAGS: IF clear while injecting an external interrupt", i->ctl.entry_intr_info = INFO(0, 0x30)) \
	X(activity_unsupported, L, "guest activity state: 4 unsupported", G.activity = 4) \
	X(activity_hlt_unsupported, L, "guest activity state: 1 unsupported", c->misc &= ~VMX_MISC_ACTIVITY_HLT; G.activity = 1) \
	X(activity_hlt_dpl, L, "guest activity state: HLT with SS DPL not 0", SEG(CS).ar |= 3u << 5; SEG(SS).ar |= 3u << 5; G.activity = 1) \
	X(activity_blocking, L, "guest activity state: not active with STI or MOV-SS blocking", G.activity = 1; G.interruptibility = 2) \
	X(activity_hlt_event, L, "guest activity state: HLT while injecting that event", G.activity = 1; i->ctl.entry_intr_info = INFO(3, 14) | DELIVER) \
	X(activity_shutdown_event, L, "guest activity state: shutdown while injecting that event", G.activity = 2; G.rflags |= 1u << 9; i->ctl.entry_intr_info = INFO(0, 0x30)) \
	X(activity_sipi_event, S, "guest activity state: wait-for-SIPI while injecting an event", G.activity = 3; i->ctl.entry_intr_info = INFO(2, 2)) \
	X(interruptibility_reserved, L, "guest interruptibility state: reserved bits set", G.interruptibility = 1u << 5) \
	X(interruptibility_both, L, "guest interruptibility state: STI and MOV-SS blocking together", G.rflags |= 1u << 9; G.interruptibility = 3) \
	X(interruptibility_sti_if, L, "guest interruptibility state: STI blocking with RFLAGS.IF clear", G.interruptibility = 1) \
	X(interruptibility_ext_int, L, "guest interruptibility state: blocking while injecting an external interrupt", G.rflags |= 1u << 9; G.interruptibility = 1; i->ctl.entry_intr_info = INFO(0, 0x30)) \
	X(interruptibility_nmi, L, "guest interruptibility state: MOV-SS blocking while injecting an NMI", G.interruptibility = 2; i->ctl.entry_intr_info = INFO(2, 2)) \
	X(interruptibility_virtual_nmi, L, "guest interruptibility state: NMI blocking while injecting a virtual NMI", i->ctl.pin |= VMX_PIN_VIRTUAL_NMIS; G.interruptibility = 8; i->ctl.entry_intr_info = INFO(2, 2)) \
	X(interruptibility_smi, L, "guest interruptibility state: SMI blocking outside SMM", G.interruptibility = 4) \
	X(pending_dbg_reserved, L, "guest pending debug exceptions: reserved bits set", G.pending_dbg = 1u << 4) \
	X(pending_dbg_bs_missing, L, "guest pending debug exceptions: BS clear with a single step pending", G.rflags |= 1u << 8; G.interruptibility = 2) \
	X(pending_dbg_bs_extra, S, "guest pending debug exceptions: BS set without single-stepping", G.activity = 1; G.pending_dbg = 1u << 14) \
	X(link_pointer, L, "guest VMCS link pointer: not ~0", G.link_pointer = 0)

#define DEFINE_BREAK(name, kind, expect, ...) \
	static void break_##name(struct vmcs_image *i, struct vmx_caps *c) \
	{ (void)i; (void)c; __VA_ARGS__; }
BROKEN(DEFINE_BREAK)

struct broken {
	const char *name;
	enum vmcs_entry_kind kind;
	const char *expect;
	void (*apply)(struct vmcs_image *i, struct vmx_caps *c);
};

#define LIST_BREAK(name, kind, expect, ...) { #name, kind, expect, break_##name },
static const struct broken broken[] = { BROKEN(LIST_BREAK) };

static void test_broken(void **state)
{
	(void)state;
	unsigned failures = 0;

	for (size_t n = 0; n < COUNT(broken); n++) {
		struct vmx_caps c = bochs_skylake_x;
		struct vmcs_image img;
		char why[160] = "";

		build_ok(&c, broken[n].kind == VMCS_ENTRY_LONG_MODE ? LONG_MODE : STARTUP, &img);
		broken[n].apply(&img, &c);
		int err = vmcs_check(&c, &img, why, sizeof(why));
		if (err != -EINVAL || !strstr(why, broken[n].expect)) {
			print_message("%s: %d \"%s\", expected \"%s\"\n", broken[n].name, err, why,
				      broken[n].expect);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* A failure's message is cut to the buffer, never past it. */
static void test_short_buffer(void **state)
{
	(void)state;
	struct vmcs_image img;
	char why[8];

	build_ok(&bochs_skylake_x, LONG_MODE, &img);
	img.guest.cr0 |= 1ull << 31;
	img.guest.cr0 &= ~1ull;
	assert_int_equal(vmcs_check(&bochs_skylake_x, &img, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "guest C");
}

/* IA32_FEATURE_CONTROL: Bochs's (locked, VMX on), firmware that left it
 * unlocked, and firmware that locked VMX off, with and without SMX's bit. */
static void test_feature_control(void **state)
{
	(void)state;
	assert_int_equal(vmx_feature_control_state(0x5), VMX_FC_READY);
	assert_int_equal(vmx_feature_control_state(0xff07), VMX_FC_READY);
	assert_int_equal(vmx_feature_control_state(0x0), VMX_FC_ENABLE_AND_LOCK);
	assert_int_equal(vmx_feature_control_state(0x4), VMX_FC_ENABLE_AND_LOCK);
	assert_int_equal(vmx_feature_control_state(0x1), VMX_FC_LOCKED_OFF);
	assert_int_equal(vmx_feature_control_state(0x3), VMX_FC_LOCKED_OFF); /* inside SMX only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adjust_control),
		cmocka_unit_test(test_caps_load),
		cmocka_unit_test(test_decoded),
		cmocka_unit_test(test_every_state_on_every_cpu),
		cmocka_unit_test(test_without_true_controls),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_long_mode_state),
		cmocka_unit_test(test_startup_state),
		cmocka_unit_test(test_valid_variations),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_feature_control),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
