/* Port I/O and MMIO exits: the access is handed to the emulated device
 * that claims it (the UART, the PCI view, the LAPIC), or reads all-ones
 * and drops writes. MMIO arrives as a nested page fault, so the faulting
 * instruction is fetched, decoded and emulated here. */
#include "hv/guest/exits.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/insn_decode.h"
#include "arch/x86/log.h"
#include "hv/guest/vlapic.h"
#include "hv/guest/vuart.h"

#include <string.h>

/* ---- port I/O --------------------------------------------------------- */

void guest_io_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	uint32_t value = (uint32_t)r->gpr[GPR_RAX];
	uint32_t mask = e->io.size == 4 ? 0xffffffffu : (1u << (8 * e->io.size)) - 1;

	if (e->io.string) {
		guest_vcpu_stop_with_error(gv, "string port I/O is not emulated");
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

void guest_mmio_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	struct guest *g = gv->guest;
	struct vcpu_regs *r = &gv->vcpu.regs;
	struct vcpu_state s;
	uint8_t bytes[INSN_MAX_LEN];
	struct insn_mmio insn;
	struct insn_regs ir;

	if (e->mmio.fetch) {
		guest_vcpu_stop_with_error(gv, "instruction fetch from a GPA that is not RAM");
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
		guest_vcpu_stop_with_error(gv, "cannot fetch the instruction that accessed MMIO");
		return;
	}
	enum insn_mode mode = insn_mode_of(s.efer & GW_EFER_LMA, s.cs_long, s.cs_db);
	if (insn_decode(bytes, got, mode, &insn)) {
		guest_vcpu_stop_with_error(gv, "MMIO access by an instruction hv does not emulate");
		return;
	}
	if (insn.op == INSN_OP_MOVS) {
		guest_vcpu_stop_with_error(gv, "MOVS between MMIO and memory is not emulated");
		return;
	}
	struct mmio_access a = { gv, e->mmio.gpa, region_of(g, e->mmio.gpa), false };
	if (a.region == MMIO_UNCLAIMED)
		note_unclaimed(g, e->mmio.gpa, insn.access & INSN_ACCESS_WRITE);
	memcpy(ir.gpr, r->gpr, sizeof(ir.gpr));
	ir.rflags = r->rflags;
	int more = insn_mmio_emulate(&insn, &ir, mmio_read, mmio_write, &a);
	if (more < 0 || a.bad) {
		guest_vcpu_stop_with_error(gv, "LAPIC access that is not an aligned 32-bit one");
		return;
	}
	memcpy(r->gpr, ir.gpr, sizeof(ir.gpr));
	r->rflags = ir.rflags;
	/* A REP string instruction with elements left runs again. */
	if (more == 0)
		r->rip += insn.len;
}
