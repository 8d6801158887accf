/* The VT-x vCPU backend (Intel SDM Vol. 3C, chapters 24-31): a VMCS per
 * vCPU built as a software image (vmcs_image.h says which controls and
 * why) and checked (vmcs_check.c) before it is written, EPT from the
 * nested table hv builds, the guest's tag as VPID, every port and MSR
 * trapped but for what vmx_exit_decode.c lets through. Exits come out
 * as struct vcpu_exit exactly as svm.c gives them (vmx_exit.c).
 *
 * Differences from SVM the guest layer does not see:
 * - no GIF: between runs the host holds interrupts with RFLAGS.IF = 0 (a
 *   VM exit loads RFLAGS = 2); external interrupts do not exit and reach
 *   the guest's IDT once it runs. An NMI that lands between runs is taken
 *   by hv's own handler, not held for the next entry, so that handler
 *   zeroes the VMX-preemption timer (kick_next_entry): a kick sent after
 *   the loop looked at the guest's state and before the entry makes the
 *   entry exit at once, and the loop looks again. The timer otherwise
 *   counts VMX_PREEMPTION_IDLE ticks from each entry: at most one exit
 *   per 2^(32 + rate) TSC cycles of a guest that never exits (about 46 s
 *   at rate 5 and 3 GHz), no periodic ones. Without the timer
 *   (every CPU with unrestricted guest hv has met has it) such a kick
 *   waits for the guest's next exit.
 * - CR0.NE and CR4.VMXE are fixed to 1 in VMX operation: the guest sees
 *   its own value through the read shadows, and a write that changes
 *   them exits (control-register access), emulated in vmx_exit.c.
 * - XSETBV always exits: emulated for the XCR0 values the CPU allows.
 * - CR2 and DR6 are not in the VMCS: they are the physical registers,
 *   which hv leaves alone while a guest owns the CPU.
 * - the MSRs passed through are svm.c's (vmx_exit_decode.c), but VMX
 *   does not switch the syscall ones (STAR, LSTAR, CSTAR, SFMASK,
 *   KERNEL_GS_BASE) nor TSC_AUX: the guest's values stay in the CPU,
 *   which hv does not use them on. */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/percpu.h"
#include "arch/x86/sizes.h"
#include "arch/x86/vcpu_backend.h"
#include "arch/x86/vmx/vmcs_check.h"
#include "arch/x86/vmx/vmcs_image.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/vmx/vmx_exit_decode.h"
#include "arch/x86/vmx/vmx_names.h"
#include "arch/x86/vmx/vmx_ops.h"
#include "arch/x86/vmx/vmx_vcpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MSR_IA32_FEATURE_CONTROL 0x3au
#define MSR_FS_BASE              0xc0000100u
#define MSR_GS_BASE              0xc0000101u
#define CPUID_1_ECX_VMX          (1u << 5)
struct vmx_cpu {
	uint64_t vmxon_pa;
	bool on;
	const struct vmx_vcpu *current; /* the VMCS VMPTRLD made current */
};

struct vmx_caps vmx_host_caps;
static uint64_t io_bitmap_pa, msr_bitmap_pa; /* shared; allow_ports copies */
static struct vmx_cpu cpu_state[256];
static unsigned cpus_on;

extern int vmx_enter(uint64_t *gpr, int launched);
extern char vmx_exit_entry[];

