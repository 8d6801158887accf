/* hv/pci/vpci.c over fake physical functions: config space in memory, BARs
 * that keep only their writable bits (so sizing works as on hardware),
 * status RW1C, and every physical write logged. The tests drive the guest
 * side through ECAM and CF8/CFC and check what the guest sees, what
 * reached the devices, and each msi_update() call.
 *
 * Offsets written out by hand (PCI LB 3.0 6.1, 6.2, 6.7, 6.8.1), not with
 * pci_regs.h's names: command 0x04, status 0x06, header type 0x0e, BARs
 * 0x10-0x24, subsystem 0x2c, ROM 0x30, capability pointer 0x34,
 * interrupt line/pin 0x3c/0x3d. MSI: control +2 (enable 0, capable 3:1,
 * enable count 6:4, 64-bit 7, per-vector mask 8), address +4; 32-bit:
 * data +8, mask +0xc, pending +0x10; 64-bit: upper address +8, data +0xc,
 * mask +0x10, pending +0x14. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hv/pci/vpci.h"
#include "tests/unit/log_stub.h"

/* ---- the fake functions ------------------------------------------------------ */

#define MAX_FNS 24
#define MAX_LOG 4096
#define MAX_MSI_CALLS 64

struct fake_fn {
	struct pci_bdf bdf;
	uint8_t cfg[PCI_CFG_SIZE];
	uint32_t bar_wmask[6]; /* the writable bits of each BAR register */
};

enum kind { W16, W32 };

struct access {
	enum kind kind;
	struct pci_bdf bdf;
	uint16_t off;
	uint32_t value;
};

static struct {
	unsigned nfn;
	struct fake_fn fn[MAX_FNS];
	unsigned n;
	struct access log[MAX_LOG];
	unsigned msi_calls;
	unsigned msi_slot[MAX_MSI_CALLS];
	struct vpci_msi_state msi[MAX_MSI_CALLS];
	int msi_rc;
	unsigned msix_calls;
	struct {
		unsigned slot;
		bool enable, function_mask;
	} msix[MAX_MSI_CALLS];
	int msix_rc;
	unsigned reset_calls;
	unsigned reset_slot;
	int reset_rc;
	uint32_t reset_saw_msi_ctl; /* the view's MSI control when reset() came */
} fake;

static bool bdf_eq(struct pci_bdf a, struct pci_bdf b)
{
	return a.segment == b.segment && a.bus == b.bus && a.dev == b.dev && a.fn == b.fn;
}

static struct fake_fn *find(struct pci_bdf d)
{
	for (unsigned i = 0; i < fake.nfn; i++)
		if (bdf_eq(fake.fn[i].bdf, d))
			return &fake.fn[i];
	return NULL;
}

static uint16_t get16(const struct fake_fn *f, unsigned off)
{
	uint16_t v;
	memcpy(&v, f->cfg + off, 2);
	return v;
}

static uint32_t get32(const struct fake_fn *f, unsigned off)
{
	uint32_t v;
	memcpy(&v, f->cfg + off, 4);
	return v;
}

static void put16(struct fake_fn *f, unsigned off, uint16_t v) { memcpy(f->cfg + off, &v, 2); }
static void put32(struct fake_fn *f, unsigned off, uint32_t v) { memcpy(f->cfg + off, &v, 4); }

static uint32_t cfg_read32(void *ctx, struct pci_bdf d, uint16_t off)
{
	assert_ptr_equal(ctx, &fake);
	assert_true(off % 4 == 0 && off < PCI_CFG_SIZE);
	struct fake_fn *f = find(d);
	return f ? get32(f, off) : 0xffffffffu;
}

static void record(enum kind kind, struct pci_bdf d, uint16_t off, uint32_t v)
{
	assert_true(fake.n < MAX_LOG);
	fake.log[fake.n++] = (struct access){ kind, d, off, v };
}

static void cfg_write16(void *ctx, struct pci_bdf d, uint16_t off, uint16_t v)
{
	assert_ptr_equal(ctx, &fake);
	assert_true(off % 2 == 0 && off < PCI_CFG_SIZE);
	struct fake_fn *f = find(d);
	assert_non_null(f);
	record(W16, d, off, v);
	if (off == 0x06)
		put16(f, off, get16(f, off) & ~(v & 0xf900)); /* RW1C */
	else
		put16(f, off, v);
}

static void cfg_write32(void *ctx, struct pci_bdf d, uint16_t off, uint32_t v)
{
	assert_ptr_equal(ctx, &fake);
	assert_true(off % 4 == 0 && off < PCI_CFG_SIZE);
	struct fake_fn *f = find(d);
	assert_non_null(f);
	record(W32, d, off, v);
	if (off >= 0x10 && off <= 0x24) {
		/* Decode must be off while a BAR holds anything but its address. */
		assert_int_equal(get16(f, 0x04) & 0x3, 0);
		uint32_t m = f->bar_wmask[(off - 0x10) / 4];
		put32(f, off, (v & m) | (get32(f, off) & ~m));
	} else {
		put32(f, off, v);
	}
}

static int msi_update(void *ctx, unsigned slot, const struct vpci_msi_state *s)
{
	assert_ptr_equal(ctx, &fake);
	assert_true(fake.msi_calls < MAX_MSI_CALLS);
	fake.msi_slot[fake.msi_calls] = slot;
	fake.msi[fake.msi_calls++] = *s;
	return fake.msi_rc;
}

static int msix_control(void *ctx, unsigned slot, bool enable, bool function_mask)
{
	assert_ptr_equal(ctx, &fake);
	assert_true(fake.msix_calls < MAX_MSI_CALLS);
	fake.msix[fake.msix_calls].slot = slot;
	fake.msix[fake.msix_calls].enable = enable;
	fake.msix[fake.msix_calls++].function_mask = function_mask;
	return fake.msix_rc;
}

static struct vpci v;

static int reset(void *ctx, unsigned slot)
{
	assert_ptr_equal(ctx, &fake);
	fake.reset_calls++;
	fake.reset_slot = slot;
	fake.reset_saw_msi_ctl = (uint32_t)v.dev[slot].msi.enabled | v.dev[slot].msi.log2_enabled << 4;
	return fake.reset_rc;
}

static const struct vpci_ops ops = { .read32 = cfg_read32, .write16 = cfg_write16,
				     .write32 = cfg_write32, .msi_update = msi_update,
				     .msix_control = msix_control, .ctx = &fake, .reset = reset };
/* A hypervisor that offers no reset. */
static const struct vpci_ops ops_no_reset = { .read32 = cfg_read32, .write16 = cfg_write16,
					      .write32 = cfg_write32, .msi_update = msi_update,
					      .msix_control = msix_control, .ctx = &fake };

static struct fake_fn *fn_new(uint8_t bus, uint8_t dev, uint8_t fn, uint32_t id, uint32_t class_rev)
{
	assert_true(fake.nfn < MAX_FNS);
	struct fake_fn *f = &fake.fn[fake.nfn++];
	memset(f, 0, sizeof(*f));
	f->bdf = (struct pci_bdf){ 0, bus, dev, fn };
	put32(f, 0x00, id);
	put32(f, 0x08, class_rev);
	return f;
}

static void bar32(struct fake_fn *f, unsigned i, uint32_t addr, uint32_t size, bool pref)
{
	put32(f, 0x10 + 4 * i, addr | (pref ? 0x8 : 0));
	f->bar_wmask[i] = ~(size - 1) & 0xfffffff0u;
}

static void bar64(struct fake_fn *f, unsigned i, uint64_t addr, uint64_t size, bool pref)
{
	put32(f, 0x10 + 4 * i, (uint32_t)addr | 0x4 | (pref ? 0x8 : 0));
	put32(f, 0x14 + 4 * i, (uint32_t)(addr >> 32));
	f->bar_wmask[i] = (uint32_t)~(size - 1) & 0xfffffff0u;
	f->bar_wmask[i + 1] = (uint32_t)(~(size - 1) >> 32);
}

/* An I/O BAR with bits 31:16 hardwired to 0, as many x86 devices have. */
static void bario(struct fake_fn *f, unsigned i, uint16_t port, uint16_t size)
{
	put32(f, 0x10 + 4 * i, port | 0x1u);
	f->bar_wmask[i] = ~(uint32_t)(size - 1) & 0x0000fffcu;
}

/* A capability `id` at `off` linked to `next`, with 16 bits `ctl`. The
 * first one added sets the status bit and the pointer. */
