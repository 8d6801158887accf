#include "boot/cmos_clock.h"

#include <string.h>

#define REG_SECONDS 0x00
#define REG_MINUTES 0x02
#define REG_HOURS 0x04
#define REG_DAY 0x07
#define REG_MONTH 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define A_UPDATE_IN_PROGRESS 0x80
#define B_24_HOUR 0x02
#define B_BINARY 0x04
#define HOUR_PM 0x80
/* An update cycle lasts under 2 ms; each read is a port access (~1 us). */
#define UIP_POLLS_MAX 100000
#define READS_MAX 8

struct raw {
	uint8_t sec, min, hour, day, month, year, b;
};

static bool read_raw(cmos_read_fn read, void *ctx, struct raw *r)
{
	unsigned polls = 0;

	while (read(ctx, REG_A) & A_UPDATE_IN_PROGRESS)
		if (++polls == UIP_POLLS_MAX)
			return false;
	*r = (struct raw){ read(ctx, REG_SECONDS), read(ctx, REG_MINUTES), read(ctx, REG_HOURS),
			   read(ctx, REG_DAY), read(ctx, REG_MONTH), read(ctx, REG_YEAR),
			   read(ctx, REG_B) };
	return true;
}

static uint8_t from_bcd(uint8_t v, bool binary)
{
	return binary ? v : (uint8_t)((v >> 4) * 10 + (v & 0xf));
}

static bool bcd_ok(uint8_t v)
{
	return (v & 0xf) < 10 && (v >> 4) < 10;
}

static bool decode(const struct raw *r, struct wall_clock *out)
{
	bool binary = r->b & B_BINARY;
	uint8_t hour = r->hour & (uint8_t)~HOUR_PM;
	bool pm = !(r->b & B_24_HOUR) && (r->hour & HOUR_PM);

	if (!binary && !(bcd_ok(r->sec) && bcd_ok(r->min) && bcd_ok(hour) && bcd_ok(r->day) &&
			 bcd_ok(r->month) && bcd_ok(r->year)))
		return false;
	hour = from_bcd(hour, binary);
	if (!(r->b & B_24_HOUR)) {
		if (hour < 1 || hour > 12)
			return false;
		hour = (uint8_t)(hour % 12 + (pm ? 12 : 0));
	}
	unsigned year = from_bcd(r->year, binary);
	*out = (struct wall_clock){
		.valid = true,
		.year = (uint16_t)(year + (year < 70 ? 2000 : 1900)),
		.month = from_bcd(r->month, binary),
		.day = from_bcd(r->day, binary),
		.hour = hour,
		.minute = from_bcd(r->min, binary),
		.second = from_bcd(r->sec, binary),
	};
	return year < 100 && out->month >= 1 && out->month <= 12 && out->day >= 1 &&
	       out->day <= 31 && out->hour <= 23 && out->minute <= 59 && out->second <= 59;
}

bool cmos_clock_read(cmos_read_fn read, void *ctx, struct wall_clock *out)
{
	struct raw a, b;
	uint64_t at_ns = out->at_ns;

	*out = (struct wall_clock){ .at_ns = at_ns };
	if (!read_raw(read, ctx, &a))
		return false;
	for (unsigned i = 0; i < READS_MAX; i++, a = b) {
		if (!read_raw(read, ctx, &b))
			return false;
		if (!memcmp(&a, &b, sizeof(a))) {
			if (decode(&a, out)) {
				out->at_ns = at_ns;
				return true;
			}
			*out = (struct wall_clock){ .at_ns = at_ns };
			return false;
		}
	}
	return false;
}
