/* hv/guest/platform/acpi_tables.c and aml.c: the ACPI tables hv synthesises
 * for a Linux guest, read back through hv's own parsers of host tables
 * (arch/x86/acpi.c, madt.c, mcfg.c) and by raw ACPI offsets; the AML
 * writer's encodings; refused descriptions; buffers too small.
 *
 * With ACPI_DUMP_DIR set, only test_dump runs: it writes each table as
 * DIR/pci/NAME.dat and DIR/nopci/NAME.dat for iasl (tests/acpi_tables.mk). */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "arch/x86/madt.h"
#include "arch/x86/mcfg.h"
#include "hv/guest/abi.h"
#include "hv/guest/platform/acpi_tables.h"
#include "hv/guest/platform/aml.h"
#include "hv/guest/platform/layout.h"
#include "tests/unit/log_stub.h"
#include "tests/unit/watchdog.h"

#define BIG 0x10000

static const uint32_t apic_ids[HV_GUEST_MAX_CPUS] = { 2, 3, 5, 7, 11, 13, 17, 19 };

/* Buses 0-3, a window each side of 4 GiB, one crossing it, two I/O windows. */
static struct acpi_guest_desc pci_desc(void)
{
	return (struct acpi_guest_desc){
		.cpu_count = 2, .apic_id = apic_ids, .pci = true,
		.ecam_base = 0xe0000000ull, .bus_last = 3,
		.mmio_count = 3,
		.mmio = { { 0xc0000000ull, 0x100000 }, { 0x800000000ull, 0x4000 },
			  { 0xfff00000ull, 0x200000 } },
		.io_count = 2,
		.io = { { 0xc000, 0x100 }, { 0xfff0, 0x10 } },
	};
}

static struct acpi_guest_desc nopci_desc(void)
{
	return (struct acpi_guest_desc){ .cpu_count = 1, .apic_id = apic_ids };
}

static uint8_t u8_at(const void *p, size_t off) { return ((const uint8_t *)p)[off]; }

static uint16_t u16_at(const void *p, size_t off)
{
	uint16_t v;
	memcpy(&v, (const uint8_t *)p + off, sizeof(v));
	return v;
}

static uint32_t u32_at(const void *p, size_t off)
{
	uint32_t v;
	memcpy(&v, (const uint8_t *)p + off, sizeof(v));
	return v;
}

static uint64_t u64_at(const void *p, size_t off)
{
	uint64_t v;
	memcpy(&v, (const uint8_t *)p + off, sizeof(v));
	return v;
}

static bool contains(const void *hay, size_t n, const void *needle, size_t m)
{
	return memmem(hay, n, needle, m) != NULL;
}

/* An independent decoder of PkgLength (ACPI 6.5, 20.2.4): the value and
 * how many bytes it took. */
static uint32_t pkg_length_decode(const uint8_t *p, unsigned *bytes)
{
	unsigned follow = p[0] >> 6;
	uint32_t v;

	*bytes = 1 + follow;
	if (!follow)
		return p[0] & 0x3f;
	v = p[0] & 0x0f;
	for (unsigned i = 0; i < follow; i++)
		v |= (uint32_t)p[1 + i] << (4 + 8 * i);
	return v;
}

/* ---- built at their own host address, as hv's parsers expect ----------------- */

struct built {
	uint8_t *buf;
	long len;
	struct acpi_tables t;
};

/* Builds once to learn the length, then again into a buffer of exactly
 * that length at gpa = its host address, so ASan sees any read past it. */
static void build(struct built *b, const struct acpi_guest_desc *d)
{
	void *probe;

	assert_int_equal(posix_memalign(&probe, 16, BIG), 0);
	long len = acpi_tables_build(d, (uintptr_t)probe, probe, BIG);
	free(probe);
	assert_true(len > 0);
	void *buf;
	assert_int_equal(posix_memalign(&buf, 16, (size_t)len), 0);
	b->buf = buf;
	b->len = acpi_tables_build(d, (uintptr_t)buf, buf, (size_t)len);
	assert_int_equal(b->len, len);
	assert_int_equal(acpi_tables_init(&b->t, buf), 0);
}

static void assert_inside(const struct built *b, const void *p, size_t n)
{
	const uint8_t *q = p;
	assert_true(q >= b->buf && q + n <= b->buf + b->len);
}

