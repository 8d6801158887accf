/* arch/x86/acpi.c: RSDP/XSDT validation, the table list, acpi_find and the
 * timer lookup, over synthetic tables in host memory (host pointers play
 * the physical addresses, as the identity map makes them in the hypervisor). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "tests/unit/log_stub.h"

/* ---- building tables ------------------------------------------------------------ */

/* Every buffer a test builds, freed by the teardown. */
static void *blobs[256];
static unsigned nblobs;
static struct acpi_tables tables;

static int setup(void **state)
{
	(void)state;
	nblobs = 0;
	memset(&tables, 0xcc, sizeof(tables)); /* acpi_tables_init must clear it */
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

/* `len` zeroed bytes at `misalign` bytes past a 16-byte boundary, so ASan
 * sees exactly the table and nothing after it. */
static uint8_t *zalloc_at(size_t len, size_t misalign)
{
	assert_true(nblobs < sizeof(blobs) / sizeof(blobs[0]));
	uint8_t *p = calloc(1, len + misalign);
	assert_non_null(p);
	blobs[nblobs++] = p;
	return p + misalign;
}

static uint64_t addr_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void put_u32(void *base, size_t off, uint32_t v) { memcpy((uint8_t *)base + off, &v, 4); }
static void put_u64(void *base, size_t off, uint64_t v) { memcpy((uint8_t *)base + off, &v, 8); }

static uint8_t sum8(const void *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s += ((const uint8_t *)p)[i];
	return s;
}

/* Sets the checksum byte at `at` so that the first `len` bytes sum to 0. */
static void fix_sum(void *p, size_t len, size_t at)
{
	uint8_t *b = p;
	b[at] = 0;
	b[at] = (uint8_t)-sum8(p, len);
}

/* A system description table: the 36-byte header (ACPI 6.5, 5.2.6) with
 * signature, length and revision, and a body of zeros; checksum right. */
static uint8_t *make_table_at(const char sig[4], uint32_t len, size_t misalign)
{
	uint8_t *t = zalloc_at(len, misalign);
	memcpy(t, sig, 4);
	put_u32(t, 4, len);
	t[8] = 1;                     /* revision */
	memcpy(t + 10, "HVTEST", 6);  /* OEM ID */
	memcpy(t + 16, "UNITTEST", 8);
	fix_sum(t, len, 9);
	return t;
}

static uint8_t *make_table(const char sig[4], uint32_t len)
{
	return make_table_at(sig, len, 0);
}

static void refix(uint8_t *table)
{
	uint32_t len;
	memcpy(&len, table + 4, 4);
	fix_sum(table, len, 9);
}

/* An XSDT listing `n` addresses; its entries start at offset 36, so they
 * are 4-byte but not 8-byte aligned whenever the table itself is. */
static uint8_t *make_xsdt_at(const uint64_t *addr, unsigned n, size_t misalign)
{
	uint8_t *x = make_table_at("XSDT", 36 + 8 * n, misalign);
	for (unsigned i = 0; i < n; i++)
		put_u64(x, 36 + 8 * i, addr[i]);
	refix(x);
	return x;
}

static uint8_t *make_xsdt(const uint64_t *addr, unsigned n)
{
	return make_xsdt_at(addr, n, 0);
}

/* The RSDP (5.2.5.3): 20 bytes covered by the first checksum, 36 by the
 * extended one. Written byte by byte, independently of acpi.c's struct. */
#define RSDP_LEN 36
static uint8_t *make_rsdp_at(uint64_t xsdt, uint8_t revision, size_t misalign)
{
	uint8_t *r = zalloc_at(RSDP_LEN, misalign);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "HVTEST", 6);
	r[15] = revision;
	put_u32(r, 16, 0xdead0000); /* RSDT: never to be used */
	put_u32(r, 20, RSDP_LEN);
	put_u64(r, 24, xsdt);
	fix_sum(r, 20, 8);
	fix_sum(r, RSDP_LEN, 32);
	return r;
}

static uint8_t *make_rsdp(const uint8_t *xsdt)
{
	return make_rsdp_at(addr_of(xsdt), 2, 0);
}

