/* libFuzzer target: arch/x86/insn_string.c. Each input picks a string
 * operation, its registers and a guest whose pages translate, fault or
 * lie outside RAM by a hash of the input; the run must keep every access
 * within one page of the fake RAM, stop within its bound, say DONE/MORE
 * as rCX says, and change nothing but rSI, rDI and rCX at the address
 * size. string_io_decode() gets the same bytes in all three modes. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86/insn_string.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define PAGES 8

struct fake {
	uint64_t seed;
	uint8_t ram[PAGES][4096];
	unsigned accesses;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static int translate(void *ctx, uint64_t la, unsigned access, uint64_t *gpa, uint32_t *pfec)
{
	struct fake *f = ctx;
	uint64_t h = mix((la >> 12) ^ f->seed);

	switch (h & 15) {
	case 0: *pfec = access; return -EFAULT;
	case 1: return -EINVAL;
	case 2: return -EIO;
	default:
		*gpa = ((h >> 8) % (PAGES + 1)) * 4096 + (la & 0xfff); /* page PAGES: not RAM */
		return 0;
	}
}

static int access_ram(struct fake *f, uint64_t gpa, unsigned size, uint64_t *v, bool write)
{
	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	CHECK((gpa & 0xfff) + size <= 4096);
	f->accesses++;
	if (gpa / 4096 >= PAGES)
		return -ENXIO;
	uint8_t *p = &f->ram[gpa / 4096][gpa & 0xfff];
	if (write)
		memcpy(p, v, size);
	else
		memcpy(v, p, size);
	return 0;
}

static int mem_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *v)
{
	*v = 0;
	return access_ram(ctx, gpa, size, v, false);
}

static int mem_write(void *ctx, uint64_t gpa, unsigned size, uint64_t v)
{
	return access_ram(ctx, gpa, size, &v, true);
}

static int port_in(void *ctx, uint16_t port, unsigned size, uint64_t *v)
{
	(void)port;
	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	*v = ~0ull;
	((struct fake *)ctx)->accesses++;
	return 0;
}

static int port_out(void *ctx, uint16_t port, unsigned size, uint64_t v)
{
	(void)port;
	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	CHECK(size == 8 || v >> (8 * size) == 0);
	((struct fake *)ctx)->accesses++;
	return 0;
}

static uint64_t take(const uint8_t **data, size_t *len, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && *len; i++, (*data)++, (*len)--)
		v |= (uint64_t)**data << (8 * i);
	return v;
}

static struct fake f;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const uint8_t sizes[] = { 1, 2, 4, 8 }, asizes[] = { 2, 4, 8, 8 };
	const uint8_t *all = data;
	size_t all_len = len;

	for (unsigned m = INSN_MODE_16; m <= INSN_MODE_64; m++) {
		struct string_io_prefixes p;
		if (string_io_decode(all, all_len, m, &p) == 0)
			CHECK(p.seg <= INSN_SEG_GS && (p.addr_size == 2 || p.addr_size == 4 ||
						       p.addr_size == 8));
	}

	uint64_t flags = take(&data, &len, 2);
	struct string_op op = {
		.kind = (uint8_t)(flags % 3),
		.size = sizes[(flags >> 2) & 3],
		.addr_size = asizes[(flags >> 4) & 3],
		.rep = flags & 0x40,
		.long_mode = flags & 0x80,
		.user = flags & 0x100,
		.port = (uint16_t)take(&data, &len, 2),
		.src_base = take(&data, &len, 8),
		.dst_base = take(&data, &len, 8),
	};
	struct insn_regs r = { 0 }, before;
	for (unsigned i = 0; i < 16; i++)
		r.gpr[i] = mix(i + 1) ^ (i == INSN_RSI || i == INSN_RDI || i == INSN_RCX ?
					 take(&data, &len, 8) : 0);
	r.gpr[INSN_RCX] &= (flags & 0x200) ? 0x3ff : ~0ull; /* mostly short runs */
	r.rflags = flags & 0x400 ? INSN_RFLAGS_DF : 0;
	unsigned max = (unsigned)take(&data, &len, 2);
	f.seed = take(&data, &len, 8);
	f.accesses = 0;
	before = r;

	struct string_env env = { translate, mem_read, mem_write, port_in, port_out, &f };
	struct string_outcome o;
	string_run(&op, &r, &env, max, &o);

	unsigned bound = max == 0 ? 1 : max > STRING_MAX_ELEMENTS ? STRING_MAX_ELEMENTS : max;
	uint64_t amask = insn_size_mask(op.addr_size);
	CHECK(o.elements <= bound);
	CHECK(f.accesses <= 2 * 8 * (o.elements + 1));
	if (!op.rep)
		CHECK(o.elements <= 1 && o.status != STRING_MORE);
	if (op.rep && o.status == STRING_DONE)
		CHECK((r.gpr[INSN_RCX] & amask) == 0);
	if (o.status == STRING_MORE)
		CHECK(o.elements == bound && (r.gpr[INSN_RCX] & amask) != 0);
	if (o.status == STRING_FAULT)
		CHECK(o.vector == 13 || o.vector == 14);
	for (unsigned i = 0; i < 16; i++) {
		bool stepped = (i == INSN_RSI && op.kind != STRING_INS) ||
			       (i == INSN_RDI && op.kind != STRING_OUTS) || (i == INSN_RCX && op.rep);
		if (!stepped || o.elements == 0)
			CHECK(r.gpr[i] == before.gpr[i]);
		else if (op.addr_size == 2)
			CHECK((r.gpr[i] & ~0xffffull) == (before.gpr[i] & ~0xffffull));
		else if (op.addr_size == 4)
			CHECK(r.gpr[i] >> 32 == 0);
	}
	CHECK(r.rflags == before.rflags);
	return 0;
}