static const struct acpi_header *table(const struct built *b, const char sig[4])
{
	const struct acpi_table *t = acpi_find(&b->t, sig, 0);
	assert_non_null(t);
	assert_true(t->checksum_ok);
	assert_inside(b, t->header, t->header->length);
	assert_int_equal(acpi_find(&b->t, sig, 1), NULL);
	return t->header;
}

static void assert_header(const struct acpi_header *h, uint8_t revision)
{
	assert_memory_equal(h->oem_id, "HV    ", 6);
	assert_memory_equal(h->oem_table_id, "HVGUEST ", 8);
	assert_int_equal(h->revision, revision);
}

static const struct acpi_header *dsdt_of(const struct built *b)
{
	const struct acpi_header *fadt = table(b, "FACP");
	uint64_t x = u64_at(fadt, 140);
	/* The 32-bit field where the address fits (host addresses here). */
	assert_int_equal(u32_at(fadt, 40), x <= UINT32_MAX ? x : 0);
	const struct acpi_header *dsdt = (const void *)(uintptr_t)x;
	assert_inside(b, dsdt, sizeof(*dsdt));
	assert_inside(b, dsdt, dsdt->length);
	assert_memory_equal(dsdt->signature, "DSDT", 4);
	assert_true(acpi_checksum_ok(dsdt, dsdt->length));
	assert_header(dsdt, 2);
	return dsdt;
}

/* Name (_S5, Package (4) { 5, 5, 0, 0 }). */
static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
			      0x0a, GUEST_SLEEP_TYPE_S5, 0x0a, GUEST_SLEEP_TYPE_S5, 0, 0 };

/* The DSDT's AML is Scope (\_SB) {...} then, at the root, _S5 and nothing
 * after it. */
static void assert_dsdt_shape(const struct acpi_header *h, const uint8_t *s5, size_t s5_len)
{
	const uint8_t *aml = (const uint8_t *)(h + 1);
	size_t n = h->length - sizeof(*h);
	unsigned bytes;

	assert_true(n > 1 + s5_len);
	assert_int_equal(aml[0], 0x10);
	uint32_t scope = pkg_length_decode(aml + 1, &bytes);
	assert_memory_equal(aml + 1 + bytes, "\\_SB_", 5);
	assert_int_equal(1 + scope + s5_len, n);
	assert_memory_equal(aml + 1 + scope, s5, s5_len);
}

static void test_rsdp_and_chain(void **state)
{
	(void)state;
	struct acpi_guest_desc d = pci_desc();
	struct built b;

	build(&b, &d);
	assert_memory_equal(b.buf, "RSD PTR ", 8);
	assert_true(acpi_checksum_ok(b.buf, 20));
	assert_true(acpi_checksum_ok(b.buf, 36));
	assert_int_equal(u8_at(b.buf, 15), 2);
	assert_int_equal(u32_at(b.buf, 20), 36);
	assert_memory_equal(b.buf + 9, "HV    ", 6);
	assert_true(b.t.rsdp_checksum_ok);
	assert_true(b.t.xsdt_checksum_ok);
	assert_inside(&b, b.t.xsdt, b.t.xsdt->length);
	assert_header(b.t.xsdt, 1);
	assert_int_equal(b.t.xsdt->length, 36 + 3 * 8);
	assert_int_equal(b.t.count, 3);
	assert_memory_equal(b.t.table[0].header->signature, "FACP", 4);
	assert_memory_equal(b.t.table[1].header->signature, "APIC", 4);
	assert_memory_equal(b.t.table[2].header->signature, "MCFG", 4);
	for (unsigned i = 0; i < b.t.count; i++)
		assert_int_equal((uintptr_t)b.t.table[i].header % 16, 0);
	/* The DSDT ends the bytes used or is followed by another table. */
	const struct acpi_header *dsdt = dsdt_of(&b);
	assert_true((const uint8_t *)dsdt + dsdt->length <= b.buf + b.len);
	free(b.buf);
}

