/* iommu/vtd_sl.c + arch/x86/pt.c: VT-d second-level tables of 3, 4 and 5
 * levels, checked by an independent reference walker written from the VT-d
 * specification 4.1 (3.6 and 9.8), not by pt_lookup (which is itself
 * cross-checked against the walker).
 *
 * Tables are page-aligned host allocations whose address doubles as their
 * "physical address". Each table also has a device view: what a walker
 * that does not snoop the CPU caches (ECAP.C=0) sees in memory. A new
 * table's device view starts as garbage (stale memory); only the flush
 * callback copies CPU contents into it. The model checks, at every flush,
 * that a table becomes reachable for the device only once its device view
 * is complete, and, at every free, that no device-visible entry still
 * points at the table. After every operation, every entry that changed
 * (between snapshots of all table pages before and after) must lie in a
 * flushed range, and the device view of every reachable table must equal
 * the CPU's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/pt.h"
#include "arch/x86/sizes.h"
#include "iommu/vtd_sl.h"
#include "tests/unit/log_stub.h"

#define TIB (1ull << 40)
#define SZ_4K (4 * KIB)
#define SZ_2M (2 * MIB)
#define SZ_1G (1 * GIB)

/* ---- what the VT-d specification says (9.8; our own constants) -------------- */

#define SPEC_R    (1ull << 0)  /* read */
#define SPEC_W    (1ull << 1)  /* write */
#define SPEC_PS   (1ull << 7)  /* SL-PDE/SL-PDPE: maps a 2M/1G page */
#define SPEC_SNP  (1ull << 11) /* leaf: snoop behaviour */
/* Address field with a 52-bit host address width. */
#define SPEC_ADDR 0x000ffffffffff000ull

_Static_assert(VTD_SL_R == SPEC_R && VTD_SL_W == SPEC_W && VTD_SL_PS == SPEC_PS &&
	       VTD_SL_SNP == SPEC_SNP && VTD_SL_ADDR_MASK == SPEC_ADDR, "vtd_regs.h bits");

#define PERMS (SPEC_R | SPEC_W | SPEC_SNP)

/* ---- the table allocator, with each table's device view ------------------------ */

#define ENTRIES 512
#define UNKNOWN (-1)

struct tinfo {
	uint64_t phys;
	uint64_t dev[ENTRIES];  /* what a non-snooping walker reads */
	uint64_t snap[ENTRIES]; /* the CPU's contents at snap_begin() */
	uint64_t flushed[ENTRIES / 64]; /* entries flushed since snap_begin() */
	bool snapped;           /* existed at snap_begin() */
	int level;              /* 0 = SL-PTE table; UNKNOWN while unreachable */
	unsigned refs;          /* device-visible entries (or the context) pointing here */
};

#define SET_SLOTS (1u << 16)

struct talloc {
	struct tinfo *slot[SET_SLOTS];
	unsigned live;        /* tables allocated and not yet freed */
	unsigned allocs;      /* successful allocations, ever */
	long budget;          /* allocations still allowed; < 0 is unlimited */
	unsigned flush_calls;
	uint64_t flush_bytes;
	/* Present entries of reachable tables the device saw change. */
	unsigned long visible_replaced;
};

static struct talloc *ta;

static unsigned slot_of(uint64_t v)
{
	return (unsigned)((v >> 12) * 0x9e3779b97f4a7c15ull >> 48) & (SET_SLOTS - 1);
}

static struct tinfo *set_find(uint64_t phys)
{
	for (unsigned i = slot_of(phys); ta->slot[i]; i = (i + 1) & (SET_SLOTS - 1))
		if (ta->slot[i]->phys == phys)
			return ta->slot[i];
	return NULL;
}

static void set_add(struct tinfo *t)
{
	unsigned i = slot_of(t->phys);

	while (ta->slot[i])
		i = (i + 1) & (SET_SLOTS - 1);
	ta->slot[i] = t;
}

static void set_del(uint64_t phys)
{
	unsigned i = slot_of(phys);

	while (ta->slot[i]->phys != phys)
		i = (i + 1) & (SET_SLOTS - 1);
	/* Backward-shift the rest of the cluster into the hole. */
	for (unsigned j = (i + 1) & (SET_SLOTS - 1); ta->slot[j]; j = (j + 1) & (SET_SLOTS - 1)) {
		unsigned home = slot_of(ta->slot[j]->phys);
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			ta->slot[i] = ta->slot[j];
			i = j;
		}
	}
	ta->slot[i] = NULL;
}

static uint64_t *cpu_view(const struct tinfo *t)
{
	return (uint64_t *)(uintptr_t)t->phys;
}

/* Stale memory: entries that look present, large and pointing anywhere. */
static uint64_t garbage(unsigned i)
{
	return 0x000abc0000000083ull | ((uint64_t)i << 21);
}

static uint64_t t_alloc(void *ctx)
{
	assert_ptr_equal(ctx, ta);
	if (ta->budget == 0)
		return 0;
	if (ta->budget > 0)
		ta->budget--;
	void *p = aligned_alloc(4096, 4096);
	struct tinfo *t = calloc(1, sizeof(*t));
	assert_non_null(p);
	assert_non_null(t);
	memset(p, 0, 4096);
	t->phys = (uint64_t)(uintptr_t)p;
	assert_int_equal(t->phys & ~SPEC_ADDR, 0);
	t->level = UNKNOWN;
	for (unsigned i = 0; i < ENTRIES; i++)
		t->dev[i] = garbage(i);
	assert_true(ta->live < SET_SLOTS / 2);
	set_add(t);
	ta->live++;
	ta->allocs++;
	return t->phys;
}

static void t_free(void *ctx, uint64_t phys)
{
	assert_ptr_equal(ctx, ta);
	struct tinfo *t = set_find(phys);
	assert_non_null(t);               /* double free or not a table */
	assert_int_equal(t->refs, 0);     /* the device can still reach it */
	set_del(phys);
	ta->live--;
	free((void *)(uintptr_t)phys);
	free(t);
}

static uint64_t *t_ptr(void *ctx, uint64_t phys)
{
	assert_ptr_equal(ctx, ta);
	assert_non_null(set_find(phys)); /* use after free or a wild address */
	return (uint64_t *)(uintptr_t)phys;
}

/* ---- the device-visibility model ------------------------------------------------ */

static bool is_link(int level, uint64_t e)
{
	return level > 0 && (e & (SPEC_R | SPEC_W)) && !(e & SPEC_PS);
}

static void ref(uint64_t phys, int level);

/* t just became reachable for the device at `level`: what the device sees
 * of it must be complete, and so must everything it links. */
static void adopt(struct tinfo *t, int level)
{
	assert_int_equal(t->level, UNKNOWN);
	t->level = level;
	assert_memory_equal(t->dev, cpu_view(t), sizeof(t->dev));
	for (unsigned i = 0; i < ENTRIES; i++)
		if (is_link(level, t->dev[i]))
			ref(t->dev[i] & SPEC_ADDR, level - 1);
}

static void ref(uint64_t phys, int level)
{
	struct tinfo *t = set_find(phys);
	assert_non_null(t);           /* a device-visible link to no table */
	assert_int_equal(t->refs, 0); /* linked twice */
	t->refs = 1;
	adopt(t, level);
}

/* The device can no longer reach t, nor what only t linked. */
static void unref(uint64_t phys)
{
	struct tinfo *t = set_find(phys);
	assert_non_null(t);
	assert_int_equal(t->refs, 1);
	t->refs = 0;
	int level = t->level;
	t->level = UNKNOWN;
	for (unsigned i = 0; i < ENTRIES; i++)
		if (is_link(level, t->dev[i]))
			unref(t->dev[i] & SPEC_ADDR);
}

