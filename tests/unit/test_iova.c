/* iommu/iova.c: the per-domain IOVA allocator. Directed tests of every rule
 * in iova.h, an independent checker of both trees (order, AVL balance and
 * heights, the max_pages augmentation, coalescing, counts, no node lost or
 * shared), and two randomized churn tests against models: a page bitmap over
 * a small space that predicts every IOVA exactly, and a sorted interval list
 * over a 48-bit space. */
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

#include "arch/x86/sizes.h"
#include "iommu/iova.h"
#include "tests/unit/log_stub.h"
#include "tests/unit/watchdog.h"

#define PG IOVA_PAGE_SIZE
#define TIB (1ull << 40)
#define MASK28 ((1ull << 28) - 1)
#define MASK48 ((1ull << 48) - 1)

#define NODES_MAX (1u << 18)

/* Large: static rather than on the stack. */
static struct iova_node nodes[NODES_MAX];
static struct iova_space sp;
static size_t rule_reserves; /* reserve calls, for the node-capacity rule */

static int reset(void **state)
{
	(void)state;
	/* iova_init must not rely on zeroed memory. */
	memset(nodes, 0xa5, sizeof(nodes));
	memset(&sp, 0x5a, sizeof(sp));
	rule_reserves = 1;
	return 0;
}

static void init(uint64_t base, uint64_t limit, size_t count)
{
	assert_true(count <= NODES_MAX);
	assert_int_equal(iova_init(&sp, base, limit, nodes, count), 0);
}

static uint64_t alloc_ok(uint64_t size, uint64_t align)
{
	uint64_t iova = 0;

	assert_int_equal(iova_alloc(&sp, size, align, &iova), 0);
	assert_int_equal(iova % align, 0);
	return iova;
}

static struct iova_stats stats(void)
{
	struct iova_stats st;

	iova_stats(&sp, &st);
	return st;
}

/* ---- the independent checker --------------------------------------------------- */

struct range {
	uint64_t start, pages;
};

static struct range free_list[NODES_MAX], alloc_list[NODES_MAX];
static uint8_t seen[NODES_MAX];
static size_t check_cap;

/* The fewest nodes an AVL tree of height h holds: N(h) = N(h-1) + N(h-2) + 1. */
static uint64_t avl_min_nodes(int h)
{
	uint64_t a = 0, b = 1; /* N(0), N(1) */

	if (h == 0)
		return 0;
	for (int i = 1; i < h; i++) {
		uint64_t c = a + b + 1;
		a = b;
		b = c;
	}
	return b;
}

/* ceil(log2(n)), n >= 1 */
static int log2_ceil(uint64_t n)
{
	return n <= 1 ? 0 : 64 - __builtin_clzll(n - 1);
}

/* AVL: height < 1.4405 log2(n + 2) - 0.3277. */
static void assert_avl_height_bound(int h, size_t n)
{
	/* Exact: a tree of height h has at least N(h) nodes. */
	assert_true(avl_min_nodes(h) <= n);
	/* And the rule of thumb, 1.44 log2(n) + 2, rounded up (no libm). */
	assert_true(100 * h <= 144 * log2_ceil(n + 1) + 200);
}

static void mark(const struct iova_node *t)
{
	uintptr_t off = (uintptr_t)t - (uintptr_t)nodes;

	assert_true((uintptr_t)t >= (uintptr_t)nodes);
	assert_int_equal(off % sizeof(nodes[0]), 0);
	assert_true(off / sizeof(nodes[0]) < check_cap);
	assert_false(seen[off / sizeof(nodes[0])]); /* in one place only */
	seen[off / sizeof(nodes[0])] = 1;
}

/* Checks order (keys strictly inside (lo, hi)), balance, stored heights and
 * max_pages; appends the ranges in order. Returns the height. */
static int walk(const struct iova_node *t, bool has_lo, uint64_t lo, bool has_hi,
		uint64_t hi, struct range *out, size_t *n)
{
	int hl, hr;
	uint64_t m;

	if (!t)
		return 0;
	mark(t);
	if (has_lo)
		assert_true(t->start > lo);
	if (has_hi)
		assert_true(t->start < hi);
	assert_true(t->pages >= 1);
	hl = walk(t->left, has_lo, lo, true, t->start, out, n);
	out[(*n)++] = (struct range){ t->start, t->pages };
	hr = walk(t->right, true, t->start, has_hi, hi, out, n);
	assert_true(hl - hr <= 1 && hr - hl <= 1);
	assert_int_equal(t->height, 1 + (hl > hr ? hl : hr));
	m = t->pages;
	if (t->left && t->left->max_pages > m)
		m = t->left->max_pages;
	if (t->right && t->right->max_pages > m)
		m = t->right->max_pages;
	assert_int_equal(t->max_pages, m);
	return t->height;
}

static size_t nfree, nalloc;

