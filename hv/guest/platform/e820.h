/* The e820 memory map hv hands a Linux guest in its zero page (struct
 * boot_params): what a PC's BIOS would report for INT 15h, E820h. Built
 * from the guest's RAM size and the ranges hv places in or beside it
 * (its own pages, the ACPI tables, the BIOS area, the ECAM window), so the
 * map and hv/guest/platform/layout.h cannot disagree. */
#ifndef HV_GUEST_PLATFORM_E820_H
#define HV_GUEST_PLATFORM_E820_H

#include <stdint.h>

#define E820_TYPE_RAM      1
#define E820_TYPE_RESERVED 2
#define E820_TYPE_ACPI     3

/* One entry as struct boot_params holds it (its e820_table): 20 bytes. */
struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

#define E820_MAX_ENTRIES 32

struct e820_map {
	unsigned count;
	struct e820_entry entry[E820_MAX_ENTRIES];
};

struct e820_range {
	uint64_t addr, size;
	uint32_t type;
};

/* RAM [0, HV_GUEST_LEGACY_HOLE) and [HV_GUEST_LEGACY_END, mem_size), then
 * each of the n ranges given its type: inside RAM they carve it, outside
 * they add entries (e.g. the ECAM window, the BIOS area). The result is
 * sorted by address, has no overlaps, and adjacent entries of one type are
 * merged. Returns 0; -EINVAL for an empty, untyped (type 0), wrapping (end
 * at or beyond 2^64) or mutually overlapping range, or mem_size not above 1 MiB; -ENOSPC for more
 * than E820_MAX_ENTRIES entries or ranges. out->count is 0 on failure. */
int e820_build(uint64_t mem_size, const struct e820_range *ranges, unsigned n,
	       struct e820_map *out);

#endif
