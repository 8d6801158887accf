/* Decoding and emulation of the x86 instructions that guests use on MMIO
 * (Intel SDM Vol. 2, chapter 2 and the opcode map of appendix A; AMD APM
 * Vol. 3, chapter 1).
 *
 * A guest access to an MMIO GPA exits (nested page fault, EPT violation)
 * with the GPA but, on SVM without decode assists (QEMU TCG), without the
 * instruction's length, operands or size: the hypervisor fetches the bytes
 * at the guest's RIP (arch/x86/guest_walk.h), decodes them here, performs
 * the access on its device model, applies the effect on the guest's
 * registers (insn_mmio_emulate) and advances RIP by the length. This
 * header serves both halves: insn_decode.c decodes, insn_emulate.c
 * emulates what it decoded.
 *
 * The decoder works on untrusted bytes: it never reads beyond len (nor
 * beyond 15 bytes, the architectural maximum), and it does not compute
 * the memory operand's address (the exit gives the GPA); it parses
 * ModRM/SIB/displacement only to get the length right.
 *
 * Supported (everything else: -EOPNOTSUPP), each with a memory operand:
 *   MOV    88 89 8A 8B; C6 /0 ib, C7 /0 iz; A0 A1 A2 A3 (moffs)
 *   MOVZX  0F B6, 0F B7      MOVSX 0F BE, 0F BF      MOVSXD 63 (64-bit mode)
 *   MOVNTI 0F C3
 *   ADD OR ADC SBB AND SUB XOR CMP: 00-03, 08-0B, 10-13, 18-1B, 20-23,
 *          28-2B, 30-33, 38-3B (r/m,reg and reg,r/m); 80 /n ib, 81 /n iz,
 *          83 /n ib (sign-extended), 82 /n ib (not in 64-bit mode)
 *   TEST   84 85; F6 /0 ib, F7 /0 iz (and /1, which CPUs execute as TEST)
 *   XCHG   86 87
 *   STOS AA AB, LODS AC AD, MOVS A4 A5: with or without REP (F3) or
 *          REPNE (F2, which these instructions treat as REP)
 * Prefixes: 66, 67, segment overrides (recorded), LOCK (where the
 * instruction allows it), F2/F3, REX in 64-bit mode (only when it is the
 * last prefix, as on hardware). VEX, EVEX, XOP and SSE/AVX forms are
 * -EOPNOTSUPP. */
#ifndef ARCH_X86_INSN_DECODE_H
#define ARCH_X86_INSN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INSN_MAX_LEN 15

/* Operand-size arithmetic both the decoder (immediates) and the emulator
 * (registers, MOVSX) do: size is 1, 2, 4 or 8 bytes. */
static inline uint64_t insn_size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static inline uint64_t insn_sign_extend(uint64_t v, unsigned size)
{
	uint64_t m = 1ull << (8 * size - 1);

	v &= insn_size_mask(size);
	return (v ^ m) - m;
}

/* The code segment's default sizes: 64-bit mode (EFER.LMA and CS.L),
 * 32-bit code (CS.D) or 16-bit code (CS.D clear: real mode, VM86, 16-bit
 * protected mode). */
enum insn_mode {
	INSN_MODE_16,
	INSN_MODE_32,
	INSN_MODE_64,
};

static inline enum insn_mode insn_mode_of(bool efer_lma, bool cs_l, bool cs_d)
{
	if (efer_lma && cs_l)
		return INSN_MODE_64;
	return cs_d ? INSN_MODE_32 : INSN_MODE_16;
}

/* What the instruction computes. ADD..CMP are numbered as the ModRM.reg
 * field of 80/81/83 and bits 5:3 of the 00-3B opcodes. */
enum insn_op {
	INSN_OP_ADD = 0,
	INSN_OP_OR = 1,
	INSN_OP_ADC = 2,
	INSN_OP_SBB = 3,
	INSN_OP_AND = 4,
	INSN_OP_SUB = 5,
	INSN_OP_XOR = 6,
	INSN_OP_CMP = 7,  /* flags of dst - src, nothing written */
	INSN_OP_TEST = 8, /* flags of dst & src, nothing written */
	INSN_OP_MOV = 9,  /* also MOVZX, MOVSX, MOVSXD (ext), MOVNTI, moffs */
	INSN_OP_XCHG = 10,
	INSN_OP_STOS = 11, /* mem ES:[rDI] <- rAX */
	INSN_OP_LODS = 12, /* rAX <- mem seg:[rSI] */
	INSN_OP_MOVS = 13, /* mem ES:[rDI] <- mem seg:[rSI] */
};