/* Everything iova.h promises about the state, checked from the outside. */
static void check_space(void)
{
	struct iova_stats st = stats();
	uint64_t free_pages = 0;
	size_t pool = 0, i, j;
	int hf, ha;

	check_cap = sp.capacity;
	memset(seen, 0, check_cap);
	nfree = nalloc = 0;
	hf = walk(sp.free_root, false, 0, false, 0, free_list, &nfree);
	ha = walk(sp.alloc_root, false, 0, false, 0, alloc_list, &nalloc);
	assert_avl_height_bound(hf, nfree);
	assert_avl_height_bound(ha, nalloc);

	for (i = 0; i < nfree; i++) {
		const struct range *r = &free_list[i];
		assert_true(r->start >= sp.base_pfn);
		assert_true(r->start + r->pages - 1 <= sp.last_pfn);
		/* coalesced: a gap of at least one page between free ranges */
		if (i)
			assert_true(free_list[i - 1].start + free_list[i - 1].pages < r->start);
		free_pages += r->pages;
	}
	for (i = 0; i < nalloc; i++) {
		const struct range *r = &alloc_list[i];
		assert_true(r->start >= sp.base_pfn);
		assert_true(r->start + r->pages - 1 <= sp.last_pfn);
		if (i)
			assert_true(alloc_list[i - 1].start + alloc_list[i - 1].pages <= r->start);
	}
	/* No page both free and allocated. */
	for (i = j = 0; i < nfree && j < nalloc;) {
		const struct range *f = &free_list[i], *a = &alloc_list[j];
		if (f->start + f->pages <= a->start)
			i++;
		else if (a->start + a->pages <= f->start)
			j++;
		else
			fail_msg("free range %#llx+%llu overlaps allocation %#llx+%llu",
				 (unsigned long long)f->start, (unsigned long long)f->pages,
				 (unsigned long long)a->start, (unsigned long long)a->pages);
	}

	/* Every node is in exactly one tree or in the pool: none lost. */
	for (const struct iova_node *n = sp.pool; n; n = n->left) {
		mark(n);
		pool++;
	}
	assert_int_equal(nfree + nalloc + pool, check_cap);

	assert_int_equal(st.live, nalloc);
	assert_int_equal(st.free_ranges, nfree);
	assert_int_equal(st.free_pages, free_pages);
	assert_int_equal(st.nodes_used, nfree + nalloc);
	assert_int_equal(st.nodes_total, check_cap);
	assert_int_equal(st.free_height, hf);
	assert_int_equal(st.alloc_height, ha);
	/* The node-capacity rule. */
	assert_true(st.nodes_used <= IOVA_NODES(nalloc, rule_reserves));
}

/* The state must be exactly as before a refused call. */
static void assert_same_stats(struct iova_stats a, struct iova_stats b)
{
	assert_int_equal(a.live, b.live);
	assert_int_equal(a.free_ranges, b.free_ranges);
	assert_int_equal(a.free_pages, b.free_pages);
	assert_int_equal(a.nodes_used, b.nodes_used);
}

/* ---- init ------------------------------------------------------------------ */

static void init_rejects_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(iova_init(&sp, 4096, MASK28, NULL, 8), -EINVAL);
	assert_int_equal(iova_init(&sp, 4096, MASK28, nodes, 0), -EINVAL);
	assert_int_equal(iova_init(&sp, 4097, MASK28, nodes, 8), -EINVAL);
	assert_int_equal(iova_init(&sp, 4096, 1ull << 28, nodes, 8), -EINVAL);
	assert_int_equal(iova_init(&sp, 4096, (1ull << 28) - 2, nodes, 8), -EINVAL);
	assert_int_equal(iova_init(&sp, 1ull << 28, MASK28, nodes, 8), -EINVAL);
	assert_int_equal(iova_init(NULL, 4096, MASK28, nodes, 8), -EINVAL);
	/* One page is a valid space; so is one node. */
	init(4096, 8191, 1);
	assert_int_equal(stats().free_pages, 1);
	check_space();
}

static void init_state(void **state)
{
	(void)state;
	init(4096, MASK28, 16);
	struct iova_stats st = stats();
	assert_int_equal(st.live, 0);
	assert_int_equal(st.free_ranges, 1);
	assert_int_equal(st.free_pages, (1ull << 16) - 1);
	assert_int_equal(st.free_bytes, (1ull << 28) - 4096);
	assert_int_equal(st.nodes_used, 1);
	assert_int_equal(st.nodes_total, 16);
	check_space();
}

/* ---- alloc / free ------------------------------------------------------------ */

static void alloc_lowest_first_and_free(void **state)
{
	(void)state;
	init(4096, MASK28, 64);
	assert_int_equal(alloc_ok(4096, 4096), 0x1000); /* IOVA 0 never */
	assert_int_equal(alloc_ok(8192, 4096), 0x2000);
	assert_int_equal(alloc_ok(4096, 4096), 0x4000);
	assert_int_equal(stats().live, 3);
	assert_int_equal(stats().free_bytes, (1ull << 28) - 5 * 4096);
	check_space();

	/* A hole is reused, lowest first. */
	assert_int_equal(iova_free(&sp, 0x2000, 8192), 0);
	check_space();
	assert_int_equal(alloc_ok(4096, 4096), 0x2000);
	assert_int_equal(alloc_ok(4096, 4096), 0x3000);
	assert_int_equal(alloc_ok(4096, 4096), 0x5000);
	check_space();
	assert_int_equal(iova_free(&sp, 0x1000, 4096), 0);
	assert_int_equal(iova_free(&sp, 0x3000, 4096), 0);
	assert_int_equal(iova_free(&sp, 0x2000, 4096), 0);
	assert_int_equal(iova_free(&sp, 0x5000, 4096), 0);
	assert_int_equal(iova_free(&sp, 0x4000, 4096), 0);
	check_space();
	assert_int_equal(stats().live, 0);
	assert_int_equal(stats().free_ranges, 1);
	assert_int_equal(stats().nodes_used, 1);
}

static void alloc_bad_arguments(void **state)
{
	(void)state;
	uint64_t iova = 0x1234;
	init(4096, MASK28, 16);
	struct iova_stats before = stats();

	assert_int_equal(iova_alloc(&sp, 0, 4096, &iova), -EINVAL);
	assert_int_equal(iova_alloc(&sp, 100, 4096, &iova), -EINVAL);
	assert_int_equal(iova_alloc(&sp, 4097, 4096, &iova), -EINVAL);
	assert_int_equal(iova_alloc(&sp, 4096, 0, &iova), -EINVAL);
	assert_int_equal(iova_alloc(&sp, 4096, 2048, &iova), -EINVAL);
	assert_int_equal(iova_alloc(&sp, 4096, 1, &iova), -EINVAL);
	assert_int_equal(iova_alloc(&sp, 4096, 3 * 4096, &iova), -EINVAL);
	assert_int_equal(iova_alloc(&sp, 4096, (1ull << 63) + 4096, &iova), -EINVAL);
	assert_int_equal(iova, 0x1234); /* untouched */
	assert_same_stats(before, stats());
	check_space();
}

