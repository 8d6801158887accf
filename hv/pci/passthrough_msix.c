/* MSI-X of a passthrough device: the guest's table is virtual (hv/pci/vmsix.c,
 * its pages trap); each entry the guest makes active becomes an IRTE (its
 * vector, its CPU, the device's source ID) and a remappable message in the
 * physical entry, which stays masked otherwise. The physical Function Mask
 * is held while entries change. */
#include "arch/x86/cpu.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/pci.h"
#include "arch/x86/sizes.h"
#include "hv/guest/partition.h"
#include "hv/pci/passthrough.h"
#include "hv/remap/device_irq.h"
#include "iommu/irte.h"

#include <errno.h>
#include <string.h>


static uint64_t bar_mmio_read(void *ctx, unsigned bar, uint64_t off, unsigned size)
{
	struct pt_device *dev = ctx;
	uintptr_t a = dev->msix.bar_addr[bar] + off;

	switch (size) {
	case 1: return mmio_read8(a);
	case 2: return mmio_read16(a);
	case 4: return mmio_read32(a);
	default: return mmio_read64(a);
	}
}

static void bar_mmio_write(void *ctx, unsigned bar, uint64_t off, unsigned size, uint64_t v)
{
	struct pt_device *dev = ctx;
	uintptr_t a = dev->msix.bar_addr[bar] + off;

	switch (size) {
	case 1: mmio_write8(a, (uint8_t)v); return;
	case 2: mmio_write16(a, (uint16_t)v); return;
	case 4: mmio_write32(a, (uint32_t)v); return;
	default: mmio_write64(a, v); return;
	}
}

static int entry_update(void *ctx, unsigned index, bool active, uint64_t addr, uint32_t data)
{
	struct pt_device *dev = ctx;
	uint8_t vector;
	int err;

	if (!active)
		return pci_msix_entry_mask(&dev->msix_hw, index);
	struct guest_vcpu *target = index < dev->msix_route.count ?
		passthrough_msi_target(dev->guest, dev, addr, data, 1, &vector) : NULL;
	if (!target) {
		pci_msix_entry_mask(&dev->msix_hw, index);
		return -EPERM;
	}
	if ((err = passthrough_route(dev->guest, dev, &dev->msix_route, index, target, vector)))
		return err;
	/* The physical entry names its IRTE once; a retarget is the IRTE's. */
	if (dev->msix_programmed & (1u << index))
		return pci_msix_entry_unmask(&dev->msix_hw, index);
	uint32_t raddr, rdata;
	msi_remappable_encode((uint16_t)(dev->msix_route.first + index), false, &raddr, &rdata);
	if ((err = pci_msix_entry_write(&dev->msix_hw, index, (struct msi_msg){ raddr, rdata },
					false)))
		return err;
	dev->msix_programmed |= 1u << index;
	return 0;
}

static const struct vmsix_ops msix_ops = { bar_mmio_read, bar_mmio_write, entry_update };

int passthrough_msix_setup(struct guest *g, struct pt_device *dev, const struct vpci_dev *vd)
{
	const struct pci_function *f = dev->fn;
	struct vmsix_config c = {
		.control = pci_read16(f->bdf, f->msix_cap + PCI_MSIX_FLAGS),
		.table = pci_read32(f->bdf, f->msix_cap + PCI_MSIX_TABLE),
		.pba = pci_read32(f->bdf, f->msix_cap + PCI_MSIX_PBA),
	};
	unsigned entries = (c.control & PCI_MSIX_FLAGS_QSIZE) + 1;
	int err;

	dev->guest = g;
	for (unsigned i = 0; i < VMSIX_BARS; i++)
		if (vd->bar[i].kind == VPCI_BAR_MEM32 || vd->bar[i].kind == VPCI_BAR_MEM64) {
			c.bar_addr[i] = vd->bar[i].addr;
			c.bar_size[i] = vd->bar[i].size;
		}
	uint64_t pages = ((uint64_t)entries * sizeof(struct vmsix_entry) + PAGE_SIZE - 1) / PAGE_SIZE;
	struct vmsix_entry *storage = (void *)(uintptr_t)page_alloc_zeroed(pages, 1);
	if (!storage)
		return -ENOMEM;
	if ((err = vmsix_init(&dev->msix, &msix_ops, dev, &c, storage, entries)))
		return err;
	device_msix_handle(f, c.bar_addr[dev->msix.table_bir] + dev->msix.table_offset,
			   &dev->msix_hw);
	/* IRTEs for up to 32 entries (a block); entries beyond are refused. */
	unsigned count = 1;
	while (count < entries && count < 32)
		count <<= 1;
	if ((err = irq_route_alloc(f, count, g->index + 1, &dev->msix_route)))
		return err;
	/* Whatever firmware left in the table stays quiet. */
	pci_msix_function_mask(&dev->msix_hw, true);
	for (unsigned i = 0; i < entries; i++)
		pci_msix_entry_mask(&dev->msix_hw, i);
	pci_msix_disable(&dev->msix_hw);
	dev->has_msix = true;
	return 0;
}

