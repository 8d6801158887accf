/* iommu/dmar.c, dmar_parse(): each firmware bug of tests/dmar/bug_*.dsl
 * gives its diagnostic (severity, offset, message) and its decision in the
 * model: the structure or scope ignored, the table refused, or interrupt
 * remapping marked unsafe, as Linux decides. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iommu/dmar_model.h"
#include "tests/dmar/dmar_test_util.h"
#include "tests/unit/log_stub.h"

#define DMAR_HAW_OFFSET 36
#define DMAR_FLAGS_OFFSET 37

static const struct dmar_table *t = &dmar_test_table;

static const struct dmar_structure *structure(unsigned i)
{
	assert_true(i < t->structure_count);
	return &t->structure[i];
}

static const struct dmar_scope *scope(unsigned s, unsigned i)
{
	assert_true(i < structure(s)->scope_count);
	return &dmar_scopes_of(t, structure(s))[i];
}

/* Parses fixture `name` with the MADT's IOAPIC ids (none when n is 0) and
 * checks the result; the diagnostics are printed when it differs. */
static void parse_fixture(const char *name, const uint8_t *ioapic_ids, unsigned n, int expected)
{
	const struct dmar_madt_view madt = { n, ioapic_ids };
	struct blob b = fixture_load(name);
	int err = parse_blob(&b, n ? &madt : NULL);

	if (err != expected)
		print_diags(t);
	assert_int_equal(err, expected);
	check_messages_whole(t);
	blob_free(&b);
}

static void expect(enum dmar_severity severity, uint32_t offset, const char *needle)
{
	if (!find_diag(t, severity, offset, needle)) {
		print_diags(t);
		fail_msg("no %s at %#x with \"%s\"", dmar_severity_name(severity), offset, needle);
	}
}

/* Linux turns VT-d off ("DMAR reported at address 0"); so does hv. */
static void drhd_address_0(void **state)
{
	(void)state;
	parse_fixture("bug_drhd_address0", NULL, 0, -EINVAL);
	assert_true(t->refused);
	expect(DMAR_ERROR, 0x30, "DRHD reported at address 0:");
	assert_true(structure(0)->ignored);
	assert_false(structure(1)->ignored); /* the RMRR is still listed */
	assert_int_equal(t->structure_count, 2);
}

static void drhd_all_ones(void **state)
{
	(void)state;
	parse_fixture("bug_drhd_all_ones", NULL, 0, -EINVAL);
	expect(DMAR_ERROR, 0x48, "address 0xffffffffffffffff");
	assert_false(structure(0)->ignored);
	assert_true(structure(1)->ignored);
}

static void duplicates(void **state)
{
	(void)state;
	parse_fixture("bug_duplicates", NULL, 0, 0);
	/* the same unit twice: the second goes (dmar_find_dmaru) */
	expect(DMAR_WARNING, 0x48, "duplicates the one at 0x30");
	assert_false(structure(0)->ignored);
	assert_true(structure(1)->ignored);
	/* a second INCLUDE_PCI_ALL unit of segment 0: kept (it is hardware) but
	 * the first one takes the segment's devices */
	expect(DMAR_WARNING, 0x78, "second INCLUDE_PCI_ALL DRHD of segment 0");
	assert_false(structure(3)->ignored);
	assert_ptr_equal(dmar_catch_all_unit(t, 0), structure(2));
	assert_ptr_equal(dmar_catch_all_unit(t, 1), structure(4));
	/* another segment's unit claiming the same registers */
	expect(DMAR_WARNING, 0x98, "(segment 1) duplicates the one at 0x30 (segment 0)");
	assert_true(structure(5)->ignored);
	/* byte-identical ATSR and SATC: the repeat goes, the different one stays */
	expect(DMAR_INFO, 0xb8, "ATSR repeats the one at 0xa8");
	assert_true(structure(7)->ignored);
	assert_false(structure(8)->ignored);
	assert_int_equal(structure(9)->type, DMAR_SATC);
	assert_false(structure(9)->ignored);
	expect(DMAR_INFO, 0xe8, "SATC repeats the one at 0xd8");
	assert_true(structure(10)->ignored);
	assert_int_equal(count_diags(t, DMAR_WARNING), 3);
}

