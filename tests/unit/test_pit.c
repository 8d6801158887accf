/* hv/guest/platform/pit.c: the 8254 against a fake clock, and Linux's
 * quick_pit_calibrate() and pit_calibrate_tsc() replayed on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hv/guest/platform/pit.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (7 * SEC + 123) /* the PIT is programmed at some arbitrary time */
#define CH2 2
#define CTRL PIT_PORT_CONTROL

/* ns for `ticks` PIT ticks, rounded up so that the tick has happened. */
static uint64_t ticks_ns(uint64_t ticks)
{
	return (ticks * SEC + PIT_HZ - 1) / PIT_HZ;
}

/* A guest's view: every port access costs `cost` ns of the fake clock. */
struct bus {
	struct pit pit;
	uint64_t now, cost;
};

static uint8_t inb(struct bus *b, unsigned port)
{
	b->now += b->cost;
	return port == 0x61 ? pit_sys_ctrl_read(&b->pit, b->now) : pit_read(&b->pit, port - 0x40, b->now);
}

static void outb(struct bus *b, uint8_t v, unsigned port)
{
	b->now += b->cost;
	if (port == 0x61)
		pit_sys_ctrl_write(&b->pit, v, b->now);
	else
		pit_write(&b->pit, port - 0x40, v, b->now);
}

static void bus_init(struct bus *b, uint64_t cost)
{
	pit_init(&b->pit);
	b->now = T0;
	b->cost = cost;
}

/* Linux's pit_verify_msb(): the LSB read and dropped, the MSB compared. */
static bool verify_msb(struct bus *b, uint8_t val)
{
	inb(b, 0x42);
	return inb(b, 0x42) == val;
}

/* pit_expect_msb(): how many reads saw `val` before it changed (at most
 * 50000); Linux wants more than 5. */
static unsigned expect_msb(struct bus *b, uint8_t val)
{
	unsigned count;

	for (count = 0; count < 50000; count++)
		if (!verify_msb(b, val))
			break;
	return count;
}

/* quick_pit_calibrate()'s programming: gate high, speaker off, channel 2
 * mode 0 binary LSB/MSB, count 0xFFFF. */
static void quick_setup(struct bus *b)
{
	outb(b, (uint8_t)((inb(b, 0x61) & ~0x02) | 0x01), 0x61);
	outb(b, 0xb0, 0x43);
	outb(b, 0xff, 0x42);
	outb(b, 0xff, 0x42);
	verify_msb(b, 0); /* the "counting starts" read Linux makes */
}

static void quick_calibration_sees_the_msb_count_down(void **state)
{
	(void)state;
	/* An exit every 2 us (TCG's cost is about that): ~53 MSB reads for
	 * each of its values. */
	struct bus b;
	bus_init(&b, 2 * US);
	quick_setup(&b);
	uint64_t first = 0, last = 0;
	for (unsigned i = 0; i < 200; i++) {
		unsigned seen = expect_msb(&b, (uint8_t)(0xff - i));
		assert_true(seen > 5);
		assert_true(seen < 50000);
		if (i == 0)
			first = b.now;
		last = b.now;
	}
	/* 199 MSB steps of 256 ticks each in between. */
	uint64_t expect = ticks_ns(199 * 256);
	assert_true(last - first > expect - 10 * US && last - first < expect + 10 * US);
	assert_true(verify_msb(&b, 0xff - 200));
}

static void quick_calibration_with_slow_exits(void **state)
{
	(void)state;
	/* At 10 us an access (an MSB lasts 214 us) Linux still sees each
	 * value more than 5 times, none skipped. */
	struct bus b;
	bus_init(&b, 10 * US);
	quick_setup(&b);
	for (unsigned i = 0; i < 50; i++) {
		unsigned seen = expect_msb(&b, (uint8_t)(0xff - i));
		assert_true(seen > 5 && seen < 12);
	}
}

/* pit_calibrate_tsc(): mode 0 with a 10 ms count, waiting for OUT2. */
static void slow_calibration_waits_for_out2(void **state)
{
	(void)state;
	struct bus b;
	bus_init(&b, 1 * US);
	uint16_t latch = PIT_HZ / 100;
	outb(&b, (uint8_t)((inb(&b, 0x61) & ~0x02) | 0x01), 0x61);
	outb(&b, 0xb0, 0x43);
	outb(&b, latch & 0xff, 0x42);
	outb(&b, latch >> 8, 0x42);
	uint64_t start = b.now;
	unsigned loops = 0;
	while ((inb(&b, 0x61) & 0x20) == 0 && loops < 1000000)
		loops++;
	uint64_t took = b.now - start;
	assert_true(took >= 10 * MS - 20 * US && took <= 10 * MS + 20 * US);
	/* It stays high after the terminal count, while the count wraps on. */
	b.now += 50 * MS;
	assert_true(inb(&b, 0x61) & 0x20);
}

