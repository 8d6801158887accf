/* The DMA API for devices the hypervisor drives itself. Each device gets
 * a domain of its own; an IOVA inside its DMA mask reaches any physical
 * page, so a device with a small address window needs no bounce buffer,
 * and scattered pages become one contiguous IOVA range. Without VT-d the
 * physical address is used when the mask reaches it, and refused when not. */
#ifndef HV_REMAP_DMA_H
#define HV_REMAP_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci_enum.h"
#include "iommu/iova.h"
#include "iommu/vtd_domain.h"

enum dma_direction { DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL };

/* Live mappings a device can hold at once. */
#define DMA_MAX_MAPPINGS 256

struct dma_device {
	const struct pci_function *fn;
	uint64_t mask;
	bool remapped;              /* through its own VT-d domain */
	struct vtd_domain domain;
	struct iova_space iova;
	struct iova_node nodes[IOVA_NODES(DMA_MAX_MAPPINGS, 2)];
};

/* Takes the function (all its DMA aliases) into a new domain. */
int dma_device_init(struct dma_device *dev, const struct pci_function *f, uint64_t mask);
void dma_device_release(struct dma_device *dev);

/* Maps [phys, phys + len) and returns its IOVA; the page offset is kept. */
int dma_map(struct dma_device *dev, uint64_t phys, uint64_t len, enum dma_direction dir,
	    uint64_t *iova);
/* Maps `n` page-aligned pages at one contiguous IOVA range. */
int dma_map_sg(struct dma_device *dev, const uint64_t *pages, unsigned n,
	       enum dma_direction dir, uint64_t *iova);
/* Undoes a dma_map (same iova and len) or a dma_map_sg (len = n pages);
 * when it returns, the device can no longer reach the pages. */
int dma_unmap(struct dma_device *dev, uint64_t iova, uint64_t len);

#endif