static void alloc_alignment(void **state)
{
	(void)state;
	init(4096, MASK28, 64);
	assert_int_equal(alloc_ok(4096, 4096), 0x1000);
	/* Aligned: skips 0x2000-0xffff, which stays free for later. */
	assert_int_equal(alloc_ok(64 * KIB, 64 * KIB), 0x10000);
	assert_int_equal(alloc_ok(8192, 8192), 0x2000);
	assert_int_equal(alloc_ok(4096, 4096), 0x4000);
	assert_int_equal(alloc_ok(2 * MIB, 2 * MIB), 2 * MIB);
	/* 16 KiB at 16 KiB alignment fits at 0x8000 in [0x5000, 0x10000). */
	assert_int_equal(alloc_ok(16 * KIB, 16 * KIB), 0x8000);
	/* An alignment larger than the size. */
	assert_int_equal(alloc_ok(4096, 1 * MIB), 1 * MIB);
	/* The largest alignment the space has room for: 2^27 inside 2^28. */
	assert_int_equal(alloc_ok(4096, 1ull << 27), 1ull << 27);
	uint64_t iova;
	assert_int_equal(iova_alloc(&sp, 4096, 1ull << 28, &iova), -ENOSPC); /* only 0 */
	check_space();
}

static void alloc_exhaustion(void **state)
{
	(void)state;
	uint64_t iova, got[15];
	init(4096, 16 * 4096 - 1, 64); /* 15 pages */

	for (int i = 0; i < 15; i++)
		got[i] = alloc_ok(4096, 4096);
	assert_int_equal(stats().free_pages, 0);
	assert_int_equal(stats().free_ranges, 0);
	assert_int_equal(iova_alloc(&sp, 4096, 4096, &iova), -ENOSPC);
	check_space();
	assert_int_equal(iova_free(&sp, got[7], 4096), 0);
	assert_int_equal(iova_alloc(&sp, 8192, 4096, &iova), -ENOSPC);
	assert_int_equal(alloc_ok(4096, 4096), got[7]);
	/* Too big for the space at all. */
	for (int i = 0; i < 15; i++)
		assert_int_equal(iova_free(&sp, got[i], 4096), 0);
	assert_int_equal(iova_alloc(&sp, 16 * 4096, 4096, &iova), -ENOSPC);
	assert_int_equal(iova_alloc(&sp, UINT64_MAX & ~0xfffull, 4096, &iova), -ENOSPC);
	assert_int_equal(alloc_ok(15 * 4096, 4096), 4096);
	check_space();
}

/* The edu case: a 28-bit mask, filled with mixed sizes until full. */
static void limit_28bit_respected(void **state)
{
	(void)state;
	uint64_t total = 0, iova;
	uint64_t sizes[] = { 4096, 64 * KIB, 1 * MIB, 12 * KIB, 2 * MIB };
	init(4096, MASK28, NODES_MAX);

	for (unsigned i = 0;; i++) {
		uint64_t size = sizes[i % 5];
		int rc = iova_alloc(&sp, size, size == 2 * MIB ? 2 * MIB : 4096, &iova);
		if (rc == -ENOSPC) {
			/* Big ones run out first; keep filling with pages. */
			if (iova_alloc(&sp, 4096, 4096, &iova) == -ENOSPC)
				break;
			size = 4096;
		} else {
			assert_int_equal(rc, 0);
		}
		assert_true(iova >= 4096);
		assert_true(iova + size - 1 <= MASK28);
		total += size;
	}
	assert_int_equal(total, (1ull << 28) - 4096);
	assert_int_equal(stats().free_pages, 0);
	check_space();
}

static void free_invalid_refused(void **state)
{
	(void)state;
	init(4096, MASK28, 64);
	uint64_t a = alloc_ok(16 * KIB, 4096);  /* 0x1000-0x4fff */
	uint64_t b = alloc_ok(8 * KIB, 4096);   /* 0x5000-0x6fff */
	uint64_t c = alloc_ok(4 * KIB, 4096);   /* 0x7000 */
	assert_int_equal(iova_reserve(&sp, 0x100000, 0x10000), 0);
	assert_int_equal(iova_free(&sp, c, 4096), 0);
	struct iova_stats before = stats();

	assert_int_equal(iova_free(&sp, c, 4096), -EINVAL);           /* double free */
	assert_int_equal(iova_free(&sp, a, 8 * KIB), -EINVAL);        /* partial: head */
	assert_int_equal(iova_free(&sp, a + 8 * KIB, 8 * KIB), -EINVAL); /* partial: tail */
	assert_int_equal(iova_free(&sp, a + 4096, 4096), -EINVAL);    /* inside */
	assert_int_equal(iova_free(&sp, a, 32 * KIB), -EINVAL);       /* too long */
	assert_int_equal(iova_free(&sp, a, 24 * KIB), -EINVAL);       /* a and b together */
	assert_int_equal(iova_free(&sp, b, 12 * KIB), -EINVAL);       /* b and the free page */
	assert_int_equal(iova_free(&sp, 0x200000, 4096), -EINVAL);    /* never allocated */
	assert_int_equal(iova_free(&sp, 0x100000, 0x10000), -EINVAL); /* reserved */
	assert_int_equal(iova_free(&sp, 0x100000, 4096), -EINVAL);
	assert_int_equal(iova_free(&sp, 0, 4096), -EINVAL);           /* below base */
	assert_int_equal(iova_free(&sp, 1ull << 28, 4096), -EINVAL);  /* above limit */
	assert_int_equal(iova_free(&sp, a + 1, 16 * KIB), -EINVAL);   /* unaligned */
	assert_int_equal(iova_free(&sp, a, 16 * KIB - 1), -EINVAL);
	assert_int_equal(iova_free(&sp, a, 0), -EINVAL);
	assert_int_equal(iova_free(&sp, UINT64_MAX & ~0xfffull, UINT64_MAX & ~0xfffull),
			 -EINVAL);
	assert_same_stats(before, stats());
	check_space();

	assert_int_equal(iova_free(&sp, a, 16 * KIB), 0);
	assert_int_equal(iova_free(&sp, a, 16 * KIB), -EINVAL);
	assert_int_equal(iova_free(&sp, b, 8 * KIB), 0);
	assert_int_equal(iova_free(&sp, b, 8 * KIB), -EINVAL);
	check_space();
	assert_int_equal(stats().live, 0);
}

