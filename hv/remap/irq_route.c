#include "hv/remap/irq_route.h"
#include "arch/x86/lapic.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/sizes.h"
#include "arch/x86/smp.h"
#include "arch/x86/spinlock.h"
#include "hv/options.h"
#include "hv/platform.h"
#include "hv/remap/units.h"
#include "iommu/irq_remap_alloc.h"
#include "iommu/vtd_caps.h"
#include "iommu/vtd_ir.h"

#include <errno.h>
#include <stdlib.h>

#define IRTE_SIZE 16
/* Vectors 0-31 are exceptions: never a device's. */
#define FIRST_DEVICE_VECTOR 32

/* The allocator is shared by every guest's vCPUs (MSI-X entries take
 * their IRTEs when the guest enables them) and the service CPU (which
 * frees them): its lock. Not recoverable: the bitmap is shared. */
struct unit_irqs {
	struct irq_remap_alloc alloc;
	struct irq_remap_slot *slots;
	struct spinlock lock;
};

static struct unit_irqs *unit_irqs[IOMMU_MAX_UNITS];

static int enable_unit(struct vtd_unit *u, unsigned entries, bool x2apic_opt_out)
{
	bool eim = lapic_x2apic_mode();
	unsigned s = 0;
	int err;

	while (IRQ_REMAP_ENTRIES(s) < entries && s < IRQ_REMAP_MAX_S)
		s++;
	if (u->index >= IOMMU_MAX_UNITS || IRQ_REMAP_ENTRIES(s) != entries)
		return -EINVAL;
	if (eim && (x2apic_opt_out || !ecap_eim(u->ecap))) {
		log_err("vt-d unit %u: x2APIC destinations need extended interrupt mode, but %s; "
			"interrupt remapping stays off\n", u->index,
			x2apic_opt_out ? "the DMAR opts out of x2APIC" : "the unit lacks EIM");
		return -EOPNOTSUPP;
	}

	struct unit_irqs *ui = calloc(1, sizeof(*ui));
	uint64_t pages = ((uint64_t)entries * IRTE_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t table = page_alloc_zeroed(pages, 1);
	if (ui)
		ui->slots = calloc(entries, sizeof(*ui->slots));
	if (!ui || !ui->slots || !table ||
	    (err = irq_remap_alloc_init(&ui->alloc, s, ui->slots, entries)) ||
	    (err = vtd_ir_enable(u, table, s, eim))) {
		err = (!ui || !ui->slots || !table) ? -ENOMEM : err;
		log_err("vt-d unit %u: interrupt remapping not enabled (%d)\n", u->index, err);
		if (table)
			page_free(table, pages);
		if (ui)
			free(ui->slots);
		free(ui);
		return err;
	}
	unit_irqs[u->index] = ui;
	log_info("vt-d unit %u: interrupt remapping on, %u entries at %#llx, %s destinations, "
		 "compatibility format blocked\n", u->index, entries,
		 (unsigned long long)table, eim ? "x2APIC" : "xAPIC");
	return 0;
}

/* Interrupt remapping as the DMAR allows it: its INTR_REMAP flag set, and
 * no IOAPIC outside every unit's scope (whose interrupts could not be
 * remapped). A unit that cannot remap leaves its devices' interrupts
 * unremapped; nothing else depends on it. */
static void decide_unit(struct vtd_unit *u, const struct hv_options *o)
{
	const struct dmar_table *t = platform.dmar;

	if (!o->intremap)
		log_info("vt-d unit %u: interrupt remapping off (intremap=off)\n", u->index);
	else if (!(t->flags & DMAR_FLAG_INTR_REMAP))
		log_warn("vt-d unit %u: the DMAR does not offer interrupt remapping\n", u->index);
	else if (t->intr_remap_unsafe)
		log_warn("vt-d unit %u: an IOAPIC has no DMAR scope; interrupt remapping off\n",
			 u->index);
	else if (!ecap_ir(u->ecap))
		log_warn("vt-d unit %u: no interrupt remapping (ECAP.IR = 0)\n", u->index);
	else
		enable_unit(u, o->irt_entries, t->flags & DMAR_FLAG_X2APIC_OPT_OUT);
}

void irq_route_init(const struct hv_options *o)
{
	if (!platform_has_vtd())
		return;
	for (unsigned i = 0; i < iommu_unit_count(); i++)
		if (iommu_unit(i))
			decide_unit(iommu_unit(i), o);
}

bool irq_route_unit_enabled(const struct vtd_unit *u)
{
	return u && u->index < IOMMU_MAX_UNITS && unit_irqs[u->index] && u->ir_enabled;
}

int irq_route_alloc_sid(struct vtd_unit *u, uint16_t sid, unsigned count, uint32_t owner,
			struct irq_route *r)
{
	uint16_t first;
	int err;

	if (!irq_route_unit_enabled(u))
		return -ENODEV;
	struct unit_irqs *ui = unit_irqs[u->index];
	uint64_t flags = spin_lock(&ui->lock);
	err = irq_remap_alloc(&ui->alloc, count, owner, &first);
	spin_unlock(&ui->lock, flags);
	if (err)
		return err;
	*r = (struct irq_route){ .unit = u, .first = first, .count = (uint8_t)count,
				 .sid = sid, .owner = owner };
	return 0;
}

int irq_route_alloc(const struct pci_function *f, unsigned count, uint32_t owner,
		    struct irq_route *r)
{
	/* The last alias is the requester ID the unit sees: the device's own,
	 * or the bridge's for a device behind a PCIe-to-PCI bridge. */
	if (!f->alias_count)
		return -ENODEV;
	return irq_route_alloc_sid(iommu_unit_of(f), f->alias[f->alias_count - 1], count,
				   owner, r);
}

static int route(const struct irq_route *r, unsigned sub, uint32_t apic_id, uint8_t vector,
		 bool level)
{
	if (sub >= r->count || vector < FIRST_DEVICE_VECTOR || smp_cpu_of_apic_id(apic_id) < 0)
		return -EINVAL;
	struct irte_fields f = {
		.present = true,
		.level = level,
		.dlm = IRTE_DLM_FIXED,
		.vector = vector,
		.dest = irte_dest(apic_id, r->unit->eim),
		.sid = r->sid,
		.svt = IRTE_SVT_SID,
		.sq = IRTE_SQ_ALL,
	};
	return vtd_ir_set(r->unit, r->first + sub, &f);
}

int irq_route_set(const struct irq_route *r, unsigned sub, uint32_t apic_id, uint8_t vector)
{
	return route(r, sub, apic_id, vector, false);
}

int irq_route_set_level(const struct irq_route *r, unsigned sub, uint32_t apic_id,
			uint8_t vector)
{
	return route(r, sub, apic_id, vector, true);
}

int irq_route_mask(const struct irq_route *r, unsigned sub)
{
	if (sub >= r->count)
		return -EINVAL;
	return vtd_ir_clear(r->unit, r->first + sub, 1);
}

void irq_route_msi(const struct irq_route *r, uint32_t *addr_lo, uint32_t *data)
{
	msi_remappable_encode(r->first, true, addr_lo, data);
}

int irq_route_free(struct irq_route *r)
{
	int err;

	if (!irq_route_unit_enabled(r->unit))
		return -ENODEV;
	if ((err = vtd_ir_clear(r->unit, r->first, r->count)))
		return err;
	struct unit_irqs *ui = unit_irqs[r->unit->index];
	uint64_t flags = spin_lock(&ui->lock);
	err = irq_remap_free(&ui->alloc, r->first, r->count, r->owner);
	spin_unlock(&ui->lock, flags);
	if (err)
		return err;
	r->count = 0;
	return 0;
}
