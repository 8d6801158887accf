/* arch/x86/pt.c with the x86-64 format (pt_format_x86_4level, 1G leaves
 * added as on a CPU with Page1GB; iommu/vtd_sl.c's format has its own test,
 * test_vtd_sl.c): 4-level page tables built in host memory, checked by an
 * independent reference walker written from the Intel SDM (Vol. 3A, 4.5),
 * not by pt_lookup (which is itself cross-checked against the walker).
 *
 * Tables are page-aligned host allocations whose address doubles as their
 * "physical address"; the allocator tracks every live table so leaks,
 * double frees and stray pointers are caught. */
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
#include "tests/unit/log_stub.h"

#define SZ_4K (4 * KIB)
#define SZ_2M (2 * MIB)
#define SZ_1G (1 * GIB)

/* ---- what the SDM says (our own constants, not pt.h's) ---------------------- */

#define SDM_P    (1ull << 0)
#define SDM_RW   (1ull << 1)
#define SDM_US   (1ull << 2)
#define SDM_PWT  (1ull << 3)
#define SDM_PCD  (1ull << 4)
#define SDM_PS   (1ull << 7)   /* PDPTE/PDE; in a PTE this bit is PAT */
#define SDM_G    (1ull << 8)
#define SDM_XD   (1ull << 63)
/* Physical-address fields with MAXPHYADDR = 52. */
#define SDM_ADDR_TABLE 0x000ffffffffff000ull /* PML4E, PDPTE/PDE -> table, PTE */
#define SDM_ADDR_2M    0x000fffffffe00000ull /* PDE mapping a 2 MiB page */
#define SDM_ADDR_1G    0x000fffffc0000000ull /* PDPTE mapping a 1 GiB page */

/* pt.h's flag values are the architectural bits. */
_Static_assert(PTE_P == SDM_P && PTE_W == SDM_RW && PTE_U == SDM_US &&
	       PTE_PWT == SDM_PWT && PTE_PCD == SDM_PCD && PTE_PS == SDM_PS &&
	       PTE_G == SDM_G && PTE_NX == SDM_XD, "pt.h flag bits");

/* The leaf attributes the walker reports: effective W/U/NX (combined over
 * all levels) and the leaf's own PWT/PCD/G. */
#define LEAF_ATTRS (SDM_RW | SDM_US | SDM_PWT | SDM_PCD | SDM_G | SDM_XD)

/* ---- the table allocator ------------------------------------------------------ */

/* A set of live table addresses: open addressing, linear probing, deletion
 * by backward shift (no tombstones, so it stays fast through churn). */
#define SET_SLOTS (1u << 16)

struct talloc {
	uint64_t slot[SET_SLOTS];
	unsigned live;       /* tables allocated and not yet freed */
	unsigned allocs;     /* successful allocations, ever */
	long budget;         /* allocations still allowed; < 0 is unlimited */
};

static struct talloc *ta;

static unsigned slot_of(uint64_t v)
{
	return (unsigned)((v >> 12) * 0x9e3779b97f4a7c15ull >> 48) & (SET_SLOTS - 1);
}

static bool set_has(uint64_t v)
{
	for (unsigned i = slot_of(v); ta->slot[i]; i = (i + 1) & (SET_SLOTS - 1))
		if (ta->slot[i] == v)
			return true;
	return false;
}

static void set_add(uint64_t v)
{
	unsigned i = slot_of(v);

	while (ta->slot[i])
		i = (i + 1) & (SET_SLOTS - 1);
	ta->slot[i] = v;
}

static void set_del(uint64_t v)
{
	unsigned i = slot_of(v);

	while (ta->slot[i] != v) {
		assert_true(ta->slot[i] != 0); /* freeing something not live */
		i = (i + 1) & (SET_SLOTS - 1);
	}
	/* Backward-shift the rest of the cluster into the hole. */
	for (unsigned j = (i + 1) & (SET_SLOTS - 1); ta->slot[j]; j = (j + 1) & (SET_SLOTS - 1)) {
		unsigned home = slot_of(ta->slot[j]);
		/* Move j into i unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			ta->slot[i] = ta->slot[j];
			i = j;
		}
	}
	ta->slot[i] = 0;
}

static uint64_t t_alloc(void *ctx)
{
	assert_ptr_equal(ctx, ta);
	if (ta->budget == 0)
		return 0;
	if (ta->budget > 0)
		ta->budget--;
	void *p = aligned_alloc(4096, 4096);
	assert_non_null(p);
	memset(p, 0, 4096);
	uint64_t phys = (uint64_t)(uintptr_t)p;
	/* A host pointer must fit a PTE address field to play "physical". */
	assert_int_equal(phys & ~SDM_ADDR_TABLE, 0);
	assert_true(ta->live < SET_SLOTS / 2);
	set_add(phys);
	ta->live++;
	ta->allocs++;
	return phys;
}

static void t_free(void *ctx, uint64_t phys)
{
	assert_ptr_equal(ctx, ta);
	assert_true(set_has(phys)); /* double free or not a table */
	set_del(phys);
	ta->live--;
	free((void *)(uintptr_t)phys);
}

static uint64_t *t_ptr(void *ctx, uint64_t phys)
{
	assert_ptr_equal(ctx, ta);
	assert_true(set_has(phys)); /* use after free or a wild address */
	return (uint64_t *)(uintptr_t)phys;
}

static struct pt_env env = {
	.alloc_table = t_alloc,
	.free_table = t_free,
	.table_ptr = t_ptr,
};
static struct pt pt;
/* pt_format_x86_4level, with 1G leaves where a test asks for them. */
static struct pt_format fmt;

static int setup(void **state)
{
	(void)state;
	ta = calloc(1, sizeof(*ta));
	assert_non_null(ta);
	ta->budget = -1;
	env.ctx = ta;
	fmt = pt_format_x86_4level;
	fmt.large_levels |= 1u << 2;
	memset(&pt, 0, sizeof(pt));
	return 0;
}

/* Frees whatever tables are still live, so that a leak a test already
 * failed on is not reported again by LeakSanitizer at exit. It asserts
 * nothing: cmocka 1.1's TAP output for a failed teardown is not TAP. */
static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SET_SLOTS; i++)
		if (ta->slot[i])
			free((void *)(uintptr_t)ta->slot[i]);
	free(ta);
	ta = NULL;
	memset(&pt, 0, sizeof(pt));
	return 0;
}

