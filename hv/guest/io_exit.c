/* A vCPU's life on its dedicated CPU: wait to be started, then run the
 * guest and handle its exits until the guest stops. Exits are handled with
 * interrupts held off (vcpu_hold_interrupts): the CPU's interrupts are the
 * guest's (DESIGN.md decision 1). */
#include "hv/guest/partition.h"
#include "hv/guest/vlapic.h"
#include "hv/guest/vuart.h"
#include "arch/x86/cpu.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/insn_decode.h"
#include "arch/x86/lapic.h"
#include "arch/x86/smp.h"
#include "arch/x86/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MSR_APIC_BASE 0x0000001bu
#define MSR_MTRR_CAP  0x000000feu
#define MSR_PAT       0x00000277u
#define MSR_EFER      0xc0000080u
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_BSP    (1ull << 8)
#define VEC_UD 6
#define VEC_GP 13
#define CPUID_LEN 2
#define INVD_LEN 2
#define RDMSR_LEN 2
#define HC_UNKNOWN ((uint64_t)-38) /* -ENOSYS */

static void log_regs(const struct guest_vcpu *gv)
{
	const struct vcpu_regs *r = &gv->vcpu.regs;
	struct vcpu_state s;

	vcpu_get_state(&gv->vcpu, &s);
	log_raw("  %s vCPU %u: rip %016llx rsp %016llx rflags %016llx\n", gv->guest->name,
		gv->index, (unsigned long long)r->rip, (unsigned long long)r->gpr[GPR_RSP],
		(unsigned long long)r->rflags);
	log_raw("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
		(unsigned long long)r->gpr[GPR_RAX], (unsigned long long)r->gpr[GPR_RBX],
		(unsigned long long)r->gpr[GPR_RCX], (unsigned long long)r->gpr[GPR_RDX]);
	log_raw("  rsi %016llx rdi %016llx rbp %016llx\n", (unsigned long long)r->gpr[GPR_RSI],
		(unsigned long long)r->gpr[GPR_RDI], (unsigned long long)r->gpr[GPR_RBP]);
	log_raw("  cr0 %016llx cr3 %016llx cr4 %016llx efer %016llx\n",
		(unsigned long long)s.cr0, (unsigned long long)s.cr3, (unsigned long long)s.cr4,
		(unsigned long long)s.efer);
}

static void stop_with_error(struct guest_vcpu *gv, const char *reason)
{
	log_err("guest %s: vCPU %u: %s\n", gv->guest->name, gv->index, reason);
	log_regs(gv);
	guest_stop(gv->guest, 1, true, reason);
}

/* ---- port I/O --------------------------------------------------------- */

static void handle_io(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	uint32_t value = (uint32_t)r->gpr[GPR_RAX];
	uint32_t mask = e->io.size == 4 ? 0xffffffffu : (1u << (8 * e->io.size)) - 1;

	if (e->io.string) {
		stop_with_error(gv, "string port I/O is not emulated");
		return;
	}
	struct guest *g = gv->guest;
	if (!vuart_io(g, e->io.port, e->io.in, e->io.size, &value) &&
	    !(g->pt.count && passthrough_port_access(g, e->io.port, e->io.in, e->io.size, &value)))
		value = 0xffffffffu; /* nothing there: reads float high */
	if (e->io.in)
		r->gpr[GPR_RAX] = (r->gpr[GPR_RAX] & ~(uint64_t)mask) | (value & mask);
	r->rip = e->io.next_rip;
}

/* ---- MMIO --------------------------------------------------------------- */

enum mmio_region { MMIO_UNCLAIMED, MMIO_LAPIC, MMIO_PCI_ECAM, MMIO_MSIX };

struct mmio_access {
	struct guest_vcpu *gv;
	uint64_t gpa;
	enum mmio_region region;
	bool bad; /* an access the device model cannot take */
};

static enum mmio_region region_of(struct guest *g, uint64_t gpa)
{
	if (gpa >= XAPIC_BASE && gpa < XAPIC_BASE + XAPIC_SIZE)
		return MMIO_LAPIC;
	if (g->pt.count && gpa >= GUEST_PCI_ECAM && gpa < GUEST_PCI_ECAM + GUEST_PCI_ECAM_SIZE)
		return MMIO_PCI_ECAM;
	if (g->pt.count && passthrough_msix_owns(g, gpa))
		return MMIO_MSIX;
	return MMIO_UNCLAIMED;
}