static uint16_t read_word(struct bus *b, unsigned port)
{
	uint8_t lo = inb(b, port);
	return (uint16_t)(lo | inb(b, port) << 8);
}

static void latch_holds_the_count_until_read(void **state)
{
	(void)state;
	struct bus b;
	bus_init(&b, 0);
	outb(&b, 0x01, 0x61);
	outb(&b, 0xb0, 0x43);
	outb(&b, 0x00, 0x42);
	outb(&b, 0x10, 0x42); /* 0x1000 */
	b.now += ticks_ns(0x100);
	outb(&b, 0x80, 0x43); /* latch channel 2 */
	b.now += ticks_ns(0x200);
	outb(&b, 0x80, 0x43); /* a second latch is ignored until the first is read */
	assert_int_equal(read_word(&b, 0x42), 0x0f00);
	/* Then live again. */
	assert_int_equal(read_word(&b, 0x42), 0x0d00);
}

static void read_back_status_and_count(void **state)
{
	(void)state;
	struct bus b;
	bus_init(&b, 0);
	outb(&b, 0x01, 0x61);
	outb(&b, 0xb6, 0x43); /* channel 2, LSB/MSB, mode 3, binary */
	/* Status before the count: null count, OUT high (mode 3). */
	outb(&b, 0xe8, 0x43); /* read-back, status only, channel 2 */
	assert_int_equal(inb(&b, 0x42), 0x80 | 0x40 | 0x30 | 3 << 1);
	outb(&b, 0x00, 0x42);
	outb(&b, 0x01, 0x42); /* 256 */
	b.now += ticks_ns(10);
	outb(&b, 0xc8, 0x43); /* read-back, count and status, channel 2 */
	b.now += ticks_ns(50);
	assert_int_equal(inb(&b, 0x42), 0x80 | 0x30 | 3 << 1); /* status first */
	assert_int_equal(read_word(&b, 0x42), 256 - 20); /* mode 3 counts by twos */
}

static void gate_low_pauses_mode_0(void **state)
{
	(void)state;
	struct bus b;
	bus_init(&b, 0);
	outb(&b, 0x01, 0x61);
	outb(&b, 0xb0, 0x43);
	outb(&b, 0xe8, 0x42);
	outb(&b, 0x03, 0x42); /* 1000 */
	b.now += ticks_ns(100);
	outb(&b, 0x00, 0x61);
	b.now += ticks_ns(5000);
	assert_int_equal(read_word(&b, 0x42), 900);
	assert_false(inb(&b, 0x61) & 0x20);
	outb(&b, 0x01, 0x61);
	b.now += ticks_ns(900);
	assert_true(inb(&b, 0x61) & 0x20);
	assert_int_equal(read_word(&b, 0x42), 0);
	/* The first byte of a new count stops it, OUT low; a gate edge then
	 * starts nothing; the second byte loads and starts it. */
	outb(&b, 0x10, 0x42);
	b.now += ticks_ns(50);
	assert_int_equal(read_word(&b, 0x42), 0);
	assert_false(inb(&b, 0x61) & 0x20);
	outb(&b, 0x00, 0x61);
	outb(&b, 0x01, 0x61);
	b.now += ticks_ns(50);
	assert_int_equal(read_word(&b, 0x42), 0);
	outb(&b, 0x00, 0x42);
	b.now += ticks_ns(6);
	assert_int_equal(read_word(&b, 0x42), 10);
}

