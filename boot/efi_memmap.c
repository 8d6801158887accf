#include "arch/x86/log.h"
#include "boot/efi_boot.h"

/* UEFI 2.5 added it; gnu-efi 3.0.15 does not name it. */
#define EFI_PERSISTENT_MEMORY 14

static enum mem_type mem_type_of_efi(UINT32 type)
{
	switch (type) {
	case EfiConventionalMemory: return MEM_USABLE;
	case EfiLoaderCode:
	case EfiLoaderData: return MEM_HYPERVISOR;
	case EfiBootServicesCode:
	case EfiBootServicesData: return MEM_BOOT_SERVICES;
	case EfiRuntimeServicesCode: return MEM_RUNTIME_CODE;
	case EfiRuntimeServicesData: return MEM_RUNTIME_DATA;
	case EfiACPIReclaimMemory: return MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS: return MEM_ACPI_NVS;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace: return MEM_MMIO;
	case EfiUnusableMemory: return MEM_UNUSABLE;
	case EFI_PERSISTENT_MEMORY: return MEM_PERSISTENT;
	default: return MEM_RESERVED; /* includes unaccepted memory: never touched */
	}
}

void efi_convert_memmap(const void *map, UINTN map_size, UINTN desc_size,
			struct memmap *out)
{
	unsigned dropped = 0;

	out->count = 0;
	for (UINTN off = 0; desc_size && off + desc_size <= map_size; off += desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)((const UINT8 *)map + off);
		enum mem_type type = mem_type_of_efi(d->Type);
		struct mem_region *last = out->count ? &out->region[out->count - 1] : NULL;

		if (!d->NumberOfPages)
			continue;
		if (last && last->type == type && mem_region_end(last) == d->PhysicalStart) {
			last->pages += d->NumberOfPages;
			continue;
		}
		if (out->count == MEMMAP_MAX_REGIONS) {
			dropped++;
			continue;
		}
		out->region[out->count++] = (struct mem_region){
			.base = d->PhysicalStart,
			.pages = d->NumberOfPages,
			.type = type,
		};
	}
	if (dropped)
		log_warn("memmap: %u descriptors beyond %u regions ignored\n", dropped,
			 MEMMAP_MAX_REGIONS);
}