/* The usual trio, listed in this order by the XSDT. */
static uint8_t *facp, *apic, *hpet;
static uint8_t *standard_rsdp(void)
{
	facp = make_table("FACP", 276);
	apic = make_table("APIC", 44);
	hpet = make_table("HPET", 56);
	uint64_t list[] = { addr_of(facp), addr_of(apic), addr_of(hpet) };
	return make_rsdp(make_xsdt(list, 3));
}

/* ---- acpi_checksum_ok ------------------------------------------------------------ */

static void checksum(void **state)
{
	(void)state;
	uint8_t b[5] = { 0x10, 0x20, 0x30, 0x40, 0 };
	b[4] = (uint8_t)-(0x10 + 0x20 + 0x30 + 0x40);
	assert_true(acpi_checksum_ok(b, 5));
	assert_false(acpi_checksum_ok(b, 4));
	b[2] ^= 1;
	assert_false(acpi_checksum_ok(b, 5));
	/* Nothing sums to zero. */
	assert_true(acpi_checksum_ok(b, 0));
	/* Wrap-around: 0xff + 0x01 == 0 mod 256. */
	uint8_t w[2] = { 0xff, 0x01 };
	assert_true(acpi_checksum_ok(w, 2));
	/* A real-sized table built by the helpers. */
	uint8_t *t = make_table("SSDT", 4096);
	assert_true(acpi_checksum_ok(t, 4096));
	t[100] = 1;
	assert_false(acpi_checksum_ok(t, 4096));
}

/* ---- acpi_tables_init ------------------------------------------------------------ */

static void init_valid(void **state)
{
	(void)state;
	const uint8_t *rsdp = standard_rsdp();
	assert_int_equal(acpi_tables_init(&tables, rsdp), 0);
	assert_int_equal(tables.rsdp_revision, 2);
	assert_true(tables.rsdp_checksum_ok);
	assert_true(tables.xsdt_checksum_ok);
	assert_non_null(tables.xsdt);
	assert_memory_equal(tables.xsdt->signature, "XSDT", 4);
	assert_int_equal(tables.count, 3);
	assert_ptr_equal(tables.table[0].header, facp);
	assert_ptr_equal(tables.table[1].header, apic);
	assert_ptr_equal(tables.table[2].header, hpet);
	for (unsigned i = 0; i < 3; i++)
		assert_true(tables.table[i].checksum_ok);
	assert_int_equal(log_stub_count[LOG_ERR] + log_stub_count[LOG_WARN], 0);
}

/* RSDP and XSDT at odd addresses: every multi-byte field misaligned.
 * UBSan's alignment check would catch a plain 8-byte load. */
static void init_misaligned(void **state)
{
	(void)state;
	uint8_t *t1 = make_table_at("SSDT", 40, 3);
	uint8_t *t2 = make_table_at("DMAR", 48, 5);
	uint64_t list[] = { addr_of(t1), addr_of(t2) };
	uint8_t *x = make_xsdt_at(list, 2, 1);
	assert_int_not_equal(addr_of(x) % 2, 0);
	const uint8_t *r = make_rsdp_at(addr_of(x), 2, 7);
	assert_int_equal(acpi_tables_init(&tables, r), 0);
	assert_true(tables.rsdp_checksum_ok);
	assert_true(tables.xsdt_checksum_ok);
	assert_int_equal(tables.count, 2);
	assert_ptr_equal(tables.table[0].header, t1);
	assert_ptr_equal(tables.table[1].header, t2);
}

static void init_later_revision(void **state)
{
	(void)state;
	uint64_t list[] = { addr_of(make_table("SSDT", 36)) };
	assert_int_equal(acpi_tables_init(&tables, make_rsdp_at(addr_of(make_xsdt(list, 1)), 3, 0)), 0);
	assert_int_equal(tables.rsdp_revision, 3);
	assert_int_equal(tables.count, 1);
}

