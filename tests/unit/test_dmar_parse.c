/* iommu/dmar.c, dmar_parse(): every structure and device-scope type of a
 * clean table (tests/dmar/all_types.dsl, compiled by iasl) read into the
 * model field by field, at unaligned offsets and addresses; the header;
 * QEMU's table; the model's helpers. */
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

#define DMAR_FLAGS_OFFSET 37

static struct blob all_types;
static const struct dmar_table *t = &dmar_test_table;

/* Structure indexes in all_types.dsl. */
enum {
	CATCH_ALL, ANDD, UNIT, RMRR, ATSR, ATSR_ALL_PORTS, RHSA, SATC, SIDP, UNKNOWN,
	CATCH_ALL_1, COUNT
};

static int load_all_types(void **state)
{
	(void)state;
	all_types = fixture_load("all_types");
	assert_int_equal(parse_blob(&all_types, NULL), 0);
	return 0;
}

/* Some tests parse other tables: each starts from all_types again. */
static int reparse(void **state)
{
	(void)state;
	return parse_blob(&all_types, NULL);
}

static int free_all_types(void **state)
{
	(void)state;
	blob_free(&all_types);
	return 0;
}

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

static void assert_scope(const struct dmar_scope *sc, uint8_t type, uint8_t id, uint8_t bus,
			 unsigned hops, const uint8_t *path)
{
	assert_int_equal(sc->type, type);
	assert_int_equal(sc->enumeration_id, id);
	assert_int_equal(sc->start_bus, bus);
	assert_int_equal(sc->path_len, hops);
	for (unsigned i = 0; i < hops; i++) {
		assert_int_equal(sc->path[i].dev, path[2 * i]);
		assert_int_equal(sc->path[i].fn, path[2 * i + 1]);
	}
	assert_false(sc->ignored);
	assert_false(sc->starts_on_secondary_bus);
}

static void header(void **state)
{
	(void)state;
	assert_int_equal(t->revision, 1);
	assert_string_equal(t->oem_id, "HVTEST");
	assert_string_equal(t->oem_table_id, "ALLTYPES");
	assert_int_equal(t->host_address_width, 39);
	assert_int_equal(t->flags, DMAR_FLAG_INTR_REMAP | DMAR_FLAG_X2APIC_OPT_OUT |
			 DMAR_FLAG_DMA_CTRL_OPT_IN);
	assert_false(t->refused);
	assert_false(t->intr_remap_unsafe);
	assert_int_equal(t->structure_count, COUNT);
	assert_int_equal(t->scope_count, 3 + 3 + 2 + 2 + 1 + 1);
	/* The unknown type is the only remark. */
	assert_int_equal(t->diagnostic_count, 1);
	assert_non_null(find_diag(t, DMAR_INFO, 0x119, "type 66"));
	for (unsigned i = 0; i < COUNT; i++)
		assert_false(structure(i)->ignored);
}

static void drhd(void **state)
{
	static const uint8_t ioapic[] = { 0x1f, 0 }, hpet[] = { 0x1f, 0 }, acpi[] = { 0x15, 0 };
	static const uint8_t ep[] = { 2, 0 }, br[] = { 0x1c, 0 }, deep[] = { 0x1c, 4, 0, 0, 3, 1 };
	const struct dmar_structure *s = structure(CATCH_ALL);

	(void)state;
	assert_int_equal(s->type, DMAR_DRHD);
	assert_int_equal(s->offset, 0x30);
	assert_int_equal(s->length, 40);
	assert_int_equal(s->drhd.flags, DRHD_FLAG_INCLUDE_PCI_ALL);
	assert_int_equal(s->drhd.size, 0);
	assert_int_equal(s->drhd.segment, 0);
	assert_int_equal(s->drhd.address, 0xfed91000);
	assert_int_equal(s->scope_count, 3);
	assert_scope(scope(CATCH_ALL, 0), DMAR_SCOPE_IOAPIC, 2, 0xf0, 1, ioapic);
	assert_scope(scope(CATCH_ALL, 1), DMAR_SCOPE_HPET, 0, 0, 1, hpet);
	assert_scope(scope(CATCH_ALL, 2), DMAR_SCOPE_ACPI_NAMESPACE, 1, 0, 1, acpi);
	assert_int_equal(scope(CATCH_ALL, 0)->offset, 0x40);

	s = structure(UNIT);
	assert_int_equal(s->offset, 0x6f); /* odd: behind the 23-byte ANDD */
	assert_int_equal(s->drhd.flags, 0);
	assert_int_equal(s->drhd.size, 2);
	assert_int_equal(s->drhd.address, 0xfed90000);
	assert_scope(scope(UNIT, 0), DMAR_SCOPE_ENDPOINT, 0, 0, 1, ep);
	assert_scope(scope(UNIT, 1), DMAR_SCOPE_BRIDGE, 0, 0, 1, br);
	assert_scope(scope(UNIT, 2), DMAR_SCOPE_ENDPOINT, 0, 0, 3, deep);

	s = structure(CATCH_ALL_1);
	assert_int_equal(s->drhd.segment, 1);
	assert_int_equal(s->drhd.address, 0xfed92000);
	assert_int_equal(s->scope_count, 0);
}