static void *va(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

static uint64_t read_msr_cb(uint32_t msr, void *ctx)
{
	(void)ctx;
	return rdmsr(msr);
}

static bool cpu_is_intel(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	/* "GenuineIntel" in EBX, EDX, ECX. */
	return r.ebx == 0x756e6547u && r.edx == 0x49656e69u && r.ecx == 0x6c65746eu;
}

bool vmx_available(void)
{
	return cpu_is_intel() && (cpuid(1, 0).ecx & CPUID_1_ECX_VMX);
}

/* EPT as pt.c walks it: an entry is present with any of R/W/X; tables
 * grant all three, leaves read and execute, write where asked, with the
 * memory type asked: write-back for RAM (the guest's PAT refines it),
 * uncached for device memory (EPT's type replaces the MTRRs'). Large
 * leaves where EPT_VPID_CAP allows them (vmx_global_init). */
static struct pt_format ept_format = {
	.levels = 4,
	.present = EPT_R | EPT_W | EPT_X,
	.table_flags = EPT_R | EPT_W | EPT_X,
	.leaf_flags_allowed = EPT_W | EPT_MEMTYPE_MASK,
	.leaf_always = EPT_R | EPT_X,
	.large_leaf = EPT_LARGE,
	.large_levels = 0,
	.addr_mask = PTE_ADDR_MASK,
};

/* VMXON faults unless IA32_FEATURE_CONTROL is locked with VMX outside SMX
 * on: unlocked, hv sets and locks it (vmx_feature_control_state()). */
static int feature_control_ready(unsigned cpu)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	switch (vmx_feature_control_state(fc)) {
	case VMX_FC_READY:
		return 0;
	case VMX_FC_ENABLE_AND_LOCK:
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | VMX_FC_VMX_OUTSIDE_SMX | VMX_FC_LOCK);
		return 0;
	default:
		log_err("vmx: CPU %u: VMX disabled by firmware (IA32_FEATURE_CONTROL %#llx locked "
			"without VMX outside SMX)\n", cpu, (unsigned long long)fc);
		return -ENODEV;
	}
}

static const char *yes(bool b, const char *what)
{
	return b ? what : "";
}

static int global_init_once(void);

/* Where VMX_BASIC lets the VMCS, VMXON region and bitmaps be. */
static uint64_t bitmap_limit(void)
{
	return vmx_caps_struct_addr_bits(&vmx_host_caps) < 64 ?
	       1ull << vmx_caps_struct_addr_bits(&vmx_host_caps) : ~0ull;
}

/* vcpu.c asks again while no backend is chosen: the answer (and its
 * message) once. */
static int vmx_global_init(void)
{
	static int result = 1;

	if (result == 1)
		result = global_init_once();
	return result;
}

static int global_init_once(void)
{
	unsigned addr = cpuid(0x80000000u, 0).eax >= 0x80000008u ?
			cpuid(0x80000008u, 0).eax : 0x3024;

	if (feature_control_ready(this_cpu_index()))
		return -ENODEV;
	vmx_caps_load(&vmx_host_caps, read_msr_cb, NULL, addr & 0xff, (addr >> 8) & 0xff);
	if (!vmx_caps_ept(&vmx_host_caps) || !vmx_caps_vpid(&vmx_host_caps) || !vmx_caps_unrestricted_guest(&vmx_host_caps)) {
		log_err("vmx: the CPU lacks %s%s%s: no VT-x backend\n",
			yes(!vmx_caps_ept(&vmx_host_caps), "EPT "), yes(!vmx_caps_vpid(&vmx_host_caps), "VPID "),
			yes(!vmx_caps_unrestricted_guest(&vmx_host_caps), "unrestricted-guest"));
		return -ENODEV;
	}
	if (vmx_caps_ept_2m(&vmx_host_caps))
		ept_format.large_levels |= 1u << 1;
	if (vmx_caps_ept_2m(&vmx_host_caps) && vmx_caps_ept_1g(&vmx_host_caps))
		ept_format.large_levels |= 1u << 2;
	/* The bitmaps below 4 GiB where VMX_BASIC says they must be. */
	uint64_t io = page_alloc_zeroed_range(2, 1, 0, bitmap_limit());
	uint64_t msr = page_alloc_zeroed_range(1, 1, 0, bitmap_limit());
	if (!io || !msr)
		return -ENOMEM;
	memset(va(io), 0xff, VMX_IO_BITMAP_BYTES);
	vmx_msr_bitmap_build(va(msr));
	io_bitmap_pa = io;
	msr_bitmap_pa = msr;
	log_info("vmx: EPT%s%s, VPID, unrestricted guest (VMCS revision %#x)\n",
		 vmx_caps_ept_2m(&vmx_host_caps) ? " 2M" : "",
		 vmx_caps_ept_2m(&vmx_host_caps) && vmx_caps_ept_1g(&vmx_host_caps) ? "/1G" : "",
		 vmx_caps_revision(&vmx_host_caps));
	return 0;
}

static uint64_t alloc_region(void)
{
	uint64_t pa = page_alloc_zeroed_range(1, 1, 0, bitmap_limit());
	if (pa)
		*(uint32_t *)va(pa) = vmx_caps_revision(&vmx_host_caps);
	return pa;
}

