/* A PCI function's identity: segment (ECAM window, PCI Firmware 3.3,
 * 4.1.2), bus, device and function. One type for the hypervisor, its
 * command line and its configuration file, with one text form. */
#ifndef ARCH_X86_PCI_ID_H
#define ARCH_X86_PCI_ID_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_BUS_MAX 0xff
#define PCI_DEV_MAX 0x1f
#define PCI_FN_MAX 7

struct pci_bdf {
	uint16_t segment;
	uint8_t bus, dev, fn;
};

/* The same packed as segment << 16 | bus << 8 | device << 3 | function:
 * one integer to store and compare, as the configuration and the
 * command line's expectations keep them. */
typedef uint32_t pci_sbdf_t;

static inline pci_sbdf_t pci_bdf_pack(struct pci_bdf d)
{
	return (pci_sbdf_t)d.segment << 16 | (pci_sbdf_t)d.bus << 8 | (pci_sbdf_t)d.dev << 3 |
	       d.fn;
}

static inline struct pci_bdf pci_bdf_unpack(pci_sbdf_t s)
{
	return (struct pci_bdf){
		.segment = (uint16_t)(s >> 16),
		.bus = (uint8_t)(s >> 8),
		.dev = (uint8_t)(s >> 3 & PCI_DEV_MAX),
		.fn = (uint8_t)(s & PCI_FN_MAX),
	};
}

/* "BB:DD.F" or "SSSS:BB:DD.F" at s, as lspci prints them: hexadecimal, 1 to
 * 4 digits a part, bus <= ff, device <= 1f, function 0 to 7 (one digit).
 * Only the function's digit is read after the '.'; a hexadecimal digit
 * right after it is refused, anything else is left at *end for the caller.
 * Returns false, writing nothing, when s does not start with a function. */
bool pci_bdf_parse(const char *s, const char **end, struct pci_bdf *out);

struct pci_bdf_text {
	char s[16]; /* "ssss:bb:dd.f" and its NUL, with room to spare */
};

/* The short form "bb:dd.f" unless the segment is not 0. */
struct pci_bdf_text pci_bdf_format(struct pci_bdf d);

static inline struct pci_bdf_text pci_sbdf_format(pci_sbdf_t s)
{
	return pci_bdf_format(pci_bdf_unpack(s));
}

#endif
