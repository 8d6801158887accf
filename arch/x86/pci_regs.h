/* PCI configuration space layout (PCI Local Bus 3.0, 6.1; PCI-to-PCI Bridge
 * 1.2, 3.2; PCI Express Base 6.0, 7.5 and 7.7). */
#ifndef ARCH_X86_PCI_REGS_H
#define ARCH_X86_PCI_REGS_H

#define PCI_CFG_SIZE          4096
#define PCI_CFG_LEGACY_SIZE   256

#define PCI_VENDOR_ID         0x00
#define PCI_DEVICE_ID         0x02
#define PCI_COMMAND           0x04
#define PCI_COMMAND_IO        (1u << 0)
#define PCI_COMMAND_MEMORY    (1u << 1)
#define PCI_COMMAND_BUS_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10) /* PCI LB 3.0 6.2.2: no INTx pin assertions */
#define PCI_STATUS            0x06
#define PCI_STATUS_CAP_LIST   (1u << 4)
#define PCI_CLASS_REVISION    0x08 /* class code in bits 31:8 */
#define PCI_HEADER_TYPE       0x0e
#define PCI_HEADER_TYPE_MASK  0x7f
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_HEADER_TYPE_BRIDGE 1
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_BAR(n)            (0x10 + 4 * (n)) /* type 0 header: BARs 0..5 */
#define PCI_BAR_COUNT         6
/* BAR low bits (PCI LB 3.0, 6.2.5.1). */
#define PCI_BAR_IO            (1u << 0)
#define PCI_BAR_TYPE_MASK     (3u << 1)
#define PCI_BAR_TYPE_64       (2u << 1)
#define PCI_CAPABILITY_LIST   0x34
#define PCI_VENDOR_NONE       0xffff

/* Type 1 (bridge) header. */
#define PCI_PRIMARY_BUS       0x18
#define PCI_SECONDARY_BUS     0x19
#define PCI_SUBORDINATE_BUS   0x1a

/* Capability IDs and the list's bounds. */
#define PCI_CAP_ID_MSI        0x05
#define PCI_CAP_ID_EXP        0x10
#define PCI_CAP_ID_MSIX       0x11
#define PCI_CAP_FIRST         0x40
#define PCI_CAP_MAX_HOPS      48 /* (256 - 64) / 4 */

/* MSI capability (PCI Local Bus 3.0, 6.8.1; PCI Express Base 6.0, 7.7.1).
 * The layout after Message Address depends on Message Control:
 *   32-bit:  0x08 data, 0x0c mask bits, 0x10 pending bits
 *   64-bit:  0x08 upper address, 0x0c data, 0x10 mask bits, 0x14 pending
 * (mask and pending only with per-vector masking). */
#define PCI_MSI_FLAGS         0x02 /* Message Control, 16 bits */
#define PCI_MSI_FLAGS_ENABLE  (1u << 0)
#define PCI_MSI_FLAGS_QMASK   (7u << 1) /* Multiple Message Capable: log2 */
#define PCI_MSI_FLAGS_QSIZE   (7u << 4) /* Multiple Message Enable: log2 */
#define PCI_MSI_FLAGS_64BIT   (1u << 7)
#define PCI_MSI_FLAGS_MASKBIT (1u << 8) /* per-vector masking capable */
#define PCI_MSI_FLAGS_EXT_DATA     (1u << 9)  /* Extended Message Data Capable */
#define PCI_MSI_FLAGS_EXT_DATA_EN  (1u << 10) /* ... Enable (both reserved in PCI 3.0) */
#define PCI_MSI_ADDRESS_LO    0x04 /* bits 1:0 reserved: dword aligned */
#define PCI_MSI_ADDRESS_HI    0x08 /* 64-bit only */
#define PCI_MSI_DATA_32       0x08 /* 16 bits */
#define PCI_MSI_DATA_64       0x0c
#define PCI_MSI_MASK_32       0x0c /* bit n masks vector n */
#define PCI_MSI_MASK_64       0x10
#define PCI_MSI_PENDING_32    0x10
#define PCI_MSI_PENDING_64    0x14
#define PCI_MSI_MAX_LOG2      5    /* 32 vectors; Capable values 6, 7 are reserved */

