/* arch/x86/insn_string.c: the INS/OUTS/MOVS element loop on a fake guest
 * (a page map, RAM, an MMIO device and a port): direction, address sizes,
 * REP with rCX = 0, faults on page crossings and bounded progress. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/guest_walk.h"
#include "arch/x86/insn_string.h"

#define RAM_BASE 0x100000ull
#define RAM_SIZE 0x10000u
#define MMIO_BASE 0xfee00000ull
#define MMIO_SIZE 0x1000u
#define NO_GPA ~0ull

struct mapping {
	uint64_t la_page, gpa_page;
};

struct fake {
	struct mapping map[8];
	unsigned maps;
	uint8_t ram[RAM_SIZE];
	uint8_t mmio[MMIO_SIZE];
	unsigned mmio_accesses;
	uint8_t port_out[1024];
	unsigned outs, ins;
	unsigned translations;
	uint64_t last_access;
	int write_error; /* returned by mem_write, when set */
};

static struct fake f;

static void map(uint64_t la, uint64_t gpa)
{
	f.map[f.maps++] = (struct mapping){ la & ~0xfffull, gpa };
}

static int translate(void *ctx, uint64_t la, unsigned access, uint64_t *gpa, uint32_t *pfec)
{
	(void)ctx;
	f.translations++;
	f.last_access = access;
	if (la >= (1ull << 47) && la < ~((1ull << 47) - 1))
		return -EINVAL;
	for (unsigned i = 0; i < f.maps; i++)
		if (f.map[i].la_page == (la & ~0xfffull)) {
			if (f.map[i].gpa_page == NO_GPA)
				return -EIO;
			*gpa = f.map[i].gpa_page + (la & 0xfff);
			return 0;
		}
	*pfec = access & (GW_PFEC_W | GW_PFEC_U);
	return -EFAULT;
}

static uint8_t *mem(uint64_t gpa, unsigned size)
{
	if (gpa >= RAM_BASE && gpa + size <= RAM_BASE + RAM_SIZE)
		return &f.ram[gpa - RAM_BASE];
	if (gpa >= MMIO_BASE && gpa + size <= MMIO_BASE + MMIO_SIZE) {
		f.mmio_accesses++;
		return &f.mmio[gpa - MMIO_BASE];
	}
	return NULL;
}

static int mem_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *v)
{
	uint8_t *p = mem(gpa, size);

	(void)ctx;
	assert_true((gpa & 0xfff) + size <= 0x1000);
	if (!p)
		return -ENXIO;
	*v = 0;
	memcpy(v, p, size);
	return 0;
}

static int mem_write(void *ctx, uint64_t gpa, unsigned size, uint64_t v)
{
	uint8_t *p = mem(gpa, size);

	(void)ctx;
	assert_true((gpa & 0xfff) + size <= 0x1000);
	if (f.write_error)
		return f.write_error;
	if (!p)
		return -ENXIO;
	memcpy(p, &v, size);
	return 0;
}

/* The port hands out 0x11, 0x22, ... (a byte per element, times size). */
static int port_in(void *ctx, uint16_t port, unsigned size, uint64_t *v)
{
	(void)ctx;
	assert_int_equal(port, 0x1f0);
	f.ins++;
	*v = 0x1111111111111111ull * (f.ins & 0xf) & insn_size_mask(size);
	return 0;
}

static int port_out(void *ctx, uint16_t port, unsigned size, uint64_t v)
{
	(void)ctx;
	assert_int_equal(port, 0x3f8);
	for (unsigned i = 0; i < size && f.outs < sizeof(f.port_out); i++)
		f.port_out[f.outs++] = (uint8_t)(v >> (8 * i));
	return 0;
}

static const struct string_env env = { translate, mem_read, mem_write, port_in, port_out, NULL };

static int setup(void **state)
{
	(void)state;
	memset(&f, 0, sizeof(f));
	for (unsigned i = 0; i < RAM_SIZE; i++)
		f.ram[i] = (uint8_t)i;
	/* Linear 0x400000.. maps RAM page by page. */
	for (unsigned i = 0; i < 4; i++)
		map(0x400000 + i * 0x1000ull, RAM_BASE + i * 0x1000ull);
	return 0;
}

