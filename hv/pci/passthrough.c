/* Passthrough of PCI functions to a guest: each device (functions sharing
 * a requester ID count as one) gets a domain of its own mapping exactly its
 * guest's RAM, GPA to HPA; its MSIs go through IRTEs the guest's MSI writes
 * decide (hv/pci/vpci.c gives the writes). When
 * the guest stops, its devices are quiesced, parked in the blocking domain
 * and their IRTEs freed. */
#include "hv/pci/passthrough.h"
#include "arch/x86/cpu.h"
#include "arch/x86/log.h"
#include "arch/x86/pci.h"
#include "arch/x86/pci_regs.h"
#include "arch/x86/time.h"
#include "arch/x86/vcpu.h"
#include "hv/guest/apic_logical.h"
#include "hv/guest/partition.h"
#include "hv/platform.h"
#include "hv/remap/audit.h"
#include "hv/remap/device_irq.h"
#include "hv/remap/fault_counts.h"
#include "hv/remap/faults.h"
#include "hv/remap/units.h"
#include "iommu/irte.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PCI_EXP_DEVCTL 0x08
#define PCI_EXP_DEVCTL_FLR (1u << 15)
#define FLR_WAIT_US 100000 /* PCIe 6.0, 6.6.2: 100 ms before the function is used */
#define MSI_MAX_VECTORS 32
#define MSI_CTRL_MMC(c) (((c) >> 1) & 7)
#define MSI_REFUSALS_LOGGED 8
/* Routes logged per guest: a guest retargeting in a loop must not flood. */
#define MSI_ROUTES_LOGGED 8
/* Resets by the guest logged: each costs its vCPU FLR_WAIT_US, a loop of
 * them would still fill the console. */
#define GUEST_RESETS_LOGGED 8

/* Every requester a guest can hold has a fault counter of its own, so that
 * a storm from any of them is seen (iommu_set_owner() refuses otherwise). */
_Static_assert(GUEST_MAX * CONFIG_GUEST_PCI_MAX <= FAULT_SLOTS,
	       "a fault counter for every device guests may hold");

static const char *name_of(const struct pci_function *f, char buf[16])
{
	snprintf(buf, 16, "%02x:%02x.%u", f->bdf.bus, f->bdf.dev, f->bdf.fn);
	return buf;
}

/* As enumeration read it: the restart check (hv/guest/config_check.c)
 * decided on the same bit. */
static bool has_flr(const struct pci_function *f)
{
	return f->has_flr;
}

/* Initiates a function-level reset (PCIe 6.0, 6.6.2) with the header saved
 * first: the reset clears the BARs firmware assigned, which the guest sees
 * (and the nested table maps) where they were. */
static void flr_start(const struct pci_function *f, uint32_t header[PT_HEADER_DWORDS])
{
	for (unsigned i = 0; i < PT_HEADER_DWORDS; i++)
		header[i] = pci_read32(f->bdf, (uint16_t)(i * 4));
	uint16_t ctl = pci_read16(f->bdf, f->pcie_cap + PCI_EXP_DEVCTL);
	pci_write16(f->bdf, f->pcie_cap + PCI_EXP_DEVCTL, ctl | PCI_EXP_DEVCTL_FLR);
}

/* Once FLR_WAIT_US have passed: BARs and the rest first, the command
 * register (decoding) last, as `command`. */
static void flr_finish(const struct pci_function *f, const uint32_t header[PT_HEADER_DWORDS],
		       uint16_t command)
{
	for (unsigned i = 2; i < PT_HEADER_DWORDS; i++)
		pci_write32(f->bdf, (uint16_t)(i * 4), header[i]);
	pci_write16(f->bdf, PCI_COMMAND, command);
}

/* At assignment, where the function offers it; decoding as it was, bus
 * mastering off. */
