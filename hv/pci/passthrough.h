/* PCI functions given to a guest: their domains onto the guest's RAM, their
 * MSIs through IRTEs (hv/pci/passthrough.c). */
#ifndef HV_PCI_PASSTHROUGH_H
#define HV_PCI_PASSTHROUGH_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci_enum.h"
#include "arch/x86/pci_msi.h"
#include "hv/guest/config.h"
#include "arch/x86/spinlock.h"
#include "hv/remap/irq_route.h"
#include "hv/pci/vmsix.h"
#include "hv/pci/vpci.h"
#include "iommu/vtd_domain.h"

struct guest;

struct pt_device {
	const struct pci_function *fn;
	struct guest *guest;
	struct vtd_domain *domain;  /* shared by functions with one requester ID */
	struct irq_route route;     /* its MSI vectors' IRTEs */
	bool has_route;
	unsigned msi_vectors;       /* what the device can ask for */
	bool msi_on;                /* programmed in remappable format */
	unsigned msi_vectors_on;
	bool quarantined;           /* kept faulting: blocked for good */
	/* MSI-X (hv/pci/passthrough_msix.c): the guest's virtual table, the
	 * physical one, IRTEs for up to 32 entries, those programmed. */
	bool has_msix;
	struct vmsix msix;
	struct pci_msix msix_hw;
	struct irq_route msix_route;
	uint32_t msix_programmed;
};

struct passthrough {
	unsigned count;
	struct pt_device dev[CONFIG_GUEST_PCI_MAX]; /* dev[i] is the view's slot i */
	struct vpci view;           /* what the guest sees of them */
	struct vpci_ops view_ops;   /* physical config space, MSI updates */
	struct spinlock view_lock;  /* the guest's vCPUs share the view */
	unsigned domain_count;
	struct vtd_domain domain[CONFIG_GUEST_PCI_MAX];
	uint16_t domain_sid[CONFIG_GUEST_PCI_MAX];
};

/* Takes the functions `list` (validated: whole IOMMU groups) from the host:
 * bus mastering and MSI off, function-level reset where offered, attached
 * to a domain mapping exactly g's RAM, IRTEs reserved for their MSIs. */
int passthrough_assign(struct passthrough *pt, struct guest *g, const pci_sbdf_t *list,
		       unsigned n);

/* A guest access to its PCI view: the ECAM window (offset within it) or
 * ports 0xCF8-0xCFF (false for other ports). */
void passthrough_ecam_access(struct guest *g, uint64_t offset, bool write, unsigned size,
			     uint32_t *value);
bool passthrough_port_access(struct guest *g, uint16_t port, bool in, unsigned size,
			     uint32_t *value);

/* The vCPU a guest's compatibility-format message (`vectors` of them from
 * `vector`) may go to: one of its own, fixed or lowest-priority delivery,
 * vectors from 32 and aligned; NULL (logged) otherwise. */
struct guest_vcpu *passthrough_msi_target(struct guest *g, const struct pt_device *dev,
					   uint64_t addr, uint32_t data, unsigned vectors,
					   uint8_t *vector);

/* MSI-X: the virtual table set up from `vd` (the view's BARs), IRTEs
 * reserved, the physical table masked and off. */
int passthrough_msix_setup(struct guest *g, struct pt_device *dev, const struct vpci_dev *vd);
/* The guest's MSI-X Enable and Function Mask (from its view). */
int passthrough_msix_control(struct pt_device *dev, bool enable, bool function_mask);
/* Whether gpa is on a trapped MSI-X table or PBA page of g's devices. */
bool passthrough_msix_owns(struct guest *g, uint64_t gpa);
/* A guest access to such a page; -ENOENT when gpa is on none. */
int passthrough_msix_access(struct guest *g, uint64_t gpa, bool write, unsigned size,
			    uint64_t *value);
void passthrough_msix_release(struct pt_device *dev);

/* After the guest stopped: MSIs off, bus mastering off, parked in the
 * blocking domain, IRTEs freed. */
void passthrough_release(struct passthrough *pt, struct guest *g);

#endif
