/* iommu/dmar.c (dmar_summarize) over synthetic DMAR tables, every truncation
 * of them, and (when ../shared/dmar is there) the DMAR tables of real
 * machines, checked against the summary line of their MANIFEST.tsv. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "iommu/dmar.h"
#include "tests/unit/log_stub.h"
#include "tests/unit/watchdog.h"

#define REAL_TABLES_DIR "../shared/dmar"

/* ---- building a DMAR (VT-d 4.1, chapter 8) --------------------------------------- */

struct builder {
	uint8_t b[8192];
	uint32_t len;
};

static struct builder tb;
static void *blobs[16];
static unsigned nblobs;
static struct dmar_summary sum;

static int setup(void **state)
{
	(void)state;
	nblobs = 0;
	memset(&sum, 0xcc, sizeof(sum)); /* dmar_summarize must clear it */
	log_stub_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	while (nblobs)
		free(blobs[--nblobs]);
	return 0;
}

static void put(const void *p, size_t n)
{
	assert_true(tb.len + n <= sizeof(tb.b));
	memcpy(tb.b + tb.len, p, n);
	tb.len += (uint32_t)n;
}
static void put8(uint8_t v) { put(&v, 1); }
static void put16(uint16_t v) { put(&v, 2); }
static void put32(uint32_t v) { put(&v, 4); }
static void put64(uint64_t v) { put(&v, 8); }

/* Header, then Host Address Width (the field: width - 1), Flags, 10
 * reserved bytes: structures start at 48. */
static void dmar_begin(uint8_t haw_field, uint8_t flags)
{
	memset(&tb, 0, sizeof(tb));
	put("DMAR", 4);
	put32(0); /* length: finish() */
	put8(1);
	put8(0);
	put("HVTEST", 6);
	put("UNITTEST", 8);
	put32(1);
	put32(0);
	put32(0);
	put8(haw_field);
	put8(flags);
	for (int i = 0; i < 10; i++)
		put8(0);
	assert_int_equal(tb.len, 48);
}

/* A device scope (8.3.1): type, length, reserved, enumeration ID, start
 * bus, one (device, function) path element. */
static void scope(uint8_t type, uint8_t enum_id, uint8_t bus, uint8_t dev, uint8_t fn)
{
	put8(type); put8(8); put16(0); put8(enum_id); put8(bus); put8(dev); put8(fn);
}

/* DRHD (8.3): type 0, length, flags, size, segment, register base, and
 * `nscopes` endpoint scopes. */
static void drhd(uint8_t flags, uint16_t segment, uint64_t base, unsigned nscopes)
{
	put16(0);
	put16((uint16_t)(16 + 8 * nscopes));
	put8(flags);
	put8(0);
	put16(segment);
	put64(base);
	for (unsigned i = 0; i < nscopes; i++)
		scope(1, 0, 0, (uint8_t)(2 + i), 0);
}

/* RMRR (8.4): type 1, reserved, segment, base, limit, one scope. */
static void rmrr(uint64_t base, uint64_t limit)
{
	put16(1); put16(32); put16(0); put16(0); put64(base); put64(limit);
	scope(1, 0, 0, 0x14, 0);
}

/* ATSR (8.5): type 2, flags, reserved, segment, one bridge scope. */
static void atsr(void)
{
	put16(2); put16(16); put8(0); put8(0); put16(0);
	scope(2, 0, 0, 1, 0);
}

/* RHSA (8.6): type 3, reserved, register base, proximity domain. */
static void rhsa(uint64_t base)
{
	put16(3); put16(20); put32(0); put64(base); put32(0);
}

/* Any structure: type, length, then filler. */
static void raw_struct(uint16_t type, uint16_t len)
{
	put16(type);
	put16(len);
	for (unsigned i = 4; i < len; i++)
		put8((uint8_t)(0x50 + i));
}

/* A copy of the first `len` bytes, length field set to `len`, in an
 * exact-size buffer so ASan catches any read past the end. */
static const struct acpi_header *finish_len(uint32_t len)
{
	assert_true(nblobs < sizeof(blobs) / sizeof(blobs[0]));
	uint8_t *p = malloc(len);
	assert_non_null(p);
	blobs[nblobs++] = p;
	memcpy(p, tb.b, len);
	memcpy(p + 4, &len, 4);
	return (const struct acpi_header *)p;
}

static const struct acpi_header *finish(void)
{
	return finish_len(tb.len);
}

static void drop_last_blob(void)
{
	free(blobs[--nblobs]);
}

