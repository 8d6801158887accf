/* The element loop of INS, OUTS and MOVS (see arch/x86/insn_string.h). */
#include "arch/x86/insn_string.h"
#include "arch/x86/guest_walk.h"

#include <errno.h>

#define PAGE_4K 4096u
#define VEC_GP 13
#define VEC_PF 14

/* Where one element lies: a 4 KiB page, or the end of one and the start
 * of the next. */
struct span {
	uint64_t gpa[2];
	unsigned first; /* bytes on the first page */
};

static uint64_t linear(const struct string_op *op, uint64_t base, uint64_t reg)
{
	uint64_t la = base + (reg & insn_size_mask(op->addr_size));

	return op->long_mode ? la : (uint32_t)la;
}

static void fault(struct string_outcome *out, int rc, uint64_t la, uint32_t pfec)
{
	if (rc == -EFAULT) {
		out->status = STRING_FAULT;
		out->vector = VEC_PF;
		out->error_code = pfec;
		out->cr2 = la;
	} else if (rc == -EINVAL) {
		out->status = STRING_FAULT;
		out->vector = VEC_GP;
		out->error_code = 0;
	} else {
		out->status = STRING_STOP;
		out->err = rc;
	}
}

/* Translates the element at la (both pages where it crosses one): true,
 * or false with the fault or stop in *out. */
static bool locate(const struct string_op *op, const struct string_env *env, uint64_t la,
		   bool write, struct span *s, struct string_outcome *out)
{
	unsigned access = (write ? GW_PFEC_W : 0) | (op->user ? GW_PFEC_U : 0);
	unsigned room = PAGE_4K - (unsigned)(la & (PAGE_4K - 1));
	uint64_t next = la + room;
	uint32_t pfec = 0;
	int rc;

	s->first = room < op->size ? room : op->size;
	rc = env->translate(env->ctx, la, access, &s->gpa[0], &pfec);
	if (rc) {
		fault(out, rc, la, pfec);
		return false;
	}
	if (s->first == op->size)
		return true;
	if (!op->long_mode)
		next = (uint32_t)next;
	rc = env->translate(env->ctx, next, access, &s->gpa[1], &pfec);
	if (rc) {
		fault(out, rc, next, pfec);
		return false;
	}
	return true;
}

static uint64_t byte_gpa(const struct span *s, unsigned i)
{
	return i < s->first ? s->gpa[0] + i : s->gpa[1] + (i - s->first);
}

/* An element split over two pages is accessed a byte at a time, low
 * byte first. */
static int span_read(const struct string_env *env, const struct span *s, unsigned size,
		     uint64_t *value)
{
	uint64_t v = 0, b;

	if (s->first == size)
		return env->mem_read(env->ctx, s->gpa[0], size, value);
	for (unsigned i = 0; i < size; i++) {
		int rc = env->mem_read(env->ctx, byte_gpa(s, i), 1, &b);
		if (rc)
			return rc;
		v |= (b & 0xff) << (8 * i);
	}
	*value = v;
	return 0;
}

static int span_write(const struct string_env *env, const struct span *s, unsigned size,
		      uint64_t value)
{
	if (s->first == size)
		return env->mem_write(env->ctx, s->gpa[0], size, value);
	for (unsigned i = 0; i < size; i++) {
		int rc = env->mem_write(env->ctx, byte_gpa(s, i), 1, (value >> (8 * i)) & 0xff);
		if (rc)
			return rc;
	}
	return 0;
}

/* One element at the current rSI/rDI; the registers stay as they are. */
static bool element(const struct string_op *op, const struct insn_regs *r,
		    const struct string_env *env, struct string_outcome *out)
{
	uint64_t src_la = linear(op, op->src_base, r->gpr[INSN_RSI]);
	uint64_t dst_la = linear(op, op->dst_base, r->gpr[INSN_RDI]);
	struct span src, dst;
	uint64_t v = 0;
	int rc;

	if (op->kind != STRING_INS && !locate(op, env, src_la, false, &src, out))
		return false;
	if (op->kind != STRING_OUTS && !locate(op, env, dst_la, true, &dst, out))
		return false;
	if (op->kind == STRING_INS)
		rc = env->port_in(env->ctx, op->port, op->size, &v);
	else
		rc = span_read(env, &src, op->size, &v);
	if (!rc) {
		v &= insn_size_mask(op->size);
		if (op->kind == STRING_OUTS)
			rc = env->port_out(env->ctx, op->port, op->size, v);
		else
			rc = span_write(env, &dst, op->size, v);
	}
	if (rc) {
		out->status = STRING_STOP;
		out->err = rc;
		return false;
	}
	return true;
}

