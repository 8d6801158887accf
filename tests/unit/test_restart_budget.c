/* hv/guest/restart_budget.c: at most `limit` restarts in any minute,
 * with the time handed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hv/guest/restart_budget.h"

#define SEC 1000000000ull
#define T0 (7 * SEC)

static void limit_then_spent(void **state)
{
	(void)state;
	struct restart_budget b;

	restart_budget_init(&b, 3, RESTART_WINDOW_DEFAULT_S);
	assert_true(restart_budget_take(&b, T0));
	assert_true(restart_budget_take(&b, T0 + 1 * SEC));
	assert_true(restart_budget_take(&b, T0 + 2 * SEC));
	assert_false(restart_budget_take(&b, T0 + 3 * SEC));
	assert_false(restart_budget_take(&b, T0 + 59 * SEC));
	assert_int_equal(b.total, 3);
}

/* A minute after the first restart its slot is free again, and only its. */
static void window_slides(void **state)
{
	(void)state;
	struct restart_budget b;

	restart_budget_init(&b, 2, RESTART_WINDOW_DEFAULT_S);
	assert_true(restart_budget_take(&b, T0));
	assert_true(restart_budget_take(&b, T0 + 30 * SEC));
	assert_false(restart_budget_take(&b, T0 + 60 * SEC - 1));
	assert_true(restart_budget_take(&b, T0 + 60 * SEC));
	assert_false(restart_budget_take(&b, T0 + 89 * SEC));
	assert_true(restart_budget_take(&b, T0 + 90 * SEC));
	assert_int_equal(b.count, 2);
	assert_int_equal(b.total, 4);
}

static void zero_never_restarts(void **state)
{
	(void)state;
	struct restart_budget b;

	restart_budget_init(&b, 0, RESTART_WINDOW_DEFAULT_S);
	assert_false(restart_budget_take(&b, T0));
	assert_false(restart_budget_take(&b, T0 + 3600 * SEC));
}

/* A limit past the table is clamped, never written past it. */
static void limit_clamped(void **state)
{
	(void)state;
	struct restart_budget b;

	restart_budget_init(&b, 1000, RESTART_WINDOW_DEFAULT_S);
	assert_int_equal(b.limit, RESTART_LIMIT_MAX);
	for (unsigned i = 0; i < RESTART_LIMIT_MAX; i++)
		assert_true(restart_budget_take(&b, T0 + i));
	assert_false(restart_budget_take(&b, T0 + RESTART_LIMIT_MAX));
}

/* A clock that goes back forgets nothing (and grants nothing extra). */
static void clock_backwards(void **state)
{
	(void)state;
	struct restart_budget b;

	restart_budget_init(&b, 1, RESTART_WINDOW_DEFAULT_S);
	assert_true(restart_budget_take(&b, T0 + 100 * SEC));
	assert_false(restart_budget_take(&b, T0));
}

/* A longer window (restart_window) holds the restarts it saw for as long;
 * out-of-range windows are clamped. */
static void window_configured(void **state)
{
	(void)state;
	struct restart_budget b;

	restart_budget_init(&b, 1, 600);
	assert_true(restart_budget_take(&b, T0));
	assert_false(restart_budget_take(&b, T0 + 599 * SEC));
	assert_true(restart_budget_take(&b, T0 + 600 * SEC));

	restart_budget_init(&b, 1, 0);
	assert_int_equal(b.window_ns, 1 * SEC);
	restart_budget_init(&b, 1, RESTART_WINDOW_MAX_S + 1);
	assert_int_equal(b.window_ns, RESTART_WINDOW_MAX_S * SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(limit_then_spent),
		cmocka_unit_test(window_slides),
		cmocka_unit_test(zero_never_restarts),
		cmocka_unit_test(limit_clamped),
		cmocka_unit_test(clock_backwards),
		cmocka_unit_test(window_configured),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