static void t_flush(void *ctx, const void *p, size_t len)
{
	assert_ptr_equal(ctx, ta);
	uint64_t addr = (uint64_t)(uintptr_t)p;
	struct tinfo *t = set_find(addr & ~4095ull);
	assert_non_null(t); /* flushing something not a table */
	assert_true(len > 0 && len % 8 == 0 && addr % 8 == 0);
	assert_true((addr & 4095) + len <= 4096);
	ta->flush_calls++;
	ta->flush_bytes += len;

	const uint64_t *cpu = cpu_view(t);
	for (unsigned i = (addr & 4095) / 8; i < (addr & 4095) / 8 + len / 8; i++) {
		t->flushed[i / 64] |= 1ull << (i % 64);
		uint64_t old = t->dev[i], e = cpu[i];
		if (old == e)
			continue;
		t->dev[i] = e;
		/* Only a reachable table's entries change what the device sees. */
		if (t->level == UNKNOWN)
			continue;
		if (old & (SPEC_R | SPEC_W))
			ta->visible_replaced++;
		if (is_link(t->level, old))
			unref(old & SPEC_ADDR);
		if (is_link(t->level, e))
			ref(e & SPEC_ADDR, t->level - 1);
	}
}

/* Snapshots every table page and forgets what was flushed. */
static void snap_begin(void)
{
	for (unsigned s = 0; s < SET_SLOTS; s++) {
		struct tinfo *t = ta->slot[s];
		if (!t)
			continue;
		memcpy(t->snap, cpu_view(t), sizeof(t->snap));
		memset(t->flushed, 0, sizeof(t->flushed));
		t->snapped = true;
	}
}

/* Entries that changed since snap_begin() and were not flushed after; a
 * table allocated since then counts as changed all over. */
static unsigned snap_unflushed(void)
{
	unsigned n = 0;

	for (unsigned s = 0; s < SET_SLOTS; s++) {
		struct tinfo *t = ta->slot[s];
		if (!t || (t->snapped && !memcmp(t->snap, cpu_view(t), sizeof(t->snap))))
			continue;
		for (unsigned i = 0; i < ENTRIES; i++)
			if ((!t->snapped || cpu_view(t)[i] != t->snap[i]) &&
			    !(t->flushed[i / 64] & (1ull << (i % 64))))
				n++;
	}
	return n;
}

/* Entries of reachable tables where the device sees something else than
 * the CPU wrote, plus live tables the device cannot reach (leaks). */
static unsigned model_mismatches(void)
{
	unsigned n = 0;

	for (unsigned s = 0; s < SET_SLOTS; s++) {
		struct tinfo *t = ta->slot[s];
		if (!t)
			continue;
		if (t->level == UNKNOWN) {
			n++;
			continue;
		}
		if (memcmp(t->dev, cpu_view(t), sizeof(t->dev)))
			for (unsigned i = 0; i < ENTRIES; i++)
				n += t->dev[i] != cpu_view(t)[i];
	}
	return n;
}

/* ---- the tree under test -------------------------------------------------------- */

struct cfg {
	unsigned levels;
	bool l2m, l1g;
};

static const struct cfg cfg3 = { 3, true, true }, cfg4 = { 4, true, true },
			cfg5 = { 5, true, true }, cfg4_2m = { 4, true, false },
			cfg4_4k = { 4, false, false }, cfg3_2m = { 3, true, false },
			cfg5_4k = { 5, false, false };

static struct pt_env env = {
	.alloc_table = t_alloc,
	.free_table = t_free,
	.table_ptr = t_ptr,
	.flush = t_flush,
};
static struct pt_format fmt;
static struct pt pt;
static struct cfg cur;
/* Walk the device's view of memory too (where it could differ). */
static bool walk_device = true;

static int setup(void **state)
{
	(void)state;
	ta = calloc(1, sizeof(*ta));
	assert_non_null(ta);
	ta->budget = -1;
	env.ctx = ta;
	env.flush = t_flush;
	memset(&pt, 0, sizeof(pt));
	return 0;
}

/* Frees whatever is still live, so that a leak a test already failed on is
 * not reported again by LeakSanitizer. Asserts nothing (cmocka 1.1's TAP
 * output for a failed teardown is not TAP). */
static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SET_SLOTS; i++)
		if (ta->slot[i]) {
			free((void *)(uintptr_t)ta->slot[i]->phys);
			free(ta->slot[i]);
		}
	free(ta);
	ta = NULL;
	memset(&pt, 0, sizeof(pt));
	return 0;
}

static uint64_t aw_limit(void)
{
	return 1ull << (12 + 9 * cur.levels);
}

/* A domain's table, its root reachable from a (notional) context entry. */
static void sl_init(const struct cfg *c)
{
	cur = *c;
	vtd_sl_format(&fmt, c->levels, c->l2m, c->l1g);
	assert_int_equal(pt_init(&pt, &fmt, &env), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(ta->live, 1);
	assert_int_equal(pt_va_limit(&pt), aw_limit());
	/* The root was flushed whole: the context entry may point at it. */
	ref(pt.root, (int)c->levels - 1);
}

/* Detaches the root from the context entry, then destroys: every table
 * must be freed, each only once the device can no longer reach it. */
static void sl_destroy(void)
{
	unref(pt.root);
	pt_destroy(&pt);
	assert_int_equal(ta->live, 0);
	assert_int_equal(pt.tables, 0);
	assert_int_equal(pt.root, 0);
}

static void after_op(void)
{
	assert_int_equal(snap_unflushed(), 0);
	assert_int_equal(model_mismatches(), 0);
	assert_int_equal(pt.tables, ta->live);
}

/* pt.replaced unchanged promises that no present entry the device could
 * have cached changed (so no IOTLB invalidation is needed). */
static void check_replaced(unsigned long replaced, unsigned long visible)
{
	if (pt.replaced == replaced)
		assert_int_equal(ta->visible_replaced, visible);
}

static int do_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	unsigned long replaced = pt.replaced, visible = ta->visible_replaced;
	snap_begin();
	int err = pt_map(&pt, va, pa, size, flags);
	after_op();
	check_replaced(replaced, visible);
	return err;
}

static int do_unmap(uint64_t va, uint64_t size)
{
	unsigned long replaced = pt.replaced, visible = ta->visible_replaced;
	snap_begin();
	int err = pt_unmap(&pt, va, size);
	after_op();
	check_replaced(replaced, visible);
	return err;
}

/* ---- the reference walker (VT-d 4.1, 3.6 and 9.8) ------------------------------- */

struct walk {
	bool ok;
	uint64_t hpa;
	uint64_t perms;     /* effective R, W (all levels) and the leaf's SNP */
	uint64_t leaf_size;
};

enum view { CPU, DEVICE };

static const uint64_t *view_table(uint64_t phys, enum view v)
{
	struct tinfo *t = set_find(phys);
	assert_non_null(t); /* an entry points at something not a live table */
	return v == CPU ? cpu_view(t) : t->dev;
}

/* Translates an untranslated DMA request's address through a second-level
 * table of `levels` levels (AGAW 39, 48 or 57 bits) with superpages per
 * CAP.SLLPS (bit 0: 2M, bit 1: 1G). Levels numbered as in the spec: 1 is
 * the SL-PTE, 2 the SL-PDE, 3 the SL-PDPE, 4 the SL-PML4E, 5 the SL-PML5E.
 * Asserts that no entry has a reserved bit set, nor a bit the mapper has no
 * business setting (A/D, TM, EMT, ignored bits). */
static struct walk ref_walk(uint64_t root, unsigned levels, unsigned sllps, uint64_t iova,
			    enum view v)
{
	struct walk w = { .ok = false };
	uint64_t r = SPEC_R, wr = SPEC_W;
	uint64_t table = root;