static void bad_rsdp_signature(void **state)
{
	(void)state;
	uint8_t *r = standard_rsdp();
	r[3] = 'X'; /* "RSD XTR " */
	fix_sum(r, 20, 8);
	fix_sum(r, RSDP_LEN, 32);
	assert_int_equal(acpi_tables_init(&tables, r), -ENOENT);
	assert_int_equal(tables.count, 0);
	assert_null(tables.xsdt);
	assert_int_equal(log_stub_count[LOG_ERR], 1);
	/* The trailing space is part of the signature. */
	memcpy(r, "RSD PTR", 8); /* ...and a NUL instead */
	assert_int_equal(acpi_tables_init(&tables, r), -ENOENT);
	assert_int_equal(acpi_tables_init(&tables, NULL), -ENOENT);
	assert_int_equal(tables.count, 0);
}

/* A copy of `len` bytes at `src` placed below 2 GiB, where a 32-bit RSDT
 * entry can name it (never freed: the test process is short). */
static uint8_t *low_copy(const uint8_t *src, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		       -1, 0);
	assert_true(p != MAP_FAILED);
	assert_true((uintptr_t)p + len <= UINT32_MAX);
	memcpy(p, src, len);
	return p;
}

/* An ACPI 1.0 RSDT (5.2.7) listing `n` 32-bit addresses, itself below 4 GiB. */
static uint8_t *make_rsdt(const char sig[4], const uint32_t *addr, unsigned n)
{
	uint8_t *t = make_table(sig, 36 + 4 * n);
	for (unsigned i = 0; i < n; i++)
		put_u32(t, 36 + 4 * i, addr[i]);
	refix(t);
	return low_copy(t, 36 + 4 * n);
}

/* The 20-byte ACPI 1.0 RSDP, exactly that long so ASan catches any read of
 * the (absent) extended fields. */
static uint8_t *make_rsdp_v1(uint8_t revision, uint32_t rsdt)
{
	uint8_t *r = zalloc_at(20, 0);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BOCHS ", 6);
	r[15] = revision;
	put_u32(r, 16, rsdt);
	fix_sum(r, 20, 8);
	return r;
}

static void rsdp_revision_0_reads_the_rsdt(void **state)
{
	(void)state;
	uint8_t *fadt = low_copy(make_table("FACP", 116), 116);
	uint8_t *madt = low_copy(make_table("APIC", 44), 44);
	uint32_t list[] = { (uint32_t)(uintptr_t)fadt, (uint32_t)(uintptr_t)madt };
	uint8_t *rsdt = make_rsdt("RSDT", list, 2);

	assert_int_equal(acpi_tables_init(&tables, make_rsdp_v1(0, (uint32_t)(uintptr_t)rsdt)), 0);
	assert_int_equal(tables.rsdp_revision, 0);
	assert_true(tables.rsdp_checksum_ok);
	assert_true(tables.rsdt);
	assert_ptr_equal(tables.xsdt, rsdt);
	assert_true(tables.xsdt_checksum_ok);
	assert_int_equal(tables.count, 2);
	assert_ptr_equal(acpi_find(&tables, "FACP", 0)->header, fadt);
	assert_ptr_equal(acpi_find(&tables, "APIC", 0)->header, madt);
	assert_int_equal(log_stub_count[LOG_WARN] + log_stub_count[LOG_ERR], 0);
	/* Revision 1 is ACPI 1.0 too. */
	assert_int_equal(acpi_tables_init(&tables, make_rsdp_v1(1, (uint32_t)(uintptr_t)rsdt)), 0);
	assert_int_equal(tables.count, 2);
}

static void rsdp_revision_0_needs_an_rsdt(void **state)
{
	(void)state;
	uint32_t none = 0;
	/* An XSDT where the RSDT should be is refused, as is no address. */
	uint8_t *x = make_rsdt("XSDT", &none, 0);
	assert_int_equal(acpi_tables_init(&tables, make_rsdp_v1(0, (uint32_t)(uintptr_t)x)),
			 -EINVAL);
	assert_null(tables.xsdt);
	assert_int_equal(tables.count, 0);
	assert_int_equal(log_stub_last_level, LOG_ERR);
	assert_non_null(strstr(log_stub_last, "RSDT"));
	assert_int_equal(acpi_tables_init(&tables, make_rsdp_v1(0, 0)), -EINVAL);
	/* A bad first checksum is flagged, the tables still read. */
	uint8_t *rsdt = make_rsdt("RSDT", &none, 0);
	uint8_t *r = make_rsdp_v1(0, (uint32_t)(uintptr_t)rsdt);
	r[8] ^= 1;
	assert_int_equal(acpi_tables_init(&tables, r), 0);
	assert_false(tables.rsdp_checksum_ok);
}

