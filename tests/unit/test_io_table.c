/* hv/guest/io_table.c: registering port and MMIO ranges (overlaps, a full
 * table and malformed ranges refused, the table left as it was), and
 * looking accesses up at the edges of each range and between them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hv/guest/io_table.h"

static struct guest_io_table table;
static int device_a, device_b;

static int handler_a(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
		     unsigned size, uint64_t *value)
{
	(void)gv; (void)ctx; (void)write; (void)size;
	*value = offset;
	return 0;
}

static int handler_b(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
		     unsigned size, uint64_t *value)
{
	(void)gv; (void)ctx; (void)offset; (void)write; (void)size; (void)value;
	return -EINVAL;
}

static int reset(void **state)
{
	(void)state;
	memset(&table, 0, sizeof(table));
	return 0;
}

static void empty_table_claims_nothing(void **state)
{
	(void)state;
	assert_null(guest_port_lookup(&table, 0));
	assert_null(guest_port_lookup(&table, 0x3f8));
	assert_null(guest_port_lookup(&table, 0xffff));
	assert_null(guest_mmio_lookup(&table, 0));
	assert_null(guest_mmio_lookup(&table, 0xfee00000));
	assert_null(guest_mmio_lookup(&table, ~0ull));
}

static void port_range_edges(void **state)
{
	(void)state;
	assert_int_equal(guest_port_register(&table, 0x3f8, 8, handler_a, &device_a), 0);
	const struct guest_io_range *r = guest_port_lookup(&table, 0x3f8);
	assert_non_null(r);
	assert_int_equal(r->first, 0x3f8);
	assert_int_equal(r->last, 0x3ff);
	assert_ptr_equal(r->fn, handler_a);
	assert_ptr_equal(r->ctx, &device_a);
	assert_ptr_equal(guest_port_lookup(&table, 0x3ff), r);
	assert_ptr_equal(guest_port_lookup(&table, 0x3fc), r);
	assert_null(guest_port_lookup(&table, 0x3f7));
	assert_null(guest_port_lookup(&table, 0x400));
	/* The port space is not the MMIO space. */
	assert_null(guest_mmio_lookup(&table, 0x3f8));
}

static void single_port_range(void **state)
{
	(void)state;
	assert_int_equal(guest_port_register(&table, 0xcf8, 1, handler_a, &device_a), 0);
	assert_int_equal(guest_port_register(&table, 0xcfc, 4, handler_b, &device_b), 0);
	assert_ptr_equal(guest_port_lookup(&table, 0xcf8)->ctx, &device_a);
	assert_null(guest_port_lookup(&table, 0xcf9));
	assert_null(guest_port_lookup(&table, 0xcfb));
	assert_ptr_equal(guest_port_lookup(&table, 0xcfc)->ctx, &device_b);
	assert_ptr_equal(guest_port_lookup(&table, 0xcff)->ctx, &device_b);
	assert_null(guest_port_lookup(&table, 0xd00));
}

static void port_overlaps_refused(void **state)
{
	(void)state;
	assert_int_equal(guest_port_register(&table, 0x40, 4, handler_a, &device_a), 0);
	assert_int_equal(guest_port_register(&table, 0x40, 4, handler_b, &device_b), -EEXIST);
	assert_int_equal(guest_port_register(&table, 0x3e, 3, handler_b, &device_b), -EEXIST);
	assert_int_equal(guest_port_register(&table, 0x43, 1, handler_b, &device_b), -EEXIST);
	assert_int_equal(guest_port_register(&table, 0x41, 2, handler_b, &device_b), -EEXIST);
	assert_int_equal(guest_port_register(&table, 0x30, 0x20, handler_b, &device_b), -EEXIST);
	assert_int_equal(table.port_count, 1);
	/* Next to it on either side is not an overlap. */
	assert_int_equal(guest_port_register(&table, 0x3c, 4, handler_b, &device_b), 0);
	assert_int_equal(guest_port_register(&table, 0x44, 1, handler_b, &device_b), 0);
	assert_ptr_equal(guest_port_lookup(&table, 0x3f)->ctx, &device_b);
	assert_ptr_equal(guest_port_lookup(&table, 0x40)->ctx, &device_a);
	assert_ptr_equal(guest_port_lookup(&table, 0x43)->ctx, &device_a);
	assert_ptr_equal(guest_port_lookup(&table, 0x44)->ctx, &device_b);
}

static void malformed_port_ranges_refused(void **state)
{
	(void)state;
	assert_int_equal(guest_port_register(&table, 0x80, 0, handler_a, NULL), -EINVAL);
	assert_int_equal(guest_port_register(&table, 0xffff, 2, handler_a, NULL), -EINVAL);
	assert_int_equal(guest_port_register(&table, 0, 0x10001, handler_a, NULL), -EINVAL);
	assert_int_equal(guest_port_register(&table, 0x80, 1, NULL, NULL), -EINVAL);
	assert_int_equal(table.port_count, 0);
	/* The last port, and the whole space, are fine. */
	assert_int_equal(guest_port_register(&table, 0xffff, 1, handler_a, NULL), 0);
	assert_non_null(guest_port_lookup(&table, 0xffff));
	reset(state);
	assert_int_equal(guest_port_register(&table, 0, 0x10000, handler_a, NULL), 0);
	assert_non_null(guest_port_lookup(&table, 0));
	assert_non_null(guest_port_lookup(&table, 0xffff));
}

