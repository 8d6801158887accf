/* The guest configuration and the images it names, read the same way by
 * both front ends (UEFI, multiboot2): only reading a file by name differs. */
#ifndef BOOT_CONFIG_LOAD_H
#define BOOT_CONFIG_LOAD_H

#include <stddef.h>

#include "hv/boot_info.h"

#define CONFIG_MAX_BYTES (64u << 10)
/* A distribution kernel or initramfs fits (Debian's: 8 MB and a few MB). */
#define GUEST_IMAGE_MAX_BYTES (128u << 20)

/* Reads the file `name` into memory that stays the hypervisor's, with a
 * NUL after its last byte; returns 0, or a nonzero status that
 * status_name names in messages ("EFI status"). */
struct boot_files {
	unsigned long long (*read)(void *ctx, const char *name, size_t max_size, void **data,
				   size_t *size);
	void *ctx;
	const char *status_name;
};

/* Parses bi->cmdline's config= (else CONFIG_FILE_DEFAULT), reads that file
 * and every image and initrd it names, and fills bi's config fields. A
 * file named on the command line must be there; the default one may be
 * absent (then no guests). */
void boot_load_config(struct boot_info *bi, const struct boot_files *files);

#endif
