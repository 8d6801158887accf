/* hv/pci/vmsix.c over a fake device: its BARs in memory, every physical MMIO
 * access and every entry_update() recorded. The tests drive the guest's
 * side (vmsix_access(), vmsix_control()) and check what it reads, what
 * reached the device (never its table), and each entry_update().
 *
 * Offsets written out by hand (PCIe 6.0, 7.7.2): Message Control Table
 * Size 10:0 (N - 1); Table/PBA registers BIR 2:0, offset 31:3; an entry is
 * 16 bytes: address low +0, high +4, data +8, vector control +0xc (mask
 * bit 0); the PBA is one bit per entry in qwords. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hv/pci/vmsix.h"

/* ---- the fake device ----------------------------------------------------------- */

#define BAR_MEM 0x10000u
#define MAX_LOG 256

struct mmio {
	bool write;
	unsigned bar;
	uint64_t off;
	unsigned size;
	uint64_t value;
};

struct update {
	unsigned index;
	bool active;
	uint64_t addr;
	uint32_t data;
};

static struct {
	uint8_t mem[VMSIX_BARS][BAR_MEM];
	unsigned n;
	struct mmio log[MAX_LOG];
	unsigned nu;
	struct update up[MAX_LOG];
	int rc;
	/* The physical table, which vmsix must never touch. */
	unsigned table_bar;
	uint64_t table_off, table_len;
} fake;

static void check_phys(unsigned bar, uint64_t off, unsigned size)
{
	assert_true(bar < VMSIX_BARS);
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	assert_true(off % size == 0 && off + size <= BAR_MEM);
	if (bar == fake.table_bar && off < fake.table_off + fake.table_len &&
	    fake.table_off < off + size)
		fail_msg("physical table touched at BAR%u + %#llx", bar, (unsigned long long)off);
}

static uint64_t mmio_read(void *ctx, unsigned bar, uint64_t off, unsigned size)
{
	assert_ptr_equal(ctx, &fake);
	check_phys(bar, off, size);
	uint64_t v = 0;
	memcpy(&v, &fake.mem[bar][off], size);
	assert_true(fake.n < MAX_LOG);
	fake.log[fake.n++] = (struct mmio){ false, bar, off, size, v };
	return v;
}

static void mmio_write(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t value)
{
	assert_ptr_equal(ctx, &fake);
	check_phys(bar, off, size);
	if (size < 8)
		assert_true(value >> (8 * size) == 0);
	memcpy(&fake.mem[bar][off], &value, size);
	assert_true(fake.n < MAX_LOG);
	fake.log[fake.n++] = (struct mmio){ true, bar, off, size, value };
}

static int entry_update(void *ctx, unsigned index, bool active, uint64_t addr, uint32_t data)
{
	assert_ptr_equal(ctx, &fake);
	assert_true(fake.nu < MAX_LOG);
	fake.up[fake.nu++] = (struct update){ index, active, addr, data };
	return fake.rc;
}

static const struct vmsix_ops ops = { mmio_read, mmio_write, entry_update };

static void expect_update(unsigned i, unsigned index, bool active, uint64_t addr, uint32_t data)
{
	assert_true(i < fake.nu);
	const struct update *u = &fake.up[i];
	if (u->index != index || u->active != active || u->addr != addr || u->data != data)
		fail_msg("update %u: entry %u %s %#llx/%#x, want entry %u %s %#llx/%#x", i, u->index,
			 u->active ? "on" : "off", (unsigned long long)u->addr, u->data, index,
			 active ? "on" : "off", (unsigned long long)addr, data);
}

static void expect_mmio(unsigned i, bool write, unsigned bar, uint64_t off, unsigned size,
			uint64_t value)
{
	assert_true(i < fake.n);
	const struct mmio *m = &fake.log[i];
	if (m->write != write || m->bar != bar || m->off != off || m->size != size ||
	    m->value != value)
		fail_msg("mmio %u: %c BAR%u+%#llx/%u = %#llx, want %c BAR%u+%#llx/%u = %#llx", i,
			 m->write ? 'w' : 'r', m->bar, (unsigned long long)m->off, m->size,
			 (unsigned long long)m->value, write ? 'w' : 'r', bar,
			 (unsigned long long)off, size, (unsigned long long)value);
}

/* ---- the standard device -------------------------------------------------------
 * BAR0/1: 64-bit, 1 MiB at 8 GiB (no MSI-X in it). BAR2: 32-bit, 16 KiB at
 * 0xfeb00000: an 8-entry table at 0x2000, its PBA at 0x3000; other
 * registers at 0x2800 (the table's page) and 0x3100 (the PBA's). BAR4: I/O
 * (size 0 here). */

#define T 0x2000u   /* the table's offset in BAR2 */
#define P 0x3000u   /* the PBA's */

static struct vmsix x;
static struct vmsix_entry entries[VMSIX_ENTRIES_MAX];

