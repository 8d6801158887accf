/* MMIO instruction emulator: applies what insn_decode.c decoded to the
 * guest's registers and the device model (see insn_decode.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/insn_decode.h"

static bool valid_size(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

static uint64_t reg_read(const struct insn_regs *r, unsigned gpr, bool high8, unsigned size)
{
	if (high8)
		return (r->gpr[gpr] >> 8) & 0xff;
	return r->gpr[gpr] & insn_size_mask(size);
}

/* As the CPU writes a register: 8 and 16 bits merge, 32 bits zero-extend. */
static void reg_write(struct insn_regs *r, unsigned gpr, bool high8, unsigned size, uint64_t v)
{
	uint64_t *g = &r->gpr[gpr];

	if (high8)
		*g = (*g & ~0xff00ull) | ((v & 0xff) << 8);
	else if (size == 1 || size == 2)
		*g = (*g & ~insn_size_mask(size)) | (v & insn_size_mask(size));
	else
		*g = v & insn_size_mask(size);
}

static bool parity_even(uint64_t v)
{
	v &= 0xff;
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return !(v & 1);
}

/* dst op src at size bytes; updates the arithmetic flags. */
static uint64_t alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *rflags)
{
	uint64_t m = insn_size_mask(size), msb = 1ull << (8 * size - 1);
	uint64_t carry_in = *rflags & INSN_RFLAGS_CF ? 1 : 0;
	uint64_t r, c, fl = 0;

	a &= m;
	b &= m;
	switch (op) {
	case INSN_OP_ADD:
	case INSN_OP_ADC:
		c = op == INSN_OP_ADC ? carry_in : 0;
		r = (a + b + c) & m;
		if (((a & b) | ((a | b) & ~r)) & msb)
			fl |= INSN_RFLAGS_CF;
		if ((a ^ r) & (b ^ r) & msb)
			fl |= INSN_RFLAGS_OF;
		if ((a ^ b ^ r) & 0x10)
			fl |= INSN_RFLAGS_AF;
		break;
	case INSN_OP_SUB:
	case INSN_OP_SBB:
	case INSN_OP_CMP:
		c = op == INSN_OP_SBB ? carry_in : 0;
		r = (a - b - c) & m;
		if (((~a & b) | (~(a ^ b) & r)) & msb)
			fl |= INSN_RFLAGS_CF;
		if ((a ^ b) & (a ^ r) & msb)
			fl |= INSN_RFLAGS_OF;
		if ((a ^ b ^ r) & 0x10)
			fl |= INSN_RFLAGS_AF;
		break;
	case INSN_OP_OR:
		r = a | b;
		break;
	case INSN_OP_XOR:
		r = a ^ b;
		break;
	default: /* AND, TEST */
		r = a & b;
		break;
	}
	if (!r)
		fl |= INSN_RFLAGS_ZF;
	if (r & msb)
		fl |= INSN_RFLAGS_SF;
	if (parity_even(r))
		fl |= INSN_RFLAGS_PF;
	*rflags = (*rflags & ~INSN_RFLAGS_ARITH) | fl;
	return r;
}

/* rSI/rDI += delta at the address size. */
static void step(struct insn_regs *r, unsigned gpr, unsigned asize, uint64_t delta)
{
	reg_write(r, gpr, false, asize, r->gpr[gpr] + delta);
}

static bool valid_insn(const struct insn_mmio *i)
{
	if (!valid_size(i->size) || !valid_size(i->addr_size) || i->addr_size == 1 ||
	    i->op > INSN_OP_MOVS || i->reg >= 16)
		return false;
	if (i->dst == INSN_OPND_REG || i->src == INSN_OPND_REG) {
		if (!valid_size(i->reg_size))
			return false;
		if (i->reg_high8 && (i->reg >= 4 || i->reg_size != 1))
			return false;
	}
	if (i->dst != INSN_OPND_MEM && i->src != INSN_OPND_MEM)
		return false;
	return true;
}

int insn_mmio_emulate(const struct insn_mmio *i, struct insn_regs *regs,
		      uint64_t (*read)(void *ctx, unsigned size),
		      void (*write)(void *ctx, unsigned size, uint64_t v), void *ctx)
{
	unsigned size;
	uint64_t m, a, b, v, delta;

	if (!i || !regs || !read || !write || !valid_insn(i))
		return -EINVAL;
	size = i->size;
	m = insn_size_mask(size);

	switch (i->op) {
	case INSN_OP_MOV:
		if (i->dst == INSN_OPND_MEM) {
			v = i->src == INSN_OPND_IMM ? i->imm
						    : reg_read(regs, i->reg, i->reg_high8, size);
			write(ctx, size, v & m);
			return 0;
		}
		v = read(ctx, size) & m;
		if (i->ext == INSN_EXT_SIGN)
			v = insn_sign_extend(v, size);
		reg_write(regs, i->reg, i->reg_high8, i->reg_size, v);
		return 0;

	case INSN_OP_ADD:
	case INSN_OP_OR:
	case INSN_OP_ADC:
	case INSN_OP_SBB:
	case INSN_OP_AND:
	case INSN_OP_SUB:
	case INSN_OP_XOR:
	case INSN_OP_CMP:
	case INSN_OP_TEST:
		if (i->dst == INSN_OPND_MEM) {
			a = read(ctx, size);
			b = i->src == INSN_OPND_IMM ? i->imm
						    : reg_read(regs, i->reg, i->reg_high8, size);
			v = alu(i->op, a, b, size, &regs->rflags);
			if (i->op < INSN_OP_CMP)
				write(ctx, size, v);
		} else {
			a = reg_read(regs, i->reg, i->reg_high8, size);
			b = read(ctx, size);
			v = alu(i->op, a, b, size, &regs->rflags);
			if (i->op < INSN_OP_CMP)
				reg_write(regs, i->reg, i->reg_high8, size, v);
		}
		return 0;

	case INSN_OP_XCHG:
		a = read(ctx, size) & m;
		write(ctx, size, reg_read(regs, i->reg, i->reg_high8, size));
		reg_write(regs, i->reg, i->reg_high8, size, a);
		return 0;

	default: /* STOS, LODS, MOVS: one element */
		if (i->rep && !(regs->gpr[INSN_RCX] & insn_size_mask(i->addr_size)))
			return 0;
		if (i->op == INSN_OP_STOS) {
			write(ctx, size, regs->gpr[INSN_RAX] & m);
		} else if (i->op == INSN_OP_LODS) {
			v = read(ctx, size) & m;
			reg_write(regs, INSN_RAX, false, size, v);
		} else {
			v = read(ctx, size) & m;
			write(ctx, size, v);
		}
		delta = regs->rflags & INSN_RFLAGS_DF ? -(uint64_t)size : size;
		if (i->op != INSN_OP_STOS)
			step(regs, INSN_RSI, i->addr_size, delta);
		if (i->op != INSN_OP_LODS)
			step(regs, INSN_RDI, i->addr_size, delta);
		if (!i->rep)
			return 0;
		step(regs, INSN_RCX, i->addr_size, -1ull);
		return regs->gpr[INSN_RCX] & insn_size_mask(i->addr_size) ? 1 : 0;
	}
}
