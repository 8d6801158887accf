/* iommu/dmar.c, dmar_parse() on broken input: every table (the fixtures and
 * the real ones in ../shared/dmar) cut at every offset, every structure and
 * scope length replaced by every value, every byte replaced, random tables,
 * and more structures, scopes and diagnostics than the model holds. Each
 * parse reads an exactly sized copy (ASan sees any overread), must keep the
 * model's invariants and, where the answer is known, give it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iommu/dmar_model.h"
#include "tests/dmar/dmar_test_util.h"
#include "tests/unit/log_stub.h"

#define DMAR_LENGTH_OFFSET 4
#define DMAR_STRUCTURES_OFFSET 48
#define RS_LENGTH_OFFSET 2
#define SCOPE_LENGTH_OFFSET 1

static const struct dmar_table *t = &dmar_test_table;

static const char *const fixtures[] = {
	"all_types", "qemu", "bug_andd", "bug_checksum", "bug_drhd_address0",
	"bug_drhd_all_ones", "bug_duplicates", "bug_haw", "bug_ioapic", "bug_no_drhd",
	"bug_rhsa", "bug_rmrr", "bug_scope_overrun", "bug_scopes", "bug_truncated",
	"bug_zero_length", "json_escape",
};

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put_u16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* ---- truncation --------------------------------------------------------- */

/* Fewer bytes than the header says: refused, never read past them. */
static void cut_short(const uint8_t *data, size_t size)
{
	for (size_t n = 0; n < size; n++)
		assert_int_equal(parse_bytes(data, n, NULL), -EINVAL);
}

struct boundaries {
	unsigned count;
	uint32_t start[DMAR_MAX_STRUCTURES + 1];
};

/* The structure that holds byte n-1 starts where? (n inside the walk) */
static uint32_t cut_structure(const struct boundaries *b, uint32_t n)
{
	uint32_t start = DMAR_STRUCTURES_OFFSET;

	for (unsigned i = 0; i < b->count && b->start[i] < n; i++)
		start = b->start[i];
	return start;
}

static bool is_boundary(const struct boundaries *b, uint32_t n)
{
	for (unsigned i = 0; i < b->count; i++)
		if (b->start[i] == n)
			return true;
	return false;
}

#define WALK_STOPS "the walk stops here"

static bool walk_error(const struct dmar_table *tab)
{
	return find_diag(tab, DMAR_ERROR, ANY_OFFSET, WALK_STOPS);
}

/* The header's length cut to n as well, checksum fixed: the walk stops with
 * an error at the structure the cut falls in, and only there. */
static void cut_consistently(const uint8_t *data, size_t size)
{
	struct boundaries b = { 0 };
	uint32_t length;
	uint8_t *copy = exact_copy(data, size);

	memcpy(&length, data + DMAR_LENGTH_OFFSET, sizeof(length));
	if (length != size || size < DMAR_STRUCTURES_OFFSET) {
		free(copy);
		return; /* the header disagrees with the file: cut_short covers it */
	}
	parse_bytes(data, size, NULL);
	if (walk_error(t)) {
		free(copy);
		return; /* malformed already: its boundaries are not all known */
	}
	for (unsigned i = 0; i < t->structure_count; i++)
		b.start[b.count++] = t->structure[i].offset;
	b.start[b.count++] = (uint32_t)size;

	for (uint32_t n = DMAR_STRUCTURES_OFFSET; n <= size; n++) {
		put_u32(copy + DMAR_LENGTH_OFFSET, n);
		fix_checksum(copy, n);
		parse_bytes(copy, n, NULL);
		if (is_boundary(&b, n) || n == DMAR_STRUCTURES_OFFSET) {
			assert_false(walk_error(t));
			continue;
		}
		assert_true(t->refused);
		if (!find_diag(t, DMAR_ERROR, cut_structure(&b, n), WALK_STOPS)) {
			print_diags(t);
			fail_msg("cut at %u: no error at the structure at %#x", n,
				 cut_structure(&b, n));
		}
	}
	free(copy);
}

static void truncate_fixtures(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct blob f = fixture_load(fixtures[i]);

		cut_short(f.data, f.size);
		cut_consistently(f.data, f.size);
		blob_free(&f);
	}
}

static void truncate_one_shared(const char *machine, const struct blob *dmar,
				const struct blob *madt, void *arg)
{
	(void)machine;
	(void)madt;
	(void)arg;
	cut_short(dmar->data, dmar->size);
	cut_consistently(dmar->data, dmar->size);
}