static struct vmsix_config std_config(void)
{
	struct vmsix_config c = { .control = 0x0007, .table = T | 2, .pba = P | 2 };
	c.bar_addr[0] = 0x200000000ull;
	c.bar_size[0] = 0x100000;
	c.bar_addr[2] = 0xfeb00000;
	c.bar_size[2] = 0x4000;
	return c;
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.table_bar = 2;
	fake.table_off = T;
	fake.table_len = 8 * 16;
	memset(entries, 0xa5, sizeof(entries));
	struct vmsix_config c = std_config();
	assert_int_equal(vmsix_init(&x, &ops, &fake, &c, entries, VMSIX_ENTRIES_MAX), 0);
	/* The physical table holds garbage: a read through would show it. */
	memset(&fake.mem[2][T], 0xee, 8 * 16);
	return 0;
}

/* Guest accesses to BAR2. */
static uint64_t rd(uint64_t off, unsigned size)
{
	uint64_t val = 0x5a5a5a5a5a5a5a5aull;
	assert_int_equal(vmsix_access(&x, 2, off, false, size, &val), 0);
	return val;
}

static void wr(uint64_t off, unsigned size, uint64_t val)
{
	assert_int_equal(vmsix_access(&x, 2, off, true, size, &val), 0);
}

static uint64_t ent(unsigned i, unsigned reg)
{
	return T + 16 * i + reg;
}

/* Programs entry i's message with dword writes, as Linux does. */
static void program(unsigned i, uint64_t addr, uint32_t data)
{
	wr(ent(i, 0), 4, (uint32_t)addr);
	wr(ent(i, 4), 4, (uint32_t)(addr >> 32));
	wr(ent(i, 8), 4, data);
}

/* ---- layout -------------------------------------------------------------------- */

/* What init took from the capability; every entry masked, message 0. */
static void init_state(void **state)
{
	(void)state;
	assert_int_equal(x.table_size, 8);
	assert_int_equal(x.table_bir, 2);
	assert_int_equal(x.table_offset, T);
	assert_int_equal(x.pba_bir, 2);
	assert_int_equal(x.pba_offset, P);
	assert_int_equal(vmsix_table_bytes(&x), 128);
	assert_int_equal(vmsix_pba_bytes(&x), 8);
	assert_false(x.enabled);
	assert_false(x.function_masked);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(ent(i, 0), 8), 0);
		assert_int_equal(rd(ent(i, 8), 4), 0);
		assert_int_equal(rd(ent(i, 12), 4), 1);
		assert_false(vmsix_entry_active(&x, i));
	}
	assert_false(vmsix_entry_active(&x, 8));
	assert_false(vmsix_entry_active(&x, 100000));
	/* Entries past the table's were not touched. */
	assert_int_equal(entries[8].data, 0xa5a5a5a5u);
	assert_int_equal(fake.n, 0);
	assert_int_equal(fake.nu, 0);
}

/* The standard device: the table's page and the PBA's, one range; the rest
 * of BAR2 and all of BAR0 mapped; the upper half of BAR0 and BAR4 nothing. */
static void trap_pages_standard(void **state)
{
	(void)state;
	struct vmsix_range r[VMSIX_MAP_RANGES_MAX];

	assert_false(vmsix_page_traps(&x, 2, 0));
	assert_false(vmsix_page_traps(&x, 2, T - 1));
	assert_true(vmsix_page_traps(&x, 2, T));
	assert_true(vmsix_page_traps(&x, 2, T + 0xfff));
	assert_true(vmsix_page_traps(&x, 2, P));
	assert_true(vmsix_page_traps(&x, 2, P + 0xfff));
	assert_false(vmsix_page_traps(&x, 2, 0x4000));
	assert_false(vmsix_page_traps(&x, 0, T));
	assert_false(vmsix_page_traps(&x, 3, T));
	assert_false(vmsix_page_traps(&x, 7, T));

	assert_int_equal(vmsix_trap_ranges(&x, r), 1);
	assert_int_equal(r[0].bar, 2);
	assert_int_equal(r[0].offset, 0x2000);
	assert_int_equal(r[0].size, 0x2000);

	assert_int_equal(vmsix_map_ranges(&x, 2, r), 1);
	assert_int_equal(r[0].bar, 2);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].size, 0x2000);
	assert_int_equal(vmsix_map_ranges(&x, 0, r), 1);
	assert_int_equal(r[0].bar, 0);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].size, 0x100000);
	assert_int_equal(vmsix_map_ranges(&x, 1, r), 0);
	assert_int_equal(vmsix_map_ranges(&x, 4, r), 0);
	assert_int_equal(vmsix_map_ranges(&x, 6, r), 0);

	uint64_t off = 0;
	assert_int_equal(vmsix_bar_of(&x, 0xfeb02010, &off), 2);
	assert_int_equal(off, 0x2010);
	assert_int_equal(vmsix_bar_of(&x, 0x2000fffffull, &off), 0);
	assert_int_equal(off, 0xfffff);
	assert_int_equal(vmsix_bar_of(&x, 0xfeb04000, &off), -1);
	assert_int_equal(vmsix_bar_of(&x, 0xfeafffff, &off), -1);
	assert_int_equal(fake.n + fake.nu, 0);
}