static void cap(struct fake_fn *f, uint8_t off, uint8_t id, uint8_t next, uint16_t ctl)
{
	if (!f->cfg[0x34]) {
		f->cfg[0x34] = off;
		put16(f, 0x06, get16(f, 0x06) | 0x10);
	}
	put32(f, off, id | (uint32_t)next << 8 | (uint32_t)ctl << 16);
}

/* Physical writes to `f` in [lo, hi). */
static unsigned writes_in(const struct fake_fn *f, unsigned lo, unsigned hi)
{
	unsigned n = 0;
	for (unsigned i = 0; i < fake.n; i++)
		if (bdf_eq(fake.log[i].bdf, f->bdf) && fake.log[i].off >= lo && fake.log[i].off < hi)
			n++;
	return n;
}

static void expect_write(unsigned i, enum kind kind, const struct fake_fn *f, uint16_t off,
			 uint32_t value)
{
	assert_true(i < fake.n);
	const struct access *a = &fake.log[i];
	if (a->kind != kind || !bdf_eq(a->bdf, f->bdf) || a->off != off || a->value != value)
		fail_msg("write %u: w%s %02x:%02x.%x %#x = %#x, want w%s %#x = %#x", i,
			 a->kind == W16 ? "16" : "32", a->bdf.bus, a->bdf.dev, a->bdf.fn, a->off,
			 a->value, kind == W16 ? "16" : "32", off, value);
}

/* ---- the standard guest --------------------------------------------------------
 * slot 0, guest 00:01.0 = A (phys 00:04.0), edu-like: 1234:11e8, 32-bit BAR0
 *   1 MiB, MSI at 0x40 (64-bit, one vector, no masking), nothing else.
 * slot 1, guest 00:02.0 = B (phys 02:00.0), a NIC: capabilities PM 0x40 ->
 *   MSI 0x50 (32-bit, maskable, 32 vectors) -> PCIe 0x70 -> MSI-X 0xb0;
 *   BAR0/1 64-bit prefetchable 16 MiB at 8 GiB, BAR2 I/O 32 ports at
 *   0xe000, BAR3 32-bit 16 KiB.
 * C (phys 00:05.0) exists but is not the guest's; a bridge at 00:1c.0. */

static struct fake_fn *A, *B, *C, *BR;

static void build(void)
{
	memset(&fake, 0, sizeof(fake));
	log_stub_reset();

	A = fn_new(0, 4, 0, 0x11e81234, 0x00ff0010);
	put16(A, 0x06, 0x0010);
	bar32(A, 0, 0xfea00000, 0x100000, false);
	cap(A, 0x40, 0x05, 0, 0x0080);
	put32(A, 0x2c, 0x11001af4);
	A->cfg[0x3d] = 1; /* INTA# */

	B = fn_new(2, 0, 0, 0x10d38086, 0x02000003);
	B->cfg[0x0e] = 0x80; /* multifunction */
	put16(B, 0x04, 0x0007);
	bar64(B, 0, 0x200000000ull, 0x1000000, true);
	bario(B, 2, 0xe000, 0x20);
	bar32(B, 3, 0xfeb00000, 0x4000, false);
	cap(B, 0x40, 0x01, 0x50, 0x0003);              /* PM */
	cap(B, 0x50, 0x05, 0x70, 0x010a);              /* MSI */
	put32(B, 0x60, 0x00000005);                    /* pending bits */
	cap(B, 0x70, 0x10, 0xb0, 0x0002);              /* PCIe */
	cap(B, 0xb0, 0x11, 0x00, 0x0007);              /* MSI-X, 8 entries */
	put32(B, 0xb4, 0x00002000);                    /* table: BAR3 + 0x2000 ... */
	put32(B, 0xb4, 0x00002003);
	put32(B, 0xb8, 0x00003003);                    /* PBA: BAR3 + 0x3000 */
	put32(B, 0x100, 0x00010001);                   /* an extended capability */

	C = fn_new(0, 5, 0, 0x11e81234, 0x00ff0010);
	bar32(C, 0, 0xfe900000, 0x100000, false);

	BR = fn_new(0, 0x1c, 0, 0x29408086, 0x06040000);
	BR->cfg[0x0e] = 0x01;
}

static int setup(void **state)
{
	(void)state;
	build();
	vpci_init(&v, &ops, "alpha");
	assert_int_equal(vpci_add_device(&v, A->bdf), 0);
	assert_int_equal(vpci_add_device(&v, B->bdf), 1);
	fake.n = 0; /* from here on, only what the guest causes */
	return 0;
}

/* Guest accesses. */
static uint32_t ecam_rd_bdf(unsigned bus, unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
	uint32_t val = 0x5a5a5a5a;
	uint64_t off = (uint64_t)bus << 20 | dev << 15 | fn << 12 | reg;
	assert_int_equal(vpci_ecam_read(&v, off, size, &val), 0);
	return val;
}

static uint32_t rd(unsigned dev, unsigned reg, unsigned size)
{
	return ecam_rd_bdf(0, dev, 0, reg, size);
}

static void wr(unsigned dev, unsigned reg, unsigned size, uint32_t val)
{
	uint64_t off = (uint64_t)dev << 15 | reg;
	assert_int_equal(vpci_ecam_write(&v, off, size, val), 0);
}

static uint32_t cf8_rd(unsigned bus, unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
	uint32_t a = 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
	uint32_t val = 0x5a5a5a5a;
	assert_int_equal(vpci_io(&v, 0xcf8, false, 4, &a), 0);
	assert_int_equal(vpci_io(&v, (uint16_t)(0xcfc + (reg & 3)), true, size, &val), 0);
	return val;
}

static void cf8_wr(unsigned bus, unsigned dev, unsigned fn, unsigned reg, unsigned size,
		   uint32_t val)
{
	uint32_t a = 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
	assert_int_equal(vpci_io(&v, 0xcf8, false, 4, &a), 0);
	assert_int_equal(vpci_io(&v, (uint16_t)(0xcfc + (reg & 3)), false, size, &val), 0);
}

static void expect_msi(unsigned call, unsigned slot, bool enabled, uint64_t addr, uint16_t data,
		       uint8_t log2_enabled, uint32_t mask)
{
	assert_true(call < fake.msi_calls);
	const struct vpci_msi_state *s = &fake.msi[call];
	assert_int_equal(fake.msi_slot[call], slot);
	assert_int_equal(s->enabled, enabled);
	assert_int_equal(s->addr, addr);
	assert_int_equal(s->data, data);
	assert_int_equal(s->log2_enabled, log2_enabled);
	assert_int_equal(s->mask, mask);
}

/* ---- the bus --------------------------------------------------------------------- */

/* 00:00.0: a read-only Q35-like host bridge, reachable both ways. */
static void host_bridge(void **state)
{
	(void)state;
	for (int way = 0; way < 2; way++) {
		uint32_t (*r)(unsigned, unsigned, unsigned, unsigned, unsigned) =
			way ? cf8_rd : ecam_rd_bdf;
		assert_int_equal(r(0, 0, 0, 0x00, 4), 0x29c08086);
		assert_int_equal(r(0, 0, 0, 0x08, 4), 0x06000000);
		assert_int_equal(r(0, 0, 0, 0x0b, 1), 0x06);
		assert_int_equal(r(0, 0, 0, 0x0e, 1), 0x00);
		assert_int_equal(r(0, 0, 0, 0x04, 4), 0);
		assert_int_equal(r(0, 0, 0, 0x34, 1), 0);
	}
	wr(0, 0x04, 2, 0xffff);
	wr(0, 0x00, 4, 0);
	cf8_wr(0, 0, 0, 0x10, 4, 0xffffffff);
	assert_int_equal(rd(0, 0x04, 2), 0);
	assert_int_equal(rd(0, 0x00, 4), 0x29c08086);
	assert_int_equal(rd(0, 0x10, 4), 0);
	assert_int_equal(rd(0, 0x100, 4), 0);
	assert_int_equal(fake.n, 0);
}

/* A guest scanning bus 0 function by function, as Linux's pci_scan_slot
 * does, finds the bridge and its two devices, single-function; IDs are
 * the physical ones. */
