/* The hypervisor's own drivers' device interrupts: a function's MSI
 * capability programmed through ECAM (arch/x86/pci_msi.c) with the
 * message the caller computed, remappable or not. */
#ifndef HV_REMAP_DEVICE_IRQ_H
#define HV_REMAP_DEVICE_IRQ_H

#include <stdint.h>

#include "arch/x86/pci_enum.h"
#include "arch/x86/pci_msi.h"

/* Programs and enables MSI with `nvec` vectors (a power of two the device
 * offers) and turns INTx off. -ENODEV without an MSI capability. */
int device_msi_enable(const struct pci_function *f, uint32_t addr_lo, uint32_t data,
		      unsigned nvec);
int device_msi_disable(const struct pci_function *f);

/* Per-vector masking (where the device has it): bit n masks vector n.
 * -EOPNOTSUPP without per-vector masking. */
int device_msi_set_mask(const struct pci_function *f, uint32_t mask, unsigned vectors);

/* The handle arch/x86/pci_msi.c's MSI-X calls take, for f's table at
 * physical address `table` (identity-mapped). */
void device_msix_handle(const struct pci_function *f, uint64_t table, struct pci_msix *x);

#endif
