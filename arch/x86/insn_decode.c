/* MMIO instruction decoder: see insn_decode.h (the emulator of what it
 * decodes is insn_emulate.c).
 *
 * Layout of an instruction (SDM Vol. 2, 2.1): legacy prefixes (any number,
 * any order), in 64-bit mode a REX prefix (which counts only when it
 * immediately precedes the opcode), the opcode (1 byte, or 0F and a second
 * byte), ModRM, SIB, displacement (0, 1, 2 or 4 bytes), immediate (0, 1, 2
 * or 4 bytes; moffs: 2, 4 or 8), 15 bytes at most. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86/insn_decode.h"

struct dec {
	const uint8_t *bytes;
	size_t avail;      /* min(len, 15): bytes we may read */
	size_t len;        /* the caller's len */
	size_t pos;
	enum insn_mode mode;
	uint8_t rex;       /* 0, or the REX byte 0x40..0x4f in force */
	bool p66, p67;
	uint8_t last_rep;  /* 0, 0xf2 or 0xf3: the last of them */
	unsigned opsize;   /* 2, 4, 8 */
	bool truncated;
};

#define REX_W 0x8
#define REX_R 0x4

static int next(struct dec *d, uint8_t *b)
{
	if (d->pos >= d->avail) {
		/* Beyond 15 bytes the instruction is invalid (#GP), whatever
		 * the caller has; short of it, the caller ran out of bytes. */
		d->truncated = d->avail == d->len && d->len < INSN_MAX_LEN;
		return -EINVAL;
	}
	*b = d->bytes[d->pos++];
	return 0;
}

/* n little-endian bytes (1, 2, 4 or 8). */
static int next_le(struct dec *d, unsigned n, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned k = 0; k < n; k++) {
		uint8_t b;
		int rc = next(d, &b);

		if (rc)
			return rc;
		x |= (uint64_t)b << (8 * k);
	}
	*v = x;
	return 0;
}

static unsigned addr_size(const struct dec *d)
{
	switch (d->mode) {
	case INSN_MODE_64:
		return d->p67 ? 4 : 8;
	case INSN_MODE_32:
		return d->p67 ? 2 : 4;
	default:
		return d->p67 ? 4 : 2;
	}
}

/* Consumes SIB and displacement after ModRM byte m, whose operand must be
 * memory: a register operand (mod == 3) cannot have made an MMIO access. */
static int mem_operand(struct dec *d, uint8_t m, struct insn_mmio *out)
{
	unsigned mod = m >> 6, rm = m & 7, disp = 0;
	uint8_t sib;
	int rc;

	if (mod == 3)
		return -EINVAL;
	if (addr_size(d) == 2) {
		/* 16-bit addressing: no SIB; mod 0 rm 6 is [disp16]. */
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || rm == 6)
			disp = 2;
	} else {
		if (rm == 4) {
			rc = next(d, &sib);
			if (rc)
				return rc;
			/* No base: [index * scale + disp32]. */
			if (mod == 0 && (sib & 7) == 5)
				disp = 4;
		} else if (mod == 0 && rm == 5) {
			/* [disp32]; RIP/EIP-relative in 64-bit mode. */
			disp = 4;
			out->rip_relative = d->mode == INSN_MODE_64;
		}
		if (mod == 1)
			disp = 1;
		else if (mod == 2)
			disp = 4;
	}
	while (disp--) {
		rc = next(d, &sib);
		if (rc)
			return rc;
	}
	return 0;
}

/* The ModRM.reg register operand of width size. */
static void reg_operand(const struct dec *d, uint8_t m, unsigned size, struct insn_mmio *out)
{
	unsigned r = ((m >> 3) & 7) | (d->rex & REX_R ? 8 : 0);

	if (size == 1 && !d->rex && r >= 4) {
		out->reg = r - 4;
		out->reg_high8 = true;
	} else {
		out->reg = r;
	}
	out->reg_size = size;
}

