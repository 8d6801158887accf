/* arch/x86/pci_msi.c over a fake function: config space in memory with
 * 32-bit and 64-bit MSI capabilities, maskable and not, and an MSI-X
 * capability whose table is a plain array. Every config write and table
 * access goes into one log, so the tests check the exact registers
 * written, their order, and that an MSI-X entry is never unmasked while
 * its message changes.
 *
 * Offsets written out by hand (PCI Local Bus 3.0 6.8.1, PCIe 6.0 7.7.1 and
 * 7.7.2), not with pci_regs.h's names:
 *   MSI: control +2 (enable 0, capable 3:1, enable count 6:4, 64-bit 7,
 *        per-vector mask 8, ext data 9, ext data enable 10), address +4;
 *        32-bit: data +8, mask +0xc; 64-bit: upper address +8, data +0xc,
 *        mask +0x10
 *   MSI-X: control +2 (table size 10:0, function mask 14, enable 15),
 *        table +4, PBA +8 (BIR 2:0); entry: address +0, +4, data +8,
 *        vector control +0xc (mask bit 0) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/pci_msi.h"
#include "tests/unit/log_stub.h"

/* ---- the fake function ----------------------------------------------------- */

enum kind { CFG_W16, CFG_W32, TBL_R, TBL_W };

struct access {
	enum kind kind;
	uint32_t off;        /* config offset, or table offset */
	uint32_t value;
};

#define MAX_ACCESS 40000
#define TABLE_ENTRIES 2048

static const struct pci_bdf dev = { 0, 3, 4, 1 };

static struct {
	uint8_t cfg[PCI_CFG_SIZE];
	bool absent;                     /* reads all-ones */
	uint32_t table[TABLE_ENTRIES * 4];
	unsigned n;
	struct access log[MAX_ACCESS];
} fake;

static void record(enum kind kind, uint32_t off, uint32_t value)
{
	assert_true(fake.n < MAX_ACCESS);
	fake.log[fake.n++] = (struct access){ kind, off, value };
}

static uint32_t cfg_read32(void *ctx, struct pci_bdf d, uint16_t off)
{
	uint32_t v;

	assert_ptr_equal(ctx, &fake);
	assert_memory_equal(&d, &dev, sizeof(d));
	assert_true(off % 4 == 0 && off < PCI_CFG_SIZE);
	if (fake.absent)
		return 0xffffffffu;
	memcpy(&v, fake.cfg + off, 4);
	return v;
}

static void cfg_write16(void *ctx, struct pci_bdf d, uint16_t off, uint16_t v)
{
	assert_ptr_equal(ctx, &fake);
	assert_memory_equal(&d, &dev, sizeof(d));
	assert_true(off % 2 == 0 && off < PCI_CFG_SIZE);
	record(CFG_W16, off, v);
	memcpy(fake.cfg + off, &v, 2);
}

static void cfg_write32(void *ctx, struct pci_bdf d, uint16_t off, uint32_t v)
{
	assert_ptr_equal(ctx, &fake);
	assert_memory_equal(&d, &dev, sizeof(d));
	assert_true(off % 4 == 0 && off < PCI_CFG_SIZE);
	record(CFG_W32, off, v);
	memcpy(fake.cfg + off, &v, 4);
}

static const struct pci_msi_cfg_ops cfg = { cfg_read32, cfg_write16, cfg_write32, &fake };

/* The table: plain memory through the direct accessors, every access
 * logged on the way. */
static uint32_t table_read(void *ctx, uint32_t off)
{
	assert_ptr_equal(ctx, fake.table);
	assert_true(off % 4 == 0 && off < sizeof(fake.table));
	uint32_t v = mmio32_direct_read(ctx, off);
	record(TBL_R, off, v);
	return v;
}

static void table_write(void *ctx, uint32_t off, uint32_t v)
{
	assert_ptr_equal(ctx, fake.table);
	assert_true(off % 4 == 0 && off < sizeof(fake.table));
	record(TBL_W, off, v);
	mmio32_direct_write(ctx, off, v);
}

