/* hv/guest/platform/e820.c: the e820 map of a Linux guest. The base RAM
 * alone, the layout hv gives a Linux guest (its pages, ACPI tables, BIOS
 * area, an ECAM window above RAM), carving, merging, ranges across RAM's
 * ends, input in any order, every refusal, and the entry limit exactly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/sizes.h"
#include "hv/guest/abi.h"
#include "hv/guest/platform/e820.h"
#include "hv/guest/platform/layout.h"
#include "tests/unit/watchdog.h"

#define R E820_TYPE_RAM
#define X E820_TYPE_RESERVED
#define A E820_TYPE_ACPI

static struct e820_map map;

_Static_assert(sizeof(struct e820_entry) == 20, "boot_params' e820 entry");

/* Every map e820_build() returns: entries non-empty, sorted, apart or of
 * different types when they touch. */
static void check_shape(void)
{
	assert_true(map.count <= E820_MAX_ENTRIES);
	for (unsigned i = 0; i < map.count; i++) {
		assert_true(map.entry[i].size > 0);
		assert_true(map.entry[i].type != 0);
		if (i == 0)
			continue;
		uint64_t prev_end = map.entry[i - 1].addr + map.entry[i - 1].size;
		assert_true(prev_end <= map.entry[i].addr);
		if (prev_end == map.entry[i].addr)
			assert_int_not_equal(map.entry[i - 1].type, map.entry[i].type);
	}
}

struct want {
	uint64_t addr, end;
	uint32_t type;
};

static void expect_map(const struct want *w, unsigned n)
{
	check_shape();
	if (map.count != n) {
		for (unsigned i = 0; i < map.count; i++)
			print_message("  %#llx-%#llx type %u\n",
				      (unsigned long long)map.entry[i].addr,
				      (unsigned long long)(map.entry[i].addr + map.entry[i].size),
				      map.entry[i].type);
		fail_msg("%u entries, expected %u", map.count, n);
	}
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(map.entry[i].addr, w[i].addr);
		assert_int_equal(map.entry[i].addr + map.entry[i].size, w[i].end);
		assert_int_equal(map.entry[i].type, w[i].type);
	}
}

static void build_ok(uint64_t mem, const struct e820_range *r, unsigned n)
{
	memset(&map, 0x5a, sizeof(map));
	assert_int_equal(e820_build(mem, r, n, &map), 0);
}

static void build_fails(uint64_t mem, const struct e820_range *r, unsigned n, int err)
{
	memset(&map, 0x5a, sizeof(map));
	assert_int_equal(e820_build(mem, r, n, &map), err);
	assert_int_equal(map.count, 0);
}

static void base_ram_only(void **state)
{
	(void)state;
	build_ok(64 * MIB, NULL, 0);
	static const struct want w[] = {
		{ 0, HV_GUEST_LEGACY_HOLE, R },
		{ HV_GUEST_LEGACY_END, 64 * MIB, R },
	};
	expect_map(w, 2);
	/* Just above 1 MiB is enough. */
	build_ok(HV_GUEST_LEGACY_END + 1, NULL, 0);
	assert_int_equal(map.count, 2);
	assert_int_equal(map.entry[1].size, 1);
}

/* What hv gives a Linux guest, in a scrambled order. */
static void linux_layout(void **state)
{
	(void)state;
	const struct e820_range r[] = {
		{ 0xb0000000, 256 * MIB, X }, /* ECAM, above RAM */
		{ GUEST_ROM_AREA, GUEST_ROM_AREA_END - GUEST_ROM_AREA, X },
		{ LINUX_ACPI, LINUX_HV_PAGES_END - LINUX_ACPI, A },
		{ 0, LINUX_ACPI, X },
	};
	build_ok(512 * MIB, r, 4);
	static const struct want w[] = {
		{ 0, LINUX_ACPI, X },
		{ LINUX_ACPI, LINUX_HV_PAGES_END, A },
		{ LINUX_HV_PAGES_END, HV_GUEST_LEGACY_HOLE, R },
		{ GUEST_ROM_AREA, GUEST_ROM_AREA_END, X },
		{ HV_GUEST_LEGACY_END, 512 * MIB, R },
		{ 0xb0000000, 0xc0000000, X },
	};
	expect_map(w, 6);
}

/* Touching ranges of one type merge, with each other and with RAM. */
static void merging(void **state)
{
	(void)state;
	const struct e820_range r[] = {
		{ 0x1000, 0x1000, X },
		{ 0, 0x1000, X },
		{ 0xa0000, 0x10000, R },     /* RAM right after low RAM */
		{ 0x200000, 0x1000, R },     /* RAM inside RAM: nothing changes */
		{ 0xff000, 0x1000, R },      /* RAM just before high RAM */
	};
	build_ok(16 * MIB, r, 5);
	static const struct want w[] = {
		{ 0, 0x2000, X },
		{ 0x2000, 0xb0000, R },
		{ 0xff000, 16 * MIB, R },
	};
	expect_map(w, 3);
}

/* A range across the end of RAM, one across the hole's start, one filling
 * a RAM hole exactly, one covering everything. */