/* Every test that built a tree ends here: pt_destroy must free every
 * table, root included. */
static void destroy_and_check(void)
{
	pt_destroy(&pt);
	/* Tables still allocated after pt_destroy: a leak. (assert_* rather
	 * than fail_msg: cmocka 1.1 puts only assert values into the TAP.) */
	assert_int_equal(ta->live, 0);
	assert_int_equal(pt.tables, 0);
	assert_int_equal(pt.root, 0);
}

static void init_pt(bool allow_1g)
{
	fmt = pt_format_x86_4level;
	if (allow_1g)
		fmt.large_levels |= 1u << 2;
	assert_int_equal(pt_init(&pt, &fmt, &env), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(ta->live, 1);
}

/* ---- the reference walker ------------------------------------------------------ */

struct walk {
	bool present;
	uint64_t pa;
	uint64_t attrs;     /* LEAF_ATTRS */
	uint64_t leaf_size;
};

static const uint64_t *ref_table(uint64_t phys)
{
	assert_true(set_has(phys)); /* an entry points at something not a live table */
	return (const uint64_t *)(uintptr_t)phys;
}

/* Translates va the way the MMU does with CR4.PAE=1, EFER.LME=1, EFER.NXE=1,
 * 4-level paging. Also asserts that no entry has a bit set that the mapper
 * has no business setting (reserved bits, PAT, A/D, software bits). */
static struct walk ref_walk(uint64_t root, uint64_t va)
{
	struct walk w = { .present = false };
	uint64_t w_and = SDM_RW, u_and = SDM_US, xd_or = 0;

	assert_true(va < (1ull << 48));
	/* PML4E: bits 47:39 of va. Bit 7 is reserved. */
	uint64_t e = ref_table(root)[(va >> 39) & 511];
	if (!(e & SDM_P))
		return w;
	assert_int_equal(e & ~(SDM_ADDR_TABLE | SDM_P | SDM_RW | SDM_US | SDM_PWT |
			       SDM_PCD | SDM_XD), 0);
	w_and &= e;
	u_and &= e;
	xd_or |= e & SDM_XD;

	/* PDPTE: bits 38:30. PS=1 maps a 1 GiB page (bits 29:13 reserved). */
	e = ref_table(e & SDM_ADDR_TABLE)[(va >> 30) & 511];
	if (!(e & SDM_P))
		return w;
	w_and &= e;
	u_and &= e;
	xd_or |= e & SDM_XD;
	if (e & SDM_PS) {
		assert_int_equal(e & ~(SDM_ADDR_1G | SDM_P | SDM_PS | LEAF_ATTRS), 0);
		w.pa = (e & SDM_ADDR_1G) | (va & (SZ_1G - 1));
		w.leaf_size = SZ_1G;
		goto leaf;
	}
	assert_int_equal(e & ~(SDM_ADDR_TABLE | SDM_P | SDM_RW | SDM_US | SDM_PWT |
			       SDM_PCD | SDM_XD), 0);

	/* PDE: bits 29:21. PS=1 maps a 2 MiB page (bits 20:13 reserved). */
	e = ref_table(e & SDM_ADDR_TABLE)[(va >> 21) & 511];
	if (!(e & SDM_P))
		return w;
	w_and &= e;
	u_and &= e;
	xd_or |= e & SDM_XD;
	if (e & SDM_PS) {
		assert_int_equal(e & ~(SDM_ADDR_2M | SDM_P | SDM_PS | LEAF_ATTRS), 0);
		w.pa = (e & SDM_ADDR_2M) | (va & (SZ_2M - 1));
		w.leaf_size = SZ_2M;
		goto leaf;
	}
	assert_int_equal(e & ~(SDM_ADDR_TABLE | SDM_P | SDM_RW | SDM_US | SDM_PWT |
			       SDM_PCD | SDM_XD), 0);

	/* PTE: bits 20:12; bit 7 is PAT, which the mapper never sets. */
	e = ref_table(e & SDM_ADDR_TABLE)[(va >> 12) & 511];
	if (!(e & SDM_P))
		return w;
	w_and &= e;
	u_and &= e;
	xd_or |= e & SDM_XD;
	assert_int_equal(e & ~(SDM_ADDR_TABLE | SDM_P | LEAF_ATTRS), 0);
	w.pa = (e & SDM_ADDR_TABLE) | (va & (SZ_4K - 1));
	w.leaf_size = SZ_4K;
leaf:
	w.present = true;
	w.attrs = w_and | u_and | xd_or | (e & (SDM_PWT | SDM_PCD | SDM_G));
	return w;
}

/* The walker's view of va must be exactly (pa, attrs), and pt_lookup must
 * agree with the walker. leaf_size 0 means "any". */
static void expect_mapped(uint64_t va, uint64_t pa, uint64_t attrs, uint64_t leaf_size)
{
	struct walk w = ref_walk(pt.root, va);
	assert_true(w.present);
	assert_int_equal(w.pa, pa);
	assert_int_equal(w.attrs, attrs);
	if (leaf_size)
		assert_int_equal(w.leaf_size, leaf_size);

	uint64_t lpa, lflags, lsize;
	assert_int_equal(pt_lookup(&pt, va, &lpa, &lflags, &lsize), 0);
	assert_int_equal(lpa, w.pa);
	assert_int_equal(lflags, w.attrs);
	assert_int_equal(lsize, w.leaf_size);
}

static void expect_unmapped(uint64_t va)
{
	assert_false(ref_walk(pt.root, va).present);
	assert_int_equal(pt_lookup(&pt, va, NULL, NULL, NULL), -ENOENT);
}

/* Every 4K page of [va, va + size) maps to pa + offset with attrs. */
static void expect_range(uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs,
			 uint64_t leaf_size)
{
	for (uint64_t off = 0; off < size; off += SZ_4K)
		expect_mapped(va + off, pa + off, attrs, leaf_size);
}

static void expect_range_unmapped(uint64_t va, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += SZ_4K)
		expect_unmapped(va + off);
}

