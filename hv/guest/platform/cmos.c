/* The clock's registers are encoded from its seconds on every read and
 * decoded back on a write, so changing register B's format changes only
 * how the same time is shown. A guest setting the clock moves its
 * reading; an invalid setting (a 13th month, a BCD digit above 9) is
 * dropped and the clock keeps its time. */
#include "hv/guest/platform/cmos.h"
#include "hv/guest/platform/civil_time.h"
#include "hv/guest/platform/clock_ticks.h"

#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS_ALARM   0x05
#define RTC_A_WRITABLE    0x7f
#define NO_VALUE          0xffu  /* a register that does not decode */

static bool binary(const struct cmos *c)
{
	return c->ram[RTC_REG_B] & RTC_B_BINARY;
}

static uint8_t encode(const struct cmos *c, unsigned v)
{
	return binary(c) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned decode(const struct cmos *c, uint8_t v)
{
	if (binary(c))
		return v;
	if ((v & 0xf) > 9 || (v >> 4) > 9)
		return NO_VALUE;
	return (v >> 4) * 10u + (v & 0xf);
}

static uint8_t encode_hour(const struct cmos *c, unsigned hour)
{
	if (c->ram[RTC_REG_B] & RTC_B_24H)
		return encode(c, hour);
	unsigned h12 = hour % 12 ? hour % 12 : 12;
	return (uint8_t)(encode(c, h12) | (hour >= 12 ? RTC_HOUR_PM : 0));
}

static unsigned decode_hour(const struct cmos *c, uint8_t v)
{
	if (c->ram[RTC_REG_B] & RTC_B_24H)
		return decode(c, v);
	unsigned h12 = decode(c, v & ~RTC_HOUR_PM);
	if (h12 < 1 || h12 > 12)
		return NO_VALUE;
	return h12 % 12 + (v & RTC_HOUR_PM ? 12 : 0);
}

int64_t cmos_seconds(const struct cmos *c, uint64_t now_ns)
{
	uint64_t since = now_ns > c->base_ns ? now_ns - c->base_ns : 0;

	return c->seconds_at_base + (int64_t)(since / NS_PER_SEC);
}

static struct civil_time clock_now(const struct cmos *c, uint64_t now_ns)
{
	int64_t s = cmos_seconds(c, now_ns);

	return civil_from_seconds(s > 0 ? (uint64_t)s : 0);
}

static void encode_time(const struct cmos *c, const struct civil_time *t,
			uint8_t regs[CMOS_TIME_REGS], uint8_t *century)
{
	regs[RTC_SECONDS] = encode(c, t->second);
	regs[RTC_SECONDS_ALARM] = c->ram[RTC_SECONDS_ALARM];
	regs[RTC_MINUTES] = encode(c, t->minute);
	regs[RTC_MINUTES_ALARM] = c->ram[RTC_MINUTES_ALARM];
	regs[RTC_HOURS] = encode_hour(c, t->hour);
	regs[RTC_HOURS_ALARM] = c->ram[RTC_HOURS_ALARM];
	regs[RTC_WEEKDAY] = encode(c, t->weekday + 1); /* 1 = Sunday */
	regs[RTC_DAY] = encode(c, t->day);
	regs[RTC_MONTH] = encode(c, t->month);
	regs[RTC_YEAR] = encode(c, t->year % 100);
	*century = encode(c, t->year / 100);
}

/* The weekday register is not checked: the date decides it. */
static bool decode_time(const struct cmos *c, const uint8_t regs[CMOS_TIME_REGS],
			uint8_t century, struct civil_time *t)
{
	unsigned cent = decode(c, century), year = decode(c, regs[RTC_YEAR]);

	if (cent > 99 || year > 99)
		return false;
	t->year = cent * 100 + year;
	t->month = decode(c, regs[RTC_MONTH]);
	t->day = decode(c, regs[RTC_DAY]);
	t->hour = decode_hour(c, regs[RTC_HOURS]);
	t->minute = decode(c, regs[RTC_MINUTES]);
	t->second = decode(c, regs[RTC_SECONDS]);
	return civil_valid(t);
}

static void set_clock(struct cmos *c, const uint8_t regs[CMOS_TIME_REGS], uint8_t century,
		      uint64_t now_ns)
{
	struct civil_time t;

	if (!decode_time(c, regs, century, &t))
		return;
	c->seconds_at_base = civil_to_seconds(&t);
	c->base_ns = now_ns;
}

static bool is_clock_byte(unsigned index)
{
	return (index < CMOS_TIME_REGS && index != RTC_SECONDS_ALARM && index != RTC_MINUTES_ALARM &&
		index != RTC_HOURS_ALARM) || index == GUEST_CMOS_CENTURY;
}

static uint8_t clock_read(const struct cmos *c, unsigned index, uint64_t now_ns)
{
	uint8_t regs[CMOS_TIME_REGS], century;

	if (c->ram[RTC_REG_B] & RTC_B_SET)
		return index == GUEST_CMOS_CENTURY ? c->set_century : c->set_regs[index];
	struct civil_time t = clock_now(c, now_ns);
	encode_time(c, &t, regs, &century);
	return index == GUEST_CMOS_CENTURY ? century : regs[index];
}

static void clock_write(struct cmos *c, unsigned index, uint8_t v, uint64_t now_ns)
{
	uint8_t regs[CMOS_TIME_REGS], century;
	bool setting = c->ram[RTC_REG_B] & RTC_B_SET;

	if (setting) {
		if (index == GUEST_CMOS_CENTURY)
			c->set_century = v;
		else
			c->set_regs[index] = v;
		return;
	}
	struct civil_time t = clock_now(c, now_ns);
	encode_time(c, &t, regs, &century);
	if (index == GUEST_CMOS_CENTURY)
		century = v;
	else
		regs[index] = v;
	set_clock(c, regs, century, now_ns);
}

/* SET stops the clock's updates while the guest writes a new time: the
 * registers hold what they showed, and the time counts again from what
 * they hold when it clears. */
static void write_b(struct cmos *c, uint8_t v, uint64_t now_ns)
{
	bool was_setting = c->ram[RTC_REG_B] & RTC_B_SET, setting = v & RTC_B_SET;

	if (setting && !was_setting) {
		struct civil_time t = clock_now(c, now_ns);
		encode_time(c, &t, c->set_regs, &c->set_century);
	}
	if (!setting && was_setting) {
		/* Decoded in the format the registers were written in. */
		set_clock(c, c->set_regs, c->set_century, now_ns);
	}
	c->ram[RTC_REG_B] = v;
}

static uint8_t data_read(struct cmos *c, uint64_t now_ns)
{
	unsigned i = c->index;

	if (is_clock_byte(i))
		return clock_read(c, i, now_ns);
	switch (i) {
	case RTC_REG_A: return c->ram[i] & RTC_A_WRITABLE;
	case RTC_REG_C: return 0;
	case RTC_REG_D: return RTC_D_VRT;
	default: return c->ram[i];
	}
}

static void data_write(struct cmos *c, uint8_t v, uint64_t now_ns)
{
	unsigned i = c->index;

	if (is_clock_byte(i)) {
		clock_write(c, i, v, now_ns);
		return;
	}
	switch (i) {
	case RTC_REG_A: c->ram[i] = v & RTC_A_WRITABLE; return;
	case RTC_REG_B: write_b(c, v, now_ns); return;
	case RTC_REG_C: case RTC_REG_D: return; /* read-only */
	default: c->ram[i] = v; return;
	}
}

void cmos_init(struct cmos *c, int64_t seconds, uint64_t now_ns)
{
	*c = (struct cmos){ 0 };
	c->ram[RTC_REG_A] = RTC_A_DEFAULT;
	c->ram[RTC_REG_B] = RTC_B_DEFAULT;
	c->seconds_at_base = seconds;
	c->base_ns = now_ns;
}

uint8_t cmos_read(struct cmos *c, unsigned offset, uint64_t now_ns)
{
	if (offset == 0)
		return (uint8_t)(c->index | (c->nmi_masked ? CMOS_NMI_MASK : 0));
	return data_read(c, now_ns);
}

void cmos_write(struct cmos *c, unsigned offset, uint8_t value, uint64_t now_ns)
{
	if (offset == 0) {
		c->index = value & (CMOS_BYTES - 1);
		c->nmi_masked = value & CMOS_NMI_MASK;
		return;
	}
	data_write(c, value, now_ns);
}
