/* arch/x86/palloc.c: the physical page allocator, initialised from synthetic memory
 * maps and cross-checked against a page bitmap in a randomized churn test. */
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

#include "arch/x86/palloc.h"
#include "arch/x86/sizes.h"
#include "tests/unit/log_stub.h"


/* Both are large (16 KiB and 12 KiB): static rather than on the stack. */
static struct palloc pa;
static struct memmap map;

static int reset(void **state)
{
	(void)state;
	memset(&map, 0, sizeof(map));
	memset(&pa, 0xa5, sizeof(pa)); /* palloc_init must not rely on zeroed memory */
	return 0;
}

static void add(uint64_t base, uint64_t bytes, enum mem_type type)
{
	assert_true(map.count < MEMMAP_MAX_REGIONS);
	map.region[map.count++] = (struct mem_region){ base, bytes / PAGE_SIZE, type };
}

static void assert_range(unsigned i, uint64_t start, uint64_t end)
{
	assert_true(i < pa.count);
	assert_int_equal(pa.range[i].start, start);
	assert_int_equal(pa.range[i].end, end);
}

/* The structural invariants of the free list: sorted, page aligned,
 * non-empty, never touching (neighbours are always merged), and free_pages
 * is their sum. */
static void check_list(const struct palloc *p)
{
	uint64_t pages = 0;

	assert_true(p->count <= PALLOC_MAX_RANGES);
	for (unsigned i = 0; i < p->count; i++) {
		const struct palloc_range *r = &p->range[i];
		assert_int_equal(r->start % PAGE_SIZE, 0);
		assert_int_equal(r->end % PAGE_SIZE, 0);
		assert_true(r->start < r->end);
		assert_true(r->start >= PALLOC_LOW_LIMIT);
		if (i > 0)
			assert_true(p->range[i - 1].end < r->start);
		pages += (r->end - r->start) / PAGE_SIZE;
	}
	assert_int_equal(pages, p->free_pages);
}

/* ---- palloc_init ------------------------------------------------------------ */

static void init_takes_only_usable(void **state)
{
	(void)state;
	add(2 * MIB, 2 * MIB, MEM_USABLE);
	add(4 * MIB, 1 * MIB, MEM_HYPERVISOR);
	add(5 * MIB, 1 * MIB, MEM_BOOT_SERVICES); /* reclaimable later, not now */
	add(6 * MIB, 1 * MIB, MEM_RUNTIME_CODE);
	add(7 * MIB, 1 * MIB, MEM_RUNTIME_DATA);
	add(8 * MIB, 1 * MIB, MEM_ACPI_RECLAIM);
	add(9 * MIB, 1 * MIB, MEM_ACPI_NVS);
	add(10 * MIB, 1 * MIB, MEM_MMIO);
	add(11 * MIB, 1 * MIB, MEM_RESERVED);
	add(12 * MIB, 1 * MIB, MEM_PERSISTENT);
	add(13 * MIB, 1 * MIB, MEM_UNUSABLE);
	add(16 * MIB, 4 * MIB, MEM_USABLE);

	assert_int_equal(palloc_init(&pa, &map), 0);
	check_list(&pa);
	assert_int_equal(pa.count, 2);
	assert_range(0, 2 * MIB, 4 * MIB);
	assert_range(1, 16 * MIB, 20 * MIB);
	assert_int_equal(pa.free_pages, 6 * MIB / PAGE_SIZE);
}

static void init_nothing_below_1mib(void **state)
{
	(void)state;
	add(0, 640 * KIB, MEM_USABLE);            /* wholly below: dropped */
	add(768 * KIB, 256 * KIB, MEM_USABLE);    /* ends exactly at 1 MiB: dropped */
	add(1 * MIB - 64 * KIB, 128 * KIB, MEM_USABLE); /* straddles: clipped */

	assert_int_equal(palloc_init(&pa, &map), 0);
	check_list(&pa);
	assert_int_equal(pa.count, 1);
	assert_range(0, 1 * MIB, 1 * MIB + 64 * KIB);
	assert_int_equal(pa.free_pages, 16);
	/* And nothing handed out ever lies below 1 MiB. */
	assert_int_equal(palloc_alloc(&pa, 16, 1), 1 * MIB);
	assert_int_equal(palloc_alloc(&pa, 1, 1), 0);
}