/* ---- coalescing ------------------------------------------------------------ */

static void free_all_then_whole_space(unsigned order)
{
	enum { N = 512 };
	static uint64_t got[N];
	uint64_t whole = (1ull << 28) - 4096;

	init(4096, MASK28, IOVA_NODES(N, 0));
	for (unsigned i = 0; i < N; i++)
		got[i] = alloc_ok(4096 * (1 + i % 7), 4096 << (i % 4));
	check_space();
	for (unsigned k = 0; k < N; k++) {
		unsigned i;
		switch (order) {
		case 0: i = k; break;                        /* in order */
		case 1: i = N - 1 - k; break;                /* reversed */
		case 2: i = k < N / 2 ? 2 * k : 2 * (k - N / 2) + 1; break; /* evens, odds */
		default: i = (k * 197) % N; break;           /* scattered (197 odd, N 2^9) */
		}
		assert_int_equal(iova_free(&sp, got[i], 4096 * (1 + i % 7)), 0);
		if (k % 64 == 0)
			check_space();
	}
	check_space();
	assert_int_equal(stats().free_ranges, 1);
	assert_int_equal(stats().nodes_used, 1);
	assert_int_equal(stats().free_bytes, whole);
	assert_int_equal(alloc_ok(whole, 4096), 4096);
	assert_int_equal(stats().free_pages, 0);
	assert_int_equal(iova_free(&sp, 4096, whole), 0);
}

static void coalesce_in_every_order(void **state)
{
	(void)state;
	for (unsigned order = 0; order < 4; order++) {
		reset(NULL);
		free_all_then_whole_space(order);
	}
}

/* ---- reserve --------------------------------------------------------------- */

static void reserve_interrupt_window(void **state)
{
	(void)state;
	uint64_t iova;
	init(4096, (1ull << 32) - 1, IOVA_NODES(4096, 1));
	assert_int_equal(iova_reserve(&sp, 0xFEE00000, 0x100000), 0);
	check_space();
	assert_int_equal(stats().free_ranges, 2);
	assert_int_equal(stats().free_bytes, (1ull << 32) - 4096 - 0x100000);

	/* Nothing ever lands in it: fill the space with 1 MiB blocks. */
	unsigned count = 0;
	int rc;
	while ((rc = iova_alloc(&sp, 1 * MIB, 4096, &iova)) == 0) {
		assert_true(iova + MIB <= 0xFEE00000 || iova >= 0xFEF00000);
		count++;
	}
	assert_int_equal(rc, -ENOSPC);
	/* 4077 below the window (the first page spoils one MiB: 255 pages stay
	 * free) and 17 above it. */
	assert_int_equal(count, 4094);
	assert_int_equal(stats().free_bytes, 1 * MIB - 4096);
	check_space();
	/* Nor can it be freed. */
	assert_int_equal(iova_free(&sp, 0xFEE00000, 0x100000), -EINVAL);
}

static void reserve_rules(void **state)
{
	(void)state;
	init(4096, MASK28, IOVA_NODES(1 << 16, 16));
	uint64_t total = stats().free_pages;
	rule_reserves = 16;

	/* Beyond a 28-bit mask: a no-op. */
	assert_int_equal(iova_reserve(&sp, 0xFEE00000, 0x100000), 0);
	assert_int_equal(stats().free_pages, total);
	assert_int_equal(stats().nodes_used, 1);
	/* Invalid. */
	assert_int_equal(iova_reserve(&sp, 0x10000, 0), -EINVAL);
	assert_int_equal(iova_reserve(&sp, UINT64_MAX - 4095, 8192), -EINVAL);
	/* Rounded out to pages: one byte takes its page. */
	assert_int_equal(iova_reserve(&sp, 0x10010, 1), 0);
	assert_int_equal(stats().free_pages, total - 1);
	/* Straddling a page boundary takes both pages. */
	assert_int_equal(iova_reserve(&sp, 0x20ff0, 0x20), 0);
	assert_int_equal(stats().free_pages, total - 3);
	/* Again, and overlapping: idempotent for the pages already taken. */
	assert_int_equal(iova_reserve(&sp, 0x10000, 0x1000), 0);
	assert_int_equal(iova_reserve(&sp, 0x20000, 0x2000), 0);
	assert_int_equal(stats().free_pages, total - 3);
	/* Across several free ranges and reserved gaps at once. */
	assert_int_equal(iova_reserve(&sp, 0xf000, 0x14000), 0);
	assert_int_equal(stats().free_pages, total - 0x14);
	check_space();
	assert_int_equal(stats().free_ranges, 2);
	/* Clipped at base and limit. */
	assert_int_equal(iova_reserve(&sp, 0, 0x2000), 0);
	assert_int_equal(stats().free_pages, total - 0x15);
	assert_int_equal(iova_reserve(&sp, MASK28 - 0x1fff, 0x100000), 0);
	assert_int_equal(stats().free_pages, total - 0x17);
	check_space();

	/* Over a live allocation: refused, nothing changes. */
	uint64_t a = alloc_ok(8192, 4096);
	assert_int_equal(a, 0x2000);
	struct iova_stats before = stats();
	assert_int_equal(iova_reserve(&sp, 0x3000, 0x1000), -EBUSY);
	assert_int_equal(iova_reserve(&sp, 0x1000, 0x10000), -EBUSY);
	assert_int_equal(iova_reserve(&sp, 0x0, 0x100000), -EBUSY);
	assert_same_stats(before, stats());
	/* Right next to it is fine. */
	assert_int_equal(iova_reserve(&sp, 0x4000, 0x1000), 0);
	check_space();
	/* Reserved pages are never handed out: the rest is allocated around. */
	assert_int_equal(iova_free(&sp, a, 8192), 0);
	uint64_t iova;
	int rc;
	while ((rc = iova_alloc(&sp, 4096, 4096, &iova)) == 0)
		assert_true(iova != 0x1000 && iova != 0x4000 && (iova < 0xf000 || iova >= 0x23000) &&
			    iova < MASK28 - 0x1fff);
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(stats().free_pages, 0);
	check_space();
}

/* ---- nodes ------------------------------------------------------------------ */