	/* An address above the adjusted guest address width faults. */
	if (iova >> (12 + 9 * levels))
		return w;
	for (unsigned lvl = levels; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (lvl - 1);
		uint64_t e = view_table(table, v)[(iova >> shift) & 511];
		/* Neither R nor W: not present. */
		if (!(e & (SPEC_R | SPEC_W)))
			return w;
		r &= e;
		wr &= e;
		bool page = lvl == 1 || ((lvl == 2 || lvl == 3) && (e & SPEC_PS));
		if (lvl >= 4)
			assert_int_equal(e & SPEC_PS, 0); /* reserved in PML5E/PML4E */
		if (!page) {
			/* Non-leaf: SNP is reserved; R and W both set, so the
			 * leaves alone decide. */
			assert_int_equal(e & ~(SPEC_ADDR | SPEC_R | SPEC_W), 0);
			assert_int_equal(e & (SPEC_R | SPEC_W), SPEC_R | SPEC_W);
			table = e & SPEC_ADDR;
			continue;
		}
		/* A superpage where the unit has none is a reserved-bit fault. */
		if (lvl == 2)
			assert_true(sllps & 1);
		if (lvl == 3)
			assert_true(sllps & 2);
		uint64_t size = 1ull << shift;
		/* 2M: bits 20:12 reserved, 1G: bits 29:12; an SL-PTE's bit 7 is
		 * ignored, and the mapper leaves it clear. */
		uint64_t addr = SPEC_ADDR & ~(size - 1);
		assert_int_equal(e & ~(addr | PERMS | (lvl > 1 ? SPEC_PS : 0)), 0);
		w.ok = true;
		w.hpa = (e & addr) | (iova & (size - 1));
		w.perms = r | wr | (e & SPEC_SNP);
		w.leaf_size = size;
		return w;
	}
	fail_msg("walked below the SL-PTE");
	return w;
}

static unsigned sllps(void)
{
	return (cur.l2m ? 1 : 0) | (cur.l1g ? 2 : 0);
}

/* The walker's view of iova, through both the CPU's and the device's view
 * of memory, must be exactly (hpa, perms), and pt_lookup must agree.
 * leaf_size 0 means "any". */
static void expect_mapped(uint64_t iova, uint64_t hpa, uint64_t perms, uint64_t leaf_size)
{
	struct walk w = ref_walk(pt.root, cur.levels, sllps(), iova, CPU);
	assert_true(w.ok);
	assert_int_equal(w.hpa, hpa);
	assert_int_equal(w.perms, perms);
	if (leaf_size)
		assert_int_equal(w.leaf_size, leaf_size);

	if (env.flush && walk_device) {
		struct walk d = ref_walk(pt.root, cur.levels, sllps(), iova, DEVICE);
		assert_true(d.ok);
		assert_int_equal(d.hpa, w.hpa);
		assert_int_equal(d.perms, w.perms);
		assert_int_equal(d.leaf_size, w.leaf_size);
	}

	uint64_t lpa, lflags, lsize;
	assert_int_equal(pt_lookup(&pt, iova, &lpa, &lflags, &lsize), 0);
	assert_int_equal(lpa, w.hpa);
	assert_int_equal(lflags, w.perms);
	assert_int_equal(lsize, w.leaf_size);
}

static void expect_unmapped(uint64_t iova)
{
	assert_false(ref_walk(pt.root, cur.levels, sllps(), iova, CPU).ok);
	if (env.flush && walk_device)
		assert_false(ref_walk(pt.root, cur.levels, sllps(), iova, DEVICE).ok);
	assert_int_equal(pt_lookup(&pt, iova, NULL, NULL, NULL), -ENOENT);
}

/* Every 4K page of [iova, iova + size) maps to hpa + offset with perms. */
static void expect_range(uint64_t iova, uint64_t hpa, uint64_t size, uint64_t perms,
			 uint64_t leaf_size)
{
	for (uint64_t off = 0; off < size; off += SZ_4K)
		expect_mapped(iova + off, hpa + off, perms, leaf_size);
}

static void expect_range_unmapped(uint64_t iova, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += SZ_4K)
		expect_unmapped(iova + off);
}

/* Walks every table reachable from the root: none reached twice, their
 * number equal to pt.tables and to the allocator's count, and no table
 * but the root empty. */
static unsigned count_tables(uint64_t phys, unsigned lvl)
{
	const uint64_t *t = view_table(phys, CPU);
	unsigned n = 1, used = 0;

	for (unsigned i = 0; i < ENTRIES; i++) {
		if (!(t[i] & (SPEC_R | SPEC_W))) {
			assert_int_equal(t[i], 0); /* non-present entries stay clean */
			continue;
		}
		used++;
		if (lvl > 1 && !(t[i] & SPEC_PS))
			n += count_tables(t[i] & SPEC_ADDR, lvl - 1);
	}
	if (lvl != cur.levels)
		assert_int_not_equal(used, 0);
	return n;
}

static void check_tables(void)
{
	unsigned n = count_tables(pt.root, cur.levels);
	assert_int_equal(pt.tables, n);
	assert_int_equal(ta->live, n);
}

/* ---- the format ------------------------------------------------------------------ */

static void format_fields(void **state)
{
	(void)state;
	vtd_sl_format(&fmt, 4, true, true);
	assert_int_equal(fmt.levels, 4);
	assert_int_equal(fmt.present, SPEC_R | SPEC_W);
	assert_int_equal(fmt.table_flags, SPEC_R | SPEC_W);
	assert_int_equal(fmt.leaf_flags_allowed, SPEC_R | SPEC_W | SPEC_SNP);
	assert_int_equal(fmt.leaf_always, 0);
	assert_int_equal(fmt.large_leaf, SPEC_PS);
	assert_int_equal(fmt.large_levels, (1u << 1) | (1u << 2));
	assert_int_equal(fmt.addr_mask, SPEC_ADDR);
	vtd_sl_format(&fmt, 3, true, false);
	assert_int_equal(fmt.large_levels, 1u << 1);
	/* 1G without 2M (no unit is known to report it): 4K leaves only,
	 * since a 1G leaf could not be split. */
	vtd_sl_format(&fmt, 5, false, true);
	assert_int_equal(fmt.large_levels, 0);
	vtd_sl_format(&fmt, 5, false, false);
	assert_int_equal(fmt.large_levels, 0);

	/* 3, 4, 5 levels: 39, 48, 57 bits. */
	static const unsigned widths[][2] = {
		{ 3, VTD_SL_AW_3LEVEL }, { 4, VTD_SL_AW_4LEVEL }, { 5, VTD_SL_AW_5LEVEL } };
	for (unsigned k = 0; k < 3; k++) {
		vtd_sl_format(&fmt, widths[k][0], true, true);
		assert_int_equal(pt_init(&pt, &fmt, &env), 0);
		assert_int_equal(pt_va_limit(&pt), 1ull << widths[k][1]);
		pt_destroy(&pt);
		assert_int_equal(ta->live, 0);
	}
	/* Other depths give a format pt_init refuses, allocating nothing. */
	static const unsigned bad[] = { 0, 1, 2, 6, 7 };
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		vtd_sl_format(&fmt, bad[k], true, true);
		assert_int_equal(pt_init(&pt, &fmt, &env), -EINVAL);
		assert_int_equal(pt.root, 0);
	}
	assert_int_equal(ta->allocs, 3);
}

static void init_out_of_memory(void **state)
{
	(void)state;
	vtd_sl_format(&fmt, 4, true, true);
	ta->budget = 0;
	assert_int_equal(pt_init(&pt, &fmt, &env), -ENOMEM);
	assert_int_equal(pt.root, 0);
	assert_int_equal(pt.tables, 0);
	assert_int_equal(ta->live, 0);
	/* Nothing to map into. */
	assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, SPEC_R), -EINVAL);
	assert_int_equal(pt_lookup(&pt, 0, NULL, NULL, NULL), -ENOENT);
}

/* ---- leaf sizes ---------------------------------------------------------------------- */

/* Tables a single 4K mapping needs in an empty tree, root excluded. */
static unsigned path_tables(void)
{
	return cur.levels - 1;
}