uint32_t vmx_insn_error(void)
{
	return vmread32(VMCS_INSN_ERROR);
}

/* The accessors' failures (vmx_ops.h), in words; the first few only, so
 * that a broken VMCS cannot flood the console from a loop. */
void vmx_access_failed(const char *insn, uint16_t enc, enum vmx_status st)
{
	static unsigned reported;

	if (__atomic_fetch_add(&reported, 1, __ATOMIC_RELAXED) >= 16)
		return;
	if (st == VMX_FAIL_VALID) {
		/* A VMREAD of the error field itself cannot fail validly. */
		uint64_t err = 0;
		__asm__ volatile("vmread %1, %0" : "+rm"(err) : "r"((uint64_t)VMCS_INSN_ERROR.enc)
				 : "cc");
		log_err("vmx: CPU %u: %s of field %#x failed: VM-instruction error %llu (%s)\n",
			this_cpu_index(), insn, enc, (unsigned long long)err,
			vmx_insn_error_name((uint32_t)err));
	} else {
		log_err("vmx: CPU %u: %s of field %#x failed (VMfailInvalid: no current VMCS)\n",
			this_cpu_index(), insn, enc);
	}
}


/* A failed VMX instruction, in words: VMfailValid has its error number. */
static void log_failure(const char *what, unsigned cpu, enum vmx_status st)
{
	if (st == VMX_FAIL_VALID) {
		uint32_t err = vmx_insn_error();
		log_err("vmx: CPU %u: %s failed: VM-instruction error %u (%s)\n", cpu, what, err,
			vmx_insn_error_name(err));
	} else {
		log_err("vmx: CPU %u: %s failed (VMfailInvalid)\n", cpu, what);
	}
}

static void check_invalidation(const char *insn, enum vmx_status st)
{
	if (st != VMX_OK)
		log_failure(insn, this_cpu_index(), st);
}


/* this_cpu()->host_nmi: the next entry of the vCPU whose VMCS is current
 * here exits before the guest's first instruction (26.7.4), so that a
 * kick taken in hv between the loop's look and the entry is not lost.
 * The exit puts the idle value back (vmx_exit.c). */
static void kick_next_entry(void)
{
	const struct vmx_vcpu *s = __atomic_load_n(&cpu_state[this_cpu_index()].current,
						   __ATOMIC_RELAXED);

	if (s && (s->img.ctl.pin & VMX_PIN_PREEMPTION_TIMER))
		(void)vmx_write_quiet(VMCS_PREEMPTION_TIMER.enc, 0);
}

static int vmx_cpu_init(unsigned cpu)
{
	if (cpu >= ARRAY_SIZE(cpu_state) || !io_bitmap_pa)
		return -EINVAL;
	struct vmx_cpu *c = &cpu_state[cpu];
	if (c->on)
		return 0;
	int err = feature_control_ready(cpu);
	if (err)
		return err;
	if (!c->vmxon_pa && !(c->vmxon_pa = alloc_region()))
		return -ENOMEM;
	write_cr0(vmx_fixed(read_cr0(), vmx_host_caps.cr0_fixed0, vmx_host_caps.cr0_fixed1));
	write_cr4(vmx_fixed(read_cr4() | CR4_VMXE, vmx_host_caps.cr4_fixed0, vmx_host_caps.cr4_fixed1));
	enum vmx_status st = vmx_on(c->vmxon_pa);
	if (st != VMX_OK) {
		log_failure("VMXON", cpu, st);
		return -EIO;
	}
	c->on = true;
	this_cpu()->host_nmi = kick_next_entry;
	unsigned n = __atomic_add_fetch(&cpus_on, 1, __ATOMIC_RELAXED);
	log_info("vmx: VMXON on CPU %u (%u so far)\n", cpu, n);
	return 0;
}

/* ---- the VMCS ------------------------------------------------------------ */

struct write_ctx {
	uint16_t failed_enc;
	enum vmx_status st;
};

static void note(struct write_ctx *c, uint16_t enc, enum vmx_status st)
{
	if (st != VMX_OK && c->st == VMX_OK) {
		c->st = st;
		c->failed_enc = enc;
	}
}

