/* The UEFI phase: everything that needs boot services. */
#ifndef BOOT_EFI_BOOT_H
#define BOOT_EFI_BOOT_H

#include <efi.h>
#include <stdbool.h>

#include "hv/boot_info.h"

extern EFI_BOOT_SERVICES *efi_bs;
extern EFI_RUNTIME_SERVICES *efi_rt;

void efi_read_cmdline(EFI_LOADED_IMAGE *li, struct boot_info *bi);

/* Converts a UEFI memory map into the hypervisor's, merging neighbours. */
void efi_convert_memmap(const void *map, UINTN map_size, UINTN desc_size,
			struct memmap *out);

void efi_console_attach(EFI_SYSTEM_TABLE *st);

#endif
