#include "arch/x86/pci.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mcfg.h"

static const struct mcfg_info *ecam;

void pci_init(const struct mcfg_info *mcfg)
{
	ecam = mcfg;
}

bool pci_available(void)
{
	return ecam && ecam->count;
}

static uintptr_t cfg_address(struct pci_bdf d, uint16_t off)
{
	for (unsigned i = 0; ecam && i < ecam->count; i++) {
		const struct ecam_window *w = &ecam->window[i];
		if (w->segment == d.segment && d.bus >= w->start_bus &&
		    d.bus <= w->end_bus && d.dev < 32 && d.fn < 8 && off < 4096)
			return w->base + ((uintptr_t)d.bus << 20) +
			       ((uintptr_t)d.dev << 15) + ((uintptr_t)d.fn << 12) + off;
	}
	return 0;
}

uint32_t pci_read32(struct pci_bdf d, uint16_t off)
{
	uintptr_t a = cfg_address(d, off & ~3u);
	return a ? mmio_read32(a) : 0xffffffffu;
}

uint16_t pci_read16(struct pci_bdf d, uint16_t off)
{
	uintptr_t a = cfg_address(d, off & ~1u);
	return a ? mmio_read16(a) : 0xffff;
}

void pci_write16(struct pci_bdf d, uint16_t off, uint16_t value)
{
	uintptr_t a = cfg_address(d, off & ~1u);
	if (a)
		mmio_write16(a, value);
}

void pci_write32(struct pci_bdf d, uint16_t off, uint32_t value)
{
	uintptr_t a = cfg_address(d, off & ~3u);
	if (a)
		mmio_write32(a, value);
}

uint32_t pci_cfg_read32(void *ctx, struct pci_bdf d, uint16_t off)
{
	(void)ctx;
	return pci_read32(d, off);
}

void pci_cfg_write16(void *ctx, struct pci_bdf d, uint16_t off, uint16_t value)
{
	(void)ctx;
	pci_write16(d, off, value);
}

void pci_cfg_write32(void *ctx, struct pci_bdf d, uint16_t off, uint32_t value)
{
	(void)ctx;
	pci_write32(d, off, value);
}

uint16_t pci_command_update(struct pci_bdf d, uint16_t set, uint16_t clear)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, (cmd | set) & ~clear);
	return cmd;
}

unsigned pci_for_each_function(pci_visit_fn visit, void *ctx)
{
	unsigned n = 0;

	for (unsigned i = 0; ecam && i < ecam->count; i++) {
		const struct ecam_window *w = &ecam->window[i];
		for (unsigned bus = w->start_bus; bus <= w->end_bus; bus++) {
			for (uint8_t dev = 0; dev < 32; dev++) {
				for (uint8_t fn = 0; fn < 8; fn++) {
					struct pci_bdf d = { w->segment, bus, dev, fn };
					if (pci_read16(d, PCI_VENDOR_ID) == PCI_VENDOR_NONE) {
						if (fn == 0)
							break;
						continue;
					}
					visit(ctx, d);
					n++;
					if (fn == 0 && !(pci_read16(d, PCI_HEADER_TYPE) &
							 PCI_HEADER_MULTIFUNCTION))
						break;
				}
			}
		}
	}
	return n;
}

static void disable_bus_master(void *ctx, struct pci_bdf d)
{
	unsigned *was_on = ctx;

	if (pci_read16(d, PCI_COMMAND) & PCI_COMMAND_BUS_MASTER) {
		pci_command_update(d, 0, PCI_COMMAND_BUS_MASTER);
		(*was_on)++;
	}
}

unsigned pci_disable_bus_mastering_all(void)
{
	unsigned was_on = 0;

	pci_for_each_function(disable_bus_master, &was_on);
	return was_on;
}
