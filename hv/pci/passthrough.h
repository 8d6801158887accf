/* PCI functions given to a guest: their domains onto the guest's RAM, their
 * MSIs through IRTEs (hv/pci/passthrough.c). */
#ifndef HV_PCI_PASSTHROUGH_H
#define HV_PCI_PASSTHROUGH_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci_enum.h"
#include "arch/x86/pci_msi.h"
#include "arch/x86/spinlock.h"
#include "hv/guest/config.h"
#include "hv/pci/vmsix.h"
#include "hv/pci/vpci.h"
#include "hv/remap/irq_route.h"
#include "iommu/vtd_domain.h"

struct guest;
struct pt_device;

#define PT_HEADER_DWORDS 16 /* the type 0 header, saved around an FLR */

/* One page-aligned range of a device's BAR that traps for its MSI-X table
 * or PBA: the context of its range in the guest's MMIO table. */
struct pt_msix_trap {
	struct pt_device *dev;
	unsigned bar;
	uint64_t offset;            /* of the range in the BAR */
};

/* One MSI-X entry's interrupt: its IRTE (route.count 1 once taken, 0
 * before), and whether the physical entry names it unmasked. */
struct pt_msix_vector {
	struct irq_route route;
	bool unmasked;
};

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
	 * physical one, per entry its IRTE (taken when the guest first
	 * enables it), how many are held. */
	bool has_msix;
	struct vmsix msix;
	struct pci_msix msix_hw;
	struct pt_msix_vector *msix_vector;  /* msix.table_size of them */
	unsigned msix_irtes;
	struct pt_msix_trap msix_trap[VMSIX_TRAP_RANGES_MAX];
	/* A reset the guest initiated (hv/pci/passthrough.c): the header as
	 * it was, when the function may be used again. While `resetting`
	 * its MSI-X pages read all-ones and drop writes. */
	bool resetting;
	uint32_t reset_header[PT_HEADER_DWORDS];
	uint64_t reset_deadline;
};

struct passthrough {
	unsigned count;
	struct pt_device dev[CONFIG_GUEST_PCI_MAX]; /* dev[i] is the view's slot i */
	struct vpci view;           /* what the guest sees of them */
	struct vpci_ops view_ops;   /* physical config space, MSI updates */
	/* The guest's vCPUs share the view; every access of theirs that can
	 * reach the devices or their IRTEs (config space, MSI-X pages) takes
	 * it and checks `released` under it. */
	struct spinlock view_lock;
	bool released;              /* by passthrough_release(): accesses do nothing */
	/* Slots (bit n: dev[n]) whose FLR the access under way initiated:
	 * that access finishes them, after the wait, outside the lock. */
	uint32_t resets_started;
	unsigned resets_logged;
	unsigned domain_count;
	struct vtd_domain domain[CONFIG_GUEST_PCI_MAX];
	uint16_t domain_sid[CONFIG_GUEST_PCI_MAX];
};

/* Takes the functions `list` (validated: whole IOMMU groups) from the host:
 * bus mastering and MSI off, function-level reset where offered, attached
 * to a domain mapping exactly g's RAM, IRTEs reserved for their MSIs. The
 * guest's view of them claims, in g's I/O table, ports 0xCF8 and
 * 0xCFC-0xCFF, the ECAM window at GUEST_PCI_ECAM and the pages of each
 * MSI-X table and PBA. */
int passthrough_assign(struct passthrough *pt, struct guest *g, const pci_sbdf_t *list,
		       unsigned n);

/* The vCPU a guest's compatibility-format message (`vectors` of them from
 * `vector`) may go to: one of its own, fixed or lowest-priority delivery,
 * vectors from 32 and aligned; NULL (logged) otherwise. A logical
 * destination (flat model, hv/guest/apic_logical.h) names vCPUs by the
 * LDRs they programmed: the lowest numbered of them. */
struct guest_vcpu *passthrough_msi_target(struct guest *g, const struct pt_device *dev,
					   uint64_t addr, uint32_t data, unsigned vectors,
					   uint8_t *vector);

/* Points entry `index` of `route` (a device of g's) at `target` with
 * `vector`, audits the entry as written, and logs the route (the first
 * few per guest). 0, or the negative errno of the write or the audit. */
int passthrough_route(struct guest *g, const struct pt_device *dev, struct irq_route *route,
		      unsigned index, const struct guest_vcpu *target, uint8_t vector);

/* MSI-X: the virtual table set up from `vd` (the view's BARs), the
 * physical table masked and off. No IRTE is reserved: each entry takes
 * one when the guest first enables it (unmasked, with a valid message),
 * up to what the unit's IRTE table holds, and keeps it until
 * passthrough_msix_release(). */
int passthrough_msix_setup(struct guest *g, struct pt_device *dev, const struct vpci_dev *vd);
/* The guest's MSI-X Enable and Function Mask (from its view). */
int passthrough_msix_control(struct pt_device *dev, bool enable, bool function_mask);
/* The guest reset the function: its virtual table back to reset state
 * (every entry masked, MSI-X off) and the physical one masked and off.
 * Each entry keeps its IRTE, still naming one of the guest's CPUs and
 * unreachable while the physical entry is masked; the entry's next
 * unmasking writes its message whole again. Under the view lock; again
 * after the FLR, whose own reset of the table is the device's word. */
void passthrough_msix_reset(struct pt_device *dev);
/* Claims the pages of dev's MSI-X table and PBA (those that trap) in g's
 * MMIO table: 0, or a negative errno (logged). */
int passthrough_msix_trap(struct guest *g, struct pt_device *dev);
/* The physical MSI-X masked and off, then every IRTE its entries took
 * cleared and freed. */
void passthrough_msix_release(struct pt_device *dev);

/* After the guest stopped: MSIs off, bus mastering off, parked in the
 * blocking domain, IRTEs freed, fault counters given back. A vCPU still
 * running (it did not stop in time) finds its view empty from then on:
 * config space reads all-ones, MSI-X pages too, writes do nothing. On the
 * service CPU, with its interrupts off (the fault-storm handler takes the
 * view lock there too). */
void passthrough_release(struct passthrough *pt, struct guest *g);

/* After passthrough_release(), before a restart gives the functions again
 * through passthrough_assign(): each reset (FLR, blocked while it runs),
 * out of the blocking domain, and the guest's domains destroyed, their IDs
 * and tables free. Needs every function to have FLR (config_validate()
 * said so). Logs what it did and its cost. */
int passthrough_reclaim(struct passthrough *pt, struct guest *g);

#endif