/* QEMU's intel-iommu DMAR, roughly, plus an RMRR: the base of most tests. */
static void typical_dmar(void)
{
	dmar_begin(38, DMAR_FLAG_INTR_REMAP | DMAR_FLAG_X2APIC_OPT_OUT);
	drhd(0, 0, 0xfed91000, 2);
	rmrr(0x7d000000, 0x7d7fffff);
	drhd(DRHD_FLAG_INCLUDE_PCI_ALL, 0, 0xfed90000, 1);
	atsr();
}

/* ---- synthetic tables -------------------------------------------------------------- */

static void header_fields(void **state)
{
	(void)state;
	dmar_begin(38, DMAR_FLAG_INTR_REMAP | DMAR_FLAG_DMA_CTRL_OPT_IN);
	assert_int_equal(dmar_summarize(finish(), &sum), 0);
	/* The field holds width - 1. */
	assert_int_equal(sum.host_address_width, 39);
	assert_int_equal(sum.flags, DMAR_FLAG_INTR_REMAP | DMAR_FLAG_DMA_CTRL_OPT_IN);
	assert_int_equal(sum.unit_count, 0);
	assert_int_equal(sum.other_structures, 0);

	/* Extremes: no overflow into a byte. */
	dmar_begin(0xff, 0xff);
	assert_int_equal(dmar_summarize(finish(), &sum), 0);
	assert_int_equal(sum.host_address_width, 256);
	assert_int_equal(sum.flags, 0xff);
	dmar_begin(0, 0);
	assert_int_equal(dmar_summarize(finish(), &sum), 0);
	assert_int_equal(sum.host_address_width, 1);
	assert_int_equal(sum.flags, 0);
}

static void drhd_units(void **state)
{
	(void)state;
	dmar_begin(45, 0);
	drhd(0, 0, 0xfed90000, 0);
	drhd(0, 1, 0x3fffffe000ull, 3);   /* second segment, base above 4 GiB */
	drhd(DRHD_FLAG_INCLUDE_PCI_ALL, 0, 0xfed91000, 1);
	assert_int_equal(dmar_summarize(finish(), &sum), 0);
	assert_int_equal(sum.host_address_width, 46);
	assert_int_equal(sum.unit_count, 3);
	assert_int_equal(sum.other_structures, 0);
	assert_int_equal(sum.unit[0].register_base, 0xfed90000);
	assert_int_equal(sum.unit[0].segment, 0);
	assert_int_equal(sum.unit[0].flags, 0);
	assert_int_equal(sum.unit[1].register_base, 0x3fffffe000ull);
	assert_int_equal(sum.unit[1].segment, 1);
	assert_int_equal(sum.unit[2].flags, DRHD_FLAG_INCLUDE_PCI_ALL);
	assert_int_equal(sum.unit[2].register_base, 0xfed91000);
	assert_int_equal(log_stub_count[LOG_ERR], 0);
}

static void other_structures_counted(void **state)
{
	(void)state;
	dmar_begin(38, 0);
	rmrr(0x7d000000, 0x7d7fffff);
	drhd(0, 0, 0xfed90000, 0);
	atsr();
	rhsa(0xfed90000);
	raw_struct(4, 12);       /* ANDD */
	raw_struct(5, 16);       /* SATC */
	raw_struct(0x1234, 4);   /* unknown to everyone, header only */
	raw_struct(0, 12);       /* a DRHD too short to hold a register base */
	assert_int_equal(dmar_summarize(finish(), &sum), 0);
	assert_int_equal(sum.unit_count, 1);
	assert_int_equal(sum.unit[0].register_base, 0xfed90000);
	assert_int_equal(sum.other_structures, 7);
}