static void scan(uint32_t (*r)(unsigned, unsigned, unsigned, unsigned, unsigned))
{
	unsigned found = 0;

	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = r(0, dev, fn, 0x00, 4);
			bool want = fn == 0 && dev <= 2;
			assert_int_equal(id != 0xffffffffu, want);
			if (id == 0xffffffffu) {
				assert_int_equal(r(0, dev, fn, 0x00, 2), 0xffff);
				assert_int_equal(r(0, dev, fn, 0x0e, 1), 0xff);
				continue;
			}
			found++;
			assert_int_equal(r(0, dev, fn, 0x0e, 1) & 0x80, 0);
		}
	}
	assert_int_equal(found, 3);
	assert_int_equal(r(0, 1, 0, 0x00, 4), 0x11e81234);
	assert_int_equal(r(0, 2, 0, 0x00, 4), 0x10d38086);
	assert_int_equal(r(0, 2, 0, 0x08, 4), 0x02000003);
	for (unsigned bus = 1; bus < 256; bus += 1)
		assert_int_equal(r(bus, 0, 0, 0x00, 4), 0xffffffffu);
}

static void enumerate_ecam(void **state)
{
	(void)state;
	scan(ecam_rd_bdf);
	/* Beyond 256 buses: still nothing. */
	uint32_t val = 0;
	assert_int_equal(vpci_ecam_read(&v, 1ull << 28, 4, &val), 0);
	assert_int_equal(val, 0xffffffffu);
	assert_int_equal(vpci_ecam_read(&v, (1ull << 40) | (1u << 15), 2, &val), 0);
	assert_int_equal(val, 0xffff);
	assert_int_equal(fake.n, 0);
}

static void enumerate_cf8(void **state)
{
	(void)state;
	scan(cf8_rd);
	assert_int_equal(fake.n, 0);
}

/* CONFIG_ADDRESS: reserved bits 30:24 and 1:0 read 0; with the enable
 * bit clear, data accesses read all-ones and write nothing. */
static void config_address(void **state)
{
	(void)state;
	uint32_t a = 0xffffffffu, val;

	assert_int_equal(vpci_io(&v, 0xcf8, false, 4, &a), 0);
	assert_int_equal(vpci_io(&v, 0xcf8, true, 4, &val), 0);
	assert_int_equal(val, 0x80fffffc);

	a = 1u << 11; /* 00:01.0, enable clear */
	assert_int_equal(vpci_io(&v, 0xcf8, false, 4, &a), 0);
	assert_int_equal(vpci_io(&v, 0xcfc, true, 4, &val), 0);
	assert_int_equal(val, 0xffffffffu);
	val = 0;
	assert_int_equal(vpci_io(&v, 0xcfc, false, 2, &val), 0);
	assert_int_equal(fake.n, 0);

	/* Bytes of 0xCF8-0xCFB are not CONFIG_ADDRESS (0xCF9 resets a
	 * chipset): all-ones, dropped. */
	a = 0x80000800u;
	assert_int_equal(vpci_io(&v, 0xcf8, false, 4, &a), 0);
	val = 0x06;
	assert_int_equal(vpci_io(&v, 0xcf9, false, 1, &val), 0);
	assert_int_equal(vpci_io(&v, 0xcf8, true, 2, &val), 0);
	assert_int_equal(val, 0xffff);
	assert_int_equal(vpci_io(&v, 0xcf8, true, 4, &val), 0);
	assert_int_equal(val, 0x80000800u);

	/* Not this device's ports or sizes. */
	assert_int_equal(vpci_io(&v, 0xcf7, true, 1, &val), -EINVAL);
	assert_int_equal(val, 0xffffffffu);
	assert_int_equal(vpci_io(&v, 0xd00, false, 1, &val), -EINVAL);
	assert_int_equal(vpci_io(&v, 0xcfc, true, 3, &val), -EINVAL);
	assert_int_equal(fake.n, 0);
}

/* The physical functions the guest was not given are nowhere, at their
 * physical address or any other; writes there reach nothing. */
static void only_own_devices(void **state)
{
	(void)state;
	assert_int_equal(rd(5, 0x00, 4), 0xffffffffu);  /* C's physical address */
	assert_int_equal(rd(4, 0x00, 4), 0xffffffffu);  /* A's */
	assert_int_equal(ecam_rd_bdf(2, 0, 0, 0x00, 4), 0xffffffffu); /* B's */
	assert_int_equal(rd(0x1c, 0x00, 4), 0xffffffffu);
	assert_int_equal(rd(3, 0x00, 4), 0xffffffffu);  /* slot 2: empty */
	assert_int_equal(rd(9, 0x00, 4), 0xffffffffu);  /* beyond the slots */
	assert_int_equal(rd(1, 0x00, 4), 0x11e81234);
	assert_int_equal(ecam_rd_bdf(0, 1, 1, 0x00, 4), 0xffffffffu); /* A's function 1 */

	unsigned ignored = v.stats.ignored;
	wr(5, 0x04, 2, 0x0007);
	wr(5, 0x10, 4, 0xffffffffu);
	cf8_wr(0, 4, 0, 0x04, 2, 0x0007);
	cf8_wr(2, 0, 0, 0x04, 2, 0x0000);
	cf8_wr(0, 1, 3, 0x04, 2, 0x0007);
	assert_int_equal(fake.n, 0);
	assert_int_equal(v.stats.ignored, ignored + 5);
	assert_int_equal(get32(C, 0x10), 0xfe900000);
}

/* ---- adding devices ---------------------------------------------------------------- */

static void add_refusals(void **state)
{
	(void)state;
	struct vpci w;

	build();
	vpci_init(&w, &ops, "beta");
	assert_int_equal(vpci_add_device(&w, BR->bdf), -EOPNOTSUPP);
	assert_int_equal(vpci_add_device(&w, (struct pci_bdf){ 0, 9, 9, 1 }), -ENODEV);
	assert_int_equal(vpci_add_device(&w, A->bdf), 0);
	assert_int_equal(vpci_add_device(&w, A->bdf), -EEXIST);

	/* Broken devices: a looping list, a pointer into the header, a
	 * reserved memory BAR type, a 64-bit BAR in BAR5, an MSI capability
	 * running past 0x100. */
	struct fake_fn *loop = fn_new(3, 0, 0, 0x00011234, 0);
	cap(loop, 0x40, 0x05, 0x48, 0);
	cap(loop, 0x48, 0x01, 0x40, 0);
	struct fake_fn *low = fn_new(3, 1, 0, 0x00011234, 0);
	cap(low, 0x40, 0x01, 0x3c, 0);
	struct fake_fn *rsvd = fn_new(3, 2, 0, 0x00011234, 0);
	put32(rsvd, 0x10, 0xfe000006);
	struct fake_fn *last64 = fn_new(3, 3, 0, 0x00011234, 0);
	put32(last64, 0x24, 0xfe000004);
	struct fake_fn *over = fn_new(3, 4, 0, 0x00011234, 0);
	cap(over, 0xf0, 0x05, 0, 0x0180); /* 64-bit maskable: 0x18 bytes */
	fake.n = 0;
	const struct fake_fn *bad[] = { loop, low, rsvd, last64, over };
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(vpci_add_device(&w, bad[i]->bdf), -EINVAL);
	assert_int_equal(fake.n, 0); /* nothing touched */
	assert_false(w.dev[1].present);

	/* Eight slots. */
	for (unsigned i = 1; i < VPCI_MAX_DEVICES; i++) {
		struct fake_fn *f = fn_new(4, (uint8_t)i, 0, 0x00021234, 0);
		assert_int_equal(vpci_add_device(&w, f->bdf), (int)i);
	}
	assert_int_equal(vpci_add_device(&w, C->bdf), -ENOSPC);
	struct pci_bdf g = vpci_guest_bdf(7);
	assert_int_equal(g.bus, 0);
	assert_int_equal(g.dev, 8);
	assert_int_equal(g.fn, 0);
}

/* BARs sized on the device with decode off (the fake asserts it on each
 * BAR write), everything restored, the layout recorded. */