/* An immediate of n bytes sign-extended and truncated to size. */
static int immediate(struct dec *d, unsigned n, unsigned size, struct insn_mmio *out)
{
	uint64_t v;
	int rc = next_le(d, n, &v);

	if (rc)
		return rc;
	out->imm = insn_sign_extend(v, n) & insn_size_mask(size);
	out->src = INSN_OPND_IMM;
	return 0;
}

/* iz: imm16 with a 16-bit operand size, else imm32. */
static unsigned iz(const struct dec *d)
{
	return d->opsize == 2 ? 2 : 4;
}

static void set_mem_dst(struct insn_mmio *out, unsigned op, unsigned src, unsigned access)
{
	out->op = op;
	out->dst = INSN_OPND_MEM;
	out->src = src;
	out->access = access;
}

static void set_mem_src(struct insn_mmio *out, unsigned op)
{
	out->op = op;
	out->dst = INSN_OPND_REG;
	out->src = INSN_OPND_MEM;
	out->access = INSN_ACCESS_READ;
}

/* The two-byte opcodes 0F xx. */
static int decode_0f(struct dec *d, struct insn_mmio *out)
{
	uint8_t b, m;
	int rc = next(d, &b);

	if (rc)
		return rc;
	switch (b) {
	case 0xb6: /* MOVZX r, r/m8 */
	case 0xb7: /* MOVZX r, r/m16 */
	case 0xbe: /* MOVSX r, r/m8 */
	case 0xbf: /* MOVSX r, r/m16 */
		if ((rc = next(d, &m)) || (rc = mem_operand(d, m, out)))
			return rc;
		out->size = b & 1 ? 2 : 1;
		set_mem_src(out, INSN_OP_MOV);
		reg_operand(d, m, d->opsize, out);
		out->ext = b < 0xb8 ? INSN_EXT_ZERO : INSN_EXT_SIGN;
		return 0;
	case 0xc3: /* MOVNTI m32/m64, r32/r64: no 66/F2/F3 form */
		if (d->p66 || d->last_rep)
			return -EINVAL;
		if ((rc = next(d, &m)) || (rc = mem_operand(d, m, out)))
			return rc;
		out->size = d->rex & REX_W ? 8 : 4;
		set_mem_dst(out, INSN_OP_MOV, INSN_OPND_REG, INSN_ACCESS_WRITE);
		reg_operand(d, m, out->size, out);
		return 0;
	default:
		/* SSE/AVX moves, BT*, CMPXCHG, SETcc, 0F 38/3A maps, ... */
		return -EOPNOTSUPP;
	}
}

static int decode_string(struct dec *d, uint8_t b, struct insn_mmio *out)
{
	out->size = b & 1 ? d->opsize : 1;
	if (d->last_rep == 0xf3)
		out->rep = INSN_REP_E;
	else if (d->last_rep == 0xf2)
		out->rep = INSN_REP_NE;
	out->reg = INSN_RAX;
	out->reg_size = out->size;
	switch (b & ~1) {
	case 0xa4: /* MOVS */
		set_mem_dst(out, INSN_OP_MOVS, INSN_OPND_MEM, INSN_ACCESS_RMW);
		out->reg_size = 0;
		break;
	case 0xaa: /* STOS */
		set_mem_dst(out, INSN_OP_STOS, INSN_OPND_REG, INSN_ACCESS_WRITE);
		break;
	default: /* 0xac LODS */
		set_mem_src(out, INSN_OP_LODS);
		break;
	}
	return 0;
}