static void init_with(struct vmsix_config *c, int want)
{
	struct vmsix y;
	assert_int_equal(vmsix_init(&y, &ops, &fake, c, entries, VMSIX_ENTRIES_MAX), want);
	if (!want)
		x = y;
}

/* A table spanning three pages, the PBA a page of its own further on:
 * two ranges, three mapped pieces around them. */
static void trap_pages_spanning(void **state)
{
	(void)state;
	struct vmsix_range r[VMSIX_MAP_RANGES_MAX];
	struct vmsix_config c = std_config();

	c.bar_size[2] = 0x10000;
	c.control = 511;           /* 512 entries: 8 KiB */
	c.table = 0x1800 | 2;      /* 0x1800..0x37ff */
	c.pba = 0x8000 | 2;        /* 64 bytes */
	init_with(&c, 0);
	assert_false(vmsix_page_traps(&x, 2, 0xfff));
	assert_true(vmsix_page_traps(&x, 2, 0x1000));
	assert_true(vmsix_page_traps(&x, 2, 0x2abc));
	assert_true(vmsix_page_traps(&x, 2, 0x3fff));
	assert_false(vmsix_page_traps(&x, 2, 0x4000));
	assert_false(vmsix_page_traps(&x, 2, 0x7fff));
	assert_true(vmsix_page_traps(&x, 2, 0x8000));
	assert_false(vmsix_page_traps(&x, 2, 0x9000));
	assert_int_equal(vmsix_pba_bytes(&x), 64);

	assert_int_equal(vmsix_trap_ranges(&x, r), 2);
	assert_int_equal(r[0].offset, 0x1000);
	assert_int_equal(r[0].size, 0x3000);
	assert_int_equal(r[1].offset, 0x8000);
	assert_int_equal(r[1].size, 0x1000);
	assert_int_equal(vmsix_map_ranges(&x, 2, r), 3);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].size, 0x1000);
	assert_int_equal(r[1].offset, 0x4000);
	assert_int_equal(r[1].size, 0x4000);
	assert_int_equal(r[2].offset, 0x9000);
	assert_int_equal(r[2].size, 0x7000);

	/* A table ending on a page boundary takes no page beyond it; the PBA
	 * before it sorts first; 2048 entries: a 256-byte PBA. */
	c.control = 0x7ff;         /* 32 KiB */
	c.table = 0x8000 | 2;
	c.pba = 0x0f00 | 2;
	init_with(&c, 0);
	assert_int_equal(vmsix_pba_bytes(&x), 256);
	assert_int_equal(vmsix_trap_ranges(&x, r), 2);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].size, 0x1000);
	assert_int_equal(r[1].offset, 0x8000);
	assert_int_equal(r[1].size, 0x8000);
	assert_int_equal(vmsix_map_ranges(&x, 2, r), 1);
	assert_int_equal(r[0].offset, 0x1000);
	assert_int_equal(r[0].size, 0x7000);
	/* A PBA straddling a page boundary takes both pages. */
	c.pba = 0x0ff8 | 2;
	init_with(&c, 0);
	assert_int_equal(vmsix_trap_ranges(&x, r), 2);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].size, 0x2000);
	/* Adjacent pages merge. */
	c.pba = 0x7000 | 2;
	init_with(&c, 0);
	assert_int_equal(vmsix_trap_ranges(&x, r), 1);
	assert_int_equal(r[0].offset, 0x7000);
	assert_int_equal(r[0].size, 0x9000);
}

/* Table and PBA on one page: one range of one page. */
static void trap_pages_shared(void **state)
{
	(void)state;
	struct vmsix_range r[VMSIX_MAP_RANGES_MAX];
	struct vmsix_config c = std_config();

	c.table = 0x0000 | 2;
	c.pba = 0x0800 | 2;
	init_with(&c, 0);
	assert_int_equal(vmsix_trap_ranges(&x, r), 1);
	assert_int_equal(r[0].bar, 2);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].size, 0x1000);
	assert_int_equal(vmsix_map_ranges(&x, 2, r), 1);
	assert_int_equal(r[0].offset, 0x1000);
	assert_int_equal(r[0].size, 0x3000);
	/* PBA first on the page, table after it. */
	c.table = 0x0100 | 2;
	c.pba = 0x0000 | 2;
	init_with(&c, 0);
	assert_int_equal(vmsix_trap_ranges(&x, r), 1);
	assert_int_equal(r[0].size, 0x1000);
	assert_true(vmsix_page_traps(&x, 2, 0x0ff8));
	assert_false(vmsix_page_traps(&x, 2, 0x1000));
}

/* The table in a 64-bit BAR (BIR 0: BAR0/1), the PBA in another 64-bit BAR
 * (BIR 4: BAR4/5): BIRs name the lower register; the upper halves trap
 * nothing and name no BAR. */
