/* VT-d faults as the hypervisor sees them (hv/remap/faults.c). */
#ifndef HV_REMAP_FAULTS_H
#define HV_REMAP_FAULTS_H

#include <stdint.h>

#include "iommu/vtd_fault.h"

#define IOMMU_FAULT_LOG 32

/* The faults seen, newest last, for the boot log and the self-tests. */
struct iommu_fault_log {
	unsigned long total;
	unsigned long overflows;
	struct vtd_fault entry[IOMMU_FAULT_LOG]; /* ring, at total % size */
};

/* Takes the fault event vector; before any unit is brought up, so that
 * no early fault event goes unhandled. */
void iommu_faults_init(void);

/* Names the guest requester `sid` was given to, for the fault log (NULL:
 * nobody's again). */
void iommu_set_owner(uint16_t sid, const char *guest);

/* Called (in the fault interrupt) when one requester's faults reach a
 * storm's count, once per requester. */
void iommu_set_fault_storm_handler(void (*fn)(uint16_t sid));

/* Drains every unit now (the interrupt handler does the same). */
void iommu_poll_faults(void);
const struct iommu_fault_log *iommu_faults(void);
/* Fault event interrupts CPU `cpu` (an index, 0 the service CPU) took. */
unsigned long iommu_fault_events(unsigned cpu);
/* Faults counted for one requester ID. */
unsigned long iommu_fault_count(uint16_t sid);

#endif