static void test_fadt(void **state)
{
	(void)state;
	struct acpi_guest_desc d = pci_desc();
	struct built b;

	build(&b, &d);
	const struct acpi_header *f = table(&b, "FACP");
	assert_header(f, 6);
	assert_int_equal(f->length, 276);
	assert_int_equal(u8_at(f, 131), 5); /* minor version: 6.5 */
	uint32_t flags = u32_at(f, 112);
	assert_true(flags & (1u << 20));  /* HW_REDUCED_ACPI */
	assert_false(flags & (1u << 19)); /* FORCE_APIC_PHYSICAL_DESTINATION_MODE: the guest's choice */
	assert_true(flags & (1u << 10));  /* RESET_REG_SUP */
	assert_true(flags & (1u << 8));   /* TMR_VAL_EXT */
	assert_false(flags & (1u << 18)); /* FORCE_APIC_CLUSTER_MODEL */
	/* IAPC_BOOT_ARCH: VGA not present only (no 8042, MSI fine, CMOS RTC). */
	assert_int_equal(u16_at(f, 109), 1u << 2);
	assert_int_equal(u8_at(f, 108), GUEST_CMOS_CENTURY);
	/* RESET_REG: system I/O, 8 bits at offset 0, then RESET_VALUE. */
	assert_int_equal(u8_at(f, 116), ACPI_GAS_SYSTEM_IO);
	assert_int_equal(u8_at(f, 117), 8);
	assert_int_equal(u8_at(f, 118), 0);
	assert_int_equal(u64_at(f, 120), GUEST_PORT_RESET);
	assert_int_equal(u8_at(f, 128), GUEST_RESET_VALUE);
	/* PM timer, both forms. */
	assert_int_equal(u32_at(f, 76), GUEST_PORT_PM_TIMER);
	assert_int_equal(u8_at(f, 91), 4);
	assert_int_equal(u8_at(f, 208), ACPI_GAS_SYSTEM_IO);
	assert_int_equal(u8_at(f, 209), 32);
	assert_int_equal(u64_at(f, 212), GUEST_PORT_PM_TIMER);
	struct acpi_timers timers;
	acpi_find_timers(&b.t, &timers);
	assert_int_equal(timers.pm_timer_port, GUEST_PORT_PM_TIMER);
	assert_true(timers.pm_timer_32bit);
	assert_int_equal(timers.hpet_base, 0);
	/* The host's timer, read directly: its port and its width. */
	struct acpi_guest_desc direct = pci_desc();
	struct built b2;
	direct.pm_timer_port = 0x408;
	direct.pm_timer_24bit = true;
	build(&b2, &direct);
	const struct acpi_header *f2 = table(&b2, "FACP");
	assert_false(u32_at(f2, 112) & (1u << 8));
	assert_int_equal(u32_at(f2, 76), 0x408);
	assert_int_equal(u64_at(f2, 212), 0x408);
	acpi_find_timers(&b2.t, &timers);
	assert_int_equal(timers.pm_timer_port, 0x408);
	assert_false(timers.pm_timer_32bit);
	free(b2.buf);
	/* Sleep control and status registers. */
	assert_int_equal(u8_at(f, 244), ACPI_GAS_SYSTEM_IO);
	assert_int_equal(u8_at(f, 245), 8);
	assert_int_equal(u64_at(f, 248), GUEST_PORT_SLEEP_CTL);
	assert_int_equal(u8_at(f, 256), ACPI_GAS_SYSTEM_IO);
	assert_int_equal(u8_at(f, 257), 8);
	assert_int_equal(u64_at(f, 260), GUEST_PORT_SLEEP_STS);
	/* No SCI, no PM1 blocks, no FACS. */
	assert_int_equal(u16_at(f, 46), 0);
	assert_int_equal(u32_at(f, 56), 0);
	assert_int_equal(u32_at(f, 64), 0);
	assert_int_equal(u32_at(f, 36), 0);
	assert_int_equal(u64_at(f, 132), 0);
	free(b.buf);
}

static void test_madt(void **state)
{
	(void)state;
	struct acpi_guest_desc d = pci_desc();
	struct built b;
	struct madt_info m;

	d.cpu_count = HV_GUEST_MAX_CPUS;
	build(&b, &d);
	const struct acpi_header *h = table(&b, "APIC");
	assert_header(h, 5);
	assert_int_equal(h->length, 44 + 8 * HV_GUEST_MAX_CPUS);
	assert_int_equal(madt_parse(h, &m), 0);
	assert_int_equal(m.lapic_address, 0xfee00000u);
	assert_false(m.pcat_compat);
	assert_int_equal(u32_at(h, 40), 0);
	assert_int_equal(m.cpu_count, HV_GUEST_MAX_CPUS);
	assert_int_equal(m.ioapic_count, 0);
	assert_int_equal(m.override_count, 0);
	assert_int_equal(m.skipped_entries, 0);
	for (unsigned i = 0; i < HV_GUEST_MAX_CPUS; i++) {
		const uint8_t *e = (const uint8_t *)h + 44 + 8 * i;

		assert_int_equal(m.cpu_apic_id[i], apic_ids[i]);
		assert_int_equal(e[0], 0);
		assert_int_equal(e[1], 8);
		assert_int_equal(e[2], i); /* UID */
		assert_int_equal(e[3], apic_ids[i]);
		assert_int_equal(u32_at(e, 4), 1);
	}
	free(b.buf);
}

