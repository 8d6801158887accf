/* MSI-X of a passthrough device: the guest's table is virtual (hv/pci/vmsix.c,
 * its pages trap); each entry the guest makes active gets an IRTE of its
 * own the first time (its vector, its CPU, the device's source ID), kept
 * until the table is released, and a remappable message in the physical
 * entry, which stays masked otherwise. The physical Function Mask is held
 * while entries change. */
#include "arch/x86/cpu.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/pci.h"
#include "arch/x86/pci_regs.h"
#include "arch/x86/sizes.h"
#include "hv/guest/partition.h"
#include "hv/pci/passthrough.h"
#include "hv/remap/device_irq.h"
#include "iommu/irte.h"

#include <errno.h>
#include <string.h>

/* As MSI refusals: a guest enabling entries in a loop must not flood. */
#define IRTE_REFUSALS_LOGGED 8


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

/* The physical table is reached through its BAR: with the guest's Memory
 * Space Enable clear the device would drop hv's writes (a mask never made,
 * a message never written). Decoding is on around them; the BARs never
 * move (hv/pci/vpci.h), so it decodes where it did. Under the view lock:
 * no config write of the guest's comes between. */
static uint16_t table_decode_on(const struct pt_device *dev)
{
	uint16_t cmd = pci_read16(dev->fn->bdf, PCI_COMMAND);

	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write16(dev->fn->bdf, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
	return cmd;
}

static void table_decode_restore(const struct pt_device *dev, uint16_t cmd)
{
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write16(dev->fn->bdf, PCI_COMMAND, cmd);
}

/* The physical MSI-X: Function Mask on, every entry masked, off. */
static void table_quiet(struct pt_device *dev)
{
	pci_msix_function_mask(&dev->msix_hw, true);
	uint16_t cmd = table_decode_on(dev);
	for (unsigned i = 0; i < dev->msix.table_size; i++) {
		dev->msix_vector[i].unmasked = false;
		pci_msix_entry_mask(&dev->msix_hw, i);
	}
	table_decode_restore(dev, cmd);
	pci_msix_disable(&dev->msix_hw);
}

static int vector_mask(struct pt_device *dev, unsigned index)
{
	dev->msix_vector[index].unmasked = false;
	return pci_msix_entry_mask(&dev->msix_hw, index);
}

/* Entry `index`'s IRTE, taken the first time it is needed. */
static int vector_irte(struct pt_device *dev, unsigned index)
{
	struct pt_msix_vector *v = &dev->msix_vector[index];
	struct guest *g = dev->guest;

	if (v->route.count)
		return 0;
	int err = irq_route_alloc(dev->fn, 1, g->index + 1, &v->route);
	if (err) {
		if (__atomic_add_fetch(&g->refused_msis, 1, __ATOMIC_RELAXED) <= IRTE_REFUSALS_LOGGED)
			log_warn("guest %s: MSI-X entry %u: no IRTE left (%d); it stays masked\n",
				 g->name, index, err);
		return err;
	}
	dev->msix_irtes++;
	return 0;
}

static int vector_update(struct pt_device *dev, unsigned index, bool active, uint64_t addr,
			 uint32_t data)
{
	struct pt_msix_vector *v = &dev->msix_vector[index];
	uint8_t vector;
	int err;

	if (!active)
		return vector_mask(dev, index);
	struct guest_vcpu *target = passthrough_msi_target(dev->guest, dev, addr, data, 1,
							   &vector);
	if (!target) {
		vector_mask(dev, index);
		return -EPERM;
	}
	if ((err = vector_irte(dev, index)) ||
	    (err = passthrough_route(dev->guest, dev, &v->route, 0, target, vector))) {
		vector_mask(dev, index);
		return err;
	}
	/* Unmasked, the physical entry names its IRTE already: a retarget is
	 * the IRTE's. Masked, it is written whole again (a reset of the
	 * device's own may have cleared it). */
	if (v->unmasked)
		return 0;
	uint32_t raddr, rdata;
	msi_remappable_encode(v->route.first, false, &raddr, &rdata);
	if ((err = pci_msix_entry_write(&dev->msix_hw, index, (struct msi_msg){ raddr, rdata },
					false)))
		return err;
	v->unmasked = true;
	return 0;
}

static int entry_update(void *ctx, unsigned index, bool active, uint64_t addr, uint32_t data)
{
	struct pt_device *dev = ctx;

	if (index >= dev->msix.table_size)
		return -EINVAL;
	uint16_t cmd = table_decode_on(dev);
	int err = vector_update(dev, index, active, addr, data);
	table_decode_restore(dev, cmd);
	return err;
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
	if (entries > VMSIX_ENTRIES_MAX)
		return -EINVAL;
	uint64_t pages = ((uint64_t)entries * sizeof(struct vmsix_entry) + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t vpages = ((uint64_t)entries * sizeof(struct pt_msix_vector) + PAGE_SIZE - 1) /
			  PAGE_SIZE;
	struct vmsix_entry *storage = (void *)(uintptr_t)page_alloc_zeroed(pages, 1);
	dev->msix_vector = (void *)(uintptr_t)page_alloc_zeroed(vpages, 1);
	if (!storage || !dev->msix_vector)
		return -ENOMEM;
	if ((err = vmsix_init(&dev->msix, &msix_ops, dev, &c, storage, entries)))
		return err;
	device_msix_handle(f, c.bar_addr[dev->msix.table_bir] + dev->msix.table_offset,
			   &dev->msix_hw);
	/* Whatever firmware left in the table stays quiet. */
	table_quiet(dev);
	dev->has_msix = true;
	return 0;
}

void passthrough_msix_reset(struct pt_device *dev)
{
	if (!dev->has_msix)
		return;
	vmsix_reset(&dev->msix);
	table_quiet(dev);
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

/* Function Mask and Enable are config space: they hold whatever the
 * guest left in the command register. An IRTE whose clearing fails is kept
 * (and counted) rather than handed to another owner while still present. */
void passthrough_msix_release(struct pt_device *dev)
{
	if (!dev->has_msix)
		return;
	pci_msix_function_mask(&dev->msix_hw, true);
	pci_msix_disable(&dev->msix_hw);
	for (unsigned i = 0; i < dev->msix.table_size; i++) {
		struct pt_msix_vector *v = &dev->msix_vector[i];
		v->unmasked = false;
		if (v->route.count && irq_route_free(&v->route) == 0)
			dev->msix_irtes--;
	}
	if (!dev->msix_irtes)
		dev->has_msix = false;
}

/* Under the view's lock: its MSI-X control calls into the same table. An
 * access the table refuses (size, alignment) reads all-ones. A vCPU still
 * running after its guest's release (passthrough_release() sets the flag
 * under this lock) finds the pages dead: the table's IRTEs are freed; so
 * does one while the function resets (its table is the device's again
 * only after the FLR). */
static int msix_page_access(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
			    unsigned size, uint64_t *value)
{
	const struct pt_msix_trap *trap = ctx;
	struct pt_device *dev = trap->dev;
	struct guest *g = gv->guest;

	uint64_t flags = spin_lock(&g->pt.view_lock);
	bool live = !g->pt.released && dev->has_msix && !dev->resetting;
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
