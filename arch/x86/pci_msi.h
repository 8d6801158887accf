/* Programming a PCI function's MSI capability (PCI Local Bus 3.0, 6.8.1;
 * PCI Express Base 6.0, 7.7.1) and MSI-X table (PCIe 6.0, 6.1.4 and 7.7.2)
 * with message address/data values the caller computed (with interrupt
 * remapping: iommu/irte.h's msi_remappable_encode()); this file knows
 * nothing of IRTEs.
 *
 * Config space is reached through callbacks and the MSI-X table through a
 * struct mmio32, so the unit tests run it over memory. Nothing is cached:
 * every call reads Message Control again, so the caller keeps no state
 * beyond the handle. Calls on one function must be serialised by the
 * caller (they read-modify-write registers).
 *
 * Errors: -ENODEV when the handle's offset does not hold the capability
 * it names (0, misaligned, another ID, or a function that reads
 * all-ones); -EINVAL for an argument the device cannot take; nothing is
 * written on an error.
 *
 * With interrupt remapping the message never changes once programmed:
 * retargeting an interrupt rewrites its IRTE, not the device. */
#ifndef ARCH_X86_PCI_MSI_H
#define ARCH_X86_PCI_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/mmio32.h"
#include "arch/x86/pci.h"

/* Config space accessors. The first two have pci_config_ops' signatures
 * (arch/x86/pci_enum.h), so the same callbacks serve both. read32 gets
 * dword-aligned offsets; write16 even ones. */
struct pci_msi_cfg_ops {
	uint32_t (*read32)(void *ctx, struct pci_bdf d, uint16_t off);
	void (*write16)(void *ctx, struct pci_bdf d, uint16_t off, uint16_t value);
	void (*write32)(void *ctx, struct pci_bdf d, uint16_t off, uint32_t value);
	void *ctx;
};

/* A message: what the device writes, and where. */
struct msi_msg {
	uint64_t addr;
	uint32_t data;
};

/* ---- MSI ------------------------------------------------------------------ */

struct pci_msi {
	const struct pci_msi_cfg_ops *cfg;
	struct pci_bdf bdf;
	uint8_t cap;             /* the capability's offset: pci_function.msi_cap */
};

struct pci_msi_info {
	bool addr64;             /* 64-bit Address Capable */
	bool per_vector_mask;    /* Per-Vector Masking Capable */
	bool ext_data;           /* Extended Message Data Capable (hv uses 16 bits) */
	uint8_t log2_capable;    /* Multiple Message Capable: the device wants
				  * 2^n vectors (reserved values read as 5) */
	bool enabled;
	uint8_t log2_enabled;    /* Multiple Message Enable */
};

/* 0 and *out filled, or -ENODEV (*out left alone). */
int pci_msi_info(const struct pci_msi *m, struct pci_msi_info *out);

/* Programs and enables MSI with `nvec` vectors (1, 2, 4, 8, 16 or 32, at
 * most what the device is capable of): MSI Enable cleared first, then
 * Message Address (the upper dword too when 64-bit capable, 0 included),
 * Message Data (at 0x08 or 0x0c), Multiple Message Enable (Extended
 * Message Data Enable cleared: data is 16 bits), and MSI Enable last.
 * -EINVAL for a bad `nvec`, an address not dword aligned, a nonzero
 * upper dword on a 32-bit-only device, data wider than 16 bits, or data
 * with any of its low log2(nvec) bits set (the device puts the vector
 * number there, PCI LB 3.0 6.8.3.4: set bits would alias vectors).
 * Per-vector mask bits are left as they are: see pci_msi_mask().
 * INTx is the caller's: pci_intx_disable(). */
int pci_msi_program(const struct pci_msi *m, struct msi_msg msg, unsigned nvec);

/* Clears MSI Enable; the rest stays programmed. 0 or -ENODEV. */
int pci_msi_disable(const struct pci_msi *m);

/* Sets or clears the mask bit of `vector`. -EOPNOTSUPP without
 * per-vector masking, -EINVAL for a vector beyond Multiple Message
 * Capable. Config writes are non-posted: the bit is in force when these
 * return. */
int pci_msi_mask(const struct pci_msi *m, unsigned vector);
int pci_msi_unmask(const struct pci_msi *m, unsigned vector);

/* ---- MSI-X ---------------------------------------------------------------- */

struct pci_msix {
	const struct pci_msi_cfg_ops *cfg;
	struct pci_bdf bdf;
	uint8_t cap;             /* the capability's offset: pci_function.msix_cap */
	/* The table: BAR[table_bir] + table_offset, mapped uncached, with
	 * Memory Space Enable set. Not used by pci_msix_info(). */
	struct mmio32 table;
};

struct pci_msix_info {
	bool enabled;
	bool function_masked;
	uint16_t table_size;     /* entries, 1..2048 */
	uint8_t table_bir;       /* BAR holding the table, 0..5 */
	uint32_t table_offset;   /* ... and its offset there (qword aligned) */
	uint8_t pba_bir;         /* the same for the Pending Bit Array */
	uint32_t pba_offset;
};

/* 0 and *out filled, -ENODEV, or -EINVAL when a BIR is reserved (6, 7). */
int pci_msix_info(const struct pci_msix *x, struct pci_msix_info *out);

/* Programs entries 0..n-1 with msgs[] and enables MSI-X: MSI-X Enable
 * and Function Mask set together first (some devices decode table
 * accesses only with MSI-X enabled; Function Mask keeps every vector
 * quiet meanwhile), each entry written as pci_msix_entry_write() does
 * and left unmasked, every entry from n on masked, Function Mask cleared
 * last. -EINVAL for n = 0, n beyond the table, or a message address not
 * dword aligned. MSI must be off: a function with both enabled behaves
 * undefinedly (PCI LB 3.0, 6.8.3.3). */
int pci_msix_enable(const struct pci_msix *x, const struct msi_msg *msgs, unsigned n);

/* Rewrites entry `index` so that it is never unmasked with a half-written
 * message (PCI LB 3.0 6.8.3.5, PCIe 6.0 6.1.4.5: changing an unmasked
 * entry's address or data is undefined): Vector Control's mask bit set first when clear, then
 * Message Address (low, high) and Data, then the mask bit cleared unless
 * `masked`, then a read of Vector Control so the posted writes have
 * reached the device when this returns. Vector Control's other bits are
 * kept. -EINVAL for an index beyond the table or an address not dword
 * aligned. */
int pci_msix_entry_write(const struct pci_msix *x, unsigned index, struct msi_msg msg,
			 bool masked);

/* Sets or clears entry `index`'s mask bit, then reads Vector Control back
 * (posted writes: the mask is in force when this returns). -EINVAL for an
 * index beyond the table. */
int pci_msix_entry_mask(const struct pci_msix *x, unsigned index);
int pci_msix_entry_unmask(const struct pci_msix *x, unsigned index);

/* Sets or clears Function Mask. 0 or -ENODEV. */
int pci_msix_function_mask(const struct pci_msix *x, bool masked);

/* Clears MSI-X Enable; the table is left alone. 0 or -ENODEV. */
int pci_msix_disable(const struct pci_msix *x);

/* ---- INTx ----------------------------------------------------------------- */

/* Sets or clears the command register's Interrupt Disable bit (PCI LB
 * 3.0, 6.2.2). A function with MSI or MSI-X on must not assert INTx
 * anyway (6.8.1.3, 6.8.2.3); setting the bit too covers devices that do,
 * as Linux does. Returns the command register's old value. */
uint16_t pci_intx_disable(const struct pci_msi_cfg_ops *cfg, struct pci_bdf d, bool disabled);

#endif
