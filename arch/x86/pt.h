/* Radix page tables with 512 eight-byte entries per 4 KiB table, driven by a
 * format description so that one engine builds the hypervisor's own x86-64
 * tables (Intel SDM Vol. 3A, 4.5), nested tables later, and VT-d
 * second-level tables (iommu/vtd_sl.h). Written against plain memory
 * through callbacks so the same code runs in the host unit tests. */
#ifndef ARCH_X86_PT_H
#define ARCH_X86_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x86-64 paging entry bits. */
#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7) /* leaf at PDPT (1G) or PD (2M) level */
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Attributes a caller may ask for on an x86 leaf; P and PS are the mapper's
 * business. */
#define PT_FLAGS_ALLOWED (PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)

#define PT_MAX_LEVELS 5
#define PT_ENTRIES 512
#define PT_SIZE_4K (1ull << 12)
#define PT_SIZE_2M (1ull << 21)
#define PT_SIZE_1G (1ull << 30)

/* Levels are counted from the leaf: 0 maps 4K, 1 maps 2M, 2 maps 1G. */
struct pt_format {
	unsigned levels;             /* 3, 4 or 5: the VA is 12 + 9 * levels bits */
	uint64_t present;            /* an entry is present when any of these bits is set */
	uint64_t table_flags;        /* bits of an entry pointing at a table */
	uint64_t leaf_flags_allowed; /* what callers may ask for on a leaf */
	uint64_t leaf_always;        /* bits every leaf carries (x86: P) */
	uint64_t large_leaf;         /* bit marking a leaf above level 0 (PS) */
	unsigned large_levels;       /* bit L set: leaves allowed at level L (1 = 2M, 2 = 1G);
				      * levels 1..n, since a split needs the level below */
	uint64_t addr_mask;          /* the address field of every entry */
};

/* x86-64 4-level paging with 2M leaves. Where CPUID.80000001H:EDX[26]
 * (Page1GB) is set, a copy with large_levels |= 1u << 2 adds 1G leaves. */
extern const struct pt_format pt_format_x86_4level;

struct pt_env {
	/* A zeroed table page, 0 if none. */
	uint64_t (*alloc_table)(void *ctx);
	/* Called only once no table entry points at phys any more (the entry
	 * cleared and flushed); the caller may defer the real free until after
	 * its TLB/IOTLB invalidation, since a walker may still cache it. */
	void (*free_table)(void *ctx, uint64_t phys);
	uint64_t *(*table_ptr)(void *ctx, uint64_t phys);
	/* May be NULL. Makes [p, p + len) of a table visible to a walker that
	 * does not snoop the CPU caches (VT-d ECAP.C=0: clflush). Called after
	 * every write of entries of a reachable table, and for every new table
	 * as a whole before the entry linking it is written, so that a walker
	 * never reaches a table whose contents it cannot see. */
	void (*flush)(void *ctx, const void *p, size_t len);
	void *ctx;
};

struct pt {
	const struct pt_format *fmt; /* must outlive the tree */
	const struct pt_env *env;
	uint64_t root;   /* physical address of the top-level table */
	unsigned tables; /* table pages in use, root included */
	/* Present entries (leaves or links) overwritten or cleared so far. If
	 * a pt_map left it unchanged, the map only filled entries that were
	 * not present, which a TLB/IOTLB does not cache (VT-d with CAP.CM=0):
	 * no invalidation is needed, only (VT-d CAP.RWBF) a write-buffer
	 * flush. */
	unsigned long replaced;
};

/* Allocates the (empty) root. -EINVAL for an unusable format, -ENOMEM. */
int pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_env *env);

/* The first VA beyond the tree's reach: 1 << (12 + 9 * levels); 0 without
 * a root (pt_init failed, or after pt_destroy). */
uint64_t pt_va_limit(const struct pt *pt);

/* Maps [va, va + size) to [pa, pa + size) with the largest leaves alignment
 * and the format allow, replacing whatever was mapped there: large leaves
 * are split (their other parts keep their translation), and a subtree that a
 * new large leaf covers is freed (so remapping a whole aligned range merges
 * it back into one leaf). A page already mapped exactly so is left alone
 * (no split, nothing written). va, pa, size must be 4K aligned, the range
 * below pt_va_limit(), pa within the format's address field, flags within
 * leaf_flags_allowed and (with leaf_always) present. Returns 0 or
 * -EINVAL/-ENOMEM; after -ENOMEM part of the range may be mapped, and the
 * tree is consistent. */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);

/* Unmaps [va, va + size), splitting large leaves and freeing tables that
 * become empty. -ENOMEM only where a large leaf had to be split. */
int pt_unmap(struct pt *pt, uint64_t va, uint64_t size);

/* Translates va. Returns 0 and fills the outputs (any may be NULL; flags are
 * the leaf's bits within leaf_flags_allowed), or -ENOENT when va is not
 * mapped or beyond pt_va_limit(). */
int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *flags,
	      uint64_t *leaf_size);

/* Frees every table, root included. No walker may be using the tree. */
void pt_destroy(struct pt *pt);

#endif