static void reset_function(const struct pci_function *f)
{
	uint32_t header[PT_HEADER_DWORDS];
	char name[16];

	name_of(f, name);
	if (!has_flr(f)) {
		log_info("passthrough: %s has no function-level reset\n", name);
		return;
	}
	flr_start(f, header);
	time_delay_us(FLR_WAIT_US);
	flr_finish(f, header, (uint16_t)header[1] & ~PCI_COMMAND_BUS_MASTER);
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
	/* Exactly the guest's RAM (hv/guest/abi.h): not the legacy hole, not
	 * the interrupt range, nothing of the hypervisor's or another's. */
	uint64_t rw = VTD_SL_R | VTD_SL_W;
	if ((*err = vtd_domain_map(d, 0, g->ram, HV_GUEST_LEGACY_HOLE, rw)) ||
	    (*err = vtd_domain_map(d, HV_GUEST_LEGACY_END, g->ram + HV_GUEST_LEGACY_END,
				   g->mem_size - HV_GUEST_LEGACY_END, rw)))
		return NULL;
	pt->domain_sid[pt->domain_count++] = sid;
	return d;
}

/* Memory BARs appear at their physical addresses, as the view sized them:
 * mapped GPA = HPA in the guest's nested table, so device MMIO runs
 * without exits. I/O BARs are not passed through: every
 * port exits, and the guest's reads of them float high. */
static int map_range(struct guest *g, uint64_t start, uint64_t size)
{
	uint64_t end = (start + size + 0xfff) & ~0xfffull;

	start &= ~0xfffull;
	if (start < g->mem_size ||
	    (start < GUEST_PCI_ECAM + GUEST_PCI_ECAM_SIZE && end > GUEST_PCI_ECAM)) {
		log_err("passthrough: guest %s: BAR at %#llx overlaps its RAM or PCI window\n",
			g->name, (unsigned long long)start);
		return -EINVAL;
	}
	return pt_map(&g->npt, start, start, end - start, vcpu_npt_mmio_flags());
}

/* A BAR smaller than a page shares its page with whatever else firmware
 * put there: refused when another function's memory BAR starts on it
 * (BARs are aligned to their size, so one that is a page or larger never
 * shares a page). */