static void test_mcfg(void **state)
{
	(void)state;
	struct acpi_guest_desc d = pci_desc();
	struct built b;
	struct mcfg_info m;

	build(&b, &d);
	const struct acpi_header *h = table(&b, "MCFG");
	assert_header(h, 1);
	assert_int_equal(h->length, 44 + 16);
	assert_int_equal(mcfg_parse(h, &m), 0);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.window[0].base, 0xe0000000ull);
	assert_int_equal(m.window[0].segment, 0);
	assert_int_equal(m.window[0].start_bus, 0);
	assert_int_equal(m.window[0].end_bus, 3);
	free(b.buf);
}

static void test_dsdt_pci(void **state)
{
	(void)state;
	struct acpi_guest_desc d = pci_desc();
	struct built b;

	build(&b, &d);
	const struct acpi_header *h = dsdt_of(&b);
	const uint8_t *aml = (const uint8_t *)(h + 1);
	size_t n = h->length - sizeof(*h);
	static const uint8_t hid_pci[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x08 };
	static const uint8_t cid_pci[] = { 0x08, '_', 'C', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	static const uint8_t hid_com[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	/* WordBusNumber 0-3, producer, fixed. */
	static const uint8_t bus[] = { 0x88, 13, 0, 2, 0x0c, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4, 0 };
	/* DWordMemory 0xfff00000 + 2 MiB ends past 4 GiB: a QWord one. */
	static const uint8_t qword_cross[] = { 0x8a, 43, 0, 0, 0x0c, 0x01 };
	static const uint8_t dword_low[] = { 0x87, 23, 0, 0, 0x0c, 0x01, 0, 0, 0, 0,
					     0, 0, 0, 0xc0, 0xff, 0xff, 0x0f, 0xc0 };
	static const uint8_t word_io[] = { 0x88, 13, 0, 1, 0x0c, 0x03, 0, 0,
					   0xf0, 0xff, 0xff, 0xff, 0, 0, 0x10, 0 };
	static const uint8_t cf8[] = { 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08 };
	static const uint8_t com1_io[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08 };

	assert_dsdt_shape(h, s5, sizeof(s5));
	assert_true(contains(aml, n, "\x5b\x82", 2));
	assert_true(contains(aml, n, "PCI0", 4));
	assert_true(contains(aml, n, hid_pci, sizeof(hid_pci)));
	assert_true(contains(aml, n, cid_pci, sizeof(cid_pci)));
	assert_true(contains(aml, n, hid_com, sizeof(hid_com)));
	assert_true(contains(aml, n, s5, sizeof(s5)));
	assert_true(contains(aml, n, bus, sizeof(bus)));
	assert_true(contains(aml, n, qword_cross, sizeof(qword_cross)));
	assert_true(contains(aml, n, dword_low, sizeof(dword_low)));
	assert_true(contains(aml, n, word_io, sizeof(word_io)));
	assert_true(contains(aml, n, cf8, sizeof(cf8)));
	assert_true(contains(aml, n, com1_io, sizeof(com1_io)));
	assert_true(contains(aml, n, "\x79\x00", 2));
	free(b.buf);
}

static void test_no_pci(void **state)
{
	(void)state;
	struct acpi_guest_desc d = nopci_desc();
	struct built b;

	/* Garbage in the PCI fields is ignored without pci. */
	d.mmio_count = 1000;
	d.ecam_base = 1;
	build(&b, &d);
	assert_int_equal(b.t.count, 2);
	assert_int_equal(acpi_find(&b.t, "MCFG", 0), NULL);
	assert_int_equal(b.t.xsdt->length, 36 + 2 * 8);
	const struct acpi_header *h = dsdt_of(&b);
	assert_false(contains(h, h->length, "PCI0", 4));
	assert_true(contains(h, h->length, "COM1", 4));
	assert_true(contains(h, h->length, "RTC0", 4));
	assert_dsdt_shape(h, s5, sizeof(s5));
	struct madt_info m;
	assert_int_equal(madt_parse(table(&b, "APIC"), &m), 0);
	assert_int_equal(m.cpu_count, 1);
	assert_int_equal(m.cpu_apic_id[0], 2);
	free(b.buf);
}

/* A DSDT above 4 GiB: only X_DSDT can hold it. */
static void test_dsdt_high(void **state)
{
	(void)state;
	struct acpi_guest_desc d = nopci_desc();
	static uint8_t buf[4096] __attribute__((aligned(16)));
	uint64_t gpa = 0x100000000ull;

	long len = acpi_tables_build(&d, gpa, buf, sizeof(buf));
	assert_true(len > 0);
	uint64_t xsdt = u64_at(buf, 24);
	assert_true(xsdt >= gpa && xsdt < gpa + (uint64_t)len);
	const uint8_t *fadt = buf + (u64_at(buf, xsdt - gpa + 36) - gpa);
	assert_memory_equal(fadt, "FACP", 4);
	assert_int_equal(u32_at(fadt, 40), 0);
	uint64_t dsdt = u64_at(fadt, 140);
	assert_true(dsdt > gpa && dsdt < gpa + (uint64_t)len);
	assert_memory_equal(buf + (dsdt - gpa), "DSDT", 4);
}

static void expect_einval(const struct acpi_guest_desc *d, uint64_t gpa)
{
	static uint8_t buf[BIG];

	assert_int_equal(acpi_tables_build(d, gpa, buf, sizeof(buf)), -EINVAL);
}

static void test_bad_descriptions(void **state)
{
	(void)state;
	struct acpi_guest_desc d;
	uint32_t ids[HV_GUEST_MAX_CPUS + 1] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };

	expect_einval(NULL, 0x6000);
	d = pci_desc(); d.cpu_count = 0; expect_einval(&d, 0x6000);
	d = pci_desc(); d.cpu_count = HV_GUEST_MAX_CPUS + 1; d.apic_id = ids; expect_einval(&d, 0x6000);
	d = pci_desc(); d.apic_id = NULL; expect_einval(&d, 0x6000);
	d = pci_desc(); expect_einval(&d, 0x6008);
	d = pci_desc(); expect_einval(&d, 0x6001);
	d = pci_desc(); expect_einval(&d, UINT64_MAX - 15);
	ids[1] = 0; d = pci_desc(); d.apic_id = ids; expect_einval(&d, 0x6000);
	ids[1] = 0xff; expect_einval(&d, 0x6000);
	ids[1] = 0x100; expect_einval(&d, 0x6000);
	ids[1] = 1;
	d = pci_desc(); d.mmio_count = ACPI_GUEST_WINDOWS_MAX + 1; expect_einval(&d, 0x6000);
	d = pci_desc(); d.io_count = ACPI_GUEST_WINDOWS_MAX + 1; expect_einval(&d, 0x6000);
	d = pci_desc(); d.mmio[1].size = 0; expect_einval(&d, 0x6000);
	d = pci_desc(); d.mmio[1] = (struct acpi_guest_window){ UINT64_MAX - 0xfff, 0x2000 };
	expect_einval(&d, 0x6000);
	d = pci_desc(); d.io[0].size = 0; expect_einval(&d, 0x6000);
	d = pci_desc(); d.io[1] = (struct acpi_guest_window){ 0xfff0, 0x11 }; expect_einval(&d, 0x6000);
	d = pci_desc(); d.io[1] = (struct acpi_guest_window){ 0x10000, 1 }; expect_einval(&d, 0x6000);
	d = pci_desc(); d.ecam_base = 0; expect_einval(&d, 0x6000);
	d = pci_desc(); d.ecam_base = 0xe0080000ull; expect_einval(&d, 0x6000);
	d = pci_desc(); d.ecam_base = UINT64_MAX - 0xfffff; expect_einval(&d, 0x6000);

	/* The limits themselves are fine. */
	static uint8_t buf[BIG];
	d = pci_desc(); d.cpu_count = HV_GUEST_MAX_CPUS; d.apic_id = ids;
	ids[7] = 0xfe;
	d.mmio_count = d.io_count = ACPI_GUEST_WINDOWS_MAX;
	d.io[ACPI_GUEST_WINDOWS_MAX - 1] = (struct acpi_guest_window){ 0xffff, 1 };
	d.bus_last = 0xff;
	for (unsigned i = 0; i < ACPI_GUEST_WINDOWS_MAX; i++)
		d.mmio[i] = (struct acpi_guest_window){ 0x1000000000ull * (i + 1), 0x1000 };
	for (unsigned i = 0; i < ACPI_GUEST_WINDOWS_MAX - 1; i++)
		d.io[i] = (struct acpi_guest_window){ 0x1000 * (i + 1), 0x100 };
	assert_true(acpi_tables_build(&d, 0x6000, buf, sizeof(buf)) > 0);
}

/* Every size short of the need: -ENOSPC, and (ASan) no byte written past it. */
static void test_small_buffers(void **state)
{
	(void)state;
	const struct acpi_guest_desc descs[2] = { pci_desc(), nopci_desc() };

	for (unsigned k = 0; k < 2; k++) {
		static uint8_t big[BIG];
		long need = acpi_tables_build(&descs[k], LINUX_ACPI, big, sizeof(big));

		assert_true(need > 0 && need <= (long)LINUX_ACPI_MAX);
		for (long size = 0; size <= need; size++) {
			uint8_t *buf = malloc(size ? (size_t)size : 1);

			assert_non_null(buf);
			long got = acpi_tables_build(&descs[k], LINUX_ACPI, buf, (size_t)size);
			if (size < need) {
				assert_int_equal(got, -ENOSPC);
			} else {
				assert_int_equal(got, need);
				assert_memory_equal(buf, big, (size_t)need);
			}
			free(buf);
		}
	}
}

/* ---- the AML writer ------------------------------------------------------------ */

static void test_pkg_length_encode(void **state)
{
	(void)state;
	static const struct { uint32_t len; unsigned bytes; } cases[] = {
		{ 0, 1 }, { 0x3f, 1 }, { 0x40, 2 }, { 0xfff, 2 }, { 0x1000, 3 },
		{ 0xfffff, 3 }, { 0x100000, 4 }, { 0xfffffff, 4 },
	};
	uint8_t out[4];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned n, m;

		n = aml_pkg_length_encode(cases[i].len, out);
		assert_int_equal(n, cases[i].bytes);
		assert_int_equal(pkg_length_decode(out, &m), cases[i].len);
		assert_int_equal(m, n);
		if (n > 1)
			assert_int_equal(out[0] & 0x30, 0); /* bits 5:4 reserved */
	}
	assert_int_equal(aml_pkg_length_encode(0x10000000, out), 0);
	aml_pkg_length_encode(0x40, out);
	assert_int_equal(out[0], 0x40);
	assert_int_equal(out[1], 0x04);
	aml_pkg_length_encode(0x12345, out);
	assert_memory_equal(out, "\x85\x34\x12", 3);
}

