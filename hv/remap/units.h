/* The hypervisor's VT-d: every usable DRHD brought up with translation on,
 * fault events on the service CPU, and the per-device domain bookkeeping
 * the DMA API and (later) passthrough build on. */
#ifndef HV_REMAP_UNITS_H
#define HV_REMAP_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci_enum.h"
#include "iommu/vtd_domain.h"
#include "iommu/vtd_fault.h"

#define IOMMU_MAX_UNITS 16
#define IOMMU_FAULT_LOG 32

/* The faults seen, newest last, for the boot log and the self-tests. */
struct iommu_fault_log {
	unsigned long total;
	unsigned long overflows;
	struct vtd_fault entry[IOMMU_FAULT_LOG]; /* ring, at total % size */
};

struct hv_options;

/* Brings every unit up; interrupt remapping as `o` asks. */
int iommu_init(const struct hv_options *o);
bool iommu_active(void);
unsigned iommu_unit_count(void);
struct vtd_unit *iommu_unit(unsigned ordinal);

/* The unit translating `f`'s DMA, or NULL. */
struct vtd_unit *iommu_unit_of(const struct pci_function *f);

/* Attaches every requester ID `f`'s DMA may carry to `d`. */
int iommu_attach_function(struct vtd_domain *d, const struct pci_function *f);
int iommu_detach_function(struct vtd_domain *d, const struct pci_function *f);

/* Identity-maps the RMRR ranges firmware reserved for `f` into `d` and
 * says so in the boot log. Returns the number of ranges mapped, or a
 * negative errno. */
int iommu_map_rmrrs(struct vtd_domain *d, const struct pci_function *f);

/* Blocks a device for good: detached from `from` (may be NULL), its
 * context entries point at an empty domain with fault processing
 * disabled, and it may no longer master the bus. */
int iommu_quarantine_function(struct vtd_domain *from, const struct pci_function *f);

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