/* MSI-X capability (PCI Express Base 6.0, 7.7.2). Table Offset/BIR and PBA
 * Offset/BIR: BAR indicator (0..5; 6, 7 reserved) in 2:0, offset into
 * that BAR in 31:3 (qword aligned). */
#define PCI_MSIX_FLAGS        0x02 /* Message Control, 16 bits */
#define PCI_MSIX_FLAGS_QSIZE  0x07ffu /* Table Size: entries - 1 */
#define PCI_MSIX_FLAGS_MASKALL (1u << 14) /* Function Mask */
#define PCI_MSIX_FLAGS_ENABLE (1u << 15)
#define PCI_MSIX_TABLE        0x04
#define PCI_MSIX_PBA          0x08
#define PCI_MSIX_BIR_MASK     0x7u
#define PCI_MSIX_BIR_MAX      5
#define PCI_MSIX_OFFSET_MASK  0xfffffff8u

/* One MSI-X table entry (PCIe 6.0, 7.7.2, MSI-X Table): 16 bytes, all
 * dword registers. Vector Control bit 0 masks the entry; its bits 31:16
 * may hold TPH steering tags, so hv changes bit 0 only. */
#define PCI_MSIX_ENTRY_SIZE       16
#define PCI_MSIX_ENTRY_ADDR_LO    0x0 /* bits 1:0 reserved: dword aligned */
#define PCI_MSIX_ENTRY_ADDR_HI    0x4
#define PCI_MSIX_ENTRY_DATA       0x8
#define PCI_MSIX_ENTRY_VECTOR_CTRL 0xc
#define PCI_MSIX_ENTRY_CTRL_MASKBIT (1u << 0)

/* PCI Express capability: the port type in Express Capabilities 7:4. */
#define PCI_EXP_FLAGS         0x02
#define PCI_EXP_FLAGS_TYPE(f) (((f) >> 4) & 0xf)
#define PCI_EXP_DEVCAP        0x04
#define PCI_EXP_DEVCAP_FLR    (1u << 28) /* function-level reset offered */
enum pcie_port_type {
	PCIE_ENDPOINT = 0x0,
	PCIE_LEGACY_ENDPOINT = 0x1,
	PCIE_ROOT_PORT = 0x4,
	PCIE_UPSTREAM_PORT = 0x5,
	PCIE_DOWNSTREAM_PORT = 0x6,
	PCIE_TO_PCI_BRIDGE = 0x7,
	PCI_TO_PCIE_BRIDGE = 0x8,
	PCIE_RC_INTEGRATED_ENDPOINT = 0x9,
	PCIE_RC_EVENT_COLLECTOR = 0xa,
};

/* Extended capabilities: header = ID 15:0, version 19:16, next 31:20. */
#define PCI_EXT_CAP_FIRST     0x100
#define PCI_EXT_CAP_ID(h)     ((h) & 0xffff)
#define PCI_EXT_CAP_NEXT(h)   (((h) >> 20) & 0xffc)
#define PCI_EXT_CAP_MAX_HOPS  ((PCI_CFG_SIZE - PCI_EXT_CAP_FIRST) / 8)
#define PCI_EXT_CAP_ID_ACS    0x000d

/* Access Control Services (PCIe 6.0, 7.7.11). */
#define PCI_ACS_CAP           0x04
#define PCI_ACS_CTRL          0x06
#define PCI_ACS_SV            (1u << 0) /* source validation */
#define PCI_ACS_TB            (1u << 1) /* translation blocking */
#define PCI_ACS_RR            (1u << 2) /* P2P request redirect */
#define PCI_ACS_CR            (1u << 3) /* P2P completion redirect */
#define PCI_ACS_UF            (1u << 4) /* upstream forwarding */
#define PCI_ACS_EC            (1u << 5) /* P2P egress control */
/* What isolation needs, as Linux's REQ_ACS_FLAGS: no spoofed requester
 * IDs, no peer-to-peer that bypasses the IOMMU. */
#define PCI_ACS_ISOLATION (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

#endif
