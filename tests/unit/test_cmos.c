/* hv/guest/platform/civil_time.c and cmos.c: the date arithmetic over
 * leap years and centuries, and the RTC's registers in BCD and binary,
 * 24 and 12 hours, against a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hv/guest/platform/civil_time.h"
#include "hv/guest/platform/cmos.h"

#define SEC 1000000000ull
#define T0 (3 * SEC + 456) /* the clock starts at some arbitrary time */

static void leap_years_and_month_lengths(void **state)
{
	(void)state;
	assert_true(civil_is_leap_year(2024));
	assert_false(civil_is_leap_year(2023));
	assert_false(civil_is_leap_year(1900));
	assert_true(civil_is_leap_year(2000));
	assert_false(civil_is_leap_year(2100));
	assert_true(civil_is_leap_year(2400));
	assert_int_equal(civil_days_in_month(2024, 2), 29);
	assert_int_equal(civil_days_in_month(2100, 2), 28);
	assert_int_equal(civil_days_in_month(2023, 4), 30);
	assert_int_equal(civil_days_in_month(2023, 12), 31);
	assert_int_equal(civil_days_in_month(2023, 13), 0);
	assert_int_equal(civil_days_in_month(2023, 0), 0);
}

static void known_dates(void **state)
{
	(void)state;
	assert_int_equal(civil_days_from_date(1970, 1, 1), 0);
	assert_int_equal(civil_days_from_date(1970, 3, 1), 59);
	assert_int_equal(civil_days_from_date(2000, 3, 1), 11017);
	struct civil_time y2k = { 2000, 1, 1, 0, 0, 0, 0 };
	assert_int_equal(civil_to_seconds(&y2k), 946684800);
	struct civil_time t = civil_from_seconds(2147483648ull); /* 2^31 */
	assert_int_equal(t.year, 2038);
	assert_int_equal(t.month, 1);
	assert_int_equal(t.day, 19);
	assert_int_equal(t.hour, 3);
	assert_int_equal(t.minute, 14);
	assert_int_equal(t.second, 8);
	assert_int_equal(t.weekday, 2); /* a Tuesday */
	assert_int_equal(civil_from_seconds(946684800).weekday, 6); /* a Saturday */
	t = civil_from_seconds(951782400); /* 2000-02-29 */
	assert_int_equal(t.month, 2);
	assert_int_equal(t.day, 29);
	t = civil_from_seconds((uint64_t)civil_days_from_date(2100, 3, 1) * 86400 - 1);
	assert_int_equal(t.year, 2100);
	assert_int_equal(t.month, 2);
	assert_int_equal(t.day, 28); /* 2100 is no leap year */
}

/* Every day from 1970 to 2500 maps to the date after the one before it. */
static void every_day_round_trips(void **state)
{
	(void)state;
	struct civil_time prev = civil_from_seconds(0);
	assert_int_equal(prev.year, 1970);
	for (uint64_t d = 1; d < (uint64_t)civil_days_from_date(2500, 1, 1); d++) {
		struct civil_time t = civil_from_seconds(d * 86400 + 3661);
		assert_true(civil_valid(&t));
		assert_int_equal(civil_to_seconds(&t), (int64_t)(d * 86400 + 3661));
		bool next_day = t.year == prev.year && t.month == prev.month && t.day == prev.day + 1;
		bool next_month = t.year == prev.year && t.month == prev.month + 1 && t.day == 1 &&
				  prev.day == civil_days_in_month(prev.year, prev.month);
		bool next_year = t.year == prev.year + 1 && t.month == 1 && t.day == 1 &&
				 prev.month == 12 && prev.day == 31;
		assert_true(next_day || next_month || next_year);
		assert_int_equal(t.weekday, (prev.weekday + 1) % 7);
		prev = t;
	}
}