static void put16(unsigned off, uint16_t v) { memcpy(fake.cfg + off, &v, 2); }
static void put32(unsigned off, uint32_t v) { memcpy(fake.cfg + off, &v, 4); }
static uint16_t get16(unsigned off) { uint16_t v; memcpy(&v, fake.cfg + off, 2); return v; }
static uint32_t get32(unsigned off) { uint32_t v; memcpy(&v, fake.cfg + off, 4); return v; }

/* A capability `id` at `cap` with Message Control `ctl`; the bytes after
 * it hold 0xaa so stray writes show. */
static void add_cap(uint8_t cap, uint8_t id, uint16_t ctl)
{
	memset(fake.cfg + cap, 0xaa, 0x18);
	fake.cfg[cap] = id;
	fake.cfg[cap + 1] = 0;
	put16(cap + 2, ctl);
}

static void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	put32(0x00, 0x11e81234);
	put16(0x04, 0x0006);   /* memory, bus master */
	put16(0x06, 0xf910);   /* capability list, RW1C error bits set */
	fake.cfg[0x34] = 0x50;
}

static void expect(unsigned i, enum kind kind, uint32_t off, uint32_t value)
{
	static const char *const name[] = { "cfg w16", "cfg w32", "table read", "table write" };

	assert_true(i < fake.n);
	const struct access *a = &fake.log[i];
	if (a->kind != kind || a->off != off || a->value != value)
		fail_msg("access %u: %s %#x = %#x, want %s %#x = %#x", i, name[a->kind], a->off,
			 a->value, name[kind], off, value);
}

static struct pci_msi msi_at(uint8_t cap)
{
	return (struct pci_msi){ &cfg, dev, cap };
}

/* ---- MSI: info ------------------------------------------------------------- */

static void msi_info_32(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x50);
	struct pci_msi_info i;

	fake_reset();
	add_cap(0x50, 0x05, 0x0000);
	memset(&i, 0xff, sizeof(i));
	assert_int_equal(pci_msi_info(&m, &i), 0);
	assert_false(i.addr64);
	assert_false(i.per_vector_mask);
	assert_false(i.ext_data);
	assert_int_equal(i.log2_capable, 0);
	assert_false(i.enabled);
	assert_int_equal(i.log2_enabled, 0);
	assert_int_equal(fake.n, 0);
}

static void msi_info_64_maskable(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x50);
	struct pci_msi_info i;

	/* 64-bit, per-vector masking, 8 vectors wanted, 4 enabled, on. */
	fake_reset();
	add_cap(0x50, 0x05, 0x01a7);
	assert_int_equal(pci_msi_info(&m, &i), 0);
	assert_true(i.addr64);
	assert_true(i.per_vector_mask);
	assert_false(i.ext_data);
	assert_int_equal(i.log2_capable, 3);
	assert_true(i.enabled);
	assert_int_equal(i.log2_enabled, 2);

	/* Extended message data; the reserved Capable values read as 32. */
	add_cap(0x50, 0x05, 0x020e);
	assert_int_equal(pci_msi_info(&m, &i), 0);
	assert_true(i.ext_data);
	assert_int_equal(i.log2_capable, 5);
	add_cap(0x50, 0x05, 0x000c);
	assert_int_equal(pci_msi_info(&m, &i), 0);
	assert_int_equal(i.log2_capable, 5);
	add_cap(0x50, 0x05, 0x000a);
	assert_int_equal(pci_msi_info(&m, &i), 0);
	assert_int_equal(i.log2_capable, 5);
}

/* No MSI capability where the handle points: -ENODEV from every call, and
 * nothing written. */
static void msi_absent(void **state)
{
	(void)state;
	struct pci_msi_info i, untouched;

	fake_reset();
	add_cap(0x50, 0x10, 0x0000); /* PCI Express, not MSI */
	add_cap(0x70, 0x05, 0x0000);
	memset(&i, 0x5a, sizeof(i));
	untouched = i;
	const uint8_t bad[] = { 0, 0x04, 0x3c, 0x50, 0x71, 0x72 };
	for (unsigned k = 0; k < sizeof(bad); k++) {
		struct pci_msi m = msi_at(bad[k]);
		assert_int_equal(pci_msi_info(&m, &i), -ENODEV);
		assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, 0 }, 1), -ENODEV);
		assert_int_equal(pci_msi_disable(&m), -ENODEV);
		assert_int_equal(pci_msi_mask(&m, 0), -ENODEV);
		assert_int_equal(pci_msi_unmask(&m, 0), -ENODEV);
	}
	/* A function that is gone reads all-ones. */
	fake.absent = true;
	struct pci_msi m = msi_at(0x70);
	assert_int_equal(pci_msi_info(&m, &i), -ENODEV);
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, 0 }, 1), -ENODEV);
	assert_memory_equal(&i, &untouched, sizeof(i));
	assert_int_equal(fake.n, 0);
}

