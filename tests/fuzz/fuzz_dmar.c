/* libFuzzer target: iommu/dmar.c on any bytes. dmar_parse() gets the input
 * as it is (libFuzzer's buffer is exactly `size` bytes, so ASan sees any
 * read past it), once without and once with a MADT view drawn from the
 * input's last bytes. The model's invariants are checked after each parse:
 * a broken one is a crash. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iommu/dmar_model.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static struct dmar_table table;

static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static void check_structure(const struct dmar_table *t, const struct dmar_structure *s,
			    size_t size)
{
	CHECK(s->length >= 4 && (size_t)s->offset + s->length <= size);
	CHECK((unsigned)s->first_scope + s->scope_count <= t->scope_count);
	for (unsigned i = 0; i < s->scope_count; i++) {
		const struct dmar_scope *sc = &dmar_scopes_of(t, s)[i];

		CHECK(sc->offset >= s->offset && sc->offset + 6 <= s->offset + s->length);
		CHECK(sc->path_len <= DMAR_MAX_PATH);
	}
	if (s->type == DMAR_ANDD)
		CHECK(terminated(s->andd.name, sizeof(s->andd.name)));
}

static void check_invariants(const struct dmar_table *t, size_t size)
{
	uint32_t next = 48;
	unsigned errors = 0, scopes = 0;
	bool usable_unit = false;

	CHECK(t->structure_count <= DMAR_MAX_STRUCTURES);
	CHECK(t->scope_count <= DMAR_MAX_SCOPES);
	CHECK(t->diagnostic_count <= DMAR_MAX_DIAGNOSTICS);
	CHECK(terminated(t->oem_id, sizeof(t->oem_id)));
	CHECK(terminated(t->oem_table_id, sizeof(t->oem_table_id)));
	for (unsigned i = 0; i < t->structure_count; i++) {
		const struct dmar_structure *s = &t->structure[i];

		CHECK(s->offset == next && s->first_scope == scopes);
		check_structure(t, s, size);
		next += s->length;
		scopes += s->scope_count;
		usable_unit |= s->type == DMAR_DRHD && !s->ignored;
	}
	CHECK(scopes == t->scope_count);
	for (unsigned i = 0; i < t->diagnostic_count; i++) {
		const struct dmar_diagnostic *d = &t->diagnostic[i];

		CHECK(d->severity <= DMAR_ERROR && d->offset <= size);
		CHECK(terminated(d->message, sizeof(d->message)) && d->message[0]);
		errors += d->severity == DMAR_ERROR;
	}
	/* refused exactly when an error says why; never accepted without a unit */
	CHECK(t->refused == (errors > 0));
	CHECK(t->refused || usable_unit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ids[4];
	struct dmar_madt_view madt = { 0, ids };

	int err = dmar_parse(data, size, NULL, &table);

	CHECK(err == (table.refused ? -EINVAL : 0));
	check_invariants(&table, size);

	for (unsigned i = 0; i < sizeof(ids) && i < size; i++)
		ids[madt.ioapic_count++] = data[size - 1 - i];
	dmar_parse(data, size, &madt, &table);
	check_invariants(&table, size);
	return 0;
}