static void leaf_sizes(void **state)
{
	const struct cfg *c = *state;
	sl_init(c);
	uint64_t big = c->l1g ? SZ_1G : c->l2m ? SZ_2M : SZ_4K;
	uint64_t mid = c->l2m ? SZ_2M : SZ_4K;

	/* iova and hpa both 1 GiB aligned: one 1 GiB leaf where allowed. */
	assert_int_equal(do_map(1 * GIB, 2 * GIB, SZ_1G, SPEC_R | SPEC_W), 0);
	expect_range(1 * GIB, 2 * GIB, 2 * SZ_2M, SPEC_R | SPEC_W, big);
	expect_mapped(2 * GIB - SZ_4K, 3 * GIB - SZ_4K, SPEC_R | SPEC_W, big);
	/* Tables: the path down to the leaves' level, and those leaves'. */
	unsigned upper = cur.levels - 2; /* root .. the table holding 1G entries */
	if (c->l1g)
		assert_int_equal(pt.tables, upper);
	else if (c->l2m)
		assert_int_equal(pt.tables, upper + 1);
	else
		assert_int_equal(pt.tables, upper + 1 + 512);
	check_tables();

	/* hpa only 2 MiB aligned: 2 MiB leaves (or 4K). */
	assert_int_equal(do_map(4 * GIB, 8 * GIB + SZ_2M, SZ_1G, SPEC_R), 0);
	expect_range(4 * GIB, 8 * GIB + SZ_2M, 2 * SZ_2M, SPEC_R, mid);
	expect_mapped(5 * GIB - SZ_4K, 9 * GIB + SZ_2M - SZ_4K, SPEC_R, mid);
	/* hpa only 4K aligned: 4K leaves. */
	assert_int_equal(do_map(6 * GIB, 16 * GIB + SZ_4K, SZ_2M, SPEC_W), 0);
	expect_range(6 * GIB, 16 * GIB + SZ_4K, SZ_2M, SPEC_W, SZ_4K);
	/* iova only 4K aligned, hpa 1 GiB aligned: 4K leaves as well. */
	assert_int_equal(do_map(7 * GIB + SZ_4K, 32 * GIB, 4 * SZ_4K, SPEC_R | SPEC_SNP), 0);
	expect_range(7 * GIB + SZ_4K, 32 * GIB, 4 * SZ_4K, SPEC_R | SPEC_SNP, SZ_4K);

	/* Every size in one call: 4K head, 1 GiB, 2 MiB, 4K tail. */
	uint64_t va = 20 * GIB - SZ_4K, pa = 64 * GIB - SZ_4K;
	uint64_t size = SZ_4K + SZ_1G + SZ_2M + SZ_4K;
	assert_int_equal(do_map(va, pa, size, SPEC_R | SPEC_W | SPEC_SNP), 0);
	const uint64_t f = SPEC_R | SPEC_W | SPEC_SNP;
	expect_mapped(va, pa, f, SZ_4K);
	expect_range(20 * GIB, 64 * GIB, 2 * SZ_2M, f, big);
	expect_mapped(21 * GIB - SZ_4K, 65 * GIB - SZ_4K, f, big);
	expect_range(21 * GIB, 65 * GIB, SZ_2M, f, mid);
	expect_mapped(21 * GIB + SZ_2M, 65 * GIB + SZ_2M, f, SZ_4K);
	expect_unmapped(va - SZ_4K);
	expect_unmapped(va + size);
	check_tables();

	/* Unmapping it all leaves the root alone. */
	assert_int_equal(do_unmap(0, 32 * GIB), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(ta->live, 1);
	sl_destroy();
}

/* ---- permissions ------------------------------------------------------------------------ */

static void permissions(void **state)
{
	static const uint64_t combos[] = {
		SPEC_R, SPEC_W, SPEC_R | SPEC_W,
		SPEC_R | SPEC_SNP, SPEC_W | SPEC_SNP, SPEC_R | SPEC_W | SPEC_SNP,
	};
	const struct cfg *c = *state;
	sl_init(c);
	for (unsigned i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		uint64_t f = combos[i];
		uint64_t va1g = (64 + i) * GIB, va2m = (128 + i) * GIB, va4k = (192 + i) * GIB;
		uint64_t pa = (1000 + i) * GIB;
		assert_int_equal(do_map(va1g, pa, SZ_1G, f), 0);
		assert_int_equal(do_map(va2m, pa, SZ_2M, f), 0);
		assert_int_equal(do_map(va4k, pa, SZ_4K, f), 0);
		expect_mapped(va1g + 12345 * SZ_4K, pa + 12345 * SZ_4K, f, SZ_1G);
		expect_mapped(va2m + 77 * SZ_4K, pa + 77 * SZ_4K, f, SZ_2M);
		expect_mapped(va4k, pa, f, SZ_4K);
		/* The offset inside the page comes through. */
		assert_int_equal(ref_walk(pt.root, cur.levels, sllps(), va1g + 0x123456, CPU).hpa,
				 pa + 0x123456);
		/* Changing the rights of one page leaves its neighbours'. */
		uint64_t g = f ^ SPEC_SNP;
		assert_int_equal(do_map(va1g + SZ_2M, pa + SZ_2M, SZ_4K, g), 0);
		expect_mapped(va1g + SZ_2M, pa + SZ_2M, g, SZ_4K);
		expect_mapped(va1g + SZ_2M + SZ_4K, pa + SZ_2M + SZ_4K, f, SZ_4K);
		expect_mapped(va1g, pa, f, SZ_2M);
	}
	check_tables();

	/* No access at all would be "not present"; SNP alone too; PS and bits
	 * outside R, W, SNP are the mapper's or reserved. */
	unsigned allocs = ta->allocs;
	assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, 0), -EINVAL);
	assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, SPEC_SNP), -EINVAL);
	assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, SPEC_R | SPEC_PS), -EINVAL);
	for (unsigned b = 2; b < 64; b++)
		if (b != 11)
			assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, SPEC_R | (1ull << b)), -EINVAL);
	assert_int_equal(ta->allocs, allocs);
	expect_unmapped(0);

	/* A unit without snoop control: SNP taken out of the format. */
	fmt.leaf_flags_allowed &= ~SPEC_SNP;
	assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, SPEC_R | SPEC_SNP), -EINVAL);
	assert_int_equal(do_map(0, 0, SZ_4K, SPEC_R), 0);
	expect_mapped(0, 0, SPEC_R, SZ_4K);
	sl_destroy();
}

/* ---- splits and merges ---------------------------------------------------------------------- */

