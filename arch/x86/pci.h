/* PCI configuration space over ECAM (PCI Express Base 6.0, 7.2.2), or
 * where there is none (no MCFG, as in Bochs) through ports 0xCF8/0xCFC. */
#ifndef ARCH_X86_PCI_H
#define ARCH_X86_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci_id.h"
#include "arch/x86/pci_regs.h"

struct mcfg_info;

/* ECAM where the MCFG has windows, else the ports where they answer. */
void pci_init(const struct mcfg_info *mcfg);
bool pci_available(void);
bool pci_through_ports(void);

/* The windows configuration space is reached through: the MCFG's, or one
 * of segment 0's buses 00-ff for the ports; none when PCI is unavailable. */
const struct mcfg_info *pci_windows(void);

/* Reads return all-ones outside every window (and through the ports at
 * 0x100 and above), like a master abort. */
uint32_t pci_read32(struct pci_bdf d, uint16_t off);
uint16_t pci_read16(struct pci_bdf d, uint16_t off);
void pci_write16(struct pci_bdf d, uint16_t off, uint16_t value);
void pci_write32(struct pci_bdf d, uint16_t off, uint32_t value);

/* The same accessors with the context argument config-space callbacks
 * take (pci_config_ops, pci_msi_cfg_ops, vpci_ops); ctx is unused. */
uint32_t pci_cfg_read32(void *ctx, struct pci_bdf d, uint16_t off);
void pci_cfg_write16(void *ctx, struct pci_bdf d, uint16_t off, uint16_t value);
void pci_cfg_write32(void *ctx, struct pci_bdf d, uint16_t off, uint32_t value);

/* Sets and clears bits of the command register; returns its old value. */
uint16_t pci_command_update(struct pci_bdf d, uint16_t set, uint16_t clear);

typedef void (*pci_visit_fn)(void *ctx, struct pci_bdf d);

/* Visits every function present in every window. */
unsigned pci_for_each_function(pci_visit_fn visit, void *ctx);

/* Clears Bus Master Enable on every function; returns how many had it set. */
unsigned pci_disable_bus_mastering_all(void);

#endif