static void add_sizes_bars(void **state)
{
	(void)state;
	const struct vpci_dev *b = &v.dev[1];

	assert_true(b->present);
	assert_int_equal(b->vendor, 0x8086);
	assert_int_equal(b->device, 0x10d3);
	assert_int_equal(b->bar[0].kind, VPCI_BAR_MEM64);
	assert_true(b->bar[0].prefetchable);
	assert_int_equal(b->bar[0].addr, 0x200000000ull);
	assert_int_equal(b->bar[0].size, 0x1000000);
	assert_int_equal(b->bar[1].kind, VPCI_BAR_MEM64_HI);
	assert_int_equal(b->bar[2].kind, VPCI_BAR_IO);
	assert_int_equal(b->bar[2].addr, 0xe000);
	assert_int_equal(b->bar[2].size, 0x20);
	assert_int_equal(b->bar[3].kind, VPCI_BAR_MEM32);
	assert_false(b->bar[3].prefetchable);
	assert_int_equal(b->bar[3].addr, 0xfeb00000);
	assert_int_equal(b->bar[3].size, 0x4000);
	assert_int_equal(b->bar[4].kind, VPCI_BAR_NONE);
	assert_int_equal(b->bar[5].kind, VPCI_BAR_NONE);
	assert_int_equal(b->msi_cap, 0x50);
	assert_int_equal(b->msix_cap, 0xb0);
	assert_int_equal(v.dev[0].bar[0].kind, VPCI_BAR_MEM32);
	assert_int_equal(v.dev[0].bar[0].size, 0x100000);
	assert_int_equal(v.dev[0].msi_cap, 0x40);
	assert_true(v.dev[0].msi.addr64);
	assert_false(v.dev[0].msi.maskable);

	/* Again, watching: decode off, 6 x (ones, original), decode back. */
	build();
	vpci_init(&v, &ops, "alpha");
	assert_int_equal(vpci_add_device(&v, B->bdf), 0);
	assert_int_equal(fake.n, 14);
	expect_write(0, W16, B, 0x04, 0x0004);
	expect_write(1, W32, B, 0x10, 0xffffffffu);
	expect_write(2, W32, B, 0x10, 0x0000000c);
	expect_write(3, W32, B, 0x14, 0xffffffffu);
	expect_write(4, W32, B, 0x14, 0x00000002);
	expect_write(5, W32, B, 0x18, 0xffffffffu);
	expect_write(6, W32, B, 0x18, 0x0000e001);
	expect_write(13, W16, B, 0x04, 0x0007);
	assert_int_equal(get32(B, 0x10), 0x0000000c);
	assert_int_equal(get32(B, 0x14), 0x00000002);
	assert_int_equal(get32(B, 0x18), 0x0000e001);
	assert_int_equal(get32(B, 0x1c), 0xfeb00000);
	assert_int_equal(get16(B, 0x04), 0x0007);

	/* A with decode already off: the command register is not written. */
	fake.n = 0;
	assert_int_equal(vpci_add_device(&v, A->bdf), 1);
	assert_int_equal(writes_in(A, 0x04, 0x08), 0);
}

/* ---- BARs --------------------------------------------------------------------------- */

/* Linux's __pci_read_base: original, all-ones, size mask, original back;
 * the physical BARs are never written. */
static void bar_sizing(void **state)
{
	(void)state;
	static const struct {
		unsigned reg;
		uint32_t value, size_mask;
	} want[] = {
		{ 0x10, 0x0000000c, 0xff00000c }, /* 64-bit prefetchable, low */
		{ 0x14, 0x00000002, 0xffffffff }, /* ... high */
		{ 0x18, 0x0000e001, 0x0000ffe1 }, /* I/O, upper bits hardwired 0 */
		{ 0x1c, 0xfeb00000, 0xffffc000 }, /* 32-bit */
		{ 0x20, 0, 0 },                   /* unimplemented */
		{ 0x24, 0, 0 },
	};
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(rd(2, want[i].reg, 4), want[i].value);
		wr(2, want[i].reg, 4, 0xffffffffu);
		assert_int_equal(rd(2, want[i].reg, 4), want[i].size_mask);
		cf8_wr(0, 2, 0, want[i].reg, 4, want[i].value);
		assert_int_equal(cf8_rd(0, 2, 0, want[i].reg, 4), want[i].value);
	}
	/* Both halves of the 64-bit BAR in sizing at once. */
	wr(2, 0x10, 4, 0xffffffffu);
	wr(2, 0x14, 4, 0xffffffffu);
	assert_int_equal(rd(2, 0x10, 4), 0xff00000c);
	assert_int_equal(rd(2, 0x14, 4), 0xffffffff);
	wr(2, 0x10, 4, 0x0000000c);
	wr(2, 0x14, 4, 0x00000002);
	assert_int_equal(rd(2, 0x14, 4), 0x00000002);

	assert_int_equal(rd(1, 0x10, 4), 0xfea00000);
	wr(1, 0x10, 4, 0xffffffffu);
	assert_int_equal(rd(1, 0x10, 4), 0xfff00000);
	wr(1, 0x10, 4, 0xfea00000);
	assert_int_equal(v.stats.bar_refused, 0);
	assert_int_equal(fake.n, 0);
}

/* A BAR never moves: any value but all-ones or its address is refused,
 * counted and logged (within the log budget); it ends sizing. */
static void bar_move_refused(void **state)
{
	(void)state;
	wr(2, 0x1c, 4, 0xfe000000);
	assert_int_equal(rd(2, 0x1c, 4), 0xfeb00000);
	assert_int_equal(v.stats.bar_refused, 1);
	assert_int_equal(log_stub_count[LOG_WARN], 1);
	assert_non_null(strstr(log_stub_last, "BAR3"));

	wr(2, 0x14, 4, 0x00000001); /* the upper half */
	assert_int_equal(rd(2, 0x14, 4), 0x00000002);
	wr(2, 0x18, 4, 0x0000c001); /* I/O */
	assert_int_equal(rd(2, 0x18, 4), 0x0000e001);
	assert_int_equal(v.stats.bar_refused, 3);

	/* Sizing, then a bad address: back to the real one. */
	wr(2, 0x1c, 4, 0xffffffffu);
	wr(2, 0x1c, 4, 0x80000000u);
	assert_int_equal(rd(2, 0x1c, 4), 0xfeb00000);
	/* Half a register: merged with the rest, 0xfeb0ffff is no address. */
	wr(2, 0x1c, 2, 0xffff);
	assert_int_equal(rd(2, 0x1c, 4), 0xfeb00000);
	/* The type bits are read-only: writing the address without them is
	 * the address. */
	wr(2, 0x10, 4, 0x00000000);
	assert_int_equal(v.stats.bar_refused, 5);

	/* A guest hammering gets counted, not a flooded console. */
	for (unsigned i = 0; i < 100; i++)
		wr(1, 0x10, 4, i << 20);
	assert_int_equal(v.stats.bar_refused, 105);
	assert_true(log_stub_count[LOG_WARN] <= 16);
	assert_non_null(strstr(log_stub_last, "dropped"));
	assert_int_equal(fake.n, 0);
	assert_int_equal(get32(B, 0x1c), 0xfeb00000);
}

/* Firmware left a BAR unassigned (address 0): hidden, as unimplemented. */
static void bar_unassigned_hidden(void **state)
{
	(void)state;
	struct fake_fn *f = fn_new(5, 0, 0, 0x00031234, 0);
	bar32(f, 0, 0, 0x1000, false);
	bar64(f, 1, 0, 0x10000, false);
	bar32(f, 3, 0xfe800000, 0x1000, false);
	log_stub_reset();
	assert_int_equal(vpci_add_device(&v, f->bdf), 2);
	assert_int_equal(log_stub_count[LOG_WARN], 2);
	assert_int_equal(v.dev[2].bar[0].kind, VPCI_BAR_NONE);
	assert_int_equal(v.dev[2].bar[1].kind, VPCI_BAR_NONE);
	assert_int_equal(v.dev[2].bar[2].kind, VPCI_BAR_NONE);
	assert_int_equal(v.dev[2].bar[3].kind, VPCI_BAR_MEM32);
	for (unsigned reg = 0x10; reg < 0x1c; reg += 4) {
		wr(3, reg, 4, 0xffffffffu);
		assert_int_equal(rd(3, reg, 4), 0);
	}
	assert_int_equal(rd(3, 0x1c, 4), 0xfe800000);
}

/* ---- command and status ------------------------------------------------------------ */

static void command_filter(void **state)
{
	(void)state;
	put16(A, 0x04, 0x0100); /* SERR# enable, set by firmware: kept */

	wr(1, 0x04, 2, 0xffff);
	assert_int_equal(fake.n, 1);
	expect_write(0, W16, A, 0x04, 0x0507);
	assert_int_equal(rd(1, 0x04, 2), 0x0407);

	wr(1, 0x04, 2, 0x0000);
	expect_write(1, W16, A, 0x04, 0x0500);
	assert_int_equal(rd(1, 0x04, 2), 0x0400);

	/* A byte to the low half: memory space on, the rest as it was. */
	cf8_wr(0, 1, 0, 0x04, 1, 0x02);
	expect_write(2, W16, A, 0x04, 0x0502);
	/* The high byte holds nothing the guest controls: no write. */
	wr(1, 0x05, 1, 0xff);
	assert_int_equal(fake.n, 3);
	assert_int_equal(rd(1, 0x04, 1), 0x02);
	assert_int_equal(rd(1, 0x05, 1), 0x04);
	/* Only INTx disable missing physically: forced back on any write. */
	put16(A, 0x04, 0x0002);
	wr(1, 0x04, 1, 0x02);
	expect_write(3, W16, A, 0x04, 0x0402);

	/* A quarantined device: bus mastering stays off whatever the guest
	 * writes; memory space still follows. */
	v.dev[0].bus_master_blocked = true;
	wr(1, 0x04, 2, 0x0006);
	assert_int_equal(fake.n, 4); /* 0x0402 already: nothing to write */
	wr(1, 0x04, 2, 0x0004);
	expect_write(4, W16, A, 0x04, 0x0400);
	assert_false(get16(A, 0x04) & 0x0004);
}

