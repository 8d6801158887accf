#include "hv/remap/dma.h"
#include "arch/x86/log.h"
#include "arch/x86/sizes.h"
#include "hv/remap/units.h"

#include <errno.h>
#include <string.h>

/* Never handed out: device writes there are interrupt requests. */
#define INTERRUPT_WINDOW 0xfee00000ull
#define INTERRUPT_WINDOW_SIZE 0x100000ull

static uint64_t permissions(enum dma_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE: return VTD_SL_R;
	case DMA_FROM_DEVICE: return VTD_SL_W;
	default: return VTD_SL_R | VTD_SL_W;
	}
}

int dma_device_init(struct dma_device *dev, const struct pci_function *f, uint64_t mask)
{
	struct vtd_unit *u = iommu_unit_of(f);
	int err;

	memset(dev, 0, sizeof(*dev));
	dev->fn = f;
	dev->mask = mask;
	if (!u)
		return 0; /* untranslated: physical addresses within the mask */
	if ((err = vtd_domain_create(u, &dev->domain)))
		return err;
	/* IOVA 0 stays unused: a zero address from a confused driver faults. */
	if ((err = iova_init(&dev->iova, PAGE_SIZE, mask | (PAGE_SIZE - 1), dev->nodes,
			     sizeof(dev->nodes) / sizeof(dev->nodes[0]))) ||
	    (err = iova_reserve(&dev->iova, INTERRUPT_WINDOW, INTERRUPT_WINDOW_SIZE)) ||
	    (err = iommu_map_rmrrs(&dev->domain, f)) < 0 ||
	    (err = iommu_attach_function(&dev->domain, f))) {
		vtd_domain_destroy(&dev->domain);
		return err;
	}
	dev->remapped = true;
	return 0;
}

void dma_device_release(struct dma_device *dev)
{
	if (!dev->remapped)
		return;
	iommu_detach_function(&dev->domain, dev->fn);
	vtd_domain_destroy(&dev->domain);
	dev->remapped = false;
}

/* The largest leaf the mapping could use: IOVA aligned like the pages. */
static uint64_t best_alignment(uint64_t phys, uint64_t size)
{
	static const uint64_t sizes[] = { 1ull << 30, 1ull << 21 };

	for (unsigned i = 0; i < 2; i++)
		if (size >= sizes[i] && !(phys & (sizes[i] - 1)))
			return sizes[i];
	return PAGE_SIZE;
}

int dma_map(struct dma_device *dev, uint64_t phys, uint64_t len, enum dma_direction dir,
	    uint64_t *iova)
{
	uint64_t offset = phys & (PAGE_SIZE - 1), base = phys - offset;
	uint64_t size = (offset + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t at;
	int err;

	if (!len || phys + len < phys)
		return -EINVAL;
	if (!dev->remapped) {
		if (phys + len - 1 > dev->mask)
			return -ERANGE; /* would need a bounce buffer */
		*iova = phys;
		return 0;
	}
	if ((err = iova_alloc(&dev->iova, size, best_alignment(base, size), &at)))
		return err;
	if ((err = vtd_domain_map(&dev->domain, at, base, size, permissions(dir)))) {
		vtd_domain_unmap(&dev->domain, at, size);
		iova_free(&dev->iova, at, size);
		return err;
	}
	*iova = at + offset;
	return 0;
}

int dma_map_sg(struct dma_device *dev, const uint64_t *pages, unsigned n,
	       enum dma_direction dir, uint64_t *iova)
{
	uint64_t at;
	int err;

	if (!n)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (pages[i] & (PAGE_SIZE - 1))
			return -EINVAL;
	if (!dev->remapped)
		return -EOPNOTSUPP; /* scattered pages cannot look contiguous */
	if ((err = iova_alloc(&dev->iova, n * PAGE_SIZE, PAGE_SIZE, &at)))
		return err;
	for (unsigned i = 0; i < n && !err; i++)
		err = vtd_domain_map(&dev->domain, at + i * PAGE_SIZE, pages[i], PAGE_SIZE,
				     permissions(dir));
	if (err) {
		vtd_domain_unmap(&dev->domain, at, n * PAGE_SIZE);
		iova_free(&dev->iova, at, n * PAGE_SIZE);
		return err;
	}
	*iova = at;
	return 0;
}

int dma_unmap(struct dma_device *dev, uint64_t iova, uint64_t len)
{
	uint64_t offset = iova & (PAGE_SIZE - 1), base = iova - offset;
	uint64_t size = (offset + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (!dev->remapped)
		return 0;
	/* Only exactly what was mapped: a wrong range must not tear down the
	 * translations of a live mapping. Nothing runs in between. */
	int err = iova_free(&dev->iova, base, size);
	return err ? err : vtd_domain_unmap(&dev->domain, base, size);
}