static void truncate_shared(void **state)
{
	(void)state;
	if (for_each_shared_table(truncate_one_shared, NULL) < 0)
		skip(); /* no ../shared/dmar beside the clone */
}

/* ---- lengths replaced ----------------------------------------------------- */

/* Every structure's length field set to every value up to past the end:
 * lengths below a header or past the table are refused with the offset. */
static void structure_lengths(void **state)
{
	struct blob f = fixture_load("all_types");
	uint8_t *copy = exact_copy(f.data, f.size);
	uint32_t offsets[DMAR_MAX_STRUCTURES];
	unsigned count;

	(void)state;
	parse_blob(&f, NULL);
	count = t->structure_count;
	for (unsigned i = 0; i < count; i++)
		offsets[i] = t->structure[i].offset;
	for (unsigned i = 0; i < count; i++) {
		uint32_t off = offsets[i];

		for (uint32_t len = 0; len <= f.size + 8; len++) {
			memcpy(copy, f.data, f.size);
			put_u16(copy + off + RS_LENGTH_OFFSET, (uint16_t)len);
			fix_checksum(copy, f.size);
			parse_bytes(copy, f.size, NULL);
			if (len < 4 || len > f.size - off)
				assert_non_null(find_diag(t, DMAR_ERROR, off, "length"));
		}
	}
	free(copy);
	blob_free(&f);
}

/* Every scope's length byte set to every value: short ones, odd path
 * lengths and those running past the parent are refused at the scope. */
static void scope_lengths(void **state)
{
	struct blob f = fixture_load("all_types");
	uint8_t *copy = exact_copy(f.data, f.size);
	uint32_t offsets[DMAR_MAX_SCOPES], ends[DMAR_MAX_SCOPES];
	unsigned count = 0;

	(void)state;
	parse_blob(&f, NULL);
	for (unsigned i = 0; i < t->structure_count; i++) {
		const struct dmar_structure *s = &t->structure[i];

		for (unsigned j = 0; j < s->scope_count; j++) {
			offsets[count] = dmar_scopes_of(t, s)[j].offset;
			ends[count++] = s->offset + s->length;
		}
	}
	for (unsigned i = 0; i < count; i++) {
		for (unsigned len = 0; len < 256; len++) {
			memcpy(copy, f.data, f.size);
			copy[offsets[i] + SCOPE_LENGTH_OFFSET] = (uint8_t)len;
			fix_checksum(copy, f.size);
			parse_bytes(copy, f.size, NULL);
			if (len < 6 || len > ends[i] - offsets[i] || len % 2)
				assert_non_null(find_diag(t, DMAR_ERROR, offsets[i], "scope length"));
		}
	}
	free(copy);
	blob_free(&f);
}

/* ---- bytes replaced, random tables ----------------------------------------------- */

static void every_byte(void **state)
{
	static const char *const names[] = { "all_types", "bug_andd", "bug_rmrr" };

	(void)state;
	for (unsigned k = 0; k < 3; k++) {
		struct blob f = fixture_load(names[k]);
		uint8_t *copy = exact_copy(f.data, f.size);

		for (size_t i = 0; i < f.size; i++) {
			const uint8_t values[] = { 0, 0xff, 0x80, 0x7f, (uint8_t)(f.data[i] ^ 1),
						   (uint8_t)(f.data[i] + 1), (uint8_t)(f.data[i] - 1) };

			for (unsigned v = 0; v < sizeof(values); v++) {
				memcpy(copy, f.data, f.size);
				copy[i] = values[v];
				parse_bytes(copy, f.size, NULL);
			}
		}
		free(copy);
		blob_free(&f);
	}
}

/* A DMAR header with a consistent length, then random structures made of
 * plausible type codes and lengths and random contents. */
static size_t random_table(uint8_t *buf, size_t max)
{
	size_t size = DMAR_STRUCTURES_OFFSET + (size_t)rand() % (max - DMAR_STRUCTURES_OFFSET);

	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)rand();
	memcpy(buf, "DMAR", 4);
	put_u32(buf + DMAR_LENGTH_OFFSET, (uint32_t)size);
	for (size_t off = DMAR_STRUCTURES_OFFSET; off + 4 <= size;) {
		uint16_t len = (uint16_t)(4 + rand() % 48);

		put_u16(buf + off, (uint16_t)(rand() % 8));
		put_u16(buf + off + 2, len);
		off += len;
	}
	return size;
}

static void random_tables(void **state)
{
	uint8_t buf[512];

	(void)state;
	srand(20240527);
	for (unsigned i = 0; i < 20000; i++) {
		size_t size = random_table(buf, sizeof(buf));
		const uint8_t ids[] = { buf[size - 1], buf[size - 2] };
		const struct dmar_madt_view madt = { 2, ids };

		parse_bytes(buf, size, i % 2 ? &madt : NULL);
	}
}

