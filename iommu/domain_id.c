/* See domain_id.h. */
#include "iommu/domain_id.h"

#include <errno.h>
#include <string.h>

static bool id_is_set(const struct domain_ids *d, uint32_t id)
{
	return (d->bitmap[id / 64] >> (id % 64)) & 1;
}

static void id_set(struct domain_ids *d, uint32_t id)
{
	d->bitmap[id / 64] |= 1ull << (id % 64);
}

static void id_clear(struct domain_ids *d, uint32_t id)
{
	d->bitmap[id / 64] &= ~(1ull << (id % 64));
}

void domain_ids_init(struct domain_ids *d, uint64_t cap)
{
	memset(d, 0, sizeof(*d));
	d->count = cap_nd(cap);
	d->zero_reserved = cap_cm(cap);
	if (d->zero_reserved) {
		id_set(d, 0);
		d->in_use = 1;
	}
}

int domain_id_alloc(struct domain_ids *d, uint16_t *out)
{
	if (d->in_use >= d->count)
		return -ENOSPC;
	/* count is a power of two >= 16, whole 64-bit words from 64 up; with
	 * 16 or 32 IDs the word's unused high bits stay clear, hence the
	 * bound check below. */
	uint32_t words = (d->count + 63) / 64;
	for (uint32_t w = 0; w < words; w++) {
		uint64_t free_bits = ~d->bitmap[w];
		if (!free_bits)
			continue;
		uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
		if (id >= d->count)
			break;
		id_set(d, id);
		d->in_use++;
		*out = (uint16_t)id;
		return 0;
	}
	/* in_use said there was room: the bitmap disagrees. */
	return -ENOSPC;
}

int domain_id_free(struct domain_ids *d, uint16_t id)
{
	if (id >= d->count || (id == 0 && d->zero_reserved) || !id_is_set(d, id))
		return -EINVAL;
	id_clear(d, id);
	d->in_use--;
	return 0;
}

bool domain_id_in_use(const struct domain_ids *d, uint16_t id)
{
	return id < d->count && id_is_set(d, id);
}

uint32_t domain_ids_free_count(const struct domain_ids *d)
{
	return d->count - d->in_use;
}
