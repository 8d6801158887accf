/* See irq_remap_alloc.h. */
#include "iommu/irq_remap_alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* A block of count <= 32 entries aligned to count lies within one 64-bit
 * word of the bitmap. */
_Static_assert(IRQ_REMAP_MAX_BLOCK <= 64, "a block must fit one bitmap word");

static uint64_t block_mask(unsigned count, unsigned bit)
{
	return (count == 64 ? ~0ull : (1ull << count) - 1) << bit;
}

static int log2_block(unsigned count)
{
	if (count == 0 || count > IRQ_REMAP_MAX_BLOCK || (count & (count - 1)))
		return -1;
	return __builtin_ctz(count);
}

int irq_remap_alloc_init(struct irq_remap_alloc *a, unsigned irta_s,
			 struct irq_remap_slot *slots, size_t nslots)
{
	if (irta_s > IRQ_REMAP_MAX_S || !slots || nslots < IRQ_REMAP_ENTRIES(irta_s))
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->entries = IRQ_REMAP_ENTRIES(irta_s);
	a->slots = slots;
	for (uint32_t i = 0; i < a->entries; i++)
		slots[i] = (struct irq_remap_slot){ .owner = IRQ_REMAP_OWNER_NONE };
	/* Tables of 2 to 32 entries: the rest of the only word is taken. */
	if (a->entries < 64)
		a->used[0] = ~0ull << a->entries;
	return 0;
}

int irq_remap_alloc(struct irq_remap_alloc *a, unsigned count, uint32_t owner,
		    uint16_t *first)
{
	int order = log2_block(count);

	if (order < 0 || owner == IRQ_REMAP_OWNER_NONE)
		return -EINVAL;
	uint32_t words = (a->entries + 63) / 64;

	for (uint32_t w = 0; w < words; w++) {
		uint64_t used = a->used[w];

		if (used == ~0ull)
			continue;
		for (unsigned bit = 0; bit < 64; bit += count) {
			uint64_t mask = block_mask(count, bit);

			if (used & mask)
				continue;
			uint32_t start = w * 64 + bit;

			a->used[w] |= mask;
			for (unsigned i = 0; i < count; i++)
				a->slots[start + i] = (struct irq_remap_slot){ .owner = owner };
			a->slots[start].block_log2 = (uint8_t)order;
			a->slots[start].first = 1;
			a->in_use += count;
			*first = (uint16_t)start;
			return 0;
		}
	}
	return -ENOSPC;
}

int irq_remap_free(struct irq_remap_alloc *a, uint32_t first, unsigned count,
		   uint32_t owner)
{
	int order = log2_block(count);

	if (order < 0 || first >= a->entries)
		return -EINVAL;
	struct irq_remap_slot *s = &a->slots[first];

	if (!s->first || s->owner == IRQ_REMAP_OWNER_NONE || s->block_log2 != order ||
	    s->owner != owner)
		return -EINVAL;
	a->used[first / 64] &= ~block_mask(count, first % 64);
	for (unsigned i = 0; i < count; i++)
		a->slots[first + i] = (struct irq_remap_slot){ .owner = IRQ_REMAP_OWNER_NONE };
	a->in_use -= count;
	return 0;
}

uint32_t irq_remap_owner(const struct irq_remap_alloc *a, uint32_t index)
{
	if (index >= a->entries)
		return IRQ_REMAP_OWNER_NONE;
	return a->slots[index].owner;
}

uint32_t irq_remap_free_count(const struct irq_remap_alloc *a)
{
	return a->entries - a->in_use;
}