static void w16(void *ctx, struct vmcs_field16 f, uint16_t v)
{
	note(ctx, f.enc, vmwrite16(f, v));
}

static void w32(void *ctx, struct vmcs_field32 f, uint32_t v)
{
	note(ctx, f.enc, vmwrite32(f, v));
}

static void w64(void *ctx, struct vmcs_field64 f, uint64_t v)
{
	note(ctx, f.enc, vmwrite64(f, v));
}

static void wnat(void *ctx, struct vmcs_field_natural f, uint64_t v)
{
	note(ctx, f.enc, vmwrite_nat(f, v));
}

/* Writes `parts` of the image into the current VMCS; -EIO naming the
 * first field the CPU refused. */
static int write_image(const struct vmx_vcpu *s, unsigned parts)
{
	struct write_ctx ctx = { 0, VMX_OK };
	const struct vmcs_writer w = { &ctx, w16, w32, w64, wnat };

	vmcs_image_write(&s->img, parts, &w);
	if (ctx.st == VMX_OK)
		return 0;
	if (ctx.st == VMX_FAIL_VALID) {
		uint32_t err = vmx_insn_error();
		log_err("vmx: VMWRITE of field %#x failed: VM-instruction error %u (%s)\n",
			ctx.failed_enc, err, vmx_insn_error_name(err));
	} else {
		log_err("vmx: VMWRITE of field %#x failed (VMfailInvalid)\n", ctx.failed_enc);
	}
	return -EIO;
}

static uint16_t selector(uint16_t sel)
{
	return sel & 0xfff8u; /* the host's selectors need RPL = TI = 0 */
}

/* The state a VM exit loads: this CPU's, as hv runs on it. */
static void host_state(struct vmcs_host_state *h)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr, idtr;
	uint16_t ds, es, fs, gs, ss;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	__asm__ volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3; mov %%ss, %4"
			 : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs), "=r"(ss));
	*h = (struct vmcs_host_state){
		.cr0 = read_cr0(), .cr3 = read_cr3(), .cr4 = read_cr4(),
		.cs = GDT_SEL_CODE64, .ss = selector(ss), .ds = selector(ds), .es = selector(es),
		.fs = selector(fs), .gs = selector(gs), .tr = GDT_SEL_TSS,
		.fs_base = rdmsr(MSR_FS_BASE), .gs_base = rdmsr(MSR_GS_BASE),
		.tr_base = (uint64_t)(uintptr_t)&this_cpu()->tss,
		.gdtr_base = gdtr.base, .idtr_base = idtr.base,
		.efer = rdmsr(MSR_IA32_EFER), .pat = rdmsr(MSR_IA32_PAT),
		.rip = (uint64_t)(uintptr_t)vmx_exit_entry,
		.rsp = 0, /* vmx_enter() writes it at every entry */
	};
}

/* Makes the vCPU's VMCS current on this CPU. */
int vmx_make_current(struct vmx_vcpu *s)
{
	struct vmx_cpu *c = &cpu_state[s->cpu];

	if (c->current == s)
		return 0;
	enum vmx_status st = vmx_ptrld(s->vmcs_pa);
	if (st != VMX_OK) {
		log_failure("VMPTRLD", s->cpu, st);
		return -EIO;
	}
	__atomic_store_n(&c->current, s, __ATOMIC_RELAXED); /* after VMPTRLD: kick_next_entry */
	return 0;
}

/* Checks the image as the CPU will (vmcs_check.c), naming what fails. */
static int check_image(const struct vmx_vcpu *s, const char *when)
{
	char why[160];

	if (vmcs_check(&vmx_host_caps, &s->img, why, sizeof(why)) == 0)
		return 0;
	log_err("vmx: vCPU on CPU %u refused at %s: %s\n", s->cpu, when, why);
	return -EINVAL;
}

/* The vCPU's backend state: the one it had (a guest's restart makes its
 * vCPUs again, each on its own CPU), or a new one. */
static struct vmx_vcpu *vcpu_slot(struct vcpu *v, unsigned cpu)
{
	static struct vmx_vcpu pool[64];
	static unsigned used;
	struct vmx_vcpu *s = v->hw;

