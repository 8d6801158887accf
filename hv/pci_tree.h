/* The PCI topology at boot, printed like `lspci -tv` with what VT-d makes
 * of each function: its unit, requester ID, DMA alias and IOMMU group. */
#ifndef HV_PCI_TREE_H
#define HV_PCI_TREE_H

struct pci_topology;

void pci_tree_print(const struct pci_topology *t);

#endif