/* A closed term whose body is `body` bytes: the PkgLength in front counts
 * itself, and grows a byte exactly where the value needs it. */
static void test_pkg_length_close(void **state)
{
	(void)state;
	static const struct { size_t body; unsigned bytes; } cases[] = {
		{ 0, 1 }, { 62, 1 }, { 63, 2 }, { 4093, 2 }, { 4094, 3 },
		{ 0xfffff - 3, 3 }, { 0xfffff - 2, 4 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t body = cases[i].body, total = body + cases[i].bytes;
		uint8_t *buf = malloc(total), *fill = malloc(body + 1);
		struct aml_writer w;
		unsigned n;

		assert_non_null(buf);
		assert_non_null(fill);
		for (size_t j = 0; j < body; j++)
			fill[j] = (uint8_t)(j * 7);
		/* Exactly the room needed, and one byte less. */
		aml_init(&w, buf, total);
		aml_bytes(&w, fill, body);
		aml_close(&w, 0);
		assert_false(aml_failed(&w));
		assert_int_equal(aml_length(&w), total);
		assert_int_equal(pkg_length_decode(buf, &n), total);
		assert_int_equal(n, cases[i].bytes);
		assert_memory_equal(buf + n, fill, body);

		aml_init(&w, buf, total - 1);
		aml_bytes(&w, fill, body);
		aml_close(&w, 0);
		assert_true(aml_failed(&w));
		free(buf);
		free(fill);
	}
}

static void expect_aml(void (*emit)(struct aml_writer *), const void *bytes, size_t n)
{
	uint8_t buf[64];
	struct aml_writer w;

	aml_init(&w, buf, sizeof(buf));
	emit(&w);
	assert_false(aml_failed(&w));
	assert_int_equal(aml_length(&w), n);
	assert_memory_equal(buf, bytes, n);
}

static void test_name_strings(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct aml_writer w;
	static const char *bad[] = { "pci0", "ABCDE", "", "A..B", "A.", "1ABC", "\\", "A-B" };

	aml_init(&w, buf, sizeof(buf));
	aml_name_string(&w, "\\_SB.PCI0");
	aml_name_string(&w, "_S5");
	aml_name_string(&w, "A.B1.C_D");
	assert_false(aml_failed(&w));
	assert_int_equal(aml_length(&w), 10 + 4 + 14);
	assert_memory_equal(buf, "\\\x2e_SB_PCI0_S5_\x2f\x03" "A___B1__C_D_", 28);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&w, buf, sizeof(buf));
		aml_name_string(&w, bad[i]);
		assert_true(aml_failed(&w));
	}
}