static int decode_opcode(struct dec *d, uint8_t b, struct insn_mmio *out)
{
	uint8_t m;
	uint64_t moffs;
	int rc;

	/* ALU r/m, reg and reg, r/m: 00-03, 08-0B, ..., 38-3B. */
	if (b < 0x40 && (b & 7) < 4) {
		unsigned op = b >> 3;

		if ((rc = next(d, &m)) || (rc = mem_operand(d, m, out)))
			return rc;
		out->size = b & 1 ? d->opsize : 1;
		reg_operand(d, m, out->size, out);
		if (b & 2) {
			set_mem_src(out, op);
		} else {
			set_mem_dst(out, op, INSN_OPND_REG,
				    op == INSN_OP_CMP ? INSN_ACCESS_READ : INSN_ACCESS_RMW);
		}
		return 0;
	}

	switch (b) {
	case 0x63: /* MOVSXD r, r/m32 (64-bit mode; elsewhere ARPL) */
		if (d->mode != INSN_MODE_64 || d->opsize == 2)
			return -EOPNOTSUPP;
		if ((rc = next(d, &m)) || (rc = mem_operand(d, m, out)))
			return rc;
		out->size = 4;
		set_mem_src(out, INSN_OP_MOV);
		reg_operand(d, m, d->opsize, out);
		out->ext = d->opsize == 8 ? INSN_EXT_SIGN : INSN_EXT_NONE;
		return 0;

	case 0x82: /* 80's alias, invalid in 64-bit mode */
		if (d->mode == INSN_MODE_64)
			return -EINVAL;
		/* fall through */
	case 0x80: /* ALU r/m8, imm8 */
	case 0x81: /* ALU r/m, iz */
	case 0x83: /* ALU r/m, imm8 sign-extended */ {
		unsigned op;

		if ((rc = next(d, &m)) || (rc = mem_operand(d, m, out)))
			return rc;
		op = (m >> 3) & 7;
		out->size = b & 1 ? d->opsize : 1;
		rc = immediate(d, b == 0x81 ? iz(d) : 1, out->size, out);
		if (rc)
			return rc;
		set_mem_dst(out, op, INSN_OPND_IMM,
			    op == INSN_OP_CMP ? INSN_ACCESS_READ : INSN_ACCESS_RMW);
		return 0;
	}

	case 0x84: /* TEST r/m, reg */
	case 0x85:
	case 0x86: /* XCHG r/m, reg */
	case 0x87:
	case 0x88: /* MOV r/m, reg */
	case 0x89:
		if ((rc = next(d, &m)) || (rc = mem_operand(d, m, out)))
			return rc;
		out->size = b & 1 ? d->opsize : 1;
		reg_operand(d, m, out->size, out);
		if (b < 0x86)
			set_mem_dst(out, INSN_OP_TEST, INSN_OPND_REG, INSN_ACCESS_READ);
		else if (b < 0x88)
			set_mem_dst(out, INSN_OP_XCHG, INSN_OPND_REG, INSN_ACCESS_RMW);
		else
			set_mem_dst(out, INSN_OP_MOV, INSN_OPND_REG, INSN_ACCESS_WRITE);
		return 0;

	case 0x8a: /* MOV reg, r/m */
	case 0x8b:
		if ((rc = next(d, &m)) || (rc = mem_operand(d, m, out)))
			return rc;
		out->size = b & 1 ? d->opsize : 1;
		reg_operand(d, m, out->size, out);
		set_mem_src(out, INSN_OP_MOV);
		return 0;

	case 0xa0: /* MOV AL/rAX, moffs */
	case 0xa1:
	case 0xa2: /* MOV moffs, AL/rAX */
	case 0xa3:
		rc = next_le(d, addr_size(d), &moffs);
		if (rc)
			return rc;
		out->size = b & 1 ? d->opsize : 1;
		out->reg = INSN_RAX;
		out->reg_size = out->size;
		if (b & 2)
			set_mem_dst(out, INSN_OP_MOV, INSN_OPND_REG, INSN_ACCESS_WRITE);
		else
			set_mem_src(out, INSN_OP_MOV);
		return 0;

	case 0xa4: /* MOVS */
	case 0xa5:
	case 0xaa: /* STOS */
	case 0xab:
	case 0xac: /* LODS */
	case 0xad:
		return decode_string(d, b, out);

	case 0xc6: /* MOV r/m8, imm8 */
	case 0xc7: /* MOV r/m, iz */
		if ((rc = next(d, &m)))
			return rc;
		if (m == 0xf8) /* C6 F8 XABORT, C7 F8 XBEGIN */
			return -EOPNOTSUPP;
		if ((m >> 3) & 7)
			return -EINVAL;
		if ((rc = mem_operand(d, m, out)))
			return rc;
		out->size = b & 1 ? d->opsize : 1;
		rc = immediate(d, b & 1 ? iz(d) : 1, out->size, out);
		if (rc)
			return rc;
		set_mem_dst(out, INSN_OP_MOV, INSN_OPND_IMM, INSN_ACCESS_WRITE);
		return 0;

	case 0xf6: /* group 3: TEST r/m, imm is /0 (and /1, which CPUs run */
	case 0xf7: /* as TEST too); NOT NEG MUL IMUL DIV IDIV are not here */
		if ((rc = next(d, &m)))
			return rc;
		if ((m >> 3) & 6)
			return -EOPNOTSUPP;
		if ((rc = mem_operand(d, m, out)))
			return rc;
		out->size = b & 1 ? d->opsize : 1;
		rc = immediate(d, b & 1 ? iz(d) : 1, out->size, out);
		if (rc)
			return rc;
		set_mem_dst(out, INSN_OP_TEST, INSN_OPND_IMM, INSN_ACCESS_READ);
		return 0;

	case 0x0f:
		return decode_0f(d, out);

	default:
		/* VEX (C4/C5), EVEX (62), XOP (8F) and their legacy meanings
		 * (LES, LDS, BOUND, POP r/m), x87, and everything else. */
		return -EOPNOTSUPP;
	}
}