/* ---- MSI: programming ------------------------------------------------------ */

/* 32-bit capability, left enabled by firmware with a stale enable count
 * and Extended Message Data Enable: off first, address, data at +8, the
 * count, on last. */
static void msi_program_32(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x50);

	fake_reset();
	add_cap(0x50, 0x05, 0x0615); /* ext data cap+en, 4 capable, 2 enabled, on */
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee01238, 0x0004 }, 4), 0);
	assert_int_equal(fake.n, 5);
	expect(0, CFG_W16, 0x52, 0x0614);
	expect(1, CFG_W32, 0x54, 0xfee01238);
	expect(2, CFG_W16, 0x58, 0x0004);
	expect(3, CFG_W16, 0x52, 0x0224);
	expect(4, CFG_W16, 0x52, 0x0225);

	/* The bytes: header kept, 0x5a..0x5b (extended data) not written. */
	static const uint8_t want[] = { 0x05, 0x00, 0x25, 0x02, 0x38, 0x12, 0xe0, 0xfe,
					0x04, 0x00, 0xaa, 0xaa, 0xaa, 0xaa };
	assert_memory_equal(fake.cfg + 0x50, want, sizeof(want));
}

/* 64-bit capability with masking: the upper address at +8 (written even
 * when 0), data at +0xc, the mask register left alone. */
static void msi_program_64(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x60);

	fake_reset();
	add_cap(0x60, 0x05, 0x0180);
	put32(0x70, 0x00000001); /* vector 0 masked */
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0x00000001fee00010ull, 0xbeef }, 1),
			 0);
	assert_int_equal(fake.n, 6);
	expect(0, CFG_W16, 0x62, 0x0180);
	expect(1, CFG_W32, 0x64, 0xfee00010);
	expect(2, CFG_W32, 0x68, 0x00000001);
	expect(3, CFG_W16, 0x6c, 0xbeef);
	expect(4, CFG_W16, 0x62, 0x0180);
	expect(5, CFG_W16, 0x62, 0x0181);
	assert_int_equal(get32(0x70), 1);

	fake.n = 0;
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee0fff0, 0 }, 1), 0);
	expect(1, CFG_W32, 0x64, 0xfee0fff0);
	expect(2, CFG_W32, 0x68, 0);
	expect(3, CFG_W16, 0x6c, 0);
	assert_int_equal(get16(0x62), 0x0181);
}

/* The layout follows 64-bit Address Capable alone, masking or not: edu's
 * capability (64-bit, one vector, no masking) and a 32-bit
 * maskable one. */
static void msi_program_layouts(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x40);

	fake_reset();
	add_cap(0x40, 0x05, 0x0080);
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00030, 0x0041 }, 1), 0);
	assert_int_equal(fake.n, 6);
	expect(1, CFG_W32, 0x44, 0xfee00030);
	expect(2, CFG_W32, 0x48, 0);
	expect(3, CFG_W16, 0x4c, 0x0041);
	expect(5, CFG_W16, 0x42, 0x0081);

	fake_reset();
	add_cap(0x40, 0x05, 0x0102);
	put32(0x4c, 0x3);
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00030, 0x0040 }, 2), 0);
	assert_int_equal(fake.n, 5);
	expect(1, CFG_W32, 0x44, 0xfee00030);
	expect(2, CFG_W16, 0x48, 0x0040);
	expect(4, CFG_W16, 0x42, 0x0113);
	assert_int_equal(get32(0x4c), 0x3); /* mask bits left alone */
}

