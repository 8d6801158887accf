/* arch/x86/svm/svm_msrpm.c: the MSR permission map's bits where the AMD
 * APM (Vol. 2, 15.11, figure 15-6) puts them, written out here on their
 * own: MSR m of a range at bit 2 * (m - first) of the range's 2 KiB, the
 * read bit first; the x2APIC's range opened for reads as a vCPU in x2APIC
 * mode has it (hv/guest/vlapic_x2apic.c), and the range checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/svm/svm_msrpm.h"

#define MAP_BYTES 8192

static uint8_t map[MAP_BYTES];

static bool apm_bit(uint32_t msr, bool write)
{
	uint32_t base = 0, offset = msr;

	if (msr >= 0xc0010000u) {
		base = 0x1000;
		offset = msr - 0xc0010000u;
	} else if (msr >= 0xc0000000u) {
		base = 0x800;
		offset = msr - 0xc0000000u;
	}
	unsigned bit = offset * 2 + (write ? 1 : 0);
	return (map[base + bit / 8] >> (bit % 8)) & 1;
}

static void test_bits_where_the_apm_puts_them(void **state)
{
	static const uint32_t msrs[] = { 0x0, 0x10, 0x1b, 0x800, 0x80b, 0x830, 0x8ff, 0x1fff,
					 0xc0000080u, 0xc0000100u, 0xc0001fffu, 0xc0010114u,
					 0xc0011fffu };
	(void)state;
	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		for (unsigned way = 0; way < 4; way++) {
			bool r = way & 1, w = way & 2;
			memset(map, 0xa5, sizeof(map));
			svm_msrpm_set(map, msrs[i], r, w);
			assert_int_equal(apm_bit(msrs[i], false), r);
			assert_int_equal(apm_bit(msrs[i], true), w);
			assert_int_equal(svm_msrpm_exits(map, msrs[i], false), r);
			assert_int_equal(svm_msrpm_exits(map, msrs[i], true), w);
		}
}

/* The x2APIC's range with reads direct, writes exiting, and EOI direct
 * both ways: nothing outside it moves. */
static void test_x2apic_range(void **state)
{
	uint8_t before[MAP_BYTES];

	(void)state;
	memset(map, 0xff, sizeof(map));
	for (uint32_t m = 0x800; m < 0x900; m++)
		svm_msrpm_set(map, m, false, true);
	svm_msrpm_set(map, 0x80b, false, false);
	for (uint32_t m = 0x800; m < 0x900; m++) {
		assert_false(svm_msrpm_exits(map, m, false));
		assert_int_equal(svm_msrpm_exits(map, m, true), m != 0x80b);
	}
	memcpy(before, map, sizeof(map));
	for (uint32_t m = 0x800; m < 0x900; m++)
		svm_msrpm_set(map, m, false, m != 0x80b);
	assert_memory_equal(before, map, sizeof(map));
	assert_true(svm_msrpm_exits(map, 0x7ff, false) && svm_msrpm_exits(map, 0x900, true));
	assert_int_equal(map[0x800 * 2 / 8 - 1], 0xff);
	assert_int_equal(map[0x900 * 2 / 8], 0xff);
}

static void test_outside_the_ranges(void **state)
{
	(void)state;
	memset(map, 0, sizeof(map));
	svm_msrpm_set(map, 0x2000, false, false);
	svm_msrpm_set(map, 0xc0002000u, false, false);
	svm_msrpm_set(map, 0x40000000u, false, false);
	for (size_t i = 0; i < sizeof(map); i++)
		assert_int_equal(map[i], 0);
	assert_true(svm_msrpm_exits(map, 0x2000, false));
	assert_true(svm_msrpm_exits(map, 0xc0012000u, true));
	assert_true(svm_msrpm_covers(0x800, 0x100));
	assert_true(svm_msrpm_covers(0xc0010000u, 0x2000));
	assert_false(svm_msrpm_covers(0x1f00, 0x101));
	assert_false(svm_msrpm_covers(0xc0011fffu, 2));
	assert_false(svm_msrpm_covers(0x800, 0));
	assert_false(svm_msrpm_covers(0x2000, 1));
	assert_false(svm_msrpm_covers(0xffffffffu, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bits_where_the_apm_puts_them),
		cmocka_unit_test(test_x2apic_range),
		cmocka_unit_test(test_outside_the_ranges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