/* Walks every table reachable from the root: none reached twice, all
 * live, their number equal to pt.tables and to the allocator's count (so
 * nothing is leaked), and (when asked) no table but the root empty. */
static unsigned count_tables(uint64_t phys, int level, bool no_empty)
{
	const uint64_t *t = ref_table(phys);
	unsigned n = 1, used = 0;

	for (unsigned i = 0; i < 512; i++) {
		if (!(t[i] & SDM_P)) {
			assert_int_equal(t[i], 0); /* non-present entries stay clean */
			continue;
		}
		used++;
		if (level > 0 && (level == 3 || !(t[i] & SDM_PS)))
			n += count_tables(t[i] & SDM_ADDR_TABLE, level - 1, no_empty);
	}
	if (no_empty && level != 3)
		assert_int_not_equal(used, 0);
	return n;
}

static void check_tables(bool no_empty)
{
	unsigned n = count_tables(pt.root, 3, no_empty);
	assert_int_equal(pt.tables, n); /* the mapper's own count is right */
	assert_int_equal(ta->live, n);  /* nothing allocated is unreachable */
}

/* ---- basics ------------------------------------------------------------------- */

static void init_and_destroy(void **state)
{
	(void)state;
	init_pt(true);
	assert_int_equal(pt.root % 4096, 0);
	expect_unmapped(0);
	expect_unmapped((1ull << 48) - SZ_4K);
	/* Beyond 48 bits pt_lookup answers "not mapped" rather than wrapping. */
	assert_int_equal(pt_lookup(&pt, 1ull << 48, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pt_lookup(&pt, ~0ull, NULL, NULL, NULL), -ENOENT);
	pt_destroy(&pt);
	assert_int_equal(pt.root, 0);
	assert_int_equal(ta->live, 0);
	assert_int_equal(pt.tables, 0);
}

/* A format the engine cannot serve is refused before anything is
 * allocated; the x86 format covers 48 bits. */
static void init_checks_format(void **state)
{
	(void)state;
	struct pt_format bad[9];
	for (unsigned k = 0; k < 9; k++)
		bad[k] = pt_format_x86_4level;
	bad[0].levels = 0;
	bad[1].levels = 6;
	bad[2].present = 0;
	bad[3].table_flags = PTE_W;          /* table entries not present */
	bad[4].leaf_flags_allowed |= 1ull << 12; /* overlaps the address */
	bad[5].leaf_flags_allowed |= PTE_PS;
	bad[6].large_levels |= 1u << 4;      /* a level the tree does not have */
	bad[7].large_leaf = 0;
	bad[8].large_levels = 1u << 2;       /* 1G leaves could not be split */
	for (unsigned k = 0; k < 9; k++) {
		assert_int_equal(pt_init(&pt, &bad[k], &env), -EINVAL);
		assert_int_equal(pt.root, 0);
	}
	assert_int_equal(ta->allocs, 0);
	assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, PTE_W), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0, SZ_4K), -EINVAL);
	assert_int_equal(pt_lookup(&pt, 0, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pt_va_limit(&pt), 0);

	init_pt(false);
	assert_int_equal(pt_va_limit(&pt), 1ull << 48);
	assert_int_equal(pt_format_x86_4level.levels, 4);
	assert_int_equal(pt_format_x86_4level.large_levels, 1u << 1);
	destroy_and_check();
}

static void init_out_of_memory(void **state)
{
	(void)state;
	ta->budget = 0;
	assert_int_equal(pt_init(&pt, &fmt, &env), -ENOMEM);
	assert_int_equal(pt.root, 0);
	assert_int_equal(pt.tables, 0);
	assert_int_equal(ta->live, 0);
}

/* ---- leaf sizes --------------------------------------------------------------- */