	if (s && s->cpu == cpu) {
		s->launched = s->refused = false;
		return s;
	}
	unsigned slot = __atomic_fetch_add(&used, 1, __ATOMIC_RELAXED);
	if (slot >= ARRAY_SIZE(pool))
		return NULL;
	s = &pool[slot];
	s->cpu = cpu;
	if (!(s->vmcs_pa = alloc_region()))
		return NULL;
	v->hw = s;
	return s;
}

static int vmx_create(struct vcpu *v, uint64_t npt_root, unsigned tag)
{
	unsigned cpu = this_cpu_index();
	char why[160];

	if (tag == 0 || tag > 0xffff || cpu >= ARRAY_SIZE(cpu_state) || !cpu_state[cpu].on)
		return -EINVAL;
	struct vmx_vcpu *s = vcpu_slot(v, cpu);
	if (!s)
		return -ENOMEM;

	const struct vmcs_vcpu_params params = {
		.ept_root = npt_root, .io_bitmap_a = io_bitmap_pa,
		.io_bitmap_b = io_bitmap_pa + PAGE_SIZE, .msr_bitmap = msr_bitmap_pa,
		.vpid = (uint16_t)tag,
	};
	struct vmcs_host_state host;
	host_state(&host);
	/* Any entry state, for now: a reset builds the guest's again. */
	const struct vmcs_entry startup = { .kind = VMCS_ENTRY_STARTUP };
	int err = vmcs_build(&vmx_host_caps, &startup, &params, &host, &s->img, why, sizeof(why));
	if (err) {
		log_err("vmx: vCPU on CPU %u refused: %s\n", cpu, why);
		return err;
	}
	/* A kick that lands between the loop's look at the guest and the
	 * entry is taken by hv's NMI handler (no GIF), which zeroes the
	 * preemption timer: see the top of this file. */
	if (vmx_caps_preemption_timer(&vmx_host_caps))
		s->img.ctl.pin |= VMX_PIN_PREEMPTION_TIMER;
	if ((err = check_image(s, "creation")))
		return err;
	/* VMCLEAR leaves no VMCS current; the next VMPTRLD makes this one. */
	__atomic_store_n(&cpu_state[cpu].current, NULL, __ATOMIC_RELAXED);
	enum vmx_status st = vmx_clear(s->vmcs_pa);
	if (st != VMX_OK) {
		log_failure("VMCLEAR", cpu, st);
		return -EIO;
	}
	if ((err = vmx_make_current(s)) || (err = write_image(s, VMCS_PART_ALL)))
		return err;
	if ((s->img.ctl.pin & VMX_PIN_PREEMPTION_TIMER) &&
	    vmwrite32(VMCS_PREEMPTION_TIMER, VMX_PREEMPTION_IDLE) != VMX_OK)
		return -EIO;
	/* Translations cached for this EPT root or VPID before (a guest
	 * built again in the same tables) are stale. */
	if (vmx_caps_invept_single(&vmx_host_caps))
		check_invalidation("INVEPT", vmx_invept(VMX_INV_SINGLE, s->img.ctl.eptp));
	else if (vmx_caps_invept_all(&vmx_host_caps))
		check_invalidation("INVEPT", vmx_invept(VMX_INV_ALL, 0));
	return 0;
}

/* A reset starts with an empty TLB for the guest's VPID, as svm.c flushes
 * its ASID. */
void vmx_flush_vpid(const struct vmx_vcpu *s)
{
	if (vmx_caps_invvpid_single(&vmx_host_caps))
		check_invalidation("INVVPID", vmx_invvpid(VMX_INV_SINGLE, s->img.ctl.vpid));
	else if (vmx_caps_invvpid_all(&vmx_host_caps))
		check_invalidation("INVVPID", vmx_invvpid(VMX_INV_ALL, 0));
}

static void reset_to(struct vcpu *v, const struct vmcs_entry *entry)
{
	struct vmx_vcpu *s = vmx_hw(v);

	vmcs_build_guest(entry, &s->img.ctl, &s->img.guest);
	s->refused = check_image(s, "reset") != 0 || vmx_make_current(s) != 0 ||
		     write_image(s, VMCS_PART_CONTROLS | VMCS_PART_GUEST) != 0;
	vmx_flush_vpid(s);
}