static void init_skips_unaligned(void **state)
{
	(void)state;
	add(2 * MIB + 512, 4 * MIB, MEM_USABLE);  /* base not page aligned */
	add(8 * MIB + 1, 4 * MIB, MEM_USABLE);
	/* Straddles 1 MiB: the clipped start is aligned but the end is not. */
	add(1 * MIB - 2048, 64 * KIB, MEM_USABLE);
	add(16 * MIB, 4 * MIB, MEM_USABLE);       /* the only good one */

	assert_int_equal(palloc_init(&pa, &map), 0);
	check_list(&pa);
	assert_int_equal(pa.count, 1);
	assert_range(0, 16 * MIB, 20 * MIB);
	assert_int_equal(pa.free_pages, 4 * MIB / PAGE_SIZE);
}

static void init_sorts_and_merges(void **state)
{
	(void)state;
	/* Out of order, with touching usable regions that must become one range. */
	add(64 * MIB, 16 * MIB, MEM_USABLE);
	add(8 * MIB, 8 * MIB, MEM_USABLE);
	add(16 * MIB, 8 * MIB, MEM_USABLE);   /* touches the previous one */
	add(4 * GIB, 1 * GIB, MEM_USABLE);
	add(48 * MIB, 16 * MIB, MEM_USABLE);  /* touches [64M, 80M) from below */
	add(24 * MIB, 24 * MIB, MEM_RESERVED);

	assert_int_equal(palloc_init(&pa, &map), 0);
	check_list(&pa);
	assert_int_equal(pa.count, 3);
	assert_range(0, 8 * MIB, 24 * MIB);
	assert_range(1, 48 * MIB, 80 * MIB);
	assert_range(2, 4 * GIB, 5 * GIB);
}

static void init_empty_map(void **state)
{
	(void)state;
	assert_int_equal(palloc_init(&pa, &map), 0);
	assert_int_equal(pa.count, 0);
	assert_int_equal(pa.free_pages, 0);
	assert_int_equal(palloc_alloc(&pa, 1, 1), 0);
}

/* ---- palloc_alloc ----------------------------------------------------------- */

static void alloc_aligned(void **state)
{
	static const uint64_t aligns[] = { 1, 512, 262144 };
	(void)state;

	for (unsigned k = 0; k < sizeof(aligns) / sizeof(aligns[0]); k++) {
		uint64_t align = aligns[k], bytes_align = align * PAGE_SIZE;

		memset(&map, 0, sizeof(map));
		/* Starts one page past a 1 GiB boundary so every alignment but 1
		 * has to skip a head; room for three 1 GiB aligned blocks. */
		add(1 * GIB + PAGE_SIZE, 7 * GIB - PAGE_SIZE, MEM_USABLE);
		assert_int_equal(palloc_init(&pa, &map), 0);
		uint64_t before = pa.free_pages;

		for (uint64_t pages = 1; pages <= 3; pages++) {
			uint64_t a = palloc_alloc(&pa, pages, align);
			assert_int_not_equal(a, 0);
			assert_int_equal(a % bytes_align, 0);
			assert_true(a >= 1 * GIB + PAGE_SIZE);
			assert_true(a + pages * PAGE_SIZE <= 8 * GIB);
			before -= pages;
			assert_int_equal(pa.free_pages, before);
			check_list(&pa);
			/* The allocation is no longer in any free range. */
			for (unsigned i = 0; i < pa.count; i++)
				assert_true(pa.range[i].end <= a ||
					    pa.range[i].start >= a + pages * PAGE_SIZE);
		}
	}
	/* The head skipped for alignment stays free: [1G+4K, 2G) is still there. */
	assert_range(0, 1 * GIB + PAGE_SIZE, 2 * GIB);
}

