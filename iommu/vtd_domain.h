/* A DMA-remapping domain on one unit: a domain ID and a second-level page
 * table, attached to devices through their context entries. Every change
 * is followed, before it returns, by the invalidation it needs (VT-d 6.5):
 * strict, never deferred. */
#ifndef IOMMU_VTD_DOMAIN_H
#define IOMMU_VTD_DOMAIN_H

#include "arch/x86/pt.h"
#include "iommu/vtd_regs.h"
#include "iommu/vtd_unit.h"

struct vtd_domain {
	struct vtd_unit *unit;
	uint16_t did;
	struct pt_format fmt;
	struct pt_env env;
	struct pt pt;
	/* Table pages the last change freed, held until the IOTLB (which
	 * caches paging structures too) has forgotten them. */
	uint64_t deferred_free;
	unsigned attached;
};

int vtd_domain_create(struct vtd_unit *u, struct vtd_domain *d);
/* -EBUSY while devices are attached. */
int vtd_domain_destroy(struct vtd_domain *d);

/* perm: VTD_SL_R and/or VTD_SL_W. */
int vtd_domain_map(struct vtd_domain *d, uint64_t iova, uint64_t phys, uint64_t size,
		   uint64_t perm);
int vtd_domain_unmap(struct vtd_domain *d, uint64_t iova, uint64_t size);

/* Points the context entry of requester `sid` at the domain. -EBUSY when
 * the entry is already present. With `quarantine`, fault processing is
 * disabled for it (a device that keeps faulting). */
int vtd_domain_attach(struct vtd_domain *d, uint16_t sid, bool quarantine);
int vtd_domain_detach(struct vtd_domain *d, uint16_t sid);

/* The domain ID requester `sid` is attached to on `u`, or -1 for none. */
int vtd_context_domain(struct vtd_unit *u, uint16_t sid);

#endif
