/* arch/x86/madt.c and arch/x86/mcfg.c over synthetic tables, truncated
 * tables, and (when ../shared/dmar is there) tables from real machines. */
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
#include "arch/x86/madt.h"
#include "arch/x86/mcfg.h"
#include "tests/unit/log_stub.h"
#include "tests/unit/watchdog.h"

#define REAL_TABLES_DIR "../shared/dmar"

/* ---- a growable table ------------------------------------------------------------ */

/* A table under construction: header, then bytes appended. finish() copies
 * it into a buffer of exactly its length, so ASan sees any read past it. */
struct builder {
	uint8_t b[8192];
	uint32_t len;
};

static struct builder tb;
static void *blobs[64];
static unsigned nblobs;
static struct madt_info madt;
static struct mcfg_info mcfg;

static int setup(void **state)
{
	(void)state;
	nblobs = 0;
	memset(&madt, 0xcc, sizeof(madt)); /* the parsers must clear their output */
	memset(&mcfg, 0xcc, sizeof(mcfg));
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

static void begin(const char sig[4])
{
	memset(&tb, 0, sizeof(tb));
	put(sig, 4);
	put32(0);          /* length, set by finish() */
	put8(1);           /* revision */
	put8(0);           /* checksum (not checked by these parsers) */
	put("HVTEST", 6);
	put("UNITTEST", 8);
	put32(1);
	put32(0);
	put32(0);
	assert_int_equal(tb.len, 36);
}

/* A copy of `len` bytes of the table with its length field set to `len`. */
static const struct acpi_header *finish_len(uint32_t len)
{
	assert_true(nblobs < sizeof(blobs) / sizeof(blobs[0]));
	uint8_t *p = malloc(len ? len : 1);
	assert_non_null(p);
	blobs[nblobs++] = p;
	memcpy(p, tb.b, len);
	if (len >= 8)
		memcpy(p + 4, &len, 4);
	return (const struct acpi_header *)p;
}

static const struct acpi_header *finish(void)
{
	return finish_len(tb.len);
}

/* ---- MADT (ACPI 6.5, 5.2.12) ------------------------------------------------------ */

#define LAPIC_ENABLED 1u
#define LAPIC_ONLINE_CAPABLE 2u

static void madt_begin(uint32_t lapic_address, uint32_t flags)
{
	begin("APIC");
	put32(lapic_address);
	put32(flags);
}

/* Type 0, length 8: ACPI processor UID, APIC ID, flags. */
static void lapic(uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	put8(0); put8(8); put8(uid); put8(apic_id); put32(flags);
}

/* Type 9, length 16: reserved, x2APIC ID, flags, UID. */
static void x2apic(uint32_t apic_id, uint32_t flags, uint32_t uid)
{
	put8(9); put8(16); put16(0); put32(apic_id); put32(flags); put32(uid);
}

/* Type 1, length 12: IOAPIC ID, reserved, address, GSI base. */
static void ioapic(uint8_t id, uint32_t address, uint32_t gsi_base)
{
	put8(1); put8(12); put8(id); put8(0); put32(address); put32(gsi_base);
}

/* Type 2, length 10: bus, source, GSI, flags. */
static void override(uint8_t source, uint32_t gsi, uint16_t flags)
{
	put8(2); put8(10); put8(0); put8(source); put32(gsi); put16(flags);
}

/* Any structure: type, length, then length - 2 filler bytes. */
static void raw_entry(uint8_t type, uint8_t len)
{
	put8(type);
	put8(len);
	for (unsigned i = 2; i < len; i++)
		put8(0xa0 + i);
}

/* The QEMU-like table several tests start from. */
static void typical_madt(void)
{
	madt_begin(0xfee00000, 1);
	lapic(0, 0, LAPIC_ENABLED);
	lapic(1, 1, LAPIC_ENABLED);
	ioapic(0, 0xfec00000, 0);
	override(0, 2, 0);
	override(9, 9, 0xd);
	raw_entry(4, 6); /* local APIC NMI */
}

static void madt_lapic_entries(void **state)
{
	(void)state;
	madt_begin(0xfee00000, 1);
	lapic(0, 0, LAPIC_ENABLED);
	lapic(1, 2, 0);                     /* disabled, not online-capable */
	lapic(2, 4, LAPIC_ONLINE_CAPABLE);  /* can be brought online: counted */
	lapic(3, 6, LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE);
	lapic(4, 255, LAPIC_ENABLED | 0xfffffffcu); /* reserved bits ignored */
	assert_int_equal(madt_parse(finish(), &madt), 0);
	assert_int_equal(madt.lapic_address, 0xfee00000);
	assert_true(madt.pcat_compat);
	assert_int_equal(madt.cpu_count, 4);
	assert_int_equal(madt.cpu_apic_id[0], 0);
	assert_int_equal(madt.cpu_apic_id[1], 4);
	assert_int_equal(madt.cpu_apic_id[2], 6);
	assert_int_equal(madt.cpu_apic_id[3], 255);
	assert_int_equal(madt.ioapic_count, 0);
	assert_int_equal(madt.override_count, 0);
	assert_int_equal(madt.skipped_entries, 0);
}

static void madt_x2apic_entries(void **state)
{
	(void)state;
	madt_begin(0xfee00000, 0);
	x2apic(0x100, LAPIC_ENABLED, 0);
	x2apic(0x101, 0, 1);                    /* disabled */
	x2apic(0xffffffffu, LAPIC_ONLINE_CAPABLE, 2);
	lapic(3, 7, LAPIC_ENABLED);             /* mixed with xAPIC entries */
	assert_int_equal(madt_parse(finish(), &madt), 0);
	assert_false(madt.pcat_compat);
	assert_int_equal(madt.cpu_count, 3);
	assert_int_equal(madt.cpu_apic_id[0], 0x100);
	assert_int_equal(madt.cpu_apic_id[1], 0xffffffffu);
	assert_int_equal(madt.cpu_apic_id[2], 7);
}

static void madt_ioapics_and_overrides(void **state)
{
	(void)state;
	typical_madt();
	ioapic(8, 0xfec01000, 24);
	assert_int_equal(madt_parse(finish(), &madt), 0);
	assert_int_equal(madt.cpu_count, 2);
	assert_int_equal(madt.ioapic_count, 2);
	assert_int_equal(madt.ioapic[0].id, 0);
	assert_int_equal(madt.ioapic[0].address, 0xfec00000);
	assert_int_equal(madt.ioapic[0].gsi_base, 0);
	assert_int_equal(madt.ioapic[1].id, 8);
	assert_int_equal(madt.ioapic[1].address, 0xfec01000);
	assert_int_equal(madt.ioapic[1].gsi_base, 24);
	assert_int_equal(madt.override_count, 2);
	assert_int_equal(madt.skipped_entries, 1); /* the NMI entry */

	/* IRQ 0 moved to GSI 2; IRQ 9 level, active high (0xd); others as is. */
	uint16_t flags = 0xffff;
	assert_int_equal(madt_isa_gsi(&madt, 0, &flags), 2);
	assert_int_equal(flags, 0);
	assert_int_equal(madt_isa_gsi(&madt, 9, &flags), 9);
	assert_int_equal(flags & MADT_INTI_TRIGGER_MASK, MADT_INTI_LEVEL);
	assert_int_equal(flags & MADT_INTI_POLARITY_MASK, 1);
	assert_int_equal(madt_isa_gsi(&madt, 8, &flags), 8);
	assert_int_equal(flags, 0);
}

static void madt_unknown_and_short_entries_skipped(void **state)
{
	(void)state;
	madt_begin(0xfee00000, 1);
	raw_entry(0x7f, 5);   /* unknown type, odd length */
	raw_entry(0xff, 2);   /* unknown, header only */
	raw_entry(0, 6);      /* a local APIC entry too short to hold flags */
	raw_entry(9, 12);     /* an x2APIC entry too short */
	raw_entry(1, 8);      /* an IOAPIC entry too short */
	raw_entry(2, 9);      /* an override too short */
	lapic(0, 3, LAPIC_ENABLED);
	raw_entry(0x10, 40);  /* long unknown one */
	assert_int_equal(madt_parse(finish(), &madt), 0);
	assert_int_equal(madt.skipped_entries, 7);
	assert_int_equal(madt.cpu_count, 1);
	assert_int_equal(madt.cpu_apic_id[0], 3);
	assert_int_equal(madt.ioapic_count, 0);
	assert_int_equal(madt.override_count, 0);

	/* Longer than the minimum (a later revision's extension) is fine. */
	madt_begin(0xfee00000, 1);
	put8(0); put8(12); put8(0); put8(9); put32(LAPIC_ENABLED); put32(0);
	assert_int_equal(madt_parse(finish(), &madt), 0);
	assert_int_equal(madt.cpu_count, 1);
	assert_int_equal(madt.cpu_apic_id[0], 9);
}

static void madt_entry_past_end(void **state)
{
	(void)state;
	typical_madt();
	lapic(7, 7, LAPIC_ENABLED);
	/* The last entry claims 8 bytes, the table ends 1 byte short. */
	assert_int_equal(madt_parse(finish_len(tb.len - 1), &madt), -EINVAL);
	assert_int_equal(log_stub_last_level, LOG_ERR);
	/* What came before is kept. */
	assert_int_equal(madt.cpu_count, 2);
	assert_int_equal(madt.ioapic_count, 1);
	assert_int_equal(madt.override_count, 2);

	/* Only the type byte of an entry left. */
	typical_madt();
	put8(0);
	assert_int_equal(madt_parse(finish(), &madt), -EINVAL);

	/* An entry whose length runs far past the table. */
	typical_madt();
	raw_entry(0x42, 2);
	tb.b[tb.len - 1] = 0xff;
	assert_int_equal(madt_parse(finish(), &madt), -EINVAL);
}

static void madt_zero_length_entry(void **state)
{
	(void)state;
	/* A zero-length entry would never advance: it must be refused, not
	 * loop. Length 1 likewise cannot even hold the entry header. */
	watchdog_arm(__func__, 10);
	for (uint8_t len = 0; len < 2; len++) {
		typical_madt();
		put8(0x42);
		put8(len);
		put(tb.b + 44, 8); /* something after it */
		assert_int_equal(madt_parse(finish(), &madt), -EINVAL);
		assert_int_equal(madt.cpu_count, 2);
	}
	watchdog_disarm();
}

static void madt_too_short(void **state)
{
	(void)state;
	madt_begin(0xfee00000, 1);
	/* 43 bytes: the flags field is cut. Nothing beyond it may be read. */
	assert_int_equal(madt_parse(finish_len(43), &madt), -EINVAL);
	assert_int_equal(madt.cpu_count, 0);
	assert_int_equal(madt_parse(finish_len(36), &madt), -EINVAL);
	/* Exactly the fixed part: a valid, empty MADT. */
	assert_int_equal(madt_parse(finish_len(44), &madt), 0);
	assert_int_equal(madt.lapic_address, 0xfee00000);
	assert_int_equal(madt.cpu_count, 0);
	assert_int_equal(madt.skipped_entries, 0);
}

static void madt_limits(void **state)
{
	(void)state;
	madt_begin(0xfee00000, 1);
	for (unsigned i = 0; i < MADT_MAX_CPUS + 10; i++)
		x2apic(i, LAPIC_ENABLED, i);
	for (unsigned i = 0; i < MADT_MAX_IOAPICS + 3; i++)
		ioapic((uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
	assert_int_equal(madt_parse(finish(), &madt), 0);
	assert_int_equal(madt.cpu_count, MADT_MAX_CPUS);
	assert_int_equal(madt.cpu_apic_id[MADT_MAX_CPUS - 1], MADT_MAX_CPUS - 1);
	assert_int_equal(madt.ioapic_count, MADT_MAX_IOAPICS);
	assert_int_equal(madt.ioapic[MADT_MAX_IOAPICS - 1].gsi_base, (MADT_MAX_IOAPICS - 1) * 24);
	assert_int_equal(madt.skipped_entries, 10 + 3);
}

/* Every truncation of a valid MADT: never a crash or an out-of-bounds read
 * (the buffer is exactly `len` bytes), 0 exactly at entry boundaries. */
static void madt_truncated_everywhere(void **state)
{
	(void)state;
	typical_madt();
	x2apic(0x200, LAPIC_ENABLED, 5);
	raw_entry(0x33, 3);
	uint32_t full = tb.len;
	/* Offsets at which the entry list may end cleanly. */
	bool boundary[8192] = { false };
	for (uint32_t off = 44; off < full; off += tb.b[off + 1])
		boundary[off] = true;
	boundary[full] = true;

	for (uint32_t len = 8; len <= full; len++) {
		int rc = madt_parse(finish_len(len), &madt);
		if (len < 44)
			assert_int_equal(rc, -EINVAL);
		else
			assert_int_equal(rc, boundary[len] ? 0 : -EINVAL);
		free(blobs[--nblobs]);
	}
}

/* ---- MCFG (PCI Firmware Specification 3.2, 4.1.2) ----------------------------------- */

static void mcfg_begin(void)
{
	begin("MCFG");
	put64(0); /* reserved */
}

static void mcfg_entry(uint64_t base, uint16_t segment, uint8_t start_bus, uint8_t end_bus)
{
	put64(base); put16(segment); put8(start_bus); put8(end_bus); put32(0);
}

static void mcfg_one_window(void **state)
{
	(void)state;
	mcfg_begin();
	mcfg_entry(0xb0000000, 0, 0, 255);
	assert_int_equal(mcfg_parse(finish(), &mcfg), 0);
	assert_int_equal(mcfg.count, 1);
	assert_int_equal(mcfg.window[0].base, 0xb0000000);
	assert_int_equal(mcfg.window[0].segment, 0);
	assert_int_equal(mcfg.window[0].start_bus, 0);
	assert_int_equal(mcfg.window[0].end_bus, 255);
	assert_int_equal(log_stub_count[LOG_WARN], 0);
}

static void mcfg_two_windows(void **state)
{
	(void)state;
	mcfg_begin();
	mcfg_entry(0xe0000000, 0, 0, 0x3f);
	mcfg_entry(0x3f0000000000ull, 1, 0x80, 0xff); /* base above 4 GiB */
	assert_int_equal(mcfg_parse(finish(), &mcfg), 0);
	assert_int_equal(mcfg.count, 2);
	assert_int_equal(mcfg.window[0].base, 0xe0000000);
	assert_int_equal(mcfg.window[0].end_bus, 0x3f);
	assert_int_equal(mcfg.window[1].base, 0x3f0000000000ull);
	assert_int_equal(mcfg.window[1].segment, 1);
	assert_int_equal(mcfg.window[1].start_bus, 0x80);
	assert_int_equal(mcfg.window[1].end_bus, 0xff);
}

static void mcfg_bad_entries_skipped(void **state)
{
	(void)state;
	mcfg_begin();
	mcfg_entry(0, 0, 0, 255);              /* no base */
	mcfg_entry(0xb0000000, 0, 10, 9);      /* start bus after end bus */
	mcfg_entry(0xb0080000, 0, 0, 255);     /* not 1 MiB aligned */
	mcfg_entry(0xc0000000, 2, 5, 5);       /* good: one bus */
	assert_int_equal(mcfg_parse(finish(), &mcfg), 0);
	assert_int_equal(mcfg.count, 1);
	assert_int_equal(mcfg.window[0].base, 0xc0000000);
	assert_int_equal(mcfg.window[0].segment, 2);
	assert_int_equal(log_stub_count[LOG_WARN], 3);
}

static void mcfg_lengths(void **state)
{
	(void)state;
	mcfg_begin();
	/* Shorter than header + reserved field. */
	assert_int_equal(mcfg_parse(finish_len(43), &mcfg), -EINVAL);
	assert_int_equal(mcfg.count, 0);
	assert_int_equal(log_stub_count[LOG_ERR], 1);
	/* No entries at all. */
	assert_int_equal(mcfg_parse(finish_len(44), &mcfg), 0);
	assert_int_equal(mcfg.count, 0);
	/* A partial trailing entry is ignored, and not read (exact buffer). */
	mcfg_entry(0xb0000000, 0, 0, 255);
	mcfg_entry(0xc0000000, 1, 0, 255);
	for (uint32_t len = 44; len <= tb.len; len++) {
		assert_int_equal(mcfg_parse(finish_len(len), &mcfg), 0);
		assert_int_equal(mcfg.count, (len - 44) / 16);
		free(blobs[--nblobs]);
	}
}

static void mcfg_too_many(void **state)
{
	(void)state;
	mcfg_begin();
	for (unsigned i = 0; i < MCFG_MAX_SEGMENTS + 2; i++)
		mcfg_entry(0x100000000ull * (i + 1), (uint16_t)i, 0, 255);
	assert_int_equal(mcfg_parse(finish(), &mcfg), 0);
	assert_int_equal(mcfg.count, MCFG_MAX_SEGMENTS);
	assert_int_equal(mcfg.window[MCFG_MAX_SEGMENTS - 1].segment, MCFG_MAX_SEGMENTS - 1);
	assert_int_equal(log_stub_count[LOG_WARN], 1);
}

/* ---- tables from real machines ------------------------------------------------------ */

/* Reads a whole file into an exact-size buffer (freed by the teardown). */
static const struct acpi_header *load(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	assert_true(size >= 36);
	rewind(f);
	assert_true(nblobs < sizeof(blobs) / sizeof(blobs[0]));
	uint8_t *p = malloc((size_t)size);
	assert_non_null(p);
	blobs[nblobs++] = p;
	assert_int_equal(fread(p, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	uint32_t len;
	memcpy(&len, p + 4, 4);
	assert_int_equal(len, (uint32_t)size); /* the dump is exactly one table */
	return (const struct acpi_header *)p;
}

/* Calls fn for every REAL_TABLES_DIR file ending in `suffix`; skips the
 * test (with the reason on stderr) when the directory is not there. */
static void for_each_real(const char *suffix, void (*fn)(const char *path,
							 const struct acpi_header *h))
{
	DIR *d = opendir(REAL_TABLES_DIR);
	if (!d) {
		fprintf(stderr, "skipped: %s not found (run from the repository root "
				"with the shared tables beside it)\n", REAL_TABLES_DIR);
		skip();
	}
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);
		if (l <= sl || strcmp(e->d_name + l - sl, suffix))
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", REAL_TABLES_DIR, e->d_name);
		fn(path, load(path));
		free(blobs[--nblobs]);
		n++;
	}
	closedir(d);
	if (!n) {
		fprintf(stderr, "skipped: no *%s in %s\n", suffix, REAL_TABLES_DIR);
		skip();
	}
}

static void check_real_madt(const char *path, const struct acpi_header *h)
{
	log_stub_reset();
	int rc = madt_parse(h, &madt);
	if (rc)
		fail_msg("%s: madt_parse %d (%s)", path, rc, log_stub_last);
	assert_memory_equal(h->signature, "APIC", 4);
	assert_int_equal(madt.lapic_address, 0xfee00000);
	assert_true(madt.cpu_count >= 1);
	assert_true(madt.ioapic_count >= 1);
	for (unsigned i = 0; i < madt.ioapic_count; i++)
		assert_int_equal(madt.ioapic[i].address % 1024, 0);
	assert_int_equal(log_stub_count[LOG_ERR], 0);
}

static void madt_real_tables(void **state)
{
	(void)state;
	for_each_real(".APIC.dat", check_real_madt);
}

static void check_real_mcfg(const char *path, const struct acpi_header *h)
{
	log_stub_reset();
	int rc = mcfg_parse(h, &mcfg);
	if (rc)
		fail_msg("%s: mcfg_parse %d (%s)", path, rc, log_stub_last);
	assert_memory_equal(h->signature, "MCFG", 4);
	assert_true(mcfg.count >= 1);
	assert_int_equal(mcfg.window[0].segment, 0);
	assert_int_equal(mcfg.window[0].start_bus, 0);
	assert_int_equal(log_stub_count[LOG_WARN] + log_stub_count[LOG_ERR], 0);
}

static void mcfg_real_tables(void **state)
{
	(void)state;
	for_each_real(".MCFG.dat", check_real_mcfg);
}

/* cmocka's skip() takes no reason; tap2results.py reads what follows a
 * skipped test's name as one, so the name carries it when the tables are
 * absent. */
static const char *real_name(const char *name)
{
	static char names[2][160];
	static unsigned used;
	DIR *d = opendir(REAL_TABLES_DIR);

	if (d) {
		closedir(d);
		return name;
	}
	char *out = names[used++ % 2];
	snprintf(out, sizeof(names[0]), "%s no %s: the real tables sit beside the clone in CI",
		 name, REAL_TABLES_DIR);
	return out;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(madt_lapic_entries),
		T(madt_x2apic_entries),
		T(madt_ioapics_and_overrides),
		T(madt_unknown_and_short_entries_skipped),
		T(madt_entry_past_end),
		T(madt_zero_length_entry),
		T(madt_too_short),
		T(madt_limits),
		T(madt_truncated_everywhere),
		{ real_name("madt_real_tables"), madt_real_tables, setup, teardown, NULL },
		T(mcfg_one_window),
		T(mcfg_two_windows),
		T(mcfg_bad_entries_skipped),
		T(mcfg_lengths),
		T(mcfg_too_many),
		{ real_name("mcfg_real_tables"), mcfg_real_tables, setup, teardown, NULL },
	};
#undef T
	return cmocka_run_group_tests_name("madt_mcfg", tests, NULL, NULL);
}