static void rmrr(void **state)
{
	static const uint8_t usb[] = { 0x14, 0 }, behind_port[] = { 0x1c, 4, 0, 2 };
	const struct dmar_structure *s = structure(RMRR);

	(void)state;
	assert_int_equal(s->type, DMAR_RMRR);
	assert_int_equal(s->offset, 0x9b);
	assert_int_equal(s->rmrr.segment, 0);
	assert_int_equal(s->rmrr.base, 0x7c000000);
	assert_int_equal(s->rmrr.limit, 0x7c7fffff);
	assert_int_equal(s->scope_count, 2);
	assert_scope(scope(RMRR, 0), DMAR_SCOPE_ENDPOINT, 0, 0, 1, usb);
	assert_scope(scope(RMRR, 1), DMAR_SCOPE_ENDPOINT, 0, 0, 2, behind_port);
}

static void atsr(void **state)
{
	static const uint8_t port0[] = { 0x1c, 0 }, port4[] = { 0x1c, 4 };
	const struct dmar_structure *s = structure(ATSR);

	(void)state;
	assert_int_equal(s->type, DMAR_ATSR);
	assert_int_equal(s->atsr.flags, 0);
	assert_int_equal(s->atsr.segment, 0);
	assert_scope(scope(ATSR, 0), DMAR_SCOPE_BRIDGE, 0, 0, 1, port0);
	assert_scope(scope(ATSR, 1), DMAR_SCOPE_BRIDGE, 0, 0, 1, port4);

	s = structure(ATSR_ALL_PORTS);
	assert_int_equal(s->atsr.flags, ATSR_FLAG_ALL_PORTS);
	assert_int_equal(s->atsr.segment, 1);
	assert_int_equal(s->scope_count, 0);
}

static void rhsa_andd(void **state)
{
	const struct dmar_structure *s = structure(RHSA);

	(void)state;
	assert_int_equal(s->type, DMAR_RHSA);
	assert_int_equal(s->offset, 0xe5);
	assert_int_equal(s->rhsa.address, 0xfed90000);
	assert_int_equal(s->rhsa.proximity_domain, 1);
	assert_int_equal(s->scope_count, 0);

	s = structure(ANDD);
	assert_int_equal(s->type, DMAR_ANDD);
	assert_int_equal(s->length, 23);
	assert_int_equal(s->andd.device_number, 1);
	assert_string_equal(s->andd.name, "\\_SB.PCI0.I2C0");
}

static void satc_sidp_unknown(void **state)
{
	static const uint8_t gpu[] = { 2, 0 }, npu[] = { 0x0b, 0 };
	const struct dmar_structure *s = structure(SATC);

	(void)state;
	assert_int_equal(s->type, DMAR_SATC);
	assert_int_equal(s->satc.flags, SATC_FLAG_ATC_REQUIRED);
	assert_int_equal(s->satc.segment, 0);
	assert_scope(scope(SATC, 0), DMAR_SCOPE_ENDPOINT, 0, 0, 1, gpu);

	s = structure(SIDP);
	assert_int_equal(s->type, DMAR_SIDP);
	assert_int_equal(s->sidp.segment, 0);
	assert_scope(scope(SIDP, 0), DMAR_SCOPE_ENDPOINT, 0, 0, 1, npu);
	assert_int_equal(scope(SIDP, 0)->flags, 0x1c);

	s = structure(UNKNOWN);
	assert_int_equal(s->type, DMAR_UNKNOWN);
	assert_int_equal(s->type_code, 0x42);
	assert_int_equal(s->length, 8);
	assert_int_equal(s->scope_count, 0);
}

/* The same table at an odd address reads the same: fields are copied out,
 * never dereferenced through casts. */
static void odd_address(void **state)
{
	uint8_t *buf = malloc(all_types.size + 1);
	struct dmar_table *copy = malloc(sizeof(*copy));

	(void)state;
	assert_non_null(buf);
	assert_non_null(copy);
	memcpy(buf + 1, all_types.data, all_types.size);
	assert_int_equal(dmar_parse(buf + 1, all_types.size, NULL, copy), 0);
	assert_int_equal(parse_blob(&all_types, NULL), 0);
	assert_memory_equal(copy, t, sizeof(*copy));
	free(copy);
	free(buf);
}

