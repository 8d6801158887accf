/* The e820 map of a Linux guest: see hv/guest/platform/e820.h. The map is
 * cut at every boundary of the base RAM and of the ranges; each piece
 * between two neighbouring boundaries takes the type of the range covering
 * it, else RAM if the base RAM covers it, else it is left out (a hole).
 * Neighbouring pieces of one type then merge. Every loop is bounded by
 * E820_MAX_ENTRIES. */
#include "hv/guest/platform/e820.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "hv/guest/abi.h"

/* Two per range and four for the base RAM. */
#define E820_MAX_POINTS (2 * E820_MAX_ENTRIES + 4)

static bool ranges_valid(const struct e820_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		/* An end of exactly 2^64 wraps to 0, below addr: refused too. */
		if (r[i].size == 0 || r[i].type == 0 || r[i].addr + r[i].size < r[i].addr)
			return false;
		for (unsigned k = 0; k < i; k++)
			if (r[i].addr < r[k].addr + r[k].size && r[k].addr < r[i].addr + r[i].size)
				return false;
	}
	return true;
}

/* Inserts p into the sorted, duplicate-free points[0..*count). */
static void add_point(uint64_t *points, unsigned *count, uint64_t p)
{
	unsigned i = 0;

	while (i < *count && points[i] < p)
		i++;
	if (i < *count && points[i] == p)
		return;
	memmove(&points[i + 1], &points[i], (*count - i) * sizeof(points[0]));
	points[i] = p;
	(*count)++;
}

/* The type of the piece starting at a (it lies between two boundaries, so
 * one test of its first byte says what covers all of it); 0: a hole. */
static uint32_t type_at(uint64_t a, uint64_t mem_size, const struct e820_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a >= r[i].addr && a - r[i].addr < r[i].size)
			return r[i].type;
	if (a < HV_GUEST_LEGACY_HOLE || (a >= HV_GUEST_LEGACY_END && a < mem_size))
		return E820_TYPE_RAM;
	return 0;
}

static int append(struct e820_map *out, uint64_t addr, uint64_t size, uint32_t type)
{
	if (out->count) {
		struct e820_entry *last = &out->entry[out->count - 1];
		if (last->type == type && last->addr + last->size == addr) {
			last->size += size;
			return 0;
		}
	}
	if (out->count == E820_MAX_ENTRIES)
		return -ENOSPC;
	out->entry[out->count++] = (struct e820_entry){ .addr = addr, .size = size, .type = type };
	return 0;
}

int e820_build(uint64_t mem_size, const struct e820_range *ranges, unsigned n,
	       struct e820_map *out)
{
	uint64_t points[E820_MAX_POINTS];
	unsigned count = 0;

	memset(out, 0, sizeof(*out));
	if (mem_size <= HV_GUEST_LEGACY_END || (n && !ranges))
		return -EINVAL;
	if (n > E820_MAX_ENTRIES)
		return -ENOSPC;
	if (!ranges_valid(ranges, n))
		return -EINVAL;

	add_point(points, &count, 0);
	add_point(points, &count, HV_GUEST_LEGACY_HOLE);
	add_point(points, &count, HV_GUEST_LEGACY_END);
	add_point(points, &count, mem_size);
	for (unsigned i = 0; i < n; i++) {
		add_point(points, &count, ranges[i].addr);
		add_point(points, &count, ranges[i].addr + ranges[i].size);
	}
	for (unsigned i = 0; i + 1 < count; i++) {
		uint32_t type = type_at(points[i], mem_size, ranges, n);
		if (!type)
			continue;
		if (append(out, points[i], points[i + 1] - points[i], type)) {
			out->count = 0;
			return -ENOSPC;
		}
	}
	return 0;
}