/* Every vector count the device offers ends up in Multiple Message Enable. */
static void msi_program_counts(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x50);

	fake_reset();
	add_cap(0x50, 0x05, 0x000a); /* 32 capable */
	for (unsigned log2 = 0; log2 <= 5; log2++) {
		unsigned nvec = 1u << log2;
		assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, nvec * 2 }, nvec),
				 0);
		assert_int_equal(get16(0x52), 0x000b | log2 << 4);
		assert_int_equal(get16(0x58), nvec * 2);
	}
}

static void msi_program_refusals(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x50);
	uint8_t before[PCI_CFG_SIZE];

	fake_reset();
	add_cap(0x50, 0x05, 0x0004); /* 32-bit, 4 capable */
	memcpy(before, fake.cfg, sizeof(before));

	const unsigned bad_counts[] = { 0, 3, 5, 6, 7, 8, 16, 32, 33, 64, 0x80000000u };
	for (unsigned k = 0; k < sizeof(bad_counts) / sizeof(bad_counts[0]); k++)
		assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, 0 }, bad_counts[k]),
				 -EINVAL);
	/* No upper dword on a 32-bit device; dword alignment. */
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0x1fee00000ull, 0 }, 1), -EINVAL);
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00001, 0 }, 1), -EINVAL);
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00002, 0 }, 1), -EINVAL);
	/* 16-bit data; the vector bits clear. */
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, 0x10000 }, 1), -EINVAL);
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, 0x0001 }, 2), -EINVAL);
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, 0x0002 }, 4), -EINVAL);
	assert_int_equal(fake.n, 0);
	assert_memory_equal(fake.cfg, before, sizeof(before));

	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, 0xfffc }, 4), 0);
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, 0x0002 }, 2), 0);
	assert_int_equal(pci_msi_program(&m, (struct msi_msg){ 0xfee00000, 0xffff }, 1), 0);
}

static void msi_disable(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x50);

	fake_reset();
	add_cap(0x50, 0x05, 0x01a7);
	assert_int_equal(pci_msi_disable(&m), 0);
	assert_int_equal(fake.n, 1);
	expect(0, CFG_W16, 0x52, 0x01a6);
}

/* ---- MSI: masking ---------------------------------------------------------- */

static void msi_mask_32_and_64(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x50);

	/* 32-bit maskable, 8 vectors: mask bits at +0xc. */
	fake_reset();
	add_cap(0x50, 0x05, 0x0106);
	put32(0x5c, 0x00000021);
	assert_int_equal(pci_msi_mask(&m, 3), 0);
	assert_int_equal(pci_msi_unmask(&m, 0), 0);
	assert_int_equal(pci_msi_mask(&m, 7), 0);
	assert_int_equal(fake.n, 3);
	expect(0, CFG_W32, 0x5c, 0x00000029);
	expect(1, CFG_W32, 0x5c, 0x00000028);
	expect(2, CFG_W32, 0x5c, 0x000000a8);
	assert_int_equal(pci_msi_mask(&m, 8), -EINVAL);
	assert_int_equal(pci_msi_unmask(&m, 32), -EINVAL);
	assert_int_equal(fake.n, 3);

	/* 64-bit maskable, 32 vectors: mask bits at +0x10. */
	fake_reset();
	add_cap(0x50, 0x05, 0x018a);
	put32(0x60, 0);
	assert_int_equal(pci_msi_mask(&m, 31), 0);
	assert_int_equal(pci_msi_mask(&m, 0), 0);
	assert_int_equal(pci_msi_unmask(&m, 31), 0);
	assert_int_equal(fake.n, 3);
	expect(0, CFG_W32, 0x60, 0x80000000);
	expect(1, CFG_W32, 0x60, 0x80000001);
	expect(2, CFG_W32, 0x60, 0x00000001);
	/* The data register below was not touched. */
	assert_int_equal(get32(0x5c), 0xaaaaaaaa);
}

static void msi_mask_unsupported(void **state)
{
	(void)state;
	struct pci_msi m = msi_at(0x50);

	fake_reset();
	add_cap(0x50, 0x05, 0x008a); /* 64-bit, 32 vectors, no masking */
	assert_int_equal(pci_msi_mask(&m, 0), -EOPNOTSUPP);
	assert_int_equal(pci_msi_unmask(&m, 0), -EOPNOTSUPP);
	add_cap(0x50, 0x05, 0x0000);
	assert_int_equal(pci_msi_mask(&m, 0), -EOPNOTSUPP);
	assert_int_equal(fake.n, 0);
}

