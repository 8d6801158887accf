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

/* Names the guest requester `sid` was given to, for the fault log, and
 * holds a fault counter for it until it is nobody's again (`guest` NULL,
 * when its device is released). -ENOSPC when every counter is a guest's
 * already: its faults could not make a storm. Service CPU only. */
int iommu_set_owner(uint16_t sid, const char *guest);

/* Called (in the fault interrupt) when one requester's faults reach a
 * storm's count, once per requester while it holds its counter. */
void iommu_set_fault_storm_handler(void (*fn)(uint16_t sid));

/* Drains every unit now (the interrupt handler does the same). */
void iommu_poll_faults(void);
const struct iommu_fault_log *iommu_faults(void);
/* Fault event interrupts CPU `cpu` (an index, 0 the service CPU) took. */
unsigned long iommu_fault_events(unsigned cpu);
/* Faults counted for one requester ID: since it was given to its guest, or
 * since it took a counter; 0 without one of its own. */
unsigned long iommu_fault_count(uint16_t sid);

#endif
