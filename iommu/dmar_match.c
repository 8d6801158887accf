#include "iommu/dmar_match.h"

int dmar_scope_resolve(const struct dmar_scope *s, uint16_t segment,
		       const struct pci_topology *t)
{
	uint8_t bus = s->start_bus;
	int k = -1;

	for (unsigned hop = 0; hop < s->path_len; hop++) {
		struct pci_bdf d = { segment, bus, s->path[hop].dev, s->path[hop].fn };
		if ((k = pci_find(t, d)) < 0)
			return -1;
		if (hop + 1 < s->path_len) {
			if (!t->fn[k].is_bridge)
				return -1;
			bus = t->fn[k].secondary_bus;
		}
	}
	return k;
}

static bool scope_covers(const struct dmar_scope *s, uint16_t segment,
			 const struct pci_topology *t, unsigned idx)
{
	if (s->ignored || (s->type != DMAR_SCOPE_ENDPOINT && s->type != DMAR_SCOPE_BRIDGE))
		return false;
	int k = dmar_scope_resolve(s, segment, t);
	if (k < 0)
		return false;
	if ((unsigned)k == idx)
		return true;
	/* Anything on the buses below a scoped bridge belongs to that unit. */
	const struct pci_function *b = &t->fn[k], *f = &t->fn[idx];
	return b->is_bridge && f->bdf.bus >= b->secondary_bus &&
	       f->bdf.bus <= b->subordinate_bus;
}

int dmar_unit_of(const struct dmar_table *dt, const struct pci_topology *t, unsigned idx)
{
	uint16_t segment = t->fn[idx].bdf.segment;
	int include_all = -1, ordinal = -1;

	for (unsigned i = 0; i < dt->structure_count; i++) {
		const struct dmar_structure *s = &dt->structure[i];
		if (s->type != DMAR_DRHD)
			continue;
		ordinal++;
		if (s->ignored || s->drhd.segment != segment)
			continue;
		if (s->drhd.flags & DRHD_FLAG_INCLUDE_PCI_ALL) {
			if (include_all < 0)
				include_all = ordinal;
			continue;
		}
		const struct dmar_scope *scope = dmar_scopes_of(dt, s);
		for (unsigned j = 0; j < s->scope_count; j++)
			if (scope_covers(&scope[j], segment, t, idx))
				return ordinal;
	}
	return include_all;
}

void dmar_assign_units(const struct dmar_table *dt, struct pci_topology *t)
{
	for (unsigned i = 0; i < t->count; i++)
		t->fn[i].unit = (int16_t)dmar_unit_of(dt, t, i);
}