static void split_on_partial_unmap(void **state)
{
	const struct cfg *c = *state;
	sl_init(c);
	const uint64_t va = 2 * GIB, pa = 10 * GIB, f = SPEC_R | SPEC_SNP;
	assert_int_equal(do_map(va, pa, SZ_1G, f), 0);
	unsigned base = pt.tables;

	/* One 4K page: the 1G leaf splits to 2M leaves, one of them to 4K. */
	assert_int_equal(do_unmap(va + SZ_4K, SZ_4K), 0);
	assert_int_equal(pt.tables, base + 2);
	expect_unmapped(va + SZ_4K);
	expect_mapped(va, pa, f, SZ_4K);
	expect_range(va + 2 * SZ_4K, pa + 2 * SZ_4K, SZ_2M - 2 * SZ_4K, f, SZ_4K);
	expect_range(va + SZ_2M, pa + SZ_2M, 2 * SZ_2M, f, SZ_2M);
	expect_mapped(va + SZ_1G - SZ_4K, pa + SZ_1G - SZ_4K, f, SZ_2M);

	/* A whole 2 MiB block: just its entry goes. */
	assert_int_equal(do_unmap(va + 100 * SZ_2M, SZ_2M), 0);
	assert_int_equal(pt.tables, base + 2);
	expect_range_unmapped(va + 100 * SZ_2M, SZ_2M);
	expect_mapped(va + 100 * SZ_2M - SZ_4K, pa + 100 * SZ_2M - SZ_4K, f, SZ_2M);
	expect_mapped(va + 101 * SZ_2M, pa + 101 * SZ_2M, f, SZ_2M);

	/* Across a 2 MiB boundary, cutting two leaves. */
	assert_int_equal(do_unmap(va + 201 * SZ_2M - SZ_4K, 2 * SZ_4K), 0);
	assert_int_equal(pt.tables, base + 4);
	expect_unmapped(va + 201 * SZ_2M - SZ_4K);
	expect_unmapped(va + 201 * SZ_2M);
	expect_mapped(va + 201 * SZ_2M - 2 * SZ_4K, pa + 201 * SZ_2M - 2 * SZ_4K, f, SZ_4K);
	expect_mapped(va + 201 * SZ_2M + SZ_4K, pa + 201 * SZ_2M + SZ_4K, f, SZ_4K);
	expect_unmapped(va - SZ_4K);
	expect_unmapped(va + SZ_1G);
	check_tables();

	/* Unmapping the rest page by page frees each table as it empties. */
	assert_int_equal(do_unmap(va, SZ_4K), 0);
	assert_int_equal(do_unmap(va + 2 * SZ_4K, SZ_2M - 2 * SZ_4K), 0);
	assert_int_equal(pt.tables, base + 3);
	assert_int_equal(do_unmap(va + SZ_2M, SZ_1G - SZ_2M), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(ta->live, 1);
	sl_destroy();
}

static void split_on_partial_remap(void **state)
{
	const struct cfg *c = *state;
	sl_init(c);
	const uint64_t va = 1 * GIB, pa = 4 * GIB, f = SPEC_R | SPEC_W;
	assert_int_equal(do_map(va, pa, SZ_1G, f), 0);
	unsigned base = pt.tables;

	/* One page in the second 2 MiB block: new home, read-only. */
	const uint64_t hole = va + SZ_2M + 2 * SZ_4K;
	assert_int_equal(do_map(hole, 0x7000, SZ_4K, SPEC_R), 0);
	assert_int_equal(pt.tables, base + 2);
	expect_mapped(hole, 0x7000, SPEC_R, SZ_4K);
	expect_range(va + SZ_2M, pa + SZ_2M, 2 * SZ_4K, f, SZ_4K);
	expect_range(hole + SZ_4K, pa + (hole + SZ_4K - va), SZ_2M - 3 * SZ_4K, f, SZ_4K);
	expect_range(va, pa, SZ_2M, f, SZ_2M);
	expect_range(va + 2 * SZ_2M, pa + 2 * SZ_2M, 2 * SZ_2M, f, SZ_2M);
	expect_mapped(va + SZ_1G - SZ_4K, pa + SZ_1G - SZ_4K, f, SZ_2M);

	/* A 2 MiB block elsewhere becomes write-only, somewhere else. */
	assert_int_equal(do_map(va + 7 * SZ_2M, 0x40000000, SZ_2M, SPEC_W | SPEC_SNP), 0);
	assert_int_equal(pt.tables, base + 2);
	expect_range(va + 7 * SZ_2M, 0x40000000, SZ_2M, SPEC_W | SPEC_SNP, SZ_2M);
	expect_mapped(va + 6 * SZ_2M, pa + 6 * SZ_2M, f, SZ_2M);
	expect_mapped(va + 8 * SZ_2M, pa + 8 * SZ_2M, f, SZ_2M);

	/* A range straddling two 2 MiB leaves: both split around it. */
	assert_int_equal(do_map(va + 10 * SZ_2M - 3 * SZ_4K, 0x900000, 5 * SZ_4K, SPEC_R), 0);
	assert_int_equal(pt.tables, base + 4);
	expect_range(va + 10 * SZ_2M - 3 * SZ_4K, 0x900000, 5 * SZ_4K, SPEC_R, SZ_4K);
	expect_mapped(va + 10 * SZ_2M - 4 * SZ_4K, pa + 10 * SZ_2M - 4 * SZ_4K, f, SZ_4K);
	expect_mapped(va + 10 * SZ_2M + 2 * SZ_4K, pa + 10 * SZ_2M + 2 * SZ_4K, f, SZ_4K);
	check_tables();
	sl_destroy();
}

static void merge_back_to_large_leaf(void **state)
{
	const struct cfg *c = *state;
	sl_init(c);
	const uint64_t va = 3 * GIB, f = SPEC_R | SPEC_W;
	unsigned allocs;

	/* 4K and 2M leaves under one 1 GiB entry... */
	assert_int_equal(do_map(va + SZ_4K, 0x100000, 3 * SZ_4K, f), 0);
	assert_int_equal(do_map(va + 10 * SZ_2M, 0x200000, 2 * SZ_2M, f), 0);
	assert_int_equal(pt.tables, path_tables() + 1);
	/* ...replaced by one 1 GiB leaf: the subtree (PD + PT) is freed. */
	allocs = ta->allocs;
	assert_int_equal(do_map(va, 5 * GIB, SZ_1G, SPEC_R), 0);
	assert_int_equal(ta->allocs, allocs);
	assert_int_equal(pt.tables, path_tables() - 1);
	assert_int_equal(ta->live, path_tables() - 1);
	expect_range(va, 5 * GIB, SZ_2M, SPEC_R, SZ_1G);

	/* A 1 GiB leaf split down to 4K by a remap, then the whole 1 GiB
	 * remapped: one leaf again, the tables gone. */
	assert_int_equal(do_map(va + 5 * SZ_2M + SZ_4K, 0x1000, SZ_4K, f), 0);
	assert_int_equal(pt.tables, path_tables() + 1);
	assert_int_equal(do_map(va, 5 * GIB, SZ_1G, SPEC_R), 0);
	assert_int_equal(pt.tables, path_tables() - 1);
	expect_mapped(va + 5 * SZ_2M + SZ_4K, 5 * GIB + 5 * SZ_2M + SZ_4K, SPEC_R, SZ_1G);

	/* A 2 MiB leaf split by an unmap, then the 2 MiB mapped again. */
	assert_int_equal(do_map(va + SZ_1G, 0, 4 * SZ_2M, f), 0);
	unsigned t2m = pt.tables;
	assert_int_equal(do_unmap(va + SZ_1G + SZ_2M + 7 * SZ_4K, SZ_4K), 0);
	assert_int_equal(pt.tables, t2m + 1);
	assert_int_equal(do_map(va + SZ_1G + SZ_2M, SZ_2M, SZ_2M, f), 0);
	assert_int_equal(pt.tables, t2m);
	expect_range(va + SZ_1G, 0, 4 * SZ_2M, f, SZ_2M);

	/* 2 MiB leaves making up 1 GiB (hpa not 1G-aligned), then the 1 GiB
	 * mapped with a 1G-aligned hpa: the PD goes. */
	assert_int_equal(do_map(va + 2 * SZ_1G, 7 * GIB + SZ_2M, SZ_1G, f), 0);
	assert_int_equal(pt.tables, t2m + 1);
	assert_int_equal(do_map(va + 2 * SZ_1G, 7 * GIB, SZ_1G, f), 0);
	assert_int_equal(pt.tables, t2m);
	expect_range(va + 2 * SZ_1G, 7 * GIB, SZ_2M, f, SZ_1G);
	check_tables();
	sl_destroy();
}

/* A page already mapped exactly so is left alone: no split, no table, no
 * entry written (so nothing to flush or invalidate). */
static void remap_same_translation_writes_nothing(void **state)
{
	const struct cfg *c = *state;
	sl_init(c);
	const uint64_t va = 5 * GIB, pa = 9 * GIB, f = SPEC_R | SPEC_W;
	assert_int_equal(do_map(va, pa, SZ_1G, f), 0);
	assert_int_equal(do_map(va + SZ_1G, pa + SZ_1G, 2 * SZ_2M, f), 0);
	unsigned tables = pt.tables, allocs = ta->allocs, flushes = ta->flush_calls;

	ta->budget = 0; /* any allocation would fail the map */
	assert_int_equal(do_map(va + 3 * SZ_4K, pa + 3 * SZ_4K, SZ_4K, f), 0);
	assert_int_equal(do_map(va + 5 * SZ_2M, pa + 5 * SZ_2M, 3 * SZ_2M + SZ_4K, f), 0);
	assert_int_equal(do_map(va + SZ_1G - SZ_4K, pa + SZ_1G - SZ_4K, 2 * SZ_4K, f), 0);
	assert_int_equal(do_map(va, pa, SZ_1G + 2 * SZ_2M, f), 0);
	assert_int_equal(ta->flush_calls, flushes);
	assert_int_equal(ta->allocs, allocs);
	assert_int_equal(pt.tables, tables);
	expect_mapped(va + 3 * SZ_4K, pa + 3 * SZ_4K, f, SZ_1G);
	expect_mapped(va + SZ_1G + SZ_4K, pa + SZ_1G + SZ_4K, f, SZ_2M);

	/* Same hpa, other rights, or same rights, other hpa: that splits. */
	assert_int_equal(do_map(va + 3 * SZ_4K, pa + 3 * SZ_4K, SZ_4K, SPEC_R), -ENOMEM);
	assert_int_equal(do_map(va + 3 * SZ_4K, pa + 4 * SZ_4K, SZ_4K, f), -ENOMEM);
	expect_mapped(va + 3 * SZ_4K, pa + 3 * SZ_4K, f, SZ_1G);
	ta->budget = -1;
	assert_int_equal(do_map(va + 3 * SZ_4K, pa + 3 * SZ_4K, SZ_4K, SPEC_R), 0);
	expect_mapped(va + 3 * SZ_4K, pa + 3 * SZ_4K, SPEC_R, SZ_4K);
	expect_mapped(va + 4 * SZ_4K, pa + 4 * SZ_4K, f, SZ_4K);
	check_tables();
	sl_destroy();
}

static void unmap_everything_frees_tables(void **state)
{
	const struct cfg *c = *state;
	sl_init(c);
	/* Across a top-level entry boundary: 1 GiB (3 levels), 512 GiB (4),
	 * 256 TiB (5). */
	const uint64_t top = 1ull << (12 + 9 * (cur.levels - 1));
	const uint64_t base = top - SZ_1G;
	assert_int_equal(do_map(base, 0, SZ_1G, SPEC_R | SPEC_W), 0);
	assert_int_equal(do_map(base + SZ_1G, SZ_1G, 4 * SZ_2M, SPEC_R), 0);
	assert_int_equal(do_map(base + SZ_1G + 5 * SZ_2M + SZ_4K, 0x3000, 7 * SZ_4K, SPEC_W), 0);
	assert_int_equal(do_unmap(base + 4 * SZ_4K, SZ_4K), 0);
	/* Two paths down to a PT, sharing the root. */
	assert_int_equal(pt.tables, 1 + 2 * (cur.levels - 1));
	check_tables();
	expect_mapped(base + SZ_1G + 5 * SZ_2M + 2 * SZ_4K, 0x4000, SPEC_W, SZ_4K);

	assert_int_equal(do_unmap(base, 2 * SZ_1G), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(ta->live, 1);
	expect_range_unmapped(base, 4 * SZ_2M);
	expect_range_unmapped(base + SZ_1G, 4 * SZ_2M);

	/* Unmapping where nothing is mapped allocates and writes nothing. */
	unsigned allocs = ta->allocs, flushes = ta->flush_calls;
	assert_int_equal(do_unmap(0, aw_limit()), 0);
	assert_int_equal(do_unmap(5 * GIB + SZ_4K, SZ_4K), 0);
	assert_int_equal(ta->allocs, allocs);
	assert_int_equal(ta->flush_calls, flushes);
	assert_int_equal(pt.tables, 1);
	sl_destroy();
}

/* ---- the address width ----------------------------------------------------------------------- */

static void width_limits(void **state)
{
	const struct cfg *c = *state;
	sl_init(c);
	const uint64_t top = aw_limit();
	const uint64_t f = SPEC_R | SPEC_W;

	/* The last page, the last 2 MiB and the last 1 GiB below the width. */
	assert_int_equal(do_map(top - SZ_1G, 3 * GIB, SZ_1G - SZ_2M, f), 0);
	assert_int_equal(do_map(top - SZ_2M, 0x400000, SZ_2M - SZ_4K, SPEC_R), 0);
	assert_int_equal(do_map(top - SZ_4K, 0x9000, SZ_4K, SPEC_W), 0);
	expect_mapped(top - SZ_1G, 3 * GIB, f, SZ_2M);
	expect_mapped(top - SZ_2M - SZ_4K, 3 * GIB + SZ_1G - SZ_2M - SZ_4K, f, SZ_2M);
	expect_mapped(top - SZ_2M, 0x400000, SPEC_R, SZ_4K);
	expect_mapped(top - SZ_4K, 0x9000, SPEC_W, SZ_4K);
	/* The very last 1 GiB as one leaf. */
	assert_int_equal(do_map(top - SZ_1G, 3 * GIB, SZ_1G, f), 0);
	expect_mapped(top - SZ_4K, 4 * GIB - SZ_4K, f, SZ_1G);

	unsigned allocs = ta->allocs;
	/* At or beyond the width, or running past it (or wrapping). */
	assert_int_equal(pt_map(&pt, top, 0, SZ_4K, f), -EINVAL);
	assert_int_equal(pt_map(&pt, top << 1, 0, SZ_4K, f), -EINVAL);
	assert_int_equal(pt_map(&pt, 1ull << 63, 0, SZ_4K, f), -EINVAL);
	assert_int_equal(pt_map(&pt, top - SZ_4K, 0, 2 * SZ_4K, f), -EINVAL);
	assert_int_equal(pt_map(&pt, top - SZ_1G, 0, 2 * SZ_1G, f), -EINVAL);
	assert_int_equal(pt_map(&pt, SZ_4K, 0, 0ull - SZ_4K, f), -EINVAL);
	assert_int_equal(pt_unmap(&pt, top, SZ_4K), -EINVAL);
	assert_int_equal(pt_unmap(&pt, top - SZ_4K, 2 * SZ_4K), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0, top + SZ_4K), -EINVAL);
	/* Unaligned, empty. */
	assert_int_equal(pt_map(&pt, 0x1001, 0x2000, SZ_4K, f), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2800, SZ_4K, f), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, 100, f), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, 0, f), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0x800, SZ_4K), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0, 0), -EINVAL);
	/* hpa beyond 52 bits, or a range running past 2^52. */
	assert_int_equal(pt_map(&pt, 0x1000, 1ull << 52, SZ_4K, f), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, (1ull << 52) - SZ_4K, 2 * SZ_4K, f), -EINVAL);
	assert_int_equal(ta->allocs, allocs);
	expect_unmapped(0x1000);

	/* The highest hpa is fine, in every leaf size. */
	assert_int_equal(do_map(0x1000, (1ull << 52) - SZ_4K, SZ_4K, f), 0);
	expect_mapped(0x1000, (1ull << 52) - SZ_4K, f, SZ_4K);
	assert_int_equal(do_map(SZ_2M, (1ull << 52) - SZ_2M, SZ_2M, f), 0);
	expect_mapped(SZ_2M + 5 * SZ_4K, (1ull << 52) - SZ_2M + 5 * SZ_4K, f, SZ_2M);
	assert_int_equal(do_map(SZ_1G, (1ull << 52) - SZ_1G, SZ_1G, f), 0);
	expect_mapped(2 * SZ_1G - SZ_4K, (1ull << 52) - SZ_4K, f, SZ_1G);

	/* Lookups and the walker beyond the width: not mapped. */
	assert_int_equal(pt_lookup(&pt, top, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pt_lookup(&pt, ~0ull, NULL, NULL, NULL), -ENOENT);
	/* An address aliasing a mapped one modulo the width must not hit. */
	assert_int_equal(pt_lookup(&pt, top + 0x1000, NULL, NULL, NULL), -ENOENT);
	assert_false(ref_walk(pt.root, cur.levels, sllps(), top + 0x1000, CPU).ok);
	check_tables();
	sl_destroy();
}