static void trap_pages_64bit_bir(void **state)
{
	(void)state;
	struct vmsix_range r[VMSIX_MAP_RANGES_MAX];
	struct vmsix_config c = std_config();

	c.bar_addr[4] = 0x300000000ull;
	c.bar_size[4] = 0x4000;
	c.table = 0x10000 | 0;
	c.pba = 0x0000 | 4;
	init_with(&c, 0);
	assert_true(vmsix_page_traps(&x, 0, 0x10000));
	assert_false(vmsix_page_traps(&x, 1, 0x10000));
	assert_false(vmsix_page_traps(&x, 1, 0));
	assert_true(vmsix_page_traps(&x, 4, 0));
	assert_false(vmsix_page_traps(&x, 5, 0));
	assert_false(vmsix_page_traps(&x, 2, 0x10000));
	assert_int_equal(vmsix_trap_ranges(&x, r), 2);
	assert_int_equal(r[0].bar, 0);
	assert_int_equal(r[0].offset, 0x10000);
	assert_int_equal(r[0].size, 0x1000);
	assert_int_equal(r[1].bar, 4);
	assert_int_equal(r[1].offset, 0);
	assert_int_equal(r[1].size, 0x1000);
	assert_int_equal(vmsix_map_ranges(&x, 0, r), 2);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].size, 0x10000);
	assert_int_equal(r[1].offset, 0x11000);
	assert_int_equal(r[1].size, 0xef000);
	assert_int_equal(vmsix_map_ranges(&x, 4, r), 1);
	assert_int_equal(r[0].offset, 0x1000);
	assert_int_equal(vmsix_map_ranges(&x, 2, r), 1);
	assert_int_equal(r[0].size, 0x4000);
	/* The same when the PBA's BAR comes first in the list. */
	c.table = 0x0000 | 4;
	c.pba = 0x10000 | 0;
	init_with(&c, 0);
	assert_int_equal(vmsix_trap_ranges(&x, r), 2);
	assert_int_equal(r[0].bar, 0);
	assert_int_equal(r[1].bar, 4);
	/* BIR 1, the upper half of BAR0: no BAR there. */
	c.table = 0x0000 | 1;
	init_with(&c, -EINVAL);
}

/* A 2 KiB BAR on its own page holding the table: the whole page traps,
 * nothing of the BAR is mapped, and past its end reads all-ones. */
static void trap_pages_small_bar(void **state)
{
	(void)state;
	struct vmsix_range r[VMSIX_MAP_RANGES_MAX];
	struct vmsix_config c = std_config();

	c.bar_addr[3] = 0xfebff000;
	c.bar_size[3] = 0x800;
	c.table = 0x000 | 3;
	c.pba = 0x400 | 3;
	init_with(&c, 0);
	fake.table_bar = 3;
	fake.table_off = 0;
	assert_int_equal(vmsix_trap_ranges(&x, r), 1);
	assert_int_equal(r[0].bar, 3);
	assert_int_equal(r[0].size, 0x1000);
	assert_int_equal(vmsix_map_ranges(&x, 3, r), 0);
	assert_true(vmsix_page_traps(&x, 3, 0xfff));
	uint64_t off, val = 0;
	assert_int_equal(vmsix_bar_of(&x, 0xfebff900, &off), 3);
	assert_int_equal(off, 0x900);
	assert_int_equal(vmsix_access(&x, 3, 0x900, false, 4, &val), 0);
	assert_int_equal(val, 0xffffffffu);
	assert_int_equal(vmsix_access(&x, 3, 0xffe, false, 2, &val), 0);
	assert_int_equal(val, 0xffff);
	assert_int_equal(vmsix_access(&x, 3, 0x900, true, 4, &val), 0);
	assert_int_equal(x.stats.beyond_bar, 3);
	/* Inside the BAR, beside the table: the device's. */
	assert_int_equal(vmsix_access(&x, 3, 0x200, false, 4, &val), 0);
	assert_int_equal(fake.n, 1);
	expect_mmio(0, false, 3, 0x200, 4, 0);
	assert_int_equal(fake.nu, 0);
}

