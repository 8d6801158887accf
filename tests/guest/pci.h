/* The test guest's PCI view (pci.c): configuration space of bus 0 through
 * the ECAM window hv gives it (boot->pci_ecam: bus 0 only, 1 MiB, device d
 * function f at (d << 15) | (f << 12)) and through ports 0xCF8/0xCFC, as a
 * guest OS reaches it: 32-bit accesses for dword registers, 16-bit ones
 * for the command register and the MSI capability's control and data, one
 * plain MOV or IN/OUT each (hv traps and decodes every one). */
#ifndef TESTS_GUEST_PCI_H
#define TESTS_GUEST_PCI_H

#include "tests/guest/guest.h"

/* Configuration space (PCI Local Bus 3.0, 6.1, 6.2.5.1, 6.7, 6.8.1). */
#define PCI_VENDOR_ID        0x00
#define PCI_COMMAND          0x04
#define PCI_COMMAND_IO       (1u << 0)
#define PCI_COMMAND_MEMORY   (1u << 1)
#define PCI_COMMAND_MASTER   (1u << 2)
#define PCI_STATUS           0x06
#define PCI_STATUS_CAP_LIST  (1u << 4)
#define PCI_CLASS_REVISION   0x08 /* class code in bits 31:8 */
#define PCI_HEADER_TYPE      0x0e
#define PCI_BAR0             0x10
#define PCI_BAR_IO           (1u << 0)
#define PCI_BAR_TYPE_MASK    (3u << 1)
#define PCI_BAR_TYPE_64      (2u << 1)
#define PCI_CAP_PTR          0x34
#define PCI_CAP_ID_MSI       0x05
#define PCI_CAP_ID_MSIX      0x11

#define MSI_CTRL             0x02 /* 16 bits */
#define MSI_CTRL_ENABLE      (1u << 0)
#define MSI_CTRL_MMC(c)      (((c) >> 1) & 7) /* log2 of the vectors it can ask for */
#define MSI_CTRL_MME_MASK    (7u << 4)
#define MSI_CTRL_64BIT       (1u << 7)
#define MSI_CTRL_MASKABLE    (1u << 8)
#define MSI_ADDR_LO          0x04
#define MSI_ADDR_HI          0x08 /* 64-bit capability only */
#define MSI_DATA_64          0x0c /* 16 bits */
#define MSI_DATA_32          0x08

/* MSI-X (PCIe 6.0, 7.7.2): Message Control, then the table's and the
 * PBA's BAR indicator (bits 2:0) and offset in that BAR (bits 31:3). */
#define MSIX_CTRL            0x02 /* 16 bits */
#define MSIX_CTRL_SIZE(c)    (((c) & 0x7ffu) + 1) /* table entries */
#define MSIX_CTRL_MASKALL    (1u << 14)           /* Function Mask */
#define MSIX_CTRL_ENABLE     (1u << 15)
#define MSIX_TABLE           0x04
#define MSIX_PBA             0x08
#define MSIX_BIR(r)          ((r) & 7u)
#define MSIX_OFFSET(r)       ((r) & ~7u)
#define MSIX_ENTRY_SIZE      16 /* address low, high, data, vector control */
#define MSIX_ENTRY_ADDR_LO   0x0
#define MSIX_ENTRY_ADDR_HI   0x4
#define MSIX_ENTRY_DATA      0x8
#define MSIX_ENTRY_CTRL      0xc
#define MSIX_ENTRY_MASKED    (1u << 0)

#define PCI_ECAM_BUS_SIZE    (1ull << 20)
#define PCI_ID_NONE          0xffffffffu

/* Whether boot->pci_ecam is a window the accessors below can use: 1 MiB
 * aligned, past RAM, inside the guest's identity map (512 GiB). */
bool pci_ecam_usable(void);

/* Bus 0 through the ECAM window (dev < 32, fn < 8, reg < 4096, aligned to
 * the access size). */
uint32_t pci_read32(unsigned dev, unsigned fn, unsigned reg);
uint16_t pci_read16(unsigned dev, unsigned fn, unsigned reg);
uint8_t pci_read8(unsigned dev, unsigned fn, unsigned reg);
void pci_write32(unsigned dev, unsigned fn, unsigned reg, uint32_t v);
void pci_write16(unsigned dev, unsigned fn, unsigned reg, uint16_t v);

/* Configuration mechanism #1: address to 0xCF8, a dword from 0xCFC. */
uint32_t pci_cf8_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg);

/* The offset of the first capability with this ID (bus 0), 0 when there
 * is none; a list that loops or leaves the header is cut off after 48
 * entries. */
unsigned pci_find_cap(unsigned dev, unsigned fn, uint8_t id);

#endif
