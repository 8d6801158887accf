/* PCI enumeration: every function behind every ECAM window, with the bridge
 * hierarchy and the capabilities VT-d and interrupt remapping care about.
 * Config space is reached through callbacks, so the unit tests enumerate a
 * synthetic topology. */
#ifndef ARCH_X86_PCI_ENUM_H
#define ARCH_X86_PCI_ENUM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci.h"

struct mcfg_info;

#define PCI_MAX_FUNCTIONS 1024
#define PCI_MAX_ALIASES 4
#define PCI_NO_PARENT 0xffff
#define PCI_MAX_BUS_DEPTH 32

struct pci_config_ops {
	uint32_t (*read32)(void *ctx, struct pci_bdf d, uint16_t off);
	void (*write16)(void *ctx, struct pci_bdf d, uint16_t off, uint16_t value);
	void *ctx;
};

struct pci_function {
	struct pci_bdf bdf;
	uint16_t vendor, device;
	uint32_t class_code;   /* base, sub, interface */
	uint8_t header_type;   /* without the multifunction bit */
	bool multifunction;    /* the slot's function 0 says so */
	uint16_t parent;       /* the bridge above, or PCI_NO_PARENT */
	uint8_t depth;

	bool is_bridge;
	uint8_t secondary_bus, subordinate_bus;

	/* Capability offsets, 0 when absent. */
	uint8_t msi_cap, msix_cap, pcie_cap;
	uint8_t pcie_type;     /* enum pcie_port_type, when pcie_cap */
	bool has_flr;          /* its Device Capabilities offer a function-level reset */
	uint16_t acs_cap;
	uint16_t acs_capabilities, acs_control;
	bool bad_capability_list;

	/* Filled by iommu/: the remapping unit (a DRHD index, -1 when none),
	 * the requester IDs its DMA may carry (own ID first, the one the
	 * IOMMU sees last), and its IOMMU group. */
	int16_t unit;
	uint8_t alias_count;
	uint16_t alias[PCI_MAX_ALIASES];
	uint16_t group;
};

struct pci_topology {
	unsigned count;
	bool truncated;         /* more functions than PCI_MAX_FUNCTIONS */
	unsigned bad_bridges;   /* bus numbers outside their window or looping */
	unsigned acs_enabled;   /* functions whose ACS controls were raised */
	unsigned group_count;
	struct pci_function fn[PCI_MAX_FUNCTIONS];
};

/* Enumerates every window. With `enable_acs`, turns on the isolation
 * controls of every ACS capability, as an OS does when an IOMMU is in use. */
void pci_enumerate(const struct pci_config_ops *ops, const struct mcfg_info *windows,
		   bool enable_acs, struct pci_topology *out);

static inline uint16_t pci_requester_id(struct pci_bdf d)
{
	return (uint16_t)(d.bus << 8 | d.dev << 3 | d.fn);
}

/* The index of the function at `d`, or -1. */
int pci_find(const struct pci_topology *t, struct pci_bdf d);

bool pci_is_pcie(const struct pci_function *f);

#endif