static struct string_op outs(unsigned size, unsigned asize, bool rep)
{
	return (struct string_op){ .kind = STRING_OUTS, .size = (uint8_t)size,
				   .addr_size = (uint8_t)asize, .rep = rep, .long_mode = true,
				   .port = 0x3f8 };
}

static struct string_op ins(unsigned size, unsigned asize, bool rep)
{
	return (struct string_op){ .kind = STRING_INS, .size = (uint8_t)size,
				   .addr_size = (uint8_t)asize, .rep = rep, .long_mode = true,
				   .port = 0x1f0 };
}

static void rep_outsb_forward(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(1, 8, true);

	r.gpr[INSN_RSI] = 0x400010;
	r.gpr[INSN_RCX] = 5;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(o.elements, 5);
	assert_int_equal(f.outs, 5);
	assert_memory_equal(f.port_out, "\x10\x11\x12\x13\x14", 5);
	assert_int_equal(r.gpr[INSN_RSI], 0x400015);
	assert_int_equal(r.gpr[INSN_RCX], 0);
	assert_int_equal(f.last_access, 0); /* a supervisor read */
}

static void direction_flag_steps_down(void **state)
{
	(void)state;
	struct insn_regs r = { .rflags = INSN_RFLAGS_DF };
	struct string_outcome o;
	struct string_op op = ins(2, 8, true);

	op.user = true;
	r.gpr[INSN_RDI] = 0x400104;
	r.gpr[INSN_RCX] = 3;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(f.last_access, GW_PFEC_W | GW_PFEC_U);
	assert_int_equal(r.gpr[INSN_RDI], 0x4000fe);
	/* 0x1111 at 0x104, 0x2222 at 0x102, 0x3333 at 0x100. */
	assert_memory_equal(&f.ram[0x100], "\x33\x33\x22\x22\x11\x11", 6);
	assert_int_equal(f.ram[0x106], 0x06);
	assert_int_equal(f.ram[0xff], 0xff);
}

static void address_size_16_wraps_and_keeps_high_bits(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(1, 2, true);

	op.long_mode = false;
	op.src_base = 0x400000;
	map(0x40f000, RAM_BASE + 0x2000);
	r.gpr[INSN_RSI] = 0xdead0000ffffull; /* SI = 0xffff, then 0x0000 */
	r.gpr[INSN_RCX] = 0x123450002ull;    /* CX = 2 */
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(f.outs, 2);
	assert_int_equal(f.port_out[0], 0xff); /* 0x40ffff: RAM + 0x2fff */
	assert_int_equal(f.port_out[1], 0x00);
	assert_int_equal(r.gpr[INSN_RSI], 0xdead00000001ull);
	assert_int_equal(r.gpr[INSN_RCX], 0x123450000ull);
}

static void address_size_32_zero_extends(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(4, 4, true);

	r.gpr[INSN_RSI] = 0xffffffff00400000ull;
	r.gpr[INSN_RCX] = 0xffffffff00000001ull;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(f.outs, 4);
	assert_int_equal(r.gpr[INSN_RSI], 0x400004);
	assert_int_equal(r.gpr[INSN_RCX], 0);
}

static void rep_with_zero_count_does_nothing(void **state)
{
	(void)state;
	struct insn_regs r = { 0 }, before;
	struct string_outcome o;
	struct string_op op = ins(1, 4, true);

	r.gpr[INSN_RDI] = 0x400000;
	r.gpr[INSN_RCX] = 0x700000000ull; /* ECX = 0 */
	before = r;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(o.elements, 0);
	assert_int_equal(f.ins + f.translations, 0);
	assert_memory_equal(&r, &before, sizeof(r));
}

