/* hv/remap/fault_counts.c: per-requester fault slots (taken, given back,
 * evicted least recent first, never a guest's, shared when every slot is a
 * guest's) and the console's budget of fault messages (a window's worth,
 * then dropped and counted, the count given with the next that prints). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hv/remap/fault_counts.h"

static struct fault_counts c;
static struct fault_budget b;

static int reset(void **state)
{
	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&b, 0, sizeof(b));
	return 0;
}

static unsigned long count_of(uint16_t sid)
{
	const struct fault_slot *s = fault_counts_find(&c, sid);

	return s ? s->count : 0;
}

/* Requester IDs from `base` up, one per slot. */
static void own_all(uint16_t base)
{
	for (unsigned i = 0; i < FAULT_SLOTS; i++)
		assert_int_equal(fault_counts_own(&c, (uint16_t)(base + i), "g"), 0);
}

static void test_counts_per_requester(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 5; i++)
		fault_counts_hit(&c, 0x20);
	struct fault_slot *s = fault_counts_hit(&c, 0x28);
	assert_ptr_not_equal(s, &c.shared);
	assert_int_equal(s->sid, 0x28);
	assert_int_equal(count_of(0x20), 5);
	assert_int_equal(count_of(0x28), 1);
	assert_null(fault_counts_find(&c, 0x30));
	assert_int_equal(c.evictions, 0);
}

static void test_own_starts_from_zero_and_names_guest(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 3; i++)
		fault_counts_hit(&c, 0x20);
	assert_int_equal(fault_counts_own(&c, 0x20, "alpha"), 0);
	const struct fault_slot *s = fault_counts_find(&c, 0x20);
	assert_non_null(s);
	assert_string_equal(s->owner, "alpha");
	assert_int_equal(s->count, 0);
	assert_int_equal(fault_counts_hit(&c, 0x20)->count, 1);
	/* A second function with the same requester ID: one slot. */
	assert_int_equal(fault_counts_own(&c, 0x20, "alpha"), 0);
	unsigned used = 0;
	for (unsigned i = 0; i < FAULT_SLOTS; i++)
		used += c.slot[i].used;
	assert_int_equal(used, 1);
}

static void test_forget_frees_the_slot(void **state)
{
	(void)state;
	own_all(0x100);
	/* Full of guests' devices: a newcomer shares. */
	assert_ptr_equal(fault_counts_hit(&c, 0x8), &c.shared);
	fault_counts_forget(&c, 0x105);
	assert_null(fault_counts_find(&c, 0x105));
	struct fault_slot *s = fault_counts_hit(&c, 0x8);
	assert_ptr_not_equal(s, &c.shared);
	assert_int_equal(s->count, 1);
	assert_null(s->owner);
	/* Forgetting a requester without a slot changes nothing. */
	fault_counts_forget(&c, 0x9);
	assert_int_equal(count_of(0x8), 1);
}

static void test_own_refused_when_every_slot_is_a_guests(void **state)
{
	(void)state;
	own_all(0x100);
	assert_int_equal(fault_counts_own(&c, 0x200, "late"), -ENOSPC);
	assert_null(fault_counts_find(&c, 0x200));
	/* Already holding one: still fine. */
	assert_int_equal(fault_counts_own(&c, 0x100, "again"), 0);
}

static void test_own_evicts_an_unowned_slot(void **state)
{
	(void)state;
	for (unsigned i = 0; i < FAULT_SLOTS; i++)
		fault_counts_hit(&c, (uint16_t)i);
	assert_int_equal(fault_counts_own(&c, 0x300, "alpha"), 0);
	assert_int_equal(c.evictions, 1);
	assert_null(fault_counts_find(&c, 0)); /* the least recent */
	assert_string_equal(fault_counts_find(&c, 0x300)->owner, "alpha");
}

static void test_evicts_least_recent(void **state)
{
	(void)state;
	for (unsigned i = 0; i < FAULT_SLOTS; i++)
		fault_counts_hit(&c, (uint16_t)i);
	fault_counts_hit(&c, 0); /* 0 is now the most recent, 1 the least */
	struct fault_slot *s = fault_counts_hit(&c, 0x400);
	assert_ptr_not_equal(s, &c.shared);
	assert_int_equal(s->count, 1);
	assert_int_equal(c.evictions, 1);
	assert_null(fault_counts_find(&c, 1));
	assert_int_equal(count_of(0), 2);
}

/* A guest's device keeps its count whatever others spray. */
static void test_owned_never_evicted(void **state)
{
	(void)state;
	assert_int_equal(fault_counts_own(&c, 0x28, "beta"), 0);
	for (unsigned i = 0; i < 10; i++)
		fault_counts_hit(&c, 0x28);
	for (unsigned i = 0; i < 5000; i++)
		fault_counts_hit(&c, (uint16_t)(0x1000 + i));
	assert_int_equal(count_of(0x28), 10);
	assert_true(c.evictions > 0);
	assert_int_equal(fault_counts_hit(&c, 0x28)->count, 11);
}

