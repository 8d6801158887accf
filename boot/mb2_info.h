/* The multiboot2 boot information GRUB hands over (Multiboot2 specification
 * 1.0, 3.6), read and bounds-checked into plain fields, and the memory map
 * built from it. Pure logic: the host unit tests run it too. */
#ifndef BOOT_MB2_INFO_H
#define BOOT_MB2_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/memmap.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

#define MB2_TAG_END         0
#define MB2_TAG_CMDLINE     1
#define MB2_TAG_MODULE      3
#define MB2_TAG_MMAP        6
#define MB2_TAG_ACPI_OLD    14
#define MB2_TAG_ACPI_NEW    15

/* More than any configuration needs: a guest image and an initrd for each
 * of a handful of guests, and the configuration. */
#define MB2_MAX_MODULES 32
/* An information structure claiming more is corrupt. */
#define MB2_INFO_MAX_BYTES (1u << 20)

struct mb2_module {
	uint64_t start, end; /* [start, end) physical */
	const char *string;  /* what follows the path on GRUB's module2 line */
};

/* e820-style memory map entry (3.6.8). */
struct mb2_mmap_entry {
	uint64_t base, length;
	uint32_t type, reserved;
} __attribute__((packed));

#define MB2_MEMORY_AVAILABLE 1
#define MB2_MEMORY_ACPI      3
#define MB2_MEMORY_NVS       4
#define MB2_MEMORY_BADRAM    5
#define MB2_MEMORY_PERSISTENT 7 /* ACPI 6.5 address range type 7 */

struct mb2_info {
	uint32_t total_size;
	const char *cmdline;              /* NULL: no tag 1 */
	const uint8_t *mmap;              /* the first entry, NULL: no tag 6 */
	uint32_t mmap_entry_size;
	size_t mmap_entries;
	const void *rsdp;                 /* the copy in tag 15, else 14; NULL: none */
	size_t rsdp_size;                 /* bytes of it in the tag */
	unsigned rsdp_tag;                /* 14 or 15 */
	unsigned module_count, modules_dropped;
	struct mb2_module module[MB2_MAX_MODULES];
	unsigned tags_ignored;            /* tags of kinds hv does not use */
};

/* Reads the structure at `mbi`. Returns 0, or -EINVAL with a reason in
 * *error when it is malformed (a size out of bounds, a string without its
 * NUL, no end tag); tags before the fault are kept. */
int mb2_parse(const void *mbi, struct mb2_info *out, const char **error);

/* The module whose string is `name` (the string's first word), or NULL. */
const struct mb2_module *mb2_find_module(const struct mb2_info *info, const char *name);

/* Sets [base, base + len) (rounded out to pages) to `type` in a sorted map,
 * splitting and merging neighbours. Returns 0 or -ENOSPC (the map is then
 * left as it was). */
int memmap_set_range(struct memmap *map, uint64_t base, uint64_t len, enum mem_type type);

/* The hypervisor's map from the e820 entries: usable memory rounded in to
 * whole pages, everything else rounded out and winning over usable where
 * entries overlap. Returns the number of entries that did not fit. */
unsigned mb2_build_memmap(const struct mb2_info *info, struct memmap *out);

/* Takes the highest `pages` usable pages that lie wholly in [min, limit)
 * for the hypervisor (MEM_HYPERVISOR); returns their base, or 0. */
uint64_t memmap_take_below(struct memmap *map, uint64_t pages, uint64_t min, uint64_t limit);

#endif