static uint64_t mmio_read(void *ctx, unsigned size)
{
	struct mmio_access *a = ctx;
	uint32_t v = ~0u;

	if (a->region == MMIO_MSIX) {
		uint64_t v64 = ~0ull;
		passthrough_msix_access(a->gv->guest, a->gpa, false, size, &v64);
		return v64;
	}
	if (a->region == MMIO_PCI_ECAM) {
		if (size > 4)
			return ~0ull; /* config space is 1, 2 or 4 bytes at a time */
		passthrough_ecam_access(a->gv->guest, a->gpa - GUEST_PCI_ECAM, false, size, &v);
		return v;
	}
	if (a->region != MMIO_LAPIC)
		return ~0ull;
	unsigned reg = (unsigned)(a->gpa - XAPIC_BASE);
	if (size != 4 || (reg & 0xf)) {
		a->bad = true;
		return ~0ull;
	}
	return vlapic_read(a->gv, reg);
}

static void mmio_write(void *ctx, unsigned size, uint64_t v)
{
	struct mmio_access *a = ctx;
	uint32_t v32 = (uint32_t)v;

	if (a->region == MMIO_MSIX) {
		passthrough_msix_access(a->gv->guest, a->gpa, true, size, &v);
		return;
	}
	if (a->region == MMIO_PCI_ECAM) {
		passthrough_ecam_access(a->gv->guest, a->gpa - GUEST_PCI_ECAM, true, size, &v32);
		return;
	}
	if (a->region != MMIO_LAPIC)
		return;
	unsigned reg = (unsigned)(a->gpa - XAPIC_BASE);
	if (size != 4 || (reg & 0xf)) {
		a->bad = true;
		return;
	}
	vlapic_write(a->gv, reg, (uint32_t)v);
}

static void note_unclaimed(struct guest *g, uint64_t gpa, bool write)
{
	uint64_t page = gpa & ~0xfffull;

	unsigned n = __atomic_load_n(&g->unclaimed_count, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n && i < GUEST_UNCLAIMED_LOG_PAGES; i++)
		if (g->unclaimed_logged[i] == page)
			return;
	/* The guest's vCPUs may get here at once: each claims its own slot. */
	unsigned slot = __atomic_fetch_add(&g->unclaimed_count, 1, __ATOMIC_ACQ_REL);
	if (slot < GUEST_UNCLAIMED_LOG_PAGES) {
		g->unclaimed_logged[slot] = page;
		log_info("guest %s: %s of unclaimed GPA %#llx (reads all-ones, writes dropped; "
			 "logged once per page)\n", g->name, write ? "write" : "read",
			 (unsigned long long)gpa);
	}
}

static bool read_guest_phys(void *ctx, uint64_t gpa, uint64_t *out)
{
	const uint64_t *p = guest_ram_ptr(ctx, gpa, sizeof(*out));

	if (!p)
		return false;
	*out = *p;
	return true;
}

static void handle_mmio(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	struct guest *g = gv->guest;
	struct vcpu_regs *r = &gv->vcpu.regs;
	struct vcpu_state s;
	uint8_t bytes[INSN_MAX_LEN];
	struct insn_mmio insn;
	struct insn_regs ir;

	if (e->mmio.fetch) {
		stop_with_error(gv, "instruction fetch from a GPA that is not RAM");
		return;
	}
	vcpu_get_state(&gv->vcpu, &s);
	struct guest_paging paging = { s.cr0, s.cr3, s.cr4, s.efer, 0, read_guest_phys, g };
	size_t got = 0;
	uint32_t pfec = 0;
	unsigned access = GW_PFEC_I | (s.cpl == 3 ? GW_PFEC_U : 0);
	/* A fetch cut short by an unmapped page still decodes what it got:
	 * an instruction that ends before that page never touches it. */
	guest_fetch(&paging, s.cs_base + r->rip, access, bytes, sizeof(bytes), &got, &pfec);
	if (got == 0) {
		stop_with_error(gv, "cannot fetch the instruction that accessed MMIO");
		return;
	}
	enum insn_mode mode = insn_mode_of(s.efer & GW_EFER_LMA, s.cs_long, s.cs_db);
	if (insn_decode(bytes, got, mode, &insn)) {
		stop_with_error(gv, "MMIO access by an instruction hv does not emulate");
		return;
	}
	if (insn.op == INSN_OP_MOVS) {
		stop_with_error(gv, "MOVS between MMIO and memory is not emulated");
		return;
	}
	struct mmio_access a = { gv, e->mmio.gpa, region_of(g, e->mmio.gpa), false };
	if (a.region == MMIO_UNCLAIMED)
		note_unclaimed(g, e->mmio.gpa, insn.access & INSN_ACCESS_WRITE);
	memcpy(ir.gpr, r->gpr, sizeof(ir.gpr));
	ir.rflags = r->rflags;
	int more = insn_mmio_emulate(&insn, &ir, mmio_read, mmio_write, &a);
	if (more < 0 || a.bad) {
		stop_with_error(gv, "LAPIC access that is not an aligned 32-bit one");
		return;
	}
	memcpy(r->gpr, ir.gpr, sizeof(ir.gpr));
	r->rflags = ir.rflags;
	/* A REP string instruction with elements left runs again. */
	if (more == 0)
		r->rip += insn.len;
}