/* The device's values are not trusted; nothing is called on a refusal. */
static void init_refusals(void **state)
{
	(void)state;
	struct vmsix_config c;
	struct vmsix y;
	memset(&y, 0x77, sizeof(y));
	struct vmsix keep = y;

#define REFUSE(field, value, err)                                                          \
	do {                                                                                 \
		c = std_config();                                                            \
		c.field = value;                                                             \
		assert_int_equal(vmsix_init(&y, &ops, &fake, &c, entries, VMSIX_ENTRIES_MAX), \
				 err);                                                       \
		assert_memory_equal(&y, &keep, sizeof(y));                                   \
	} while (0)

	REFUSE(table, T | 6, -EINVAL);          /* reserved BIR */
	REFUSE(pba, P | 7, -EINVAL);
	REFUSE(table, T | 1, -EINVAL);          /* BAR0's upper half */
	REFUSE(pba, P | 4, -EINVAL);            /* I/O, or hidden */
	REFUSE(table, 0x3f90 | 2, -EINVAL);     /* 128 bytes from 0x3f90: past 16 KiB */
	REFUSE(table, 0xfffffff8u | 2, -EINVAL);
	REFUSE(pba, 0x4000 | 2, -EINVAL);
	REFUSE(pba, T + 0x78 | 2, -EINVAL);     /* overlaps the last entry */
	REFUSE(table, P - 0x78 | 2, -EINVAL);   /* the table's end over the PBA */
	REFUSE(control, 0x07ff, -EINVAL);       /* 2048 entries: 32 KiB from 0x2000 */
	REFUSE(bar_addr[2], 0xfeb00800, -EINVAL); /* not on a page boundary */
	/* Another BAR on a page that traps. */
	c = std_config();
	c.bar_size[4] = 0x800;
	c.bar_addr[4] = 0xfeb03800;
	assert_int_equal(vmsix_init(&y, &ops, &fake, &c, entries, VMSIX_ENTRIES_MAX), -EINVAL);
	c.bar_addr[4] = 0xfeb04000; /* just after: fine */
	assert_int_equal(vmsix_init(&y, &ops, &fake, &c, entries, VMSIX_ENTRIES_MAX), 0);
	/* No room for the table. */
	c = std_config();
	assert_int_equal(vmsix_init(&y, &ops, &fake, &c, entries, 7), -ENOSPC);
	assert_int_equal(vmsix_init(&y, &ops, &fake, &c, entries, 8), 0);
	assert_int_equal(fake.n + fake.nu, 0);
#undef REFUSE
}

/* ---- entries --------------------------------------------------------------------- */

/* Address and data written while masked, then the entry unmasked: one
 * active update with the message; masked again: one inactive update. */
static void entry_program_then_unmask(void **state)
{
	(void)state;
	vmsix_control(&x, true, false);
	assert_int_equal(fake.nu, 0); /* every entry masked */
	program(3, 0xfee01000, 0x4041);
	assert_int_equal(fake.nu, 0);
	assert_int_equal(rd(ent(3, 0), 4), 0xfee01000);
	assert_int_equal(rd(ent(3, 4), 4), 0);
	assert_int_equal(rd(ent(3, 8), 4), 0x4041);
	assert_int_equal(rd(ent(3, 12), 4), 1);
	wr(ent(3, 12), 4, 0);
	assert_int_equal(fake.nu, 1);
	expect_update(0, 3, true, 0xfee01000, 0x4041);
	assert_true(vmsix_entry_active(&x, 3));
	assert_int_equal(rd(ent(3, 12), 4), 0);
	/* Unmasking again changes nothing. */
	wr(ent(3, 12), 4, 0);
	assert_int_equal(fake.nu, 1);
	wr(ent(3, 12), 4, 1);
	assert_int_equal(fake.nu, 2);
	expect_update(1, 3, false, 0xfee01000, 0x4041);
	assert_false(vmsix_entry_active(&x, 3));
	/* Data first, then address, then unmask (any order while masked);
	 * a 64-bit address, the reserved address bits 1:0 dropped, Vector
	 * Control's other bits read 0. */
	wr(ent(5, 8), 4, 0x0030);
	wr(ent(5, 4), 4, 0x1);
	wr(ent(5, 0), 4, 0xfee00003);
	assert_int_equal(rd(ent(5, 0), 4), 0xfee00000);
	wr(ent(5, 12), 4, 0xfffffffe);
	assert_int_equal(rd(ent(5, 12), 4), 0);
	assert_int_equal(fake.nu, 3);
	expect_update(2, 5, true, 0x1fee00000ull, 0x30);
	/* Nothing reached the device. */
	assert_int_equal(fake.n, 0);
	assert_int_equal(x.stats.refused, 0);
}

/* The guest rewrites an unmasked entry (PCIe says not to): the completed
 * message is an update: data written, or the upper address dword (the last
 * of the pair); the lower dword alone waits; unchanged values call nothing. */