static void rsdp_bad_checksums_flagged(void **state)
{
	(void)state;
	/* Either checksum wrong, or a length too short for the extended
	 * structure: flagged, logged, yet the tables are still read. */
	for (int kind = 0; kind < 4; kind++) {
		uint8_t *r = standard_rsdp();
		switch (kind) {
		case 0: r[9] ^= 0x20; fix_sum(r, RSDP_LEN, 32); break; /* first sum off */
		case 1: r[33] = 1; break;                     /* only the extended sum */
		case 2: put_u32(r, 20, 20); fix_sum(r, 20, 8); fix_sum(r, RSDP_LEN, 32); break;
		case 3: put_u32(r, 20, 0xffffffff); fix_sum(r, 20, 8); fix_sum(r, RSDP_LEN, 32); break;
		}
		log_stub_reset();
		assert_int_equal(acpi_tables_init(&tables, r), 0);
		assert_false(tables.rsdp_checksum_ok);
		assert_int_equal(tables.count, 3);
		assert_int_equal(log_stub_count[LOG_WARN], 1);
	}
}

static void bad_xsdt(void **state)
{
	(void)state;
	/* No XSDT address. */
	assert_int_equal(acpi_tables_init(&tables, make_rsdp_at(0, 2, 0)), -EINVAL);
	assert_null(tables.xsdt);
	assert_int_equal(log_stub_last_level, LOG_ERR);

	/* An RSDT where the XSDT should be. */
	uint8_t *x = make_xsdt(NULL, 0);
	memcpy(x, "RSDT", 4);
	refix(x);
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(x)), -EINVAL);

	/* Length shorter than a header. */
	x = make_xsdt(NULL, 0);
	put_u32(x, 4, 35);
	refix(x);
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(x)), -EINVAL);

	/* Length absurdly large (the buffer is 36 bytes: it must not be read). */
	x = make_xsdt(NULL, 0);
	put_u32(x, 4, 0x80000000u);
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(x)), -EINVAL);
	assert_int_equal(tables.count, 0);
}

static void xsdt_bad_checksum_flagged(void **state)
{
	(void)state;
	uint64_t list[] = { addr_of(make_table("SSDT", 36)) };
	uint8_t *x = make_xsdt(list, 1);
	x[9] ^= 0x55;
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(x)), 0);
	assert_false(tables.xsdt_checksum_ok);
	assert_true(tables.rsdp_checksum_ok);
	assert_int_equal(tables.count, 1);
	assert_int_equal(log_stub_count[LOG_WARN], 1);
}

static void empty_xsdt(void **state)
{
	(void)state;
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(make_xsdt(NULL, 0))), 0);
	assert_int_equal(tables.count, 0);
	assert_null(acpi_find(&tables, "FACP", 0));
	/* A length with a partial last entry: the fraction is ignored. */
	uint64_t list[] = { addr_of(make_table("SSDT", 36)) };
	uint8_t *x = make_xsdt(list, 1);
	uint8_t *x2 = make_table("XSDT", 36 + 8 + 4);
	memcpy(x2 + 36, x + 36, 8);
	refix(x2);
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(x2)), 0);
	assert_int_equal(tables.count, 1);
}

static void null_and_bogus_entries_skipped(void **state)
{
	(void)state;
	uint8_t *a = make_table("SSDT", 40);
	uint8_t *b = make_table("SSDT", 36);
	uint8_t *short_table = make_table("BOOT", 36);
	put_u32(short_table, 4, 20); /* length below a header */
	uint8_t *huge = make_table("BERT", 36);
	put_u32(huge, 4, 0x7fffffff);
	uint64_t list[] = { addr_of(a), 0, addr_of(short_table), addr_of(huge), addr_of(b) };
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(make_xsdt(list, 5))), 0);
	/* The good ones, in order; one warning per bad entry. */
	assert_int_equal(tables.count, 2);
	assert_ptr_equal(tables.table[0].header, a);
	assert_ptr_equal(tables.table[1].header, b);
	assert_int_equal(log_stub_count[LOG_WARN], 3);
	assert_int_equal(log_stub_count[LOG_ERR], 0);
	assert_non_null(strstr(log_stub_last, "entry 3"));
}

