/* hv/guest/apic_logical.c: flat logical destinations resolved over the
 * vCPUs' LDR/DFR as a guest programmed them; everything else refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hv/guest/apic_logical.h"

#define FLAT 0xffffffffu
#define CLUSTER 0x0fffffffu

/* Linux's flat driver: logical ID 1 << cpu. */
static uint32_t ldr_of(unsigned cpu) { return (1u << cpu) << 24; }

static void flat_ids_name_their_vcpus(void **state)
{
	uint32_t ldr[4] = { ldr_of(0), ldr_of(1), ldr_of(2), ldr_of(3) };
	uint32_t dfr[4] = { FLAT, FLAT, FLAT, FLAT };
	uint32_t v;

	(void)state;
	assert_null(apic_logical_targets(0x01, ldr, dfr, 4, &v));
	assert_int_equal(v, 0x1);
	assert_null(apic_logical_targets(0x04, ldr, dfr, 4, &v));
	assert_int_equal(v, 0x4);
	assert_null(apic_logical_targets(0x0a, ldr, dfr, 4, &v));
	assert_int_equal(v, 0xa);
	assert_null(apic_logical_targets(0x0f, ldr, dfr, 4, &v));
	assert_int_equal(v, 0xf);
}

/* IDs are the guest's to choose: not the vCPU index, possibly shared. */
static void ids_as_programmed(void **state)
{
	uint32_t ldr[3] = { 0x80u << 24, 0x81u << 24, 0x02u << 24 };
	uint32_t dfr[3] = { FLAT, FLAT, FLAT };
	uint32_t v;

	(void)state;
	assert_null(apic_logical_targets(0x80, ldr, dfr, 3, &v));
	assert_int_equal(v, 0x3);
	assert_null(apic_logical_targets(0x01, ldr, dfr, 3, &v));
	assert_int_equal(v, 0x2);
	assert_null(apic_logical_targets(0x02, ldr, dfr, 3, &v));
	assert_int_equal(v, 0x4);
	/* The low bits of the LDR are reserved and never match. */
	ldr[2] |= 0x00ffffffu;
	assert_null(apic_logical_targets(0x02, ldr, dfr, 3, &v));
	assert_int_equal(v, 0x4);
}

static void outside_the_guest_refused(void **state)
{
	uint32_t ldr[2] = { ldr_of(0), ldr_of(1) };
	uint32_t dfr[2] = { FLAT, FLAT };
	uint32_t v = 123;

	(void)state;
	/* Bit 2 would be a third CPU's: another guest's, or hv's. */
	assert_non_null(apic_logical_targets(0x04, ldr, dfr, 2, &v));
	assert_int_equal(v, 0);
	assert_non_null(apic_logical_targets(0x07, ldr, dfr, 2, &v));
	assert_non_null(apic_logical_targets(0xff, ldr, dfr, 2, &v));
	assert_int_equal(v, 0);
}

static void naming_none_refused(void **state)
{
	uint32_t ldr[2] = { ldr_of(0), 0 };   /* vCPU 1 has not set its LDR yet */
	uint32_t dfr[2] = { FLAT, FLAT };
	uint32_t v = 123;

	(void)state;
	assert_non_null(apic_logical_targets(0x00, ldr, dfr, 2, &v));
	assert_int_equal(v, 0);
	assert_non_null(apic_logical_targets(0x02, ldr, dfr, 2, &v));
	ldr[0] = 0;
	assert_non_null(apic_logical_targets(0x01, ldr, dfr, 2, &v));
	assert_int_equal(v, 0);
}

static void cluster_and_reserved_models_refused(void **state)
{
	uint32_t ldr[2] = { ldr_of(0), ldr_of(1) };
	uint32_t dfr[2] = { FLAT, CLUSTER };
	uint32_t v = 123;

	(void)state;
	const char *why = apic_logical_targets(0x01, ldr, dfr, 2, &v);
	assert_non_null(why);
	assert_non_null(strstr(why, "cluster"));
	assert_int_equal(v, 0);
	dfr[1] = 0x7fffffffu;
	why = apic_logical_targets(0x01, ldr, dfr, 2, &v);
	assert_non_null(why);
	assert_non_null(strstr(why, "reserved"));
	dfr[1] = FLAT;
	assert_null(apic_logical_targets(0x01, ldr, dfr, 2, &v));
	assert_int_equal(v, 0x1);
}

static void vcpu_count_bounded(void **state)
{
	uint32_t ldr[33], dfr[33];
	uint32_t v;

	(void)state;
	for (unsigned i = 0; i < 33; i++) {
		ldr[i] = ldr_of(i % 8);
		dfr[i] = FLAT;
	}
	assert_non_null(apic_logical_targets(0x01, ldr, dfr, 0, &v));
	assert_non_null(apic_logical_targets(0x01, ldr, dfr, 33, &v));
	assert_null(apic_logical_targets(0x80, ldr, dfr, 32, &v));
	assert_int_equal(v, 0x80808080u);
}

/* x2APIC logical IDs follow from the APIC IDs: 1, 2 and 17 are bits 1
 * and 2 of cluster 0 and bit 1 of cluster 1; 3 (cluster 0, bit 3) is
 * another guest's CPU. */
static void x2apic_clusters_by_apic_id(void **state)
{
	const uint32_t ids[3] = { 1, 2, 17 };
	uint32_t v;

	(void)state;
	assert_null(apic_x2apic_logical_targets(0x00000002u, ids, 3, &v));
	assert_int_equal(v, 0x1);
	assert_null(apic_x2apic_logical_targets(0x00000006u, ids, 3, &v));
	assert_int_equal(v, 0x3);
	assert_null(apic_x2apic_logical_targets(0x00010002u, ids, 3, &v));
	assert_int_equal(v, 0x4);
	assert_non_null(apic_x2apic_logical_targets(0x0000000eu, ids, 3, &v)); /* bit 3: APIC ID 3 */
	assert_int_equal(v, 0);
	assert_non_null(apic_x2apic_logical_targets(0x00020002u, ids, 3, &v)); /* cluster 2 */
	assert_non_null(apic_x2apic_logical_targets(0x00010000u, ids, 3, &v)); /* no CPU */
	assert_non_null(apic_x2apic_logical_targets(0x2u, ids, 0, &v));
	assert_int_equal(v, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flat_ids_name_their_vcpus),
		cmocka_unit_test(ids_as_programmed),
		cmocka_unit_test(outside_the_guest_refused),
		cmocka_unit_test(naming_none_refused),
		cmocka_unit_test(cluster_and_reserved_models_refused),
		cmocka_unit_test(vcpu_count_bounded),
		cmocka_unit_test(x2apic_clusters_by_apic_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
