#include "hv/remap/ioapic_route.h"
#include "arch/x86/ioapic.h"
#include "arch/x86/log.h"
#include "hv/platform.h"
#include "hv/remap/units.h"
#include "iommu/dmar_match.h"

#include <errno.h>

static struct ioapic chips[MADT_MAX_IOAPICS];

unsigned ioapic_route_init(void)
{
	unsigned armed = 0;

	for (unsigned i = 0; platform.madt_ok && i < platform.madt.ioapic_count; i++) {
		struct ioapic *io = &chips[i];
		ioapic_init(io, mmio32_direct((void *)(uintptr_t)platform.madt.ioapic[i].address));
		for (unsigned pin = 0; pin <= io->max_entry; pin++) {
			uint64_t rte;
			if (!ioapic_rte_read(io, pin, &rte) && !(rte & IOAPIC_RTE_MASKED))
				armed++;
		}
		ioapic_mask_all(io);
	}
	return armed;
}

static int find_pin(uint32_t gsi, unsigned *ioapic, unsigned *pin)
{
	for (unsigned i = 0; platform.madt_ok && i < platform.madt.ioapic_count; i++) {
		uint32_t base = platform.madt.ioapic[i].gsi_base;
		if (gsi >= base && gsi - base <= chips[i].max_entry) {
			*ioapic = i;
			*pin = gsi - base;
			return 0;
		}
	}
	return -ENOENT;
}

int ioapic_route_gsi(uint32_t gsi, bool level, bool active_low, uint32_t apic_id,
		     uint8_t vector, struct ioapic_pin *p)
{
	int unit = -1, err;
	uint16_t sid;
	uint64_t rte;

	if ((err = find_pin(gsi, &p->ioapic, &p->pin)))
		return err;
	if (!platform_has_vtd() ||
	    dmar_ioapic_source(platform.dmar, platform.pci, platform.madt.ioapic[p->ioapic].id,
			       &unit, &sid) || unit < 0)
		return -ENODEV;
	if ((err = irq_route_alloc_sid(iommu_unit((unsigned)unit), sid, 1, IRQ_OWNER_HV,
				       &p->route)))
		return err;
	/* The pin's vector and trigger mode must be the IRTE's: the I/O APIC
	 * matches EOIs of level-triggered interrupts by vector. */
	struct ioapic_rte_remap r = { .vector = vector, .index = p->route.first,
				      .active_low = active_low, .level = level };
	err = level ? irq_route_set_level(&p->route, 0, apic_id, vector)
		    : irq_route_set(&p->route, 0, apic_id, vector);
	if (!err)
		err = ioapic_rte_remap_encode(&r, &rte);
	if (!err)
		err = ioapic_rte_write(&chips[p->ioapic], p->pin, rte);
	if (err)
		irq_route_free(&p->route);
	return err;
}

int ioapic_route_free(struct ioapic_pin *p)
{
	int err = ioapic_pin_mask(&chips[p->ioapic], p->pin, true);

	return err ? err : irq_route_free(&p->route);
}
