/* See dmar_test_util.h. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/dmar/dmar_test_util.h"

#define DMAR_CHECKSUM_OFFSET 9
#define DMAR_STRUCTURES_OFFSET 48
#define SCOPE_HEADER_LENGTH 6

struct dmar_table dmar_test_table;

static const char *dir_from(const char *env, const char *fallback)
{
	const char *dir = getenv(env);

	return dir && *dir ? dir : fallback;
}

const char *dmar_fixture_dir(void)
{
	return dir_from("DMAR_FIXTURE_DIR", DMAR_FIXTURE_DIR);
}

const char *dmar_shared_dir(void)
{
	return dir_from("DMAR_SHARED_DIR", DMAR_SHARED_DIR);
}

uint8_t *exact_copy(const void *data, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	if (n)
		memcpy(p, data, n);
	return p;
}

int blob_read(const char *path, struct blob *b)
{
	FILE *f = fopen(path, "rb");
	long size;
	int err = 0;

	b->data = NULL;
	b->size = 0;
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		err = -EIO;
	} else {
		b->data = malloc(size ? (size_t)size : 1);
		b->size = (size_t)size;
		if (!b->data || fread(b->data, 1, b->size, f) != b->size)
			err = -EIO;
	}
	fclose(f);
	if (err)
		blob_free(b);
	return err;
}

void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
	b->size = 0;
}

struct blob fixture_load(const char *name)
{
	char path[512];
	struct blob b;
	int err;

	snprintf(path, sizeof(path), "%s/%s.aml", dmar_fixture_dir(), name);
	err = blob_read(path, &b);
	if (err)
		fail_msg("fixture %s: %s (run make, which compiles tests/dmar/*.dsl)", path,
			 strerror(-err));
	return b;
}

#define SHARED_MAX_TABLES 256
#define DMAR_SUFFIX ".DMAR.dat"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The machine names (file names less the suffix), sorted; -errno. */
static int list_shared(char **names, unsigned max)
{
	DIR *dir = opendir(dmar_shared_dir());
	struct dirent *e;
	size_t suffix = strlen(DMAR_SUFFIX);
	int n = 0;

	if (!dir)
		return -errno;
	while ((e = readdir(dir)) && n < (int)max) {
		size_t len = strlen(e->d_name);

		if (len > suffix && !strcmp(e->d_name + len - suffix, DMAR_SUFFIX))
			names[n++] = strndup(e->d_name, len - suffix);
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), by_name);
	return n;
}

const char *shared_test_name(const char *name)
{
	DIR *dir = opendir(dmar_shared_dir());
	size_t size = strlen(name) + strlen(dmar_shared_dir()) + 64;
	char *out;

	if (dir) {
		closedir(dir);
		return name;
	}
	out = malloc(size); /* lives as long as the test program */
	assert_non_null(out);
	snprintf(out, size, "%s no %s: the real tables sit beside the clone in CI", name,
		 dmar_shared_dir());
	return out;
}

int for_each_shared_table(shared_table_fn *fn, void *arg)
{
	char *names[SHARED_MAX_TABLES];
	int n = list_shared(names, SHARED_MAX_TABLES);

	for (int i = 0; i < n; i++) {
		char path[512];
		struct blob dmar, madt;
		int err;

		snprintf(path, sizeof(path), "%s/%s" DMAR_SUFFIX, dmar_shared_dir(), names[i]);
		err = blob_read(path, &dmar);
		if (err)
			fail_msg("%s: %s", path, strerror(-err));
		snprintf(path, sizeof(path), "%s/%s.APIC.dat", dmar_shared_dir(), names[i]);
		if (blob_read(path, &madt))
			madt = (struct blob){ NULL, 0 };
		fn(names[i], &dmar, &madt, arg);
		blob_free(&dmar);
		blob_free(&madt);
		free(names[i]);
	}
	return n;
}

int parse_bytes(const void *data, size_t n, const struct dmar_madt_view *madt)
{
	uint8_t *copy = exact_copy(data, n);
	int err = dmar_parse(copy, n, madt, &dmar_test_table);

	free(copy);
	check_invariants(&dmar_test_table, n);
	return err;
}

int parse_blob(const struct blob *b, const struct dmar_madt_view *madt)
{
	return parse_bytes(b->data, b->size, madt);
}

void fix_checksum(uint8_t *table, size_t len)
{
	uint8_t sum = 0;

	table[DMAR_CHECKSUM_OFFSET] = 0;
	for (size_t i = 0; i < len; i++)
		sum += table[i];
	table[DMAR_CHECKSUM_OFFSET] = (uint8_t)-sum;
}

