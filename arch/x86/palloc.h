/* Physical page allocator: a sorted list of free ranges of conventional
 * memory. Plain data, no hardware access, so it is unit tested on the host. */
#ifndef ARCH_X86_PALLOC_H
#define ARCH_X86_PALLOC_H

#include <stdint.h>

#include "arch/x86/memmap.h"

#define PALLOC_MAX_RANGES 1024
/* Pages below 1 MiB stay with real-mode users (the SMP trampoline). */
#define PALLOC_LOW_LIMIT 0x100000ull

struct palloc_range {
	uint64_t start, end; /* [start, end), page aligned */
};

struct palloc {
	unsigned count;
	uint64_t free_pages;
	struct palloc_range range[PALLOC_MAX_RANGES];
	/* What init took: a free must lie inside it. */
	unsigned pool_count;
	struct palloc_range pool[MEMMAP_MAX_REGIONS];
};

/* Takes every MEM_USABLE region of the map (above PALLOC_LOW_LIMIT) and
 * nothing else. Returns the number of ranges dropped for lack of room. */
unsigned palloc_init(struct palloc *pa, const struct memmap *map);

/* `pages` pages aligned to `align_pages` (a power of two); 0 when none fit. */
uint64_t palloc_alloc(struct palloc *pa, uint64_t pages, uint64_t align_pages);

/* The same, lying wholly inside [min, max). */
uint64_t palloc_alloc_range(struct palloc *pa, uint64_t pages, uint64_t align_pages,
			    uint64_t min, uint64_t max);

/* Returns 0, or -EINVAL when the range is not wholly allocated (a double free
 * or a range never handed out), -ENOSPC when the range list is full. */
int palloc_free(struct palloc *pa, uint64_t base, uint64_t pages);

#endif
