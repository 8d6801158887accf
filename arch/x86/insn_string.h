/* String instructions that hv completes for the guest, element by
 * element, on its memory as the guest's page tables map it: INS and OUTS
 * (a port I/O exit with the string bit) and MOVS with an MMIO operand
 * (the MMIO decoder in arch/x86/insn_decode.h hands it over). Pure: the
 * translation, the memory and the ports are callbacks, so the element
 * loop runs on fakes in the host unit tests.
 *
 * What the CPU does and this does too (Intel SDM Vol. 2, INS/OUTS/MOVS
 * and "REP"; AMD APM Vol. 3): the source is seg:[rSI] (DS unless
 * overridden), the destination ES:[rDI]; rSI, rDI and rCX at the address
 * size (16, 32 or 64 bits: the wider bits stay as they are for 16, are
 * zeroed for 32); each element steps them by its size, down with
 * RFLAGS.DF; a REP prefix repeats while rCX != 0 and does nothing with
 * rCX == 0; a fault leaves the registers at the faulting element, with
 * the elements before it done, so that the re-executed instruction goes
 * on from there. An element that crosses a page is translated on both
 * pages before any of it is accessed; INS translates its destination
 * before it reads the port, so a fault loses no input.
 * Not modelled: segment limits and types (flat segments assumed), #SS for
 * SS-relative sources (#GP is raised), alignment checks, breakpoints. */
#ifndef ARCH_X86_INSN_STRING_H
#define ARCH_X86_INSN_STRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/insn_decode.h"

enum string_kind {
	STRING_INS,  /* ES:[rDI] <- port */
	STRING_OUTS, /* port <- seg:[rSI] */
	STRING_MOVS, /* ES:[rDI] <- seg:[rSI] */
};

struct string_op {
	uint8_t kind;      /* enum string_kind */
	uint8_t size;      /* bytes per element: 1, 2, 4 (8 for MOVSQ) */
	uint8_t addr_size; /* 2, 4 or 8 */
	bool rep;          /* F3 or F2: both repeat these */
	bool long_mode;    /* EFER.LMA: outside it linear addresses wrap at 4 GiB */
	bool user;         /* CPL 3: accesses are user accesses */
	uint16_t port;     /* INS, OUTS */
	uint64_t src_base; /* the source segment's base (OUTS, MOVS) */
	uint64_t dst_base; /* ES's base (INS, MOVS) */
};

/* The guest, as the element loop reaches it. translate returns as
 * guest_walk() (arch/x86/guest_walk.h) does: 0 with *gpa, -EFAULT with
 * *pfec, -EINVAL for a non-canonical address, -EIO for a page table
 * outside RAM. The others access size bytes within one 4 KiB page and
 * return 0 or a negative errno that ends the run (STRING_STOP). */
struct string_env {
	int (*translate)(void *ctx, uint64_t la, unsigned access, uint64_t *gpa, uint32_t *pfec);
	int (*mem_read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *value);
	int (*mem_write)(void *ctx, uint64_t gpa, unsigned size, uint64_t value);
	int (*port_in)(void *ctx, uint16_t port, unsigned size, uint64_t *value);
	int (*port_out)(void *ctx, uint16_t port, unsigned size, uint64_t value);
	void *ctx;
};

enum string_status {
	STRING_DONE,  /* the instruction is complete: advance RIP */
	STRING_MORE,  /* REP with rCX != 0 left: resume the guest at the same
		       * RIP (it runs again, interrupts taken in between) */
	STRING_FAULT, /* deliver vector (error_code; CR2 = cr2 for #PF) at
		       * the same RIP */
	STRING_STOP,  /* a callback refused: err */
};

struct string_outcome {
	enum string_status status;
	unsigned elements; /* completed in this run */
	uint8_t vector;    /* STRING_FAULT: 14 (#PF) or 13 (#GP, error 0) */
	uint32_t error_code;
	uint64_t cr2;
	int err;           /* STRING_STOP: the callback's errno, -EIO for a
			    * page table outside RAM, -EINVAL for a bad op */
};

/* Elements one exit does at most: the rest runs after the guest had a
 * chance to take its interrupts. */
#define STRING_MAX_ELEMENTS 256

/* Runs op on regs (rSI, rDI, rCX, RFLAGS.DF) for at most max elements
 * (1..STRING_MAX_ELEMENTS; 0 is taken as 1) and says how it ended in
 * *out. */
void string_run(const struct string_op *op, struct insn_regs *regs,
		const struct string_env *env, unsigned max, struct string_outcome *out);

/* What an I/O exit may not say about its INS/OUTS (SVM names the segment
 * only with decode assists; QEMU TCG leaves the address size out too). */
struct string_io_prefixes {
	uint8_t seg;       /* enum insn_seg: the last override, as on
			    * hardware; INSN_SEG_NONE for none */
	uint8_t addr_size; /* 2, 4 or 8: mode's default, or its 67 form */
};

/* Decodes the INS/OUTS (6C-6F) at bytes[0..len) in mode: 0, or -EINVAL
 * when the bytes are no INS/OUTS. */
int string_io_decode(const uint8_t *bytes, size_t len, enum insn_mode mode,
		     struct string_io_prefixes *out);

#endif