static void rmrr_ranges(void **state)
{
	(void)state;
	parse_fixture("bug_rmrr", NULL, 0, 0);
	expect(DMAR_WARNING, 0x58, "bad RMRR [0x80000000-0x7fffffff]: empty range, ignored");
	assert_true(structure(2)->ignored);
	expect(DMAR_WARNING, 0x78, "bad RMRR [0x7c000800-0x7c00ffff]: not 4 KiB aligned");
	assert_false(structure(3)->ignored);
	expect(DMAR_WARNING, 0x98, "not 4 KiB aligned");
	assert_false(structure(4)->ignored);
	expect(DMAR_WARNING, 0xb8, "[0x1000-0xffffffffffffffff]: empty range");
	assert_true(structure(5)->ignored);
	/* raw fields stay as the table has them */
	assert_int_equal(structure(2)->rmrr.base, 0x80000000);
	assert_int_equal(structure(2)->rmrr.limit, 0x7fffffff);
}

/* The ASUS Z170-A's RMRR names its add-in USB controller as 02:00.0 from
 * bus 2; Linux matches it as that device ("RMRR entry for device 02:00.0
 * is broken - applying workaround"). */
static void rmrr_secondary_bus(void **state)
{
	(void)state;
	parse_fixture("bug_rmrr", NULL, 0, 0);
	expect(DMAR_WARNING, 0xf0, "scope 02:00.0 starts on no root bus");
	assert_true(scope(6, 0)->starts_on_secondary_bus);
	assert_false(scope(6, 0)->ignored);
	/* bus 0x80 is a root bus: a DRHD's bridge scope starts there */
	assert_false(scope(6, 1)->starts_on_secondary_bus);
	/* only one-hop paths get Linux's workaround */
	assert_false(scope(6, 2)->starts_on_secondary_bus);
	assert_int_equal(count_diags(t, DMAR_WARNING), 5);
}

static void rhsa_without_unit(void **state)
{
	(void)state;
	parse_fixture("bug_rhsa", NULL, 0, 0);
	/* before its DRHD in the table: still found */
	assert_false(structure(0)->ignored);
	assert_false(structure(3)->ignored);
	expect(DMAR_WARNING, 0x80, "RHSA refers to no DRHD at 0xfed9f000");
	assert_true(structure(4)->ignored);
	assert_int_equal(t->diagnostic_count, 1);
}

static void ioapic_not_in_madt(void **state)
{
	static const uint8_t macmini[] = { 2 };

	(void)state;
	parse_fixture("bug_ioapic", macmini, 1, 0);
	assert_true(t->intr_remap_unsafe);
	expect(DMAR_WARNING, 0, "MADT IOAPIC 2 has no DRHD scope: interrupt remapping unsafe");
	expect(DMAR_INFO, 0x40, "IOAPIC 0 (f0:1f.0) is not in the MADT");
	expect(DMAR_INFO, 0x50, "IOAPIC 13 (12:05.4) is not in the MADT");
	assert_false(t->refused);
}

static void ioapic_in_madt(void **state)
{
	static const uint8_t ids[] = { 0, 13 };

	(void)state;
	parse_fixture("bug_ioapic", ids, 2, 0);
	assert_false(t->intr_remap_unsafe);
	assert_int_equal(count_diags(t, DMAR_WARNING), 0);
	/* no MADT at hand: nothing to check against */
	parse_fixture("bug_ioapic", NULL, 0, 0);
	assert_false(t->intr_remap_unsafe);
}