static void no_rep_one_element_rcx_untouched(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(2, 8, false);

	r.gpr[INSN_RSI] = 0x400020;
	r.gpr[INSN_RCX] = 0; /* without REP it does not count */
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(o.elements, 1);
	assert_int_equal(f.outs, 2);
	assert_int_equal(r.gpr[INSN_RCX], 0);
	assert_int_equal(r.gpr[INSN_RSI], 0x400022);
}

static void fault_on_the_second_page_of_an_element(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = ins(4, 8, true);

	/* 0x404000 is not mapped: the element at 0x403ffe straddles it. */
	r.gpr[INSN_RDI] = 0x403ff6;
	r.gpr[INSN_RCX] = 10;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_FAULT);
	assert_int_equal(o.vector, 14);
	assert_int_equal(o.cr2, 0x404000);
	assert_int_equal(o.error_code, GW_PFEC_W);
	assert_int_equal(o.elements, 2);
	assert_int_equal(f.ins, 2); /* the faulting element read no input */
	assert_int_equal(r.gpr[INSN_RDI], 0x403ffe);
	assert_int_equal(r.gpr[INSN_RCX], 8);
	assert_int_equal(f.ram[0x3ffe], 0xfe); /* nothing of it written */
}

static void element_split_over_two_pages(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(4, 8, false);

	/* Linear 0x500000 and 0x501000 map RAM pages 3 and 1, apart. */
	map(0x500000, RAM_BASE + 0x3000);
	map(0x501000, RAM_BASE + 0x1000);
	r.gpr[INSN_RSI] = 0x500ffe;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_memory_equal(f.port_out, "\xfe\xff\x00\x01", 4);
	assert_int_equal(f.translations, 2);
}

static void progress_is_bounded(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(1, 8, true);

	r.gpr[INSN_RSI] = 0x400000;
	r.gpr[INSN_RCX] = 1000;
	string_run(&op, &r, &env, 5000, &o);
	assert_int_equal(o.status, STRING_MORE);
	assert_int_equal(o.elements, STRING_MAX_ELEMENTS);
	assert_int_equal(r.gpr[INSN_RCX], 1000 - STRING_MAX_ELEMENTS);
	string_run(&op, &r, &env, 10, &o);
	assert_int_equal(o.status, STRING_MORE);
	assert_int_equal(r.gpr[INSN_RCX], 1000 - STRING_MAX_ELEMENTS - 10);
	for (unsigned i = 0; i < 10 && o.status == STRING_MORE; i++)
		string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(r.gpr[INSN_RCX], 0);
	assert_int_equal(r.gpr[INSN_RSI], 0x400000 + 1000);
	assert_int_equal(f.outs, 1000);
	/* Exactly at the bound with nothing left: done, not more. */
	r.gpr[INSN_RCX] = 7;
	string_run(&op, &r, &env, 7, &o);
	assert_int_equal(o.status, STRING_DONE);
}

static void non_canonical_is_gp(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(1, 8, true);

	r.gpr[INSN_RSI] = 0x0000800000000000ull;
	r.gpr[INSN_RCX] = 3;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_FAULT);
	assert_int_equal(o.vector, 13);
	assert_int_equal(o.error_code, 0);
	assert_int_equal(r.gpr[INSN_RCX], 3);
}

static void legacy_mode_wraps_at_4g(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(1, 4, false);

	op.long_mode = false;
	op.src_base = 0xfff00000; /* + 0x500010 wraps to 0x400010 */
	r.gpr[INSN_RSI] = 0x500010;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(f.port_out[0], 0x10);
}

/* An element at 0xfffffffe runs on at linear 0, outside long mode. */
static void legacy_element_crossing_4g(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(4, 4, false);

	op.long_mode = false;
	map(0xfffff000, RAM_BASE + 0x2000);
	map(0x0, RAM_BASE + 0x1000);
	r.gpr[INSN_RSI] = 0xfffffffe;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_memory_equal(f.port_out, "\xfe\xff\x00\x01", 4);
	assert_int_equal(r.gpr[INSN_RSI], 2);
}

