/* boot/mb2_info.c and boot/mb2_memmap.c: GRUB's multiboot2 information
 * built byte by byte (Multiboot2 specification 1.0, 3.6), the malformed
 * kinds refused, and the memory map built from Bochs-like e820 entries. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/mb2_info.h"

static _Alignas(8) uint8_t mbi[4096];
static uint32_t mbi_len;

static void put32(uint32_t off, uint32_t v)
{
	memcpy(mbi + off, &v, 4);
}

static void put64(uint32_t off, uint64_t v)
{
	memcpy(mbi + off, &v, 8);
}

static void begin(void)
{
	memset(mbi, 0xcc, sizeof(mbi));
	mbi_len = 8;
}

/* Appends a tag header; returns the tag's offset. */
static uint32_t tag(uint32_t type, uint32_t size)
{
	uint32_t off = mbi_len;
	put32(off, type);
	put32(off + 4, size);
	mbi_len += (size + 7) & ~7u;
	return off;
}

static void string_tag(uint32_t type, const char *s)
{
	uint32_t off = tag(type, 8 + (uint32_t)strlen(s) + 1);
	memcpy(mbi + off + 8, s, strlen(s) + 1);
}

static void module(uint32_t start, uint32_t end, const char *s)
{
	uint32_t off = tag(MB2_TAG_MODULE, 16 + (uint32_t)strlen(s) + 1);
	put32(off + 8, start);
	put32(off + 12, end);
	memcpy(mbi + off + 16, s, strlen(s) + 1);
}

struct e820 {
	uint64_t base, len;
	uint32_t type;
};

static void mmap(const struct e820 *e, unsigned n)
{
	uint32_t off = tag(MB2_TAG_MMAP, 16 + 24 * n);
	put32(off + 8, 24);
	put32(off + 12, 0);
	for (unsigned i = 0; i < n; i++) {
		put64(off + 16 + 24 * i, e[i].base);
		put64(off + 24 + 24 * i, e[i].len);
		put32(off + 32 + 24 * i, e[i].type);
		put32(off + 36 + 24 * i, 0);
	}
}

static void end(void)
{
	tag(MB2_TAG_END, 8);
	put32(0, mbi_len);
	put32(4, 0);
}

/* Bochs 2.7's BIOS, 256 MiB, as GRUB passes it on. */
static const struct e820 bochs[] = {
	{ 0x0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xe8000, 0x18000, 2 },
	{ 0x100000, 0xfef0000, 1 },
	{ 0xfff0000, 0x10000, 3 },
	{ 0xfffc0000, 0x40000, 2 },
};

static struct mb2_info info;
static const char *error;

static void everything_read(void **state)
{
	(void)state;
	begin();
	string_tag(MB2_TAG_CMDLINE, "selftest=cpu exit=bochs");
	module(0x400000, 0x400123, "hv.cfg");
	tag(21, 12); /* load base: not used */
	module(0x401000, 0x402000, "  guest.elf extra");
	mmap(bochs, 6);
	uint32_t acpi = tag(MB2_TAG_ACPI_OLD, 8 + 20);
	memcpy(mbi + acpi + 8, "RSD PTR ", 8);
	end();

	assert_int_equal(mb2_parse(mbi, &info, &error), 0);
	assert_null(error);
	assert_string_equal(info.cmdline, "selftest=cpu exit=bochs");
	assert_int_equal(info.module_count, 2);
	assert_int_equal(info.module[0].start, 0x400000);
	assert_int_equal(info.module[0].end, 0x400123);
	assert_ptr_equal(mb2_find_module(&info, "hv.cfg"), &info.module[0]);
	assert_ptr_equal(mb2_find_module(&info, "guest.elf"), &info.module[1]);
	assert_null(mb2_find_module(&info, "guest"));
	assert_null(mb2_find_module(&info, "hv.cf"));
	assert_int_equal(info.mmap_entries, 6);
	assert_int_equal(info.mmap_entry_size, 24);
	assert_ptr_equal(info.rsdp, mbi + acpi + 8);
	assert_int_equal(info.rsdp_size, 20);
	assert_int_equal(info.rsdp_tag, MB2_TAG_ACPI_OLD);
	assert_int_equal(info.tags_ignored, 1);
}

static void new_rsdp_wins(void **state)
{
	(void)state;
	begin();
	uint32_t newer = tag(MB2_TAG_ACPI_NEW, 8 + 36);
	tag(MB2_TAG_ACPI_OLD, 8 + 20);
	end();
	assert_int_equal(mb2_parse(mbi, &info, &error), 0);
	assert_ptr_equal(info.rsdp, mbi + newer + 8);
	assert_int_equal(info.rsdp_tag, MB2_TAG_ACPI_NEW);
	assert_null(info.cmdline);
	assert_null(info.mmap);
}