/* A MADT IOAPIC covered only by an ignored second scope is uncovered. */
static void ioapic_second_scope(void **state)
{
	static const uint8_t ids[] = { 0 };

	(void)state;
	parse_fixture("bug_ioapic", ids, 1, 0);
	expect(DMAR_INFO, 0x48, "IOAPIC 0 has a scope at 0x40 already: this one (f0:1f.1) ignored");
	assert_false(scope(0, 0)->ignored);
	assert_true(scope(0, 1)->ignored);
	assert_false(scope(0, 2)->ignored);
	/* HPET 0: Linux keeps the first of the three */
	assert_false(scope(0, 3)->ignored);
	assert_true(scope(0, 4)->ignored);
	assert_true(scope(0, 5)->ignored);
	expect(DMAR_INFO, 0x68, "HPET 0 has a scope at 0x58 already");
}

/* Without the INTR_REMAP flag there is no interrupt remapping to spoil. */
static void ioapic_without_intr_remap(void **state)
{
	static const uint8_t ids[] = { 2 };
	const struct dmar_madt_view madt = { 1, ids };
	struct blob b = fixture_load("bug_ioapic");

	(void)state;
	b.data[DMAR_FLAGS_OFFSET] &= (uint8_t)~DMAR_FLAG_INTR_REMAP;
	fix_checksum(b.data, b.size);
	assert_int_equal(parse_blob(&b, &madt), 0);
	assert_false(t->intr_remap_unsafe);
	assert_null(find_diag(t, DMAR_WARNING, 0, "MADT IOAPIC"));
	blob_free(&b);
}

/* ACPICA warns about a bad checksum and uses the table; so does hv. */
static void bad_checksum(void **state)
{
	(void)state;
	parse_fixture("bug_checksum", NULL, 0, 0);
	expect(DMAR_WARNING, 0, "checksum is wrong (sum 0x1)");
	assert_int_equal(t->structure_count, 1);
	assert_false(structure(0)->ignored);
	assert_int_equal(t->diagnostic_count, 1);
}

static void acpi_namespace(void **state)
{
	(void)state;
	parse_fixture("bug_andd", NULL, 0, 0);
	/* scope for ACPI device 3, which no ANDD declares */
	expect(DMAR_WARNING, 0x48, "names an ACPI device no ANDD declares");
	assert_false(scope(0, 0)->ignored);
	assert_true(scope(0, 1)->ignored);
	assert_false(scope(0, 2)->ignored);
	/* ANDD 2 without a scope */
	expect(DMAR_WARNING, 0x77, "no DRHD scope for ANDD device 2 (\\_SB.PCI0.I2C1)");
	assert_false(structure(2)->ignored);
	/* ANDD 1 again */
	expect(DMAR_WARNING, 0x8e, "ANDD device number 1 is already declared at 0x60");
	assert_true(structure(3)->ignored);
	/* a 70-byte name, kept as 63 */
	expect(DMAR_INFO, 0xa5, "longer than 63 bytes: truncated");
	assert_int_equal(strlen(structure(4)->andd.name), 63);
	assert_false(structure(4)->ignored);
	/* a name without its NUL: the declaration goes, and so its scope */
	expect(DMAR_WARNING, 0xf5, "ANDD name is not NUL-terminated");
	assert_true(structure(5)->ignored);
	assert_true(scope(0, 3)->ignored);
	assert_string_equal(structure(5)->andd.name, "\\_SB.PCI0.UA01!");
}

static void unusable_scopes(void **state)
{
	(void)state;
	parse_fixture("bug_scopes", NULL, 0, 0);
	expect(DMAR_WARNING, 0x40, "type-7 scope 00:03.0 of the DRHD at 0x30 has an undefined type");
	expect(DMAR_WARNING, 0x60, "IOAPIC scope f0:1f.0 of the RMRR at 0x48 means nothing there");
	expect(DMAR_WARNING, 0x68, "has an empty path");
	expect(DMAR_WARNING, 0x6e, "00:20.0 of the RMRR at 0x48 names no PCI device/function");
	expect(DMAR_WARNING, 0x76, "00:1c.8 of the RMRR at 0x48 names no PCI device/function");
	expect(DMAR_WARNING, 0x7e, "is deeper than 16 hops");
	expect(DMAR_WARNING, 0xb6, "HPET scope 00:1f.0 of the ATSR at 0xae means nothing there");
	assert_true(scope(0, 0)->ignored);
	for (unsigned i = 0; i < 5; i++)
		assert_true(scope(1, i)->ignored);
	assert_int_equal(scope(1, 4)->path_len, DMAR_MAX_PATH);
	assert_false(scope(1, 5)->ignored); /* 00:14.0 is fine */
	assert_true(scope(2, 0)->ignored);
	/* the structures themselves stay */
	for (unsigned i = 0; i < 3; i++)
		assert_false(structure(i)->ignored);
}