static void alloc_splits_and_takes_lowest_fit(void **state)
{
	(void)state;
	add(2 * MIB + 4 * PAGE_SIZE, 4 * MIB, MEM_USABLE); /* [2M+16K, 6M+16K) */
	assert_int_equal(palloc_init(&pa, &map), 0);

	/* 2 MiB aligned inside: splits into head and tail. */
	assert_int_equal(palloc_alloc(&pa, 1, 512), 4 * MIB);
	check_list(&pa);
	assert_int_equal(pa.count, 2);
	assert_range(0, 2 * MIB + 4 * PAGE_SIZE, 4 * MIB);
	assert_range(1, 4 * MIB + PAGE_SIZE, 6 * MIB + 4 * PAGE_SIZE);
	/* Unaligned requests come from the front of the lowest range. */
	assert_int_equal(palloc_alloc(&pa, 2, 1), 2 * MIB + 4 * PAGE_SIZE);
	assert_range(0, 2 * MIB + 6 * PAGE_SIZE, 4 * MIB);
	/* A request too big for the first range (506 pages) comes from the
	 * second (515). */
	assert_int_equal(palloc_alloc(&pa, 510, 1), 4 * MIB + PAGE_SIZE);
	check_list(&pa);
}

static void alloc_exhaustion(void **state)
{
	(void)state;
	add(16 * MIB, 64 * PAGE_SIZE, MEM_USABLE);
	add(32 * MIB, 64 * PAGE_SIZE, MEM_USABLE);
	assert_int_equal(palloc_init(&pa, &map), 0);

	/* Neither range alone holds 65 pages, though 128 are free in all. */
	assert_int_equal(palloc_alloc(&pa, 65, 1), 0);
	/* No 2 MiB aligned block of 64 pages... */
	assert_int_equal(palloc_alloc(&pa, 64, 512), 16 * MIB);
	/* ...until the first is gone: 32 MiB is 2 MiB aligned as well. */
	assert_int_equal(palloc_alloc(&pa, 64, 512), 32 * MIB);
	assert_int_equal(pa.free_pages, 0);
	assert_int_equal(pa.count, 0);
	assert_int_equal(palloc_alloc(&pa, 1, 1), 0);
	assert_int_equal(pa.free_pages, 0);

	/* Back one page at a time, then exhaust again page by page. */
	for (unsigned i = 0; i < 64; i++) {
		assert_int_equal(palloc_free(&pa, 16 * MIB + i * PAGE_SIZE, 1), 0);
		assert_int_equal(palloc_free(&pa, 32 * MIB + i * PAGE_SIZE, 1), 0);
	}
	assert_int_equal(pa.count, 2);
	for (unsigned i = 0; i < 128; i++)
		assert_int_not_equal(palloc_alloc(&pa, 1, 1), 0);
	assert_int_equal(palloc_alloc(&pa, 1, 1), 0);
	check_list(&pa);
}

static void alloc_bad_arguments(void **state)
{
	(void)state;
	add(16 * MIB, 16 * MIB, MEM_USABLE);
	assert_int_equal(palloc_init(&pa, &map), 0);
	struct palloc before = pa;

	assert_int_equal(palloc_alloc(&pa, 0, 1), 0);       /* nothing asked */
	assert_int_equal(palloc_alloc(&pa, 1, 0), 0);       /* no alignment */
	assert_int_equal(palloc_alloc(&pa, 1, 3), 0);       /* not a power of two */
	assert_int_equal(palloc_alloc(&pa, 1, 768), 0);
	/* Sizes so large that pages * 4096 wraps must not "fit". */
	assert_int_equal(palloc_alloc(&pa, 1ull << 52, 1), 0);
	assert_int_equal(palloc_alloc(&pa, UINT64_MAX, 1), 0);
	/* An alignment larger than the address space. */
	assert_int_equal(palloc_alloc(&pa, 1, 1ull << 52), 0);
	assert_memory_equal(&pa, &before, sizeof(pa));
}