static void full_port_table_refused(void **state)
{
	(void)state;
	for (unsigned i = 0; i < GUEST_IO_PORT_RANGES; i++)
		assert_int_equal(guest_port_register(&table, (uint16_t)(0x100 + 2 * i), 2,
						     handler_a, NULL), 0);
	assert_int_equal(guest_port_register(&table, 0x80, 1, handler_a, NULL), -ENOSPC);
	assert_int_equal(table.port_count, GUEST_IO_PORT_RANGES);
	assert_null(guest_port_lookup(&table, 0x80));
	assert_non_null(guest_port_lookup(&table, 0x100 + 2 * GUEST_IO_PORT_RANGES - 1));
}

static void mmio_range_edges(void **state)
{
	(void)state;
	assert_int_equal(guest_mmio_register(&table, 0xfee00000, 0x1000, handler_a, &device_a), 0);
	assert_int_equal(guest_mmio_register(&table, 0xe0000000, 0x100000, handler_b, &device_b),
			 0);
	assert_ptr_equal(guest_mmio_lookup(&table, 0xfee00000)->ctx, &device_a);
	assert_ptr_equal(guest_mmio_lookup(&table, 0xfee00fff)->ctx, &device_a);
	assert_null(guest_mmio_lookup(&table, 0xfedfffff));
	assert_null(guest_mmio_lookup(&table, 0xfee01000));
	const struct guest_io_range *r = guest_mmio_lookup(&table, 0xe00fffff);
	assert_non_null(r);
	assert_int_equal(r->first, 0xe0000000);
	assert_int_equal(r->last, 0xe00fffff);
	assert_null(guest_mmio_lookup(&table, 0xe0100000));
	assert_null(guest_mmio_lookup(&table, 0xdfffffff));
	assert_null(guest_port_lookup(&table, 0));
}

static void handler_called_through_lookup(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(guest_mmio_register(&table, 0x10000, 0x2000, handler_a, &device_a), 0);
	const struct guest_io_range *r = guest_mmio_lookup(&table, 0x11234);
	assert_int_equal(r->fn(NULL, r->ctx, 0x11234 - r->first, false, 4, &v), 0);
	assert_int_equal(v, 0x1234);
}

static void mmio_overlaps_refused(void **state)
{
	(void)state;
	assert_int_equal(guest_mmio_register(&table, 0x20000, 0x2000, handler_a, &device_a), 0);
	assert_int_equal(guest_mmio_register(&table, 0x21fff, 1, handler_b, NULL), -EEXIST);
	assert_int_equal(guest_mmio_register(&table, 0x1f000, 0x1001, handler_b, NULL), -EEXIST);
	assert_int_equal(guest_mmio_register(&table, 0x0, ~0ull, handler_b, NULL), -EEXIST);
	assert_int_equal(table.mmio_count, 1);
	assert_int_equal(guest_mmio_register(&table, 0x1f000, 0x1000, handler_b, NULL), 0);
	assert_int_equal(guest_mmio_register(&table, 0x22000, 0x1000, handler_b, NULL), 0);
	assert_int_equal(table.mmio_count, 3);
}

static void mmio_range_at_the_top(void **state)
{
	(void)state;
	assert_int_equal(guest_mmio_register(&table, ~0ull - 0xfff, 0x1000, handler_a, NULL), 0);
	assert_non_null(guest_mmio_lookup(&table, ~0ull));
	assert_non_null(guest_mmio_lookup(&table, ~0ull - 0xfff));
	assert_null(guest_mmio_lookup(&table, ~0ull - 0x1000));
}

static void malformed_mmio_ranges_refused(void **state)
{
	(void)state;
	assert_int_equal(guest_mmio_register(&table, 0x1000, 0, handler_a, NULL), -EINVAL);
	assert_int_equal(guest_mmio_register(&table, ~0ull - 0xfff, 0x1001, handler_a, NULL),
			 -EINVAL);
	assert_int_equal(guest_mmio_register(&table, 0x1000, 0x1000, NULL, NULL), -EINVAL);
	assert_int_equal(table.mmio_count, 0);
	assert_null(guest_mmio_lookup(&table, 0x1000));
}

static void full_mmio_table_refused(void **state)
{
	(void)state;
	for (unsigned i = 0; i < GUEST_IO_MMIO_RANGES; i++)
		assert_int_equal(guest_mmio_register(&table, 0x100000 + 0x1000ull * i, 0x1000,
						     handler_a, NULL), 0);
	assert_int_equal(guest_mmio_register(&table, 0, 0x1000, handler_a, NULL), -ENOSPC);
	assert_null(guest_mmio_lookup(&table, 0));
	/* A full table still refuses an overlap as an overlap. */
	assert_int_equal(guest_mmio_register(&table, 0x100000, 0x1000, handler_a, NULL), -EEXIST);
	/* The port table is its own. */
	assert_int_equal(guest_port_register(&table, 0x70, 2, handler_a, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(empty_table_claims_nothing, reset),
		cmocka_unit_test_setup(port_range_edges, reset),
		cmocka_unit_test_setup(single_port_range, reset),
		cmocka_unit_test_setup(port_overlaps_refused, reset),
		cmocka_unit_test_setup(malformed_port_ranges_refused, reset),
		cmocka_unit_test_setup(full_port_table_refused, reset),
		cmocka_unit_test_setup(mmio_range_edges, reset),
		cmocka_unit_test_setup(handler_called_through_lookup, reset),
		cmocka_unit_test_setup(mmio_overlaps_refused, reset),
		cmocka_unit_test_setup(mmio_range_at_the_top, reset),
		cmocka_unit_test_setup(malformed_mmio_ranges_refused, reset),
		cmocka_unit_test_setup(full_mmio_table_refused, reset),
	};

	return cmocka_run_group_tests_name("io_table", tests, NULL, NULL);
}
