/* libFuzzer target: arch/x86/insn_decode.c and insn_emulate.c. Each input
 * is decoded in all three modes from an exact-size heap copy (a read beyond
 * len is a heap-buffer-overflow ASan reports); whatever decodes must have a
 * length within len and 15, decode identically from exactly its own bytes,
 * be truncated one byte short, and emulate (dummy device, random registers)
 * without touching anything but its operands. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/insn_decode.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

struct dummy {
	uint64_t value;
	unsigned reads, writes;
};

static uint64_t dummy_read(void *ctx, unsigned size)
{
	struct dummy *d = ctx;

	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	d->reads++;
	return d->value;
}

static void dummy_write(void *ctx, unsigned size, uint64_t v)
{
	struct dummy *d = ctx;

	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	CHECK(size == 8 || v >> (8 * size) == 0);
	d->writes++;
}

static int decode_copy(const uint8_t *data, size_t len, enum insn_mode mode,
		       struct insn_mmio *out)
{
	uint8_t *p = malloc(len ? len : 1);
	int rc;

	CHECK(p);
	memcpy(p, data, len);
	rc = insn_decode(p, len, mode, out);
	free(p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum insn_mode modes[] = { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };

	for (size_t m = 0; m < 3; m++) {
		struct insn_mmio i, again;
		struct insn_regs regs;
		struct dummy d = { 0 };
		int rc = decode_copy(data, size, modes[m], &i);

		CHECK(rc == 0 || rc == -EINVAL || rc == -EOPNOTSUPP);
		if (rc) {
			CHECK(!i.truncated || (rc == -EINVAL && size < INSN_MAX_LEN));
			continue;
		}
		CHECK(i.len >= 1 && i.len <= INSN_MAX_LEN && i.len <= size);
		CHECK(i.size == 1 || i.size == 2 || i.size == 4 || i.size == 8);
		CHECK(i.addr_size == 2 || i.addr_size == 4 || i.addr_size == 8);
		CHECK(i.reg < 16 && (!i.reg_high8 || i.reg < 4));
		CHECK(i.dst == INSN_OPND_MEM || i.src == INSN_OPND_MEM);
		CHECK(i.access >= INSN_ACCESS_READ && i.access <= INSN_ACCESS_RMW);
		CHECK(i.src != INSN_OPND_IMM || i.size == 8 || i.imm >> (8 * i.size) == 0);

		CHECK(decode_copy(data, i.len, modes[m], &again) == 0);
		CHECK(memcmp(&i, &again, sizeof(i)) == 0);
		CHECK(decode_copy(data, i.len - 1u, modes[m], &again) == -EINVAL);
		CHECK(again.truncated);

		/* Registers and the device value from the input's tail. */
		for (unsigned r = 0; r < 16; r++)
			regs.gpr[r] = 0x0101010101010101ull * r;
		regs.rflags = 0x2;
		if (size >= 8)
			memcpy(&d.value, data + size - 8, 8);
		if (size)
			regs.rflags |= data[0] & 1 ? INSN_RFLAGS_DF | INSN_RFLAGS_CF : 0;
		rc = insn_mmio_emulate(&i, &regs, dummy_read, dummy_write, &d);
		CHECK(rc == 0 || rc == 1);
		CHECK(rc == 0 || i.rep);
		CHECK(d.reads <= 1 && d.writes <= 1);
		CHECK(!(i.access & INSN_ACCESS_WRITE) || d.writes == 1 || i.op == INSN_OP_CMP ||
		      (i.rep && rc == 0));
		CHECK((regs.rflags & ~(INSN_RFLAGS_ARITH | INSN_RFLAGS_DF)) == 0x2);
	}
	return 0;
}