/* Status: Capabilities List virtual, Interrupt Status hidden; writes pass
 * on only the RW1C error bits written as 1. */
static void status_rw1c(void **state)
{
	(void)state;
	put16(A, 0x06, 0xf918);
	assert_int_equal(rd(1, 0x06, 2), 0xf910);
	assert_int_equal(rd(1, 0x04, 4), 0xf9100000);

	/* A dword write to command: status only gets what was written as 1. */
	wr(1, 0x04, 4, 0x20000006);
	assert_int_equal(fake.n, 2);
	expect_write(0, W16, A, 0x04, 0x0406);
	expect_write(1, W16, A, 0x06, 0x2000);
	assert_int_equal(get16(A, 0x06), 0xd918);

	/* Writing back what was read clears exactly what was read set. */
	wr(1, 0x06, 2, rd(1, 0x06, 2));
	expect_write(2, W16, A, 0x06, 0xd900);
	assert_int_equal(get16(A, 0x06), 0x0018);

	/* Non-error bits and byte writes to the command register: nothing to
	 * status. */
	wr(1, 0x06, 2, 0x06ff);
	wr(1, 0x04, 1, 0x06);
	wr(1, 0x04, 2, 0x0006);
	assert_int_equal(fake.n, 3);
	put16(A, 0x06, 0x8010);
	wr(1, 0x07, 1, 0x80);
	expect_write(3, W16, A, 0x06, 0x8000);
	assert_int_equal(get16(A, 0x06), 0x0010);
}

/* ---- capabilities ------------------------------------------------------------------ */

/* Walks the guest's list like an OS; returns the IDs seen. */
static unsigned walk(unsigned dev, uint8_t *ids, uint8_t *offs)
{
	unsigned n = 0;
	if (!(rd(dev, 0x06, 2) & 0x10))
		return 0;
	for (uint8_t p = (uint8_t)rd(dev, 0x34, 1); p; p = (uint8_t)rd(dev, p + 1, 1)) {
		assert_true(n < 48);
		assert_true(p >= 0x40 && p % 4 == 0);
		offs[n] = p;
		ids[n++] = (uint8_t)rd(dev, p, 1);
	}
	return n;
}

static void cap_hiding(void **state)
{
	(void)state;
	uint8_t ids[48], offs[48];

	assert_int_equal(walk(2, ids, offs), 2);
	assert_int_equal(ids[0], 0x05);
	assert_int_equal(offs[0], 0x50);
	assert_int_equal(ids[1], 0x11);
	assert_int_equal(offs[1], 0xb0);
	assert_int_equal(cf8_rd(0, 2, 0, 0x34, 1), 0x50);
	assert_int_equal(cf8_rd(0, 2, 0, 0x50, 4), 0x010ab005);
	/* PM and PCIe read 0 through and through; so do reserved bytes. */
	for (unsigned reg = 0x40; reg < 0x50; reg += 4)
		assert_int_equal(rd(2, reg, 4), 0);
	for (unsigned reg = 0x70; reg < 0xb0; reg += 4)
		assert_int_equal(rd(2, reg, 4), 0);
	for (unsigned reg = 0xbc; reg < 0x100; reg += 4)
		assert_int_equal(rd(2, reg, 4), 0);
	assert_int_equal(rd(2, 0x35, 1), 0);
	assert_int_equal(rd(2, 0x38, 4), 0);
	/* Writes to hidden capabilities go nowhere. */
	wr(2, 0x44, 2, 0x0003); /* PM: D3hot */
	wr(2, 0x78, 2, 0x8000); /* PCIe device control: FLR */
	assert_int_equal(fake.n, 0);
	assert_int_equal(v.stats.ignored, 2);

	assert_int_equal(walk(1, ids, offs), 1);
	assert_int_equal(offs[0], 0x40);
	assert_int_equal(rd(1, 0x40, 4), 0x00800005);

	/* MSI-X first, then MSI behind a vendor capability: the physical
	 * order, relinked. */
	struct fake_fn *f = fn_new(6, 0, 0, 0x00041234, 0);
	cap(f, 0x60, 0x11, 0x50, 0x0000);
	cap(f, 0x50, 0x09, 0x40, 0x0000);
	cap(f, 0x40, 0x05, 0x00, 0x0000);
	assert_int_equal(vpci_add_device(&v, f->bdf), 2);
	assert_int_equal(walk(3, ids, offs), 2);
	assert_int_equal(offs[0], 0x60);
	assert_int_equal(offs[1], 0x40);
	assert_int_equal(rd(3, 0x50, 4), 0);

	/* Only hidden capabilities: no list at all. */
	struct fake_fn *g = fn_new(6, 1, 0, 0x00041234, 0);
	cap(g, 0x40, 0x01, 0x00, 0x0003);
	assert_int_equal(vpci_add_device(&v, g->bdf), 3);
	assert_int_equal(rd(4, 0x06, 2) & 0x10, 0);
	assert_int_equal(rd(4, 0x34, 1), 0);
	assert_int_equal(rd(4, 0x40, 4), 0);
}

/* ---- MSI -------------------------------------------------------------------------- */

/* edu's capability: 64-bit, one vector, no masking, at 0x40. A Linux-like
 * sequence (address, upper address, data, then enable), a retarget while
 * enabled, disable. Each change is one msi_update(); the device's MSI
 * registers are never written. */
static void msi_edu_like(void **state)
{
	(void)state;
	assert_int_equal(rd(1, 0x42, 2), 0x0080);

	wr(1, 0x44, 4, 0xfee01000);
	wr(1, 0x48, 4, 0);          /* unchanged: no call */
	wr(1, 0x4c, 2, 0x0041);
	wr(1, 0x42, 2, 0x0081);
	assert_int_equal(fake.msi_calls, 3);
	expect_msi(0, 0, false, 0xfee01000, 0, 0, 0);
	expect_msi(1, 0, false, 0xfee01000, 0x41, 0, 0);
	expect_msi(2, 0, true, 0xfee01000, 0x41, 0, 0);
	assert_true(fake.msi[2].addr64);
	assert_false(fake.msi[2].maskable);
	assert_int_equal(fake.msi[2].log2_capable, 0);

	assert_int_equal(rd(1, 0x40, 4), 0x00810005);
	assert_int_equal(rd(1, 0x44, 4), 0xfee01000);
	assert_int_equal(rd(1, 0x48, 4), 0);
	assert_int_equal(rd(1, 0x4c, 4), 0x41);
	assert_int_equal(cf8_rd(0, 1, 0, 0x4c, 2), 0x41);

	/* Retarget: another CPU, then another vector, MSI still on. */
	wr(1, 0x44, 4, 0xfee03000);
	wr(1, 0x4c, 2, 0x0042);
	expect_msi(3, 0, true, 0xfee03000, 0x41, 0, 0);
	expect_msi(4, 0, true, 0xfee03000, 0x42, 0, 0);
	/* Upper address bits are kept (the hypervisor refuses them). */
	wr(1, 0x48, 4, 1);
	expect_msi(5, 0, true, 0x1fee03000ull, 0x42, 0, 0);
	wr(1, 0x48, 4, 0);

	/* More vectors than capable, Extended Message Data, address bits 1:0:
	 * not taken. */
	unsigned calls = fake.msi_calls;
	wr(1, 0x42, 2, 0x0771);
	wr(1, 0x44, 4, 0xfee03003);
	wr(1, 0x4c, 4, 0xffff0042);
	assert_int_equal(rd(1, 0x42, 2), 0x0081);
	assert_int_equal(rd(1, 0x44, 4), 0xfee03000);
	assert_int_equal(rd(1, 0x4c, 4), 0x42);
	assert_int_equal(fake.msi_calls, calls);

	wr(1, 0x42, 2, 0x0080);
	expect_msi(calls, 0, false, 0xfee03000, 0x42, 0, 0);
	assert_int_equal(writes_in(A, 0x40, 0x50), 0);
	assert_int_equal(fake.n, 0);
	assert_int_equal(get32(A, 0x40), 0x00800005);
}