static void map_picks_leaf_size_by_alignment(void **state)
{
	(void)state;
	init_pt(true);
	/* va and pa both 1 GiB aligned: a single 1 GiB leaf, no PD needed. */
	assert_int_equal(pt_map(&pt, 1 * GIB, 2 * GIB, 1 * GIB, PTE_W), 0);
	assert_int_equal(pt.tables, 2);
	expect_range(1 * GIB, 2 * GIB, 1 * GIB, SDM_RW, SZ_1G);

	/* pa only 2 MiB aligned: 2 MiB leaves even though va is 1 GiB aligned. */
	assert_int_equal(pt_map(&pt, 4 * GIB, 8 * GIB + SZ_2M, 1 * GIB, PTE_W), 0);
	expect_range(4 * GIB, 8 * GIB + SZ_2M, 1 * GIB, SDM_RW, SZ_2M);
	/* pa only 4K aligned: 4K leaves. */
	assert_int_equal(pt_map(&pt, 6 * GIB, 16 * GIB + SZ_4K, SZ_2M, PTE_W), 0);
	expect_range(6 * GIB, 16 * GIB + SZ_4K, SZ_2M, SDM_RW, SZ_4K);
	/* va only 4K aligned, pa 1 GiB aligned: 4K leaves as well. */
	assert_int_equal(pt_map(&pt, 7 * GIB + SZ_4K, 32 * GIB, 4 * SZ_4K, 0), 0);
	expect_range(7 * GIB + SZ_4K, 32 * GIB, 4 * SZ_4K, 0, SZ_4K);

	/* A range with every size: 4K head, 1 GiB, 2 MiB, 4K tail. va and pa
	 * congruent modulo 1 GiB so only the range ends limit the leaves. */
	uint64_t va = 20 * GIB - SZ_4K, pa = 64 * GIB - SZ_4K;
	uint64_t size = SZ_4K + SZ_1G + SZ_2M + SZ_4K;
	assert_int_equal(pt_map(&pt, va, pa, size, PTE_NX), 0);
	expect_mapped(va, pa, SDM_XD, SZ_4K);
	expect_range(20 * GIB, 64 * GIB, SZ_1G, SDM_XD, SZ_1G);
	expect_range(21 * GIB, 65 * GIB, SZ_2M, SDM_XD, SZ_2M);
	expect_mapped(21 * GIB + SZ_2M, 65 * GIB + SZ_2M, SDM_XD, SZ_4K);
	/* Nothing around it. */
	expect_unmapped(va - SZ_4K);
	expect_unmapped(va + size);
	check_tables(true);
	destroy_and_check();
}

static void map_without_1g_uses_2m(void **state)
{
	(void)state;
	init_pt(false);
	assert_int_equal(pt_map(&pt, 1 * GIB, 2 * GIB, 1 * GIB, PTE_W | PTE_U), 0);
	/* Root, PDPT, one PD of 512 2 MiB leaves. */
	assert_int_equal(pt.tables, 3);
	expect_range(1 * GIB, 2 * GIB, 1 * GIB, SDM_RW | SDM_US, SZ_2M);
	/* Remapping a 4K page inside still works (splits a 2 MiB leaf). */
	assert_int_equal(pt_map(&pt, 1 * GIB + SZ_2M, 0x1000, SZ_4K, 0), 0);
	expect_mapped(1 * GIB + SZ_2M, 0x1000, 0, SZ_4K);
	expect_range(1 * GIB + SZ_2M + SZ_4K, 2 * GIB + SZ_2M + SZ_4K, SZ_2M - SZ_4K,
		     SDM_RW | SDM_US, SZ_4K);
	check_tables(true);
	destroy_and_check();
}

static void flags_preserved(void **state)
{
	static const uint64_t combos[] = {
		0, PTE_W, PTE_U, PTE_NX, PTE_W | PTE_U, PTE_W | PTE_NX,
		PTE_PWT, PTE_PCD, PTE_PWT | PTE_PCD, PTE_G, PT_FLAGS_ALLOWED,
	};
	(void)state;
	init_pt(true);
	for (unsigned i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		uint64_t f = combos[i];
		/* One of each leaf size per combination, at distinct places. */
		uint64_t va1g = (64 + i) * GIB, va2m = (128 + i) * GIB, va4k = (192 + i) * GIB;
		assert_int_equal(pt_map(&pt, va1g, va1g, SZ_1G, f), 0);
		assert_int_equal(pt_map(&pt, va2m, va2m, SZ_2M, f), 0);
		assert_int_equal(pt_map(&pt, va4k, va4k, SZ_4K, f), 0);
		expect_mapped(va1g + 12345 * SZ_4K, va1g + 12345 * SZ_4K, f, SZ_1G);
		expect_mapped(va2m + 77 * SZ_4K, va2m + 77 * SZ_4K, f, SZ_2M);
		expect_mapped(va4k, va4k, f, SZ_4K);
		/* Offsets inside the page come through too. */
		assert_int_equal(ref_walk(pt.root, va1g + 0x123456).pa, va1g + 0x123456);
	}
	check_tables(true);
	destroy_and_check();
}

/* ---- remapping over existing mappings ---------------------------------------- */

static void remap_splits_1g_leaf(void **state)
{
	(void)state;
	init_pt(true);
	const uint64_t va = 1 * GIB, pa = 4 * GIB, f = PTE_W | PTE_NX;
	assert_int_equal(pt_map(&pt, va, pa, SZ_1G, f), 0);
	assert_int_equal(pt.tables, 2);

	/* One 4K page in the second 2 MiB block gets a new home and rights. */
	const uint64_t hole = va + SZ_2M + 2 * SZ_4K;
	assert_int_equal(pt_map(&pt, hole, 0x7000, SZ_4K, PTE_U), 0);
	/* 1 GiB -> PD of 2 MiB leaves -> one of them -> PT of 4K leaves. */
	assert_int_equal(pt.tables, 4);
	expect_mapped(hole, 0x7000, SDM_US, SZ_4K);
	/* The rest of that 2 MiB block: 4K leaves with the old translation. */
	expect_range(va + SZ_2M, pa + SZ_2M, 2 * SZ_4K, SDM_RW | SDM_XD, SZ_4K);
	expect_range(hole + SZ_4K, pa + (hole + SZ_4K - va), SZ_2M - 3 * SZ_4K,
		     SDM_RW | SDM_XD, SZ_4K);
	/* The other 511 blocks: 2 MiB leaves, old translation. */
	expect_range(va, pa, SZ_2M, SDM_RW | SDM_XD, SZ_2M);
	expect_range(va + 2 * SZ_2M, pa + 2 * SZ_2M, SZ_1G - 2 * SZ_2M,
		     SDM_RW | SDM_XD, SZ_2M);
	check_tables(true);
	destroy_and_check();
}