static void page_table_outside_ram_stops(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(1, 8, true);

	map(0x600000, NO_GPA);
	r.gpr[INSN_RSI] = 0x600000;
	r.gpr[INSN_RCX] = 1;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_STOP);
	assert_int_equal(o.err, -EIO);
}

static void ins_to_what_is_not_ram_stops(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = ins(1, 8, true);

	map(0x700000, 0x80000000ull); /* a hole */
	r.gpr[INSN_RDI] = 0x700000;
	r.gpr[INSN_RCX] = 4;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_STOP);
	assert_int_equal(o.err, -ENXIO);
	assert_int_equal(o.elements, 0);
	assert_int_equal(r.gpr[INSN_RCX], 4);
}

static struct string_op movs(unsigned size, bool rep)
{
	return (struct string_op){ .kind = STRING_MOVS, .size = (uint8_t)size, .addr_size = 8,
				   .rep = rep, .long_mode = true };
}

static void movs_mmio_to_ram_and_back(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = movs(4, true);

	map(0x800000, MMIO_BASE);
	for (unsigned i = 0; i < 16; i++)
		f.mmio[i] = (uint8_t)(0xa0 + i);
	/* rep movsl from the device to RAM (memcpy_fromio). */
	r.gpr[INSN_RSI] = 0x800000;
	r.gpr[INSN_RDI] = 0x402000;
	r.gpr[INSN_RCX] = 4;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(f.mmio_accesses, 4);
	assert_memory_equal(&f.ram[0x2000], f.mmio, 16);
	assert_int_equal(r.gpr[INSN_RSI], 0x800010);
	assert_int_equal(r.gpr[INSN_RDI], 0x402010);
	/* And back from RAM to the device, downwards, one movsq. */
	op = movs(8, false);
	r.rflags = INSN_RFLAGS_DF;
	r.gpr[INSN_RSI] = 0x401000;
	r.gpr[INSN_RDI] = 0x800100;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_memory_equal(&f.mmio[0x100], &f.ram[0x1000], 8);
	assert_int_equal(r.gpr[INSN_RSI], 0x400ff8);
	assert_int_equal(r.gpr[INSN_RDI], 0x8000f8);
}

static void movs_mmio_to_mmio(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = movs(2, true);

	map(0x800000, MMIO_BASE);
	f.mmio[0x10] = 0x34;
	f.mmio[0x11] = 0x12;
	r.gpr[INSN_RSI] = 0x800010;
	r.gpr[INSN_RDI] = 0x800020;
	r.gpr[INSN_RCX] = 1;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_DONE);
	assert_int_equal(f.mmio[0x20], 0x34);
	assert_int_equal(f.mmio[0x21], 0x12);
	assert_int_equal(f.mmio_accesses, 2);
}

static void movs_fault_on_the_destination(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = movs(1, true);

	op.user = true;
	r.gpr[INSN_RSI] = 0x400000;
	r.gpr[INSN_RDI] = 0x903fff; /* not mapped */
	r.gpr[INSN_RCX] = 2;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_FAULT);
	assert_int_equal(o.vector, 14);
	assert_int_equal(o.cr2, 0x903fff);
	assert_int_equal(o.error_code, GW_PFEC_W | GW_PFEC_U);
	assert_int_equal(r.gpr[INSN_RCX], 2);
	assert_int_equal(r.gpr[INSN_RSI], 0x400000);
}

static void movs_refused_write_stops(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = movs(4, true);

	f.write_error = -EPERM;
	r.gpr[INSN_RSI] = 0x400000;
	r.gpr[INSN_RDI] = 0x401000;
	r.gpr[INSN_RCX] = 3;
	string_run(&op, &r, &env, STRING_MAX_ELEMENTS, &o);
	assert_int_equal(o.status, STRING_STOP);
	assert_int_equal(o.err, -EPERM);
	assert_int_equal(r.gpr[INSN_RCX], 3);
}

