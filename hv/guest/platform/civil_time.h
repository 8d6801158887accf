/* Calendar dates and Unix seconds, both ways, proleptic Gregorian: what
 * the CMOS clock shows from a count of seconds, and the count from what a
 * guest sets it to. Pure, for the host unit tests. */
#ifndef HV_GUEST_PLATFORM_CIVIL_TIME_H
#define HV_GUEST_PLATFORM_CIVIL_TIME_H

#include <stdbool.h>
#include <stdint.h>

struct civil_time {
	unsigned year;          /* 1970..9999 */
	unsigned month, day;    /* 1..12, 1..31 */
	unsigned hour, minute, second;
	unsigned weekday;       /* 0 = Sunday; filled by civil_from_seconds() */
};

#define CIVIL_YEAR_MIN 1970
#define CIVIL_YEAR_MAX 9999

bool civil_is_leap_year(unsigned year);
unsigned civil_days_in_month(unsigned year, unsigned month);

/* Days since 1970-01-01 of a date (month and day must be valid for it). */
int64_t civil_days_from_date(unsigned year, unsigned month, unsigned day);

/* Whether every field is in range (weekday ignored). */
bool civil_valid(const struct civil_time *t);

/* Seconds since 1970-01-01 00:00:00 of a valid time. */
int64_t civil_to_seconds(const struct civil_time *t);

/* The time `seconds` after 1970-01-01 00:00:00 (>= 0). */
struct civil_time civil_from_seconds(uint64_t seconds);

#endif
