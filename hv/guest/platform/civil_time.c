/* Dates by eras of 400 years (146097 days), in which the Gregorian
 * calendar repeats exactly; the year is counted from March so that the
 * leap day falls at its end and the month lengths before it never
 * depend on the year. */
#include "hv/guest/platform/civil_time.h"

#define DAYS_PER_ERA 146097
#define YEARS_PER_ERA 400
/* 1970-01-01 counted from 0000-03-01. */
#define DAYS_0000_03_01_TO_EPOCH 719468

bool civil_is_leap_year(unsigned year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned civil_days_in_month(unsigned year, unsigned month)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	return days[month - 1] + (month == 2 && civil_is_leap_year(year));
}

/* Months from March: March 0 .. February 11. */
static unsigned march_month(unsigned month)
{
	return month > 2 ? month - 3 : month + 9;
}

int64_t civil_days_from_date(unsigned year, unsigned month, unsigned day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = y / YEARS_PER_ERA;            /* years are >= 0 here */
	int64_t year_of_era = y - era * YEARS_PER_ERA;
	int64_t day_of_year = (153 * march_month(month) + 2) / 5 + day - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

	return era * DAYS_PER_ERA + day_of_era - DAYS_0000_03_01_TO_EPOCH;
}

bool civil_valid(const struct civil_time *t)
{
	return t->year >= CIVIL_YEAR_MIN && t->year <= CIVIL_YEAR_MAX && t->month >= 1 &&
	       t->month <= 12 && t->day >= 1 && t->day <= civil_days_in_month(t->year, t->month) &&
	       t->hour < 24 && t->minute < 60 && t->second < 60;
}

int64_t civil_to_seconds(const struct civil_time *t)
{
	return civil_days_from_date(t->year, t->month, t->day) * 86400 + t->hour * 3600 +
	       t->minute * 60 + t->second;
}

struct civil_time civil_from_seconds(uint64_t seconds)
{
	struct civil_time t;
	uint64_t days = seconds / 86400, rest = seconds % 86400;
	uint64_t z = days + DAYS_0000_03_01_TO_EPOCH;
	uint64_t era = z / DAYS_PER_ERA;
	uint64_t day_of_era = z - era * DAYS_PER_ERA;
	uint64_t year_of_era =
		(day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
	uint64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	uint64_t mp = (5 * day_of_year + 2) / 153;

	t.day = (unsigned)(day_of_year - (153 * mp + 2) / 5 + 1);
	t.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	t.year = (unsigned)(year_of_era + era * YEARS_PER_ERA + (t.month <= 2));
	t.hour = (unsigned)(rest / 3600);
	t.minute = (unsigned)(rest / 60 % 60);
	t.second = (unsigned)(rest % 60);
	t.weekday = (unsigned)((days + 4) % 7); /* 1970-01-01 was a Thursday */
	return t;
}