static void mode_2_reloads_and_strobes_out(void **state)
{
	(void)state;
	struct bus b;
	bus_init(&b, 0);
	outb(&b, 0x01, 0x61);
	outb(&b, 0xb4, 0x43); /* channel 2, LSB/MSB, mode 2 */
	outb(&b, 100, 0x42);
	outb(&b, 0, 0x42);
	b.now += ticks_ns(98); /* count 2 */
	assert_int_equal(read_word(&b, 0x42), 2);
	assert_true(inb(&b, 0x61) & 0x20);
	b.now += ticks_ns(1); /* count 1: OUT low */
	assert_false(inb(&b, 0x61) & 0x20);
	b.now += ticks_ns(1); /* reloaded */
	assert_int_equal(read_word(&b, 0x42), 100);
	assert_true(inb(&b, 0x61) & 0x20);
	/* Gate low stops it with OUT high; the rising edge reloads. */
	b.now += ticks_ns(30);
	outb(&b, 0x00, 0x61);
	b.now += ticks_ns(500);
	assert_int_equal(read_word(&b, 0x42), 70);
	outb(&b, 0x01, 0x61);
	b.now += ticks_ns(10);
	assert_int_equal(read_word(&b, 0x42), 90);
	/* Mode 6 is mode 2. */
	outb(&b, 0xbc, 0x43);
	outb(&b, 100, 0x42);
	outb(&b, 0, 0x42);
	b.now += ticks_ns(130);
	assert_int_equal(read_word(&b, 0x42), 70);
}

static void mode_3_square_wave(void **state)
{
	(void)state;
	struct bus b;
	bus_init(&b, 0);
	outb(&b, 0x01, 0x61);
	outb(&b, 0xb6, 0x43);
	outb(&b, 0x00, 0x42);
	outb(&b, 0x10, 0x42); /* 4096: period 4096 ticks */
	unsigned high = 0;
	for (unsigned t = 0; t < 4096; t += 16) {
		b.now = T0 + ticks_ns(4096 * 3 + t);
		high += (inb(&b, 0x61) & 0x20) != 0;
	}
	assert_int_equal(high, 128);
}

static void byte_access_modes_and_bcd(void **state)
{
	(void)state;
	struct bus b;
	bus_init(&b, 0);
	outb(&b, 0x01, 0x61);
	outb(&b, 0x90, 0x43); /* channel 2, LSB only, mode 0 */
	outb(&b, 0x80, 0x42); /* 0x0080 */
	b.now += ticks_ns(0x10);
	assert_int_equal(inb(&b, 0x42), 0x70);
	assert_int_equal(inb(&b, 0x42), 0x70);
	outb(&b, 0xa0, 0x43); /* MSB only */
	outb(&b, 0x12, 0x42); /* 0x1200 */
	b.now += ticks_ns(0x100);
	assert_int_equal(inb(&b, 0x42), 0x11);
	outb(&b, 0xb1, 0x43); /* LSB/MSB, mode 0, BCD */
	outb(&b, 0x00, 0x42);
	outb(&b, 0x10, 0x42); /* 1000 decimal */
	b.now += ticks_ns(1);
	assert_int_equal(read_word(&b, 0x42), 0x0999);
	b.now += ticks_ns(1000); /* past 0 it wraps to 9999 */
	assert_int_equal(read_word(&b, 0x42), 0x9999);
}

static void channels_0_and_1_hold_what_was_written(void **state)
{
	(void)state;
	struct bus b;
	bus_init(&b, 0);
	outb(&b, 0x34, 0x43); /* channel 0, LSB/MSB, mode 2 */
	outb(&b, 0x9c, 0x40);
	outb(&b, 0x2e, 0x40);
	b.now += SEC;
	assert_int_equal(read_word(&b, 0x40), 0x2e9c);
	outb(&b, 0x00, 0x43); /* latch channel 0 */
	assert_int_equal(read_word(&b, 0x40), 0x2e9c);
	/* Channel 1 before it is programmed: a count, not all-ones. */
	assert_int_equal(read_word(&b, 0x41), 0);
	/* The control port reads nothing; port 0x61 keeps bits 0-3 only. */
	assert_int_equal(inb(&b, 0x43), 0xff);
	outb(&b, 0xcf, 0x61);
	assert_int_equal(inb(&b, 0x61) & 0xcf, 0x0f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quick_calibration_sees_the_msb_count_down),
		cmocka_unit_test(quick_calibration_with_slow_exits),
		cmocka_unit_test(slow_calibration_waits_for_out2),
		cmocka_unit_test(latch_holds_the_count_until_read),
		cmocka_unit_test(read_back_status_and_count),
		cmocka_unit_test(gate_low_pauses_mode_0),
		cmocka_unit_test(mode_2_reloads_and_strobes_out),
		cmocka_unit_test(mode_3_square_wave),
		cmocka_unit_test(byte_access_modes_and_bcd),
		cmocka_unit_test(channels_0_and_1_hold_what_was_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
