#include "hv/remap/device_irq.h"
#include "arch/x86/pci_msi.h"

#include <errno.h>

static const struct pci_msi_cfg_ops ecam_cfg = { pci_cfg_read32, pci_cfg_write16,
						 pci_cfg_write32, NULL };

int device_msi_enable(const struct pci_function *f, uint32_t addr_lo, uint32_t data,
		      unsigned nvec)
{
	struct pci_msi m = { &ecam_cfg, f->bdf, f->msi_cap };
	int err;

	if (!f->msi_cap)
		return -ENODEV;
	if ((err = pci_msi_program(&m, (struct msi_msg){ addr_lo, data }, nvec)))
		return err;
	pci_intx_disable(&ecam_cfg, f->bdf, true);
	return 0;
}

int device_msi_disable(const struct pci_function *f)
{
	struct pci_msi m = { &ecam_cfg, f->bdf, f->msi_cap };

	return f->msi_cap ? pci_msi_disable(&m) : -ENODEV;
}

int device_msi_set_mask(const struct pci_function *f, uint32_t mask, unsigned vectors)
{
	struct pci_msi m = { &ecam_cfg, f->bdf, f->msi_cap };
	int err = 0;

	for (unsigned i = 0; i < vectors && !err; i++)
		err = (mask >> i) & 1 ? pci_msi_mask(&m, i) : pci_msi_unmask(&m, i);
	return err;
}

void device_msix_handle(const struct pci_function *f, uint64_t table, struct pci_msix *x)
{
	*x = (struct pci_msix){ &ecam_cfg, f->bdf, f->msix_cap,
				mmio32_direct((void *)(uintptr_t)table) };
}