/* B: 32-bit address, per-vector masking, 32 vectors. */
static void msi_maskable_32(void **state)
{
	(void)state;
	assert_int_equal(rd(2, 0x52, 2), 0x010a);
	assert_int_equal(rd(2, 0x5c, 4), 0);          /* mask */
	assert_int_equal(rd(2, 0x60, 4), 0x00000005); /* pending: the device's */

	wr(2, 0x5c, 4, 0xffffffffu);
	wr(2, 0x54, 4, 0xfee02000);
	wr(2, 0x58, 2, 0x0060);
	wr(2, 0x52, 2, 0x0051); /* 32 vectors, on */
	assert_int_equal(fake.msi_calls, 4);
	expect_msi(0, 1, false, 0, 0, 0, 0xffffffffu);
	expect_msi(3, 1, true, 0xfee02000, 0x60, 5, 0xffffffffu);
	assert_false(fake.msi[3].addr64);
	assert_true(fake.msi[3].maskable);
	assert_int_equal(fake.msi[3].log2_capable, 5);
	assert_int_equal(rd(2, 0x52, 2), 0x015b);

	/* Unmask vectors 8..15 with one byte: the others stay. */
	wr(2, 0x5d, 1, 0x00);
	expect_msi(4, 1, true, 0xfee02000, 0x60, 5, 0xffff00ffu);
	assert_int_equal(rd(2, 0x5c, 4), 0xffff00ffu);
	/* Pending bits are read-only: no call. */
	wr(2, 0x60, 4, 0);
	assert_int_equal(fake.msi_calls, 5);
	assert_int_equal(rd(2, 0x60, 4), 0x00000005);
	/* There is no upper address: 0x58 is data, 16 bits. */
	wr(2, 0x58, 4, 0xabcd0040);
	expect_msi(5, 1, true, 0xfee02000, 0x40, 5, 0xffff00ffu);
	assert_int_equal(rd(2, 0x58, 4), 0x40);
	assert_int_equal(writes_in(B, 0x50, 0x64), 0);
	assert_int_equal(fake.n, 0);
}

/* A 64-bit maskable capability with 4 vectors: only 4 mask and pending
 * bits exist, the enable count is capped at 4. */
static void msi_mask_bits_limited(void **state)
{
	(void)state;
	struct fake_fn *f = fn_new(7, 0, 0, 0x00051234, 0);
	cap(f, 0x60, 0x05, 0x00, 0x0184);
	put32(f, 0x74, 0xffffffffu);
	assert_int_equal(vpci_add_device(&v, f->bdf), 2);
	fake.n = 0;

	assert_int_equal(rd(3, 0x62, 2), 0x0184);
	assert_int_equal(rd(3, 0x74, 4), 0xf);
	wr(3, 0x70, 4, 0xffffffffu);
	assert_int_equal(rd(3, 0x70, 4), 0xf);
	wr(3, 0x62, 2, 0x0071);
	assert_int_equal(rd(3, 0x62, 2), 0x01a5);
	expect_msi(1, 2, true, 0, 0, 2, 0xf);
	wr(3, 0x68, 4, 0x12345678);
	wr(3, 0x6c, 2, 0x0030);
	expect_msi(3, 2, true, 0x1234567800000000ull, 0x30, 2, 0xf);
	/* The capability is 0x18 bytes: 0x78 on is outside it. */
	assert_int_equal(rd(3, 0x78, 4), 0);
	assert_int_equal(fake.n, 0);
}

/* A refused state is counted; the guest still reads what it wrote. */
static void msi_refused(void **state)
{
	(void)state;
	fake.msi_rc = -EPERM;
	wr(1, 0x44, 4, 0xfee7f000);
	wr(1, 0x42, 2, 0x0081);
	assert_int_equal(fake.msi_calls, 2);
	assert_int_equal(v.stats.msi_refused, 2);
	assert_int_equal(rd(1, 0x44, 4), 0xfee7f000);
	assert_int_equal(rd(1, 0x42, 2), 0x0081);
	fake.msi_rc = 0;
	wr(1, 0x4c, 2, 0x0031);
	assert_int_equal(v.stats.msi_refused, 2);
	assert_int_equal(fake.n, 0);
}

static void expect_msix(unsigned call, unsigned slot, bool enable, bool function_mask)
{
	assert_true(call < fake.msix_calls);
	assert_int_equal(fake.msix[call].slot, slot);
	assert_int_equal(fake.msix[call].enable, enable);
	assert_int_equal(fake.msix[call].function_mask, function_mask);
}

/* MSI-X: the physical registers shown, except Enable and Function Mask,
 * which are the guest's; the rest is read-only, its writes dropped and
 * counted. The physical capability is never written. */
static void msix_read_only(void **state)
{
	(void)state;
	assert_int_equal(rd(2, 0xb0, 4), 0x00070011);
	assert_int_equal(rd(2, 0xb4, 4), 0x00002003);
	assert_int_equal(rd(2, 0xb8, 4), 0x00003003);
	log_stub_reset();
	wr(2, 0xb4, 4, 0);
	wr(2, 0xb8, 4, 0x1000);
	wr(2, 0xb0, 2, 0xffff);   /* ID and next */
	wr(2, 0xb2, 1, 0xff);     /* Table Size's low byte */
	assert_int_equal(v.stats.msix_ignored, 4);
	assert_int_equal(log_stub_count[LOG_WARN], 4);
	assert_non_null(strstr(log_stub_last, "MSI-X"));
	assert_int_equal(rd(2, 0xb0, 4), 0x00070011);
	assert_int_equal(rd(2, 0xb4, 4), 0x00002003);
	assert_int_equal(rd(2, 0xb8, 4), 0x00003003);
	/* Table Size stays the device's whatever the guest writes with the
	 * control bits. */
	wr(2, 0xb2, 2, 0x07ff);
	assert_int_equal(rd(2, 0xb2, 2), 0x0007);
	assert_int_equal(fake.n, 0);
	assert_int_equal(fake.msi_calls, 0);
	assert_int_equal(fake.msix_calls, 0);
}

/* Linux's sequence (msix_capability_init): Enable with Function Mask,
 * the table programmed, Function Mask cleared; later disabled. Each
 * change is one msix_control() with both bits; the device's control is
 * never written; the guest reads back its bits over the device's. */
static void msix_control_linux_like(void **state)
{
	(void)state;
	B->cfg[0xb3] = 0x00;
	wr(2, 0xb2, 2, 0xc000);
	assert_int_equal(fake.msix_calls, 1);
	expect_msix(0, 1, true, true);
	assert_int_equal(rd(2, 0xb0, 4), 0xc0070011);
	assert_int_equal(rd(2, 0xb3, 1), 0xc0);
	wr(2, 0xb2, 2, 0x8000);
	expect_msix(1, 1, true, false);
	assert_int_equal(rd(2, 0xb2, 2), 0x8007);
	/* Rewriting the same bits calls nothing. */
	wr(2, 0xb2, 2, 0x8000);
	cf8_wr(0, 2, 0, 0xb2, 2, 0x8007);
	assert_int_equal(fake.msix_calls, 2);
	/* A dword write of the header works too (ID, next, Table Size are
	 * read-only lanes); a byte write of the upper control byte too. */
	wr(2, 0xb0, 4, 0x40001234);
	expect_msix(2, 1, false, true);
	assert_int_equal(rd(2, 0xb0, 4), 0x40070011);
	cf8_wr(0, 2, 0, 0xb3, 1, 0x00);
	expect_msix(3, 1, false, false);
	assert_int_equal(rd(2, 0xb0, 4), 0x00070011);
	assert_int_equal(fake.msix_calls, 4);
	assert_int_equal(v.stats.msix_ignored, 0);
	assert_int_equal(fake.n, 0);
	assert_int_equal(fake.msi_calls, 0);
}

/* The device's own Enable and Function Mask (as the hypervisor sets them)
 * do not show through; a refused change is counted, the guest still reads
 * what it wrote (as for MSI); without the callback the bits are kept. */
