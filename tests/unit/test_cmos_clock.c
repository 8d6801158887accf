/* boot/cmos_clock.c on a faked MC146818A: BCD and binary, 12- and 24-hour,
 * an update cycle that ends, one that never does, a clock that ticks
 * between two reads, and dates out of range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot/cmos_clock.h"

struct chip {
	uint8_t reg[128];
	unsigned uip_reads;   /* register A reads that still show an update */
	unsigned tick_after;  /* after this many seconds reads, seconds += 1 */
	unsigned seconds_reads;
};

static uint8_t chip_read(void *ctx, uint8_t reg)
{
	struct chip *c = ctx;

	if (reg == 0x0a && c->uip_reads) {
		c->uip_reads--;
		return 0x80 | c->reg[0x0a];
	}
	if (reg == 0 && c->tick_after && ++c->seconds_reads == c->tick_after)
		c->reg[0]++;
	return c->reg[reg];
}

static void set(struct chip *c, uint8_t b, uint8_t y, uint8_t mo, uint8_t d, uint8_t h,
		uint8_t mi, uint8_t s)
{
	memset(c, 0, sizeof(*c));
	c->reg[0x0b] = b;
	c->reg[9] = y, c->reg[8] = mo, c->reg[7] = d, c->reg[4] = h, c->reg[2] = mi, c->reg[0] = s;
}

static struct wall_clock wc;

static void bcd_24_hour(void **state)
{
	(void)state;
	struct chip c;
	set(&c, 0x02, 0x26, 0x12, 0x07, 0x23, 0x59, 0x58);
	c.uip_reads = 50;
	wc.at_ns = 1234;
	assert_true(cmos_clock_read(chip_read, &c, &wc));
	assert_true(wc.valid);
	assert_int_equal(wc.year, 2026);
	assert_int_equal(wc.month, 12);
	assert_int_equal(wc.day, 7);
	assert_int_equal(wc.hour, 23);
	assert_int_equal(wc.minute, 59);
	assert_int_equal(wc.second, 58);
	assert_int_equal(wc.at_ns, 1234);
}

static void binary_12_hour(void **state)
{
	(void)state;
	struct chip c;
	set(&c, 0x04, 99, 2, 28, 0x80 | 12, 0, 0); /* 12 PM is noon */
	assert_true(cmos_clock_read(chip_read, &c, &wc));
	assert_int_equal(wc.year, 1999);
	assert_int_equal(wc.hour, 12);
	set(&c, 0x04, 0, 1, 1, 12, 30, 0); /* 12 AM is midnight */
	assert_true(cmos_clock_read(chip_read, &c, &wc));
	assert_int_equal(wc.year, 2000);
	assert_int_equal(wc.hour, 0);
	set(&c, 0x00, 0x69, 0x01, 0x01, 0x80 | 0x11, 0x00, 0x00); /* BCD 11 PM */
	assert_true(cmos_clock_read(chip_read, &c, &wc));
	assert_int_equal(wc.year, 2069);
	assert_int_equal(wc.hour, 23);
}

static void tick_between_reads_reread(void **state)
{
	(void)state;
	struct chip c;
	set(&c, 0x06, 26, 12, 7, 10, 0, 5);
	c.tick_after = 2; /* the second read sees 6: a third must agree */
	assert_true(cmos_clock_read(chip_read, &c, &wc));
	assert_int_equal(wc.second, 6);
}

static void refused(void **state)
{
	(void)state;
	struct chip c;
	set(&c, 0x02, 0x26, 0x12, 0x07, 0x10, 0x00, 0x00);
	c.uip_reads = 1u << 30; /* never leaves its update cycle */
	assert_false(cmos_clock_read(chip_read, &c, &wc));
	assert_false(wc.valid);
	set(&c, 0x02, 0x26, 0x13, 0x07, 0x10, 0x00, 0x00); /* month 13 */
	assert_false(cmos_clock_read(chip_read, &c, &wc));
	assert_false(wc.valid);
	set(&c, 0x02, 0x26, 0x1a, 0x07, 0x10, 0x00, 0x00); /* not BCD */
	assert_false(cmos_clock_read(chip_read, &c, &wc));
	set(&c, 0x00, 0x26, 0x12, 0x07, 0x13, 0x00, 0x00); /* 13 o'clock in 12-hour mode */
	assert_false(cmos_clock_read(chip_read, &c, &wc));
	set(&c, 0x06, 26, 12, 0, 10, 0, 0); /* day 0 */
	assert_false(cmos_clock_read(chip_read, &c, &wc));
	memset(&c, 0xff, sizeof(c.reg)); /* no chip: all-ones, A's UIP bit set */
	c.uip_reads = 0, c.tick_after = 0;
	assert_false(cmos_clock_read(chip_read, &c, &wc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bcd_24_hour),
		cmocka_unit_test(binary_12_hour),
		cmocka_unit_test(tick_between_reads_reread),
		cmocka_unit_test(refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