int insn_decode(const uint8_t *bytes, size_t len, enum insn_mode mode, struct insn_mmio *out)
{
	struct dec d = {
		.bytes = bytes,
		.avail = len < INSN_MAX_LEN ? len : INSN_MAX_LEN,
		.len = len,
		.mode = mode,
	};
	uint8_t b;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (mode != INSN_MODE_16 && mode != INSN_MODE_32 && mode != INSN_MODE_64)
		return -EINVAL;
	if (!bytes)
		d.avail = 0; /* truncated if len == 0, invalid otherwise */

	/* Prefixes. A REX counts only as the last one before the opcode. */
	for (;;) {
		rc = next(&d, &b);
		if (rc)
			goto out;
		switch (b) {
		case 0xf0:
			out->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			d.last_rep = b;
			break;
		case 0x26: out->seg = INSN_SEG_ES; break;
		case 0x2e: out->seg = INSN_SEG_CS; break;
		case 0x36: out->seg = INSN_SEG_SS; break;
		case 0x3e: out->seg = INSN_SEG_DS; break;
		case 0x64: out->seg = INSN_SEG_FS; break;
		case 0x65: out->seg = INSN_SEG_GS; break;
		case 0x66:
			d.p66 = true;
			break;
		case 0x67:
			d.p67 = true;
			break;
		default:
			if (mode == INSN_MODE_64 && (b & 0xf0) == 0x40) {
				d.rex = b;
				continue;
			}
			goto opcode;
		}
		d.rex = 0;
	}

opcode:
	if (mode == INSN_MODE_64)
		d.opsize = d.rex & REX_W ? 8 : d.p66 ? 2 : 4;
	else if (mode == INSN_MODE_32)
		d.opsize = d.p66 ? 2 : 4;
	else
		d.opsize = d.p66 ? 4 : 2;
	out->mode = mode;
	out->addr_size = addr_size(&d);

	rc = decode_opcode(&d, b, out);
	if (rc)
		goto out;

	/* LOCK: only a read-modify-write of memory (never CMP, TEST, MOV or
	 * the string instructions); elsewhere the CPU raises #UD. */
	if (out->lock && !(out->op == INSN_OP_XCHG ||
			   (out->op < INSN_OP_CMP && out->dst == INSN_OPND_MEM))) {
		rc = -EINVAL;
		goto out;
	}
	out->len = (uint8_t)d.pos;
	return 0;

out: {
	bool truncated = d.truncated;

	memset(out, 0, sizeof(*out));
	out->truncated = rc == -EINVAL && truncated;
	return rc;
}
}