static void validity(void **state)
{
	(void)state;
	struct civil_time ok = { 2024, 2, 29, 23, 59, 59, 0 };
	assert_true(civil_valid(&ok));
	struct civil_time bad[] = {
		{ 2023, 2, 29, 0, 0, 0, 0 }, { 2024, 13, 1, 0, 0, 0, 0 }, { 2024, 4, 31, 0, 0, 0, 0 },
		{ 2024, 1, 0, 0, 0, 0, 0 },  { 2024, 1, 1, 24, 0, 0, 0 }, { 2024, 1, 1, 0, 60, 0, 0 },
		{ 2024, 1, 1, 0, 0, 60, 0 }, { 1969, 12, 31, 0, 0, 0, 0 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(civil_valid(&bad[i]));
}

static uint8_t reg(struct cmos *c, uint8_t index, uint64_t now)
{
	cmos_write(c, 0, index, now);
	return cmos_read(c, 1, now);
}

static void set_reg(struct cmos *c, uint8_t index, uint8_t v, uint64_t now)
{
	cmos_write(c, 0, index, now);
	cmos_write(c, 1, v, now);
}

/* 2024-02-29 13:45:30, a Thursday. */
static int64_t leap_day_afternoon(void)
{
	struct civil_time t = { 2024, 2, 29, 13, 45, 30, 0 };
	return civil_to_seconds(&t);
}

static void bcd_24_hours_by_default(void **state)
{
	(void)state;
	struct cmos c;
	cmos_init(&c, leap_day_afternoon(), T0);
	assert_int_equal(reg(&c, RTC_SECONDS, T0), 0x30);
	assert_int_equal(reg(&c, RTC_MINUTES, T0), 0x45);
	assert_int_equal(reg(&c, RTC_HOURS, T0), 0x13);
	assert_int_equal(reg(&c, RTC_WEEKDAY, T0), 5);
	assert_int_equal(reg(&c, RTC_DAY, T0), 0x29);
	assert_int_equal(reg(&c, RTC_MONTH, T0), 0x02);
	assert_int_equal(reg(&c, RTC_YEAR, T0), 0x24);
	assert_int_equal(reg(&c, GUEST_CMOS_CENTURY, T0), 0x20);
	/* The status registers Linux checks. */
	assert_int_equal(reg(&c, RTC_REG_A, T0), 0x26);
	assert_int_equal(reg(&c, RTC_REG_B, T0), 0x02);
	assert_int_equal(reg(&c, RTC_REG_C, T0), 0);
	assert_int_equal(reg(&c, RTC_REG_D, T0), 0x80);
}

static void binary_and_12_hours(void **state)
{
	(void)state;
	struct cmos c;
	cmos_init(&c, leap_day_afternoon(), T0);
	set_reg(&c, RTC_REG_B, RTC_B_BINARY | RTC_B_24H, T0);
	assert_int_equal(reg(&c, RTC_HOURS, T0), 13);
	assert_int_equal(reg(&c, RTC_DAY, T0), 29);
	assert_int_equal(reg(&c, RTC_YEAR, T0), 24);
	assert_int_equal(reg(&c, GUEST_CMOS_CENTURY, T0), 20);
	set_reg(&c, RTC_REG_B, RTC_B_BINARY, T0);
	assert_int_equal(reg(&c, RTC_HOURS, T0), 0x80 | 1);
	set_reg(&c, RTC_REG_B, 0, T0);
	assert_int_equal(reg(&c, RTC_HOURS, T0), 0x80 | 0x01);
	/* Midnight is 12 AM, noon 12 PM. */
	struct cmos m;
	cmos_init(&m, civil_days_from_date(2024, 3, 1) * 86400, T0);
	set_reg(&m, RTC_REG_B, 0, T0);
	assert_int_equal(reg(&m, RTC_HOURS, T0), 0x12);
	assert_int_equal(reg(&m, RTC_HOURS, T0 + 12 * 3600 * SEC), 0x80 | 0x12);
	assert_int_equal(reg(&m, RTC_HOURS, T0 + 23 * 3600 * SEC), 0x80 | 0x11);
}

static void it_runs_through_the_century(void **state)
{
	(void)state;
	struct cmos c;
	cmos_init(&c, civil_days_from_date(2100, 1, 1) * 86400 - 2, T0);
	assert_int_equal(reg(&c, RTC_YEAR, T0), 0x99);
	assert_int_equal(reg(&c, RTC_SECONDS, T0 + SEC - 1), 0x58);
	uint64_t later = T0 + 2 * SEC;
	assert_int_equal(reg(&c, RTC_SECONDS, later), 0x00);
	assert_int_equal(reg(&c, RTC_HOURS, later), 0x00);
	assert_int_equal(reg(&c, RTC_DAY, later), 0x01);
	assert_int_equal(reg(&c, RTC_MONTH, later), 0x01);
	assert_int_equal(reg(&c, RTC_YEAR, later), 0x00);
	assert_int_equal(reg(&c, GUEST_CMOS_CENTURY, later), 0x21);
	assert_int_equal(reg(&c, RTC_WEEKDAY, later), 6); /* 2100-01-01: a Friday */
}

static void the_guest_sets_the_clock(void **state)
{
	(void)state;
	struct cmos c;
	cmos_init(&c, leap_day_afternoon(), T0);
	/* As Linux's mc146818_set_time() does: SET, the registers, SET off. */
	set_reg(&c, RTC_REG_B, RTC_B_SET | RTC_B_24H, T0);
	assert_int_equal(reg(&c, RTC_SECONDS, T0 + 5 * SEC), 0x30); /* held while SET */
	set_reg(&c, RTC_YEAR, 0x99, T0);
	set_reg(&c, RTC_MONTH, 0x12, T0);
	set_reg(&c, RTC_DAY, 0x31, T0);
	set_reg(&c, RTC_HOURS, 0x23, T0);
	set_reg(&c, RTC_MINUTES, 0x59, T0);
	set_reg(&c, RTC_SECONDS, 0x50, T0);
	set_reg(&c, GUEST_CMOS_CENTURY, 0x19, T0);
	set_reg(&c, RTC_REG_B, RTC_B_24H, T0 + SEC);
	uint64_t later = T0 + 11 * SEC;
	assert_int_equal(reg(&c, RTC_YEAR, later), 0x00);
	assert_int_equal(reg(&c, GUEST_CMOS_CENTURY, later), 0x20);
	assert_int_equal(reg(&c, RTC_SECONDS, later), 0x00);
	/* One register at a time, without SET, also moves the clock. */
	set_reg(&c, RTC_MINUTES, 0x30, later);
	assert_int_equal(reg(&c, RTC_MINUTES, later), 0x30);
	assert_int_equal(reg(&c, RTC_HOURS, later), 0x00);
	/* An invalid setting is dropped: the clock keeps its time. */
	set_reg(&c, RTC_MONTH, 0x13, later);
	set_reg(&c, RTC_DAY, 0x3a, later);
	set_reg(&c, RTC_REG_B, RTC_B_SET | RTC_B_24H, later);
	set_reg(&c, RTC_DAY, 0x31, later);
	set_reg(&c, RTC_MONTH, 0x02, later);
	set_reg(&c, RTC_REG_B, RTC_B_24H, later);
	assert_int_equal(reg(&c, RTC_MONTH, later), 0x01);
	assert_int_equal(reg(&c, RTC_DAY, later), 0x01);
	/* 12-hour binary writes decode as such: 11 PM. */
	set_reg(&c, RTC_REG_B, RTC_B_BINARY, later);
	set_reg(&c, RTC_HOURS, 0x80 | 11, later);
	set_reg(&c, RTC_REG_B, RTC_B_24H, later);
	assert_int_equal(reg(&c, RTC_HOURS, later), 0x23);
}

static void ram_index_and_nmi_bit(void **state)
{
	(void)state;
	struct cmos c;
	cmos_init(&c, leap_day_afternoon(), T0);
	for (unsigned i = 0x0e; i < CMOS_BYTES; i++)
		if (i != GUEST_CMOS_CENTURY)
			set_reg(&c, (uint8_t)i, (uint8_t)(i ^ 0x5a), T0);
	for (unsigned i = 0x0e; i < CMOS_BYTES; i++)
		if (i != GUEST_CMOS_CENTURY)
			assert_int_equal(reg(&c, (uint8_t)i, T0), i ^ 0x5a);
	/* The alarms are RAM too. */
	set_reg(&c, 0x01, 0x42, T0);
	assert_int_equal(reg(&c, 0x01, T0 + 7 * SEC), 0x42);
	/* Bit 7 of the index masks NMIs and is no part of the index. */
	cmos_write(&c, 0, CMOS_NMI_MASK | RTC_REG_D, T0);
	assert_int_equal(cmos_read(&c, 1, T0), 0x80);
	assert_int_equal(cmos_read(&c, 0, T0), CMOS_NMI_MASK | RTC_REG_D);
	/* UIP never reads set; C and D take no writes; A keeps its bits. */
	set_reg(&c, RTC_REG_A, 0xa6, T0);
	assert_int_equal(reg(&c, RTC_REG_A, T0), 0x26);
	set_reg(&c, RTC_REG_C, 0xff, T0);
	set_reg(&c, RTC_REG_D, 0x00, T0);
	assert_int_equal(reg(&c, RTC_REG_C, T0), 0);
	assert_int_equal(reg(&c, RTC_REG_D, T0), 0x80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(leap_years_and_month_lengths),
		cmocka_unit_test(known_dates),
		cmocka_unit_test(every_day_round_trips),
		cmocka_unit_test(validity),
		cmocka_unit_test(bcd_24_hours_by_default),
		cmocka_unit_test(binary_and_12_hours),
		cmocka_unit_test(it_runs_through_the_century),
		cmocka_unit_test(the_guest_sets_the_clock),
		cmocka_unit_test(ram_index_and_nmi_bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
