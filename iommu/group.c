#include "iommu/group.h"

#define NO_GROUP 0xffff

/* Capabilities an ACS capability does not list are hard-wired on, except
 * egress control (PCIe 6.0, 6.12.1.1). */
static bool acs_flags_enabled(const struct pci_function *f, uint16_t flags)
{
	if (!f->acs_cap)
		return false;
	flags &= f->acs_capabilities | PCI_ACS_EC;
	return (f->acs_control & flags) == flags;
}

bool pci_acs_isolated(const struct pci_function *f)
{
	/* Conventional PCI shares its bus: every device can snoop every DMA. */
	if (!pci_is_pcie(f))
		return false;
	switch (f->pcie_type) {
	case PCI_TO_PCIE_BRIDGE:
	case PCIE_TO_PCI_BRIDGE:
	case PCIE_RC_EVENT_COLLECTOR:
		return false;
	case PCIE_DOWNSTREAM_PORT:
	case PCIE_ROOT_PORT:
		return acs_flags_enabled(f, PCI_ACS_ISOLATION);
	case PCIE_ENDPOINT:
	case PCIE_UPSTREAM_PORT:
	case PCIE_LEGACY_ENDPOINT:
	case PCIE_RC_INTEGRATED_ENDPOINT:
		/* Single functions have no peer inside the device. */
		return !f->multifunction || acs_flags_enabled(f, PCI_ACS_ISOLATION);
	default:
		return true;
	}
}

/* Every bridge from f up to its root bus isolates (pci_acs_path_enabled). */
static bool acs_path_isolated(const struct pci_topology *t, uint16_t i)
{
	for (;; i = t->fn[i].parent) {
		if (!pci_acs_isolated(&t->fn[i]))
			return false;
		if (t->fn[i].parent == PCI_NO_PARENT)
			return true;
	}
}

static void add_alias(struct pci_function *f, uint16_t rid)
{
	for (unsigned i = 0; i < f->alias_count; i++)
		if (f->alias[i] == rid)
			return;
	/* When full, the last slot keeps the topmost alias: the one the
	 * IOMMU sees. */
	if (f->alias_count < PCI_MAX_ALIASES)
		f->alias_count++;
	f->alias[f->alias_count - 1] = rid;
}

/* The requester IDs bridges above `f` substitute for its own. Returns the
 * index of the topmost function that produced one (f itself if none). */
static uint16_t compute_aliases(struct pci_topology *t, uint16_t i, uint16_t *group)
{
	struct pci_function *f = &t->fn[i];
	uint16_t source = i;

	f->alias_count = 0;
	add_alias(f, pci_requester_id(f->bdf));
	*group = NO_GROUP;
	for (uint16_t p = f->parent; p != PCI_NO_PARENT; p = t->fn[p].parent) {
		const struct pci_function *b = &t->fn[p];
		uint16_t rid;

		if (pci_is_pcie(b)) {
			if (b->pcie_type == PCIE_TO_PCI_BRIDGE)
				/* PCIe-to-PCI/X bridge spec 1.0, 2.3: it takes
				 * ownership as (secondary bus, 00.0). */
				rid = (uint16_t)(b->secondary_bus << 8);
			else if (b->pcie_type == PCI_TO_PCIE_BRIDGE)
				rid = pci_requester_id(b->bdf);
			else
				continue; /* ports forward the ID unchanged */
		} else {
			rid = pci_requester_id(b->bdf); /* conventional bridge */
		}
		add_alias(f, rid);
		source = p;
		if (*group == NO_GROUP && b->group != NO_GROUP)
			*group = b->group;
	}
	return source;
}

static bool same_slot(const struct pci_function *a, const struct pci_function *b)
{
	return a->bdf.segment == b->bdf.segment && a->bdf.bus == b->bdf.bus &&
	       a->bdf.dev == b->bdf.dev;
}

/* Functions of one device that ACS does not isolate can reach each other. */
static uint16_t function_group(const struct pci_topology *t, uint16_t i)
{
	const struct pci_function *f = &t->fn[i];

	if (!f->multifunction || pci_acs_isolated(f))
		return NO_GROUP;
	for (uint16_t j = 0; j < t->count; j++) {
		const struct pci_function *o = &t->fn[j];
		if (j != i && same_slot(f, o) && !pci_acs_isolated(o) && o->group != NO_GROUP)
			return o->group;
	}
	return NO_GROUP;
}

static uint16_t find_group(struct pci_topology *t, uint16_t i)
{
	uint16_t group;
	uint16_t upstream = compute_aliases(t, i, &group);

	if (group != NO_GROUP)
		return group;
	/* Up from where aliasing leaves off to where ACS isolates. */
	for (uint16_t p = t->fn[upstream].parent; p != PCI_NO_PARENT; p = t->fn[p].parent) {
		if (acs_path_isolated(t, p))
			break;
		upstream = p;
		if (t->fn[p].group != NO_GROUP)
			return t->fn[p].group;
	}
	if (t->fn[upstream].group != NO_GROUP)
		return t->fn[upstream].group;
	group = function_group(t, upstream);
	return group != NO_GROUP ? group : (uint16_t)t->group_count++;
}

void iommu_groups_compute(struct pci_topology *t)
{
	t->group_count = 0;
	for (unsigned i = 0; i < t->count; i++)
		t->fn[i].group = NO_GROUP;
	for (unsigned i = 0; i < t->count; i++)
		t->fn[i].group = find_group(t, (uint16_t)i);
}
