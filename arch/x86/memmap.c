#include "arch/x86/memmap.h"

const char *mem_type_name(enum mem_type type)
{
	static const char *const names[MEM_TYPE_COUNT] = {
		[MEM_USABLE] = "usable",
		[MEM_HYPERVISOR] = "hypervisor",
		[MEM_BOOT_SERVICES] = "boot-services",
		[MEM_RUNTIME_CODE] = "runtime-code",
		[MEM_RUNTIME_DATA] = "runtime-data",
		[MEM_ACPI_RECLAIM] = "acpi",
		[MEM_ACPI_NVS] = "acpi-nvs",
		[MEM_MMIO] = "mmio",
		[MEM_RESERVED] = "reserved",
		[MEM_PERSISTENT] = "persistent",
		[MEM_UNUSABLE] = "unusable",
	};
	return type < MEM_TYPE_COUNT ? names[type] : "?";
}

enum mem_type memmap_type_of(const struct memmap *map, uint64_t base, uint64_t len)
{
	for (unsigned i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->region[i];
		if (base >= r->base && base - r->base < r->pages * PAGE_SIZE)
			return len <= mem_region_end(r) - base ? r->type
							       : MEM_TYPE_COUNT;
	}
	return MEM_TYPE_COUNT;
}

uint64_t memmap_top(const struct memmap *map)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < map->count; i++)
		if (mem_region_end(&map->region[i]) > top)
			top = mem_region_end(&map->region[i]);
	return top;
}