static void emit_integers(struct aml_writer *w)
{
	static const uint64_t v[] = { 0, 1, 2, 0xff, 0x100, 0xffff, 0x10000,
				      0xffffffff, 0x100000000ull };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		aml_integer(w, v[i]);
}

static void test_integers(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x00, 0x01, 0x0a, 0x02, 0x0a, 0xff, 0x0b, 0x00, 0x01, 0x0b, 0xff, 0xff,
		0x0c, 0x00, 0x00, 0x01, 0x00, 0x0c, 0xff, 0xff, 0xff, 0xff,
		0x0e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	expect_aml(emit_integers, want, sizeof(want));
}

static void emit_eisa(struct aml_writer *w)
{
	aml_eisa_id(w, "PNP0A08");
	aml_eisa_id(w, "PNP0501");
	aml_eisa_id(w, "ZZZFFFF");
}

static void test_eisa_id(void **state)
{
	(void)state;
	static const uint8_t want[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x08, 0x0c, 0x41, 0xd0, 0x05, 0x01,
					0x0c, 0x6b, 0x5a, 0xff, 0xff };
	uint8_t buf[8];
	struct aml_writer w;

	expect_aml(emit_eisa, want, sizeof(want));
	aml_init(&w, buf, sizeof(buf));
	aml_eisa_id(&w, "PNP0a08");
	assert_true(aml_failed(&w));
	aml_init(&w, buf, sizeof(buf));
	aml_eisa_id(&w, "pNP0A08");
	assert_true(aml_failed(&w));
}