static void malformed_refused(void **state)
{
	(void)state;
	assert_int_equal(mb2_parse(NULL, &info, &error), -EINVAL);

	begin();
	string_tag(MB2_TAG_CMDLINE, "x");
	end();
	put32(0, 4); /* shorter than its fixed part */
	assert_int_equal(mb2_parse(mbi, &info, &error), -EINVAL);
	put32(0, MB2_INFO_MAX_BYTES + 8);
	assert_int_equal(mb2_parse(mbi, &info, &error), -EINVAL);

	begin();
	uint32_t off = tag(MB2_TAG_CMDLINE, 16);
	memset(mbi + off + 8, 'a', 8); /* no NUL inside the tag */
	end();
	assert_int_equal(mb2_parse(mbi, &info, &error), -EINVAL);
	assert_string_equal(error, "command line without its NUL");

	begin();
	off = tag(MB2_TAG_MODULE, 24);
	put32(off + 8, 0x2000);
	put32(off + 12, 0x1000);
	memcpy(mbi + off + 16, "hv.cfg", 7);
	end();
	assert_int_equal(mb2_parse(mbi, &info, &error), -EINVAL);
	assert_string_equal(error, "module ends before it starts");

	begin();
	off = tag(MB2_TAG_CMDLINE, 16);
	memcpy(mbi + off + 8, "abc", 4);
	end();
	put32(off + 4, 4096); /* beyond the structure */
	assert_int_equal(mb2_parse(mbi, &info, &error), -EINVAL);
	assert_string_equal(error, "tag size out of bounds");
	put32(off + 4, 4); /* shorter than a tag header */
	assert_int_equal(mb2_parse(mbi, &info, &error), -EINVAL);

	begin();
	string_tag(MB2_TAG_CMDLINE, "abc");
	put32(0, mbi_len); /* no end tag */
	assert_int_equal(mb2_parse(mbi, &info, &error), -EINVAL);
	assert_string_equal(error, "no end tag");
	/* What came before the fault is kept. */
	assert_string_equal(info.cmdline, "abc");

	begin();
	off = tag(MB2_TAG_MMAP, 16 + 20);
	put32(off + 8, 20); /* entries smaller than the structure */
	end();
	assert_int_equal(mb2_parse(mbi, &info, &error), -EINVAL);
}

static void too_many_modules_counted(void **state)
{
	(void)state;
	begin();
	for (unsigned i = 0; i < MB2_MAX_MODULES + 3; i++)
		module(0x1000 * i, 0x1000 * i + 1, "m");
	end();
	assert_int_equal(mb2_parse(mbi, &info, &error), 0);
	assert_int_equal(info.module_count, MB2_MAX_MODULES);
	assert_int_equal(info.modules_dropped, 3);
}

static struct memmap map;

static void expect(unsigned i, uint64_t base, uint64_t end, enum mem_type type)
{
	assert_true(i < map.count);
	assert_int_equal(map.region[i].base, base);
	assert_int_equal(mem_region_end(&map.region[i]), end);
	assert_int_equal(map.region[i].type, type);
}

static void bochs_map_built(void **state)
{
	(void)state;
	begin();
	mmap(bochs, 6);
	end();
	assert_int_equal(mb2_parse(mbi, &info, &error), 0);
	assert_int_equal(mb2_build_memmap(&info, &map), 0);
	assert_int_equal(map.count, 6);
	expect(0, 0, 0x9f000, MEM_USABLE); /* the EBDA's page is reserved */
	expect(1, 0x9f000, 0xa0000, MEM_RESERVED);
	expect(2, 0xe8000, 0x100000, MEM_RESERVED);
	expect(3, 0x100000, 0xfff0000, MEM_USABLE);
	expect(4, 0xfff0000, 0x10000000, MEM_ACPI_RECLAIM);
	expect(5, 0xfffc0000, 0x100000000, MEM_RESERVED);

	/* The trampoline: the highest two free pages below 640 KiB. */
	assert_int_equal(memmap_take_below(&map, 2, 0x1000, 0xa0000), 0x9d000);
	expect(0, 0, 0x9d000, MEM_USABLE);
	expect(1, 0x9d000, 0x9f000, MEM_HYPERVISOR);
	expect(2, 0x9f000, 0xa0000, MEM_RESERVED);
	/* Nothing of that size between 0x9d000 and 0x9e000. */
	assert_int_equal(memmap_take_below(&map, 2, 0x9c000, 0x9e000), 0);
}

