#include "arch/x86/pci.h"
#include "arch/x86/cpu.h"
#include "arch/x86/log.h"
#include "arch/x86/mcfg.h"
#include "arch/x86/spinlock.h"

/* Configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2):
 * an address written to 0xCF8, the dword at 0xCFC. It reaches segment 0
 * and the first 256 bytes of each function only. */
#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define CONFIG_ENABLE 0x80000000u
#define PORT_CONFIG_SIZE 256

static const struct mcfg_info *ecam;
/* Without ECAM: one window of every bus of segment 0, reached by ports. */
static struct mcfg_info port_windows = { 1, { { 0, 0, 0, 0xff } } };
static bool through_ports;
/* The address/data pair is one per machine: two CPUs must not interleave.
 * Taken without the per-CPU lock record: it is also used before the
 * hypervisor's per-CPU state exists, and nothing between the two port
 * accesses can fault. */
static struct spinlock port_lock;

/* As Linux's pci_check_type1(): the address register keeps what is written
 * only where mechanism #1 exists. */
static bool ports_present(void)
{
	uint32_t saved = inl(CONFIG_ADDRESS);

	outl(CONFIG_ADDRESS, CONFIG_ENABLE);
	bool present = inl(CONFIG_ADDRESS) == CONFIG_ENABLE;
	outl(CONFIG_ADDRESS, saved);
	return present;
}

void pci_init(const struct mcfg_info *mcfg)
{
	ecam = mcfg && mcfg->count ? mcfg : NULL;
	through_ports = !ecam && ports_present();
	if (through_ports)
		log_info("pci: no ECAM: configuration through ports 0xcf8/0xcfc "
			 "(segment 0, registers below 0x100)\n");
}

bool pci_available(void)
{
	return ecam || through_ports;
}

bool pci_through_ports(void)
{
	return through_ports;
}

const struct mcfg_info *pci_windows(void)
{
	static const struct mcfg_info none;

	return ecam ? ecam : through_ports ? &port_windows : &none;
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

/* The CONFIG_ADDRESS value for a dword, or 0 where ports cannot reach. */
static uint32_t port_address(struct pci_bdf d, uint16_t off)
{
	if (!through_ports || d.segment || d.dev >= 32 || d.fn >= 8 || off >= PORT_CONFIG_SIZE)
		return 0;
	return CONFIG_ENABLE | (uint32_t)d.bus << 16 | (uint32_t)d.dev << 11 |
	       (uint32_t)d.fn << 8 | (off & 0xfc);
}

static uint32_t port_read32(uint32_t address)
{
	uint64_t flags = cpu_irq_save();

	ticket_acquire(&port_lock);
	outl(CONFIG_ADDRESS, address);
	uint32_t v = inl(CONFIG_DATA);
	ticket_pass_on(&port_lock);
	cpu_irq_restore(flags);
	return v;
}

static void port_write(uint32_t address, uint16_t off, unsigned size, uint32_t value)
{
	uint64_t flags = cpu_irq_save();

	ticket_acquire(&port_lock);
	outl(CONFIG_ADDRESS, address);
	if (size == 2)
		outw(CONFIG_DATA + (off & 2), (uint16_t)value);
	else
		outl(CONFIG_DATA, value);
	ticket_pass_on(&port_lock);
	cpu_irq_restore(flags);
}

uint32_t pci_read32(struct pci_bdf d, uint16_t off)
{
	uint32_t p = port_address(d, off);
	if (p)
		return port_read32(p);
	uintptr_t a = cfg_address(d, off & ~3u);
	return a ? mmio_read32(a) : 0xffffffffu;
}

uint16_t pci_read16(struct pci_bdf d, uint16_t off)
{
	uint32_t p = port_address(d, off);
	if (p)
		return (uint16_t)(port_read32(p) >> ((off & 2) * 8));
	uintptr_t a = cfg_address(d, off & ~1u);
	return a ? mmio_read16(a) : 0xffff;
}

void pci_write16(struct pci_bdf d, uint16_t off, uint16_t value)
{
	uint32_t p = port_address(d, off);
	if (p) {
		port_write(p, off, 2, value);
		return;
	}
	uintptr_t a = cfg_address(d, off & ~1u);
	if (a)
		mmio_write16(a, value);
}

void pci_write32(struct pci_bdf d, uint16_t off, uint32_t value)
{
	uint32_t p = port_address(d, off);
	if (p) {
		port_write(p, off, 4, value);
		return;
	}
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

	const struct mcfg_info *windows = pci_windows();

	for (unsigned i = 0; i < windows->count; i++) {
		const struct ecam_window *w = &windows->window[i];
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