/* An operand, in Intel order: "op dst, src". */
enum insn_operand {
	INSN_OPND_NONE,
	INSN_OPND_MEM, /* the trapped memory operand */
	INSN_OPND_REG, /* GPR insn_mmio.reg (.reg_high8, .reg_size) */
	INSN_OPND_IMM, /* insn_mmio.imm */
};

/* What the memory operand sees (insn_mmio.access): a read, a write, or
 * both (read-modify-write; for MOVS a read of the source then a write of
 * the destination, two addresses). */
#define INSN_ACCESS_READ  1u
#define INSN_ACCESS_WRITE 2u
#define INSN_ACCESS_RMW   (INSN_ACCESS_READ | INSN_ACCESS_WRITE)

/* How a load of size bytes widens to reg_size bytes. */
enum insn_ext {
	INSN_EXT_NONE,
	INSN_EXT_ZERO, /* MOVZX */
	INSN_EXT_SIGN, /* MOVSX, MOVSXD with REX.W */
};

/* The last segment-override prefix; 0 when there is none. The default is
 * DS (SS for rBP/rSP-based operands), ES:[rDI] for a string destination
 * (never overridden). In 64-bit mode hardware ignores ES/CS/SS/DS
 * overrides (base 0): they are recorded all the same. */
enum insn_seg {
	INSN_SEG_NONE,
	INSN_SEG_ES,
	INSN_SEG_CS,
	INSN_SEG_SS,
	INSN_SEG_DS,
	INSN_SEG_FS,
	INSN_SEG_GS,
};

/* String instructions only: F3 (REP) or F2 (REPNE; STOS/LODS/MOVS repeat
 * on it exactly as on REP). Elsewhere F2/F3 are ignored and rep is 0. */
enum insn_rep {
	INSN_REP_NONE,
	INSN_REP_E,
	INSN_REP_NE,
};

struct insn_mmio {
	uint8_t len;       /* bytes, 1..15: the caller advances RIP by this */
	uint8_t mode;      /* enum insn_mode it was decoded in */
	uint8_t op;        /* enum insn_op */
	uint8_t access;    /* INSN_ACCESS_*: what the MMIO operand sees */
	uint8_t dst, src;  /* enum insn_operand: the operands, Intel order */
	uint8_t size;      /* bytes of each memory access: 1, 2, 4 or 8 */
	/* The register operand (dst or src INSN_OPND_REG): its GPR number
	 * (0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15
	 * R8-R15) and width. reg_high8: the byte register encoded 4-7
	 * without any REX prefix, AH/CH/DH/BH: bits 15:8 of GPR reg (0-3).
	 * reg_size is size except for MOVZX/MOVSX/MOVSXD, whose register
	 * (the destination) is 2, 4 or 8 bytes wide. */
	uint8_t reg;
	bool reg_high8;
	uint8_t reg_size;
	uint8_t ext;       /* enum insn_ext: loads only */
	uint8_t addr_size; /* 2, 4 or 8: the address size, i.e. the width of
			    * rSI/rDI/rCX a string instruction uses */
	uint8_t seg;       /* enum insn_seg */
	uint8_t rep;       /* enum insn_rep */
	bool lock;         /* a LOCK prefix (XCHG locks without it) */
	bool rip_relative; /* 64-bit mode [RIP/EIP + disp32] operand */
	/* On -EINVAL only: the bytes ran out (len < 15) before the
	 * instruction ended. After a fetch cut short by a page fault, that
	 * fault is the one to deliver; otherwise the encoding is invalid
	 * (#UD; #GP for an instruction longer than 15 bytes). */
	bool truncated;
	/* src == INSN_OPND_IMM: the immediate sign-extended to the operand
	 * size (imm8 of 83, imm32 of REX.W 81/C7/F7) and truncated to it:
	 * bits beyond size * 8 are 0. */
	uint64_t imm;
};

