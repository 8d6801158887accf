/* Checks of the DMAR that need the whole table read first (VT-d 4.1,
 * chapter 8), with Linux's decisions (drivers/iommu/intel/dmar.c,
 * irq_remapping.c) as in iommu/dmar.c. */
#include "iommu/dmar_parser.h"

#include <stdio.h>
#include <string.h>

/* Calls fn on each usable scope of `scope_type` under a usable structure of
 * `type`, in table order, until fn returns true. Returns that scope or NULL. */
static struct dmar_scope *
find_scope(struct parser *p, uint16_t type, uint8_t scope_type,
	   bool (*fn)(struct parser *, const struct dmar_structure *, struct dmar_scope *,
		      const void *),
	   const void *arg)
{
	struct dmar_table *t = p->out;

	for_each_structure(t, s) {
		if (!usable(s, type))
			continue;
		for (unsigned i = 0; i < s->scope_count; i++) {
			struct dmar_scope *sc = &t->scope[s->first_scope + i];

			if (sc->type == scope_type && !sc->ignored && fn(p, s, sc, arg))
				return sc;
		}
	}
	return NULL;
}

static bool has_id(struct parser *p, const struct dmar_structure *s, struct dmar_scope *sc,
		   const void *id)
{
	(void)p;
	(void)s;
	return sc->enumeration_id == *(const uint8_t *)id;
}

/* Linux (dmar_table_init) turns VT-d off when no unit remains. */
static void check_units_present(struct parser *p)
{
	for_each_structure(p->out, s)
		if (usable(s, DMAR_DRHD))
			return;
	if (!p->out->refused)
		refuse(p, 0, "no usable DRHD: no remapping hardware");
}

/* Linux: "Your BIOS is broken; RHSA refers to non-existent DMAR unit". */
static void check_rhsa(struct parser *p)
{
	for (unsigned i = 0; i < p->out->structure_count; i++) {
		struct dmar_structure *r = &p->out->structure[i];
		bool found = false;

		if (!usable(r, DMAR_RHSA))
			continue;
		for_each_structure(p->out, s)
			found |= usable(s, DMAR_DRHD) && s->drhd.address == r->rhsa.address;
		if (found)
			continue;
		r->ignored = true;
		diag(p, DMAR_WARNING, r->offset, "[Firmware Bug] RHSA refers to no DRHD at %#llx:"
		     " ignored", (unsigned long long)r->rhsa.address);
	}
}

static bool declares_device(const struct parser *p, uint8_t number)
{
	for_each_structure(p->out, s)
		if (usable(s, DMAR_ANDD) && s->andd.device_number == number)
			return true;
	return false;
}

static bool undeclared_namespace(struct parser *p, const struct dmar_structure *s,
				 struct dmar_scope *sc, const void *unused)
{
	(void)unused;
	if (!declares_device(p, sc->enumeration_id))
		ignore_scope(p, s, sc, "names an ACPI device no ANDD declares");
	return false;
}

/* An ANDD and the DRHD namespace scope naming it belong together; Linux
 * warns about an ANDD without one ("No IOMMU scope found for ANDD"). */
static void check_acpi_namespace(struct parser *p)
{
	find_scope(p, DMAR_DRHD, DMAR_SCOPE_ACPI_NAMESPACE, undeclared_namespace, NULL);
	for_each_structure(p->out, s) {
		if (!usable(s, DMAR_ANDD) ||
		    find_scope(p, DMAR_DRHD, DMAR_SCOPE_ACPI_NAMESPACE, has_id,
			       &s->andd.device_number))
			continue;
		diag(p, DMAR_WARNING, s->offset, "no DRHD scope for ANDD device %u (%.40s):"
		     " no unit is known for it", s->andd.device_number, s->andd.name);
	}
}

struct earlier_id {
	const struct dmar_scope *before;
	uint8_t id;
};

static bool is_earlier_with_id(struct parser *p, const struct dmar_structure *s,
			       struct dmar_scope *sc, const void *arg)
{
	const struct earlier_id *e = arg;

	(void)p;
	(void)s;
	return sc < e->before && sc->enumeration_id == e->id;
}

static bool ignore_second_source(struct parser *p, const struct dmar_structure *s,
				 struct dmar_scope *sc, const void *unused)
{
	struct earlier_id e = { sc, sc->enumeration_id };
	const struct dmar_scope *first = find_scope(p, DMAR_DRHD, sc->type, is_earlier_with_id, &e);
	char path[32];

	(void)unused;
	(void)s;
	if (first) {
		sc->ignored = true;
		diag(p, DMAR_INFO, sc->offset, "%s %u has a scope at %#x already: this one (%s)"
		     " ignored, as Linux does", scope_type_name(sc->type), sc->enumeration_id,
		     first->offset, format_path(sc, path));
	}
	return false;
}

/* Interrupt remapping validates an IOAPIC's or HPET's interrupts against
 * one source id; Linux keeps the first scope of each id (ir_parse_one_*). */
