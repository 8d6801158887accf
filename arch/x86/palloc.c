#include "arch/x86/palloc.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static void remove_range(struct palloc *pa, unsigned i)
{
	memmove(&pa->range[i], &pa->range[i + 1],
		(pa->count - i - 1) * sizeof(pa->range[0]));
	pa->count--;
}

static int insert_range(struct palloc *pa, unsigned i, uint64_t start, uint64_t end)
{
	if (pa->count == PALLOC_MAX_RANGES)
		return -ENOSPC;
	memmove(&pa->range[i + 1], &pa->range[i],
		(pa->count - i) * sizeof(pa->range[0]));
	pa->range[i] = (struct palloc_range){ start, end };
	pa->count++;
	return 0;
}

static bool fits(uint64_t pages, uint64_t base)
{
	return pages && pages <= (UINT64_MAX - base) / PAGE_SIZE;
}

/* Adds [start, end) to the free list, merging with its neighbours. */
static int add_free(struct palloc *pa, uint64_t start, uint64_t pages)
{
	uint64_t end = start + pages * PAGE_SIZE;
	unsigned i = 0;

	if (!fits(pages, start) || start % PAGE_SIZE)
		return -EINVAL;
	while (i < pa->count && pa->range[i].start < start)
		i++;
	/* Overlap with a free neighbour means it was not allocated. */
	if ((i > 0 && pa->range[i - 1].end > start) ||
	    (i < pa->count && pa->range[i].start < end))
		return -EINVAL;

	bool merge_prev = i > 0 && pa->range[i - 1].end == start;
	bool merge_next = i < pa->count && pa->range[i].start == end;
	if (merge_prev && merge_next) {
		pa->range[i - 1].end = pa->range[i].end;
		remove_range(pa, i);
	} else if (merge_prev) {
		pa->range[i - 1].end = end;
	} else if (merge_next) {
		pa->range[i].start = start;
	} else {
		int err = insert_range(pa, i, start, end);
		if (err)
			return err;
	}
	pa->free_pages += pages;
	return 0;
}

int palloc_free(struct palloc *pa, uint64_t start, uint64_t pages)
{
	if (!fits(pages, start))
		return -EINVAL;
	for (unsigned i = 0; i < pa->pool_count; i++)
		if (start >= pa->pool[i].start && start < pa->pool[i].end &&
		    pages <= (pa->pool[i].end - start) / PAGE_SIZE)
			return add_free(pa, start, pages);
	return -EINVAL;
}

unsigned palloc_init(struct palloc *pa, const struct memmap *map)
{
	unsigned dropped = 0;

	memset(pa, 0, sizeof(*pa));
	for (unsigned i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->region[i];
		uint64_t start = r->base, end = mem_region_end(r);

		if (r->type != MEM_USABLE || end <= PALLOC_LOW_LIMIT)
			continue;
		if (start < PALLOC_LOW_LIMIT)
			start = PALLOC_LOW_LIMIT;
		/* Firmware maps are page-granular; anything else is skipped. */
		if (start % PAGE_SIZE || end % PAGE_SIZE)
			continue;
		if (add_free(pa, start, (end - start) / PAGE_SIZE))
			dropped++;
	}
	memcpy(pa->pool, pa->range, pa->count * sizeof(pa->range[0]));
	pa->pool_count = pa->count;
	return dropped;
}

uint64_t palloc_alloc_range(struct palloc *pa, uint64_t pages, uint64_t align_pages,
			    uint64_t min, uint64_t max)
{
	if (!fits(pages, 0) || !fits(align_pages, 0) || (align_pages & (align_pages - 1)))
		return 0;
	uint64_t align = align_pages * PAGE_SIZE, size = pages * PAGE_SIZE;

	for (unsigned i = 0; i < pa->count; i++) {
		struct palloc_range *r = &pa->range[i];
		uint64_t from = r->start > min ? r->start : min;
		uint64_t base = (from + align - 1) & ~(align - 1);
		uint64_t end = r->end < max ? r->end : max;

		if (base < from || base >= end || end - base < size)
			continue;
		uint64_t tail_start = base + size, tail_end = r->end;
		if (base == r->start && tail_start == tail_end) {
			remove_range(pa, i);
		} else if (base == r->start) {
			r->start = tail_start;
		} else {
			r->end = base;
			if (tail_start != tail_end &&
			    insert_range(pa, i + 1, tail_start, tail_end)) {
				r->end = tail_end; /* no room to split: undo */
				continue;
			}
		}
		pa->free_pages -= pages;
		return base;
	}
	return 0;
}

uint64_t palloc_alloc(struct palloc *pa, uint64_t pages, uint64_t align_pages)
{
	return palloc_alloc_range(pa, pages, align_pages, 0, UINT64_MAX);
}
