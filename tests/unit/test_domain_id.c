/* iommu/domain_id.c: per-unit domain-ID allocation within CAP.ND, with ID 0
 * reserved under caching mode (VT-d 4.1, 9.3). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iommu/domain_id.h"
#include "tests/unit/log_stub.h"

/* CAP values written out here, not with vtd_caps.h: ND is bits 2:0 and CM
 * bit 7 (11.4.2). The rest is QEMU's default CAP with ND cleared. */
#define QEMU_CAP     0x00d2008c22260206ull
#define CAP_BASE     (QEMU_CAP & ~0x87ull)
#define CAP_ND(n)    (CAP_BASE | (n))
#define CAP_CM       (1ull << 7)

static struct domain_ids ids;

static int setup(void **state)
{
	(void)state;
	/* domain_ids_init must set every field itself. */
	memset(&ids, 0xa5, sizeof(ids));
	return 0;
}

/* Allocates until -ENOSPC; checks the IDs come out lowest first, from
 * `first`, and returns how many there were. */
static uint32_t alloc_all(uint32_t first)
{
	uint32_t n = 0;
	uint16_t id;

	for (;;) {
		id = 0xbeef;
		int rc = domain_id_alloc(&ids, &id);
		if (rc == -ENOSPC) {
			assert_int_equal(id, 0xbeef); /* left alone */
			return n;
		}
		assert_int_equal(rc, 0);
		if (id != first + n)
			fail_msg("allocation %u gave ID %u, want %u", n, id, first + n);
		n++;
		if (n > 70000)
			fail_msg("no end to the IDs");
	}
}

