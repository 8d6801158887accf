/* MCFG: PCI Express ECAM windows (PCI Firmware Specification 3.2, 4.1.2). */
#ifndef ARCH_X86_MCFG_H
#define ARCH_X86_MCFG_H

#include <stdint.h>

struct acpi_header;

#define MCFG_MAX_SEGMENTS 16

struct ecam_window {
	uint64_t base; /* of bus 0 of the segment, even if start_bus > 0 */
	uint16_t segment;
	uint8_t start_bus, end_bus;
};

struct mcfg_info {
	unsigned count;
	struct ecam_window window[MCFG_MAX_SEGMENTS];
};

/* Returns 0 or -EINVAL; malformed entries are skipped with a warning. */
int mcfg_parse(const struct acpi_header *mcfg, struct mcfg_info *out);

#endif