static void overlaps_resolved(void **state)
{
	(void)state;
	/* Unsorted, overlapping, unaligned: a reserved part wins its page. */
	static const struct e820 e[] = {
		{ 0x200000, 0x100000, 2 },
		{ 0x100800, 0x400000, 1 },
		{ 0x0, 0x80000, 1 },
		{ 0x7f000, 0x10, 4 },
	};
	begin();
	mmap(e, 4);
	end();
	assert_int_equal(mb2_parse(mbi, &info, &error), 0);
	assert_int_equal(mb2_build_memmap(&info, &map), 0);
	assert_int_equal(map.count, 5);
	expect(0, 0, 0x7f000, MEM_USABLE);
	expect(1, 0x7f000, 0x80000, MEM_ACPI_NVS);
	expect(2, 0x101000, 0x200000, MEM_USABLE);
	expect(3, 0x200000, 0x300000, MEM_RESERVED);
	expect(4, 0x300000, 0x500000, MEM_USABLE);
}

static void set_range_splits_and_merges(void **state)
{
	(void)state;
	map.count = 0;
	assert_int_equal(memmap_set_range(&map, 0x100000, 0x400000, MEM_USABLE), 0);
	/* A module inside, unaligned: rounded out to its pages. */
	assert_int_equal(memmap_set_range(&map, 0x200010, 0x1000, MEM_HYPERVISOR), 0);
	assert_int_equal(map.count, 3);
	expect(0, 0x100000, 0x200000, MEM_USABLE);
	expect(1, 0x200000, 0x202000, MEM_HYPERVISOR);
	expect(2, 0x202000, 0x500000, MEM_USABLE);
	/* Its neighbour joins it. */
	assert_int_equal(memmap_set_range(&map, 0x202000, 0x1000, MEM_HYPERVISOR), 0);
	assert_int_equal(map.count, 3);
	expect(1, 0x200000, 0x203000, MEM_HYPERVISOR);
	/* Set back, the map is one region again. */
	assert_int_equal(memmap_set_range(&map, 0x200000, 0x3000, MEM_USABLE), 0);
	assert_int_equal(map.count, 1);
	expect(0, 0x100000, 0x500000, MEM_USABLE);
	/* Past the end and before the start, in a hole. */
	assert_int_equal(memmap_set_range(&map, 0x600000, 0x1000, MEM_MMIO), 0);
	assert_int_equal(memmap_set_range(&map, 0x0, 0x1000, MEM_RESERVED), 0);
	assert_int_equal(map.count, 3);
	expect(0, 0, 0x1000, MEM_RESERVED);
	expect(2, 0x600000, 0x601000, MEM_MMIO);
	/* Spanning regions and the hole between them. */
	assert_int_equal(memmap_set_range(&map, 0x4ff000, 0x102000, MEM_HYPERVISOR), 0);
	assert_int_equal(map.count, 3);
	expect(1, 0x100000, 0x4ff000, MEM_USABLE);
	expect(2, 0x4ff000, 0x601000, MEM_HYPERVISOR);
	/* A length that would wrap is clamped, not wrapped. */
	assert_int_equal(memmap_set_range(&map, 0xffffffffffffe000ull, UINT64_MAX, MEM_RESERVED), 0);
	assert_int_equal(map.count, 4);
	expect(3, 0xffffffffffffe000ull, 0xfffffffffffff000ull, MEM_RESERVED);
}

static void full_map_refused_unchanged(void **state)
{
	(void)state;
	map.count = 0;
	for (unsigned i = 0; i < MEMMAP_MAX_REGIONS; i++)
		assert_int_equal(memmap_set_range(&map, 0x2000ull * i, 0x1000,
						  i % 2 ? MEM_USABLE : MEM_RESERVED), 0);
	assert_int_equal(map.count, MEMMAP_MAX_REGIONS);
	/* Splitting a region needs two more. */
	assert_int_equal(memmap_set_range(&map, 0x0, 0x1000, MEM_USABLE), 0);
	unsigned count = map.count;
	assert_int_equal(memmap_set_range(&map, 0x10000000, 0x1000, MEM_MMIO), -ENOSPC);
	assert_int_equal(map.count, count);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(everything_read),
		cmocka_unit_test(new_rsdp_wins),
		cmocka_unit_test(malformed_refused),
		cmocka_unit_test(too_many_modules_counted),
		cmocka_unit_test(bochs_map_built),
		cmocka_unit_test(overlaps_resolved),
		cmocka_unit_test(set_range_splits_and_merges),
		cmocka_unit_test(full_map_refused_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