static void invalid_op_is_refused(void **state)
{
	(void)state;
	struct insn_regs r = { 0 };
	struct string_outcome o;
	struct string_op op = outs(3, 8, false);

	string_run(&op, &r, &env, 1, &o);
	assert_int_equal(o.status, STRING_STOP);
	op = outs(1, 1, false);
	string_run(&op, &r, &env, 1, &o);
	assert_int_equal(o.status, STRING_STOP);
	assert_int_equal(f.translations, 0);
}

/* Decodes bytes in mode: the segment * 16 + address size, or -EINVAL. */
static int io_decode(const char *bytes, size_t len, enum insn_mode mode)
{
	struct string_io_prefixes p = { 0xee, 0xee };
	int rc = string_io_decode((const uint8_t *)bytes, len, mode, &p);

	return rc ? rc : p.seg * 16 + p.addr_size;
}

static void prefixes_of_ins_outs(void **state)
{
	(void)state;
	assert_int_equal(io_decode("\xf3\x6e", 2, INSN_MODE_64), INSN_SEG_NONE * 16 + 8);
	assert_int_equal(io_decode("\x26\x65\xf3\x6f", 4, INSN_MODE_32), INSN_SEG_GS * 16 + 4);
	assert_int_equal(io_decode("\x2e\x66\x67\x48\x6f", 5, INSN_MODE_64), INSN_SEG_CS * 16 + 4);
	assert_int_equal(io_decode("\x67\xf3\x6c", 3, INSN_MODE_32), INSN_SEG_NONE * 16 + 2);
	assert_int_equal(io_decode("\x67\x6d", 2, INSN_MODE_16), INSN_SEG_NONE * 16 + 4);
	assert_int_equal(io_decode("\x6c", 1, INSN_MODE_16), INSN_SEG_NONE * 16 + 2);
	/* REX is a prefix only in 64-bit mode, and only last. */
	assert_int_equal(io_decode("\x48\x6f", 2, INSN_MODE_32), -EINVAL);
	assert_int_equal(io_decode("\x48\x64\x6f", 3, INSN_MODE_64), -EINVAL);
	assert_int_equal(io_decode("\x64\xee", 2, INSN_MODE_16), -EINVAL);
	assert_int_equal(io_decode("\x64\x64", 2, INSN_MODE_16), -EINVAL);
	assert_int_equal(io_decode("", 0, INSN_MODE_16), -EINVAL);
	assert_int_equal(io_decode("\x26\x26\x26\x26\x26\x26\x26\x26\x26\x26\x26\x26\x26\x26\x26\x6c",
				   16, INSN_MODE_32), -EINVAL); /* beyond 15 bytes */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(rep_outsb_forward, setup),
		cmocka_unit_test_setup(direction_flag_steps_down, setup),
		cmocka_unit_test_setup(address_size_16_wraps_and_keeps_high_bits, setup),
		cmocka_unit_test_setup(address_size_32_zero_extends, setup),
		cmocka_unit_test_setup(rep_with_zero_count_does_nothing, setup),
		cmocka_unit_test_setup(no_rep_one_element_rcx_untouched, setup),
		cmocka_unit_test_setup(fault_on_the_second_page_of_an_element, setup),
		cmocka_unit_test_setup(element_split_over_two_pages, setup),
		cmocka_unit_test_setup(progress_is_bounded, setup),
		cmocka_unit_test_setup(non_canonical_is_gp, setup),
		cmocka_unit_test_setup(legacy_mode_wraps_at_4g, setup),
		cmocka_unit_test_setup(legacy_element_crossing_4g, setup),
		cmocka_unit_test_setup(page_table_outside_ram_stops, setup),
		cmocka_unit_test_setup(ins_to_what_is_not_ram_stops, setup),
		cmocka_unit_test_setup(movs_mmio_to_ram_and_back, setup),
		cmocka_unit_test_setup(movs_mmio_to_mmio, setup),
		cmocka_unit_test_setup(movs_fault_on_the_destination, setup),
		cmocka_unit_test_setup(movs_refused_write_stops, setup),
		cmocka_unit_test_setup(invalid_op_is_refused, setup),
		cmocka_unit_test_setup(prefixes_of_ins_outs, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