static void entry_rewrite_unmasked(void **state)
{
	(void)state;
	vmsix_control(&x, true, false);
	program(0, 0xfee00000, 0x41);
	wr(ent(0, 12), 4, 0);
	expect_update(0, 0, true, 0xfee00000, 0x41);

	wr(ent(0, 0), 4, 0xfee02000);
	assert_int_equal(fake.nu, 1);
	wr(ent(0, 4), 4, 0);
	assert_int_equal(fake.nu, 2);
	expect_update(1, 0, true, 0xfee02000, 0x41);
	wr(ent(0, 8), 4, 0x42);
	expect_update(2, 0, true, 0xfee02000, 0x42);
	/* The same values again: nothing. */
	program(0, 0xfee02000, 0x42);
	assert_int_equal(fake.nu, 3);
	/* Linux's order, lower, upper, data: each completed step reported. */
	program(0, 0xfee03000, 0x43);
	assert_int_equal(fake.nu, 5);
	expect_update(3, 0, true, 0xfee03000, 0x42);
	expect_update(4, 0, true, 0xfee03000, 0x43);
	/* A qword write of the address pair: one update. */
	wr(ent(0, 0), 8, 0x00000000fee04000ull);
	assert_int_equal(fake.nu, 6);
	expect_update(5, 0, true, 0xfee04000, 0x43);
	/* A qword of data and Vector Control, still unmasked: one update. */
	wr(ent(0, 8), 8, 0x0000000000000044ull);
	assert_int_equal(fake.nu, 7);
	expect_update(6, 0, true, 0xfee04000, 0x44);
	/* ... and with the mask set: one inactive update with the new data. */
	wr(ent(0, 8), 8, 0x0000000100000045ull);
	assert_int_equal(fake.nu, 8);
	expect_update(7, 0, false, 0xfee04000, 0x45);
	assert_int_equal(rd(ent(0, 8), 8), 0x0000000100000045ull);
	/* Unmasked by a qword with the same data: active again. */
	wr(ent(0, 8), 8, 0x0000000000000045ull);
	expect_update(8, 0, true, 0xfee04000, 0x45);
	/* The lower dword alone is held, and goes with the next mask. */
	wr(ent(0, 0), 4, 0xfee05000);
	assert_int_equal(fake.nu, 9);
	wr(ent(0, 12), 4, 1);
	expect_update(9, 0, false, 0xfee05000, 0x45);
	wr(ent(0, 12), 4, 0);
	expect_update(10, 0, true, 0xfee05000, 0x45);
	/* ... or with an upper dword rewritten unchanged. */
	wr(ent(0, 0), 4, 0xfee06000);
	wr(ent(0, 4), 4, 0);
	assert_int_equal(fake.nu, 12);
	expect_update(11, 0, true, 0xfee06000, 0x45);
	assert_int_equal(fake.n, 0);
}

/* Function Mask and Enable: each toggle updates every unmasked entry, in
 * order, and only those; rewrites while the function is masked call
 * nothing and come with the unmask. */
static void function_mask_and_enable(void **state)
{
	(void)state;
	program(0, 0xfee00000, 0x50);
	program(3, 0xfee01000, 0x53);
	program(7, 0xfee02000, 0x57);
	wr(ent(0, 12), 4, 0);
	wr(ent(3, 12), 4, 0);
	assert_int_equal(fake.nu, 0); /* MSI-X disabled */

	vmsix_control(&x, true, false);
	assert_int_equal(fake.nu, 2);
	expect_update(0, 0, true, 0xfee00000, 0x50);
	expect_update(1, 3, true, 0xfee01000, 0x53);

	vmsix_control(&x, true, true);
	assert_int_equal(fake.nu, 4);
	expect_update(2, 0, false, 0xfee00000, 0x50);
	expect_update(3, 3, false, 0xfee01000, 0x53);
	assert_false(vmsix_entry_active(&x, 0));
	vmsix_control(&x, true, true);
	assert_int_equal(fake.nu, 4);
	/* Masked function: unmasking an entry or rewriting one calls nothing. */
	wr(ent(7, 12), 4, 0);
	program(3, 0xfee03000, 0x63);
	assert_int_equal(fake.nu, 4);

	vmsix_control(&x, true, false);
	assert_int_equal(fake.nu, 7);
	expect_update(4, 0, true, 0xfee00000, 0x50);
	expect_update(5, 3, true, 0xfee03000, 0x63);
	expect_update(6, 7, true, 0xfee02000, 0x57);

	/* Enable off: all inactive; Function Mask while disabled: nothing. */
	vmsix_control(&x, false, false);
	assert_int_equal(fake.nu, 10);
	expect_update(7, 0, false, 0xfee00000, 0x50);
	expect_update(8, 3, false, 0xfee03000, 0x63);
	expect_update(9, 7, false, 0xfee02000, 0x57);
	vmsix_control(&x, false, true);
	vmsix_control(&x, false, false);
	assert_int_equal(fake.nu, 10);
	/* Enable and Function Mask in one write: still nothing. */
	vmsix_control(&x, true, true);
	assert_int_equal(fake.nu, 10);
	assert_true(x.enabled);
	assert_true(x.function_masked);
	assert_int_equal(fake.n, 0);
}

/* A guest that enables MSI-X with the function masked (Linux's
 * msix_capability_init), programs and unmasks its entries, then clears
 * Function Mask: the updates come then, with the final messages. */
static void enable_with_function_masked(void **state)
{
	(void)state;
	vmsix_control(&x, true, true);
	for (unsigned i = 0; i < 3; i++) {
		program(i, 0xfee00000 | i << 12, 0x60 + i);
		wr(ent(i, 12), 4, 0);
	}
	assert_int_equal(fake.nu, 0);
	vmsix_control(&x, true, false);
	assert_int_equal(fake.nu, 3);
	for (unsigned i = 0; i < 3; i++)
		expect_update(i, i, true, 0xfee00000 | i << 12, 0x60 + i);
	for (unsigned i = 3; i < 8; i++)
		assert_false(vmsix_entry_active(&x, i));
	assert_int_equal(fake.n, 0);
}

