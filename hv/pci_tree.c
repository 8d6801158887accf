#include "hv/pci_tree.h"
#include "arch/x86/log.h"
#include "arch/x86/pci_enum.h"

#include <stdio.h>

#define PREFIX_MAX (PCI_MAX_BUS_DEPTH * 3 + 8)

static void describe(const struct pci_function *f, char *buf, size_t size)
{
	uint16_t seen_as = f->alias[f->alias_count - 1];
	int n = snprintf(buf, size, "%04x:%04x [%06x]", f->vendor, f->device,
			 (unsigned)f->class_code);

	if (f->unit >= 0)
		n += snprintf(buf + n, size - n, " unit %d", f->unit);
	else
		n += snprintf(buf + n, size - n, " no unit");
	n += snprintf(buf + n, size - n, " rid %02x:%02x.%u", f->bdf.bus, f->bdf.dev,
		      f->bdf.fn);
	if (seen_as != pci_requester_id(f->bdf))
		n += snprintf(buf + n, size - n, " alias %02x:%02x.%u", seen_as >> 8,
			      (seen_as >> 3) & 0x1f, seen_as & 7);
	snprintf(buf + n, size - n, " group %u%s", f->group,
		 f->bad_capability_list ? " (bad capability list)" : "");
}

static bool is_child(const struct pci_topology *t, unsigned i, uint16_t parent,
		     uint16_t segment, uint8_t root_bus)
{
	const struct pci_function *f = &t->fn[i];

	if (f->parent != parent)
		return false;
	return parent != PCI_NO_PARENT ||
	       (f->bdf.segment == segment && f->bdf.bus == root_bus);
}

static void print_children(const struct pci_topology *t, uint16_t parent,
			   uint16_t segment, uint8_t root_bus, char *prefix, size_t len)
{
	int last = -1;
	char text[160];

	for (unsigned i = 0; i < t->count; i++)
		if (is_child(t, i, parent, segment, root_bus))
			last = (int)i;
	for (unsigned i = 0; i < t->count; i++) {
		if (!is_child(t, i, parent, segment, root_bus))
			continue;
		const struct pci_function *f = &t->fn[i];
		bool final = (int)i == last;

		describe(f, text, sizeof(text));
		if (f->is_bridge)
			log_raw("%s%s%02x.%u-[%02x-%02x] %s\n", prefix, final ? "\\-" : "+-",
				f->bdf.dev, f->bdf.fn, f->secondary_bus, f->subordinate_bus, text);
		else
			log_raw("%s%s%02x.%u %s\n", prefix, final ? "\\-" : "+-", f->bdf.dev,
				f->bdf.fn, text);
		if (f->is_bridge && len + 3 < PREFIX_MAX) {
			snprintf(prefix + len, PREFIX_MAX - len, "%s", final ? "   " : "|  ");
			print_children(t, (uint16_t)i, segment, root_bus, prefix, len + 3);
			prefix[len] = '\0';
		}
	}
}

void pci_tree_print(const struct pci_topology *t)
{
	char prefix[PREFIX_MAX] = "  ";

	log_info("pci: %u functions in %u IOMMU groups%s%s\n", t->count, t->group_count,
		 t->truncated ? " (list full, rest ignored)" : "",
		 t->bad_bridges ? " (some bridges unusable)" : "");
	for (unsigned i = 0; i < t->count; i++) {
		const struct pci_function *f = &t->fn[i];
		if (f->parent != PCI_NO_PARENT)
			continue;
		bool first_on_bus = true;
		for (unsigned j = 0; j < i; j++)
			if (t->fn[j].parent == PCI_NO_PARENT &&
			    t->fn[j].bdf.segment == f->bdf.segment && t->fn[j].bdf.bus == f->bdf.bus)
				first_on_bus = false;
		if (!first_on_bus)
			continue;
		log_raw("  [%04x:%02x]\n", f->bdf.segment, f->bdf.bus);
		print_children(t, PCI_NO_PARENT, f->bdf.segment, f->bdf.bus, prefix, 2);
	}
}
