#include "arch/x86/pci_enum.h"
#include "arch/x86/log.h"
#include "arch/x86/mcfg.h"

#include <string.h>

#define BUSES 256

struct scan {
	const struct pci_config_ops *ops;
	struct pci_topology *t;
	uint16_t segment;
	uint8_t first_bus, last_bus;
	bool enable_acs;
	bool visited[BUSES];
};

static uint32_t rd32(const struct scan *s, struct pci_bdf d, uint16_t off)
{
	return s->ops->read32(s->ops->ctx, d, off & ~3u);
}

static uint16_t rd16(const struct scan *s, struct pci_bdf d, uint16_t off)
{
	return (uint16_t)(rd32(s, d, off) >> (8 * (off & 2)));
}

static uint8_t rd8(const struct scan *s, struct pci_bdf d, uint16_t off)
{
	return (uint8_t)(rd32(s, d, off) >> (8 * (off & 3)));
}

bool pci_is_pcie(const struct pci_function *f)
{
	return f->pcie_cap != 0;
}

static void read_capabilities(const struct scan *s, struct pci_function *f)
{
	if (!(rd16(s, f->bdf, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return;
	uint8_t ptr = rd8(s, f->bdf, PCI_CAPABILITY_LIST) & ~3u;
	for (unsigned hops = 0; ptr; hops++) {
		if (ptr < PCI_CAP_FIRST || hops == PCI_CAP_MAX_HOPS) {
			f->bad_capability_list = true;
			return;
		}
		uint16_t header = rd16(s, f->bdf, ptr);
		switch (header & 0xff) {
		case PCI_CAP_ID_MSI: f->msi_cap = ptr; break;
		case PCI_CAP_ID_MSIX: f->msix_cap = ptr; break;
		case PCI_CAP_ID_EXP:
			f->pcie_cap = ptr;
			f->pcie_type = PCI_EXP_FLAGS_TYPE(rd16(s, f->bdf, ptr + PCI_EXP_FLAGS));
			f->has_flr = rd32(s, f->bdf, ptr + PCI_EXP_DEVCAP) & PCI_EXP_DEVCAP_FLR;
			break;
		}
		ptr = (header >> 8) & ~3u;
	}
}

static void read_acs(const struct scan *s, struct pci_function *f)
{
	uint16_t off = PCI_EXT_CAP_FIRST;

	if (!pci_is_pcie(f))
		return;
	for (unsigned hops = 0; off; hops++) {
		uint32_t header = rd32(s, f->bdf, off);
		if (!header || header == 0xffffffffu)
			return;
		if (off < PCI_EXT_CAP_FIRST || hops == PCI_EXT_CAP_MAX_HOPS) {
			f->bad_capability_list = true;
			return;
		}
		if (PCI_EXT_CAP_ID(header) == PCI_EXT_CAP_ID_ACS) {
			f->acs_cap = off;
			break;
		}
		off = PCI_EXT_CAP_NEXT(header);
	}
	if (!f->acs_cap)
		return;
	f->acs_capabilities = rd16(s, f->bdf, f->acs_cap + PCI_ACS_CAP);
	f->acs_control = rd16(s, f->bdf, f->acs_cap + PCI_ACS_CTRL);
	uint16_t want = f->acs_control | (f->acs_capabilities & PCI_ACS_ISOLATION);
	if (s->enable_acs && s->ops->write16 && want != f->acs_control) {
		s->ops->write16(s->ops->ctx, f->bdf, f->acs_cap + PCI_ACS_CTRL, want);
		f->acs_control = rd16(s, f->bdf, f->acs_cap + PCI_ACS_CTRL);
		s->t->acs_enabled++;
	}
}

static struct pci_function *add_function(struct scan *s, struct pci_bdf d,
					 uint16_t parent, uint8_t depth, bool multifunction)
{
	struct pci_topology *t = s->t;

	if (t->count == PCI_MAX_FUNCTIONS) {
		t->truncated = true;
		return NULL;
	}
	struct pci_function *f = &t->fn[t->count++];
	uint32_t id = rd32(s, d, PCI_VENDOR_ID);

	memset(f, 0, sizeof(*f));
	f->bdf = d;
	f->vendor = id & 0xffff;
	f->device = id >> 16;
	f->class_code = rd32(s, d, PCI_CLASS_REVISION) >> 8;
	f->header_type = rd8(s, d, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
	f->multifunction = multifunction;
	f->parent = parent;
	f->depth = depth;
	f->unit = -1;
	if (f->header_type == PCI_HEADER_TYPE_BRIDGE) {
		f->is_bridge = true;
		f->secondary_bus = rd8(s, d, PCI_SECONDARY_BUS);
		f->subordinate_bus = rd8(s, d, PCI_SUBORDINATE_BUS);
	}
	read_capabilities(s, f);
	read_acs(s, f);
	return f;
}

static void scan_bus(struct scan *s, uint8_t bus, uint16_t parent, uint8_t depth);

/* Firmware programmed the bus numbers; a bridge whose range is outside the
 * window, empty or below its own bus would send the scan in circles. */
static bool bridge_range_sane(const struct scan *s, const struct pci_function *b)
{
	return b->secondary_bus > b->bdf.bus && b->secondary_bus <= b->subordinate_bus &&
	       b->secondary_bus >= s->first_bus && b->subordinate_bus <= s->last_bus;
}

static void scan_bus(struct scan *s, uint8_t bus, uint16_t parent, uint8_t depth)
{
	unsigned first = s->t->count;

	if (s->visited[bus] || depth > PCI_MAX_BUS_DEPTH) {
		s->t->bad_bridges++;
		return;
	}
	s->visited[bus] = true;
	for (uint8_t dev = 0; dev < 32; dev++) {
		bool multifunction = false;
		for (uint8_t fn = 0; fn < 8; fn++) {
			struct pci_bdf d = { s->segment, bus, dev, fn };
			if (rd16(s, d, PCI_VENDOR_ID) == PCI_VENDOR_NONE) {
				if (fn == 0)
					break;
				continue;
			}
			if (fn == 0)
				multifunction = rd8(s, d, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFUNCTION;
			if (!add_function(s, d, parent, depth, multifunction))
				return;
			if (!multifunction)
				break;
		}
	}
	/* Like Linux: the whole bus first, then the buses below its bridges. */
	for (unsigned i = first, end = s->t->count; i < end; i++) {
		struct pci_function *b = &s->t->fn[i];
		if (!b->is_bridge)
			continue;
		if (!bridge_range_sane(s, b)) {
			s->t->bad_bridges++;
			log_warn("pci: bridge %04x:%02x:%02x.%u has bus range %02x-%02x, not scanned\n",
				 b->bdf.segment, b->bdf.bus, b->bdf.dev, b->bdf.fn,
				 b->secondary_bus, b->subordinate_bus);
			continue;
		}
		scan_bus(s, b->secondary_bus, (uint16_t)i, depth + 1);
	}
}

void pci_enumerate(const struct pci_config_ops *ops, const struct mcfg_info *windows,
		   bool enable_acs, struct pci_topology *t)
{
	static struct scan s;

	memset(t, 0, sizeof(*t));
	for (unsigned w = 0; w < windows->count; w++) {
		const struct ecam_window *win = &windows->window[w];

		memset(&s, 0, sizeof(s));
		s.ops = ops;
		s.t = t;
		s.segment = win->segment;
		s.first_bus = win->start_bus;
		s.last_bus = win->end_bus;
		s.enable_acs = enable_acs;
		scan_bus(&s, win->start_bus, PCI_NO_PARENT, 0);
		/* Host bridges other than the first have root buses of their own
		 * that no bridge leads to; only ACPI's _BBN would name them. */
		for (unsigned bus = win->start_bus + 1u; bus <= win->end_bus; bus++) {
			if (s.visited[bus])
				continue;
			struct pci_bdf d = { win->segment, (uint8_t)bus, 0, 0 };
			bool occupied = false;
			for (uint8_t dev = 0; dev < 32 && !occupied; dev++) {
				d.dev = dev;
				occupied = rd16(&s, d, PCI_VENDOR_ID) != PCI_VENDOR_NONE;
			}
			if (occupied)
				scan_bus(&s, (uint8_t)bus, PCI_NO_PARENT, 0);
		}
	}
}

int pci_find(const struct pci_topology *t, struct pci_bdf d)
{
	for (unsigned i = 0; i < t->count; i++) {
		const struct pci_bdf *b = &t->fn[i].bdf;
		if (b->segment == d.segment && b->bus == d.bus && b->dev == d.dev &&
		    b->fn == d.fn)
			return (int)i;
	}
	return -1;
}