static void remap_splits_2m_leaf_and_merges_back(void **state)
{
	(void)state;
	init_pt(true);
	const uint64_t va = 8 * GIB + 6 * SZ_2M, pa = 0x40000000;
	assert_int_equal(pt_map(&pt, va, pa, SZ_2M, PTE_G), 0);
	assert_int_equal(pt.tables, 3);
	/* The last 4K page of the 2 MiB leaf moves. */
	assert_int_equal(pt_map(&pt, va + SZ_2M - SZ_4K, 0x5000, SZ_4K, PTE_W), 0);
	assert_int_equal(pt.tables, 4);
	expect_range(va, pa, SZ_2M - SZ_4K, SDM_G, SZ_4K);
	expect_mapped(va + SZ_2M - SZ_4K, 0x5000, SDM_RW, SZ_4K);
	/* Mapping the whole 2 MiB again replaces the PT by one leaf. */
	assert_int_equal(pt_map(&pt, va, pa + SZ_2M, SZ_2M, PTE_W), 0);
	assert_int_equal(pt.tables, 3);
	expect_range(va, pa + SZ_2M, SZ_2M, SDM_RW, SZ_2M);
	check_tables(true);
	destroy_and_check();
}

/* A 1 GiB map over a region holding 4K and 2M leaves replaces the whole
 * subtree (a PD with a PT below it) and frees it. */
static void remap_1g_over_small_pages_frees_subtree(void **state)
{
	(void)state;
	init_pt(true);
	assert_int_equal(pt_map(&pt, 3 * GIB + SZ_4K, 0x100000, 3 * SZ_4K, PTE_W), 0);
	assert_int_equal(pt_map(&pt, 3 * GIB + 10 * SZ_2M, 0x200000, 2 * SZ_2M, PTE_W), 0);
	assert_int_equal(pt.tables, 4); /* root, PDPT, PD, PT */
	assert_int_equal(pt_map(&pt, 3 * GIB, 5 * GIB, SZ_1G, PTE_NX), 0);
	assert_int_equal(pt.tables, 2);
	assert_int_equal(ta->live, 2);
	expect_range(3 * GIB, 5 * GIB, SZ_2M, SDM_XD, SZ_1G);
	check_tables(true);
	destroy_and_check();
}

/* 2 MiB leaves making up 1 GiB (pa not 1 GiB aligned), then the same 1 GiB
 * mapped with an aligned pa: one 1 GiB leaf, the PD freed. */
static void remap_1g_merges_2m_leaves(void **state)
{
	(void)state;
	init_pt(true);
	assert_int_equal(pt_map(&pt, 6 * GIB, 3 * GIB + SZ_2M, SZ_1G, PTE_W), 0);
	assert_int_equal(pt.tables, 3);
	expect_range(6 * GIB, 3 * GIB + SZ_2M, SZ_2M, SDM_RW, SZ_2M);
	/* Split one 2 MiB leaf further, so the subtree has three levels. */
	assert_int_equal(pt_unmap(&pt, 6 * GIB + 9 * SZ_4K, SZ_4K), 0);
	assert_int_equal(pt.tables, 4);
	unsigned allocs = ta->allocs;
	assert_int_equal(pt_map(&pt, 6 * GIB, 3 * GIB, SZ_1G, PTE_W), 0);
	assert_int_equal(ta->allocs, allocs);
	assert_int_equal(pt.tables, 2);
	assert_int_equal(ta->live, 2);
	expect_range(6 * GIB, 3 * GIB, 16 * SZ_4K, SDM_RW, SZ_1G);
	check_tables(true);
	destroy_and_check();
}

/* Mapping what a leaf already maps exactly so changes nothing: no split,
 * no table (it works with no memory left), the large leaf stays. */
static void remap_same_translation_keeps_leaf(void **state)
{
	(void)state;
	init_pt(true);
	const uint64_t va = 2 * GIB, pa = 7 * GIB, f = PTE_W | PTE_NX;
	assert_int_equal(pt_map(&pt, va, pa, SZ_1G, f), 0);
	assert_int_equal(pt_map(&pt, va + SZ_1G, pa + SZ_1G, 3 * SZ_2M, f), 0);
	unsigned tables = pt.tables, allocs = ta->allocs;
	ta->budget = 0;
	assert_int_equal(pt_map(&pt, va + 5 * SZ_4K, pa + 5 * SZ_4K, SZ_4K, f), 0);
	assert_int_equal(pt_map(&pt, va + SZ_2M, pa + SZ_2M, 7 * SZ_2M + 3 * SZ_4K, f), 0);
	assert_int_equal(pt_map(&pt, va + SZ_1G - SZ_4K, pa + SZ_1G - SZ_4K, SZ_2M, f), 0);
	assert_int_equal(pt_map(&pt, va, pa, SZ_1G + 3 * SZ_2M, f), 0);
	assert_int_equal(ta->allocs, allocs);
	assert_int_equal(pt.tables, tables);
	expect_mapped(va + 5 * SZ_4K, pa + 5 * SZ_4K, SDM_RW | SDM_XD, SZ_1G);
	expect_mapped(va + SZ_1G + SZ_4K, pa + SZ_1G + SZ_4K, SDM_RW | SDM_XD, SZ_2M);
	/* Other flags or another pa for the same page do split. */
	assert_int_equal(pt_map(&pt, va + 5 * SZ_4K, pa + 5 * SZ_4K, SZ_4K, PTE_W), -ENOMEM);
	assert_int_equal(pt_map(&pt, va + 5 * SZ_4K, pa, SZ_4K, f), -ENOMEM);
	ta->budget = -1;
	assert_int_equal(pt_map(&pt, va + 5 * SZ_4K, pa + 5 * SZ_4K, SZ_4K, PTE_W), 0);
	expect_mapped(va + 5 * SZ_4K, pa + 5 * SZ_4K, SDM_RW, SZ_4K);
	expect_mapped(va + 6 * SZ_4K, pa + 6 * SZ_4K, SDM_RW | SDM_XD, SZ_4K);
	check_tables(true);
	destroy_and_check();
}

