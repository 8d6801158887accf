/* Port I/O and MMIO exits: the access goes to the emulated device whose
 * range in the guest's I/O table (hv/guest/io_table.h) holds it, or reads
 * all-ones and drops writes. MMIO arrives as a nested page fault, so the
 * faulting instruction is fetched, decoded and emulated here. String
 * instructions (INS/OUTS, MOVS with an MMIO side) run element by element
 * through the guest's page tables (arch/x86/insn_string.h). */
#include "arch/x86/exception.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/insn_decode.h"
#include "arch/x86/insn_string.h"
#include "arch/x86/log.h"
#include "hv/guest/exits.h"

#include <errno.h>
#include <string.h>

static void string_io_exit(struct guest_vcpu *gv, const struct vcpu_exit *e);

/* ---- port I/O --------------------------------------------------------- */

void guest_io_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	uint64_t value = (uint32_t)r->gpr[GPR_RAX];
	uint32_t mask = e->io.size == 4 ? 0xffffffffu : (1u << (8 * e->io.size)) - 1;

	if (e->io.string) {
		string_io_exit(gv, e);
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

/* ---- string instructions ------------------------------------------------ */

/* One run of a string instruction: the guest's paging as the exit left
 * it; whether its memory operands may be MMIO (MOVS) or must be RAM
 * (INS/OUTS: a device's string I/O into another device is nothing a guest
 * needs, and would be a second way into the device models). */
struct string_run_ctx {
	struct guest_vcpu *gv;
	struct guest_paging paging;
	bool mmio_allowed;
};

static int string_translate(void *ctx, uint64_t la, unsigned access, uint64_t *gpa,
			    uint32_t *pfec)
{
	struct string_run_ctx *c = ctx;
	struct guest_xlate x;

	int rc = guest_walk(&c->paging, la, access, &x);
	if (rc == 0)
		*gpa = x.gpa;
	else if (rc == -EFAULT)
		*pfec = x.pfec;
	return rc;
}

/* -EPERM: the device refused and stopped the guest. */
static int string_device(struct string_run_ctx *c, const struct guest_io_range *range,
			 uint64_t offset, bool write, unsigned size, uint64_t *value)
{
	if (!range) {
		if (!write)
			*value = ~0ull;
		return 0;
	}
	return range->fn(c->gv, range->ctx, offset, write, size, value) < 0 ? -EPERM : 0;
}

static int string_memory(struct string_run_ctx *c, uint64_t gpa, bool write, unsigned size,
			 uint64_t *value)
{
	struct guest *g = c->gv->guest;
	uint8_t *p = guest_ram_ptr(g, gpa, size);

	if (p) {
		if (write)
			memcpy(p, value, size);
		else
			memcpy(value, p, size);
		return 0;
	}
	if (!c->mmio_allowed)
		return -ENXIO;
	const struct guest_io_range *range = guest_mmio_lookup(&g->io, gpa);
	if (!range)
		note_unclaimed(g, gpa, write);
	return string_device(c, range, range ? gpa - range->first : 0, write, size, value);
}

static int string_mem_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *value)
{
	*value = 0;
	return string_memory(ctx, gpa, false, size, value);
}

static int string_mem_write(void *ctx, uint64_t gpa, unsigned size, uint64_t value)
{
	return string_memory(ctx, gpa, true, size, &value);
}

static int string_port(struct string_run_ctx *c, uint16_t port, bool write, unsigned size,
		       uint64_t *value)
{
	const struct guest_io_range *range = guest_port_lookup(&c->gv->guest->io, port);

	return string_device(c, range, range ? port - range->first : 0, write, size, value);
}

static int string_port_in(void *ctx, uint16_t port, unsigned size, uint64_t *value)
{
	return string_port(ctx, port, false, size, value);
}

static int string_port_out(void *ctx, uint16_t port, unsigned size, uint64_t value)
{
	return string_port(ctx, port, true, size, &value);
}

/* In 64-bit mode only FS and GS have a base. */
static uint64_t segment_base(const struct vcpu_state *s, unsigned seg, bool mode64)
{
	if (seg < INSN_SEG_ES || seg > INSN_SEG_GS)
		seg = INSN_SEG_DS;
	if (mode64 && seg != INSN_SEG_FS && seg != INSN_SEG_GS)
		return 0;
	return s->seg_base[seg - INSN_SEG_ES];
}