static void emit_terms(struct aml_writer *w)
{
	aml_mark s = aml_scope_open(w, "\\_SB");
	aml_mark d = aml_device_open(w, "COM1");
	aml_name(w, "_CRS");
	aml_mark b = aml_buffer_open(w);
	aml_res_io(w, 0x3f8, 8);
	aml_res_end(w);
	aml_buffer_close(w, b);
	aml_close(w, d);
	aml_close(w, s);
	aml_name(w, "_S5");
	aml_mark p = aml_package_open(w, 2);
	aml_integer(w, 5);
	aml_integer(w, 0);
	aml_close(w, p);
}

static void test_terms(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x10, 0x20, '\\', '_', 'S', 'B', '_',
		0x5b, 0x82, 0x18, 'C', 'O', 'M', '1',
		0x08, '_', 'C', 'R', 'S',
		0x11, 0x0d, 0x0a, 0x0a,
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x79, 0x00,
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00,
	};
	expect_aml(emit_terms, want, sizeof(want));
}

static void emit_resources(struct aml_writer *w)
{
	aml_res_word_bus_number(w, 0, 0xff);
	aml_res_word_io(w, 0x1000, 0x1fff);
	aml_res_dword_memory(w, 0xc0000000u, 0xc00fffffu);
	aml_res_qword_memory(w, 0x800000000ull, 0x8ffffffffull);
}

