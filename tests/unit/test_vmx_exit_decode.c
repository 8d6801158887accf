/* arch/x86/vmx/vmx_exit_decode.c: the MSR bitmap hv gives every VT-x
 * vCPU (its layout per SDM Vol. 3C, 24.6.9, and what it lets through:
 * svm.c's list, nothing of the x2APIC), the I/O bitmaps' port bits, and
 * the I/O-instruction exit qualification (28.2.1, table 28-5) as
 * struct vcpu_exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/vmx/vmx_exit_decode.h"

static uint8_t map[VMX_MSR_BITMAP_BYTES];

/* The bit the SDM puts each MSR at, written out independently of the
 * code: read-low at 0, read-high at 1024, write-low at 2048, write-high
 * at 3072. */
static bool sdm_bit(uint32_t msr, bool write)
{
	uint32_t base = write ? 2048 : 0;
	if (msr >= 0xc0000000u) {
		base += 1024;
		msr -= 0xc0000000u;
	}
	return (map[base + msr / 8] >> (msr % 8)) & 1;
}

static void test_passthrough_msrs_both_ways(void **state)
{
	static const uint32_t through[] = { 0xc0000100u, 0xc0000101u, 0xc0000102u, 0xc0000081u,
					    0xc0000082u, 0xc0000083u, 0xc0000084u, 0x174u,
					    0x175u, 0x176u, 0xc0000103u, 0x6e0u };
	(void)state;
	vmx_msr_bitmap_build(map);
	for (size_t i = 0; i < sizeof(through) / sizeof(through[0]); i++) {
		assert_false(vmx_msr_bitmap_exits(map, through[i], false));
		assert_false(vmx_msr_bitmap_exits(map, through[i], true));
		assert_false(sdm_bit(through[i], false));
		assert_false(sdm_bit(through[i], true));
	}
	/* TSC: reads through, writes exit. */
	assert_false(sdm_bit(0x10, false));
	assert_true(sdm_bit(0x10, true));
}

static void test_everything_else_exits(void **state)
{
	(void)state;
	vmx_msr_bitmap_build(map);
	/* The whole x2APIC range: the ICR (0x830) above all. */
	for (uint32_t msr = 0x800; msr <= 0x8ff; msr++) {
		assert_true(vmx_msr_bitmap_exits(map, msr, false));
		assert_true(vmx_msr_bitmap_exits(map, msr, true));
		assert_true(sdm_bit(msr, false));
		assert_true(sdm_bit(msr, true));
	}
	/* EFER, PAT, APIC_BASE, FEATURE_CONTROL, the VMX MSRs. */
	static const uint32_t trapped[] = { 0xc0000080u, 0x277u, 0x1bu, 0x3au, 0x480u, 0x48cu,
					    0x1fffu, 0xc0001fffu };
	for (size_t i = 0; i < sizeof(trapped) / sizeof(trapped[0]); i++) {
		assert_true(sdm_bit(trapped[i], false));
		assert_true(sdm_bit(trapped[i], true));
	}
	/* Outside both ranges: always exits, and allowing it changes nothing. */
	assert_false(vmx_msr_bitmap_set(map, 0xc0010114u, false, false));
	assert_false(vmx_msr_bitmap_set(map, 0x2000u, false, false));
	assert_true(vmx_msr_bitmap_exits(map, 0xc0010114u, false));
	assert_true(vmx_msr_bitmap_exits(map, 0x2000u, true));
	uint8_t fresh[VMX_MSR_BITMAP_BYTES];
	vmx_msr_bitmap_build(fresh);
	assert_memory_equal(map, fresh, sizeof(fresh));
}

/* A vCPU's x2APIC opened and closed again (hv/guest/vlapic_x2apic.c):
 * each direction on its own bit, the neighbours untouched. */