static const char *string_stop_reason(int err)
{
	switch (err) {
	case -ENXIO: return "string port I/O on a GPA that is not RAM";
	case -EIO: return "string instruction: guest page table in a GPA that is not RAM";
	default: return "string instruction hv cannot emulate";
	}
}

/* Runs op from the guest's registers; completes it (RIP = next_rip),
 * leaves it to run again (REP elements left), injects its fault, or
 * stops the guest. */
static void run_string(struct guest_vcpu *gv, const struct vcpu_state *s,
		       const struct string_op *op, bool mmio_allowed, uint64_t next_rip)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	struct string_run_ctx c = { gv, { s->cr0, s->cr3, s->cr4, s->efer, 0, read_guest_ram,
					  gv->guest }, mmio_allowed };
	const struct string_env env = { string_translate, string_mem_read, string_mem_write,
					string_port_in, string_port_out, &c };
	struct string_outcome o;
	struct insn_regs ir;

	memcpy(ir.gpr, r->gpr, sizeof(ir.gpr));
	ir.rflags = r->rflags;
	string_run(op, &ir, &env, STRING_MAX_ELEMENTS, &o);
	if (o.status == STRING_STOP) {
		if (o.err != -EPERM) /* a refusing device has stopped it already */
			guest_vcpu_stop_with_error(gv, string_stop_reason(o.err));
		return;
	}
	/* The elements done stay done, a fault's included. */
	memcpy(r->gpr, ir.gpr, sizeof(ir.gpr));
	if (o.status == STRING_DONE) {
		r->rip = next_rip;
	} else if (o.status == STRING_FAULT) {
		if (o.vector == VEC_PF)
			vcpu_set_cr2(&gv->vcpu, o.cr2);
		vcpu_inject_exception(&gv->vcpu, o.vector, true, o.error_code);
	}
}

/* SVM without decode assists gives the port, the element size and REP
 * but not the segment of OUTS, and QEMU TCG not the address size either:
 * those are read from the instruction's prefixes. */
static void string_io_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	uint8_t bytes[INSN_MAX_LEN];
	enum insn_mode mode;
	struct vcpu_state s;
	struct string_io_prefixes p;

	size_t got = guest_fetch_insn(gv, bytes, &mode);
	if (string_io_decode(bytes, got, mode, &p)) {
		guest_vcpu_stop_with_error(gv, "cannot decode the INS/OUTS that exited");
		return;
	}
	vcpu_get_state(&gv->vcpu, &s);
	bool mode64 = insn_mode_of(s.efer & GW_EFER_LMA, s.cs_long, s.cs_db) == INSN_MODE_64;
	struct string_op op = {
		.kind = e->io.in ? STRING_INS : STRING_OUTS,
		.size = e->io.size,
		.addr_size = e->io.addr_size ? e->io.addr_size : p.addr_size,
		.rep = e->io.rep,
		.long_mode = mode64,
		.user = s.cpl == 3,
		.port = e->io.port,
		.src_base = segment_base(&s, p.seg, mode64),
		.dst_base = segment_base(&s, INSN_SEG_ES, mode64),
	};
	run_string(gv, &s, &op, false, e->io.next_rip);
}

/* MOVS with MMIO on either side, or both: each side RAM, a device, or
 * unclaimed. */
static void movs_exit(struct guest_vcpu *gv, const struct insn_mmio *insn)
{
	struct vcpu_state s;

	vcpu_get_state(&gv->vcpu, &s);
	bool mode64 = insn->mode == INSN_MODE_64;
	struct string_op op = {
		.kind = STRING_MOVS,
		.size = insn->size,
		.addr_size = insn->addr_size,
		.rep = insn->rep != INSN_REP_NONE,
		.long_mode = mode64,
		.user = s.cpl == 3,
		.src_base = segment_base(&s, insn->seg, mode64),
		.dst_base = segment_base(&s, INSN_SEG_ES, mode64),
	};
	run_string(gv, &s, &op, true, gv->vcpu.regs.rip + insn->len);
}

/* ---- MMIO, the rest ------------------------------------------------------ */

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
		movs_exit(gv, &insn);
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
