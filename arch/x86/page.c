#include "arch/x86/page.h"
#include "arch/x86/log.h"
#include "arch/x86/palloc.h"
#include "arch/x86/pt.h"
#include "arch/x86/spinlock.h"

#include <string.h>

static struct palloc allocator;
/* The vCPUs' CPUs allocate their VMCBs at the same time. */
static struct spinlock lock;

void page_init(const struct memmap *map)
{
	unsigned dropped = palloc_init(&allocator, map);

	if (dropped)
		log_warn("page: %u usable ranges not taken (overlapping, or the list is full)\n", dropped);
	log_info("page: %llu MiB free in %u ranges\n",
		 (unsigned long long)(allocator.free_pages * PAGE_SIZE >> 20),
		 allocator.count);
}

struct palloc *page_allocator(void)
{
	return &allocator;
}

uint64_t page_alloc_zeroed(uint64_t pages, uint64_t align_pages)
{
	return page_alloc_zeroed_range(pages, align_pages, 0, UINT64_MAX);
}

uint64_t page_alloc_zeroed_range(uint64_t pages, uint64_t align_pages, uint64_t min,
				 uint64_t max)
{
	uint64_t flags = spin_lock(&lock);
	uint64_t phys = palloc_alloc_range(&allocator, pages, align_pages, min, max);
	spin_unlock(&lock, flags);

	if (phys)
		memset((void *)(uintptr_t)phys, 0, pages * PAGE_SIZE);
	return phys;
}

void page_free(uint64_t phys, uint64_t pages)
{
	uint64_t flags = spin_lock(&lock);
	int err = palloc_free(&allocator, phys, pages);
	spin_unlock(&lock, flags);

	if (err)
		log_err("page: freeing %llu pages at %#llx failed (%d)\n",
			(unsigned long long)pages, (unsigned long long)phys, err);
}

uint64_t page_table_alloc(void *ctx)
{
	(void)ctx;
	return page_alloc_zeroed(1, 1);
}

void page_table_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	page_free(phys, 1);
}

static uint64_t *page_table_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (uint64_t *)(uintptr_t)phys;
}

const struct pt_env page_table_env = {
	.alloc_table = page_table_alloc,
	.free_table = page_table_free,
	.table_ptr = page_table_ptr,
};