static void check_interrupt_sources(struct parser *p)
{
	find_scope(p, DMAR_DRHD, DMAR_SCOPE_IOAPIC, ignore_second_source, NULL);
	find_scope(p, DMAR_DRHD, DMAR_SCOPE_HPET, ignore_second_source, NULL);
}

static bool in_madt(const struct dmar_madt_view *m, uint8_t id)
{
	for (unsigned i = 0; i < m->ioapic_count; i++)
		if (m->ioapic_ids[i] == id)
			return true;
	return false;
}

static bool note_ioapic_not_in_madt(struct parser *p, const struct dmar_structure *s,
				    struct dmar_scope *sc, const void *unused)
{
	char path[32];

	(void)unused;
	(void)s;
	if (!in_madt(p->madt, sc->enumeration_id))
		diag(p, DMAR_INFO, sc->offset, "IOAPIC %u (%s) is not in the MADT: scope unused",
		     sc->enumeration_id, format_path(sc, path));
	return false;
}

/* Every IOAPIC the MADT lists must be under a unit, or its interrupts
 * cannot be remapped (Linux: "ioapic %d has no mapping iommu, interrupt
 * remapping will be disabled"). A scope for an IOAPIC the MADT lacks is
 * harmless: nothing uses it. Without the INTR_REMAP flag firmware offers
 * no interrupt remapping and owes no IOAPIC scope (old chipsets list none). */
static void check_madt_ioapics(struct parser *p)
{
	const struct dmar_madt_view *m = p->madt;

	if (!m || !m->ioapic_count || !m->ioapic_ids ||
	    !(p->out->flags & DMAR_FLAG_INTR_REMAP))
		return;
	for (unsigned i = 0; i < m->ioapic_count; i++) {
		uint8_t id = m->ioapic_ids[i];

		if (find_scope(p, DMAR_DRHD, DMAR_SCOPE_IOAPIC, has_id, &id))
			continue;
		p->out->intr_remap_unsafe = true;
		diag(p, DMAR_WARNING, 0, "[Firmware Bug] MADT IOAPIC %u has no DRHD scope:"
		     " interrupt remapping unsafe", id);
	}
	find_scope(p, DMAR_DRHD, DMAR_SCOPE_IOAPIC, note_ioapic_not_in_madt, NULL);
}

struct root_bus {
	uint16_t segment;
	uint8_t bus;
};

static bool is_root_bus_of(const struct parser *p, const struct dmar_structure *s,
			   const struct dmar_scope *sc, const struct root_bus *r)
{
	uint16_t segment = s->type == DMAR_DRHD ? s->drhd.segment : s->atsr.segment;

	(void)p;
	return segment == r->segment && sc->start_bus == r->bus &&
	       (sc->type == DMAR_SCOPE_ENDPOINT || sc->type == DMAR_SCOPE_BRIDGE);
}

static bool names_root_bus(struct parser *p, const struct dmar_structure *s,
			   struct dmar_scope *sc, const void *arg)
{
	return is_root_bus_of(p, s, sc, arg);
}

/* A root bus, as far as the table tells: bus 0, or where a unit's or an
 * ATSR's PCI scope starts (multi-root servers list their root ports). */
static bool known_root_bus(struct parser *p, uint16_t segment, uint8_t bus)
{
	struct root_bus r = { segment, bus };

	if (!bus)
		return true;
	for (uint8_t type = DMAR_SCOPE_ENDPOINT; type <= DMAR_SCOPE_BRIDGE; type++)
		if (find_scope(p, DMAR_DRHD, type, names_root_bus, &r) ||
		    find_scope(p, DMAR_ATSR, type, names_root_bus, &r))
			return true;
	return false;
}

static bool check_rmrr_start_bus(struct parser *p, const struct dmar_structure *s,
				 struct dmar_scope *sc, const void *unused)
{
	char path[32];

	(void)unused;
	if (sc->path_len != 1 || known_root_bus(p, s->rmrr.segment, sc->start_bus))
		return false;
	sc->starts_on_secondary_bus = true;
	diag(p, DMAR_WARNING, sc->offset, "[Firmware Bug] RMRR at %#x: scope %s starts on no root"
	     " bus: matched as that device, as Linux does", s->offset, format_path(sc, path));
	return false;
}

/* Some firmware gives an RMRR device (typically an add-in USB controller)
 * as its own bus plus one hop instead of the path from the root bus. */
static void check_rmrr_start_buses(struct parser *p)
{
	for (uint8_t type = DMAR_SCOPE_ENDPOINT; type <= DMAR_SCOPE_BRIDGE; type++)
		find_scope(p, DMAR_RMRR, type, check_rmrr_start_bus, NULL);
}

void dmar_check_whole_table(struct parser *p)
{
	check_units_present(p);
	check_rhsa(p);
	check_acpi_namespace(p);
	check_interrupt_sources(p);
	check_madt_ioapics(p);
	check_rmrr_start_buses(p);
}