static void bad_structure_lengths(void **state)
{
	(void)state;
	/* Lengths 0..3 cannot hold the structure header. Zero would never
	 * advance: it must be refused, not loop (the watchdog says if it does). */
	watchdog_arm(__func__, 10);
	for (uint16_t len = 0; len < 4; len++) {
		typical_dmar();
		uint32_t bad_at = tb.len;
		put16(1);
		put16(len);
		drhd(0, 0, 0xfed92000, 0); /* something valid after it */
		log_stub_reset();
		assert_int_equal(dmar_summarize(finish(), &sum), -EINVAL);
		/* The offset is in the message; what came before is kept. */
		char where[16];
		snprintf(where, sizeof(where), "%#x", bad_at);
		assert_non_null(strstr(log_stub_last, where));
		assert_int_equal(log_stub_count[LOG_ERR], 1);
		assert_int_equal(sum.unit_count, 2);
		assert_int_equal(sum.other_structures, 2);
	}
	watchdog_disarm();

	/* A structure longer than what is left of the table. */
	typical_dmar();
	raw_struct(1, 32);
	tb.b[tb.len - 32 + 2] = 33;
	assert_int_equal(dmar_summarize(finish(), &sum), -EINVAL);
	typical_dmar();
	put16(0);
	put16(0xffff);
	assert_int_equal(dmar_summarize(finish(), &sum), -EINVAL);
	/* Fewer than 4 bytes left: not even a structure header. */
	typical_dmar();
	put16(0);
	put8(16);
	assert_int_equal(dmar_summarize(finish(), &sum), -EINVAL);
}

static void table_too_short(void **state)
{
	(void)state;
	dmar_begin(38, 1);
	/* 47 bytes: the reserved field is cut; nothing past it is read. */
	assert_int_equal(dmar_summarize(finish_len(47), &sum), -EINVAL);
	assert_int_equal(sum.unit_count, 0);
	assert_int_equal(log_stub_last_level, LOG_ERR);
	assert_int_equal(dmar_summarize(finish_len(36), &sum), -EINVAL);
	assert_int_equal(dmar_summarize(finish_len(8), &sum), -EINVAL);
	/* Exactly the fixed part: valid, with no units. */
	assert_int_equal(dmar_summarize(finish_len(48), &sum), 0);
	assert_int_equal(sum.host_address_width, 39);
	assert_int_equal(sum.unit_count, 0);
}

static void more_units_than_room(void **state)
{
	(void)state;
	dmar_begin(38, 0);
	for (unsigned i = 0; i < DMAR_MAX_UNITS + 4; i++)
		drhd(0, 0, 0xfed00000 + 0x1000 * i, 0);
	assert_int_equal(dmar_summarize(finish(), &sum), 0);
	assert_int_equal(sum.unit_count, DMAR_MAX_UNITS);
	assert_int_equal(sum.unit[DMAR_MAX_UNITS - 1].register_base,
			 0xfed00000 + 0x1000 * (DMAR_MAX_UNITS - 1));
}

/* Summarizes every truncation of the table in `tb`: the length field says
 * `len` and the buffer is exactly `len` bytes. Never a crash or a read past
 * the end (ASan); 0 exactly when the cut falls between structures, with
 * the units wholly inside counted; -EINVAL otherwise. */
static void truncate_everywhere(const char *name)
{
	uint32_t full = tb.len;
	static bool boundary[sizeof(tb.b) + 1];
	static unsigned units_before[sizeof(tb.b) + 1];
	unsigned units = 0;

	memset(boundary, 0, sizeof(boundary));
	boundary[48] = true;
	for (uint32_t off = 48; off < full;) {
		uint16_t type, len;
		memcpy(&type, tb.b + off, 2);
		memcpy(&len, tb.b + off + 2, 2);
		assert_true(len >= 4);
		off += len;
		if (type == 0 && len >= 16 && units < DMAR_MAX_UNITS)
			units++;
		assert_true(off <= full);
		boundary[off] = true;
		units_before[off] = units;
	}
	units_before[48] = 0;

	for (uint32_t len = 8; len <= full; len++) {
		int rc = dmar_summarize(finish_len(len), &sum);
		bool ok = len >= 48 && boundary[len];
		if (rc != (ok ? 0 : -EINVAL))
			fail_msg("%s cut at %u of %u: %d", name, len, full, rc);
		if (ok)
			assert_int_equal(sum.unit_count, units_before[len]);
		drop_last_blob();
	}
}

static void truncated_at_every_offset(void **state)
{
	(void)state;
	typical_dmar();
	rhsa(0xfed91000);
	raw_struct(0x77, 5);
	truncate_everywhere("typical");
}

/* ---- tables from real machines ---------------------------------------------------- */

/* What MANIFEST.tsv's bracketed summary says about a table:
 * "[HAW=46 INTR_REMAP X2APIC_OPT_OUT DRHDx4,RMRRx1,ATSRx1 ...]". */
struct expected {
	bool known;
	unsigned haw, drhd, others;
	uint8_t flags;
};

static struct expected manifest_entry(const char *file)
{
	struct expected x = { .known = false };
	FILE *f = fopen(REAL_TABLES_DIR "/MANIFEST.tsv", "r");
	char line[4096];