/* ---- MSR, CPUID, hypercalls ------------------------------------------- */

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

static void handle_msr(struct guest_vcpu *gv, const struct vcpu_exit *e)
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

static void handle_cpuid(struct guest_vcpu *gv)
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

static void handle_hypercall(struct guest_vcpu *gv)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	struct vcpu_state s;

	/* The guest's kernel talks to hv, not its user space. */
	vcpu_get_state(&gv->vcpu, &s);
	if (s.cpl != 0) {
		vcpu_inject_exception(&gv->vcpu, VEC_UD, false, 0);
		return;
	}
	r->rip += vcpu_hypercall_len(&gv->vcpu);
	switch (r->gpr[GPR_RAX]) {
	case HV_HC_SHUTDOWN:
		guest_stop(gv->guest, r->gpr[GPR_RBX] ? 1 : 0, false,
			   r->gpr[GPR_RBX] ? "shut down, its tests failed" :
					     "shut down, its tests passed");
		return;
	case HV_HC_EXITS:
		r->gpr[GPR_RAX] = gv->vcpu.exits;
		return;
	default:
		r->gpr[GPR_RAX] = HC_UNKNOWN;
		return;
	}
}

static void handle_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	char why[96];

	gv->exits[e->kind]++;
	switch (e->kind) {
	case VCPU_EXIT_IO: handle_io(gv, e); return;
	case VCPU_EXIT_MMIO: handle_mmio(gv, e); return;
	case VCPU_EXIT_MSR: handle_msr(gv, e); return;
	case VCPU_EXIT_CPUID: handle_cpuid(gv); return;
	case VCPU_EXIT_HYPERCALL: handle_hypercall(gv); return;
	case VCPU_EXIT_KICK: return; /* the loop looks at the guest's state */
	case VCPU_EXIT_HLT: return;
	case VCPU_EXIT_UD:
		vcpu_inject_exception(&gv->vcpu, VEC_UD, false, 0);
		return;
	case VCPU_EXIT_INVD:
		/* Caches stay coherent (WBINVD's effect, nothing dropped). */
		gv->vcpu.regs.rip += INVD_LEN;
		return;
	case VCPU_EXIT_SHUTDOWN:
		stop_with_error(gv, "triple fault");
		return;
	case VCPU_EXIT_ERROR:
		snprintf(why, sizeof(why), "unhandled exit %#llx (info %#llx, %#llx)",
			 (unsigned long long)e->error.code, (unsigned long long)e->error.info1,
			 (unsigned long long)e->error.info2);
		stop_with_error(gv, why);
		return;
	}
}

/* A vCPU other than the first waits (interrupts on, halted) for INIT and
 * a start-up IPI from its guest. false when the guest stopped first. */
static bool wait_for_startup(struct guest_vcpu *gv)
{
	for (;;) {
		__asm__ volatile("cli" ::: "memory");
		if (__atomic_load_n(&gv->guest->state, __ATOMIC_ACQUIRE) != GUEST_RUNNING)
			return false;
		if (__atomic_load_n(&gv->state, __ATOMIC_ACQUIRE) == GVCPU_RUNNING &&
		    gv->sipi_vector >= 0)
			return true;
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}

void guest_vcpu_main(void *arg)
{
	struct guest_vcpu *gv = arg;
	struct guest *g = gv->guest;
	struct vcpu *v = &gv->vcpu;
	struct vcpu_exit exit;
	int err;

	if ((err = vcpu_cpu_init()) || (err = vcpu_create(v, g->npt.root, g->index + 1))) {
		/* No vCPU state to log. */
		log_err("guest %s: vCPU %u: no virtualisation on CPU %u (%d)\n", g->name, gv->index,
			gv->cpu, err);
		guest_stop(g, 1, true, "no virtualisation on one of its CPUs");
		goto stopped;
	}
	if (gv->index == 0) {
		vcpu_reset_long_mode(v, g->entry, HV_GUEST_TABLES, HV_GUEST_GDT, 3 * 8 - 1,
				     HV_GUEST_SEL_CODE64, HV_GUEST_SEL_DATA);
		v->regs.gpr[GPR_RDI] = HV_GUEST_BOOT;
	} else {
		if (!wait_for_startup(gv))
			goto stopped;
		vcpu_reset_startup(v, (uint8_t)gv->sipi_vector);
	}
	vcpu_hold_interrupts();
	while (__atomic_load_n(&g->state, __ATOMIC_ACQUIRE) == GUEST_RUNNING) {
		vcpu_run(v, &exit);
		handle_exit(gv, &exit);
	}
	/* What the guest left armed in this CPU's LAPIC stays quiet. */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
	vcpu_release_interrupts();
stopped:
	__atomic_store_n(&gv->state, GVCPU_STOPPED, __ATOMIC_RELEASE);
	smp_wake_service_cpu();
}