static void out_of_nodes(void **state)
{
	(void)state;
	uint64_t iova;

	/* One node: the whole space can be taken and given back... */
	init(4096, MASK28, 1);
	uint64_t whole = (1ull << 28) - 4096;
	assert_int_equal(alloc_ok(whole, 4096), 4096);
	assert_int_equal(iova_free(&sp, 4096, whole), 0);
	/* ...but nothing that leaves a free piece. */
	struct iova_stats before = stats();
	assert_int_equal(iova_alloc(&sp, 4096, 4096, &iova), -ENOMEM);
	assert_int_equal(iova_reserve(&sp, 0x10000, 0x1000), -ENOMEM);
	assert_same_stats(before, stats());
	/* A reservation at an end splits nothing. */
	assert_int_equal(iova_reserve(&sp, 0x1000, 0x1000), 0);
	check_space();

	/* Two nodes: a head and a tail need three. */
	reset(NULL);
	init(4096, MASK28, 2);
	before = stats();
	assert_int_equal(iova_alloc(&sp, 4096, 64 * KIB, &iova), -ENOMEM);
	assert_same_stats(before, stats());
	check_space();
	assert_int_equal(alloc_ok(4096, 4096), 0x1000); /* tail only: two */
	assert_int_equal(iova_alloc(&sp, 4096, 4096, &iova), -ENOMEM);
	/* A free never needs a node. */
	assert_int_equal(iova_free(&sp, 0x1000, 4096), 0);
	check_space();
}

/* IOVA_NODES(A, 0) suffices for A allocations that each leave a head and a
 * tail (the worst case), and one node less does not. */
static void node_capacity_rule(void **state)
{
	(void)state;
	enum { A = 100 };
	uint64_t iova;

	for (int less = 0; less <= 1; less++) {
		reset(NULL);
		init(4096, MASK28, IOVA_NODES(A, 0) - (size_t)less);
		for (int i = 0; i < A; i++) {
			int rc = iova_alloc(&sp, 4096, 8192, &iova);
			if (less && i == A - 1) {
				assert_int_equal(rc, -ENOMEM);
			} else {
				assert_int_equal(rc, 0);
				assert_int_equal(iova, 0x2000 + 0x2000ull * (uint64_t)i);
			}
		}
		check_space();
		assert_int_equal(stats().nodes_used, less ? IOVA_NODES(A - 1, 0) : IOVA_NODES(A, 0));
	}
	/* R reserves in the middle of free ranges add one each. */
	reset(NULL);
	init(4096, MASK28, IOVA_NODES(A, 3));
	rule_reserves = 3;
	for (int r = 0; r < 3; r++)
		assert_int_equal(iova_reserve(&sp, 0x1000000 * (uint64_t)(r + 1), 4096), 0);
	for (int i = 0; i < A; i++)
		alloc_ok(4096, 8192);
	assert_int_equal(stats().nodes_used, IOVA_NODES(A, 3));
	check_space();
}

/* ---- the aligned-search policy --------------------------------------------- */

/* Free ranges of two pages at odd page numbers do not hold an 8 KiB-aligned
 * 8 KiB block. Builds `misfits` of them, then one that fits at pfn 0x200,
 * then (if `big`) a 16-page range at pfn 0x400. */
static void build_misfits(unsigned misfits, bool big)
{
	uint64_t iova;

	init(4096, 4096 * 4096 - 1, IOVA_NODES(4096, 0));
	while (iova_alloc(&sp, 4096, 4096, &iova) == 0)
		;
	for (unsigned i = 0; i < misfits; i++) {
		assert_int_equal(iova_free(&sp, (4 * i + 1) * PG, PG), 0);
		assert_int_equal(iova_free(&sp, (4 * i + 2) * PG, PG), 0);
	}
	assert_int_equal(iova_free(&sp, 0x200 * PG, PG), 0);
	assert_int_equal(iova_free(&sp, 0x201 * PG, PG), 0);
	if (big)
		for (unsigned i = 0; i < 16; i++)
			assert_int_equal(iova_free(&sp, (0x400 + i) * PG, PG), 0);
	check_space();
}

static void aligned_policy(void **state)
{
	(void)state;
	uint64_t iova;

	/* Within the probe budget: the lowest fit. */
	build_misfits(IOVA_ALIGN_PROBES - 1, true);
	assert_int_equal(alloc_ok(8192, 8192), 0x200 * PG);
	/* Beyond it: the lowest range of size + align - 4 KiB. */
	reset(NULL);
	build_misfits(IOVA_ALIGN_PROBES, true);
	assert_int_equal(alloc_ok(8192, 8192), 0x400 * PG);
	/* And with no such range, -ENOSPC (documented), though 0x200 would fit. */
	reset(NULL);
	build_misfits(IOVA_ALIGN_PROBES, false);
	assert_int_equal(iova_alloc(&sp, 8192, 8192, &iova), -ENOSPC);
	/* 4 KiB alignment is never affected. */
	assert_int_equal(alloc_ok(8192, 4096), 1 * PG);
	check_space();
}

/* ---- 64-bit widths ---------------------------------------------------------- */