	if (!f)
		return x;
	while (fgets(line, sizeof(line), f)) {
		size_t fl = strlen(file);
		if (strncmp(line, file, fl) || line[fl] != '\t')
			continue;
		char *p = strstr(line, "[HAW="), *end = p ? strchr(p, ']') : NULL;
		if (!p || !end)
			break;
		*end = '\0';
		x.haw = (unsigned)strtoul(p + 5, NULL, 10);
		if (strstr(p, " INTR_REMAP"))
			x.flags |= DMAR_FLAG_INTR_REMAP;
		if (strstr(p, " X2APIC_OPT_OUT"))
			x.flags |= DMAR_FLAG_X2APIC_OPT_OUT;
		if (strstr(p, " DMA_CTRL_PLATFORM_OPT_IN"))
			x.flags |= DMAR_FLAG_DMA_CTRL_OPT_IN;
		/* The token listing structures: "DRHDx4,RMRRx1,ATSRx1". */
		char *tok = strstr(p, "DRHDx");
		if (!tok)
			break;
		char *tok_end = strchr(tok, ' ');
		if (tok_end)
			*tok_end = '\0';
		for (char *s = strtok(tok, ","); s; s = strtok(NULL, ",")) {
			char *xs = strrchr(s, 'x');
			if (!xs)
				continue;
			unsigned n = (unsigned)strtoul(xs + 1, NULL, 10);
			if (!strncmp(s, "DRHDx", 5))
				x.drhd = n;
			else
				x.others += n;
		}
		x.known = x.haw && x.drhd;
		break;
	}
	fclose(f);
	return x;
}

static const struct acpi_header *load(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	assert_true(size >= 36 && size <= (long)sizeof(tb.b));
	rewind(f);
	/* Into the builder too, for the truncation sweep. */
	memset(&tb, 0, sizeof(tb));
	assert_int_equal(fread(tb.b, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	tb.len = (uint32_t)size;
	uint32_t len;
	memcpy(&len, tb.b + 4, 4);
	assert_int_equal(len, tb.len); /* the dump is exactly one table */
	return finish();
}

static void real_tables(void **state)
{
	(void)state;
	DIR *d = opendir(REAL_TABLES_DIR);
	if (!d) {
		fprintf(stderr, "skipped: %s not found (run from the repository root "
				"with the shared tables beside it)\n", REAL_TABLES_DIR);
		skip();
	}
	unsigned n = 0, checked_against_manifest = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l <= 9 || strcmp(e->d_name + l - 9, ".DMAR.dat"))
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", REAL_TABLES_DIR, e->d_name);
		const struct acpi_header *h = load(path);
		assert_memory_equal(h->signature, "DMAR", 4);
		log_stub_reset();
		int rc = dmar_summarize(h, &sum);
		if (rc || sum.unit_count < 1)
			fail_msg("%s: rc %d, %u units (%s)", e->d_name, rc, sum.unit_count,
				 log_stub_last);
		assert_int_equal(log_stub_count[LOG_ERR], 0);

		struct expected x = manifest_entry(e->d_name);
		if (x.known) {
			if (sum.host_address_width != x.haw || sum.unit_count != x.drhd ||
			    sum.other_structures != x.others || (sum.flags & 7) != x.flags)
				fail_msg("%s: HAW %u units %u others %u flags %#x, manifest says "
					 "HAW %u DRHD %u others %u flags %#x", e->d_name,
					 sum.host_address_width, sum.unit_count,
					 sum.other_structures, sum.flags, x.haw, x.drhd,
					 x.others, x.flags);
			checked_against_manifest++;
		}
		drop_last_blob();
		truncate_everywhere(e->d_name);
		n++;
	}
	closedir(d);
	if (!n) {
		fprintf(stderr, "skipped: no *.DMAR.dat in %s\n", REAL_TABLES_DIR);
		skip();
	}
	/* With a manifest there, its summaries must have been understood for
	 * at least some tables, or the cross-check silently did nothing. */
	FILE *m = fopen(REAL_TABLES_DIR "/MANIFEST.tsv", "r");
	if (m) {
		fclose(m);
		assert_true(checked_against_manifest > 0);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(header_fields),
		T(drhd_units),
		T(other_structures_counted),
		T(bad_structure_lengths),
		T(table_too_short),
		T(more_units_than_room),
		T(truncated_at_every_offset),
		T(real_tables),
	};
#undef T
	return cmocka_run_group_tests_name("dmar_summary", tests, NULL, NULL);
}