static void bad_table_checksum_flagged_but_kept(void **state)
{
	(void)state;
	uint8_t *good = make_table("SSDT", 64);
	uint8_t *bad = make_table("APIC", 64);
	bad[50] ^= 0xff;
	uint64_t list[] = { addr_of(good), addr_of(bad) };
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(make_xsdt(list, 2))), 0);
	assert_int_equal(tables.count, 2);
	assert_true(tables.table[0].checksum_ok);
	assert_false(tables.table[1].checksum_ok);
	assert_int_equal(log_stub_count[LOG_WARN], 1);
	assert_non_null(strstr(log_stub_last, "APIC"));
	/* And acpi_find still returns it: callers decide what a bad sum means. */
	const struct acpi_table *t = acpi_find(&tables, "APIC", 0);
	assert_non_null(t);
	assert_false(t->checksum_ok);
}

static void too_many_tables(void **state)
{
	(void)state;
	uint64_t list[ACPI_MAX_TABLES + 5];
	for (unsigned i = 0; i < ACPI_MAX_TABLES + 5; i++)
		list[i] = addr_of(make_table("SSDT", 36));
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(make_xsdt(list, ACPI_MAX_TABLES + 5))), 0);
	assert_int_equal(tables.count, ACPI_MAX_TABLES);
	assert_ptr_equal(tables.table[ACPI_MAX_TABLES - 1].header,
			 (void *)(uintptr_t)list[ACPI_MAX_TABLES - 1]);
	assert_int_equal(log_stub_count[LOG_WARN], 1);
}

/* ---- acpi_find ------------------------------------------------------------------- */

static void find_instances(void **state)
{
	(void)state;
	uint8_t *s0 = make_table("SSDT", 36), *s1 = make_table("SSDT", 37);
	uint8_t *s2 = make_table("SSDT", 38), *f = make_table("FACP", 116);
	uint64_t list[] = { addr_of(s0), addr_of(f), addr_of(s1), addr_of(s2) };
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(make_xsdt(list, 4))), 0);

	assert_ptr_equal(acpi_find(&tables, "SSDT", 0)->header, s0);
	assert_ptr_equal(acpi_find(&tables, "SSDT", 1)->header, s1);
	assert_ptr_equal(acpi_find(&tables, "SSDT", 2)->header, s2);
	assert_null(acpi_find(&tables, "SSDT", 3));
	assert_null(acpi_find(&tables, "SSDT", ~0u));
	assert_ptr_equal(acpi_find(&tables, "FACP", 0)->header, f);
	assert_null(acpi_find(&tables, "FACP", 1));
	assert_null(acpi_find(&tables, "DMAR", 0));
	/* The whole signature must match, case included. */
	assert_null(acpi_find(&tables, "SSDt", 0));
	assert_null(acpi_find(&tables, "FACS", 0));
}

/* ---- acpi_find_timers ------------------------------------------------------------ */

/* FADT (5.2.9) offsets: PM_TMR_BLK, Flags, X_PM_TMR_BLK (a GAS). */
#define FADT_PM_TMR_BLK 76
#define FADT_FLAGS 112
#define FADT_TMR_VAL_EXT (1u << 8)
#define FADT_X_PM_TMR_BLK 208
/* HPET table: BASE_ADDRESS (a GAS) at 40. */
#define HPET_BASE 40

static void put_gas(uint8_t *t, size_t off, uint8_t space, uint8_t width, uint64_t address)
{
	t[off] = space;
	t[off + 1] = width;
	t[off + 2] = 0;
	t[off + 3] = space == 0 ? 3 : 2; /* access size: dword or word, unused */
	put_u64(t, off + 4, address);
}

