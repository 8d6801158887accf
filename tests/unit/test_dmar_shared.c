/* iommu/dmar.c on the real tables in ../shared/dmar (dumped from real
 * machines; absent outside CI's layout, then skipped), each with its
 * machine's MADT through arch/x86/madt.c: every table parses within the
 * model's invariants, and each known machine gives exactly the verdict and
 * the firmware-bug diagnostics its table deserves, as Linux reads it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "arch/x86/madt.h"
#include "iommu/dmar_model.h"
#include "tests/dmar/dmar_test_util.h"
#include "tests/unit/log_stub.h"

static const struct dmar_table *t = &dmar_test_table;

struct expected_diag {
	enum dmar_severity severity;
	const char *needle;
	unsigned count; /* diagnostics that contain it */
};

struct machine {
	const char *name;
	bool refused, intr_remap_unsafe;
	/* every warning and error, and some remarks; none when empty */
	struct expected_diag diag[3];
};

static const struct machine machines[] = {
	{ .name = "apple-imacpro1-1" },
	{ .name = "apple-macmini6-2", .intr_remap_unsafe = true, .diag = {
		{ DMAR_WARNING, "[Firmware Bug] MADT IOAPIC 2 has no DRHD scope", 1 },
		{ DMAR_INFO, "IOAPIC 0 (f0:1f.0) is not in the MADT", 1 } } },
	{ .name = "apple-macpro5-1" },
	{ .name = "apple-macpro7-1", .diag = {
		{ DMAR_INFO, "IOAPIC 13 (12:05.4) is not in the MADT", 1 } } },
	{ .name = "asus-rog-maximus-z690-hero" },
	{ .name = "asus-z170-a", .diag = {
		{ DMAR_WARNING, "RMRR at 0x68: scope 02:00.0 starts on no root bus", 1 } } },
	{ .name = "dell-poweredge-r820" },
	{ .name = "dell-precision-t3500" },
	{ .name = "dell-xps13-9350" },
	{ .name = "framework-laptop13-mtl" },
	{ .name = "gigabyte-x79-up4", .diag = {
		{ DMAR_INFO, "HPET 0 has a scope at 0x48 already", 7 } } },
	{ .name = "gpd-win3" },
	{ .name = "hp-compaq-dc7800-sff" },
	{ .name = "hp-elitebook-820-g4" },
	{ .name = "hp-proliant-dl360-g7" },
	{ .name = "lenovo-ideapadflex15-20309", .refused = true, .diag = {
		{ DMAR_ERROR, "DRHD reported at address 0:", 1 } } },
	{ .name = "ms-surface-go-1" },
	{ .name = "supermicro-x10dai" },
	{ .name = "toshiba-dynabook-r731", .diag = {
		{ DMAR_INFO, "HPET 0 has a scope at 0x60 already", 7 } } },
};

/* The MADT's IOAPIC ids, through the hypervisor's parser (which trusts the
 * header's length: checked against the file first). */
static void madt_view(const struct blob *madt, uint8_t *ids, struct dmar_madt_view *view)
{
	static struct madt_info info;
	struct acpi_header h;

	view->ioapic_count = 0;
	view->ioapic_ids = ids;
	if (madt->size < sizeof(h))
		return;
	memcpy(&h, madt->data, sizeof(h));
	if (h.length > madt->size || madt_parse((const void *)madt->data, &info))
		return;
	for (unsigned i = 0; i < info.ioapic_count; i++)
		ids[view->ioapic_count++] = info.ioapic[i].id;
}

static void parse_machine(const struct blob *dmar, const struct blob *madt)
{
	uint8_t ids[MADT_MAX_IOAPICS];
	struct dmar_madt_view view;

	madt_view(madt, ids, &view);
	parse_blob(dmar, view.ioapic_count ? &view : NULL);
	check_messages_whole(t);
}

