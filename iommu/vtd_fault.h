/* Primary fault records of a unit (VT-d 7.2.1, 11.4.14): drained, decoded,
 * cleared. */
#ifndef IOMMU_VTD_FAULT_H
#define IOMMU_VTD_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_unit;

struct vtd_fault {
	unsigned unit;
	uint16_t sid;     /* requester ID */
	uint64_t address; /* page address (or interrupt index) */
	uint8_t reason;
	bool read;
};

typedef void (*vtd_fault_fn)(const struct vtd_fault *f, void *ctx);

/* Reports and clears every recorded fault, then the overflow flag, again
 * while new ones arrive meanwhile (bounded). Returns the number of records
 * drained; *overflowed tells whether the unit lost faults because every
 * record was full. */
unsigned vtd_drain_faults(struct vtd_unit *u, vtd_fault_fn report, void *ctx,
			  bool *overflowed);

#endif
