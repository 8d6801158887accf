/* The hypervisor's memory map from multiboot2's e820 entries, and the
 * ranges the multiboot2 front end claims in it (its image, the modules,
 * the AP trampoline). */
#include "boot/mb2_info.h"

#include <errno.h>
#include <string.h>

static struct memmap scratch;

static uint64_t page_down(uint64_t v)
{
	return v & ~(uint64_t)(PAGE_SIZE - 1);
}

static uint64_t page_up(uint64_t v)
{
	return v > UINT64_MAX - (PAGE_SIZE - 1) ? page_down(UINT64_MAX) : page_down(v + PAGE_SIZE - 1);
}

static bool add(struct memmap *m, uint64_t base, uint64_t end, enum mem_type type)
{
	struct mem_region *last = m->count ? &m->region[m->count - 1] : NULL;

	if (end <= base)
		return true;
	if (last && last->type == type && mem_region_end(last) == base) {
		last->pages += (end - base) / PAGE_SIZE;
		return true;
	}
	if (m->count == MEMMAP_MAX_REGIONS)
		return false;
	m->region[m->count++] = (struct mem_region){ base, (end - base) / PAGE_SIZE, type };
	return true;
}

/* A new map into `scratch`: the old regions with [base, end) cut out and
 * put back as `type` where it sorts. */
int memmap_set_range(struct memmap *map, uint64_t base, uint64_t len, enum mem_type type)
{
	uint64_t end = len > UINT64_MAX - base ? UINT64_MAX : base + len;
	bool placed = false, fits = true;

	base = page_down(base);
	end = page_up(end);
	if (end <= base)
		return 0;
	scratch.count = 0;
	for (unsigned i = 0; i < map->count && fits; i++) {
		const struct mem_region *r = &map->region[i];
		uint64_t r_end = mem_region_end(r);

		if (!placed && r_end > base) {
			fits &= add(&scratch, r->base, r->base < base ? base : r->base, r->type);
			fits &= add(&scratch, base, end, type);
			placed = true;
		} else if (!placed) {
			fits &= add(&scratch, r->base, r_end, r->type);
			continue;
		}
		fits &= add(&scratch, r->base > end ? r->base : end, r_end, r->type);
	}
	if (!placed)
		fits &= add(&scratch, base, end, type);
	if (!fits)
		return -ENOSPC;
	memcpy(map, &scratch, sizeof(*map));
	return 0;
}

static enum mem_type mem_type_of_e820(uint32_t type)
{
	switch (type) {
	case MB2_MEMORY_AVAILABLE: return MEM_USABLE;
	case MB2_MEMORY_ACPI: return MEM_ACPI_RECLAIM;
	case MB2_MEMORY_NVS: return MEM_ACPI_NVS;
	case MB2_MEMORY_BADRAM: return MEM_UNUSABLE;
	case MB2_MEMORY_PERSISTENT: return MEM_PERSISTENT;
	default: return MEM_RESERVED;
	}
}

static struct mb2_mmap_entry entry_at(const struct mb2_info *info, size_t i)
{
	struct mb2_mmap_entry e;

	memcpy(&e, info->mmap + i * info->mmap_entry_size, sizeof(e));
	return e;
}

unsigned mb2_build_memmap(const struct mb2_info *info, struct memmap *out)
{
	unsigned dropped = 0;

	out->count = 0;
	/* Usable first, then the rest over it: a page that is partly
	 * reserved is reserved. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < info->mmap_entries; i++) {
			struct mb2_mmap_entry e = entry_at(info, i);
			enum mem_type type = mem_type_of_e820(e.type);
			uint64_t end = e.length > UINT64_MAX - e.base ? UINT64_MAX : e.base + e.length;

			if ((type == MEM_USABLE) != (pass == 0))
				continue;
			if (type == MEM_USABLE) {
				uint64_t b = page_up(e.base), en = page_down(end);
				if (en <= b)
					continue;
				e.base = b;
				end = en;
			}
			if (memmap_set_range(out, e.base, end - e.base, type))
				dropped++;
		}
	}
	return dropped;
}

uint64_t memmap_take_below(struct memmap *map, uint64_t pages, uint64_t min, uint64_t limit)
{
	uint64_t size = pages * PAGE_SIZE;

	for (unsigned i = map->count; i-- > 0;) {
		const struct mem_region *r = &map->region[i];
		uint64_t top = mem_region_end(r) < page_down(limit) ? mem_region_end(r)
								   : page_down(limit);
		uint64_t low = r->base > min ? r->base : min;

		if (r->type != MEM_USABLE || top < low || top - low < size)
			continue;
		if (memmap_set_range(map, top - size, size, MEM_HYPERVISOR))
			return 0;
		return top - size;
	}
	return 0;
}
