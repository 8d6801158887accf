/* The test guest's PCI configuration accesses (pci.h): hv's virtual host
 * bridge, through the ECAM window and through ports 0xCF8/0xCFC. */
#include "tests/guest/pci.h"

#define PCI_CF8 0xcf8
#define PCI_CFC 0xcfc
#define IDENTITY_MAP_END (512ull << 30) /* hv's page tables at entry */

static inline uint16_t mmio_read16(uint64_t a)
{
	uint16_t v;

	__asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline void mmio_write16(uint64_t a, uint16_t v)
{
	__asm__ volatile("movw %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

bool pci_ecam_usable(void)
{
	uint64_t e = boot->pci_ecam;

	return e && e % PCI_ECAM_BUS_SIZE == 0 && e >= boot->mem_size &&
	       e + PCI_ECAM_BUS_SIZE <= IDENTITY_MAP_END;
}

static uint64_t ecam(unsigned dev, unsigned fn, unsigned reg)
{
	return boot->pci_ecam + ((uint64_t)(dev & 31) << 15) + ((uint64_t)(fn & 7) << 12) +
	       (reg & 0xfff);
}

uint32_t pci_read32(unsigned dev, unsigned fn, unsigned reg)
{
	return mmio_read32(ecam(dev, fn, reg & ~3u));
}

uint16_t pci_read16(unsigned dev, unsigned fn, unsigned reg)
{
	return mmio_read16(ecam(dev, fn, reg & ~1u));
}

uint8_t pci_read8(unsigned dev, unsigned fn, unsigned reg)
{
	return mmio_read8(ecam(dev, fn, reg));
}

void pci_write32(unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	mmio_write32(ecam(dev, fn, reg & ~3u), v);
}

void pci_write16(unsigned dev, unsigned fn, unsigned reg, uint16_t v)
{
	mmio_write16(ecam(dev, fn, reg & ~1u), v);
}

uint32_t pci_cf8_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	/* The address and the data are two accesses: nothing in between. */
	bool on = irq_save();

	outl(PCI_CF8, 0x80000000u | (bus & 0xff) << 16 | (dev & 31) << 11 | (fn & 7) << 8 |
			      (reg & 0xfc));
	uint32_t v = inl(PCI_CFC);
	irq_restore(on);
	return v;
}

unsigned pci_find_cap(unsigned dev, unsigned fn, uint8_t id)
{
	if (!(pci_read16(dev, fn, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	unsigned off = pci_read8(dev, fn, PCI_CAP_PTR) & 0xfc;

	for (unsigned hops = 0; off >= 0x40 && off < 0x100 && hops < 48; hops++) {
		uint16_t hdr = pci_read16(dev, fn, off);
		if ((hdr & 0xff) == id)
			return off;
		off = (hdr >> 8) & 0xfc;
	}
	return 0;
}