static void test_resources(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct aml_writer w;

	aml_init(&w, buf, sizeof(buf));
	emit_resources(&w);
	assert_false(aml_failed(&w));
	assert_int_equal(aml_length(&w), 16 + 16 + 26 + 46);
	assert_memory_equal(buf, "\x88\x0d\x00\x02\x0c\x00\x00\x00\x00\x00\xff\x00\x00\x00\x00\x01", 16);
	assert_memory_equal(buf + 16, "\x88\x0d\x00\x01\x0c\x03\x00\x00\x00\x10\xff\x1f\x00\x00\x00\x10", 16);
	const uint8_t *dw = buf + 32;
	assert_memory_equal(dw, "\x87\x17\x00\x00\x0c\x01", 6);
	assert_int_equal(u32_at(dw, 6), 0);
	assert_int_equal(u32_at(dw, 10), 0xc0000000u);
	assert_int_equal(u32_at(dw, 14), 0xc00fffffu);
	assert_int_equal(u32_at(dw, 18), 0);
	assert_int_equal(u32_at(dw, 22), 0x100000);
	const uint8_t *qw = buf + 58;
	assert_memory_equal(qw, "\x8a\x2b\x00\x00\x0c\x01", 6);
	assert_int_equal(u64_at(qw, 6), 0);
	assert_int_equal(u64_at(qw, 14), 0x800000000ull);
	assert_int_equal(u64_at(qw, 22), 0x8ffffffffull);
	assert_int_equal(u64_at(qw, 30), 0);
	assert_int_equal(u64_at(qw, 38), 0x100000000ull);
}

/* Out of room: sticky, reported, and nothing past the end (ASan). */
static void test_overflow_sticky(void **state)
{
	(void)state;
	uint8_t all[64];
	struct aml_writer w;

	aml_init(&w, all, sizeof(all));
	emit_terms(&w);
	assert_false(aml_failed(&w));
	size_t total = aml_length(&w);
	for (size_t size = 0; size < total; size++) {
		uint8_t *buf = malloc(size ? size : 1);

		assert_non_null(buf);
		aml_init(&w, buf, size);
		emit_terms(&w);
		assert_true(aml_failed(&w));
		assert_true(aml_length(&w) <= size);
		size_t at = aml_length(&w);
		aml_integer(&w, 0);
		assert_int_equal(aml_length(&w), at);
		free(buf);
	}
}

/* ---- for iasl -------------------------------------------------------------------- */

static void dump(const char *dir, const char *view, const struct acpi_guest_desc *d)
{
	static uint8_t buf[BIG] __attribute__((aligned(16)));
	char path[4096];

	long len = acpi_tables_build(d, LINUX_ACPI, buf, sizeof(buf));
	assert_true(len > 0);
	snprintf(path, sizeof(path), "%s/%s", dir, view);
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);

	/* The RSDP first, then each table its chain reaches: the XSDT's
	 * entries and the FADT's DSDT, by guest-physical address. */
	uint64_t at[8];
	unsigned n = 0;
	at[n++] = LINUX_ACPI;
	at[n++] = u64_at(buf, 24);
	const uint8_t *xsdt = buf + (at[1] - LINUX_ACPI);
	for (uint32_t off = 36; off < u32_at(xsdt, 4); off += 8)
		at[n++] = u64_at(xsdt, off);
	at[n++] = u64_at(buf + (at[2] - LINUX_ACPI), 140);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *t = buf + (at[i] - LINUX_ACPI);
		size_t tlen = i == 0 ? 36 : u32_at(t, 4);
		char name[5] = { 0 };

		memcpy(name, i == 0 ? "RSDP" : (const char *)t, 4);
		assert_true(t + tlen <= buf + len);
		snprintf(path, sizeof(path), "%s/%s/%s.dat", dir, view, name);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(t, 1, tlen, f), tlen);
		assert_int_equal(fclose(f), 0);
	}
}

static void test_dump(void **state)
{
	(void)state;
	const char *dir = getenv("ACPI_DUMP_DIR");
	if (!dir || !*dir)
		skip();
	struct acpi_guest_desc pci = pci_desc(), nopci = nopci_desc();
	dump(dir, "pci", &pci);
	dump(dir, "nopci", &nopci);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp_and_chain),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_mcfg),
		cmocka_unit_test(test_dsdt_pci),
		cmocka_unit_test(test_no_pci),
		cmocka_unit_test(test_dsdt_high),
		cmocka_unit_test(test_bad_descriptions),
		cmocka_unit_test(test_small_buffers),
		cmocka_unit_test(test_pkg_length_encode),
		cmocka_unit_test(test_pkg_length_close),
		cmocka_unit_test(test_name_strings),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_eisa_id),
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_overflow_sticky),
		cmocka_unit_test(test_dump),
	};

	/* The iasl check's run: only the dump, so its verdict stands apart
	 * from the other tests' (build/unit.results has those, without it). */
	if (getenv("ACPI_DUMP_DIR"))
		cmocka_set_test_filter("test_dump");
	else
		cmocka_set_skip_filter("test_dump");
	watchdog_arm("acpi_tables", 60);
	return cmocka_run_group_tests_name("acpi_tables", tests, NULL, NULL);
}
