/* The hypervisor's VT-d: every usable DRHD brought up with translation on,
 * fault events aimed at the service CPU (hv/remap/faults.c takes them), and
 * the per-device domain bookkeeping the DMA API and passthrough build on. */
#ifndef HV_REMAP_UNITS_H
#define HV_REMAP_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci_enum.h"
#include "iommu/vtd_domain.h"

#define IOMMU_MAX_UNITS 16

/* Brings every unit up with translation on (interrupt remapping is
 * hv/remap/irq_route.c's). */
int iommu_init(void);
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

/* Calls fn for every RMRR whose scope names `f`, with the whole pages it
 * covers ([base, base + size), what a domain must map for it), until fn
 * returns nonzero (returned). Returns the number of ranges otherwise. */
struct dmar_structure;
int iommu_for_each_rmrr(const struct pci_function *f,
			int (*fn)(void *ctx, const struct dmar_structure *rmrr, uint64_t base,
				  uint64_t size),
			void *ctx);

/* Blocks a device for good: detached from `from` (may be NULL), its
 * context entries point at an empty domain with fault processing
 * disabled, and it may no longer master the bus. */
int iommu_quarantine_function(struct vtd_domain *from, const struct pci_function *f);

/* Out of the blocking domain again, its context entries cleared (and
 * their caches invalidated): a quarantined function, reset, that is to be
 * given again. An alias another function already took out is no error. */
int iommu_unblock_function(const struct pci_function *f);

#endif