static void test_set_each_direction(void **state)
{
	(void)state;
	vmx_msr_bitmap_build(map);
	assert_true(vmx_msr_bitmap_set(map, 0x80b, false, false));
	assert_true(vmx_msr_bitmap_set(map, 0x830, false, true));
	assert_false(sdm_bit(0x80b, false));
	assert_false(sdm_bit(0x80b, true));
	assert_false(sdm_bit(0x830, false));
	assert_true(sdm_bit(0x830, true));
	assert_true(sdm_bit(0x80a, false) && sdm_bit(0x80c, true) && sdm_bit(0x831, false));
	assert_true(vmx_msr_bitmap_covers(0x800, 0x100));
	assert_true(vmx_msr_bitmap_covers(0xc0000000u, 0x2000));
	assert_false(vmx_msr_bitmap_covers(0x1f00, 0x101));
	assert_false(vmx_msr_bitmap_covers(0x800, 0));
	assert_false(vmx_msr_bitmap_covers(0xc0010000u, 1));
	assert_false(vmx_msr_bitmap_covers(0x1fff, 0xc0000002u - 0x1fff));
	assert_true(vmx_msr_bitmap_set(map, 0x80b, true, true));
	assert_true(vmx_msr_bitmap_set(map, 0x830, true, true));
	uint8_t fresh[VMX_MSR_BITMAP_BYTES];
	vmx_msr_bitmap_build(fresh);
	assert_memory_equal(map, fresh, sizeof(fresh));
}

static void test_io_bitmap_ports(void **state)
{
	static uint8_t io[VMX_IO_BITMAP_BYTES];
	(void)state;
	memset(io, 0xff, sizeof(io));
	vmx_io_bitmap_allow(io, 0xb008, 4); /* the PM timer, in bitmap B */
	vmx_io_bitmap_allow(io, 0xfffe, 8); /* clipped at the last port */
	for (unsigned p = 0; p < 0x10000u; p++) {
		bool cleared = (p >= 0xb008 && p < 0xb00c) || p >= 0xfffe;
		assert_int_equal((io[p / 8] >> (p % 8)) & 1, cleared ? 0 : 1);
	}
	/* Bitmap B begins at byte 4096: port 0x8000. */
	assert_int_equal(io[4096 + (0xb008 - 0x8000) / 8], 0xf0);
}

static void test_io_qualification(void **state)
{
	struct vcpu_exit e;
	(void)state;
	/* out dx, al to 0x3f8: size 1, out, no string. */
	vmx_decode_io_exit(0x3f80000ull, 0, true, 0x1000, 1, &e);
	assert_int_equal(e.kind, VCPU_EXIT_IO);
	assert_int_equal(e.io.port, 0x3f8);
	assert_int_equal(e.io.size, 1);
	assert_false(e.io.in);
	assert_false(e.io.string);
	assert_false(e.io.rep);
	assert_int_equal(e.io.addr_size, 0);
	assert_int_equal(e.io.next_rip, 0x1001);
	/* in eax, dx from 0xcfc: size 4. */
	vmx_decode_io_exit(0xcfc0000ull | 3 | 8, 0, true, 0x2000, 1, &e);
	assert_int_equal(e.io.port, 0xcfc);
	assert_int_equal(e.io.size, 4);
	assert_true(e.io.in);
	/* rep insw at 64-bit address size (info bits 9:7 = 2), 3 bytes. */
	vmx_decode_io_exit(0x1f00000ull | 1 | 8 | 16 | 32, 2u << 7, true, 0x3000, 3, &e);
	assert_int_equal(e.io.port, 0x1f0);
	assert_int_equal(e.io.size, 2);
	assert_true(e.io.in && e.io.string && e.io.rep);
	assert_int_equal(e.io.addr_size, 8);
	assert_int_equal(e.io.next_rip, 0x3003);
	/* 32-bit outsb; without the information valid: decode the bytes. */
	vmx_decode_io_exit(0x800000ull | 16, 1u << 7, true, 0, 1, &e);
	assert_int_equal(e.io.addr_size, 4);
	vmx_decode_io_exit(0x800000ull | 16, 1u << 7, false, 0, 1, &e);
	assert_int_equal(e.io.addr_size, 0);
	vmx_decode_io_exit(0x800000ull | 16, 0, true, 0, 1, &e);
	assert_int_equal(e.io.addr_size, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passthrough_msrs_both_ways),
		cmocka_unit_test(test_everything_else_exits),
		cmocka_unit_test(test_set_each_direction),
		cmocka_unit_test(test_io_bitmap_ports),
		cmocka_unit_test(test_io_qualification),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