const struct dmar_diagnostic *find_diag(const struct dmar_table *t, enum dmar_severity severity,
					uint32_t offset, const char *needle)
{
	for (unsigned i = 0; i < t->diagnostic_count; i++) {
		const struct dmar_diagnostic *d = &t->diagnostic[i];

		if (d->severity == severity && (offset == ANY_OFFSET || d->offset == offset) &&
		    strstr(d->message, needle))
			return d;
	}
	return NULL;
}

unsigned count_diags(const struct dmar_table *t, enum dmar_severity severity)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->diagnostic_count; i++)
		n += t->diagnostic[i].severity == severity;
	return n;
}

void print_diags(const struct dmar_table *t)
{
	for (unsigned i = 0; i < t->diagnostic_count; i++)
		fprintf(stderr, "  %s %#x %s\n", dmar_severity_name(t->diagnostic[i].severity),
			t->diagnostic[i].offset, t->diagnostic[i].message);
}

static void check_scope(const struct dmar_structure *s, const struct dmar_scope *sc)
{
	assert_true(sc->offset >= s->offset);
	assert_true(sc->offset + SCOPE_HEADER_LENGTH <= s->offset + s->length);
	assert_true(sc->path_len <= DMAR_MAX_PATH);
}

static void check_structure(const struct dmar_table *t, const struct dmar_structure *s,
			    uint32_t expected_offset, unsigned expected_first_scope, size_t len)
{
	assert_int_equal(s->offset, expected_offset);
	assert_true(s->length >= 4);
	assert_true((size_t)s->offset + s->length <= len);
	assert_int_equal(s->first_scope, expected_first_scope);
	assert_true(s->first_scope + s->scope_count <= t->scope_count);
	for (unsigned i = 0; i < s->scope_count; i++)
		check_scope(s, &dmar_scopes_of(t, s)[i]);
	if (s->type == DMAR_UNKNOWN)
		assert_true(s->type_code > DMAR_SIDP);
	else
		assert_int_equal(s->type, s->type_code);
	if (s->type == DMAR_ANDD)
		assert_non_null(memchr(s->andd.name, '\0', sizeof(s->andd.name)));
}

static bool has_usable_unit(const struct dmar_table *t)
{
	for (unsigned i = 0; i < t->structure_count; i++)
		if (t->structure[i].type == DMAR_DRHD && !t->structure[i].ignored)
			return true;
	return false;
}

void check_invariants(const struct dmar_table *t, size_t len)
{
	uint32_t offset = DMAR_STRUCTURES_OFFSET;
	unsigned first_scope = 0;

	assert_true(t->structure_count <= DMAR_MAX_STRUCTURES);
	assert_true(t->scope_count <= DMAR_MAX_SCOPES);
	assert_true(t->diagnostic_count <= DMAR_MAX_DIAGNOSTICS);
	assert_non_null(memchr(t->oem_id, '\0', sizeof(t->oem_id)));
	assert_non_null(memchr(t->oem_table_id, '\0', sizeof(t->oem_table_id)));
	for (unsigned i = 0; i < t->structure_count; i++) {
		const struct dmar_structure *s = &t->structure[i];

		check_structure(t, s, offset, first_scope, len);
		offset += s->length;
		first_scope += s->scope_count;
	}
	assert_int_equal(first_scope, t->scope_count);
	for (unsigned i = 0; i < t->diagnostic_count; i++) {
		const struct dmar_diagnostic *d = &t->diagnostic[i];

		assert_true(d->severity <= DMAR_ERROR);
		assert_true(d->offset <= len);
		assert_non_null(memchr(d->message, '\0', sizeof(d->message)));
		assert_true(strlen(d->message) > 0);
	}
	/* refuse() is the only way to refuse, and errors are never dropped */
	assert_int_equal(t->refused, count_diags(t, DMAR_ERROR) > 0);
	if (!t->refused)
		assert_true(has_usable_unit(t));
}

void check_messages_whole(const struct dmar_table *t)
{
	for (unsigned i = 0; i < t->diagnostic_count; i++)
		if (strlen(t->diagnostic[i].message) >= DMAR_DIAG_MESSAGE_MAX - 1)
			fail_msg("message cut at %u bytes: %s", DMAR_DIAG_MESSAGE_MAX - 1,
				 t->diagnostic[i].message);
}
