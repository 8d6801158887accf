/* Which emulated device answers a guest's port or MMIO access: each
 * device registers the range it decodes, with its handler, when the guest
 * is built or its devices are assigned; the exits (hv/guest/io_exit.c)
 * look the access up and call the handler. What no range claims reads
 * all-ones and drops writes, there.
 *
 * Pure (no hardware, no guest internals), for the host unit tests. Not
 * locked: every registration happens before the guest's vCPUs start
 * (guest_start() publishes the table with them), lookups after. */
#ifndef HV_GUEST_IO_TABLE_H
#define HV_GUEST_IO_TABLE_H

#include <stdbool.h>
#include <stdint.h>

struct guest_vcpu;

/* A device's answer to one access of `size` bytes at `offset` from the
 * start of its range: a read fills *value (bits beyond `size` are
 * ignored), a write takes it. Returns 0; or, for an access the device
 * cannot take (its size or alignment), a negative errno after stopping
 * the guest with its reason (guest_vcpu_stop_with_error()): the
 * instruction is then left undone and none of its further accesses
 * reach the device. */
typedef int guest_io_fn(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
			unsigned size, uint64_t *value);

struct guest_io_range {
	uint64_t first, last;       /* inclusive: a range may end at the top */
	guest_io_fn *fn;
	void *ctx;
};

/* Room for the devices each guest has (UART and PCI ports; LAPIC, ECAM,
 * an MSI-X table and PBA for each of its CONFIG_GUEST_PCI_MAX functions)
 * and the few a Linux guest will add (PM timer, CMOS, PIT, ACPI). */
#define GUEST_IO_PORT_RANGES 16
#define GUEST_IO_MMIO_RANGES 24

struct guest_io_table {
	unsigned port_count, mmio_count;
	struct guest_io_range port[GUEST_IO_PORT_RANGES];
	struct guest_io_range mmio[GUEST_IO_MMIO_RANGES];
};

/* Ports [first, first + count) or guest-physical [base, base + size) to
 * `fn` with `ctx`. 0; -EINVAL for an empty range, one past the end of the
 * port space (or wrapping the physical one) or no fn; -EEXIST when it
 * overlaps a range registered before; -ENOSPC when the table is full. */
int guest_port_register(struct guest_io_table *t, uint16_t first, unsigned count,
			guest_io_fn *fn, void *ctx);
int guest_mmio_register(struct guest_io_table *t, uint64_t base, uint64_t size,
			guest_io_fn *fn, void *ctx);

/* The range holding `port` or `gpa`, or NULL: unclaimed. */
const struct guest_io_range *guest_port_lookup(const struct guest_io_table *t, uint16_t port);
const struct guest_io_range *guest_mmio_lookup(const struct guest_io_table *t, uint64_t gpa);

#endif