int passthrough_msix_control(struct pt_device *dev, bool enable, bool function_mask)
{
	if (!dev->has_msix)
		return -ENODEV;
	if (enable && dev->msi_on)
		return -EBUSY; /* MSI and MSI-X at once: undefined (PCIe 6.0, 6.1.4) */
	if (enable) {
		/* Enabled with every vector held while the entries change. */
		uint16_t off = dev->fn->msix_cap + PCI_MSIX_FLAGS;
		uint16_t ctrl = pci_read16(dev->fn->bdf, off);
		pci_write16(dev->fn->bdf, off,
			    ctrl | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	}
	vmsix_control(&dev->msix, enable, function_mask);
	if (!enable)
		return pci_msix_disable(&dev->msix_hw);
	/* Each entry's mask now carries the guest's state. */
	return pci_msix_function_mask(&dev->msix_hw, false);
}

void passthrough_msix_release(struct pt_device *dev)
{
	if (!dev->has_msix)
		return;
	pci_msix_function_mask(&dev->msix_hw, true);
	pci_msix_disable(&dev->msix_hw);
	if (irq_route_free(&dev->msix_route) == 0)
		dev->has_msix = false;
}

/* Under the view's lock: its MSI-X control calls into the same table. An
 * access the table refuses (size, alignment) reads all-ones. A vCPU still
 * running after its guest's release (passthrough_release() sets the flag
 * under this lock) finds the pages dead: the table's IRTEs are freed. */
static int msix_page_access(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
			    unsigned size, uint64_t *value)
{
	const struct pt_msix_trap *trap = ctx;
	struct pt_device *dev = trap->dev;
	struct guest *g = gv->guest;

	uint64_t flags = spin_lock(&g->pt.view_lock);
	bool live = !g->pt.released && dev->has_msix;
	int err = live ? vmsix_access(&dev->msix, trap->bar, trap->offset + offset, write, size,
				      value) : 0;
	spin_unlock(&g->pt.view_lock, flags);
	if ((!live || err == -EINVAL) && !write)
		*value = ~0ull;
	return 0;
}

int passthrough_msix_trap(struct guest *g, struct pt_device *dev)
{
	struct vmsix_range r[VMSIX_TRAP_RANGES_MAX];
	unsigned n = vmsix_trap_ranges(&dev->msix, r);

	for (unsigned i = 0; i < n; i++) {
		uint64_t base = dev->msix.bar_addr[r[i].bar] + r[i].offset;
		/* As map_bars() does: a BAR firmware left unassigned (at 0)
		 * is not the guest's, and its pages would lie in its RAM. */
		if (!dev->msix.bar_addr[r[i].bar])
			continue;
		dev->msix_trap[i] = (struct pt_msix_trap){ dev, r[i].bar, r[i].offset };
		int err = guest_mmio_register(&g->io, base, r[i].size, msix_page_access,
					      &dev->msix_trap[i]);
		if (err) {
			log_err("passthrough: guest %s: MSI-X pages at %#llx cannot be claimed "
				"(%d)\n", g->name, (unsigned long long)base, err);
			return err;
		}
	}
	return 0;
}