/* ---- palloc_free ------------------------------------------------------------ */

static void free_invalid(void **state)
{
	(void)state;
	add(16 * MIB, 16 * MIB, MEM_USABLE);
	assert_int_equal(palloc_init(&pa, &map), 0);
	uint64_t a = palloc_alloc(&pa, 8, 1);
	uint64_t b = palloc_alloc(&pa, 8, 1);
	assert_int_equal(a, 16 * MIB);
	assert_int_equal(b, 16 * MIB + 8 * PAGE_SIZE);
	assert_int_equal(palloc_free(&pa, a, 8), 0);
	struct palloc before = pa;

	assert_int_equal(palloc_free(&pa, a, 8), -EINVAL);          /* double free */
	assert_int_equal(palloc_free(&pa, a + PAGE_SIZE, 1), -EINVAL); /* inside a free range */
	assert_int_equal(palloc_free(&pa, 24 * MIB, 4), -EINVAL);   /* never handed out */
	assert_int_equal(palloc_free(&pa, 32 * MIB - PAGE_SIZE, 1), -EINVAL); /* last free page */
	/* Partly allocated: b's last page plus the free page after it. */
	assert_int_equal(palloc_free(&pa, b + 7 * PAGE_SIZE, 2), -EINVAL);
	/* Partly allocated: the free page before b plus b. */
	assert_int_equal(palloc_free(&pa, b - PAGE_SIZE, 9), -EINVAL);
	/* A range that swallows a whole free range (a) and runs into b. */
	assert_int_equal(palloc_free(&pa, a - PAGE_SIZE, 10), -EINVAL);
	assert_int_equal(palloc_free(&pa, b + 1, 1), -EINVAL);      /* unaligned */
	assert_int_equal(palloc_free(&pa, b, 0), -EINVAL);          /* empty */
	/* Wraps around the top of the address space. */
	assert_int_equal(palloc_free(&pa, UINT64_MAX & ~(PAGE_SIZE - 1), 2), -EINVAL);
	assert_int_equal(palloc_free(&pa, PAGE_SIZE, UINT64_MAX / PAGE_SIZE), -EINVAL);
	/* None of that changed anything. */
	assert_memory_equal(&pa, &before, sizeof(pa));
	assert_int_equal(log_stub_count[LOG_ERR], 0);
	/* b is still there to free, once. */
	assert_int_equal(palloc_free(&pa, b, 8), 0);
	assert_int_equal(palloc_free(&pa, b, 8), -EINVAL);
	assert_int_equal(pa.count, 1);
	assert_range(0, 16 * MIB, 32 * MIB);
}

static void free_merges_neighbours(void **state)
{
	(void)state;
	add(16 * MIB, 5 * PAGE_SIZE, MEM_USABLE);
	assert_int_equal(palloc_init(&pa, &map), 0);
	uint64_t p[5];
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(p[i] = palloc_alloc(&pa, 1, 1), 16 * MIB + i * PAGE_SIZE);
	assert_int_equal(pa.count, 0);

	/* No neighbour free: a new range each. */
	assert_int_equal(palloc_free(&pa, p[1], 1), 0);
	assert_int_equal(palloc_free(&pa, p[3], 1), 0);
	assert_int_equal(pa.count, 2);
	/* Joins the previous range only. */
	assert_int_equal(palloc_free(&pa, p[4], 1), 0);
	assert_int_equal(pa.count, 2);
	assert_range(1, p[3], p[4] + PAGE_SIZE);
	/* Joins the next range only. */
	assert_int_equal(palloc_free(&pa, p[0], 1), 0);
	assert_int_equal(pa.count, 2);
	assert_range(0, p[0], p[2]);
	/* Bridges both: three become one. */
	assert_int_equal(palloc_free(&pa, p[2], 1), 0);
	assert_int_equal(pa.count, 1);
	assert_range(0, 16 * MIB, 16 * MIB + 5 * PAGE_SIZE);
	assert_int_equal(pa.free_pages, 5);
	check_list(&pa);
}