static void across_edges(void **state)
{
	(void)state;
	const struct e820_range r[] = {
		{ 16 * MIB - 0x1000, 0x2000, X },
		{ 0x9f000, 0x2000, A },
	};
	build_ok(16 * MIB, r, 2);
	static const struct want w[] = {
		{ 0, 0x9f000, R },
		{ 0x9f000, 0xa1000, A },
		{ HV_GUEST_LEGACY_END, 16 * MIB - 0x1000, R },
		{ 16 * MIB - 0x1000, 16 * MIB + 0x1000, X },
	};
	expect_map(w, 4);

	const struct e820_range hole = { HV_GUEST_LEGACY_HOLE, HV_GUEST_LEGACY_END - HV_GUEST_LEGACY_HOLE, X };
	build_ok(16 * MIB, &hole, 1);
	static const struct want w2[] = {
		{ 0, HV_GUEST_LEGACY_HOLE, R },
		{ HV_GUEST_LEGACY_HOLE, HV_GUEST_LEGACY_END, X },
		{ HV_GUEST_LEGACY_END, 16 * MIB, R },
	};
	expect_map(w2, 3);

	const struct e820_range all = { 0, 32 * MIB, X };
	build_ok(16 * MIB, &all, 1);
	static const struct want w3[] = { { 0, 32 * MIB, X } };
	expect_map(w3, 1);

	/* Up to the very top of the address space, less one byte. */
	const struct e820_range top = { UINT64_MAX - 0xfff, 0xfff, X };
	build_ok(16 * MIB, &top, 1);
	assert_int_equal(map.count, 3);
	assert_int_equal(map.entry[2].addr + map.entry[2].size, UINT64_MAX);
	check_shape();
}

static void refusals(void **state)
{
	(void)state;
	build_fails(HV_GUEST_LEGACY_END, NULL, 0, -EINVAL);
	build_fails(0, NULL, 0, -EINVAL);
	build_fails(64 * MIB, NULL, 1, -EINVAL); /* n ranges, no array */

	const struct e820_range empty = { 0x1000, 0, X };
	build_fails(64 * MIB, &empty, 1, -EINVAL);
	const struct e820_range untyped = { 0x1000, 0x1000, 0 };
	build_fails(64 * MIB, &untyped, 1, -EINVAL);
	const struct e820_range wraps = { UINT64_MAX - 0xfff, 0x2000, X };
	build_fails(64 * MIB, &wraps, 1, -EINVAL);
	const struct e820_range to_2_64 = { UINT64_MAX - 0xfff, 0x1000, X };
	build_fails(64 * MIB, &to_2_64, 1, -EINVAL);

	static const struct e820_range overlaps[][2] = {
		{ { 0x1000, 0x2000, X }, { 0x2000, 0x1000, A } },   /* the second inside */
		{ { 0x2000, 0x1000, X }, { 0x1000, 0x2000, X } },   /* the first inside */
		{ { 0x1000, 0x1000, X }, { 0x1000, 0x1000, X } },   /* the same */
		{ { 0x1000, 0x2000, X }, { 0x2fff, 0x1000, A } },   /* one byte */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(overlaps); i++)
		build_fails(64 * MIB, overlaps[i], 2, -EINVAL);
	/* A good range after a bad one does not hide it. */
	const struct e820_range bad_last[] = { { 0x1000, 0x1000, X }, { 0x5000, 0, X } };
	build_fails(64 * MIB, bad_last, 2, -EINVAL);
}

/* n reserved pages in high RAM, one page apart: 2 + 2n entries. */
static unsigned spaced(struct e820_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		r[i] = (struct e820_range){ 2 * MIB + 2 * i * PAGE_SIZE, PAGE_SIZE, X };
	return n;
}

static void entry_limit(void **state)
{
	(void)state;
	struct e820_range r[E820_MAX_ENTRIES + 1];

	/* low RAM, then RAM/reserved pairs: 1 + 2n entries, the last RAM one
	 * up to mem_size. 15 pairs: 31 + the final RAM = 32. */
	build_ok(64 * MIB, r, spaced(r, 15));
	assert_int_equal(map.count, E820_MAX_ENTRIES);
	check_shape();
	build_fails(64 * MIB, r, spaced(r, 16), -ENOSPC);
	build_fails(64 * MIB, r, spaced(r, E820_MAX_ENTRIES + 1), -ENOSPC);
	/* Many ranges that merge are fine up to the range limit. */
	for (unsigned i = 0; i < E820_MAX_ENTRIES; i++)
		r[i] = (struct e820_range){ 2 * MIB + i * PAGE_SIZE, PAGE_SIZE, X };
	build_ok(64 * MIB, r, E820_MAX_ENTRIES);
	assert_int_equal(map.count, 4);
}

int main(void)
{
	watchdog_arm("test_e820", 30);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base_ram_only),
		cmocka_unit_test(linux_layout),
		cmocka_unit_test(merging),
		cmocka_unit_test(across_edges),
		cmocka_unit_test(refusals),
		cmocka_unit_test(entry_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