/* ---- unmapping ------------------------------------------------------------------ */

static void unmap_part_of_1g_leaf(void **state)
{
	(void)state;
	init_pt(true);
	const uint64_t va = 2 * GIB, pa = 10 * GIB, f = PTE_W | PTE_U;
	assert_int_equal(pt_map(&pt, va, pa, SZ_1G, f), 0);

	/* One 4K page: splits down to 4K around it. */
	assert_int_equal(pt_unmap(&pt, va + SZ_4K, SZ_4K), 0);
	assert_int_equal(pt.tables, 4);
	expect_unmapped(va + SZ_4K);
	expect_mapped(va, pa, SDM_RW | SDM_US, SZ_4K);
	expect_range(va + 2 * SZ_4K, pa + 2 * SZ_4K, SZ_2M - 2 * SZ_4K, SDM_RW | SDM_US, SZ_4K);
	expect_range(va + SZ_2M, pa + SZ_2M, SZ_1G - SZ_2M, SDM_RW | SDM_US, SZ_2M);

	/* A whole 2 MiB block further on: just its PD entry goes. */
	assert_int_equal(pt_unmap(&pt, va + 100 * SZ_2M, SZ_2M), 0);
	assert_int_equal(pt.tables, 4);
	expect_range_unmapped(va + 100 * SZ_2M, SZ_2M);
	expect_range(va + 99 * SZ_2M, pa + 99 * SZ_2M, SZ_2M, SDM_RW | SDM_US, SZ_2M);
	expect_range(va + 101 * SZ_2M, pa + 101 * SZ_2M, SZ_2M, SDM_RW | SDM_US, SZ_2M);

	/* A range across a 2 MiB boundary, cutting two leaves. */
	assert_int_equal(pt_unmap(&pt, va + 201 * SZ_2M - SZ_4K, 2 * SZ_4K), 0);
	assert_int_equal(pt.tables, 6);
	expect_unmapped(va + 201 * SZ_2M - SZ_4K);
	expect_unmapped(va + 201 * SZ_2M);
	expect_mapped(va + 201 * SZ_2M - 2 * SZ_4K, pa + 201 * SZ_2M - 2 * SZ_4K,
		      SDM_RW | SDM_US, SZ_4K);
	expect_mapped(va + 201 * SZ_2M + SZ_4K, pa + 201 * SZ_2M + SZ_4K,
		      SDM_RW | SDM_US, SZ_4K);
	/* Before and after the 1 GiB: never mapped. */
	expect_unmapped(va - SZ_4K);
	expect_unmapped(va + SZ_1G);
	check_tables(true);
	destroy_and_check();
}

static void unmap_everything_frees_tables(void **state)
{
	(void)state;
	init_pt(true);
	/* Leaves of all sizes, across a 512 GiB (PML4 entry) boundary. */
	const uint64_t base = 511 * GIB;
	assert_int_equal(pt_map(&pt, base, 0, SZ_1G, PTE_W), 0);
	assert_int_equal(pt_map(&pt, base + SZ_1G, SZ_1G, 4 * SZ_2M, PTE_W), 0);
	assert_int_equal(pt_map(&pt, base + SZ_1G + 5 * SZ_2M + SZ_4K, 0x3000, 7 * SZ_4K, 0), 0);
	assert_int_equal(pt_unmap(&pt, base + 4 * SZ_4K, SZ_4K), 0); /* split the 1 GiB */
	assert_true(pt.tables > 5);
	check_tables(true);

	assert_int_equal(pt_unmap(&pt, base, 2 * SZ_1G), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(ta->live, 1);
	expect_range_unmapped(base, 4 * SZ_2M);
	check_tables(true);

	/* Unmapping where nothing is mapped is fine and allocates nothing. */
	unsigned allocs = ta->allocs;
	assert_int_equal(pt_unmap(&pt, 0, 1ull << 48), 0);
	assert_int_equal(pt_unmap(&pt, 5 * GIB + SZ_4K, SZ_4K), 0);
	assert_int_equal(ta->allocs, allocs);
	assert_int_equal(pt.tables, 1);
	destroy_and_check();
}

/* Unmapping page by page frees each table as it empties. */
static void unmap_page_by_page(void **state)
{
	(void)state;
	init_pt(true);
	const uint64_t va = 300 * GIB + 3 * SZ_2M - 2 * SZ_4K;
	assert_int_equal(pt_map(&pt, va, 0x100000, 4 * SZ_4K, PTE_W), 0);
	assert_int_equal(pt.tables, 5); /* root, PDPT, PD, two PTs */
	assert_int_equal(pt_unmap(&pt, va, SZ_4K), 0);
	assert_int_equal(pt_unmap(&pt, va + SZ_4K, SZ_4K), 0);
	assert_int_equal(pt.tables, 4); /* the first PT emptied */
	assert_int_equal(pt_unmap(&pt, va + 3 * SZ_4K, SZ_4K), 0);
	assert_int_equal(pt.tables, 4);
	assert_int_equal(pt_unmap(&pt, va + 2 * SZ_4K, SZ_4K), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(ta->live, 1);
	destroy_and_check();
}

/* ---- bad arguments and allocation failure --------------------------------------- */

static void invalid_arguments(void **state)
{
	(void)state;
	init_pt(true);
	assert_int_equal(pt_map(&pt, SZ_1G, SZ_1G, SZ_1G, PTE_W), 0);
	unsigned allocs = ta->allocs, tables = pt.tables;
	const uint64_t top = 1ull << 48;

	/* Unaligned va, pa, size; empty. */
	assert_int_equal(pt_map(&pt, 0x1001, 0x2000, SZ_4K, 0), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2800, SZ_4K, 0), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, 100, 0), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, 0, 0), -EINVAL);
	/* P and PS are the mapper's; bits outside the allowed set too. */
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, SZ_4K, PTE_P), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, SZ_4K, PTE_PS), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, SZ_4K, PTE_W | PTE_P), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, SZ_4K, 1ull << 9), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, SZ_4K, 1ull << 12), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, SZ_4K, 1ull << 52), -EINVAL);
	/* VA at or beyond 48 bits, or a range running past it (or wrapping). */
	assert_int_equal(pt_map(&pt, top, 0, SZ_4K, 0), -EINVAL);
	assert_int_equal(pt_map(&pt, 0xffff800000000000ull, 0, SZ_4K, 0), -EINVAL);
	assert_int_equal(pt_map(&pt, top - SZ_4K, 0, 2 * SZ_4K, 0), -EINVAL);
	assert_int_equal(pt_map(&pt, SZ_4K, 0, (0ull - SZ_4K), 0), -EINVAL);
	/* PA beyond 52 bits. */
	assert_int_equal(pt_map(&pt, 0x1000, 1ull << 52, SZ_4K, 0), -EINVAL);
	/* The same for unmap. */
	assert_int_equal(pt_unmap(&pt, SZ_1G + 0x800, SZ_4K), -EINVAL);
	assert_int_equal(pt_unmap(&pt, SZ_1G, 0x800), -EINVAL);
	assert_int_equal(pt_unmap(&pt, SZ_1G, 0), -EINVAL);
	assert_int_equal(pt_unmap(&pt, top, SZ_4K), -EINVAL);
	assert_int_equal(pt_unmap(&pt, top - SZ_4K, 2 * SZ_4K), -EINVAL);
	assert_int_equal(pt_unmap(&pt, SZ_1G, 0ull - SZ_4K), -EINVAL);

	/* Nothing changed: the 1 GiB leaf is intact, nothing allocated. */
	assert_int_equal(ta->allocs, allocs);
	assert_int_equal(pt.tables, tables);
	expect_range(SZ_1G, SZ_1G, SZ_2M, SDM_RW, SZ_1G);
	expect_mapped(2 * SZ_1G - SZ_4K, 2 * SZ_1G - SZ_4K, SDM_RW, SZ_1G);
	/* The very last page below 2^48 is mappable. */
	assert_int_equal(pt_map(&pt, top - SZ_4K, 0x9000, SZ_4K, 0), 0);
	expect_mapped(top - SZ_4K, 0x9000, 0, SZ_4K);
	check_tables(true);
	destroy_and_check();
}