/* Fills the list to PALLOC_MAX_RANGES: one range at the end of the pool plus
 * every other page of an allocated block freed. The pool starts one page
 * past 16 MiB so that no free page and not the tail's start is 2 MiB
 * aligned. Returns the first page of the block; its odd pages stay
 * allocated. */
static uint64_t fill_range_list(void)
{
	uint64_t pages = 2 * PALLOC_MAX_RANGES;

	add(16 * MIB + PAGE_SIZE, (pages + 1024) * PAGE_SIZE, MEM_USABLE);
	assert_int_equal(palloc_init(&pa, &map), 0);
	uint64_t block = palloc_alloc(&pa, pages, 1);
	assert_int_equal(block, 16 * MIB + PAGE_SIZE);
	for (unsigned i = 0; i < PALLOC_MAX_RANGES - 1; i++)
		assert_int_equal(palloc_free(&pa, block + 2 * i * PAGE_SIZE, 1), 0);
	assert_int_equal(pa.count, PALLOC_MAX_RANGES);
	check_list(&pa);
	return block;
}

static void free_into_full_list(void **state)
{
	(void)state;
	uint64_t block = fill_range_list();
	struct palloc before = pa;
	/* The last even page has no free neighbour: it needs a new range. */
	uint64_t last = block + 2 * (PALLOC_MAX_RANGES - 1) * PAGE_SIZE;
	assert_int_equal(palloc_free(&pa, last, 1), -ENOSPC);
	assert_memory_equal(&pa, &before, sizeof(pa));
	/* A page next to a free one still merges in a full list. */
	assert_int_equal(palloc_free(&pa, block + PAGE_SIZE, 1), 0);
	assert_int_equal(pa.count, PALLOC_MAX_RANGES - 1);
	check_list(&pa);
}

static void alloc_cannot_split_full_list(void **state)
{
	(void)state;
	uint64_t block = fill_range_list();
	/* The only 2 MiB aligned fit (26 MiB) is inside the last range and not
	 * at its start: taking it needs a new range for the tail, and there is
	 * no room. The allocator must undo and find nothing rather than lose
	 * the tail. */
	assert_int_equal(pa.range[pa.count - 1].start, 24 * MIB + PAGE_SIZE);
	struct palloc before = pa;
	assert_int_equal(palloc_alloc(&pa, 1, 512), 0);
	assert_memory_equal(&pa, &before, sizeof(pa));
	/* From the front of a range needs no new one and still works. */
	assert_int_equal(palloc_alloc(&pa, 1, 1), block);
	assert_int_equal(pa.count, PALLOC_MAX_RANGES - 1);
	/* Now there is room to split. */
	assert_int_equal(palloc_alloc(&pa, 1, 512), 26 * MIB);
	check_list(&pa);
}

/* Freeing memory the allocator never owned (below 1 MiB, a reserved hole,
 * beyond the pool) is "a range never handed out" as palloc.h promises to
 * refuse: accepting it would put firmware or hypervisor memory into the
 * pool. */