/* ---- INTx ------------------------------------------------------------------ */

static void intx_disable(void **state)
{
	(void)state;
	fake_reset();
	assert_int_equal(pci_intx_disable(&cfg, dev, true), 0x0006);
	assert_int_equal(pci_intx_disable(&cfg, dev, true), 0x0406);
	assert_int_equal(pci_intx_disable(&cfg, dev, false), 0x0406);
	assert_int_equal(fake.n, 3);
	expect(0, CFG_W16, 0x04, 0x0406);
	expect(1, CFG_W16, 0x04, 0x0406);
	expect(2, CFG_W16, 0x04, 0x0006);
	/* The status register's write-1-to-clear bits were never written. */
	assert_int_equal(get16(0x06), 0xf910);
}

/* ---- MSI-X ----------------------------------------------------------------- */

#define VC(i) ((i) * 16 + 12)

/* MSI-X at 0x70 with `entries` entries, the table in BAR 2 at 0x2000 and
 * the PBA in BAR 2 at 0x3000. Table entries hold garbage, unmasked, with
 * steering-tag bits in Vector Control. */
static struct pci_msix msix_setup(unsigned entries, uint16_t flags)
{
	add_cap(0x70, 0x11, (uint16_t)((entries - 1) | flags));
	put32(0x74, 0x00002002);
	put32(0x78, 0x00003002);
	for (unsigned i = 0; i < TABLE_ENTRIES * 4; i++)
		fake.table[i] = 0x11111111u * (i % 16);
	for (unsigned i = 0; i < TABLE_ENTRIES; i++)
		fake.table[i * 4 + 3] = (i % 3) << 16;
	return (struct pci_msix){ &cfg, dev, 0x70, { table_read, table_write, fake.table } };
}

static void msix_info(void **state)
{
	(void)state;
	struct pci_msix_info i;

	fake_reset();
	struct pci_msix x = msix_setup(8, 0);
	assert_int_equal(pci_msix_info(&x, &i), 0);
	assert_false(i.enabled);
	assert_false(i.function_masked);
	assert_int_equal(i.table_size, 8);
	assert_int_equal(i.table_bir, 2);
	assert_int_equal(i.table_offset, 0x2000);
	assert_int_equal(i.pba_bir, 2);
	assert_int_equal(i.pba_offset, 0x3000);

	x = msix_setup(2048, 0xc000);
	put32(0x74, 0xfffffff8);
	put32(0x78, 0x00000805);
	assert_int_equal(pci_msix_info(&x, &i), 0);
	assert_true(i.enabled);
	assert_true(i.function_masked);
	assert_int_equal(i.table_size, 2048);
	assert_int_equal(i.table_bir, 0);
	assert_int_equal(i.table_offset, 0xfffffff8);
	assert_int_equal(i.pba_bir, 5);
	assert_int_equal(i.pba_offset, 0x800);

	x = msix_setup(1, 0);
	assert_int_equal(pci_msix_info(&x, &i), 0);
	assert_int_equal(i.table_size, 1);

	/* Reserved BIRs. */
	put32(0x74, 0x00002006);
	assert_int_equal(pci_msix_info(&x, &i), -EINVAL);
	put32(0x74, 0x00002000);
	put32(0x78, 0x00003007);
	assert_int_equal(pci_msix_info(&x, &i), -EINVAL);

	/* An MSI capability is not an MSI-X one. */
	fake.cfg[0x70] = 0x05;
	assert_int_equal(pci_msix_info(&x, &i), -ENODEV);
	assert_int_equal(pci_msix_disable(&x), -ENODEV);
	assert_int_equal(pci_msix_function_mask(&x, true), -ENODEV);
	assert_int_equal(pci_msix_entry_mask(&x, 0), -ENODEV);
	assert_int_equal(pci_msix_entry_write(&x, 0, (struct msi_msg){ 0xfee00000, 0 }, false),
			 -ENODEV);
	assert_int_equal(pci_msix_enable(&x, &(struct msi_msg){ 0xfee00000, 0 }, 1), -ENODEV);
	assert_int_equal(fake.n, 0);
}

