/* The hypervisor's own page tables: an identity map of the physical address
 * space, NX everywhere but code, hypervisor text read-only. */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include <stdint.h>

struct memmap;

/* Section bounds of the running image, from the linker script. */
struct image_layout {
	uintptr_t base, end;
	uintptr_t text_start, text_end;
	uintptr_t rodata_start, rodata_end;
	uintptr_t data_start, data_end;
};

void image_layout_get(struct image_layout *out);

int paging_init(const struct memmap *map);

/* Adjusts the identity map of [addr, addr + size) at run time: flags as in
 * arch/x86/pt.h, or unmapped. The TLB is flushed for the range. */
int paging_set_identity(uintptr_t addr, uint64_t size, uint64_t flags);
int paging_unmap(uintptr_t addr, uint64_t size);

/* Table pages in use and the size the identity map covers. */
unsigned paging_table_pages(void);
uint64_t paging_identity_limit(void);

#endif