static bool page_shared(const struct pci_function *self, uint64_t page)
{
	const struct pci_topology *t = platform.pci;

	for (unsigned k = 0; t && k < t->count; k++) {
		const struct pci_function *o = &t->fn[k];
		if (o == self)
			continue;
		unsigned bars = o->is_bridge ? 2 : PCI_BAR_COUNT;
		for (unsigned i = 0; i < bars; i++) {
			uint32_t lo = pci_read32(o->bdf, (uint16_t)PCI_BAR(i));
			if (lo & PCI_BAR_IO)
				continue;
			uint64_t base = lo & ~0xfull;
			if ((lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64 && i + 1 < bars)
				base |= (uint64_t)pci_read32(o->bdf, (uint16_t)PCI_BAR(++i)) << 32;
			if (base && (base & ~0xfffull) == page)
				return true;
		}
	}
	return false;
}

/* The MSI-X table and PBA pages are left out: they trap. */
static int map_bars(struct guest *g, const struct pt_device *dev, const struct vpci_dev *vd)
{
	for (unsigned i = 0; i < VPCI_BARS; i++) {
		const struct vpci_bar *bar = &vd->bar[i];
		if (bar->kind != VPCI_BAR_MEM32 && bar->kind != VPCI_BAR_MEM64)
			continue;
		if (!bar->addr)
			continue; /* firmware left it unassigned */
		if (bar->size < 0x1000 && page_shared(dev->fn, bar->addr & ~0xfffull)) {
			log_err("passthrough: guest %s: BAR at %#llx shares its page with another "
				"function's registers\n", g->name, (unsigned long long)bar->addr);
			return -EPERM;
		}
		if (dev->has_msix) {
			struct vmsix_range r[VMSIX_MAP_RANGES_MAX];
			unsigned n = vmsix_map_ranges(&dev->msix, i, r);
			for (unsigned k = 0; k < n; k++) {
				int err = map_range(g, bar->addr + r[k].offset, r[k].size);
				if (err)
					return err;
			}
			continue;
		}
		int err = map_range(g, bar->addr, bar->size);
		if (err)
			return err;
	}
	return 0;
}

static int assign_one(struct passthrough *pt, struct guest *g, const struct pci_function *f)
{
	struct pt_device *dev = &pt->dev[pt->count];
	char name[16];
	int err = 0;

	memset(dev, 0, sizeof(*dev));
	dev->fn = f;
	dev->guest = g;
	name_of(f, name);
	/* Without interrupt remapping a device's DMA to 0xFEEx_xxxx is an
	 * interrupt to any CPU with any vector (INIT included): no guest may
	 * have a bus master there. */
	if (!irq_route_unit_enabled(iommu_unit_of(f))) {
		log_err("passthrough: %s: its unit does not remap interrupts; refused\n", name);
		return -EPERM;
	}
	/* Detached from the host: no DMA until the guest enables it, no INTx
	 * ever (guests get MSIs only). */
	pci_command_update(f->bdf, PCI_COMMAND_INTX_DISABLE, PCI_COMMAND_BUS_MASTER);
	device_msi_disable(f);
	reset_function(f);
	if (!(dev->domain = domain_for(pt, g, f, &err))) {
		log_err("passthrough: %s: no domain (%d)\n", name, err);
		return err;
	}
	if ((err = iommu_map_rmrrs(dev->domain, f)) < 0)
		return err;
	if (err > 0)
		log_warn("passthrough: %s has RMRRs: firmware's DMA ranges are mapped for guest %s\n",
			 name, g->name);
	/* -EBUSY: another domain (the hypervisor's own DMA, say) holds it. */
	if ((err = iommu_attach_function(dev->domain, f))) {
		log_err("passthrough: %s is in use (%d); refused\n", name, err);
		return err;
	}
	int slot = vpci_add_device(&pt->view, f->bdf);
	if (slot != (int)pt->count) {
		log_err("passthrough: %s cannot be shown to guest %s (%d)\n", name, g->name, slot);
		return slot < 0 ? slot : -EINVAL;
	}
	if (f->msix_cap && (err = passthrough_msix_setup(g, dev, &pt->view.dev[slot]))) {
		log_err("passthrough: %s: MSI-X cannot be emulated (%d)\n", name, err);
		return err;
	}
	if ((err = map_bars(g, dev, &pt->view.dev[slot])))
		return err;
	if (dev->has_msix && (err = passthrough_msix_trap(g, dev)))
		return err;
	if ((err = iommu_set_owner(f->alias[f->alias_count - 1], g->name))) {
		log_err("passthrough: %s: no fault counter left, it could not be quarantined; "
			"refused\n", name);
		return err;
	}
	if (f->msi_cap) {
		uint16_t ctrl = pci_read16(f->bdf, f->msi_cap + 2);
		dev->msi_vectors = 1u << MSI_CTRL_MMC(ctrl);
		if (dev->msi_vectors > MSI_MAX_VECTORS)
			dev->msi_vectors = MSI_MAX_VECTORS;
		if ((err = irq_route_alloc(f, dev->msi_vectors, g->index + 1, &dev->route)))
			log_warn("passthrough: %s: no IRTEs (%d): its MSIs stay off\n", name, err);
		dev->has_route = !err;
		err = 0;
	}
	pt->count++;
	log_info("passthrough: %s to guest %s, domain %u, %u MSI vector%s%s, %u MSI-X entries\n",
		 name, g->name, dev->domain->did, dev->msi_vectors, dev->msi_vectors == 1 ? "" : "s",
		 f->msi_cap && !dev->has_route ? " (not remapped)" : "",
		 dev->has_msix ? dev->msix.table_size : 0);
	return 0;
}

/* ---- the guest's accesses to its view ------------------------------------ */

static int msi_update(struct guest *g, struct pt_device *dev, bool enabled, uint64_t addr,
		      uint32_t data, unsigned vectors);

/* The guest's resets its access started (pt->resets_started), finished on
 * its own vCPU: the wait the reset needs is spent without the view lock
 * (its interrupts off, the other vCPUs' config accesses behind it), then
 * the header comes back under it. The function's domain and context entry
 * stay as they are: an FLR changes neither its requester ID nor the
 * guest's RAM it may reach. Decoding and bus mastering stay off, as after
 * any reset, until the guest's command register write turns them on
 * (Linux's pci_restore_state() does). After passthrough_release() the
 * function is the hypervisor's: left as release left it. */
static void finish_resets(struct passthrough *pt, struct guest *g, uint32_t slots)
{
	char name[16];

	for (unsigned i = 0; i < pt->count; i++)
		if (slots & (1u << i))
			while (!deadline_passed(pt->dev[i].reset_deadline))
				cpu_relax();
	uint64_t flags = spin_lock(&pt->view_lock);
	for (unsigned i = 0; i < pt->count && !pt->released; i++) {
		struct pt_device *dev = &pt->dev[i];
		if (!(slots & (1u << i)))
			continue;
		flr_finish(dev->fn, dev->reset_header, PCI_COMMAND_INTX_DISABLE);
		device_msi_disable(dev->fn);
		passthrough_msix_reset(dev);
		dev->resetting = false;
		vpci_reset_done(&pt->view, i);
		if (++pt->resets_logged <= GUEST_RESETS_LOGGED)
			log_info("guest %s: %s: reset by the guest (FLR)%s\n", g->name,
				 name_of(dev->fn, name),
				 pt->resets_logged == GUEST_RESETS_LOGGED ?
					 "; further resets not logged" : "");
	}
	spin_unlock(&pt->view_lock, flags);
}

/* Under the view lock, from the guest's write of Initiate FLR (the view
 * itself is back to reset state): its MSI off and its IRTEs masked, its
 * MSI-X table masked and off, the physical FLR started; the access that
 * wrote it finishes it (finish_resets()). */
static int view_reset(void *ctx, unsigned slot)
{
	struct guest *g = ctx;

	if (slot >= g->pt.count || !has_flr(g->pt.dev[slot].fn))
		return -EINVAL;
	struct pt_device *dev = &g->pt.dev[slot];
	msi_update(g, dev, false, 0, 0, 0);
	passthrough_msix_reset(dev);
	dev->resetting = true;
	flr_start(dev->fn, dev->reset_header);
	dev->reset_deadline = deadline_after_us(FLR_WAIT_US);
	g->pt.resets_started |= 1u << slot;
	return 0;
}

/* The resets the access just made under the lock started: its own. */
static uint32_t take_started(struct passthrough *pt)
{
	uint32_t started = pt->resets_started;

	pt->resets_started = 0;
	return started;
}

/* Configuration space is 1, 2 or 4 bytes at a time: a wider read gets
 * all-ones (vpci drops a wider write). */
static int ecam_access(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
		       unsigned size, uint64_t *value)
{
	struct passthrough *pt = ctx;
	uint32_t v = write ? (uint32_t)*value : ~0u;

	if (!write && size > 4) {
		*value = ~0ull;
		return 0;
	}
	uint64_t flags = spin_lock(&pt->view_lock);
	if (pt->released)
		v = ~0u;
	else if (write)
		vpci_ecam_write(&pt->view, offset, size, v);
	else
		vpci_ecam_read(&pt->view, offset, size, &v);
	uint32_t resets = take_started(pt);
	spin_unlock(&pt->view_lock, flags);
	if (resets)
		finish_resets(pt, gv->guest, resets);
	if (!write)
		*value = v;
	return 0;
}

static void view_port_io(struct passthrough *pt, struct guest *g, uint16_t port, bool write,
			 unsigned size, uint64_t *value)
{
	uint32_t v = (uint32_t)*value;

	uint64_t flags = spin_lock(&pt->view_lock);
	if (pt->released)
		v = ~0u;
	else
		vpci_io(&pt->view, port, !write, size, &v);
	uint32_t resets = take_started(pt);
	spin_unlock(&pt->view_lock, flags);
	if (resets)
		finish_resets(pt, g, resets);
	*value = v;
}

static int config_address_io(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
			     unsigned size, uint64_t *value)
{
	view_port_io(ctx, gv->guest, (uint16_t)(VPCI_PORT_ADDRESS + offset), write, size, value);
	return 0;
}

static int config_data_io(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
			  unsigned size, uint64_t *value)
{
	view_port_io(ctx, gv->guest, (uint16_t)(VPCI_PORT_DATA + offset), write, size, value);
	return 0;
}

/* 0xCF9-0xCFB are not the view's: 0xCF9 is a chipset's reset control. */
static int claim_view(struct passthrough *pt, struct guest *g)
{
	int err;

	if ((err = guest_port_register(&g->io, VPCI_PORT_ADDRESS, 1, config_address_io, pt)) ||
	    (err = guest_port_register(&g->io, VPCI_PORT_DATA,
				       VPCI_PORT_LAST - VPCI_PORT_DATA + 1, config_data_io, pt)) ||
	    (err = guest_mmio_register(&g->io, GUEST_PCI_ECAM, GUEST_PCI_ECAM_SIZE, ecam_access,
				       pt)))
		log_err("passthrough: guest %s: its PCI view's ports or ECAM window cannot be "
			"claimed (%d)\n", g->name, err);
	return err;
}

int passthrough_route(struct guest *g, const struct pt_device *dev, struct irq_route *route,
		      unsigned index, const struct guest_vcpu *target, uint8_t vector)
{
	char name[16];
	int err;

	if ((err = irq_route_set(route, index, target->apic_id, vector)) ||
	    (err = audit_route_entry(g, route, index)))
		return err;
	unsigned long n = __atomic_add_fetch(&g->routes_logged, 1, __ATOMIC_RELAXED);
	if (n <= MSI_ROUTES_LOGGED)
		log_info("guest %s: %s: vector %#x remapped by IRTE %u to vCPU %u (APIC ID %u)%s\n",
			 g->name, name_of(dev->fn, name), vector, route->first + index,
			 target->index, target->apic_id,
			 n == MSI_ROUTES_LOGGED ? "; further routes not logged" : "");
	return 0;
}

static int view_msi_update(void *ctx, unsigned slot, const struct vpci_msi_state *s)
{
	struct guest *g = ctx;

	if (slot >= g->pt.count)
		return -EINVAL;
	struct pt_device *dev = &g->pt.dev[slot];
	int err = msi_update(g, dev, s->enabled, s->addr, s->data, 1u << s->log2_enabled);
	/* The guest's per-vector masks, on what was accepted only. */
	if (!err && s->enabled && s->maskable)
		err = device_msi_set_mask(dev->fn, s->mask, 1u << s->log2_enabled);
	return err;
}

static int view_msix_control(void *ctx, unsigned slot, bool enable, bool function_mask)
{
	struct guest *g = ctx;

	return slot < g->pt.count ?
		passthrough_msix_control(&g->pt.dev[slot], enable, function_mask) : -EINVAL;
}

int passthrough_assign(struct passthrough *pt, struct guest *g, const pci_sbdf_t *list,
		       unsigned n)
{
	memset(pt, 0, sizeof(*pt));
	/* It guards this guest's view; the IRTEs and VT-d queues behind it
	 * have locks of their own, not recoverable. */
	spin_lock_init_recoverable(&pt->view_lock);
	pt->view_ops = (struct vpci_ops){ .read32 = pci_cfg_read32, .write16 = pci_cfg_write16,
					  .write32 = pci_cfg_write32, .msi_update = view_msi_update,
					  .msix_control = view_msix_control, .ctx = g,
					  .reset = view_reset };
	vpci_init(&pt->view, &pt->view_ops, g->name);
	for (unsigned i = 0; i < n; i++) {
		int k = platform.pci ? pci_find(platform.pci, pci_bdf_unpack(list[i])) : -1;
		if (k < 0)
			return -ENODEV; /* config_validate() said it exists */
		const struct pci_function *f = &platform.pci->fn[k];
		if (f->is_bridge) {
			/* Part of the group of the devices behind it: taken with
			 * them, not shown to the guest; it must forward their DMA
			 * upstream (its Bus Master Enable, PCI-PCI Bridge 1.2,
			 * 3.2.5.3), which the boot's quiesce turned off. */
			pci_command_update(f->bdf, PCI_COMMAND_BUS_MASTER | PCI_COMMAND_MEMORY, 0);
			log_info("passthrough: bridge %02x:%02x.%u goes with its group to guest %s, "
				 "unseen\n", f->bdf.bus, f->bdf.dev, f->bdf.fn, g->name);
			continue;
		}
		int err = assign_one(pt, g, f);
		if (err)
			return err;
	}
	/* Only bridges given: the guest sees no PCI at all. */
	return pt->count ? claim_view(pt, g) : 0;
}

/* The vCPU a logical (flat) destination names; with several, the lowest
 * numbered: an IRTE targets one CPU, in physical mode. NULL with *why. */
static struct guest_vcpu *logical_target(struct guest *g, uint8_t dest, const char **why)
{
	uint32_t ldr[HV_GUEST_MAX_CPUS], dfr[HV_GUEST_MAX_CPUS], named;

	for (unsigned i = 0; i < g->vcpu_count; i++) {
		ldr[i] = __atomic_load_n(&g->vcpu[i].ldr, __ATOMIC_RELAXED);
		dfr[i] = __atomic_load_n(&g->vcpu[i].dfr, __ATOMIC_RELAXED);
	}
	if ((*why = apic_logical_targets(dest, ldr, dfr, g->vcpu_count, &named)))
		return NULL;
	return &g->vcpu[__builtin_ctz(named)];
}

/* The guest's MSI, as it wrote it in its view of the capability, becomes an
 * IRTE per vector and a remappable message in the device. What it may not
 * have (another's CPU, a delivery mode other than fixed or lowest
 * priority) leaves the device's MSI off. */
struct guest_vcpu *passthrough_msi_target(struct guest *g, const struct pt_device *dev,
					   uint64_t addr, uint32_t data, unsigned vectors,
					   uint8_t *vector)
{
	struct msi_compat m;
	const char *why = NULL;
	char name[16];
	bool valid = !msi_compat_decode(addr, data, &m) &&
		     irte_dlm_allowed_for_device_msi(m.dlm) && !(m.vector & (vectors - 1)) &&
		     m.vector >= 32;
	struct guest_vcpu *target = !valid ? NULL : m.dest_logical ?
		logical_target(g, m.dest, &why) : guest_vcpu_of_apic_id(g, m.dest);

	if (target) {
		*vector = m.vector;
		return target;
	}
	/* A guest rewriting a refused message in a loop must not flood the
	 * console: the first few refusals are logged. */
	if (__atomic_add_fetch(&g->refused_msis, 1, __ATOMIC_RELAXED) > MSI_REFUSALS_LOGGED)
		return NULL;
	name_of(dev->fn, name);
	if (valid && m.dest_logical)
		log_warn("guest %s: %s: MSI to logical destination %#x refused: %s; the device "
			 "stays masked\n", g->name, name, m.dest, why);
	else if (valid)
		log_warn("guest %s: %s: MSI to APIC ID %u refused: not one of the guest's CPUs; "
			 "the device stays masked\n", g->name, name, m.dest);
	else
		log_warn("guest %s: %s: MSI %#llx/%#x refused (format, delivery mode or vector); "
			 "the device stays masked\n", g->name, name, (unsigned long long)addr, data);
	return NULL;
}

static int msi_update(struct guest *g, struct pt_device *dev, bool enabled, uint64_t addr,
		      uint32_t data, unsigned vectors)
{
	uint8_t vector;
	int err;

	if (!enabled) {
		device_msi_disable(dev->fn);
		for (unsigned i = 0; dev->has_route && i < dev->route.count; i++)
			irq_route_mask(&dev->route, i);
		dev->msi_on = false;
		return 0;
	}
	if (!dev->has_route || vectors > dev->route.count)
		return -ENODEV;
	struct guest_vcpu *target = passthrough_msi_target(g, dev, addr, data, vectors, &vector);
	if (!target) {
		device_msi_disable(dev->fn);
		dev->msi_on = false;
		return -EPERM;
	}
	/* A live entry is retargeted in place: the device's message does not
	 * change, the interrupt migrates with one IRTE write. */
	for (unsigned i = 0; i < vectors; i++)
		if ((err = passthrough_route(g, dev, &dev->route, i, target, (uint8_t)(vector + i))))
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

/* Under the view lock, so a vCPU past the stop timeout is either done with
 * its access or sees `released` and does nothing: no MSI or MSI-X write can
 * set an IRTE after it was freed, or turn a blocked device's MSI back on.
 * The teardown itself needs no lock: every vCPU access checks the flag
 * first. The fault-storm handler, on this CPU, cannot interleave: it runs
 * in an interrupt, and interrupts are off here. */
static void close_view(struct passthrough *pt)
{
	uint64_t flags = spin_lock(&pt->view_lock);

	pt->released = true;
	spin_unlock(&pt->view_lock, flags);
}

void passthrough_release(struct passthrough *pt, struct guest *g)
{
	char name[16];

	close_view(pt);
	for (unsigned i = 0; i < pt->count; i++) {
		struct pt_device *dev = &pt->dev[i];
		device_msi_disable(dev->fn);
		passthrough_msix_release(dev);
		/* Functions sharing a requester ID share its context entry:
		 * parked once. */
		uint16_t sid = dev->fn->alias[dev->fn->alias_count - 1];
		for (unsigned k = 0; k < i && !dev->quarantined; k++)
			dev->quarantined = pt->dev[k].fn->alias[pt->dev[k].fn->alias_count - 1] == sid;
		int err = dev->quarantined ? 0 : iommu_quarantine_function(dev->domain, dev->fn);
		dev->quarantined = true;
		if (dev->has_route && irq_route_free(&dev->route) == 0)
			dev->has_route = false;
		/* Parked with fault processing off, it reports no more faults:
		 * its counter is free for another requester. */
		iommu_set_owner(sid, NULL);
		log_info("passthrough: %s released by guest %s: blocked%s\n", name_of(dev->fn, name),
			 g->name, err ? " (context update failed; bus mastering is off)" : "");
	}
}

/* The device's own reset, with its context entry still the blocking
 * domain's: whatever DMA the last run's driver left queued faults. */
static int reclaim_one(struct pt_device *dev)
{
	char name[16];

	name_of(dev->fn, name);
	if (!has_flr(dev->fn)) {
		log_err("passthrough: %s has no function-level reset: it stays blocked\n", name);
		return -EOPNOTSUPP;
	}
	reset_function(dev->fn);
	int err = iommu_unblock_function(dev->fn);
	if (err)
		log_err("passthrough: %s: leaving the blocking domain failed (%d)\n", name, err);
	return err;
}

int passthrough_reclaim(struct passthrough *pt, struct guest *g)
{
	uint64_t start = time_ns();
	int err = 0;

	if (!pt->released)
		return -EBUSY;
	for (unsigned i = 0; i < pt->count && !err; i++)
		err = reclaim_one(&pt->dev[i]);
	for (unsigned i = 0; i < pt->domain_count && !err; i++)
		err = vtd_domain_destroy(&pt->domain[i]);
	if (err)
		return err;
	log_info("passthrough: guest %s: %u function%s reset and unblocked, %u domain%s "
		 "destroyed in %llu ms\n", g->name, pt->count, pt->count == 1 ? "" : "s",
		 pt->domain_count, pt->domain_count == 1 ? "" : "s",
		 (unsigned long long)((time_ns() - start) / 1000000));
	pt->domain_count = 0;
	return 0;
}