static void vmx_reset_long_mode(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base,
				uint16_t gdt_limit, uint16_t code_sel, uint16_t data_sel)
{
	const struct vmcs_entry e = {
		.kind = VMCS_ENTRY_LONG_MODE, .rip = rip, .cr3 = cr3, .gdt_base = gdt_base,
		.gdt_limit = gdt_limit, .code_sel = code_sel, .data_sel = data_sel,
	};
	reset_to(v, &e);
}

static void vmx_reset_startup(struct vcpu *v, uint8_t vector)
{
	const struct vmcs_entry e = { .kind = VMCS_ENTRY_STARTUP, .vector = vector };
	reset_to(v, &e);
}

/* Points the VMCS `field` (*now) at the vCPU's own copy of the shared
 * bitmap of `pages` where it is still at the shared one (*own kept for
 * the vCPU made again): 1 when it did, 0 when it was the vCPU's already,
 * -ENOMEM, -EIO. */
static int own_bitmap(struct vmx_vcpu *s, uint64_t *now, uint64_t shared, uint64_t *own,
		      unsigned pages, struct vmcs_field64 field)
{
	if (*now != shared)
		return 0;
	if (!*own && !(*own = page_alloc_zeroed_range(pages, 1, 0, bitmap_limit())))
		return -ENOMEM;
	memcpy(va(*own), va(shared), pages * PAGE_SIZE);
	if (vmx_make_current(s) || vmwrite64(field, *own) != VMX_OK)
		return -EIO;
	*now = *own;
	return 1;
}

/* I/O bitmaps A and B (24.6.4): one page each, adjacent, so one map. */
static int vmx_allow_ports(struct vcpu *v, uint16_t first, unsigned count)
{
	struct vmx_vcpu *s = vmx_hw(v);

	if (!count || first + count > 0x10000u)
		return -EINVAL;
	int made = own_bitmap(s, &s->img.ctl.io_bitmap_a, io_bitmap_pa, &s->own_io_pa, 2,
			      VMCS_IO_BITMAP_A);
	if (made < 0)
		return made;
	if (made) {
		s->img.ctl.io_bitmap_b = s->img.ctl.io_bitmap_a + PAGE_SIZE;
		if (vmwrite64(VMCS_IO_BITMAP_B, s->img.ctl.io_bitmap_b) != VMX_OK)
			return -EIO;
	}
	vmx_io_bitmap_allow(va(s->img.ctl.io_bitmap_a), first, count);
	return 0;
}

static int vmx_set_msr_exits(struct vcpu *v, uint32_t first, unsigned count, bool reads,
			     bool writes)
{
	struct vmx_vcpu *s = vmx_hw(v);

	if (!vmx_msr_bitmap_covers(first, count))
		return -EINVAL;
	int made = own_bitmap(s, &s->img.ctl.msr_bitmap, msr_bitmap_pa, &s->own_msr_pa, 1,
			      VMCS_MSR_BITMAP);
	if (made < 0)
		return made;
	for (unsigned i = 0; i < count; i++)
		vmx_msr_bitmap_set(va(s->img.ctl.msr_bitmap), first + i, reads, writes);
	return 0;
}