static void msix_control_physical_hidden(void **state)
{
	(void)state;
	B->cfg[0xb3] = 0xc0; /* the hypervisor holds the function masked */
	assert_int_equal(rd(2, 0xb0, 4), 0x00070011);
	fake.msix_rc = -EPERM;
	wr(2, 0xb3, 1, 0x80);
	assert_int_equal(v.stats.msix_refused, 1);
	expect_msix(0, 1, true, false);
	assert_int_equal(rd(2, 0xb0, 4), 0x80070011);
	assert_int_equal(fake.n, 0);

	struct vpci_ops bare = ops;
	bare.msix_control = NULL;
	struct vpci w;
	vpci_init(&w, &bare, "beta");
	assert_int_equal(vpci_add_device(&w, B->bdf), 0);
	fake.n = 0;
	uint32_t val = 0xc000;
	assert_int_equal(vpci_ecam_write(&w, (1u << 15) | 0xb2, 2, val), 0);
	assert_int_equal(vpci_ecam_read(&w, (1u << 15) | 0xb0, 4, &val), 0);
	assert_int_equal(val, 0xc0070011);
	assert_int_equal(fake.msix_calls, 1);
	assert_int_equal(fake.n, 0);
}

/* ---- the rest of the header -------------------------------------------------------- */

static void header_rest(void **state)
{
	(void)state;
	put32(B, 0x0c, 0x80800010); /* BIST capable, multifunction, latency 0, line 0x10 */
	put32(B, 0x28, 0x12345678);
	put32(B, 0x30, 0xfff00001); /* ROM enabled */
	put32(B, 0x3c, 0x0a0b010b);

	assert_int_equal(rd(2, 0x0c, 4), 0x00000010);
	assert_int_equal(rd(2, 0x0e, 1), 0x00);
	assert_int_equal(rd(2, 0x0f, 1), 0x00);
	assert_int_equal(rd(2, 0x28, 4), 0);
	wr(2, 0x30, 4, 0xfffff800u);
	assert_int_equal(rd(2, 0x30, 4), 0);
	assert_int_equal(rd(1, 0x2c, 4), 0x11001af4);
	wr(2, 0x0c, 1, 0x08);
	wr(2, 0x0f, 1, 0x40); /* start BIST: not here */
	wr(2, 0x00, 4, 0);
	wr(2, 0x08, 4, 0);
	wr(2, 0x34, 1, 0x40);
	assert_int_equal(rd(2, 0x34, 1), 0x50);
	assert_int_equal(fake.n, 0);

	/* Interrupt pin 0 (MSI only), line a scratch byte, Min_Gnt/Max_Lat
	 * the device's. */
	assert_int_equal(rd(2, 0x3c, 4), 0x0a0b0000);
	assert_int_equal(rd(1, 0x3d, 1), 0);
	wr(2, 0x3c, 2, 0x010b);
	assert_int_equal(rd(2, 0x3c, 4), 0x0a0b000b);
	wr(2, 0x3d, 1, 0x04);
	assert_int_equal(rd(2, 0x3c, 2), 0x000b);
	assert_int_equal(fake.n, 0);

	/* Extended config space reads 0 (the device's own list included); a
	 * write there reaches nothing. */
	assert_int_equal(rd(2, 0x100, 4), 0);
	assert_int_equal(rd(2, 0xffc, 4), 0);
	assert_int_equal(rd(2, 0xfff, 1), 0);
	wr(2, 0x100, 4, 0xffffffffu);
	assert_int_equal(fake.n, 0);
}

/* ---- access sizes -------------------------------------------------------------------- */

/* 1- and 2-byte reads pick their lanes out of the dword, both ways. */
static void subdword_reads(void **state)
{
	(void)state;
	static const uint8_t id[] = { 0x86, 0x80, 0xd3, 0x10 };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(rd(2, i, 1), id[i]);
		assert_int_equal(cf8_rd(0, 2, 0, i, 1), id[i]);
	}
	assert_int_equal(rd(2, 0x02, 2), 0x10d3);
	assert_int_equal(cf8_rd(0, 2, 0, 0x02, 2), 0x10d3);
	assert_int_equal(rd(2, 0x0b, 1), 0x02);
	assert_int_equal(cf8_rd(0, 2, 0, 0x09, 1), 0x00);
	assert_int_equal(rd(2, 0x51, 1), 0xb0);
	assert_int_equal(cf8_rd(0, 2, 0, 0x53, 1), 0x01);
}

/* Byte and word writes merge with the rest of the register. */
static void subdword_writes(void **state)
{
	(void)state;
	static const uint8_t addr[] = { 0x00, 0x30, 0xe0, 0xfe };
	for (unsigned i = 0; i < 4; i++)
		cf8_wr(0, 1, 0, 0x44 + i, 1, addr[i]);
	assert_int_equal(rd(1, 0x44, 4), 0xfee03000);
	assert_int_equal(fake.msi_calls, 3); /* byte 0 wrote 0 over 0 */
	expect_msi(2, 0, false, 0xfee03000, 0, 0, 0);

	wr(1, 0x4d, 1, 0x12);
	wr(1, 0x4c, 1, 0x34);
	assert_int_equal(rd(1, 0x4c, 2), 0x1234);
	/* The enable byte alone: the upper control byte is kept. */
	wr(1, 0x42, 1, 0x01);
	assert_int_equal(rd(1, 0x42, 2), 0x0081);
	expect_msi(fake.msi_calls - 1, 0, true, 0xfee03000, 0x1234, 0, 0);
	/* The capability ID and next bytes are read-only. */
	unsigned calls = fake.msi_calls;
	wr(1, 0x40, 2, 0xffff);
	assert_int_equal(rd(1, 0x40, 4), 0x00810005);
	assert_int_equal(fake.msi_calls, calls);
	assert_int_equal(fake.n, 0);
}

/* Misaligned and 8-byte MMIO accesses: all-ones, nothing written, and the
 * caller told. Through CFC: all-ones, dropped. */
static void misaligned(void **state)
{
	(void)state;
	uint32_t val;
	static const struct {
		uint64_t off;
		unsigned size;
	} bad[] = { { 0x01, 2 }, { 0x02, 4 }, { 0x03, 2 }, { 0x00, 8 }, { 0x00, 3 }, { 0x00, 0 } };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t off = (1u << 15) | bad[i].off;
		val = 0;
		assert_int_equal(vpci_ecam_read(&v, off, bad[i].size, &val), -EINVAL);
		assert_int_equal(val, 0xffffffffu);
		assert_int_equal(vpci_ecam_write(&v, off | 0x04, bad[i].size, 0), -EINVAL);
		assert_int_equal(vpci_ecam_write(&v, (1u << 15) | 0x43, bad[i].size, 0), -EINVAL);
	}
	assert_int_equal(vpci_ecam_write(&v, (1u << 15) | 0x06, 4, 0), -EINVAL);

	uint32_t a = 0x80000800u | 0x04;
	assert_int_equal(vpci_io(&v, 0xcf8, false, 4, &a), 0);
	assert_int_equal(vpci_io(&v, 0xcfd, true, 2, &val), 0);
	assert_int_equal(val, 0xffff);
	assert_int_equal(vpci_io(&v, 0xcfe, true, 4, &val), 0);
	assert_int_equal(val, 0xffffffffu);
	val = 0;
	assert_int_equal(vpci_io(&v, 0xcfd, false, 2, &val), 0);
	assert_int_equal(vpci_io(&v, 0xcff, false, 4, &val), 0);
	assert_int_equal(fake.n, 0);
	assert_int_equal(fake.msi_calls, 0);
	/* Aligned sub-dword data ports work. */
	assert_int_equal(vpci_io(&v, 0xcfe, true, 2, &val), 0);
	assert_int_equal(val, 0x0010);
}

/* ---- function-level reset: the Advanced Features capability ---------------------
 * D (phys 03:00.0, guest 00:03.0): MSI 0x50 (64-bit, 4 vectors capable)
 * -> PCIe 0x60 with FLR -> MSI-X 0xa0 (4 entries). AF: ID 0x13, next +1,
 * length +2 (6), AF_CAP +3 (TP 0, FLR 1), AF_CTRL +4 (FLR 0), AF_STATUS
 * +5 (TP 0). PCIe: Device Capabilities +4 (FLR 28), Device Status +0xa
 * (Transactions Pending 5). */

static struct fake_fn *flr_fn(uint8_t bus, uint8_t pcie)
{
	struct fake_fn *f = fn_new(bus, 0, 0, 0x00101b36, 0x01080200);
	bar64(f, 0, 0xfe800000, 0x4000, false);
	cap(f, 0x50, 0x05, pcie, 0x0084);
	cap(f, pcie, 0x10, 0xa0, 0x0002);
	put32(f, pcie + 4, 1u << 28);
	cap(f, 0xa0, 0x11, 0x00, 0x0003);
	return f;
}

