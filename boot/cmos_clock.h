/* The date in the PC's CMOS real-time clock (MC146818A registers 0-9, A and
 * B), for the boot front ends without firmware services to ask. Pure logic
 * over a register-read callback: the host unit tests fake the chip. */
#ifndef BOOT_CMOS_CLOCK_H
#define BOOT_CMOS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/boot_info.h"

typedef uint8_t (*cmos_read_fn)(void *ctx, uint8_t reg);

/* Fills *out's date fields (not at_ns) from a consistent read: outside an
 * update cycle, the same twice. BCD or binary and 12- or 24-hour as
 * register B says; years 70-99 are 19xx, 00-69 20xx (no century register
 * is standard). Returns false, out->valid false, when the chip never left
 * its update cycle, never read the same twice, or gave a date out of range. */
bool cmos_clock_read(cmos_read_fn read, void *ctx, struct wall_clock *out);

#endif
