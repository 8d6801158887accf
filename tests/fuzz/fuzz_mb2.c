/* libFuzzer target: boot/mb2_info.c's mb2_parse() on a multiboot2
 * information structure, then the memory map built from it and the
 * trampoline taken from that. The structure gets a copy of exactly the
 * bytes its total size claims (8-byte aligned, as GRUB places it), so a
 * read past it is a read past the buffer, which ASan reports. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/mb2_info.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static struct mb2_info info;
static struct memmap map;

static void check_map(void)
{
	CHECK(map.count <= MEMMAP_MAX_REGIONS);
	for (unsigned i = 0; i < map.count; i++) {
		CHECK(map.region[i].pages > 0);
		CHECK(map.region[i].base % PAGE_SIZE == 0);
		if (i)
			CHECK(map.region[i].base >= mem_region_end(&map.region[i - 1]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t total;
	const char *error;

	if (size < sizeof(total))
		return 0;
	memcpy(&total, data, sizeof(total));
	if (total < sizeof(total) || total > size || total > MB2_INFO_MAX_BYTES)
		return 0;
	uint8_t *mbi = aligned_alloc(8, (total + 7) & ~7u);
	CHECK(mbi);
	memcpy(mbi, data, total);
	if (mb2_parse(mbi, &info, &error) == 0) {
		CHECK(!error);
		CHECK(info.module_count <= MB2_MAX_MODULES);
		for (unsigned i = 0; i < info.module_count; i++) {
			CHECK(info.module[i].start <= info.module[i].end);
			CHECK(mb2_find_module(&info, info.module[i].string) || 1);
		}
		mb2_build_memmap(&info, &map);
		check_map();
		uint64_t t = memmap_take_below(&map, 2, 0x1000, 0xa0000);
		CHECK(!t || (t >= 0x1000 && t + 0x2000 <= 0xa0000 &&
			     memmap_type_of(&map, t, 0x2000) == MEM_HYPERVISOR));
		check_map();
	} else {
		CHECK(error);
	}
	free(mbi);
	return 0;
}
