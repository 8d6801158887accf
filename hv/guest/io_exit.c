/* Port I/O and MMIO exits: the access goes to the emulated device whose
 * range in the guest's I/O table (hv/guest/io_table.h) holds it, or reads
 * all-ones and drops writes. MMIO arrives as a nested page fault, so the
 * faulting instruction is fetched, decoded and emulated here. */
#include "arch/x86/guest_walk.h"
#include "arch/x86/insn_decode.h"
#include "arch/x86/log.h"
#include "hv/guest/exits.h"

#include <string.h>

/* ---- port I/O --------------------------------------------------------- */

void guest_io_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	uint64_t value = (uint32_t)r->gpr[GPR_RAX];
	uint32_t mask = e->io.size == 4 ? 0xffffffffu : (1u << (8 * e->io.size)) - 1;

	if (e->io.string) {
		guest_vcpu_stop_with_error(gv, "string port I/O is not emulated");
		return;
	}
	const struct guest_io_range *range = guest_port_lookup(&gv->guest->io, e->io.port);
	if (!range)
		value = 0xffffffffu; /* nothing there: reads float high */
	else if (range->fn(gv, range->ctx, e->io.port - range->first, !e->io.in, e->io.size,
			   &value) < 0)
		return; /* refused: the device stopped the guest */
	/* A 32-bit result zero-extends into RAX, as every 32-bit register
	 * write does; 8- and 16-bit ones keep the bits above them. */
	if (e->io.in && e->io.size == 4)
		r->gpr[GPR_RAX] = value & mask;
	else if (e->io.in)
		r->gpr[GPR_RAX] = (r->gpr[GPR_RAX] & ~(uint64_t)mask) | (value & mask);
	r->rip = e->io.next_rip;
}

/* ---- MMIO --------------------------------------------------------------- */

/* One instruction's accesses, all at the GPA that exited. */
struct mmio_access {
	struct guest_vcpu *gv;
	uint64_t gpa;
	const struct guest_io_range *range; /* NULL: unclaimed */
	bool refused;                       /* by the device: the guest stops */
};

/* What no device claims, or a device refused, reads all-ones and drops
 * writes; after a refusal nothing more of the instruction reaches it. */
static uint64_t device_access(struct mmio_access *a, bool write, unsigned size, uint64_t value)
{
	const struct guest_io_range *range = a->range;

	if (!range || a->refused)
		return ~0ull;
	if (range->fn(a->gv, range->ctx, a->gpa - range->first, write, size, &value) < 0) {
		a->refused = true;
		return ~0ull;
	}
	return value;
}

static uint64_t mmio_read(void *ctx, unsigned size)
{
	return device_access(ctx, false, size, ~0ull);
}

static void mmio_write(void *ctx, unsigned size, uint64_t v)
{
	device_access(ctx, true, size, v);
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

static bool read_guest_ram(void *ctx, uint64_t gpa, uint64_t *out)
{
	const uint64_t *p = guest_ram_ptr(ctx, gpa, sizeof(*out));

	if (!p)
		return false;
	*out = *p;
	return true;
}

size_t guest_fetch_insn(struct guest_vcpu *gv, uint8_t bytes[INSN_MAX_LEN], enum insn_mode *mode)
{
	struct vcpu_state s;
	size_t got = 0;

	vcpu_get_state(&gv->vcpu, &s);
	struct guest_paging paging = { s.cr0, s.cr3, s.cr4, s.efer, 0, read_guest_ram, gv->guest };
	unsigned access = GW_PFEC_I | (s.cpl == 3 ? GW_PFEC_U : 0);
	guest_fetch(&paging, s.cs_base + gv->vcpu.regs.rip, access, bytes, INSN_MAX_LEN, &got,
		    NULL);
	*mode = insn_mode_of(s.efer & GW_EFER_LMA, s.cs_long, s.cs_db);
	return got;
}

void guest_mmio_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	struct guest *g = gv->guest;
	struct vcpu_regs *r = &gv->vcpu.regs;
	uint8_t bytes[INSN_MAX_LEN];
	enum insn_mode mode;
	struct insn_mmio insn;
	struct insn_regs ir;

	if (e->mmio.fetch) {
		guest_vcpu_stop_with_error(gv, "instruction fetch from a GPA that is not RAM");
		return;
	}
	/* A fetch cut short by an unmapped page still decodes what it got:
	 * an instruction that ends before that page never touches it. */
	size_t got = guest_fetch_insn(gv, bytes, &mode);
	if (got == 0) {
		guest_vcpu_stop_with_error(gv, "cannot fetch the instruction that accessed MMIO");
		return;
	}
	if (insn_decode(bytes, got, mode, &insn)) {
		guest_vcpu_stop_with_error(gv, "MMIO access by an instruction hv does not emulate");
		return;
	}
	if (insn.op == INSN_OP_MOVS) {
		guest_vcpu_stop_with_error(gv, "MOVS between MMIO and memory is not emulated");
		return;
	}
	struct mmio_access a = { gv, e->mmio.gpa, guest_mmio_lookup(&g->io, e->mmio.gpa), false };
	if (!a.range)
		note_unclaimed(g, e->mmio.gpa, insn.access & INSN_ACCESS_WRITE);
	memcpy(ir.gpr, r->gpr, sizeof(ir.gpr));
	ir.rflags = r->rflags;
	int more = insn_mmio_emulate(&insn, &ir, mmio_read, mmio_write, &a);
	if (more < 0) {
		guest_vcpu_stop_with_error(gv, "MMIO access by an instruction hv does not emulate");
		return;
	}
	if (a.refused)
		return; /* the device stopped the guest: the instruction stays undone */
	memcpy(r->gpr, ir.gpr, sizeof(ir.gpr));
	r->rflags = ir.rflags;
	/* A REP string instruction with elements left runs again. */
	if (more == 0)
		r->rip += insn.len;
}
