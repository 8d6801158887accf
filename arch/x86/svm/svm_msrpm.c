/* See svm_msrpm.h. */
#include "arch/x86/svm/svm_msrpm.h"

#include <stddef.h>

#define RANGE_MSRS 0x2000u

static const struct {
	uint32_t first, map_base;
} ranges[] = {
	{ 0x00000000u, 0x0000 }, { 0xc0000000u, 0x0800 }, { 0xc0010000u, 0x1000 },
};

/* Which range holds `msr`, or -1. */
static int range_of(uint32_t msr)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (msr - ranges[i].first < RANGE_MSRS)
			return (int)i;
	return -1;
}

/* The byte holding `msr`'s read bit (the write bit is the next), and the
 * read bit's position in it; false outside the ranges. */
static bool slot(uint32_t msr, uint32_t *byte, unsigned *shift)
{
	int r = range_of(msr);

	if (r < 0)
		return false;
	unsigned bit = (msr - ranges[r].first) * 2;
	*byte = ranges[r].map_base + bit / 8;
	*shift = bit % 8;
	return true;
}

void svm_msrpm_set(uint8_t *map, uint32_t msr, bool read_exits, bool write_exits)
{
	uint32_t byte;
	unsigned shift;

	if (!slot(msr, &byte, &shift))
		return;
	unsigned both = (unsigned)read_exits | (unsigned)write_exits << 1;
	map[byte] = (uint8_t)((map[byte] & ~(3u << shift)) | both << shift);
}

bool svm_msrpm_exits(const uint8_t *map, uint32_t msr, bool write)
{
	uint32_t byte;
	unsigned shift;

	if (!slot(msr, &byte, &shift))
		return true;
	return (map[byte] >> (shift + (write ? 1 : 0))) & 1;
}

bool svm_msrpm_covers(uint32_t first, unsigned count)
{
	/* Both ends in one range: each MSR between has its bits. */
	return count && first + (count - 1) >= first && range_of(first) >= 0 &&
	       range_of(first) == range_of(first + (count - 1));
}