/* Replays the log from the table as it was: an entry's address or data is
 * written only while its mask bit is set (and, with `function_too`, while
 * Function Mask is set). Returns the number of message writes seen. */
static unsigned check_masked_while_written(const uint32_t *initial, unsigned entries,
					   uint16_t ctl, bool function_too)
{
	uint32_t *vc = calloc(entries, sizeof(*vc));
	unsigned messages = 0;

	assert_non_null(vc);
	for (unsigned i = 0; i < entries; i++)
		vc[i] = initial[i * 4 + 3];
	for (unsigned k = 0; k < fake.n; k++) {
		const struct access *a = &fake.log[k];
		if (a->kind == CFG_W16 && a->off == 0x72)
			ctl = (uint16_t)a->value;
		if (a->kind != TBL_W)
			continue;
		/* Table writes only with MSI-X enabled (see pci_msix_enable). */
		if (function_too)
			assert_true(ctl & 0x8000);
		unsigned entry = a->off / 16, reg = a->off % 16;
		assert_true(entry < entries);
		if (reg == 12) {
			vc[entry] = a->value;
			continue;
		}
		messages++;
		if (!(vc[entry] & 1))
			fail_msg("access %u: entry %u's message written while unmasked", k, entry);
		if (function_too && !(ctl & 0x4000))
			fail_msg("access %u: entry %u's message written without Function Mask", k,
				 entry);
	}
	free(vc);
	return messages;
}

static void msix_enable(void **state)
{
	(void)state;
	static uint32_t initial[TABLE_ENTRIES * 4];
	const struct msi_msg msgs[3] = {
		{ 0xfee00010, 0 }, { 0xfee00030, 0 }, { 0x00000002fee00050ull, 0x12345678 },
	};

	fake_reset();
	struct pci_msix x = msix_setup(8, 0);
	memcpy(initial, fake.table, sizeof(initial));
	assert_int_equal(pci_msix_enable(&x, msgs, 3), 0);

	/* Enable with Function Mask first, Function Mask cleared last. */
	expect(0, CFG_W16, 0x72, 0xc007);
	expect(fake.n - 1, CFG_W16, 0x72, 0x8007);
	for (unsigned k = 1; k + 1 < fake.n; k++)
		assert_int_not_equal(fake.log[k].kind, CFG_W16);
	assert_int_equal(check_masked_while_written(initial, 8, 0x0007, true), 9);

	/* Entry 0 (unmasked before): R vc, mask, lo, hi, data, unmask, R vc. */
	expect(1, TBL_R, VC(0), 0x00000000);
	expect(2, TBL_W, VC(0), 0x00000001);
	expect(3, TBL_W, 0x00, 0xfee00010);
	expect(4, TBL_W, 0x04, 0);
	expect(5, TBL_W, 0x08, 0);
	expect(6, TBL_W, VC(0), 0x00000000);
	expect(7, TBL_R, VC(0), 0x00000000);

	/* The table: three messages, unmasked, steering tags kept; the rest
	 * masked with their messages untouched. */
	for (unsigned i = 0; i < 8; i++) {
		const uint32_t *e = &fake.table[i * 4];
		const uint32_t *was = &initial[i * 4];
		if (i < 3) {
			assert_int_equal(e[0], (uint32_t)msgs[i].addr);
			assert_int_equal(e[1], (uint32_t)(msgs[i].addr >> 32));
			assert_int_equal(e[2], msgs[i].data);
			assert_int_equal(e[3], was[3]);
		} else {
			assert_memory_equal(e, was, 12);
			assert_int_equal(e[3], was[3] | 1);
		}
	}
	/* Nothing beyond the table. */
	assert_memory_equal(&fake.table[32], &initial[32], sizeof(initial) - 32 * 4);
	assert_int_equal(get16(0x72), 0x8007);
}