static void af_offered(void **state)
{
	(void)state;
	uint8_t ids[48], offs[48];
	struct fake_fn *D = flr_fn(3, 0x60);
	assert_int_equal(vpci_add_device(&v, D->bdf), 2);

	/* Physical order, AF where PCIe was. */
	assert_int_equal(walk(3, ids, offs), 3);
	assert_int_equal(offs[0], 0x50);
	assert_int_equal(ids[1], 0x13);
	assert_int_equal(offs[1], 0x60);
	assert_int_equal(offs[2], 0xa0);
	assert_int_equal(rd(3, 0x60, 4), 0x0306a013);
	assert_int_equal(rd(3, 0x64, 4), 0);
	/* The rest of the PCIe capability stays hidden. */
	for (unsigned reg = 0x68; reg < 0xa0; reg += 4)
		assert_int_equal(rd(3, reg, 4), 0);
	/* Transactions Pending is the device's. */
	put16(D, 0x6a, 0x0020);
	assert_int_equal(rd(3, 0x65, 1), 0x01);
	assert_int_equal(rd(3, 0x64, 2), 0x0100);
	put16(D, 0x6a, 0x0000);
	assert_int_equal(rd(3, 0x65, 1), 0);

	/* Writes that are not Initiate FLR go nowhere. */
	fake.n = 0;
	wr(3, 0x60, 4, 0xffffffffu);
	wr(3, 0x64, 1, 0xfe);
	wr(3, 0x65, 1, 0xff);
	wr(3, 0x64, 2, 0xff00);
	assert_int_equal(fake.n, 0);
	assert_int_equal(fake.reset_calls, 0);
	assert_int_equal(v.stats.ignored, 4);
	assert_int_equal(rd(3, 0x60, 4), 0x0306a013);

	/* B's PCIe capability has no FLR: no AF (cap_hiding walks it). */
	assert_int_equal(B->cfg[0x70], 0x10);
	assert_int_equal(rd(2, 0x70, 4), 0);
}

static void af_not_offered(void **state)
{
	(void)state;
	uint8_t ids[48], offs[48];

	/* No reset op: the PCIe capability stays hidden, FLR or not. */
	struct fake_fn *D = flr_fn(3, 0x60);
	vpci_init(&v, &ops_no_reset, "beta");
	assert_int_equal(vpci_add_device(&v, D->bdf), 0);
	assert_int_equal(walk(1, ids, offs), 2);
	assert_int_equal(offs[0], 0x50);
	assert_int_equal(offs[1], 0xa0);
	assert_int_equal(rd(1, 0x60, 4), 0);
	wr(1, 0x64, 1, 0x01);
	assert_int_equal(fake.reset_calls, 0);

	/* AF's two dwords would not fit below 0x100, or would overlap MSI. */
	vpci_init(&v, &ops, "gamma");
	struct fake_fn *E = flr_fn(4, 0xfc);
	assert_int_equal(vpci_add_device(&v, E->bdf), 0);
	assert_int_equal(walk(1, ids, offs), 2);
	assert_int_equal(offs[1], 0xa0);
	struct fake_fn *F = flr_fn(5, 0x58);  /* inside MSI's 0x50-0x5d */
	put32(F, 0x50, 0x00845805);
	assert_int_equal(vpci_add_device(&v, F->bdf), 1);
	assert_int_equal(walk(2, ids, offs), 2);
	assert_int_equal(ids[0], 0x05);
	assert_int_equal(offs[1], 0xa0);
}

static void af_reset(void **state)
{
	(void)state;
	struct fake_fn *D = flr_fn(3, 0x60);
	assert_int_equal(vpci_add_device(&v, D->bdf), 2);

	/* A guest's state: MSI on (2 vectors, 64-bit address), MSI-X on and
	 * masked, an interrupt line, BAR0 being sized. */
	wr(3, 0x54, 4, 0xfee01000);
	wr(3, 0x58, 4, 0x1);
	wr(3, 0x5c, 2, 0x4041);
	wr(3, 0x52, 2, 0x0011);
	wr(3, 0xa2, 2, 0xc000);
	wr(3, 0x3c, 1, 0x0b);
	wr(3, 0x10, 4, 0xffffffffu);
	assert_int_equal(rd(3, 0x52, 2) & 0x71, 0x11);
	unsigned msi_calls = fake.msi_calls, msix_calls = fake.msix_calls;
	fake.n = 0;

	/* Initiate FLR: the view is back to reset state before reset() runs. */
	wr(3, 0x64, 1, 0x01);
	assert_int_equal(fake.reset_calls, 1);
	assert_int_equal(fake.reset_slot, 2);
	assert_int_equal(fake.reset_saw_msi_ctl, 0);
	assert_int_equal(v.stats.resets, 1);
	/* In reset: all-ones, writes dropped; the others answer. */
	assert_int_equal(rd(3, 0x00, 4), 0xffffffffu);
	assert_int_equal(rd(3, 0x04, 2), 0xffff);
	assert_int_equal(cf8_rd(0, 3, 0, 0x52, 2), 0xffff);
	wr(3, 0x04, 2, 0x0006);
	wr(3, 0x52, 2, 0x0001);
	wr(3, 0x64, 1, 0x01);
	assert_int_equal(fake.n, 0);
	assert_int_equal(fake.reset_calls, 1);
	assert_int_equal(rd(1, 0x00, 4), 0x11e81234);
	/* The hypervisor's side is reset()'s: no MSI or MSI-X call for it. */
	assert_int_equal(fake.msi_calls, msi_calls);
	assert_int_equal(fake.msix_calls, msix_calls);

	vpci_reset_done(&v, 2);
	vpci_reset_done(&v, 99); /* out of range: nothing */
	assert_int_equal(rd(3, 0x00, 4), 0x00101b36);
	assert_int_equal(rd(3, 0x50, 4), 0x00846005); /* MSI off, MME 0 */
	assert_int_equal(rd(3, 0x54, 4), 0);
	assert_int_equal(rd(3, 0x58, 4), 0);
	assert_int_equal(rd(3, 0x5c, 4), 0);
	assert_int_equal(rd(3, 0xa2, 2), 0x0003);     /* MSI-X Enable, Function Mask 0 */
	assert_int_equal(rd(3, 0x3c, 1), 0);
	assert_int_equal(rd(3, 0x10, 4), 0xfe800004); /* sizing over */
	assert_int_equal(rd(3, 0x64, 1), 0);          /* Initiate FLR reads 0 */
	/* After it, MSI-X Enable is a change again. */
	wr(3, 0xa2, 2, 0x8000);
	assert_int_equal(fake.msix_calls, msix_calls + 1);

	/* A refused reset: counted, the function answers at once. A dword
	 * write reaching AF_CTRL resets too. */
	fake.reset_rc = -EIO;
	wr(3, 0x64, 4, 0x00000001);
	assert_int_equal(fake.reset_calls, 2);
	assert_int_equal(v.stats.reset_refused, 1);
	assert_int_equal(rd(3, 0x00, 4), 0x00101b36);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(host_bridge, setup),
		cmocka_unit_test_setup(enumerate_ecam, setup),
		cmocka_unit_test_setup(enumerate_cf8, setup),
		cmocka_unit_test_setup(config_address, setup),
		cmocka_unit_test_setup(only_own_devices, setup),
		cmocka_unit_test(add_refusals),
		cmocka_unit_test_setup(add_sizes_bars, setup),
		cmocka_unit_test_setup(bar_sizing, setup),
		cmocka_unit_test_setup(bar_move_refused, setup),
		cmocka_unit_test_setup(bar_unassigned_hidden, setup),
		cmocka_unit_test_setup(command_filter, setup),
		cmocka_unit_test_setup(status_rw1c, setup),
		cmocka_unit_test_setup(cap_hiding, setup),
		cmocka_unit_test_setup(msi_edu_like, setup),
		cmocka_unit_test_setup(msi_maskable_32, setup),
		cmocka_unit_test_setup(msi_mask_bits_limited, setup),
		cmocka_unit_test_setup(msi_refused, setup),
		cmocka_unit_test_setup(msix_read_only, setup),
		cmocka_unit_test_setup(msix_control_linux_like, setup),
		cmocka_unit_test_setup(msix_control_physical_hidden, setup),
		cmocka_unit_test_setup(header_rest, setup),
		cmocka_unit_test_setup(subdword_reads, setup),
		cmocka_unit_test_setup(subdword_writes, setup),
		cmocka_unit_test_setup(misaligned, setup),
		cmocka_unit_test_setup(af_offered, setup),
		cmocka_unit_test_setup(af_not_offered, setup),
		cmocka_unit_test_setup(af_reset, setup),
	};
	return cmocka_run_group_tests_name("vpci", tests, NULL, NULL);
}