static unsigned count_matching(enum dmar_severity severity, const char *needle)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->diagnostic_count; i++)
		n += t->diagnostic[i].severity == severity &&
		     strstr(t->diagnostic[i].message, needle);
	return n;
}

static void check_machine(const struct machine *m)
{
	unsigned warnings = 0, expected_warnings = 0;

	assert_int_equal(t->refused, m->refused);
	assert_int_equal(t->intr_remap_unsafe, m->intr_remap_unsafe);
	for (unsigned i = 0; i < 3 && m->diag[i].needle; i++) {
		const struct expected_diag *e = &m->diag[i];

		if (count_matching(e->severity, e->needle) != e->count)
			fail_msg("%s: %u diagnostics with \"%s\", expected %u", m->name,
				 count_matching(e->severity, e->needle), e->needle, e->count);
		if (e->severity != DMAR_INFO)
			expected_warnings += e->count;
	}
	warnings = count_diags(t, DMAR_WARNING) + count_diags(t, DMAR_ERROR);
	if (warnings != expected_warnings) {
		print_diags(t);
		fail_msg("%s: %u warnings and errors, expected %u", m->name, warnings,
			 expected_warnings);
	}
}

struct lookup {
	const struct machine *m;
	bool found;
};

static void check_one(const char *name, const struct blob *dmar, const struct blob *madt,
		      void *arg)
{
	struct lookup *l = arg;

	if (strcmp(name, l->m->name))
		return;
	l->found = true;
	parse_machine(dmar, madt);
	check_machine(l->m);
}

static void machine(void **state)
{
	struct lookup l = { *state, false };

	if (for_each_shared_table(check_one, &l) < 0)
		skip();
	if (!l.found)
		fail_msg("%s.DMAR.dat is not in %s", l.m->name, dmar_shared_dir());
}

/* The ASUS Z170-A's broken scope is flagged for Linux's workaround, the
 * others of the table are not. */
static void z170_scope(const char *name, const struct blob *dmar, const struct blob *madt,
		       void *arg)
{
	unsigned *flagged = arg;

	if (strcmp(name, "asus-z170-a"))
		return;
	parse_machine(dmar, madt);
	for (unsigned i = 0; i < t->scope_count; i++) {
		const struct dmar_scope *sc = &t->scope[i];

		if (!sc->starts_on_secondary_bus)
			continue;
		assert_int_equal(sc->offset, 0x88);
		assert_int_equal(sc->start_bus, 2);
		(*flagged)++;
	}
}

static void asus_z170_a_rmrr_scope(void **state)
{
	unsigned flagged = 0;

	(void)state;
	if (for_each_shared_table(z170_scope, &flagged) < 0)
		skip();
	assert_int_equal(flagged, 1);
}

/* Whatever the directory holds, known or not: parsed, invariants kept. */
static void parse_any(const char *name, const struct blob *dmar, const struct blob *madt,
		      void *arg)
{
	(void)name;
	(void)arg;
	parse_machine(dmar, madt);
	assert_true(t->structure_count > 0);
}

static void every_table(void **state)
{
	(void)state;
	if (for_each_shared_table(parse_any, NULL) <= 0)
		skip();
}

#define MACHINES (sizeof(machines) / sizeof(machines[0]))

int main(void)
{
	struct CMUnitTest tests[MACHINES + 2];

	for (unsigned i = 0; i < MACHINES; i++)
		tests[i] = (struct CMUnitTest){ shared_test_name(machines[i].name), machine, NULL,
						NULL, (void *)&machines[i] };
	tests[MACHINES] = (struct CMUnitTest)cmocka_unit_test(asus_z170_a_rmrr_scope);
	tests[MACHINES + 1] = (struct CMUnitTest)cmocka_unit_test(every_table);
	tests[MACHINES].name = shared_test_name(tests[MACHINES].name);
	tests[MACHINES + 1].name = shared_test_name(tests[MACHINES + 1].name);
	return cmocka_run_group_tests_name("dmar_shared", tests, NULL, NULL);
}