static void map_out_of_memory(void **state)
{
	(void)state;
	/* A 4K mapping in an empty tree needs PDPT, PD and PT: with any fewer
	 * tables available the map fails with -ENOMEM, leaves a consistent
	 * tree, and pt_destroy still frees every table. */
	for (long budget = 0; budget <= 3; budget++) {
		init_pt(true);
		ta->budget = budget;
		int err = pt_map(&pt, 5 * GIB + SZ_4K, 0x1000, SZ_4K, PTE_W);
		if (budget < 3) {
			assert_int_equal(err, -ENOMEM);
			expect_unmapped(5 * GIB + SZ_4K);
			check_tables(false);
			/* What it allocated it freed again. */
			assert_int_equal(pt.tables, 1);
		} else {
			assert_int_equal(err, 0);
			expect_mapped(5 * GIB + SZ_4K, 0x1000, SDM_RW, SZ_4K);
			assert_int_equal(pt.tables, 4);
		}
		ta->budget = -1;
		pt_destroy(&pt);
		assert_int_equal(ta->live, 0);
	}
}

static void split_out_of_memory(void **state)
{
	(void)state;
	init_pt(true);
	assert_int_equal(pt_map(&pt, SZ_1G, 0, SZ_1G, PTE_W), 0);
	ta->budget = 0;
	/* Unmapping or remapping one page of a 1 GiB leaf needs a new table. */
	assert_int_equal(pt_unmap(&pt, SZ_1G + SZ_4K, SZ_4K), -ENOMEM);
	assert_int_equal(pt_map(&pt, SZ_1G + SZ_4K, 0x55000, SZ_4K, 0), -ENOMEM);
	/* The leaf was not touched. */
	assert_int_equal(pt.tables, 2);
	expect_range(SZ_1G, 0, 4 * SZ_4K, SDM_RW, SZ_1G);
	/* One table lets the 1 GiB split but not the 2 MiB below it. */
	ta->budget = 1;
	assert_int_equal(pt_unmap(&pt, SZ_1G + SZ_4K, SZ_4K), -ENOMEM);
	check_tables(false);
	/* Whatever got split still translates as before. */
	expect_range(SZ_1G, 0, 4 * SZ_4K, SDM_RW, 0);
	expect_mapped(2 * SZ_1G - SZ_4K, SZ_1G - SZ_4K, SDM_RW, 0);
	ta->budget = -1;
	assert_int_equal(pt_unmap(&pt, SZ_1G + SZ_4K, SZ_4K), 0);
	expect_unmapped(SZ_1G + SZ_4K);
	expect_mapped(SZ_1G, 0, SDM_RW, SZ_4K);
	destroy_and_check();
}

static void destroy_frees_everything(void **state)
{
	(void)state;
	init_pt(true);
	/* Every kind of subtree: 1G leaves, PDs with 2M leaves, PDs with PTs,
	 * several PML4 entries. */
	assert_int_equal(pt_map(&pt, 0, 0, 4 * GIB, PTE_W), 0);
	assert_int_equal(pt_map(&pt, 512 * GIB + SZ_4K, 0x1000, 3 * SZ_2M, PTE_W), 0);
	assert_int_equal(pt_map(&pt, 1024 * GIB + 5 * SZ_2M, SZ_2M, 7 * SZ_2M, 0), 0);
	assert_int_equal(pt_unmap(&pt, 3 * GIB + 7 * SZ_4K, SZ_4K), 0);
	check_tables(true);
	assert_true(ta->live > 8);
	destroy_and_check();
}