/* No GIF on VMX: RFLAGS.IF = 0 holds interrupts; NMIs are taken by hv. */
static void vmx_hold_interrupts(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static void vmx_release_interrupts(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static void vmx_get_state(const struct vcpu *v, struct vcpu_state *st)
{
	const struct vmx_vcpu *s = vmx_hw(v);
	static const struct vmcs_field_natural bases[6] = {
		VMCS_GUEST_ES_BASE, VMCS_GUEST_CS_BASE, VMCS_GUEST_SS_BASE,
		VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE,
	};

	st->cr0 = vmx_guest_view(vmread_nat(VMCS_GUEST_CR0), s->img.ctl.cr0_mask, s->img.ctl.cr0_shadow);
	st->cr3 = vmread_nat(VMCS_GUEST_CR3);
	st->cr4 = vmx_guest_view(vmread_nat(VMCS_GUEST_CR4), s->img.ctl.cr4_mask, s->img.ctl.cr4_shadow);
	st->efer = vmread64(VMCS_GUEST_EFER);
	for (unsigned i = 0; i < 6; i++)
		st->seg_base[i] = vmread_nat(bases[i]);
	st->cs_base = st->seg_base[1];
	uint32_t cs_ar = vmread32(VMCS_GUEST_CS_AR);
	st->cs_long = (cs_ar & VMX_AR_L) != 0;
	st->cs_db = (cs_ar & VMX_AR_DB) != 0;
	/* CPL is SS.DPL (24.4.1). */
	st->cpl = VMX_AR_DPL(vmread32(VMCS_GUEST_SS_AR));
}

static uint64_t vmx_get_efer(const struct vcpu *v)
{
	(void)v;
	return vmread64(VMCS_GUEST_EFER);
}

static int vmx_set_efer(struct vcpu *v, uint64_t efer)
{
	/* SCE, LME, LMA (kept by the CPU), NXE. */
	const uint64_t allowed = 1ull << 0 | EFER_LME | EFER_LMA | EFER_NXE;
	(void)v;

	if (efer & ~allowed)
		return -EINVAL;
	uint64_t now = vmread64(VMCS_GUEST_EFER);
	vmwrite64(VMCS_GUEST_EFER, (efer & ~EFER_LMA) | (now & EFER_LMA));
	return 0;
}

static uint64_t vmx_get_pat(const struct vcpu *v)
{
	(void)v;
	return vmread64(VMCS_GUEST_PAT);
}

static void vmx_set_pat(struct vcpu *v, uint64_t pat)
{
	(void)v;
	vmwrite64(VMCS_GUEST_PAT, pat);
}

static void vmx_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
				 uint32_t error_code)
{
	struct vmx_vcpu *s = vmx_hw(v);
	uint64_t cr0 = vmx_guest_view(vmread_nat(VMCS_GUEST_CR0), s->img.ctl.cr0_mask,
				  s->img.ctl.cr0_shadow);

	/* Real mode pushes no error code: an entry that delivers one there
	 * fails (26.2.1.3). */
	if (!(cr0 & CR0_PE))
		has_error = false;
	vmx_inject(INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION << 8 |
		  (has_error ? INTR_INFO_ERROR_VALID : 0) | vector, error_code);
	/* Entering a #DB handler clears DR7.GD (as svm.c does it). */
	if (vector == VEC_DB)
		vmwrite_nat(VMCS_GUEST_DR7, vmread_nat(VMCS_GUEST_DR7) & ~DR7_GD);
}

/* CR2 is not in the VMCS: the guest's is the CPU's own. */
static void vmx_set_cr2(struct vcpu *v, uint64_t cr2)
{
	(void)v;
	write_cr2(cr2);
}

static const struct pt_format *vmx_npt_format(void)
{
	return &ept_format;
}

static uint64_t vmx_npt_ram_flags(void)
{
	return EPT_W | EPT_MEMTYPE_WB;
}

static uint64_t vmx_npt_rom_flags(void)
{
	return EPT_MEMTYPE_WB;
}

static uint64_t vmx_npt_mmio_flags(void)
{
	return EPT_W | EPT_MEMTYPE_UC;
}

const struct vcpu_backend vmx_backend = {
	.name = "vmx",
	.available = vmx_available,
	.global_init = vmx_global_init,
	.cpu_init = vmx_cpu_init,
	.create = vmx_create,
	.reset_long_mode = vmx_reset_long_mode,
	.reset_startup = vmx_reset_startup,
	.run = vmx_run_vcpu,
	.hold_interrupts = vmx_hold_interrupts,
	.release_interrupts = vmx_release_interrupts,
	.get_state = vmx_get_state,
	.get_efer = vmx_get_efer,
	.set_efer = vmx_set_efer,
	.get_pat = vmx_get_pat,
	.set_pat = vmx_set_pat,
	.inject_exception = vmx_inject_exception,
	.set_cr2 = vmx_set_cr2,
	.npt_format = vmx_npt_format,
	.npt_ram_flags = vmx_npt_ram_flags,
	.npt_rom_flags = vmx_npt_rom_flags,
	.npt_mmio_flags = vmx_npt_mmio_flags,
	.allow_ports = vmx_allow_ports,
	.set_msr_exits = vmx_set_msr_exits,
	.hypercall_len = VCPU_OPCODE_VMCALL_LEN,
};