static void full_64bit_space(void **state)
{
	(void)state;
	uint64_t iova;
	init(0, UINT64_MAX, 64);

	assert_int_equal(stats().free_pages, 1ull << 52);
	assert_int_equal(stats().free_bytes, UINT64_MAX); /* saturated: 2^64 */
	assert_int_equal(alloc_ok(1ull << 63, 1ull << 63), 0);
	assert_int_equal(stats().free_bytes, 1ull << 63);
	assert_int_equal(alloc_ok(4096, 1ull << 62), 1ull << 63);
	/* Up to the very top: start + size = 2^64 is fine. */
	assert_int_equal(iova_reserve(&sp, (1ull << 63) + 4096, (1ull << 63) - 4096), 0);
	assert_int_equal(stats().free_pages, 0);
	assert_int_equal(iova_free(&sp, 1ull << 63, 4096), 0);
	assert_int_equal(iova_free(&sp, 0, 1ull << 63), 0);
	check_space();

	reset(NULL);
	init(4096, UINT64_MAX, 64);
	assert_int_equal(stats().free_bytes, UINT64_MAX - 4095);
	assert_int_equal(iova_reserve(&sp, 0, UINT64_MAX - 4095), 0); /* all but the top page */
	assert_int_equal(stats().free_pages, 1);
	assert_int_equal(alloc_ok(4096, 4096), UINT64_MAX - 4095);
	assert_int_equal(iova_alloc(&sp, 4096, 4096, &iova), -ENOSPC);
	assert_int_equal(iova_free(&sp, UINT64_MAX - 4095, 4096), 0);
	assert_int_equal(iova_free(&sp, UINT64_MAX - 4095, 4096), -EINVAL);
	check_space();

	reset(NULL);
	init(4096, UINT64_MAX, 64);
	uint64_t big = UINT64_MAX - 4095; /* the largest size there is */
	assert_int_equal(alloc_ok(big, 4096), 4096);
	assert_int_equal(stats().free_pages, 0);
	assert_int_equal(iova_alloc(&sp, 4096, 4096, &iova), -ENOSPC);
	assert_int_equal(iova_free(&sp, 4096, big), 0);
	assert_int_equal(alloc_ok(4096, 1ull << 63), 1ull << 63);
	assert_int_equal(iova_alloc(&sp, big, 4096, &iova), -ENOSPC);
	assert_int_equal(iova_alloc(&sp, 1ull << 63, 1ull << 63, &iova), -ENOSPC);
	check_space();
}

/* ---- balance ---------------------------------------------------------------- */

/* Ascending keys, the worst case for an unbalanced tree, into both trees. */
static void trees_stay_balanced(void **state)
{
	(void)state;
	enum { N = 100000 };
	init(4096, MASK48, IOVA_NODES(N, 0));

	for (uint64_t i = 0; i < N; i++)
		assert_int_equal(alloc_ok(4096, 4096), (i + 1) * PG);
	check_space();
	assert_int_equal(nalloc, N);
	/* 1.44 log2(1e5) + 2 = 25.9; AVL's exact bound for 1e5 nodes is 23. */
	assert_true(stats().alloc_height <= 23);
	/* Every other one freed: N/2 free ranges of one page. */
	for (uint64_t i = 0; i < N; i += 2)
		assert_int_equal(iova_free(&sp, (i + 1) * PG, PG), 0);
	check_space();
	assert_int_equal(nfree, N / 2 + 1);
	/* 5e4 nodes: AVL's bound is 21. */
	assert_true(stats().free_height <= 21 && stats().alloc_height <= 21);
	/* The rest, descending. */
	for (uint64_t i = N; i-- > 0;)
		if (i % 2)
			assert_int_equal(iova_free(&sp, (i + 1) * PG, PG), 0);
	check_space();
	assert_int_equal(stats().free_ranges, 1);
	assert_int_equal(stats().nodes_used, 1);
}

/* ---- randomized churn ---------------------------------------------------------- */

/* xorshift64*: fixed seed, so a failure reproduces. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

struct live {
	uint64_t iova, size;
};

/* Tries every way of freeing something that is not exactly one live
 * allocation next to `l` and checks each is refused without a change. */
static void try_invalid_frees(const struct live *l, bool (*is_live)(uint64_t, uint64_t))
{
	struct iova_stats before = stats();
	const struct live tries[] = {
		{ l->iova, l->size + PG },
		{ l->iova, l->size - PG },      /* size 0 when l is one page */
		{ l->iova + PG, l->size - PG },
		{ l->iova - PG, l->size },      /* may be a neighbour of that size */
		{ l->iova + PG, l->size },
		{ l->iova - PG, l->size + PG },
		{ l->iova + 1, l->size },
	};

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		if (!is_live(tries[i].iova, tries[i].size))
			assert_int_equal(iova_free(&sp, tries[i].iova, tries[i].size), -EINVAL);
	assert_same_stats(before, stats());
}

/* Small space, bitmap model: 4096 pages, a reservation in the middle, every
 * IOVA predicted exactly by the policy in iova.h. */
#define SMALL_PAGES 4096
#define SMALL_LIVE 1024
#define RES_FIRST 1500
#define RES_PAGES 37

static uint8_t used[SMALL_PAGES]; /* 1: page 0, reserved or allocated */
static struct live small_live[SMALL_LIVE];
static struct range runs[SMALL_PAGES];

static size_t model_runs(void)
{
	size_t n = 0;

	for (uint64_t p = 0; p < SMALL_PAGES;) {
		if (used[p]) {
			p++;
			continue;
		}
		uint64_t q = p;
		while (q < SMALL_PAGES && !used[q])
			q++;
		runs[n++] = (struct range){ p, q - p };
		p = q;
	}
	return n;
}

static uint64_t model_fallbacks;
static size_t small_n;

static bool small_is_live(uint64_t iova, uint64_t size)
{
	for (size_t i = 0; i < small_n; i++)
		if (small_live[i].iova == iova && small_live[i].size == size)
			return true;
	return false;
}

/* The policy, by brute force over the free runs; 0 when it must fail. */
static uint64_t model_pick(uint64_t pages, uint64_t align)
{
	size_t n = model_runs();
	unsigned misfits = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t first;
		if (runs[i].pages < pages)
			continue;
		first = (runs[i].start + align - 1) / align * align;
		if (first + pages <= runs[i].start + runs[i].pages)
			return first;
		if (++misfits == IOVA_ALIGN_PROBES) {
			model_fallbacks++;
			for (size_t j = i + 1; j < n; j++)
				if (runs[j].pages >= pages + align - 1)
					return (runs[j].start + align - 1) / align * align;
			return 0;
		}
	}
	return 0;
}

static uint64_t random_pages(uint64_t max_pages)
{
	uint64_t r = rnd_below(100), p;

	if (r < 70)
		p = 1 + rnd_below(4);
	else if (r < 95)
		p = 5 + rnd_below(60);
	else
		p = 65 + rnd_below(448);
	return p < max_pages ? p : max_pages;
}

static uint64_t random_align_pages(unsigned max_log2)
{
	return rnd_below(2) ? 1 : 1ull << rnd_below(max_log2 + 1);
}