static void free_outside_pool(void **state)
{
	(void)state;
	add(0, 640 * KIB, MEM_USABLE);
	add(16 * MIB, 16 * MIB, MEM_USABLE);
	add(32 * MIB, 1 * MIB, MEM_RESERVED);
	add(33 * MIB, 15 * MIB, MEM_USABLE);
	assert_int_equal(palloc_init(&pa, &map), 0);
	assert_int_equal(palloc_alloc(&pa, 4096, 1), 16 * MIB); /* all of [16M, 32M) */
	struct palloc before = pa;

	assert_int_equal(palloc_free(&pa, 0, 1), -EINVAL);          /* page 0 */
	assert_int_equal(palloc_free(&pa, 512 * KIB, 1), -EINVAL);  /* usable, below 1 MiB */
	assert_int_equal(palloc_free(&pa, 32 * MIB, 1), -EINVAL);   /* the reserved hole */
	/* The last allocated page plus the reserved page after it. */
	assert_int_equal(palloc_free(&pa, 32 * MIB - PAGE_SIZE, 2), -EINVAL);
	assert_int_equal(palloc_free(&pa, 1 * GIB, 1), -EINVAL);    /* beyond the map */
	assert_memory_equal(&pa, &before, sizeof(pa));
}

/* Overlapping usable regions (a firmware bug) must not make the pool larger
 * than the usable memory nor break the list. */
static void init_overlapping_regions(void **state)
{
	(void)state;
	add(16 * MIB, 16 * MIB, MEM_USABLE);
	add(16 * MIB, 16 * MIB, MEM_USABLE);  /* duplicate */
	add(24 * MIB, 4 * MIB, MEM_USABLE);   /* nested */
	add(64 * MIB, 4 * MIB, MEM_USABLE);

	unsigned dropped = palloc_init(&pa, &map);
	check_list(&pa);
	assert_true(dropped <= 2);
	assert_int_equal(pa.count, 2);
	assert_range(0, 16 * MIB, 32 * MIB);
	assert_range(1, 64 * MIB, 68 * MIB);
}

/* ---- randomized churn against a page bitmap ---------------------------------- */

/* The pool spans [0, WINDOW): every page is "not ours", free or allocated. */
#define WINDOW (48 * MIB)
#define NPAGES (WINDOW / PAGE_SIZE)
enum { NOT_OURS, FREE, USED };

struct live {
	uint64_t base, pages;
};

static uint8_t model[NPAGES];
static struct live live[8192];
static unsigned nlive;

/* xorshift64*: fixed seed, so a failure reproduces. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
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

/* The model's answer to "is there an aligned run of `pages` free pages". */
static bool model_fits(uint64_t pages, uint64_t align)
{
	for (uint64_t p = 0; p + pages <= NPAGES; p += align) {
		uint64_t n = 0;
		while (n < pages && model[p + n] == FREE)
			n++;
		if (n == pages)
			return true;
	}
	return false;
}

/* The free list and the bitmap say the same thing, page for page. */
static void check_against_model(void)
{
	uint64_t free_pages = 0, p = 0;

	check_list(&pa);
	for (unsigned i = 0; i < pa.count; i++) {
		uint64_t s = pa.range[i].start / PAGE_SIZE, e = pa.range[i].end / PAGE_SIZE;
		assert_true(e <= NPAGES);
		for (; p < s; p++)
			assert_int_not_equal(model[p], FREE);
		for (; p < e; p++)
			assert_int_equal(model[p], FREE);
	}
	for (; p < NPAGES; p++)
		assert_int_not_equal(model[p], FREE);
	for (p = 0; p < NPAGES; p++)
		free_pages += model[p] == FREE;
	assert_int_equal(pa.free_pages, free_pages);
}

static void do_alloc(void)
{
	static const uint64_t aligns[] = { 1, 1, 1, 1, 2, 4, 16, 64, 512 };
	uint64_t pages = rnd_below(8) ? 1 + rnd_below(16) : 1 + rnd_below(1024);
	uint64_t align = aligns[rnd_below(sizeof(aligns) / sizeof(aligns[0]))];
	uint64_t a = palloc_alloc(&pa, pages, align);

	if (!a) {
		/* Only when nothing fits (the list never fills up here). */
		assert_true(pa.count < PALLOC_MAX_RANGES);
		assert_false(model_fits(pages, align));
		return;
	}
	assert_int_equal(a % (align * PAGE_SIZE), 0);
	uint64_t first = a / PAGE_SIZE;
	assert_true(first + pages <= NPAGES);
	for (uint64_t i = 0; i < pages; i++) {
		/* Never overlaps a live allocation, never leaves usable memory. */
		assert_int_equal(model[first + i], FREE);
		model[first + i] = USED;
	}
	assert_true(nlive < sizeof(live) / sizeof(live[0]));
	live[nlive++] = (struct live){ a, pages };
}

