/* The hypervisor's page allocator: palloc over the boot memory map, with
 * pages zeroed through the identity map. */
#ifndef ARCH_X86_PAGE_H
#define ARCH_X86_PAGE_H

#include <stdint.h>

struct memmap;
struct palloc;
struct pt_env;

void page_init(const struct memmap *map);
struct palloc *page_allocator(void);

/* Zeroed pages aligned to align_pages; 0 when memory is exhausted. */
uint64_t page_alloc_zeroed(uint64_t pages, uint64_t align_pages);
/* The same, inside [min, max). */
uint64_t page_alloc_zeroed_range(uint64_t pages, uint64_t align_pages, uint64_t min,
				 uint64_t max);
void page_free(uint64_t phys, uint64_t pages);

/* Table pages for arch/x86/pt.h's engine: one zeroed page each, reached
 * through the identity map. The hypervisor's own tables, the guests'
 * nested tables and the VT-d tables all live in these. */
uint64_t page_table_alloc(void *ctx);
void page_table_free(void *ctx, uint64_t phys);
/* The environment for tables that every walker reads coherently (the
 * CPU's own and nested tables): no flush. */
extern const struct pt_env page_table_env;

#endif