/* The whole table used, 2048 entries. */
static void msix_enable_full_table(void **state)
{
	(void)state;
	static uint32_t initial[TABLE_ENTRIES * 4];
	static struct msi_msg msgs[TABLE_ENTRIES];

	fake_reset();
	struct pci_msix x = msix_setup(TABLE_ENTRIES, 0);
	memcpy(initial, fake.table, sizeof(initial));
	for (unsigned i = 0; i < TABLE_ENTRIES; i++)
		msgs[i] = (struct msi_msg){ 0xfee00010u | i << 5, 0 };
	assert_int_equal(pci_msix_enable(&x, msgs, TABLE_ENTRIES), 0);
	assert_int_equal(check_masked_while_written(initial, TABLE_ENTRIES, 0x07ff, true),
			 3 * TABLE_ENTRIES);
	for (unsigned i = 0; i < TABLE_ENTRIES; i++) {
		assert_int_equal(fake.table[i * 4], 0xfee00010u | i << 5);
		assert_int_equal(fake.table[i * 4 + 3], initial[i * 4 + 3] & ~1u);
	}
}

static void msix_enable_refusals(void **state)
{
	(void)state;
	static uint32_t initial[TABLE_ENTRIES * 4];
	struct msi_msg msgs[9];

	fake_reset();
	struct pci_msix x = msix_setup(8, 0);
	memcpy(initial, fake.table, sizeof(initial));
	for (unsigned i = 0; i < 9; i++)
		msgs[i] = (struct msi_msg){ 0xfee00000, i };
	assert_int_equal(pci_msix_enable(&x, msgs, 0), -EINVAL);
	assert_int_equal(pci_msix_enable(&x, msgs, 9), -EINVAL);
	msgs[5].addr = 0xfee00002;
	assert_int_equal(pci_msix_enable(&x, msgs, 8), -EINVAL);
	assert_int_equal(fake.n, 0);
	assert_memory_equal(fake.table, initial, sizeof(initial));
	assert_int_equal(get16(0x72), 0x0007);
	assert_int_equal(pci_msix_enable(&x, msgs, 5), 0);
}

/* Rewriting a live entry: masked first, unmasked after, Vector Control's
 * other bits kept, a read at the end. */
static void msix_entry_write_live(void **state)
{
	(void)state;
	static uint32_t initial[TABLE_ENTRIES * 4];

	fake_reset();
	struct pci_msix x = msix_setup(8, 0x8000);
	fake.table[5 * 4 + 3] = 0x00ab0000;
	memcpy(initial, fake.table, sizeof(initial));
	assert_int_equal(pci_msix_entry_write(&x, 5, (struct msi_msg){ 0x12fee00020ull, 7 }, false),
			 0);
	assert_int_equal(fake.n, 7);
	expect(0, TBL_R, 0x5c, 0x00ab0000);
	expect(1, TBL_W, 0x5c, 0x00ab0001);
	expect(2, TBL_W, 0x50, 0xfee00020);
	expect(3, TBL_W, 0x54, 0x12);
	expect(4, TBL_W, 0x58, 7);
	expect(5, TBL_W, 0x5c, 0x00ab0000);
	expect(6, TBL_R, 0x5c, 0x00ab0000);
	check_masked_while_written(initial, 8, 0x8007, false);
}

/* Left masked on request; an entry already masked is not masked again. */
static void msix_entry_write_masked(void **state)
{
	(void)state;
	fake_reset();
	struct pci_msix x = msix_setup(8, 0x8000);
	fake.table[1 * 4 + 3] = 0;
	assert_int_equal(pci_msix_entry_write(&x, 1, (struct msi_msg){ 0xfee00040, 1 }, true), 0);
	assert_int_equal(fake.n, 6);
	expect(0, TBL_R, 0x1c, 0);
	expect(1, TBL_W, 0x1c, 1);
	expect(2, TBL_W, 0x10, 0xfee00040);
	expect(3, TBL_W, 0x14, 0);
	expect(4, TBL_W, 0x18, 1);
	expect(5, TBL_R, 0x1c, 1);

	fake.n = 0;
	assert_int_equal(pci_msix_entry_write(&x, 1, (struct msi_msg){ 0xfee00060, 2 }, false), 0);
	assert_int_equal(fake.n, 6);
	expect(0, TBL_R, 0x1c, 1);
	expect(1, TBL_W, 0x10, 0xfee00060);
	expect(2, TBL_W, 0x14, 0);
	expect(3, TBL_W, 0x18, 2);
	expect(4, TBL_W, 0x1c, 0);
	expect(5, TBL_R, 0x1c, 0);
}

