/* Allocation of interrupt remapping table entries (VT-d 4.1, 5.1 and
 * 11.4.19) in naturally aligned blocks.
 *
 * A table holds 2^(S + 1) entries, S being IRTA.S (0..15: 2 to 65536
 * entries). A device's MSIs take a block of `count` entries, count a power
 * of two up to 32 (the most vectors a multi-message MSI can have): its
 * remappable MSI names the block's first entry as handle with SHV = 1, and
 * the device adds the vector number to the data (the subhandle), so entry
 * handle + subhandle is used. The block is aligned to `count`, as the
 * device's modifying the data's low bits requires. MSI-X vectors have their
 * own address/data each and take blocks of 1.
 *
 * Each block belongs to an owner (a guest, or the hypervisor), and only
 * the owner may free it, with the count it was allocated with.
 *
 * The lowest free aligned block is handed out, so allocation is
 * deterministic. Before a block is freed the caller must have cleared its
 * entries and invalidated the interrupt entry cache for them.
 *
 * No allocation: the per-entry record is the caller's array. Not locked:
 * the table's owner serialises calls. */
#ifndef IOMMU_IRQ_REMAP_ALLOC_H
#define IOMMU_IRQ_REMAP_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#define IRQ_REMAP_MAX_S        15
#define IRQ_REMAP_MAX_ENTRIES  (1u << (IRQ_REMAP_MAX_S + 1))   /* 65536 */
#define IRQ_REMAP_MAX_BLOCK    32u
/* The entries of a table whose IRTA.S is `s`. */
#define IRQ_REMAP_ENTRIES(s)   (1u << ((s) + 1))
/* The owner of a free entry, and an owner nobody may have. */
#define IRQ_REMAP_OWNER_NONE   UINT32_MAX

/* What the allocator records per entry (the caller's array, one per
 * entry). */
struct irq_remap_slot {
	uint32_t owner;        /* IRQ_REMAP_OWNER_NONE when free */
	uint8_t block_log2;    /* log2 of the block's count, at its first entry */
	uint8_t first;         /* 1 at a block's first entry */
	uint16_t reserved;
};

struct irq_remap_alloc {
	uint32_t entries;
	uint32_t in_use;
	struct irq_remap_slot *slots;
	/* Set: allocated, or beyond `entries` in the last word. */
	uint64_t used[IRQ_REMAP_MAX_ENTRIES / 64];
};

/* Sets up an allocator over a table of IRQ_REMAP_ENTRIES(irta_s) entries,
 * all free, recording into `slots` (nslots >= that many). 0, or -EINVAL
 * when irta_s > 15 or the array is too small. */
int irq_remap_alloc_init(struct irq_remap_alloc *a, unsigned irta_s,
			 struct irq_remap_slot *slots, size_t nslots);

/* Allocates the lowest free block of `count` entries aligned to `count`
 * for `owner`, its first index in *first. 0; -EINVAL when count is not a
 * power of two from 1 to 32 or owner is IRQ_REMAP_OWNER_NONE; -ENOSPC
 * when no aligned block is free (*first is then left alone). */
int irq_remap_alloc(struct irq_remap_alloc *a, unsigned count, uint32_t owner,
		    uint16_t *first);

/* Frees the block allocated at `first` with `count` for `owner`. 0, or
 * -EINVAL when `first` is not the first entry of an allocated block (a
 * double free, an index inside a block, beyond the table), `count` is not
 * the block's, or `owner` is not its owner; the block is then left alone. */
int irq_remap_free(struct irq_remap_alloc *a, uint32_t first, unsigned count,
		   uint32_t owner);

/* The owner of entry `index`: IRQ_REMAP_OWNER_NONE when it is free or
 * beyond the table. */
uint32_t irq_remap_owner(const struct irq_remap_alloc *a, uint32_t index);

/* How many entries are free (not how large a block would fit). */
uint32_t irq_remap_free_count(const struct irq_remap_alloc *a);

#endif
