/* Passthrough of PCI functions to a guest (DESIGN.md decision 2): each
 * device (functions sharing a requester ID count as one) gets a domain of
 * its own mapping exactly its guest's RAM, GPA to HPA; its MSIs go through
 * IRTEs the guest's MSI writes decide (hv/vpci.c gives the writes). When
 * the guest stops, its devices are quiesced, parked in the blocking domain
 * and their IRTEs freed. */
#include "hv/passthrough.h"
#include "arch/x86/pci.h"
#include "arch/x86/pci_regs.h"
#include "arch/x86/time.h"
#include "arch/x86/vcpu.h"
#include "hv/device_irq.h"
#include "hv/guest.h"
#include "hv/iommu.h"
#include "hv/log.h"
#include "hv/platform.h"
#include "iommu/irte.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PCI_EXP_DEVCAP 0x04
#define PCI_EXP_DEVCAP_FLR (1u << 28)
#define PCI_EXP_DEVCTL 0x08
#define PCI_EXP_DEVCTL_FLR (1u << 15)
#define FLR_WAIT_US 100000 /* PCIe 6.0, 6.6.2: 100 ms before the function is used */
#define HEADER_DWORDS 16
#define MSI_MAX_VECTORS 32
#define MSI_CTRL_MMC(c) (((c) >> 1) & 7)

static const char *name_of(const struct pci_function *f, char buf[16])
{
	snprintf(buf, 16, "%02x:%02x.%u", f->bdf.bus, f->bdf.dev, f->bdf.fn);
	return buf;
}

/* A function-level reset where the function offers one (PCIe 6.0, 6.6.2),
 * with the header saved around it: the reset clears the BARs firmware
 * assigned, which the guest sees as they were. */