static void msix_entry_bounds(void **state)
{
	(void)state;
	static uint32_t initial[TABLE_ENTRIES * 4];
	const struct msi_msg ok = { 0xfee00000, 0 };

	fake_reset();
	struct pci_msix x = msix_setup(8, 0x8000);
	memcpy(initial, fake.table, sizeof(initial));
	const unsigned bad[] = { 8, 9, 2047, 2048, 0xffffffffu };
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		assert_int_equal(pci_msix_entry_write(&x, bad[k], ok, false), -EINVAL);
		assert_int_equal(pci_msix_entry_mask(&x, bad[k]), -EINVAL);
		assert_int_equal(pci_msix_entry_unmask(&x, bad[k]), -EINVAL);
	}
	assert_int_equal(pci_msix_entry_write(&x, 0, (struct msi_msg){ 0xfee00001, 0 }, false),
			 -EINVAL);
	assert_int_equal(pci_msix_entry_write(&x, 0, (struct msi_msg){ 0xfee00003, 0 }, true),
			 -EINVAL);
	assert_int_equal(fake.n, 0);
	assert_memory_equal(fake.table, initial, sizeof(initial));
	assert_int_equal(pci_msix_entry_write(&x, 7, ok, false), 0);
}

static void msix_entry_mask(void **state)
{
	(void)state;
	fake_reset();
	struct pci_msix x = msix_setup(4, 0x8000);
	fake.table[3 * 4 + 3] = 0xff000000;
	assert_int_equal(pci_msix_entry_mask(&x, 3), 0);
	assert_int_equal(pci_msix_entry_unmask(&x, 3), 0);
	assert_int_equal(fake.n, 6);
	expect(0, TBL_R, 0x3c, 0xff000000);
	expect(1, TBL_W, 0x3c, 0xff000001);
	expect(2, TBL_R, 0x3c, 0xff000001);
	expect(3, TBL_R, 0x3c, 0xff000001);
	expect(4, TBL_W, 0x3c, 0xff000000);
	expect(5, TBL_R, 0x3c, 0xff000000);
}

static void msix_function_mask_and_disable(void **state)
{
	(void)state;
	fake_reset();
	struct pci_msix x = msix_setup(16, 0x8000);
	assert_int_equal(pci_msix_function_mask(&x, true), 0);
	assert_int_equal(pci_msix_function_mask(&x, false), 0);
	add_cap(0x70, 0x11, 0xc00f);
	assert_int_equal(pci_msix_disable(&x), 0);
	assert_int_equal(fake.n, 3);
	expect(0, CFG_W16, 0x72, 0xc00f);
	expect(1, CFG_W16, 0x72, 0x800f);
	expect(2, CFG_W16, 0x72, 0x400f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(msi_info_32),
		cmocka_unit_test(msi_info_64_maskable),
		cmocka_unit_test(msi_absent),
		cmocka_unit_test(msi_program_32),
		cmocka_unit_test(msi_program_64),
		cmocka_unit_test(msi_program_layouts),
		cmocka_unit_test(msi_program_counts),
		cmocka_unit_test(msi_program_refusals),
		cmocka_unit_test(msi_disable),
		cmocka_unit_test(msi_mask_32_and_64),
		cmocka_unit_test(msi_mask_unsupported),
		cmocka_unit_test(intx_disable),
		cmocka_unit_test(msix_info),
		cmocka_unit_test(msix_enable),
		cmocka_unit_test(msix_enable_full_table),
		cmocka_unit_test(msix_enable_refusals),
		cmocka_unit_test(msix_entry_write_live),
		cmocka_unit_test(msix_entry_write_masked),
		cmocka_unit_test(msix_entry_bounds),
		cmocka_unit_test(msix_entry_mask),
		cmocka_unit_test(msix_function_mask_and_disable),
	};
	return cmocka_run_group_tests_name("pci_msi", tests, NULL, NULL);
}