static struct acpi_timers timers_of(uint8_t *fadt, uint8_t *hpet_table)
{
	uint64_t list[2];
	unsigned n = 0;
	struct acpi_timers out;

	if (fadt)
		list[n++] = addr_of(fadt);
	if (hpet_table)
		list[n++] = addr_of(hpet_table);
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(make_xsdt(list, n))), 0);
	memset(&out, 0xee, sizeof(out)); /* acpi_find_timers must set every field */
	acpi_find_timers(&tables, &out);
	return out;
}

static void timers_pm_tmr_blk_32(void **state)
{
	(void)state;
	/* An old (ACPI 1.0-sized, 116 bytes) FADT: only the 32-bit field. */
	uint8_t *f = make_table("FACP", 116);
	put_u32(f, FADT_PM_TMR_BLK, 0x608);
	put_u32(f, FADT_FLAGS, FADT_TMR_VAL_EXT | 1);
	refix(f);
	struct acpi_timers t = timers_of(f, NULL);
	assert_int_equal(t.pm_timer_port, 0x608);
	assert_true(t.pm_timer_32bit);
	assert_int_equal(t.hpet_base, 0);

	/* TMR_VAL_EXT clear: a 24-bit timer. */
	f = make_table("FACP", 276);
	put_u32(f, FADT_PM_TMR_BLK, 0x408);
	put_u32(f, FADT_FLAGS, ~FADT_TMR_VAL_EXT);
	refix(f);
	t = timers_of(f, NULL);
	assert_int_equal(t.pm_timer_port, 0x408);
	assert_false(t.pm_timer_32bit);
}

static void timers_x_pm_tmr_blk(void **state)
{
	(void)state;
	/* The 64-bit GAS wins over the 32-bit field when it is I/O space. */
	uint8_t *f = make_table("FACP", 276);
	put_u32(f, FADT_PM_TMR_BLK, 0x608);
	put_gas(f, FADT_X_PM_TMR_BLK, 1, 32, 0xb008);
	put_u32(f, FADT_FLAGS, FADT_TMR_VAL_EXT);
	refix(f);
	struct acpi_timers t = timers_of(f, NULL);
	assert_int_equal(t.pm_timer_port, 0xb008);
	assert_true(t.pm_timer_32bit);

	/* Only the GAS is set (hardware-reduced style FADTs do this). */
	f = make_table("FACP", 276);
	put_gas(f, FADT_X_PM_TMR_BLK, 1, 24, 0x1808);
	refix(f);
	t = timers_of(f, NULL);
	assert_int_equal(t.pm_timer_port, 0x1808);
	assert_false(t.pm_timer_32bit);

	/* A GAS in memory space is no I/O port, even with an address that would
	 * fit 16 bits: the 32-bit field is used. */
	f = make_table("FACP", 276);
	put_u32(f, FADT_PM_TMR_BLK, 0x608);
	put_gas(f, FADT_X_PM_TMR_BLK, 0, 32, 0xb008);
	refix(f);
	assert_int_equal(timers_of(f, NULL).pm_timer_port, 0x608);
	/* Nor is one in PCI configuration space (2). */
	f = make_table("FACP", 276);
	put_u32(f, FADT_PM_TMR_BLK, 0x608);
	put_gas(f, FADT_X_PM_TMR_BLK, 2, 32, 0xb008);
	refix(f);
	assert_int_equal(timers_of(f, NULL).pm_timer_port, 0x608);

	/* An I/O "port" beyond 16 bits is not believed either. */
	f = make_table("FACP", 276);
	put_u32(f, FADT_PM_TMR_BLK, 0x608);
	put_gas(f, FADT_X_PM_TMR_BLK, 1, 32, 0x10008);
	refix(f);
	assert_int_equal(timers_of(f, NULL).pm_timer_port, 0x608);

	/* The GAS is not read when the FADT ends before it (here, 1 byte short):
	 * the buffer is exactly the table, so ASan would see a read past it. */
	f = make_table("FACP", FADT_X_PM_TMR_BLK + 11);
	put_u32(f, FADT_PM_TMR_BLK, 0x608);
	refix(f);
	assert_int_equal(timers_of(f, NULL).pm_timer_port, 0x608);
}