static void churn_small_bitmap(void **state)
{
	(void)state;
	uint64_t free_pages, initial_nodes, ops_alloc = 0, ops_free = 0, nospc = 0;

	rng_state = 0x9e3779b97f4a7c15ull;
	small_n = 0;
	model_fallbacks = 0;
	memset(used, 0, sizeof(used));
	used[0] = 1;
	init(PG, SMALL_PAGES * PG - 1, IOVA_NODES(SMALL_LIVE, 1));
	assert_int_equal(iova_reserve(&sp, RES_FIRST * PG, RES_PAGES * PG), 0);
	memset(used + RES_FIRST, 1, RES_PAGES);
	free_pages = SMALL_PAGES - 1 - RES_PAGES;
	initial_nodes = stats().nodes_used;

	for (unsigned op = 0; op < 100000; op++) {
		/* The target occupancy swings between empty and full. */
		unsigned phase = (op / 5000) % 4;
		unsigned p_alloc = phase == 0 ? 70 : phase == 1 ? 55 : phase == 2 ? 40 : 50;
		bool do_alloc = small_n == 0 || (small_n < SMALL_LIVE && rnd_below(100) < p_alloc);

		if (do_alloc) {
			uint64_t pages = random_pages(SMALL_PAGES), align = random_align_pages(8);
			uint64_t expect = model_pick(pages, align), iova = 0;
			int rc = iova_alloc(&sp, pages * PG, align * PG, &iova);

			ops_alloc++;
			if (!expect) {
				assert_int_equal(rc, -ENOSPC);
				nospc++;
				continue;
			}
			assert_int_equal(rc, 0); /* never -ENOMEM within IOVA_NODES */
			if (iova != expect * PG)
				fail_msg("op %u: alloc %llu pages align %llu: got %#llx, model %#llx",
					 op, (unsigned long long)pages, (unsigned long long)align,
					 (unsigned long long)iova, (unsigned long long)(expect * PG));
			for (uint64_t p = expect; p < expect + pages; p++) {
				assert_true(p < SMALL_PAGES);
				assert_false(used[p]);
				used[p] = 1;
			}
			small_live[small_n++] = (struct live){ iova, pages * PG };
			free_pages -= pages;
		} else {
			size_t i = rnd_below(small_n);
			struct live l = small_live[i];

			if (op % 16 == 0)
				try_invalid_frees(&l, small_is_live);
			assert_int_equal(iova_free(&sp, l.iova, l.size), 0);
			memset(used + l.iova / PG, 0, l.size / PG);
			small_live[i] = small_live[--small_n];
			free_pages += l.size / PG;
			ops_free++;
			if (op % 16 == 1)
				assert_int_equal(iova_free(&sp, l.iova, l.size), -EINVAL);
		}
		assert_int_equal(stats().free_pages, free_pages);
		assert_int_equal(stats().live, small_n);

		if (op % 1000 == 0) {
			/* The free tree is exactly the bitmap's free runs. */
			size_t n;
			check_space();
			n = model_runs();
			assert_int_equal(n, nfree);
			for (size_t k = 0; k < n; k++) {
				assert_int_equal(runs[k].start, free_list[k].start);
				assert_int_equal(runs[k].pages, free_list[k].pages);
			}
		}
	}

	/* Both outcomes happened often enough to mean something. */
	assert_true(ops_alloc > 30000 && ops_free > 30000 && nospc > 100);
	assert_true(model_fallbacks > 10);

	while (small_n) {
		size_t i = rnd_below(small_n);
		assert_int_equal(iova_free(&sp, small_live[i].iova, small_live[i].size), 0);
		small_live[i] = small_live[--small_n];
	}
	check_space();
	assert_int_equal(stats().nodes_used, initial_nodes); /* no node leaked */
	assert_int_equal(stats().free_ranges, 2);
	assert_int_equal(stats().free_pages, SMALL_PAGES - 1 - RES_PAGES);
	/* Coalesced back: each side in one piece. */
	assert_int_equal(alloc_ok((RES_FIRST - 1) * PG, PG), PG);
	assert_int_equal(alloc_ok((SMALL_PAGES - RES_FIRST - RES_PAGES) * PG, PG),
			 (RES_FIRST + RES_PAGES) * PG);
	fprintf(stderr, "small churn: %llu allocs (%llu -ENOSPC, %llu past the probes), %llu frees\n",
		(unsigned long long)ops_alloc, (unsigned long long)nospc,
		(unsigned long long)model_fallbacks, (unsigned long long)ops_free);
}

/* Large space, interval model: 48 bits, sizes from 4 KiB to 16 TiB,
 * alignments up to 1 TiB, up to 20000 live allocations kept in a sorted
 * array. Every result is checked for bounds, alignment and overlap; every
 * 64th allocation and every -ENOSPC is checked against the policy by brute
 * force over the gaps. */
#define BIG_LIVE 20000
#define WIN_FIRST (0xFEE00000ull / PG)
#define WIN_PAGES (0x100000ull / PG)

static struct range big_live[BIG_LIVE + 1]; /* sorted by start, in pages */
static size_t big_n;