/* As the CPU writes an address-sized register: 16 bits merge, 32 bits
 * zero-extend. */
static void step(struct insn_regs *r, unsigned gpr, unsigned asize, uint64_t delta)
{
	uint64_t m = insn_size_mask(asize), v = r->gpr[gpr] + delta;

	r->gpr[gpr] = asize == 2 ? (r->gpr[gpr] & ~m) | (v & m) : v & m;
}

static bool valid_op(const struct string_op *op)
{
	unsigned s = op->size, a = op->addr_size;

	return op->kind <= STRING_MOVS && (s == 1 || s == 2 || s == 4 || s == 8) &&
	       (a == 2 || a == 4 || a == 8);
}

void string_run(const struct string_op *op, struct insn_regs *regs,
		const struct string_env *env, unsigned max, struct string_outcome *out)
{
	uint64_t amask = insn_size_mask(op->addr_size);

	*out = (struct string_outcome){ .status = STRING_DONE };
	if (!valid_op(op)) {
		out->status = STRING_STOP;
		out->err = -EINVAL;
		return;
	}
	if (max == 0)
		max = 1;
	if (max > STRING_MAX_ELEMENTS)
		max = STRING_MAX_ELEMENTS;
	uint64_t delta = regs->rflags & INSN_RFLAGS_DF ? -(uint64_t)op->size : op->size;
	while (!op->rep || (regs->gpr[INSN_RCX] & amask)) {
		if (out->elements == max) {
			out->status = STRING_MORE;
			return;
		}
		if (!element(op, regs, env, out))
			return;
		out->elements++;
		if (op->kind != STRING_INS)
			step(regs, INSN_RSI, op->addr_size, delta);
		if (op->kind != STRING_OUTS)
			step(regs, INSN_RDI, op->addr_size, delta);
		if (!op->rep)
			return;
		step(regs, INSN_RCX, op->addr_size, -1ull);
	}
}

static int prefix_segment(uint8_t b)
{
	switch (b) {
	case 0x26: return INSN_SEG_ES;
	case 0x2e: return INSN_SEG_CS;
	case 0x36: return INSN_SEG_SS;
	case 0x3e: return INSN_SEG_DS;
	case 0x64: return INSN_SEG_FS;
	case 0x65: return INSN_SEG_GS;
	default: return -1;
	}
}

static uint8_t address_size(enum insn_mode mode, bool override)
{
	switch (mode) {
	case INSN_MODE_64: return override ? 4 : 8;
	case INSN_MODE_32: return override ? 2 : 4;
	default: return override ? 4 : 2;
	}
}

int string_io_decode(const uint8_t *bytes, size_t len, enum insn_mode mode,
		     struct string_io_prefixes *out)
{
	int seg = INSN_SEG_NONE;
	bool a67 = false;

	if (len > INSN_MAX_LEN)
		len = INSN_MAX_LEN;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = bytes[i];
		int s = prefix_segment(b);

		if (s >= 0) {
			seg = s;
			continue;
		}
		if (b == 0x67)
			a67 = true;
		if (b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3)
			continue;
		/* REX counts only right before the opcode. */
		if (mode == INSN_MODE_64 && (b & 0xf0) == 0x40) {
			if (i + 1 < len && bytes[i + 1] >= 0x6c && bytes[i + 1] <= 0x6f)
				continue;
			return -EINVAL;
		}
		if (b < 0x6c || b > 0x6f)
			return -EINVAL;
		out->seg = (uint8_t)seg;
		out->addr_size = address_size(mode, a67);
		return 0;
	}
	return -EINVAL;
}