/* A refused update is counted; the guest still reads what it wrote; the
 * next change is offered again. */
static void update_refused(void **state)
{
	(void)state;
	vmsix_control(&x, true, false);
	fake.rc = -EPERM;
	program(1, 0xfee0f000, 0x70);
	wr(ent(1, 12), 4, 0);
	assert_int_equal(x.stats.refused, 1);
	assert_int_equal(rd(ent(1, 0), 4), 0xfee0f000);
	assert_int_equal(rd(ent(1, 12), 4), 0);
	fake.rc = 0;
	wr(ent(1, 0), 4, 0xfee01000);
	wr(ent(1, 4), 4, 0);
	assert_int_equal(fake.nu, 2);
	expect_update(1, 1, true, 0xfee01000, 0x70);
	assert_int_equal(x.stats.refused, 1);
}

/* ---- accesses ------------------------------------------------------------------ */

/* The PBA reads through (dwords, qwords); writes go nowhere. */
static void pba_read_through(void **state)
{
	(void)state;
	uint64_t pending = 0x00000000000000a5ull;
	memcpy(&fake.mem[2][P], &pending, 8);
	assert_int_equal(rd(P, 4), 0xa5);
	assert_int_equal(rd(P + 4, 4), 0);
	assert_int_equal(rd(P, 8), 0xa5);
	assert_int_equal(fake.n, 3);
	expect_mmio(0, false, 2, P, 4, 0xa5);
	expect_mmio(1, false, 2, P + 4, 4, 0);
	expect_mmio(2, false, 2, P, 8, 0xa5);
	wr(P, 4, 0);
	wr(P, 8, ~0ull);
	assert_int_equal(x.stats.pba_writes, 2);
	assert_int_equal(fake.n, 3);
	assert_int_equal(rd(P, 4), 0xa5);
	/* Sub-dword and misaligned PBA accesses: all-ones, nothing read. */
	uint64_t val = 0;
	assert_int_equal(vmsix_access(&x, 2, P, false, 2, &val), -EINVAL);
	assert_int_equal(val, 0xffff);
	assert_int_equal(vmsix_access(&x, 2, P + 4, false, 8, &val), -EINVAL);
	assert_int_equal(val, ~0ull);
	assert_int_equal(vmsix_access(&x, 2, P + 1, false, 1, &val), -EINVAL);
	assert_int_equal(val, 0xff);
	assert_int_equal(fake.n, 4);
	assert_int_equal(fake.nu, 0);
}

/* Other registers on the trapped pages (beside the table, past its last
 * entry, beside the PBA) are the device's: same offset, same size. */
static void other_registers_forwarded(void **state)
{
	(void)state;
	static const struct {
		uint64_t off;
		unsigned size;
		uint64_t value;
	} regs[] = {
		{ 0x2800, 4, 0x12345678 },
		{ 0x2804, 2, 0xbeef },
		{ 0x2807, 1, 0x5a },
		{ 0x2808, 8, 0x0123456789abcdefull },
		{ 0x2080, 4, 0xcafe0001 },  /* entry 8's place: past the table */
		{ 0x2ffc, 4, 0xcafe0002 },
		{ 0x3008, 8, 0x1122334455667788ull }, /* just past the PBA */
		{ 0x3100, 4, 0xcafe0003 },
		{ 0x3fff, 1, 0x77 },
	};
	unsigned n = sizeof(regs) / sizeof(regs[0]);

	for (unsigned i = 0; i < n; i++)
		wr(regs[i].off, regs[i].size, regs[i].value);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(rd(regs[i].off, regs[i].size), regs[i].value);
	assert_int_equal(fake.n, 2 * n);
	for (unsigned i = 0; i < n; i++) {
		expect_mmio(i, true, 2, regs[i].off, regs[i].size, regs[i].value);
		expect_mmio(n + i, false, 2, regs[i].off, regs[i].size, regs[i].value);
	}
	/* A write's value is cut to its size. */
	wr(0x2800, 2, 0xffff0000abcdull);
	expect_mmio(2 * n, true, 2, 0x2800, 2, 0xabcd);
	assert_int_equal(fake.nu, 0);
	assert_int_equal(x.stats.bad_access, 0);
}

/* Table accesses: dwords and aligned qwords only. A qword read of the
 * address pair, of data and Vector Control; misaligned, sub-dword, odd
 * sizes: all-ones, nothing written, counted. Pages that do not trap. */
