/* PCI functions given to a guest: their domains onto the guest's RAM, their
 * MSIs through IRTEs (hv/passthrough.c). */
#ifndef HV_PASSTHROUGH_H
#define HV_PASSTHROUGH_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci_enum.h"
#include "hv/config.h"
#include "hv/irq_route.h"
#include "iommu/vtd_domain.h"

struct guest;

struct pt_device {
	const struct pci_function *fn;
	struct vtd_domain *domain;  /* shared by functions with one requester ID */
	struct irq_route route;     /* its MSI vectors' IRTEs */
	bool has_route;
	unsigned msi_vectors;       /* what the device can ask for */
	bool msi_on;                /* programmed in remappable format */
	unsigned msi_vectors_on;
	bool quarantined;           /* kept faulting: blocked for good */
};

struct passthrough {
	unsigned count;
	struct pt_device dev[CONFIG_GUEST_PCI_MAX];
	unsigned domain_count;
	struct vtd_domain domain[CONFIG_GUEST_PCI_MAX];
	uint16_t domain_sid[CONFIG_GUEST_PCI_MAX];
};

/* Takes the functions `list` (validated: whole IOMMU groups) from the host:
 * bus mastering and MSI off, function-level reset where offered, attached
 * to a domain mapping exactly g's RAM, IRTEs reserved for their MSIs. */
int passthrough_assign(struct passthrough *pt, struct guest *g, const pci_sbdf_t *list,
		       unsigned n);

struct pt_device *passthrough_device(struct passthrough *pt, const struct pci_function *f);

/* The guest changed its view of the device's MSI capability: `addr`/`data`
 * in compatibility format as it wrote them, `vectors` enabled. 0, or
 * -EPERM/-EINVAL when refused (logged; the device's MSI is then off). */
int passthrough_msi_update(struct guest *g, struct pt_device *dev, bool enabled, uint64_t addr,
			   uint32_t data, unsigned vectors);

/* After the guest stopped: MSIs off, bus mastering off, parked in the
 * blocking domain, IRTEs freed. */
void passthrough_release(struct passthrough *pt, struct guest *g);

#endif