/* ---- the flush discipline ---------------------------------------------------------------------- */

/* The checks themselves: a write the engine did not flush is caught. */
static void flush_checker_catches_missing_flush(void **state)
{
	(void)state;
	sl_init(&cfg4);
	assert_int_equal(do_map(SZ_1G, 0, SZ_2M, SPEC_R), 0);
	uint64_t *root = (uint64_t *)(uintptr_t)pt.root;
	unsigned i = 7;

	snap_begin();
	root[i] = 0x5000 | SPEC_R; /* as if pt.c forgot to flush */
	assert_int_equal(snap_unflushed(), 1);
	assert_int_equal(model_mismatches(), 1);
	root[i] = 0;
	assert_int_equal(snap_unflushed(), 0);
	assert_int_equal(model_mismatches(), 0);

	/* A table that was never flushed whole is garbage to the device. */
	uint64_t phys = t_alloc(ta);
	struct tinfo *t = set_find(phys);
	assert_int_equal(snap_unflushed(), 512);
	assert_int_not_equal(memcmp(t->dev, cpu_view(t), sizeof(t->dev)), 0);
	assert_false(ref_walk(phys, 1, 0, 0, CPU).ok);
	/* (the device would see a present 2M page here) */
	assert_true(t->dev[0] & (SPEC_R | SPEC_W));
	t_flush(ta, cpu_view(t), 4096);
	assert_int_equal(snap_unflushed(), 0);
	t_free(ta, phys);
	sl_destroy();
}

