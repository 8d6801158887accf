/* The guest's table of port and MMIO ranges: see io_table.h. A few ranges
 * per guest, so a linear search: the LAPIC page, the busiest, is
 * registered first. */
#include "hv/guest/io_table.h"

#include <errno.h>
#include <stddef.h>

#define PORT_SPACE 0x10000u

static bool overlaps(const struct guest_io_range *r, uint64_t first, uint64_t last)
{
	return first <= r->last && r->first <= last;
}

static int add_range(struct guest_io_range *ranges, unsigned *count, unsigned capacity,
		     uint64_t first, uint64_t last, guest_io_fn *fn, void *ctx)
{
	if (!fn)
		return -EINVAL;
	for (unsigned i = 0; i < *count; i++)
		if (overlaps(&ranges[i], first, last))
			return -EEXIST;
	if (*count == capacity)
		return -ENOSPC;
	ranges[(*count)++] = (struct guest_io_range){ first, last, fn, ctx };
	return 0;
}

static const struct guest_io_range *find_range(const struct guest_io_range *ranges,
					       unsigned count, uint64_t at)
{
	for (unsigned i = 0; i < count; i++)
		if (at >= ranges[i].first && at <= ranges[i].last)
			return &ranges[i];
	return NULL;
}

int guest_port_register(struct guest_io_table *t, uint16_t first, unsigned count,
			guest_io_fn *fn, void *ctx)
{
	if (!count || count > PORT_SPACE - first)
		return -EINVAL;
	return add_range(t->port, &t->port_count, GUEST_IO_PORT_RANGES, first,
			 first + count - 1u, fn, ctx);
}

int guest_mmio_register(struct guest_io_table *t, uint64_t base, uint64_t size,
			guest_io_fn *fn, void *ctx)
{
	uint64_t last = base + size - 1;

	if (!size || last < base)
		return -EINVAL;
	return add_range(t->mmio, &t->mmio_count, GUEST_IO_MMIO_RANGES, base, last, fn, ctx);
}

const struct guest_io_range *guest_port_lookup(const struct guest_io_table *t, uint16_t port)
{
	return find_range(t->port, t->port_count, port);
}

const struct guest_io_range *guest_mmio_lookup(const struct guest_io_table *t, uint64_t gpa)
{
	return find_range(t->mmio, t->mmio_count, gpa);
}