static void forget_live(unsigned i)
{
	live[i] = live[--nlive];
}

static void do_free(void)
{
	unsigned i = (unsigned)rnd_below(nlive);
	struct live l = live[i];

	/* Sometimes give back only a part: the allocator does not remember
	 * allocation boundaries, any allocated page range may be freed. */
	if (l.pages > 1 && !rnd_below(4)) {
		uint64_t cut = 1 + rnd_below(l.pages - 1);
		assert_int_equal(palloc_free(&pa, l.base, cut), 0);
		for (uint64_t k = 0; k < cut; k++)
			model[l.base / PAGE_SIZE + k] = FREE;
		live[i].base += cut * PAGE_SIZE;
		live[i].pages -= cut;
		return;
	}
	assert_int_equal(palloc_free(&pa, l.base, l.pages), 0);
	for (uint64_t k = 0; k < l.pages; k++)
		model[l.base / PAGE_SIZE + k] = FREE;
	forget_live(i);
}

/* A free that must be refused because part of it is free (or not ours):
 * the list must not change. */
static void do_bad_free(void)
{
	uint64_t p = rnd_below(NPAGES), n = 1 + rnd_below(8);
	bool any_free = false;

	if (p + n > NPAGES)
		return;
	for (uint64_t k = 0; k < n; k++)
		any_free |= model[p + k] == FREE;
	if (!any_free)
		return; /* would be a legal (or undetectable) free */
	uint64_t before_pages = pa.free_pages;
	unsigned before_count = pa.count;
	assert_int_equal(palloc_free(&pa, p * PAGE_SIZE, n), -EINVAL);
	assert_int_equal(pa.free_pages, before_pages);
	assert_int_equal(pa.count, before_count);
}

/* palloc_alloc_range: only inside [min, max), aligned, the lowest fit. */
static void alloc_range_bounds(void **state)
{
	(void)state;
	add(1 * MIB, 7 * MIB, MEM_USABLE);  /* [1M, 8M) */
	add(4 * GIB, 2 * GIB, MEM_USABLE);  /* [4G, 6G) */
	palloc_init(&pa, &map);
	uint64_t before = pa.free_pages;

	uint64_t high = palloc_alloc_range(&pa, 1, 1, 4 * GIB, UINT64_MAX);
	assert_int_equal(high, 4 * GIB);
	uint64_t mid = palloc_alloc_range(&pa, 2, 2, 5 * MIB + 4 * KIB, 6 * MIB);
	assert_int_equal(mid, 5 * MIB + 8 * KIB); /* aligned up inside the window */
	/* Nothing fits: window too small, or in a hole. */
	assert_int_equal(palloc_alloc_range(&pa, 256, 1, 5 * MIB, 6 * MIB), 0);
	assert_int_equal(palloc_alloc_range(&pa, 1, 1, 8 * MIB, 4 * GIB), 0);
	assert_int_equal(palloc_alloc_range(&pa, 1, 1, 6 * MIB, 6 * MIB), 0);
	/* A 1 GiB-aligned GiB exists only above 4G. */
	uint64_t gib = palloc_alloc_range(&pa, GIB / PAGE_SIZE, GIB / PAGE_SIZE, 0, UINT64_MAX);
	assert_int_equal(gib, 5 * GIB);
	check_list(&pa);
	assert_int_equal(palloc_free(&pa, high, 1), 0);
	assert_int_equal(palloc_free(&pa, mid, 2), 0);
	assert_int_equal(palloc_free(&pa, gib, GIB / PAGE_SIZE), 0);
	assert_int_equal(pa.free_pages, before);
	assert_int_equal(pa.count, 2);
}