/* A mixed sequence with a flush count: splits and new tables flush whole
 * tables, leaf runs one range per table touched. */
static void flush_ranges_are_tight(void **state)
{
	(void)state;
	sl_init(&cfg4);
	unsigned calls = ta->flush_calls;
	uint64_t bytes = ta->flush_bytes;

	/* 16 4K leaves in a new PT under a new PDPT and PD: three whole new
	 * tables and one root entry. */
	assert_int_equal(do_map(SZ_1G, 0x100000, 16 * SZ_4K, SPEC_R), 0);
	assert_int_equal(ta->flush_calls - calls, 4);
	assert_int_equal(ta->flush_bytes - bytes, 3 * 4096 + 8);

	/* 16 more beside them: one range of 16 entries. */
	calls = ta->flush_calls;
	bytes = ta->flush_bytes;
	assert_int_equal(do_map(SZ_1G + 16 * SZ_4K, 0x200000, 16 * SZ_4K, SPEC_R), 0);
	assert_int_equal(ta->flush_calls - calls, 1);
	assert_int_equal(ta->flush_bytes - bytes, 16 * 8);

	/* Unmapping all 32: one range in the PT, then the emptied PT, PD and
	 * PDPT are unlinked, one entry each. */
	calls = ta->flush_calls;
	bytes = ta->flush_bytes;
	assert_int_equal(do_unmap(SZ_1G, 32 * SZ_4K), 0);
	assert_int_equal(ta->flush_calls - calls, 4);
	assert_int_equal(ta->flush_bytes - bytes, 32 * 8 + 3 * 8);
	assert_int_equal(pt.tables, 1);

	/* Splitting a 1 GiB leaf to change one page: the PT (whole), the PD
	 * (whole, with the PT linked in it before it is flushed), the PDPT
	 * entry: nothing visible in between. */
	assert_int_equal(do_map(SZ_1G, 0, SZ_1G, SPEC_R | SPEC_W), 0);
	calls = ta->flush_calls;
	bytes = ta->flush_bytes;
	assert_int_equal(do_map(SZ_1G + 5 * SZ_4K, 0x5000, SZ_4K, SPEC_R), 0);
	assert_int_equal(ta->flush_calls - calls, 3);
	assert_int_equal(ta->flush_bytes - bytes, 2 * 4096 + 8);
	sl_destroy();
}

/* pt.replaced moves exactly when a present entry is overwritten or
 * cleared: filling holes needs no IOTLB invalidation (CAP.CM=0). */
static void replaced_counts_present_entries(void **state)
{
	(void)state;
	sl_init(&cfg4);
	const uint64_t f = SPEC_R | SPEC_W;
	unsigned long r = pt.replaced;

	/* New mappings, new tables, beside existing ones: nothing replaced. */
	assert_int_equal(do_map(SZ_1G, 0x100000, 4 * SZ_4K, f), 0);
	assert_int_equal(do_map(SZ_1G + 4 * SZ_4K, 0x200000, 4 * SZ_4K, f), 0);
	assert_int_equal(do_map(2 * SZ_1G, 0, SZ_1G, f), 0);
	assert_int_equal(do_map(SZ_1G + SZ_2M, 0, SZ_2M, f), 0);
	/* The same translation again: nothing written at all. */
	assert_int_equal(do_map(2 * SZ_1G + SZ_4K, SZ_4K, SZ_4K, f), 0);
	assert_int_equal(pt.replaced, r);
	assert_int_equal(ta->visible_replaced, 0);

	/* Other rights for a mapped page: replaced. */
	assert_int_equal(do_map(SZ_1G, 0x100000, SZ_4K, SPEC_R), 0);
	assert_int_equal(pt.replaced, r + 1);
	/* A page inside the 1 GiB leaf: the leaf is replaced by a table. */
	assert_int_equal(do_map(2 * SZ_1G + SZ_4K, 0x9000, SZ_4K, f), 0);
	assert_int_equal(pt.replaced, r + 2);
	/* Unmapping: the PT entry; then nothing (already unmapped). */
	assert_int_equal(do_unmap(SZ_1G, SZ_4K), 0);
	assert_int_equal(pt.replaced, r + 3);
	assert_int_equal(do_unmap(SZ_1G, SZ_4K), 0);
	assert_int_equal(pt.replaced, r + 3);
	/* A 1 GiB leaf over the split subtree: one entry replaced. */
	assert_int_equal(do_map(2 * SZ_1G, 0, SZ_1G, f), 0);
	assert_int_equal(pt.replaced, r + 4);
	sl_destroy();
}

/* Without a flush callback (a coherent unit) the tables are the same. */
static void no_flush_callback(void **state)
{
	(void)state;
	env.flush = NULL;
	cur = cfg5;
	vtd_sl_format(&fmt, 5, true, true);
	assert_int_equal(pt_init(&pt, &fmt, &env), 0);
	assert_int_equal(pt_map(&pt, 300 * TIB, 0, SZ_1G + SZ_4K, SPEC_R), 0);
	assert_int_equal(pt_map(&pt, 300 * TIB + 3 * SZ_4K, 0x77000, SZ_4K, SPEC_W), 0);
	expect_mapped(300 * TIB + 3 * SZ_4K, 0x77000, SPEC_W, SZ_4K);
	assert_int_equal(ta->flush_calls, 0);
	pt_destroy(&pt);
	assert_int_equal(ta->live, 0);
}

/* ---- allocation failure ------------------------------------------------------------------------ */

static void out_of_memory(void **state)
{
	const struct cfg *c = *state;
	/* A 4K mapping in an empty tree needs levels - 1 tables: with fewer
	 * the map fails, frees what it allocated, and changes nothing. */
	for (long budget = 0; budget <= (long)c->levels - 1; budget++) {
		sl_init(c);
		ta->budget = budget;
		int err = do_map(5 * GIB + SZ_4K, 0x1000, SZ_4K, SPEC_R | SPEC_W);
		if (budget < (long)c->levels - 1) {
			assert_int_equal(err, -ENOMEM);
			expect_unmapped(5 * GIB + SZ_4K);
			assert_int_equal(pt.tables, 1);
		} else {
			assert_int_equal(err, 0);
			expect_mapped(5 * GIB + SZ_4K, 0x1000, SPEC_R | SPEC_W, SZ_4K);
			assert_int_equal(pt.tables, c->levels);
		}
		ta->budget = -1;
		sl_destroy();
	}

	/* Splitting a 1 GiB leaf down to 4K needs two tables. */
	sl_init(c);
	assert_int_equal(do_map(SZ_1G, 0, SZ_1G, SPEC_R), 0);
	unsigned tables = pt.tables;
	ta->budget = 0;
	assert_int_equal(do_unmap(SZ_1G + SZ_4K, SZ_4K), -ENOMEM);
	assert_int_equal(do_map(SZ_1G + SZ_4K, 0x55000, SZ_4K, SPEC_W), -ENOMEM);
	assert_int_equal(pt.tables, tables);
	expect_range(SZ_1G, 0, 4 * SZ_4K, SPEC_R, SZ_1G);
	/* With one table the 1 GiB splits into 2 MiB leaves but no further:
	 * the translation is unchanged wherever the split got to. */
	ta->budget = 1;
	assert_int_equal(do_unmap(SZ_1G + SZ_4K, SZ_4K), -ENOMEM);
	check_tables();
	expect_range(SZ_1G, 0, 4 * SZ_4K, SPEC_R, 0);
	expect_mapped(2 * SZ_1G - SZ_4K, SZ_1G - SZ_4K, SPEC_R, 0);
	ta->budget = -1;
	assert_int_equal(do_unmap(SZ_1G + SZ_4K, SZ_4K), 0);
	expect_unmapped(SZ_1G + SZ_4K);
	expect_mapped(SZ_1G, 0, SPEC_R, SZ_4K);
	expect_mapped(SZ_1G + 2 * SZ_4K, 2 * SZ_4K, SPEC_R, SZ_4K);

	/* A long 4K map that runs out midway keeps what it mapped. */
	ta->budget = 2;
	uint64_t va = 40 * GIB;
	/* hpa 4K aligned only: a PD and four PTs wanted, two granted. */
	int err = do_map(va, 0x10001000, 4 * SZ_2M, SPEC_W);
	assert_int_equal(err, -ENOMEM);
	check_tables();
	expect_range(va, 0x10001000, SZ_2M, SPEC_W, SZ_4K);
	expect_range_unmapped(va + SZ_2M, 3 * SZ_2M);
	ta->budget = -1;
	sl_destroy();
}

