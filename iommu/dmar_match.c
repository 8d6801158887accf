#include "iommu/dmar_match.h"

#include <errno.h>

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

int dmar_ioapic_source(const struct dmar_table *dt, const struct pci_topology *t,
		       uint8_t ioapic_id, int *unit, uint16_t *sid)
{
	int ordinal = -1;

	for (unsigned i = 0; i < dt->structure_count; i++) {
		const struct dmar_structure *s = &dt->structure[i];
		if (s->type != DMAR_DRHD)
			continue;
		ordinal++;
		if (s->ignored)
			continue;
		const struct dmar_scope *scope = dmar_scopes_of(dt, s);
		for (unsigned j = 0; j < s->scope_count; j++) {
			const struct dmar_scope *sc = &scope[j];
			if (sc->ignored || sc->type != DMAR_SCOPE_IOAPIC ||
			    sc->enumeration_id != ioapic_id || !sc->path_len)
				continue;
			/* The IOAPIC is no function enumeration finds; the bridges
			 * on its path are, and give the bus of the last hop. */
			uint8_t bus = sc->start_bus;
			for (unsigned hop = 0; hop + 1 < sc->path_len; hop++) {
				struct pci_bdf d = { s->drhd.segment, bus, sc->path[hop].dev,
						     sc->path[hop].fn };
				int k = t ? pci_find(t, d) : -1;
				if (k < 0 || !t->fn[k].is_bridge)
					return -ENODEV;
				bus = t->fn[k].secondary_bus;
			}
			const struct dmar_path_hop *last = &sc->path[sc->path_len - 1];
			*unit = ordinal;
			*sid = (uint16_t)(bus << 8 | last->dev << 3 | last->fn);
			return 0;
		}
	}
	return -ENOENT;
}