static void reset_function(const struct pci_function *f)
{
	uint32_t header[HEADER_DWORDS];
	char name[16];

	name_of(f, name);
	if (!f->pcie_cap ||
	    !(pci_read32(f->bdf, f->pcie_cap + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR)) {
		log_info("passthrough: %s has no function-level reset\n", name);
		return;
	}
	for (unsigned i = 0; i < HEADER_DWORDS; i++)
		header[i] = pci_read32(f->bdf, (uint16_t)(i * 4));
	uint16_t ctl = pci_read16(f->bdf, f->pcie_cap + PCI_EXP_DEVCTL);
	pci_write16(f->bdf, f->pcie_cap + PCI_EXP_DEVCTL, ctl | PCI_EXP_DEVCTL_FLR);
	time_delay_us(FLR_WAIT_US);
	/* BARs and the rest first, the command register (decoding) last. */
	for (unsigned i = 2; i < HEADER_DWORDS; i++)
		pci_write32(f->bdf, (uint16_t)(i * 4), header[i]);
	pci_write16(f->bdf, PCI_COMMAND, (uint16_t)header[1] & ~PCI_COMMAND_BUS_MASTER);
	log_info("passthrough: %s reset (FLR)\n", name);
}

static struct vtd_domain *domain_for(struct passthrough *pt, struct guest *g,
				     const struct pci_function *f, int *err)
{
	uint16_t sid = f->alias[f->alias_count - 1];
	struct vtd_unit *u = iommu_unit_of(f);

	for (unsigned i = 0; i < pt->domain_count; i++)
		if (pt->domain_sid[i] == sid && pt->domain[i].unit == u)
			return &pt->domain[i];
	if (!u) {
		*err = -ENODEV;
		return NULL;
	}
	struct vtd_domain *d = &pt->domain[pt->domain_count];
	if ((*err = vtd_domain_create(u, d)))
		return NULL;
	/* Exactly the guest's RAM (guest_abi.h): not the legacy hole, not
	 * the interrupt range, nothing of the hypervisor's or another's. */
	uint64_t rw = VTD_SL_R | VTD_SL_W;
	if ((*err = vtd_domain_map(d, 0, g->ram, HV_GUEST_LEGACY_HOLE, rw)) ||
	    (*err = vtd_domain_map(d, HV_GUEST_LEGACY_END, g->ram + HV_GUEST_LEGACY_END,
				   g->mem_size - HV_GUEST_LEGACY_END, rw)))
		return NULL;
	pt->domain_sid[pt->domain_count++] = sid;
	return d;
}

/* Memory BARs appear at their physical addresses (DESIGN.md decision 8):
 * mapped GPA = HPA in the guest's nested table, so device MMIO runs
 * without exits. Sized with decoding off (PCI LB 3.0, 6.2.5.1). I/O BARs
 * are not passed through: every port exits, and the guest's reads of them
 * float high. */
static int map_bars(struct guest *g, const struct pci_function *f)
{
	uint16_t cmd = pci_command_update(f->bdf, 0, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	int err = 0;

	for (unsigned i = 0; i < PCI_BAR_COUNT && !err; i++) {
		uint16_t off = (uint16_t)PCI_BAR(i);
		uint32_t lo = pci_read32(f->bdf, off);
		if (lo & PCI_BAR_IO)
			continue;
		bool is64 = (lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64;
		uint32_t hi = is64 ? pci_read32(f->bdf, off + 4) : 0;
		pci_write32(f->bdf, off, 0xffffffffu);
		uint64_t mask = pci_read32(f->bdf, off) & ~0xfull;
		if (is64) {
			pci_write32(f->bdf, off + 4, 0xffffffffu);
			mask |= (uint64_t)pci_read32(f->bdf, off + 4) << 32;
			pci_write32(f->bdf, off + 4, hi);
		} else {
			mask |= 0xffffffff00000000ull;
		}
		pci_write32(f->bdf, off, lo);
		uint64_t base = ((uint64_t)hi << 32 | lo) & ~0xfull, size = ~mask + 1;
		if (is64)
			i++;
		if (!mask || !base)
			continue; /* not implemented, or not assigned by firmware */
		uint64_t start = base & ~0xfffull, end = (base + size + 0xfff) & ~0xfffull;
		if (start < g->mem_size) {
			log_err("passthrough: BAR at %#llx overlaps guest %s's RAM\n",
				(unsigned long long)base, g->name);
			err = -EINVAL;
			break;
		}
		err = pt_map(&g->npt, start, start, end - start, vcpu_npt_ram_flags());
	}
	pci_command_update(f->bdf, cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO), 0);
	return err;
}

static int assign_one(struct passthrough *pt, struct guest *g, const struct pci_function *f)
{
	struct pt_device *dev = &pt->dev[pt->count];
	char name[16];
	int err = 0;

	memset(dev, 0, sizeof(*dev));
	dev->fn = f;
	name_of(f, name);
	/* Detached from the host: no DMA until the guest enables it. */
	pci_command_update(f->bdf, 0, PCI_COMMAND_BUS_MASTER);
	device_msi_disable(f);
	reset_function(f);
	if (!(dev->domain = domain_for(pt, g, f, &err))) {
		log_err("passthrough: %s: no domain (%d)\n", name, err);
		return err;
	}
	if (iommu_map_rmrrs(dev->domain, f) > 0)
		log_warn("passthrough: %s has RMRRs: firmware's DMA ranges are mapped for guest %s\n",
			 name, g->name);
	if ((err = iommu_attach_function(dev->domain, f)) && err != -EBUSY)
		return err;
	if ((err = map_bars(g, f)))
		return err;
	iommu_set_owner(f->alias[f->alias_count - 1], g->name);
	if (f->msi_cap) {
		uint16_t ctrl = pci_read16(f->bdf, f->msi_cap + 2);
		dev->msi_vectors = 1u << MSI_CTRL_MMC(ctrl);
		if (dev->msi_vectors > MSI_MAX_VECTORS)
			dev->msi_vectors = MSI_MAX_VECTORS;
		if ((err = irq_route_alloc(f, dev->msi_vectors, g->index + 1, &dev->route)))
			log_warn("passthrough: %s: no IRTEs (%d): its MSIs stay off\n", name, err);
		dev->has_route = !err;
	}
	pt->count++;
	log_info("passthrough: %s to guest %s, domain %u, %u MSI vector%s%s\n", name, g->name,
		 dev->domain->did, dev->msi_vectors, dev->msi_vectors == 1 ? "" : "s",
		 dev->has_route ? "" : " (not remapped)");
	return 0;
}

int passthrough_assign(struct passthrough *pt, struct guest *g, const pci_sbdf_t *list,
		       unsigned n)
{
	memset(pt, 0, sizeof(*pt));
	for (unsigned i = 0; i < n; i++) {
		struct pci_bdf bdf = { (uint16_t)(list[i] >> 16), (uint8_t)(list[i] >> 8),
				       (uint8_t)((list[i] >> 3) & 0x1f), (uint8_t)(list[i] & 7) };
		int k = platform.pci ? pci_find(platform.pci, bdf) : -1;
		if (k < 0)
			return -ENODEV; /* config_validate() said it exists */
		int err = assign_one(pt, g, &platform.pci->fn[k]);
		if (err)
			return err;
	}
	return 0;
}

struct pt_device *passthrough_device(struct passthrough *pt, const struct pci_function *f)
{
	for (unsigned i = 0; i < pt->count; i++)
		if (pt->dev[i].fn == f)
			return &pt->dev[i];
	return NULL;
}

/* The guest's MSI, as it wrote it in its view of the capability, becomes an
 * IRTE per vector and a remappable message in the device. What it may not
 * have (another's CPU, a delivery mode other than fixed or lowest
 * priority) leaves the device's MSI off. */
int passthrough_msi_update(struct guest *g, struct pt_device *dev, bool enabled, uint64_t addr,
			   uint32_t data, unsigned vectors)
{
	struct msi_compat m;
	char name[16];
	int err;

	name_of(dev->fn, name);
	if (!enabled) {
		device_msi_disable(dev->fn);
		for (unsigned i = 0; dev->has_route && i < dev->route.count; i++)
			irq_route_mask(&dev->route, i);
		dev->msi_on = false;
		return 0;
	}
	if (!dev->has_route)
		return -ENODEV;
	if (msi_compat_decode(addr, data, &m) || m.dest_logical ||
	    !irte_dlm_allowed_for_device_msi(m.dlm) || vectors > dev->route.count ||
	    (m.vector & (vectors - 1)) || m.vector < 32) {
		log_warn("guest %s: %s: MSI %#llx/%#x refused (format, delivery mode or vector); "
			 "the device stays masked\n", g->name, name, (unsigned long long)addr, data);
		device_msi_disable(dev->fn);
		dev->msi_on = false;
		return -EINVAL;
	}
	struct guest_vcpu *target = guest_vcpu_of_apic_id(g, m.dest);
	if (!target) {
		log_warn("guest %s: %s: MSI to APIC ID %u refused: not one of the guest's CPUs; "
			 "the device stays masked\n", g->name, name, m.dest);
		device_msi_disable(dev->fn);
		dev->msi_on = false;
		return -EPERM;
	}
	/* A live entry is retargeted in place: the device's message does not
	 * change, the interrupt migrates with one IRTE write. */
	for (unsigned i = 0; i < vectors; i++)
		if ((err = irq_route_set(&dev->route, i, target->apic_id, (uint8_t)(m.vector + i))))
			return err;
	if (!dev->msi_on || dev->msi_vectors_on != vectors) {
		uint32_t raddr, rdata;
		irq_route_msi(&dev->route, &raddr, &rdata);
		if ((err = device_msi_enable(dev->fn, raddr, rdata, vectors)))
			return err;
		dev->msi_on = true;
		dev->msi_vectors_on = vectors;
	}
	return 0;
}

void passthrough_release(struct passthrough *pt, struct guest *g)
{
	char name[16];

	for (unsigned i = 0; i < pt->count; i++) {
		struct pt_device *dev = &pt->dev[i];
		device_msi_disable(dev->fn);
		int err = dev->quarantined ? 0 : iommu_quarantine_function(dev->domain, dev->fn);
		dev->quarantined = true;
		if (dev->has_route && irq_route_free(&dev->route) == 0)
			dev->has_route = false;
		log_info("passthrough: %s released by guest %s: blocked%s\n", name_of(dev->fn, name),
			 g->name, err ? " (context update failed; bus mastering is off)" : "");
	}
}
