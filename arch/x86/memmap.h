/* The physical memory map the firmware handed over, in the hypervisor's own
 * terms (converted from the UEFI memory map at ExitBootServices). */
#ifndef ARCH_X86_MEMMAP_H
#define ARCH_X86_MEMMAP_H

#include <stdint.h>

#include "arch/x86/sizes.h"

#define MEMMAP_MAX_REGIONS 512

enum mem_type {
	MEM_USABLE,        /* conventional memory: the page allocator's pool */
	MEM_HYPERVISOR,    /* hv.efi and what it allocated before ExitBootServices */
	MEM_BOOT_SERVICES, /* firmware boot-time memory, free after ExitBootServices */
	MEM_RUNTIME_CODE,  /* firmware runtime services, kept */
	MEM_RUNTIME_DATA,
	MEM_ACPI_RECLAIM,
	MEM_ACPI_NVS,
	MEM_MMIO,
	MEM_RESERVED,
	MEM_PERSISTENT,
	MEM_UNUSABLE,
	MEM_TYPE_COUNT
};

struct mem_region {
	uint64_t base;
	uint64_t pages;
	enum mem_type type;
};

struct memmap {
	unsigned count;
	struct mem_region region[MEMMAP_MAX_REGIONS];
};

const char *mem_type_name(enum mem_type type);

static inline uint64_t mem_region_end(const struct mem_region *r)
{
	return r->base + r->pages * PAGE_SIZE;
}

/* The type of the region containing [base, base + len), or MEM_TYPE_COUNT
 * when the range is not wholly inside one region. */
enum mem_type memmap_type_of(const struct memmap *map, uint64_t base, uint64_t len);

/* The first address above every region. */
uint64_t memmap_top(const struct memmap *map);

#endif
