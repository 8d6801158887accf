/* hv/guest/line_budget.c: a guest's console budget, burst then steady
 * rate, with the time handed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hv/guest/line_budget.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (5 * SEC) /* budgets start at some arbitrary time */

/* Offers `n` lines at `now`: how many were printed. */
static unsigned offer(struct line_budget *b, unsigned n, uint64_t now)
{
	unsigned printed = 0;

	for (unsigned i = 0; i < n; i++)
		printed += line_budget_line(b, now).print;
	return printed;
}

static void burst_then_steady_rate(void **state)
{
	(void)state;
	struct line_budget b;

	line_budget_init(&b, 1000, 100, T0);
	assert_int_equal(offer(&b, 1000, T0), 1000);
	assert_false(line_budget_line(&b, T0).print);
	/* 100 lines/s: one line every 10 ms, not before. */
	assert_false(line_budget_line(&b, T0 + 9 * MS).print);
	assert_true(line_budget_line(&b, T0 + 10 * MS).print);
	assert_false(line_budget_line(&b, T0 + 10 * MS).print);
	/* Over a second, a hundred more and no more. */
	assert_int_equal(offer(&b, 500, T0 + 1010 * MS), 100);
	assert_int_equal(b.printed, 1101);
	assert_int_equal(b.dropped, 3 + 400);
}

/* Fractions of a line carry over: rate 3 gets exactly 3 lines a second
 * even when asked every millisecond. */
static void fractions_carry_over(void **state)
{
	(void)state;
	struct line_budget b;
	unsigned printed = 0;

	line_budget_init(&b, 10, 3, T0);
	assert_int_equal(offer(&b, 10, T0), 10);
	for (uint64_t t = 1; t <= 1000; t++)
		printed += line_budget_line(&b, T0 + t * MS).print;
	assert_int_equal(printed, 3);
}

static void refill_capped_at_burst(void **state)
{
	(void)state;
	struct line_budget b;

	line_budget_init(&b, 5, 100, T0);
	assert_int_equal(offer(&b, 5, T0), 5);
	/* An hour of silence earns only a burst. */
	assert_int_equal(offer(&b, 20, T0 + 3600 * SEC), 5);
}

static void dropped_lines_reported_once_per_run(void **state)
{
	(void)state;
	struct line_budget b;
	struct line_verdict v;

	line_budget_init(&b, 2, 1, T0);
	v = line_budget_line(&b, T0);
	assert_true(v.print);
	assert_int_equal(v.dropped_before, 0);
	assert_true(line_budget_line(&b, T0).print);
	for (unsigned i = 0; i < 7; i++) {
		v = line_budget_line(&b, T0 + MS);
		assert_false(v.print);
		assert_int_equal(v.dropped_before, 0);
	}
	/* Output resumes: the 7 reported with the first line, then never again. */
	v = line_budget_line(&b, T0 + 2 * SEC);
	assert_true(v.print);
	assert_int_equal(v.dropped_before, 7);
	v = line_budget_line(&b, T0 + 2 * SEC);
	assert_true(v.print);
	assert_int_equal(v.dropped_before, 0);
	/* A second run is counted from zero; the totals go on. */
	for (unsigned i = 0; i < 3; i++)
		assert_false(line_budget_line(&b, T0 + 2 * SEC).print);
	v = line_budget_line(&b, T0 + 3 * SEC);
	assert_true(v.print);
	assert_int_equal(v.dropped_before, 3);
	assert_int_equal(b.printed, 5);
	assert_int_equal(b.dropped, 10);
}

/* A flood that goes on: a token every 50 ms lets a line through each
 * time, but the drops are reported once a second, not with every line. */
static void steady_flood_reported_once_a_second(void **state)
{
	(void)state;
	struct line_budget b;
	unsigned notes = 0, printed = 0;
	uint64_t reported = 0;

	line_budget_init(&b, 1, 20, T0);
	for (uint64_t t = T0; t < T0 + 10 * SEC; t += MS) {
		struct line_verdict v = line_budget_line(&b, t);
		printed += v.print;
		notes += v.dropped_before != 0;
		reported += v.dropped_before;
	}
	assert_in_range(printed, 200, 202);
	assert_in_range(notes, 9, 11);
	/* Nothing lost: what is not reported yet is still counted. */
	assert_int_equal(reported + b.dropped_run, b.dropped);
}

/* The extremes: the largest burst and rate after the longest gap, and a
 * clock that steps back (another CPU's TSC a little behind). */
static void huge_gaps_and_clock_steps(void **state)
{
	(void)state;
	struct line_budget b;

	line_budget_init(&b, LINE_BUDGET_MAX, LINE_BUDGET_MAX, 0);
	assert_int_equal(offer(&b, LINE_BUDGET_MAX, 0), LINE_BUDGET_MAX);
	assert_false(line_budget_line(&b, 0).print);
	assert_int_equal(offer(&b, LINE_BUDGET_MAX + 10, UINT64_MAX), LINE_BUDGET_MAX);
	assert_int_equal(b.credit, 0);

	line_budget_init(&b, 1, 1, UINT64_MAX - SEC / 2);
	assert_true(line_budget_line(&b, UINT64_MAX - SEC / 2).print);
	assert_false(line_budget_line(&b, UINT64_MAX).print);
	/* Stepping back earns nothing and does not move the clock back. */
	line_budget_init(&b, 1, 1, 10 * SEC);
	assert_true(line_budget_line(&b, 10 * SEC).print);
	assert_false(line_budget_line(&b, 9 * SEC).print);
	assert_false(line_budget_line(&b, 10 * SEC + SEC / 2).print);
	assert_true(line_budget_line(&b, 11 * SEC).print);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_then_steady_rate),
		cmocka_unit_test(fractions_carry_over),
		cmocka_unit_test(refill_capped_at_burst),
		cmocka_unit_test(dropped_lines_reported_once_per_run),
		cmocka_unit_test(steady_flood_reported_once_a_second),
		cmocka_unit_test(huge_gaps_and_clock_steps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