static void table_access_sizes(void **state)
{
	(void)state;
	uint64_t val;

	program(2, 0x00000001fee0a000ull, 0x7788);
	assert_int_equal(rd(ent(2, 0), 8), 0x00000001fee0a000ull);
	assert_int_equal(rd(ent(2, 8), 8), 0x0000000100007788ull);
	assert_int_equal(rd(ent(2, 4), 4), 1);

	static const struct {
		uint64_t off;
		unsigned size;
		uint64_t ones;
	} bad[] = {
		{ T + 0x24, 8, ~0ull },        /* qword at a dword boundary */
		{ T + 0x22, 4, 0xffffffffu },  /* misaligned dword */
		{ T + 0x20, 2, 0xffff },       /* sub-dword */
		{ T + 0x2c, 1, 0xff },
		{ T + 0x20, 3, ~0ull },        /* odd sizes */
		{ T + 0x20, 0, ~0ull },
		{ T + 0x20, 16, ~0ull },
		{ 0x2801, 2, 0xffff },         /* misaligned, beside the table */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		val = 0;
		assert_int_equal(vmsix_access(&x, 2, bad[i].off, false, bad[i].size, &val), -EINVAL);
		assert_int_equal(val, bad[i].ones);
		val = 0;
		assert_int_equal(vmsix_access(&x, 2, bad[i].off, true, bad[i].size, &val), -EINVAL);
	}
	assert_int_equal(x.stats.bad_access, 16);
	assert_int_equal(rd(ent(2, 0), 8), 0x00000001fee0a000ull);
	assert_int_equal(rd(ent(2, 8), 8), 0x0000000100007788ull);

	/* Pages that do not trap, and BARs that do not exist. */
	val = 0;
	assert_int_equal(vmsix_access(&x, 2, 0x1000, false, 4, &val), -ENOENT);
	assert_int_equal(val, 0xffffffffu);
	assert_int_equal(vmsix_access(&x, 2, 0x4000, true, 4, &val), -ENOENT);
	assert_int_equal(vmsix_access(&x, 3, T, false, 4, &val), -ENOENT);
	assert_int_equal(vmsix_access(&x, 9, T, true, 4, &val), -ENOENT);
	assert_int_equal(fake.n, 0);
	assert_int_equal(fake.nu, 0);
}

/* Indices beyond the table are not entries: the last one is, the next
 * 16 bytes are the device's (forwarded), and no update names them. */
static void indices_beyond_table(void **state)
{
	(void)state;
	vmsix_control(&x, true, false);
	program(7, 0xfee07000, 0x77);
	wr(ent(7, 12), 4, 0);
	expect_update(0, 7, true, 0xfee07000, 0x77);
	assert_int_equal(fake.n, 0);
	program(8, 0xfee08000, 0x88);
	wr(ent(8, 12), 4, 0);
	program(200, 0xfee08000, 0x88);
	assert_int_equal(fake.nu, 1);
	assert_int_equal(fake.n, 7);
	expect_mmio(0, true, 2, ent(8, 0), 4, 0xfee08000);
	expect_mmio(3, true, 2, ent(8, 12), 4, 0);
	expect_mmio(4, true, 2, ent(200, 0), 4, 0xfee08000);
	assert_false(vmsix_entry_active(&x, 8));
	/* Entry storage beyond the table untouched. */
	assert_int_equal(entries[8].data, 0xa5a5a5a5u);
}

/* After a reset every entry reads masked with address and data 0; those
 * that were active are reported inactive first. */
static void reset_masks_all(void **state)
{
	(void)state;
	program(0, 0xfee00000, 0x50);
	program(5, 0xfee01000, 0x55);
	wr(ent(0, 12), 4, 0);
	vmsix_control(&x, true, false);
	assert_int_equal(fake.nu, 1);

	vmsix_reset(&x);
	assert_int_equal(fake.nu, 2);
	expect_update(1, 0, false, 0xfee00000, 0x50);
	assert_false(x.enabled);
	assert_false(x.function_masked);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(ent(i, 0), 8), 0);
		assert_int_equal(rd(ent(i, 8), 4), 0);
		assert_int_equal(rd(ent(i, 12), 4), 1);
		assert_false(vmsix_entry_active(&x, i));
	}
	/* Enabled again, nothing is active until the guest unmasks. */
	vmsix_control(&x, true, false);
	assert_int_equal(fake.nu, 2);
	assert_int_equal(fake.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(init_state, setup),
		cmocka_unit_test_setup(reset_masks_all, setup),
		cmocka_unit_test_setup(trap_pages_standard, setup),
		cmocka_unit_test_setup(trap_pages_spanning, setup),
		cmocka_unit_test_setup(trap_pages_shared, setup),
		cmocka_unit_test_setup(trap_pages_64bit_bir, setup),
		cmocka_unit_test_setup(trap_pages_small_bar, setup),
		cmocka_unit_test_setup(init_refusals, setup),
		cmocka_unit_test_setup(entry_program_then_unmask, setup),
		cmocka_unit_test_setup(entry_rewrite_unmasked, setup),
		cmocka_unit_test_setup(function_mask_and_enable, setup),
		cmocka_unit_test_setup(enable_with_function_masked, setup),
		cmocka_unit_test_setup(update_refused, setup),
		cmocka_unit_test_setup(pba_read_through, setup),
		cmocka_unit_test_setup(other_registers_forwarded, setup),
		cmocka_unit_test_setup(table_access_sizes, setup),
		cmocka_unit_test_setup(indices_beyond_table, setup),
	};
	return cmocka_run_group_tests_name("vmsix", tests, NULL, NULL);
}