/* ---- capacity of the model ----------------------------------------------------- */

/* A DMAR header, one DRHD, then `count` copies of the `n` bytes `item`. */
static size_t build(uint8_t *buf, size_t max, const uint8_t *item, size_t n, unsigned count)
{
	static const uint8_t drhd[] = { 0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0 };
	size_t size = DMAR_STRUCTURES_OFFSET + sizeof(drhd) + n * count;

	assert_true(size <= max);
	memset(buf, 0, size);
	memcpy(buf, "DMAR", 4);
	put_u32(buf + DMAR_LENGTH_OFFSET, (uint32_t)size);
	buf[36] = 38;
	memcpy(buf + DMAR_STRUCTURES_OFFSET, drhd, sizeof(drhd));
	for (unsigned i = 0; i < count; i++)
		memcpy(buf + DMAR_STRUCTURES_OFFSET + sizeof(drhd) + i * n, item, n);
	fix_checksum(buf, size);
	return size;
}

static void too_many_structures(void **state)
{
	static const uint8_t unknown[] = { 0x77, 0, 4, 0 };
	static uint8_t buf[4096];

	(void)state;
	/* the DRHD plus 127: all held */
	assert_int_equal(parse_bytes(buf, build(buf, sizeof(buf), unknown, 4, 127), NULL), 0);
	assert_int_equal(t->structure_count, DMAR_MAX_STRUCTURES);
	/* one more: refused rather than half-read */
	assert_int_equal(parse_bytes(buf, build(buf, sizeof(buf), unknown, 4, 128), NULL), -EINVAL);
	assert_non_null(find_diag(t, DMAR_ERROR, DMAR_STRUCTURES_OFFSET + 16 + 127 * 4,
				  "more than 128 structures"));
	/* 127 remarks about unknown types and the error: the model keeps the
	 * error, 63 remarks, and counts the rest */
	assert_int_equal(t->diagnostic_count, DMAR_MAX_DIAGNOSTICS);
	assert_int_equal(t->diagnostics_dropped, 127 + 1 - DMAR_MAX_DIAGNOSTICS);
	assert_int_equal(t->diagnostic[DMAR_MAX_DIAGNOSTICS - 1].severity, DMAR_ERROR);
	assert_int_equal(count_diags(t, DMAR_ERROR), 1);
}

static void too_many_scopes(void **state)
{
	/* an RMRR with 100 endpoint scopes, 00:14.0 each */
	static uint8_t rmrr[24 + 100 * 8];
	static uint8_t buf[8192];

	(void)state;
	memset(rmrr, 0, sizeof(rmrr));
	rmrr[0] = 1;
	put_u16(rmrr + 2, sizeof(rmrr));
	rmrr[8 + 1] = 0x10; /* base 0x1000 */
	put_u32(rmrr + 16, 0x1fff);
	for (unsigned i = 0; i < 100; i++) {
		uint8_t *sc = rmrr + 24 + i * 8;

		sc[0] = DMAR_SCOPE_ENDPOINT;
		sc[1] = 8;
		sc[6] = 0x14;
	}
	assert_int_equal(parse_bytes(buf, build(buf, sizeof(buf), rmrr, sizeof(rmrr), 5), NULL), 0);
	assert_int_equal(t->scope_count, 500);
	assert_int_equal(parse_bytes(buf, build(buf, sizeof(buf), rmrr, sizeof(rmrr), 6), NULL),
			 -EINVAL);
	assert_int_equal(t->scope_count, DMAR_MAX_SCOPES);
	assert_non_null(find_diag(t, DMAR_ERROR, ANY_OFFSET, "more than 512 device scopes"));
	/* the walk stops there: one error, not one per structure after it */
	assert_int_equal(count_diags(t, DMAR_ERROR), 1);
	assert_int_equal(t->structure_count, 1 + 6);
	assert_true(t->structure[6].ignored);
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(truncate_fixtures),
		cmocka_unit_test(truncate_shared),
		cmocka_unit_test(structure_lengths),
		cmocka_unit_test(scope_lengths),
		cmocka_unit_test(every_byte),
		cmocka_unit_test(random_tables),
		cmocka_unit_test(too_many_structures),
		cmocka_unit_test(too_many_scopes),
	};

	tests[1].name = shared_test_name(tests[1].name);
	return cmocka_run_group_tests_name("dmar_malformed", tests, NULL, NULL);
}