static void churn_matches_bitmap_model(void **state)
{
	(void)state;
	/* Low memory, a hole, usable regions with reserved ones and odd-sized
	 * gaps in between; one usable region unaligned (skipped). */
	add(0, 640 * KIB, MEM_USABLE);
	add(640 * KIB, 384 * KIB, MEM_RESERVED);
	add(1 * MIB, 7 * MIB, MEM_USABLE);
	add(8 * MIB, 3 * PAGE_SIZE, MEM_ACPI_NVS);
	add(8 * MIB + 3 * PAGE_SIZE, 12 * MIB - 3 * PAGE_SIZE, MEM_USABLE);
	add(20 * MIB, 1 * MIB, MEM_MMIO);
	add(21 * MIB + 100, 2 * MIB, MEM_USABLE); /* unaligned: skipped */
	add(24 * MIB, 4 * MIB + 5 * PAGE_SIZE, MEM_USABLE);
	add(30 * MIB, 2 * MIB, MEM_BOOT_SERVICES);
	add(32 * MIB, 16 * MIB, MEM_USABLE);

	/* The bitmap's own idea of what palloc_init should take. */
	memset(model, NOT_OURS, sizeof(model));
	for (unsigned i = 0; i < map.count; i++) {
		const struct mem_region *r = &map.region[i];
		if (r->type != MEM_USABLE || r->base % PAGE_SIZE)
			continue;
		for (uint64_t k = 0; k < r->pages; k++)
			if (r->base + k * PAGE_SIZE >= PALLOC_LOW_LIMIT)
				model[r->base / PAGE_SIZE + k] = FREE;
	}
	assert_int_equal(palloc_init(&pa, &map), 0);
	check_against_model();
	static struct palloc initial;
	initial = pa;
	nlive = 0;

	for (unsigned op = 0; op < 6000; op++) {
		uint64_t r = rnd_below(100);
		if (r < 50 || nlive == 0)
			do_alloc();
		else if (r < 95)
			do_free();
		else
			do_bad_free();
		check_against_model();
	}
	/* Free everything left, in random order. */
	while (nlive) {
		do_free();
		check_against_model();
	}
	/* Back to exactly the ranges palloc_init made. */
	assert_int_equal(pa.count, initial.count);
	assert_int_equal(pa.free_pages, initial.free_pages);
	assert_memory_equal(pa.range, initial.range, pa.count * sizeof(pa.range[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(init_takes_only_usable, reset),
		cmocka_unit_test_setup(init_nothing_below_1mib, reset),
		cmocka_unit_test_setup(init_skips_unaligned, reset),
		cmocka_unit_test_setup(init_sorts_and_merges, reset),
		cmocka_unit_test_setup(init_empty_map, reset),
		cmocka_unit_test_setup(init_overlapping_regions, reset),
		cmocka_unit_test_setup(alloc_aligned, reset),
		cmocka_unit_test_setup(alloc_splits_and_takes_lowest_fit, reset),
		cmocka_unit_test_setup(alloc_exhaustion, reset),
		cmocka_unit_test_setup(alloc_bad_arguments, reset),
		cmocka_unit_test_setup(free_invalid, reset),
		cmocka_unit_test_setup(free_merges_neighbours, reset),
		cmocka_unit_test_setup(free_into_full_list, reset),
		cmocka_unit_test_setup(alloc_cannot_split_full_list, reset),
		cmocka_unit_test_setup(free_outside_pool, reset),
		cmocka_unit_test_setup(alloc_range_bounds, reset),
		cmocka_unit_test_setup(churn_matches_bitmap_model, reset),
	};
	return cmocka_run_group_tests_name("palloc", tests, NULL, NULL);
}