/* Linux: "Invalid DMAR haw" below a page (field < 11); 11 is the least. */
static void host_address_width(void **state)
{
	struct blob b = fixture_load("bug_haw");

	(void)state;
	parse_fixture("bug_haw", NULL, 0, -EINVAL);
	expect(DMAR_ERROR, DMAR_HAW_OFFSET, "host address width of 11 bits is below a page");
	b.data[DMAR_HAW_OFFSET] = 11;
	fix_checksum(b.data, b.size);
	assert_int_equal(parse_blob(&b, NULL), 0);
	assert_int_equal(t->host_address_width, 12);
	blob_free(&b);
}

static void no_unit(void **state)
{
	(void)state;
	parse_fixture("bug_no_drhd", NULL, 0, -EINVAL);
	expect(DMAR_ERROR, 0, "no usable DRHD");
	assert_int_equal(t->structure_count, 2);
}

static void zero_length(void **state)
{
	(void)state;
	parse_fixture("bug_zero_length", NULL, 0, -EINVAL);
	expect(DMAR_ERROR, 0x40, "RMRR: length 0 is below a header's 4");
	assert_int_equal(t->structure_count, 1);
}

static void scope_overrun(void **state)
{
	(void)state;
	parse_fixture("bug_scope_overrun", NULL, 0, -EINVAL);
	expect(DMAR_ERROR, 0x48, "DRHD at 0x30: scope length 16 runs past the structure");
	assert_true(structure(0)->ignored);
	assert_int_equal(structure(0)->scope_count, 1);
	/* the DRHD's own length is sound: the walk goes on */
	assert_int_equal(t->structure_count, 2);
	assert_int_equal(structure(1)->type, DMAR_RMRR);
}

static void truncated_file(void **state)
{
	(void)state;
	parse_fixture("bug_truncated", NULL, 0, -EINVAL);
	expect(DMAR_ERROR, 4, "table length 104 runs past the data (76 bytes present)");
	assert_int_equal(t->structure_count, 0);
	/* the header's strings were read all the same */
	assert_string_equal(t->oem_table_id, "TRUNC");
}

static void strings_with_any_bytes(void **state)
{
	(void)state;
	parse_fixture("json_escape", NULL, 0, 0);
	assert_string_equal(t->oem_id, "Q\"\\\x01\xffZ");
	assert_string_equal(structure(1)->andd.name, "\\_SB.\"CI\t.UART");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drhd_address_0),
		cmocka_unit_test(drhd_all_ones),
		cmocka_unit_test(duplicates),
		cmocka_unit_test(rmrr_ranges),
		cmocka_unit_test(rmrr_secondary_bus),
		cmocka_unit_test(rhsa_without_unit),
		cmocka_unit_test(ioapic_not_in_madt),
		cmocka_unit_test(ioapic_in_madt),
		cmocka_unit_test(ioapic_second_scope),
		cmocka_unit_test(ioapic_without_intr_remap),
		cmocka_unit_test(bad_checksum),
		cmocka_unit_test(acpi_namespace),
		cmocka_unit_test(unusable_scopes),
		cmocka_unit_test(host_address_width),
		cmocka_unit_test(no_unit),
		cmocka_unit_test(zero_length),
		cmocka_unit_test(scope_overrun),
		cmocka_unit_test(truncated_file),
		cmocka_unit_test(strings_with_any_bytes),
	};

	return cmocka_run_group_tests_name("dmar_bugs", tests, NULL, NULL);
}