static void timers_absent(void **state)
{
	(void)state;
	/* No FADT, no HPET. */
	struct acpi_timers t = timers_of(NULL, NULL);
	assert_int_equal(t.pm_timer_port, 0);
	assert_false(t.pm_timer_32bit);
	assert_int_equal(t.hpet_base, 0);

	/* A FADT without a PM timer. */
	t = timers_of(make_table("FACP", 276), NULL);
	assert_int_equal(t.pm_timer_port, 0);
	assert_false(t.pm_timer_32bit);

	/* A 32-bit PM_TMR_BLK above 0xffff is no port. */
	uint8_t *f = make_table("FACP", 276);
	put_u32(f, FADT_PM_TMR_BLK, 0x12345);
	put_u32(f, FADT_FLAGS, FADT_TMR_VAL_EXT);
	refix(f);
	t = timers_of(f, NULL);
	assert_int_equal(t.pm_timer_port, 0);
	assert_false(t.pm_timer_32bit);

	/* A FADT too short to hold the flags is ignored (and not read past). */
	f = make_table("FACP", FADT_FLAGS + 3);
	put_u32(f, FADT_PM_TMR_BLK, 0x608);
	refix(f);
	assert_int_equal(timers_of(f, NULL).pm_timer_port, 0);
}

static void timers_hpet(void **state)
{
	(void)state;
	uint8_t *h = make_table("HPET", 56);
	put_u32(h, 36, 0x8086a201); /* event timer block ID */
	put_gas(h, HPET_BASE, 0, 64, 0xfed00000);
	refix(h);
	struct acpi_timers t = timers_of(NULL, h);
	assert_int_equal(t.hpet_base, 0xfed00000);
	assert_int_equal(t.pm_timer_port, 0);

	/* A 64-bit base above 4 GiB comes through whole. */
	h = make_table("HPET", 56);
	put_gas(h, HPET_BASE, 0, 64, 0x3fffffed00000ull);
	refix(h);
	assert_int_equal(timers_of(NULL, h).hpet_base, 0x3fffffed00000ull);

	/* Not in memory space: not usable as an MMIO base. */
	h = make_table("HPET", 56);
	put_gas(h, HPET_BASE, 1, 64, 0xfed00000);
	refix(h);
	assert_int_equal(timers_of(NULL, h).hpet_base, 0);

	/* Too short to hold the GAS (one byte short; not read past). */
	h = make_table("HPET", HPET_BASE + 11);
	h[HPET_BASE + 4] = 0x42; /* the low byte of what would be the address */
	refix(h);
	assert_int_equal(timers_of(NULL, h).hpet_base, 0);

	/* Both tables together, FADT second. */
	uint8_t *f = make_table("FACP", 276);
	put_u32(f, FADT_PM_TMR_BLK, 0x608);
	refix(f);
	h = make_table("HPET", 56);
	put_gas(h, HPET_BASE, 0, 64, 0xfed00000);
	refix(h);
	uint64_t list[] = { addr_of(h), addr_of(f) };
	assert_int_equal(acpi_tables_init(&tables, make_rsdp(make_xsdt(list, 2))), 0);
	acpi_find_timers(&tables, &t);
	assert_int_equal(t.pm_timer_port, 0x608);
	assert_int_equal(t.hpet_base, 0xfed00000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(checksum),
		T(init_valid),
		T(init_misaligned),
		T(init_later_revision),
		T(bad_rsdp_signature),
		T(rsdp_revision_0_reads_the_rsdt),
		T(rsdp_revision_0_needs_an_rsdt),
		T(rsdp_bad_checksums_flagged),
		T(bad_xsdt),
		T(xsdt_bad_checksum_flagged),
		T(empty_xsdt),
		T(null_and_bogus_entries_skipped),
		T(bad_table_checksum_flagged_but_kept),
		T(too_many_tables),
		T(find_instances),
		T(timers_pm_tmr_blk_32),
		T(timers_x_pm_tmr_blk),
		T(timers_absent),
		T(timers_hpet),
	};
#undef T
	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
