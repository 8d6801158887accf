/* arch/x86/memmap.c: region lookup and the top of the map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/memmap.h"
#include "arch/x86/sizes.h"
#include "tests/unit/log_stub.h"


static struct memmap map;

static void add(uint64_t base, uint64_t bytes, enum mem_type type)
{
	assert_true(map.count < MEMMAP_MAX_REGIONS);
	map.region[map.count++] = (struct mem_region){ base, bytes / PAGE_SIZE, type };
}

static int reset(void **state)
{
	(void)state;
	memset(&map, 0, sizeof(map));
	return 0;
}

/* A small PC-like map, deliberately not sorted, with a hole at [3G, 4G). */
static void pc_map(void)
{
	add(1 * MIB, 511 * MIB, MEM_USABLE);               /* [1M, 512M) */
	add(0, 640 * 1024, MEM_USABLE);                     /* [0, 640K) */
	add(512 * MIB, 16 * MIB, MEM_ACPI_RECLAIM);         /* [512M, 528M) */
	add(4 * GIB, 2 * GIB, MEM_USABLE);                  /* [4G, 6G) */
	add(528 * MIB, 3 * GIB - 528 * MIB, MEM_RESERVED);  /* [528M, 3G) */
	add(0xfec00000, 4096, MEM_MMIO);                    /* IOAPIC page in the hole */
}

static void type_of_inside_regions(void **state)
{
	(void)state;
	pc_map();
	assert_int_equal(memmap_type_of(&map, 0, 4096), MEM_USABLE);
	assert_int_equal(memmap_type_of(&map, 2 * MIB, 4096), MEM_USABLE);
	assert_int_equal(memmap_type_of(&map, 512 * MIB, 16 * MIB), MEM_ACPI_RECLAIM);
	assert_int_equal(memmap_type_of(&map, 1 * GIB, 1), MEM_RESERVED);
	assert_int_equal(memmap_type_of(&map, 0xfec00000, 4096), MEM_MMIO);
	assert_int_equal(memmap_type_of(&map, 0xfec00ff0, 16), MEM_MMIO);
	/* The last byte of a region still belongs to it. */
	assert_int_equal(memmap_type_of(&map, 6 * GIB - 1, 1), MEM_USABLE);
	/* A zero-length query asks about the region holding `base`. */
	assert_int_equal(memmap_type_of(&map, 4 * GIB, 0), MEM_USABLE);
	/* The whole of a region. */
	assert_int_equal(memmap_type_of(&map, 4 * GIB, 2 * GIB), MEM_USABLE);
}

static void type_of_outside_or_straddling(void **state)
{
	(void)state;
	pc_map();
	/* Holes: [640K, 1M) and [3G, 4G) except the IOAPIC page. */
	assert_int_equal(memmap_type_of(&map, 640 * 1024, 4096), MEM_TYPE_COUNT);
	assert_int_equal(memmap_type_of(&map, 3 * GIB, 4096), MEM_TYPE_COUNT);
	assert_int_equal(memmap_type_of(&map, 0xfec01000, 4096), MEM_TYPE_COUNT);
	/* Beyond everything. */
	assert_int_equal(memmap_type_of(&map, 6 * GIB, 4096), MEM_TYPE_COUNT);
	assert_int_equal(memmap_type_of(&map, UINT64_MAX, 1), MEM_TYPE_COUNT);
	/* Starts inside a region but runs past its end, into another type. */
	assert_int_equal(memmap_type_of(&map, 512 * MIB - 4096, 8192), MEM_TYPE_COUNT);
	/* Runs past the end of the map. */
	assert_int_equal(memmap_type_of(&map, 6 * GIB - 4096, 8192), MEM_TYPE_COUNT);
	/* A huge length must not wrap around into "fits". */
	assert_int_equal(memmap_type_of(&map, 4 * GIB, UINT64_MAX), MEM_TYPE_COUNT);
	assert_int_equal(memmap_type_of(&map, 6 * GIB - 1, 2), MEM_TYPE_COUNT);
}

static void type_of_adjacent_same_type_is_two_regions(void **state)
{
	(void)state;
	/* Two touching usable regions are still two regions: a range across the
	 * seam is not "wholly inside one region". */
	add(16 * MIB, 16 * MIB, MEM_USABLE);
	add(32 * MIB, 16 * MIB, MEM_USABLE);
	assert_int_equal(memmap_type_of(&map, 16 * MIB, 16 * MIB), MEM_USABLE);
	assert_int_equal(memmap_type_of(&map, 32 * MIB, 16 * MIB), MEM_USABLE);
	assert_int_equal(memmap_type_of(&map, 32 * MIB - 4096, 8192), MEM_TYPE_COUNT);
}

static void type_of_empty_map(void **state)
{
	(void)state;
	assert_int_equal(memmap_type_of(&map, 0, 4096), MEM_TYPE_COUNT);
	/* Zero-page regions contain nothing. */
	add(1 * MIB, 0, MEM_USABLE);
	assert_int_equal(memmap_type_of(&map, 1 * MIB, 0), MEM_TYPE_COUNT);
	assert_int_equal(memmap_type_of(&map, 1 * MIB, 4096), MEM_TYPE_COUNT);
}

static void top_of_map(void **state)
{
	(void)state;
	assert_int_equal(memmap_top(&map), 0);
	add(0, 640 * 1024, MEM_USABLE);
	assert_int_equal(memmap_top(&map), 640 * 1024);
	pc_map();
	/* Unsorted: the highest end wins, not the last region. */
	assert_int_equal(memmap_top(&map), 6 * GIB);
	/* A region nested in another does not lower the top. */
	add(5 * GIB, 4096, MEM_RESERVED);
	assert_int_equal(memmap_top(&map), 6 * GIB);
	/* A high MMIO region counts like any other. */
	add(0xfd00000000ull, 16 * MIB, MEM_MMIO);
	assert_int_equal(memmap_top(&map), 0xfd00000000ull + 16 * MIB);
}

static void type_names(void **state)
{
	(void)state;
	/* Every type has its own name, and out-of-range values do not index past
	 * the table. */
	for (int i = 0; i < MEM_TYPE_COUNT; i++) {
		const char *a = mem_type_name((enum mem_type)i);
		assert_non_null(a);
		assert_true(strlen(a) > 0);
		assert_string_not_equal(a, "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, mem_type_name((enum mem_type)j));
	}
	assert_string_equal(mem_type_name(MEM_USABLE), "usable");
	assert_string_equal(mem_type_name(MEM_TYPE_COUNT), "?");
	assert_string_equal(mem_type_name((enum mem_type)1000), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(type_of_inside_regions, reset),
		cmocka_unit_test_setup(type_of_outside_or_straddling, reset),
		cmocka_unit_test_setup(type_of_adjacent_same_type_is_two_regions, reset),
		cmocka_unit_test_setup(type_of_empty_map, reset),
		cmocka_unit_test_setup(top_of_map, reset),
		cmocka_unit_test_setup(type_names, reset),
	};
	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