/* ---- randomized map/unmap against a shadow ------------------------------------- */

/* 4 GiB of VA straddling the 512 GiB line, so two PML4 entries are in play. */
#define RWIN_BASE (510 * GIB)
#define RWIN_SIZE (4 * GIB)
#define RWIN_PAGES (RWIN_SIZE / SZ_4K)
#define SHADOW_VALID (1ull << 0) /* in shadow.pa: pages are 4K aligned */

struct shadow {
	uint64_t pa;    /* SHADOW_VALID | pa, or 0 */
	uint64_t attrs;
};

static struct shadow *shadow;

static uint64_t rng = 0x2545f4914f6cdd1dull;
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
	uint64_t va = RWIN_BASE + page * SZ_4K;
	const struct shadow *s = &shadow[page];

	if (s->pa & SHADOW_VALID)
		expect_mapped(va, s->pa & ~SHADOW_VALID, s->attrs, 0);
	else
		expect_unmapped(va);
}

static void check_pages(uint64_t first, uint64_t count)
{
	for (uint64_t p = first; p < first + count && p < RWIN_PAGES; p++)
		check_page(p);
}

static void random_map_unmap_against_shadow(void **state)
{
	static const uint64_t flag_bits[] = { PTE_W, PTE_U, PTE_PWT, PTE_PCD, PTE_G, PTE_NX };
	(void)state;
	shadow = calloc(RWIN_PAGES, sizeof(*shadow));
	assert_non_null(shadow);
	init_pt(true);

	for (unsigned op = 0; op < 1500; op++) {
		/* The granule decides alignment, hence the leaf sizes in play. */
		uint64_t r = rnd_below(100);
		uint64_t gran = r < 60 ? SZ_4K : r < 93 ? SZ_2M : SZ_1G;
		uint64_t count = gran == SZ_4K ? 1 + rnd_below(64) :
				 gran == SZ_2M ? 1 + rnd_below(4) : 1;
		uint64_t va = RWIN_BASE + rnd_below(RWIN_SIZE / gran) * gran;
		uint64_t size = count * gran;
		/* Ragged edges now and then mix leaf sizes within one call. */
		if (gran > SZ_4K && !rnd_below(3)) {
			uint64_t head = rnd_below(4) * SZ_4K, tail = rnd_below(4) * SZ_4K;
			if (va - head >= RWIN_BASE) {
				va -= head;
				size += head;
			}
			size += tail;
		}
		if (va + size > RWIN_BASE + RWIN_SIZE)
			size = RWIN_BASE + RWIN_SIZE - va;
		uint64_t first = (va - RWIN_BASE) / SZ_4K, pages = size / SZ_4K;

		if (rnd_below(100) < 65) {
			/* pa congruent to va modulo the granule, so large leaves
			 * are possible, unless we deliberately break that. */
			uint64_t pa = rnd_below(1ull << 14) * SZ_1G | (va & (SZ_1G - 1));
			if (!rnd_below(5))
				pa += (1 + rnd_below(511)) * SZ_4K;
			uint64_t f = 0;
			for (unsigned b = 0; b < sizeof(flag_bits) / sizeof(flag_bits[0]); b++)
				if (rnd_below(2))
					f |= flag_bits[b];
			assert_int_equal(pt_map(&pt, va, pa, size, f), 0);
			for (uint64_t k = 0; k < pages; k++)
				shadow[first + k] = (struct shadow){
					(pa + k * SZ_4K) | SHADOW_VALID, f };
		} else {
			assert_int_equal(pt_unmap(&pt, va, size), 0);
			for (uint64_t k = 0; k < pages; k++)
				shadow[first + k] = (struct shadow){ 0, 0 };
		}
		assert_int_equal(pt.tables, ta->live);

		/* Every page the call touched, the 2 MiB blocks around both
		 * ends (where splits happen), and some pages anywhere. */
		check_pages(first, pages);
		uint64_t blk = SZ_2M / SZ_4K;
		check_pages(first / blk * blk, blk);
		check_pages((first + pages - 1) / blk * blk, blk);
		for (unsigned k = 0; k < 64; k++)
			check_page(rnd_below(RWIN_PAGES));
		if (op % 50 == 0)
			check_tables(true);
		if (op % 300 == 299)
			check_pages(0, RWIN_PAGES);
		/* Outside the window nothing ever appears. */
		expect_unmapped(RWIN_BASE - SZ_4K);
		expect_unmapped(RWIN_BASE + RWIN_SIZE);
	}
	check_pages(0, RWIN_PAGES);
	check_tables(true);

	/* Clearing the window leaves only the root. */
	assert_int_equal(pt_unmap(&pt, RWIN_BASE, RWIN_SIZE), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(ta->live, 1);
	free(shadow);
	shadow = NULL;
	destroy_and_check();
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(init_and_destroy),
		T(init_out_of_memory),
		T(init_checks_format),
		T(map_picks_leaf_size_by_alignment),
		T(map_without_1g_uses_2m),
		T(flags_preserved),
		T(remap_splits_1g_leaf),
		T(remap_splits_2m_leaf_and_merges_back),
		T(remap_1g_over_small_pages_frees_subtree),
		T(remap_1g_merges_2m_leaves),
		T(remap_same_translation_keeps_leaf),
		T(unmap_part_of_1g_leaf),
		T(unmap_everything_frees_tables),
		T(unmap_page_by_page),
		T(invalid_arguments),
		T(map_out_of_memory),
		T(split_out_of_memory),
		T(destroy_frees_everything),
		T(random_map_unmap_against_shadow),
	};
#undef T
	return cmocka_run_group_tests_name("pt", tests, NULL, NULL);
}