/* ---- randomized map/unmap against a shadow ----------------------------------------------------- */

#define RWIN_SIZE (4 * GIB)
#define RWIN_PAGES (RWIN_SIZE / SZ_4K)
#define SHADOW_VALID (1ull << 0)

struct shadow {
	uint64_t pa;    /* SHADOW_VALID | pa, or 0 */
	uint64_t perms;
};

static struct shadow *shadow;
static uint64_t rwin_base;

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}
static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static void check_page(uint64_t page)
{
	if (page >= RWIN_PAGES)
		return;
	uint64_t va = rwin_base + page * SZ_4K;
	const struct shadow *s = &shadow[page];

	if (s->pa & SHADOW_VALID)
		expect_mapped(va, s->pa & ~SHADOW_VALID, s->perms, 0);
	else
		expect_unmapped(va);
}

static void check_pages(uint64_t first, uint64_t count)
{
	/* A long run of pages is checked after after_op() found the device's
	 * view equal to the CPU's: the CPU view is enough there. */
	walk_device = count <= 512;
	for (uint64_t p = first; p < first + count && p < RWIN_PAGES; p++)
		check_page(p);
	walk_device = true;
}

static void random_against_shadow(void **state)
{
	static const uint64_t perm_sets[] = { SPEC_R, SPEC_W, SPEC_R | SPEC_W };
	const struct cfg *c = *state;
	shadow = calloc(RWIN_PAGES, sizeof(*shadow));
	assert_non_null(shadow);
	sl_init(c);
	rng = 0x9e3779b97f4a7c15ull ^ c->levels;
	/* 4 GiB straddling a top-level entry boundary: 1 GiB for 3 levels (so
	 * four are in play), 512 GiB for 4, 256 TiB for 5. */
	rwin_base = (1ull << (12 + 9 * (c->levels - 1))) * (c->levels == 3 ? 200 : 1) -
		    2 * GIB;

	for (unsigned op = 0; op < 1000; op++) {
		uint64_t r = rnd_below(100);
		uint64_t gran = r < 60 ? SZ_4K : r < 93 ? SZ_2M : SZ_1G;
		uint64_t count = gran == SZ_4K ? 1 + rnd_below(64) :
				 gran == SZ_2M ? 1 + rnd_below(4) : 1;
		uint64_t va = rwin_base + rnd_below(RWIN_SIZE / gran) * gran;
		uint64_t size = count * gran;
		if (gran > SZ_4K && !rnd_below(3)) {
			uint64_t head = rnd_below(4) * SZ_4K, tail = rnd_below(4) * SZ_4K;
			if (va - head >= rwin_base) {
				va -= head;
				size += head;
			}
			size += tail;
		}
		if (va + size > rwin_base + RWIN_SIZE)
			size = rwin_base + RWIN_SIZE - va;
		uint64_t first = (va - rwin_base) / SZ_4K, pages = size / SZ_4K;

		if (rnd_below(100) < 65) {
			/* hpa congruent to iova modulo 1 GiB so large leaves are
			 * possible, sometimes not; anywhere in 51 bits. */
			uint64_t pa = rnd_below(1ull << 21) * SZ_1G | (va & (SZ_1G - 1));
			if (!rnd_below(5))
				pa += (1 + rnd_below(511)) * SZ_4K;
			uint64_t f = perm_sets[rnd_below(3)] | (rnd_below(2) ? SPEC_SNP : 0);
			assert_int_equal(do_map(va, pa, size, f), 0);
			for (uint64_t k = 0; k < pages; k++)
				shadow[first + k] = (struct shadow){
					(pa + k * SZ_4K) | SHADOW_VALID, f };
		} else {
			assert_int_equal(do_unmap(va, size), 0);
			for (uint64_t k = 0; k < pages; k++)
				shadow[first + k] = (struct shadow){ 0, 0 };
		}

		/* The pages touched (the ends of a long run, and a sample of
		 * its middle), the pages around both ends and a sample of the
		 * 2 MiB blocks there (where splits happen), pages anywhere. */
		uint64_t blk = SZ_2M / SZ_4K;
		if (pages <= 1024) {
			check_pages(first, pages);
		} else {
			check_pages(first, 512);
			check_pages(first + pages - 512, 512);
			for (uint64_t p = first + 512; p < first + pages - 512; p += 61)
				check_page(p);
		}
		for (unsigned k = 0; k < 2; k++) {
			uint64_t end = k ? first + pages : first;
			check_pages(end >= 16 ? end - 16 : 0, 32);
			for (uint64_t p = end / blk * blk; p < end / blk * blk + blk; p += 13)
				check_page(p);
		}
		for (unsigned k = 0; k < 64; k++)
			check_page(rnd_below(RWIN_PAGES));
		if (op % 50 == 0)
			check_tables();
		expect_unmapped(rwin_base - SZ_4K);
		expect_unmapped(rwin_base + RWIN_SIZE);
	}
	check_pages(0, RWIN_PAGES);
	check_tables();

	assert_int_equal(do_unmap(rwin_base, RWIN_SIZE), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(ta->live, 1);
	free(shadow);
	shadow = NULL;
	sl_destroy();
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define P(f, c) { #f "/" #c, f, setup, teardown, (void *)&c }
	const struct CMUnitTest tests[] = {
		T(format_fields),
		T(init_out_of_memory),
		P(leaf_sizes, cfg3), P(leaf_sizes, cfg4), P(leaf_sizes, cfg5),
		P(leaf_sizes, cfg4_2m), P(leaf_sizes, cfg4_4k), P(leaf_sizes, cfg3_2m),
		P(leaf_sizes, cfg5_4k),
		P(permissions, cfg3), P(permissions, cfg4), P(permissions, cfg5),
		P(split_on_partial_unmap, cfg3), P(split_on_partial_unmap, cfg4),
		P(split_on_partial_unmap, cfg5),
		P(split_on_partial_remap, cfg3), P(split_on_partial_remap, cfg4),
		P(split_on_partial_remap, cfg5),
		P(merge_back_to_large_leaf, cfg3), P(merge_back_to_large_leaf, cfg4),
		P(merge_back_to_large_leaf, cfg5),
		P(remap_same_translation_writes_nothing, cfg3),
		P(remap_same_translation_writes_nothing, cfg5),
		P(unmap_everything_frees_tables, cfg3), P(unmap_everything_frees_tables, cfg4),
		P(unmap_everything_frees_tables, cfg5),
		P(width_limits, cfg3), P(width_limits, cfg4), P(width_limits, cfg5),
		T(flush_checker_catches_missing_flush),
		T(flush_ranges_are_tight),
		T(replaced_counts_present_entries),
		T(no_flush_callback),
		P(out_of_memory, cfg3), P(out_of_memory, cfg4), P(out_of_memory, cfg5),
		P(random_against_shadow, cfg3), P(random_against_shadow, cfg4),
		P(random_against_shadow, cfg5), P(random_against_shadow, cfg4_2m),
	};
#undef P
#undef T
	return cmocka_run_group_tests_name("vtd_sl", tests, NULL, NULL);
}
