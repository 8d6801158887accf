/* hv/guest/platform/acpi_pm.c: the PM timer's rate and wrap, the ports
 * of the block, and what writes to the sleep and reset registers ask. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hv/guest/platform/acpi_pm.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define CTL (GUEST_PORT_SLEEP_CTL - GUEST_PORT_ACPI)
#define STS (GUEST_PORT_SLEEP_STS - GUEST_PORT_ACPI)
#define RST (GUEST_PORT_RESET - GUEST_PORT_ACPI)
#define TMR (GUEST_PORT_PM_TIMER - GUEST_PORT_ACPI)

static void timer_rate(void **state)
{
	(void)state;
	assert_int_equal(acpi_pm_timer(0), 0);
	assert_int_equal(acpi_pm_timer(SEC), 3579545);
	assert_int_equal(acpi_pm_timer(10 * SEC), 35795450);
	/* Over any millisecond, 3579 or 3580 ticks; never backwards. */
	uint32_t prev = acpi_pm_timer(5 * SEC);
	for (uint64_t t = 5 * SEC + MS; t < 6 * SEC; t += MS) {
		uint32_t now = acpi_pm_timer(t);
		assert_true(now - prev == 3579 || now - prev == 3580);
		prev = now;
	}
	/* 279 ns is one tick. */
	assert_int_equal(acpi_pm_timer(SEC + 280) - acpi_pm_timer(SEC), 1);
}

static void timer_wraps_at_32_bits(void **state)
{
	(void)state;
	/* 1200 s: 4295454000 ticks, 486704 past 2^32. */
	assert_int_equal(acpi_pm_timer(1200 * SEC), 486704);
	/* Just before the wrap and just after. */
	uint64_t wrap_ns = 4294967296ull * SEC / 3579545 + 1;
	assert_true(acpi_pm_timer(wrap_ns - 1000) > 0xffff0000u);
	assert_true(acpi_pm_timer(wrap_ns + 1000) < 0x10000u);
}

static void block_reads(void **state)
{
	(void)state;
	uint64_t t = 77 * SEC + 12345;
	uint32_t v = acpi_pm_timer(t);
	uint32_t bytes = 0;
	for (unsigned i = 0; i < 4; i++)
		bytes |= (uint32_t)acpi_pm_read_byte(TMR + i, t) << (8 * i);
	assert_int_equal(bytes, v);
	assert_int_equal(acpi_pm_read_byte(CTL, t), 0);
	assert_int_equal(acpi_pm_read_byte(STS, t), 0);
	assert_int_equal(acpi_pm_read_byte(RST, t), 0);
	for (unsigned o = 3; o < 8; o++)
		assert_int_equal(acpi_pm_read_byte(o, t), 0xff);
	for (unsigned o = 12; o < GUEST_PORT_ACPI_COUNT; o++)
		assert_int_equal(acpi_pm_read_byte(o, t), 0xff);
}

static void sleep_control(void **state)
{
	(void)state;
	unsigned type = 99;
	/* Linux's acpi_hw_extended_sleep(): SLP_TYP << 2 | SLP_EN (0x20). */
	assert_int_equal(acpi_pm_decode_write(CTL, GUEST_SLEEP_TYPE_S5 << 2 | 0x20, &type),
			 ACPI_PM_POWER_OFF);
	assert_int_equal(type, GUEST_SLEEP_TYPE_S5);
	/* The type alone, without SLP_EN, asks nothing. */
	assert_int_equal(acpi_pm_decode_write(CTL, GUEST_SLEEP_TYPE_S5 << 2, &type),
			 ACPI_PM_NOTHING);
	assert_int_equal(acpi_pm_decode_write(CTL, 3 << 2 | 0x20, &type), ACPI_PM_OTHER_SLEEP);
	assert_int_equal(type, 3);
	assert_int_equal(acpi_pm_decode_write(CTL, 0x20, &type), ACPI_PM_OTHER_SLEEP);
	assert_int_equal(type, 0);
	/* Bits outside the fields do not change the type. */
	assert_int_equal(acpi_pm_decode_write(CTL, 0xc3 | GUEST_SLEEP_TYPE_S5 << 2 | 0x20, &type),
			 ACPI_PM_POWER_OFF);
	/* Status (write 1 to clear) and the timer take no requests. */
	assert_int_equal(acpi_pm_decode_write(STS, 0x80, &type), ACPI_PM_NOTHING);
	assert_int_equal(acpi_pm_decode_write(TMR, 0xff, &type), ACPI_PM_NOTHING);
	assert_int_equal(acpi_pm_decode_write(4, 0x34, &type), ACPI_PM_NOTHING);
}

static void reset_register(void **state)
{
	(void)state;
	unsigned type = 0;
	assert_int_equal(acpi_pm_decode_write(RST, GUEST_RESET_VALUE, &type), ACPI_PM_RESET);
	for (unsigned v = 0; v < 256; v++)
		if (v != GUEST_RESET_VALUE)
			assert_int_equal(acpi_pm_decode_write(RST, (uint8_t)v, &type), ACPI_PM_NOTHING);
	/* The reset value elsewhere resets nothing. */
	assert_int_equal(acpi_pm_decode_write(CTL, GUEST_RESET_VALUE, &type), ACPI_PM_NOTHING);
	assert_int_equal(acpi_pm_decode_write(TMR, GUEST_RESET_VALUE, &type), ACPI_PM_NOTHING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timer_rate),
		cmocka_unit_test(timer_wraps_at_32_bits),
		cmocka_unit_test(block_reads),
		cmocka_unit_test(sleep_control),
		cmocka_unit_test(reset_register),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
