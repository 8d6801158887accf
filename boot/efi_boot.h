/* The UEFI phase: everything that needs boot services. */
#ifndef BOOT_EFI_BOOT_H
#define BOOT_EFI_BOOT_H

#include <efi.h>
#include <stdbool.h>
#include <stddef.h>

#include "hv/boot_info.h"

extern EFI_BOOT_SERVICES *efi_bs;
extern EFI_RUNTIME_SERVICES *efi_rt;

void efi_read_cmdline(EFI_LOADED_IMAGE *li, struct boot_info *bi);

/* Reads the file at `path` (from the volume's root when it starts with '\'
 * or '/', else from hv.efi's directory) into loader-data pages, which stay
 * the hypervisor's after ExitBootServices, with a NUL after its last byte.
 * EFI_BAD_BUFFER_SIZE when it is larger than max_size. */
EFI_STATUS efi_read_file(EFI_LOADED_IMAGE *li, const char *path, size_t max_size,
			 void **data, size_t *size);

/* Converts a UEFI memory map into the hypervisor's, merging neighbours. */
void efi_convert_memmap(const void *map, UINTN map_size, UINTN desc_size,
			struct memmap *out);

void efi_console_attach(EFI_SYSTEM_TABLE *st);

#endif