static void helpers(void **state)
{
	(void)state;
	assert_string_equal(dmar_struct_type_name(DMAR_DRHD), "DRHD");
	assert_string_equal(dmar_struct_type_name(DMAR_RMRR), "RMRR");
	assert_string_equal(dmar_struct_type_name(DMAR_ATSR), "ATSR");
	assert_string_equal(dmar_struct_type_name(DMAR_RHSA), "RHSA");
	assert_string_equal(dmar_struct_type_name(DMAR_ANDD), "ANDD");
	assert_string_equal(dmar_struct_type_name(DMAR_SATC), "SATC");
	assert_string_equal(dmar_struct_type_name(DMAR_SIDP), "SIDP");
	assert_string_equal(dmar_struct_type_name(7), "unknown");
	assert_string_equal(dmar_struct_type_name(DMAR_UNKNOWN), "unknown");
	assert_string_equal(dmar_severity_name(DMAR_INFO), "info");
	assert_string_equal(dmar_severity_name(DMAR_WARNING), "warning");
	assert_string_equal(dmar_severity_name(DMAR_ERROR), "error");

	assert_ptr_equal(dmar_catch_all_unit(t, 0), structure(CATCH_ALL));
	assert_ptr_equal(dmar_catch_all_unit(t, 1), structure(CATCH_ALL_1));
	assert_null(dmar_catch_all_unit(t, 2));
	assert_ptr_equal(dmar_scopes_of(t, structure(UNIT)), &t->scope[3]);
}

/* Bytes after the header's length are not the table's. */
static void trailing_bytes(void **state)
{
	uint8_t *buf = calloc(1, all_types.size + 5);

	(void)state;
	assert_non_null(buf);
	memcpy(buf, all_types.data, all_types.size);
	assert_int_equal(parse_bytes(buf, all_types.size + 5, NULL), 0);
	assert_int_equal(t->structure_count, COUNT);
	assert_non_null(find_diag(t, DMAR_INFO, all_types.size, "5 bytes after"));
	free(buf);
}

static void not_a_dmar(void **state)
{
	uint8_t *buf = exact_copy(all_types.data, all_types.size);

	(void)state;
	assert_int_equal(dmar_parse(NULL, 0, NULL, &dmar_test_table), -EINVAL);
	assert_true(t->refused);
	assert_int_equal(parse_bytes(buf, 0, NULL), -EINVAL);
	assert_non_null(find_diag(t, DMAR_ERROR, 0, "shorter than an ACPI table header"));
	memcpy(buf, "APIC", 4);
	assert_int_equal(parse_bytes(buf, all_types.size, NULL), -EINVAL);
	assert_non_null(find_diag(t, DMAR_ERROR, 0, "signature"));
	assert_int_equal(t->structure_count, 0);
	free(buf);
}

/* QEMU's own table: what the boot tests meet. */
static void qemu(void **state)
{
	static const uint8_t ioapic[] = { 0, 0 }, edu[] = { 4, 0 };
	static const uint8_t ids[] = { 0 };
	const struct dmar_madt_view madt = { 1, ids };
	struct blob b = fixture_load("qemu");

	(void)state;
	assert_int_equal(parse_blob(&b, &madt), 0);
	assert_int_equal(t->diagnostic_count, 0);
	assert_int_equal(t->structure_count, 1);
	assert_int_equal(structure(0)->drhd.address, 0xfed90000);
	assert_int_equal(structure(0)->drhd.flags, 0);
	assert_int_equal(structure(0)->scope_count, 7);
	assert_scope(scope(0, 0), DMAR_SCOPE_IOAPIC, 0, 0xff, 1, ioapic);
	assert_scope(scope(0, 3), DMAR_SCOPE_ENDPOINT, 0, 0, 1, edu);
	assert_null(dmar_catch_all_unit(t, 0));
	assert_false(t->intr_remap_unsafe);
	blob_free(&b);
}

/* The flags in the header are read as they are: each alone. */
static void header_flags(void **state)
{
	uint8_t *buf = exact_copy(all_types.data, all_types.size);

	(void)state;
	for (unsigned flags = 0; flags < 8; flags++) {
		buf[DMAR_FLAGS_OFFSET] = (uint8_t)flags;
		fix_checksum(buf, all_types.size);
		assert_int_equal(parse_bytes(buf, all_types.size, NULL), 0);
		assert_int_equal(t->flags, flags);
		assert_int_equal(t->diagnostic_count, 1);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(header, reparse),
		cmocka_unit_test_setup(drhd, reparse),
		cmocka_unit_test_setup(rmrr, reparse),
		cmocka_unit_test_setup(atsr, reparse),
		cmocka_unit_test_setup(rhsa_andd, reparse),
		cmocka_unit_test_setup(satc_sidp_unknown, reparse),
		cmocka_unit_test_setup(helpers, reparse),
		cmocka_unit_test_setup(odd_address, reparse),
		cmocka_unit_test_setup(trailing_bytes, reparse),
		cmocka_unit_test_setup(not_a_dmar, reparse),
		cmocka_unit_test_setup(qemu, reparse),
		cmocka_unit_test_setup(header_flags, reparse),
	};

	return cmocka_run_group_tests_name("dmar_parse", tests, load_all_types, free_all_types);
}