static size_t big_lower_bound(uint64_t start)
{
	size_t lo = 0, hi = big_n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (big_live[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The policy by brute force over the gaps between allocations and the
 * window; UINT64_MAX when it must fail. */
static uint64_t big_pick(uint64_t pages, uint64_t align)
{
	uint64_t prev_end = 1, misfits = 0; /* base pfn 1 */
	bool fallback = false;
	size_t i = 0;
	bool win_done = false;

	for (;;) {
		uint64_t next_start, next_end;

		/* The next used range: an allocation or the window, in order. */
		if (!win_done && (i == big_n || WIN_FIRST < big_live[i].start)) {
			next_start = WIN_FIRST;
			next_end = WIN_FIRST + WIN_PAGES;
			win_done = true;
		} else if (i < big_n) {
			next_start = big_live[i].start;
			next_end = big_live[i].start + big_live[i].pages;
			i++;
		} else {
			next_start = next_end = (MASK48 >> 12) + 1;
		}
		if (next_start > prev_end) {
			uint64_t len = next_start - prev_end;
			uint64_t first = (prev_end + align - 1) & ~(align - 1);
			if (fallback) {
				if (len >= pages + align - 1)
					return first;
			} else if (len >= pages) {
				if (first + pages <= next_start)
					return first;
				if (++misfits == IOVA_ALIGN_PROBES)
					fallback = true;
			}
		}
		if (next_end > MASK48 >> 12)
			return UINT64_MAX;
		prev_end = next_end;
	}
}

static bool big_is_live(uint64_t iova, uint64_t size)
{
	size_t k;

	if (iova % PG)
		return false;
	k = big_lower_bound(iova / PG);
	return k < big_n && big_live[k].start == iova / PG && big_live[k].pages * PG == size;
}

static void churn_large_48bit(void **state)
{
	(void)state;
	const uint64_t total = (MASK48 >> 12) - WIN_PAGES; /* pfn 1 .. 2^36-1 */
	uint64_t used_pages = 0, nospc = 0, exact = 0, initial_nodes;

	rng_state = 0x2545F4914F6CDD1Dull;
	big_n = 0;
	init(PG, MASK48, IOVA_NODES(BIG_LIVE, 1));
	assert_int_equal(iova_reserve(&sp, 0xFEE00000, 0x100000), 0);
	initial_nodes = stats().nodes_used;

	for (unsigned op = 0; op < 100000; op++) {
		unsigned phase = (op / 10000) % 3;
		unsigned p_alloc = phase == 0 ? 65 : phase == 1 ? 50 : 35;
		bool do_alloc = big_n == 0 || (big_n < BIG_LIVE && rnd_below(100) < p_alloc);

		if (do_alloc) {
			/* Log-uniform size: 1 page .. 2^35 - 1 pages (4 KiB .. 128 TiB). */
			unsigned lg = (unsigned)rnd_below(100) < 95 ? (unsigned)rnd_below(16) :
								 16 + (unsigned)rnd_below(19);
			uint64_t pages = (1ull << lg) + rnd_below(1ull << lg);
			uint64_t align = random_align_pages(28);
			uint64_t iova = 0, start;
			bool check_exact = op % 64 == 0;
			int rc = iova_alloc(&sp, pages * PG, align * PG, &iova);

			if (rc == -ENOSPC) {
				assert_int_equal(big_pick(pages, align), UINT64_MAX);
				nospc++;
				continue;
			}
			assert_int_equal(rc, 0);
			start = iova / PG;
			assert_int_equal(start % align, 0);
			assert_true(start >= 1 && start + pages - 1 <= MASK48 >> 12);
			assert_true(start + pages <= WIN_FIRST || start >= WIN_FIRST + WIN_PAGES);
			if (check_exact) {
				assert_int_equal(big_pick(pages, align), start);
				exact++;
			}
			size_t k = big_lower_bound(start);
			if (k > 0)
				assert_true(big_live[k - 1].start + big_live[k - 1].pages <= start);
			if (k < big_n)
				assert_true(start + pages <= big_live[k].start);
			memmove(&big_live[k + 1], &big_live[k], (big_n - k) * sizeof(big_live[0]));
			big_live[k] = (struct range){ start, pages };
			big_n++;
			used_pages += pages;
		} else {
			size_t k = rnd_below(big_n);
			struct live l = { big_live[k].start * PG, big_live[k].pages * PG };

			if (op % 32 == 0)
				try_invalid_frees(&l, big_is_live);
			assert_int_equal(iova_free(&sp, l.iova, l.size), 0);
			used_pages -= big_live[k].pages;
			memmove(&big_live[k], &big_live[k + 1], (big_n - k - 1) * sizeof(big_live[0]));
			big_n--;
		}
		assert_int_equal(stats().free_pages, total - used_pages);
		assert_int_equal(stats().live, big_n);
		if (op % 5000 == 0) {
			check_space();
			assert_int_equal(nalloc, big_n);
			for (size_t k = 0; k < big_n; k++) {
				assert_int_equal(alloc_list[k].start, big_live[k].start);
				assert_int_equal(alloc_list[k].pages, big_live[k].pages);
			}
		}
	}
	fprintf(stderr, "large churn: %llu -ENOSPC, %llu exact checks\n",
		(unsigned long long)nospc, (unsigned long long)exact);
	assert_true(nospc > 100 && exact > 500);

	while (big_n) {
		size_t k = rnd_below(big_n);
		assert_int_equal(iova_free(&sp, big_live[k].start * PG, big_live[k].pages * PG), 0);
		big_live[k] = big_live[--big_n]; /* order no longer matters */
	}
	check_space();
	assert_int_equal(stats().nodes_used, initial_nodes);
	assert_int_equal(stats().free_ranges, 2);
	assert_int_equal(stats().free_pages, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(init_rejects_bad_arguments, reset),
		cmocka_unit_test_setup(init_state, reset),
		cmocka_unit_test_setup(alloc_lowest_first_and_free, reset),
		cmocka_unit_test_setup(alloc_bad_arguments, reset),
		cmocka_unit_test_setup(alloc_alignment, reset),
		cmocka_unit_test_setup(alloc_exhaustion, reset),
		cmocka_unit_test_setup(limit_28bit_respected, reset),
		cmocka_unit_test_setup(free_invalid_refused, reset),
		cmocka_unit_test_setup(coalesce_in_every_order, reset),
		cmocka_unit_test_setup(reserve_interrupt_window, reset),
		cmocka_unit_test_setup(reserve_rules, reset),
		cmocka_unit_test_setup(out_of_nodes, reset),
		cmocka_unit_test_setup(node_capacity_rule, reset),
		cmocka_unit_test_setup(aligned_policy, reset),
		cmocka_unit_test_setup(full_64bit_space, reset),
		cmocka_unit_test_setup(trees_stay_balanced, reset),
		cmocka_unit_test_setup(churn_small_bitmap, reset),
		cmocka_unit_test_setup(churn_large_48bit, reset),
	};

	watchdog_arm("iova", 300);
	return cmocka_run_group_tests_name("iova", tests, NULL, NULL);
}
