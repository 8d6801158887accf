/* IOVA allocator: one per DMA domain, hands out page-granular ranges of
 * device-visible addresses inside [base, limit] (limit = the device's DMA
 * mask). Plain data, no hardware access and no malloc, so the same code runs
 * in the hypervisor and in host unit tests.
 *
 * Structure: two AVL trees over caller-provided nodes, both keyed by start.
 *   - the free tree holds the free ranges, always coalesced (two free ranges
 *     never touch), each node augmented with the largest free range in its
 *     subtree, so a fitting range is found by one descent;
 *   - the allocation tree holds the live allocations, so a free is checked
 *     to be exactly one live allocation by one lookup.
 * Reserved ranges are in neither tree: reserving only removes free space, so
 * a reservation costs no node and can never be freed or handed out.
 * Every operation is O(log n) in the number of nodes in use.
 *
 * Policy: the lowest aligned address where the request fits. With an
 * alignment above 4 KiB a free range can be long enough yet not hold an
 * aligned block; the search looks at no more than IOVA_ALIGN_PROBES such
 * ranges (each found in O(log n)) and then takes the lowest range of at
 * least size + align - 4 KiB, which always fits. With 4 KiB alignment every
 * long-enough range fits, so this is exactly lowest-address first fit and
 * -ENOSPC means no free range is long enough.
 *
 * Node capacity: a space with A live allocations and R reserve calls uses at
 * most 2A + R + 1 nodes (A allocation nodes; free ranges are the gaps between
 * used runs, at most A + R + 1). IOVA_NODES(A, R) is that bound; with it no
 * call ever fails with -ENOMEM. Fewer nodes work too: an allocation needs at
 * most two spare nodes and fails with -ENOMEM, changing nothing, when they
 * are not there. iova_free never needs a node and never fails for lack of
 * one.
 *
 * Addresses are kept as page frame numbers (at most 2^52), so any limit up to
 * ~0ull works without overflow. Not thread safe: the caller serialises.
 */
#ifndef IOMMU_IOVA_H
#define IOMMU_IOVA_H

#include <stddef.h>
#include <stdint.h>

#define IOVA_PAGE_SHIFT 12
#define IOVA_PAGE_SIZE (1ull << IOVA_PAGE_SHIFT)

/* Misaligned candidate ranges an aligned allocation examines before it
 * falls back to the lowest range of at least size + align - 4 KiB. */
#define IOVA_ALIGN_PROBES 32

/* Nodes that always suffice for `allocs` live allocations after `reserves`
 * iova_reserve calls. */
#define IOVA_NODES(allocs, reserves) (2 * (size_t)(allocs) + (size_t)(reserves) + 1)

/* Opaque to callers; declared here so they can provide the storage. */
struct iova_node {
	uint64_t start;     /* first page frame (IOVA >> 12) */
	uint64_t pages;     /* length in pages, >= 1 */
	uint64_t max_pages; /* largest `pages` in this subtree */
	struct iova_node *left, *right;
	int height;         /* of this subtree; a leaf is 1 */
};

struct iova_space {
	uint64_t base_pfn, last_pfn;  /* the space, inclusive, in page frames */
	struct iova_node *free_root;  /* free ranges, coalesced */
	struct iova_node *alloc_root; /* live allocations */
	struct iova_node *pool;       /* unused nodes, chained through left */
	size_t capacity;              /* nodes given to iova_init */
	size_t nodes_used;
	size_t allocs;                /* live allocations */
	size_t free_ranges;
	uint64_t free_pages;
};

struct iova_stats {
	size_t live;          /* live allocations */
	size_t free_ranges;   /* maximal runs of free pages */
	uint64_t free_pages;
	/* free_pages * 4 KiB; saturates at UINT64_MAX only when the whole of
	 * [0, 2^64) is free (2^64 bytes do not fit). */
	uint64_t free_bytes;
	size_t nodes_used, nodes_total;
	int free_height, alloc_height; /* of the two trees; 0 when empty */
};

/* The space [base, limit]: base a multiple of 4 KiB, limit + 1 a multiple
 * of 4 KiB (or limit = ~0ull), base <= limit. Pass base = 4096 to keep IOVA
 * 0 unused as a poison value. `nodes` (`count` of them, >= 1) belong to the
 * space until it is dropped; their contents need no initialisation.
 * Returns 0 or -EINVAL. */
int iova_init(struct iova_space *s, uint64_t base, uint64_t limit,
	      struct iova_node *nodes, size_t count);

/* Allocates `size` bytes (a nonzero multiple of 4 KiB) at an IOVA that is a
 * multiple of `align` (a power of two, >= 4 KiB), inside [base, limit], and
 * stores it in *out. Returns 0, -EINVAL for a bad size or alignment,
 * -ENOSPC when it does not fit (see the policy above), -ENOMEM when nodes
 * run out. On failure nothing changes and *out is not written. */
int iova_alloc(struct iova_space *s, uint64_t size, uint64_t align, uint64_t *out);

/* Frees [iova, iova + size), which must be exactly one live allocation: the
 * IOVA and size iova_alloc gave. Returns 0, or -EINVAL (and changes nothing)
 * for anything else: a double free, part of an allocation or more than one,
 * a range never allocated or reserved. */
int iova_free(struct iova_space *s, uint64_t iova, uint64_t size);

/* Takes the pages that [start, start + size) touches out of the space for
 * good (e.g. the interrupt window 0xFEE00000-0xFEEFFFFF). The part outside
 * [base, limit] is ignored, so a range beyond a small mask is a no-op.
 * Pages already reserved may be reserved again. Returns 0, -EINVAL for
 * size 0 or a range that wraps past 2^64, -EBUSY when a page of it is
 * allocated, -ENOMEM when a free range must be split and no node is left;
 * on failure nothing changes. */
int iova_reserve(struct iova_space *s, uint64_t start, uint64_t size);

void iova_stats(const struct iova_space *s, struct iova_stats *st);

#endif