static void exhausts_at_nd(void **state)
{
	static const struct { unsigned nd; uint32_t count; } cases[] = {
		{ 0, 16 }, { 1, 64 }, { 2, 256 }, { 3, 1024 }, { 4, 4096 },
		{ 5, 16384 }, { 6, 65536 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(state);
		domain_ids_init(&ids, CAP_ND(cases[i].nd));
		assert_int_equal(domain_ids_free_count(&ids), cases[i].count);
		assert_int_equal(alloc_all(0), cases[i].count);
		assert_int_equal(domain_ids_free_count(&ids), 0);
		/* Still full on a second try. */
		uint16_t id;
		assert_int_equal(domain_id_alloc(&ids, &id), -ENOSPC);
		assert_true(domain_id_in_use(&ids, 0));
		assert_true(domain_id_in_use(&ids, (uint16_t)(cases[i].count - 1)));
	}
}

/* ND = 7 is reserved; IDs are 16 bits wide, so no more than 65536. */
static void nd7_is_64k(void **state)
{
	(void)state;
	domain_ids_init(&ids, CAP_ND(7));
	assert_int_equal(alloc_all(0), 65536);
}

static void qemu_default(void **state)
{
	(void)state;
	domain_ids_init(&ids, QEMU_CAP);
	assert_int_equal(domain_ids_free_count(&ids), 65536);
	assert_false(domain_id_in_use(&ids, 0));
	uint16_t id = 0xbeef;
	assert_int_equal(domain_id_alloc(&ids, &id), 0);
	assert_int_equal(id, 0); /* CM = 0: ID 0 is usable */
}

static void caching_mode_reserves_zero(void **state)
{
	static const struct { unsigned nd; uint32_t count; } cases[] = {
		{ 0, 16 }, { 1, 64 }, { 2, 256 }, { 6, 65536 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(state);
		domain_ids_init(&ids, CAP_ND(cases[i].nd) | CAP_CM);
		assert_int_equal(domain_ids_free_count(&ids), cases[i].count - 1);
		assert_true(domain_id_in_use(&ids, 0));
		/* 1 .. count - 1, never 0. */
		assert_int_equal(alloc_all(1), cases[i].count - 1);
		/* The reserved ID cannot be freed, not even when full. */
		assert_int_equal(domain_id_free(&ids, 0), -EINVAL);
		assert_true(domain_id_in_use(&ids, 0));
		/* Free everything: 0 stays reserved, 1 comes back first. */
		for (uint32_t d = 1; d < cases[i].count; d++)
			assert_int_equal(domain_id_free(&ids, (uint16_t)d), 0);
		assert_int_equal(domain_ids_free_count(&ids), cases[i].count - 1);
		uint16_t id = 0xbeef;
		assert_int_equal(domain_id_alloc(&ids, &id), 0);
		assert_int_equal(id, 1);
	}
}

static void free_and_realloc(void **state)
{
	(void)state;
	uint16_t id;

	domain_ids_init(&ids, CAP_ND(2));
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(domain_id_alloc(&ids, &id), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(domain_ids_free_count(&ids), 256 - 5);
	assert_int_equal(domain_id_free(&ids, 2), 0);
	assert_false(domain_id_in_use(&ids, 2));
	assert_int_equal(domain_ids_free_count(&ids), 256 - 4);
	/* The hole is filled first. */
	assert_int_equal(domain_id_alloc(&ids, &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(domain_id_free(&ids, 3), 0);
	assert_int_equal(domain_id_free(&ids, 0), 0);
	assert_int_equal(domain_id_alloc(&ids, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(domain_id_alloc(&ids, &id), 0);
	assert_int_equal(id, 3);
	assert_int_equal(domain_id_alloc(&ids, &id), 0);
	assert_int_equal(id, 5);
}

/* A full 64K space: freeing one ID anywhere makes exactly that one
 * available, across every 64-bit word of the bitmap. */
static void full_space_hole(void **state)
{
	(void)state;
	uint16_t id;
	static const uint16_t holes[] = { 0, 1, 63, 64, 65, 127, 4095, 40000, 65472, 65535 };

	domain_ids_init(&ids, CAP_ND(6));
	assert_int_equal(alloc_all(0), 65536);
	for (unsigned i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
		assert_int_equal(domain_id_free(&ids, holes[i]), 0);
		assert_int_equal(domain_ids_free_count(&ids), 1);
		id = 0xbeef;
		assert_int_equal(domain_id_alloc(&ids, &id), 0);
		assert_int_equal(id, holes[i]);
		assert_int_equal(domain_id_alloc(&ids, &id), -ENOSPC);
	}
}

static void double_free(void **state)
{
	(void)state;
	uint16_t id;

	domain_ids_init(&ids, CAP_ND(0));
	assert_int_equal(domain_id_alloc(&ids, &id), 0);
	assert_int_equal(domain_id_alloc(&ids, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(domain_id_free(&ids, 1), 0);
	assert_int_equal(domain_id_free(&ids, 1), -EINVAL);
	/* Never allocated. */
	assert_int_equal(domain_id_free(&ids, 7), -EINVAL);
	/* The failed frees changed nothing. */
	assert_int_equal(domain_ids_free_count(&ids), 15);
	assert_true(domain_id_in_use(&ids, 0));
	assert_int_equal(domain_id_alloc(&ids, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(domain_ids_free_count(&ids), 14);
}

static void out_of_range(void **state)
{
	(void)state;
	domain_ids_init(&ids, CAP_ND(0));
	assert_int_equal(alloc_all(0), 16);
	assert_int_equal(domain_id_free(&ids, 16), -EINVAL);
	assert_int_equal(domain_id_free(&ids, 63), -EINVAL);
	assert_int_equal(domain_id_free(&ids, 64), -EINVAL);
	assert_int_equal(domain_id_free(&ids, 65535), -EINVAL);
	assert_false(domain_id_in_use(&ids, 16));
	assert_false(domain_id_in_use(&ids, 65535));
	assert_int_equal(domain_ids_free_count(&ids), 0);

	domain_ids_init(&ids, CAP_ND(2));
	assert_int_equal(domain_id_free(&ids, 256), -EINVAL);
	assert_int_equal(domain_id_free(&ids, 255), -EINVAL); /* in range, not allocated */
	assert_int_equal(domain_ids_free_count(&ids), 256);
}

/* Re-initialising forgets everything. */
static void init_resets(void **state)
{
	(void)state;
	uint16_t id;

	domain_ids_init(&ids, CAP_ND(6) | CAP_CM);
	assert_int_equal(domain_id_alloc(&ids, &id), 0);
	domain_ids_init(&ids, CAP_ND(0));
	assert_int_equal(domain_ids_free_count(&ids), 16);
	assert_false(domain_id_in_use(&ids, 0));
	assert_false(domain_id_in_use(&ids, 1));
	assert_int_equal(alloc_all(0), 16);
}

static void struct_is_small(void **state)
{
	(void)state;
	assert_true(sizeof(struct domain_ids) <= 8192 + 64);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(exhausts_at_nd),
		T(nd7_is_64k),
		T(qemu_default),
		T(caching_mode_reserves_zero),
		T(free_and_realloc),
		T(full_space_hole),
		T(double_free),
		T(out_of_range),
		T(init_resets),
		T(struct_is_small),
	};
#undef T
	return cmocka_run_group_tests_name("domain_id", tests, NULL, NULL);
}