/* Decodes the instruction at bytes[0..len) in mode. Returns 0 and fills
 * *out, or:
 *   -EINVAL     truncated (out->truncated), longer than 15 bytes, or an
 *               invalid encoding: a form that #UDs (LOCK where not allowed,
 *               82 in 64-bit mode, C6/C7 with ModRM.reg != 0, ...) or a
 *               supported instruction with a register operand in place of
 *               memory (ModRM.mod == 3), which cannot have made the access;
 *   -EOPNOTSUPP a valid instruction this decoder does not emulate (other
 *               opcodes, VEX/EVEX/XOP, SSE/AVX, MOVSXD with 66, ...).
 * Reads no byte at or beyond bytes + len. */
int insn_decode(const uint8_t *bytes, size_t len, enum insn_mode mode, struct insn_mmio *out);

/* The guest's general registers for insn_mmio_emulate. */
enum insn_gpr {
	INSN_RAX, INSN_RCX, INSN_RDX, INSN_RBX, INSN_RSP, INSN_RBP, INSN_RSI, INSN_RDI,
	INSN_R8, INSN_R9, INSN_R10, INSN_R11, INSN_R12, INSN_R13, INSN_R14, INSN_R15,
};

struct insn_regs {
	uint64_t gpr[16]; /* enum insn_gpr order */
	uint64_t rflags;
};

/* RFLAGS bits the emulation reads or writes. */
#define INSN_RFLAGS_CF (1ull << 0)
#define INSN_RFLAGS_PF (1ull << 2)
#define INSN_RFLAGS_AF (1ull << 4)
#define INSN_RFLAGS_ZF (1ull << 6)
#define INSN_RFLAGS_SF (1ull << 7)
#define INSN_RFLAGS_DF (1ull << 10)
#define INSN_RFLAGS_OF (1ull << 11)
#define INSN_RFLAGS_ARITH (INSN_RFLAGS_CF | INSN_RFLAGS_PF | INSN_RFLAGS_AF | \
			   INSN_RFLAGS_ZF | INSN_RFLAGS_SF | INSN_RFLAGS_OF)

/* Applies a decoded instruction: the memory operand through the callbacks
 * (read returns the size-byte value in its low bits; higher bits are
 * ignored), the register and flag effects on *regs:
 *   - register writes as hardware does them: 8- and 16-bit writes keep the
 *     other bits (AH..BH: bits 15:8), 32-bit writes zero bits 63:32;
 *     MOVZX/MOVSX/MOVSXD extend to reg_size;
 *   - ADD/ADC/SUB/SBB/CMP set CF PF AF ZF SF OF; AND/OR/XOR/TEST set PF ZF
 *     SF and clear CF OF AF; MOV/XCHG and the string instructions leave
 *     RFLAGS alone; ADC/SBB read CF;
 *   - the order of accesses: read before write (read-modify-write, XCHG,
 *     MOVS: read is the source ES/DS:[rSI], write the destination
 *     ES:[rDI]); CMP, TEST, loads and LODS only read, MOV stores and STOS
 *     only write.
 * String instructions do ONE element per call: the access(es) at the
 * current rSI/rDI, then rSI/rDI step by size (down when RFLAGS.DF is set)
 * and, with REP, rCX counts down, all at addr_size width (a 16-bit
 * address size changes bits 15:0 only; 32-bit zeroes bits 63:32). The
 * callbacks always run before any register changes, so a ctx pointing at
 * *regs sees the element's rSI/rDI. With REP and rCX == 0 nothing is
 * accessed or changed.
 * Returns 0 when the instruction is complete (advance RIP by i->len), 1
 * when a REP string instruction has elements left (rCX != 0): leave RIP,
 * and either call again (re-translating rSI/rDI) or resume the guest,
 * which re-executes it and takes pending interrupts in between as
 * hardware does; -EINVAL for a struct insn_decode did not produce. */
int insn_mmio_emulate(const struct insn_mmio *i, struct insn_regs *regs,
		      uint64_t (*read)(void *ctx, unsigned size),
		      void (*write)(void *ctx, unsigned size, uint64_t v), void *ctx);

#endif