/* An unowned requester that keeps faulting stays among the most recent:
 * a spray of more requesters than slots, round the clock, does not reset
 * it. */
static void test_steady_faulter_keeps_its_count(void **state)
{
	(void)state;
	unsigned long n = 0;
	for (unsigned round = 0; round < 100; round++) {
		n = fault_counts_hit(&c, 0x77)->count;
		for (unsigned k = 0; k < FAULT_SLOTS - 1; k++)
			fault_counts_hit(&c, (uint16_t)(0x2000 + (round * 7 + k) % 500));
	}
	assert_int_equal(n, 100);
}

static void test_shared_slot_counts_together(void **state)
{
	(void)state;
	own_all(0x100);
	for (unsigned i = 0; i < 20; i++)
		assert_ptr_equal(fault_counts_hit(&c, (uint16_t)(0x900 + i)), &c.shared);
	assert_int_equal(c.shared.count, 20);
	assert_null(c.shared.owner);
	assert_null(fault_counts_find(&c, 0x900));
	/* The guests' counts are untouched. */
	for (unsigned i = 0; i < FAULT_SLOTS; i++)
		assert_int_equal(count_of((uint16_t)(0x100 + i)), 0);
}

static void test_budget_drops_past_the_window(void **state)
{
	(void)state;
	unsigned long dropped = 99;

	for (unsigned i = 0; i < FAULT_BUDGET_MESSAGES; i++) {
		assert_true(fault_budget_take(&b, 1000 + i, &dropped));
		assert_int_equal(dropped, 0);
	}
	for (unsigned i = 0; i < 6; i++)
		assert_false(fault_budget_take(&b, FAULT_BUDGET_WINDOW_NS - 1, &dropped));
	assert_true(fault_budget_take(&b, FAULT_BUDGET_WINDOW_NS, &dropped));
	assert_int_equal(dropped, 6);
	/* Said once: the next one has nothing to report. */
	assert_true(fault_budget_take(&b, FAULT_BUDGET_WINDOW_NS + 1, &dropped));
	assert_int_equal(dropped, 0);
	assert_int_equal(b.dropped_total, 6);
}

static void test_budget_bounds_a_sustained_spray(void **state)
{
	(void)state;
	unsigned long printed = 0, reported = 0, dropped;
	const unsigned seconds = 10, per_second = 100000;

	for (unsigned s = 0; s < seconds; s++)
		for (unsigned i = 0; i < per_second; i++) {
			uint64_t now = s * FAULT_BUDGET_WINDOW_NS + i * (FAULT_BUDGET_WINDOW_NS / per_second);
			if (fault_budget_take(&b, now, &dropped)) {
				printed++;
				reported += dropped;
			}
		}
	assert_int_equal(printed, seconds * FAULT_BUDGET_MESSAGES);
	/* Every drop but the last window's was reported with the next line. */
	assert_int_equal(reported + b.dropped, (unsigned long)seconds * per_second - printed);
	assert_int_equal(b.dropped_total, (unsigned long)seconds * per_second - printed);
}

static void test_budget_clock_backwards_opens_a_window(void **state)
{
	(void)state;
	unsigned long dropped;

	for (unsigned i = 0; i < FAULT_BUDGET_MESSAGES; i++)
		assert_true(fault_budget_take(&b, 5 * FAULT_BUDGET_WINDOW_NS, &dropped));
	assert_false(fault_budget_take(&b, 5 * FAULT_BUDGET_WINDOW_NS, &dropped));
	assert_true(fault_budget_take(&b, 0, &dropped));
	assert_int_equal(dropped, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_counts_per_requester, reset),
		cmocka_unit_test_setup(test_own_starts_from_zero_and_names_guest, reset),
		cmocka_unit_test_setup(test_forget_frees_the_slot, reset),
		cmocka_unit_test_setup(test_own_refused_when_every_slot_is_a_guests, reset),
		cmocka_unit_test_setup(test_own_evicts_an_unowned_slot, reset),
		cmocka_unit_test_setup(test_evicts_least_recent, reset),
		cmocka_unit_test_setup(test_owned_never_evicted, reset),
		cmocka_unit_test_setup(test_steady_faulter_keeps_its_count, reset),
		cmocka_unit_test_setup(test_shared_slot_counts_together, reset),
		cmocka_unit_test_setup(test_budget_drops_past_the_window, reset),
		cmocka_unit_test_setup(test_budget_bounds_a_sustained_spray, reset),
		cmocka_unit_test_setup(test_budget_clock_backwards_opens_a_window, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
