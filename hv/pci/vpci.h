/* One guest's PCI view: a virtual host bridge on bus 0 whose configuration
 * space, reached through an ECAM window or ports 0xCF8/0xCFC, shows only
 * the physical functions the guest owns.
 *
 * Layout seen by the guest: 00:00.0 a read-only host bridge (8086:29c0,
 * class 06 00 00), and the guest's device in slot s at 00:(s+1).0. Every
 * other bus/device/function reads all-ones and ignores writes, as a master
 * abort does (PCI LB 3.0, 6.1).
 *
 * What a device shows (type 0 header, PCI LB 3.0 6.1 and 6.2):
 *  - identity, class, revision, subsystem IDs, Min_Gnt/Max_Lat: the
 *    physical ones; header type without the multifunction bit (function 0
 *    is all there is); cache line size and latency timer read through,
 *    their writes ignored; BIST, CardBus CIS, the expansion ROM BAR and
 *    everything not listed here read 0; extended config space (0x100 on)
 *    reads 0.
 *  - command: the guest controls I/O space, memory space and bus master;
 *    Interrupt Disable is always set physically (no INTx: the interrupt
 *    pin reads 0, the interrupt line is a scratch byte); reads show the
 *    physical register masked to those four bits.
 *  - status: the physical one, except Capabilities List (set when a
 *    capability is shown) and Interrupt Status (0). It is RW1C: only the
 *    error bits the guest writes 1 to are passed on.
 *  - BARs at their physical addresses (the hypervisor maps them identity
 *    in the nested table). Writing all-ones makes the register read the
 *    size mask the physical device gave at vpci_add_device() time;
 *    writing its physical address back restores it; any other value is
 *    refused (counted, logged): a BAR never moves and the physical BAR is
 *    never written after vpci_add_device(). A BAR firmware left unassigned
 *    (address 0) is hidden: it reads 0, as an unimplemented BAR.
 *  - capabilities: only MSI and MSI-X (and Advanced Features, below), at
 *    their physical offsets, linked in their physical order; the others (PM, PCIe, vendor...) are gone
 *    from the list and read 0.
 *  - MSI (PCI LB 3.0 6.8.1): emulated. The guest reads back what it wrote;
 *    Multiple Message Capable, 64-bit and per-vector masking are the
 *    device's, Extended Message Data is hidden (16-bit data). Each write
 *    that changes the state calls ops->msi_update(); vpci itself never
 *    writes the physical capability (address, data, control nor mask):
 *    the hypervisor validates the message, writes the IRTE and programs
 *    the device. Pending bits read through from the device.
 *  - MSI-X (PCIe 6.0 7.7.2): the physical registers, except Message
 *    Control's MSI-X Enable (bit 15) and Function Mask (bit 14), which are
 *    the guest's: they read back what it wrote (both 0 at first), and each
 *    write that changes them calls ops->msix_control(); vpci never writes
 *    the physical capability (the hypervisor does, keeping vectors masked
 *    until they are routed: hv/pci/vmsix.h emulates the table). Table Size,
 *    the Table and PBA Offset/BIR registers are read-only: writes that
 *    reach no writable bit (those not touching Message Control's upper
 *    byte) are ignored and counted.
 *  - reset: where the physical function has a function-level reset (its
 *    PCI Express capability's Device Capabilities bit 28, PCIe 6.0
 *    7.5.3.3) and ops->reset is set, a conventional Advanced Features
 *    capability (ID 0x13, length 6; Linux 6.1's pci_af_flr() resets
 *    through it) in the hidden PCI Express capability's place, linked
 *    there: AF_CAP reads TP|FLR, AF_STATUS's TP is the device's
 *    Transactions Pending (Device Status bit 5), AF_CTRL reads 0 and a
 *    write of Initiate FLR (bit 0) resets the function; every other write
 *    is dropped. Not a virtual PCI Express capability: that would make
 *    the function PCI Express to the guest (Linux then reads and writes
 *    its link, payload size, ASPM and extended space registers, each one
 *    more to emulate), where AF offers the reset and nothing else.
 *    On Initiate FLR the view returns to reset state (MSI off, its
 *    address, data, mask bits and Multiple Message Enable 0; MSI-X Enable
 *    and Function Mask clear; Interrupt Line 0; BAR sizing over) and
 *    ops->reset() does the rest, the command register included (it is
 *    the physical one). Until vpci_reset_done() the function reads
 *    all-ones and drops writes, as a function in reset may (PCIe 6.0,
 *    6.6.2); Linux's pci_dev_wait() takes all-ones as "not ready yet".
 *
 * Pure: config space is reached through struct vpci_ops, so the unit tests
 * run it over a fake. Not thread-safe: the caller serialises every call on
 * one struct vpci (the vCPUs of one guest share it, and CONFIG_ADDRESS). */
#ifndef HV_PCI_VPCI_H
#define HV_PCI_VPCI_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci.h"

#define VPCI_MAX_DEVICES 8
#define VPCI_BARS 6

/* The ECAM window needed: bus 0 only (PCIe 6.0, 7.2.2: 1 MiB per bus).
 * Accesses beyond it decode to other buses and read all-ones anyway. */
#define VPCI_ECAM_SIZE 0x100000ull

#define VPCI_HOST_BRIDGE_VENDOR 0x8086
#define VPCI_HOST_BRIDGE_DEVICE 0x29c0 /* Q35's MCH: what guests expect at 00:00.0 */

/* I/O ports: CONFIG_ADDRESS (32-bit accesses only) and CONFIG_DATA. */
#define VPCI_PORT_ADDRESS 0xcf8
#define VPCI_PORT_DATA    0xcfc
#define VPCI_PORT_LAST    0xcff

/* The guest's MSI state, as it programmed its virtual capability. */
struct vpci_msi_state {
	bool enabled;          /* MSI Enable */
	uint8_t log2_enabled;  /* Multiple Message Enable: 2^n vectors, <= log2_capable */
	uint64_t addr;         /* Message Address (upper dword 0 unless addr64); bits 1:0 0 */
	uint16_t data;         /* Message Data; vector n sets the low log2_enabled bits to n */
	uint32_t mask;         /* per-vector mask bits (bit n: vector n); 0 unless maskable */
	/* The device's, constant. */
	bool addr64;           /* 64-bit Address Capable */
	bool maskable;         /* Per-Vector Masking Capable */
	uint8_t log2_capable;  /* Multiple Message Capable (reserved 6, 7 read as 5) */
};

struct vpci_ops {
	/* The physical config space of `d` (pci_msi_cfg_ops' signatures, so one
	 * set of callbacks serves both): read32 at dword-aligned offsets, write16
	 * at even ones. write32 only sizes BARs in vpci_add_device(). */
	uint32_t (*read32)(void *ctx, struct pci_bdf d, uint16_t off);
	void (*write16)(void *ctx, struct pci_bdf d, uint16_t off, uint16_t value);
	void (*write32)(void *ctx, struct pci_bdf d, uint16_t off, uint32_t value);
	/* The guest changed slot's MSI state: validate it (destination among the
	 * guest's CPUs, fixed or lowest-priority delivery), route it (IRTE) and
	 * program the physical MSI capability, masking what is refused. Returns
	 * 0, or a negative errno when refused (counted in stats.msi_refused; the
	 * callee logs why). Called with the caller's serialisation held. */
	int (*msi_update)(void *ctx, unsigned slot, const struct vpci_msi_state *s);
	/* The guest changed slot's MSI-X Enable or Function Mask (both given):
	 * bring the device's entries and its physical Message Control in line
	 * (hv/pci/vmsix.h: vmsix_control()). Returns 0, or a negative errno
	 * (counted in stats.msix_refused). May be NULL: the guest's bits are
	 * kept and shown, nothing is called. Called with the caller's
	 * serialisation held. */
	int (*msix_control)(void *ctx, unsigned slot, bool enable, bool function_mask);
	void *ctx;
	/* The guest initiated slot's FLR (the view is back to reset state
	 * already): reset the device and what the hypervisor holds for it
	 * (its MSIs, MSI-X, command register). 0: the reset is under way,
	 * the function reads all-ones until the caller's vpci_reset_done();
	 * a negative errno: refused (counted in stats.reset_refused), the
	 * function answers at once. May be NULL: no reset is offered. Called
	 * with the caller's serialisation held. */
	int (*reset)(void *ctx, unsigned slot);
};

enum vpci_bar_kind {
	VPCI_BAR_NONE,      /* unimplemented or hidden: reads 0 */
	VPCI_BAR_IO,
	VPCI_BAR_MEM32,     /* "below 1 MiB" (type 01, PCI 2.x) included */
	VPCI_BAR_MEM64,     /* this register and the next */
	VPCI_BAR_MEM64_HI,  /* the upper half of the BAR before */
};

struct vpci_bar {
	enum vpci_bar_kind kind;
	bool prefetchable;
	uint64_t addr, size;   /* physical = guest; 0 for NONE and MEM64_HI */
	uint32_t reg;          /* what the register reads: address and type bits */
	uint32_t size_reg;     /* what it reads after all-ones was written */
	bool sizing;           /* all-ones written: reads give size_reg */
};

struct vpci_dev {
	bool present;
	struct pci_bdf phys;
	uint16_t vendor, device;
	struct vpci_bar bar[VPCI_BARS];
	uint8_t cap_first;         /* virtual Capabilities Pointer, 0: none shown */
	uint8_t msi_cap, msi_next; /* offsets, 0 when absent / last */
	uint8_t msi_len;           /* bytes of the capability (6.8.1) */
	uint8_t msix_cap, msix_next;
	uint8_t pcie_cap;          /* the physical PCI Express capability, 0: none */
	uint8_t af_cap, af_next;   /* the virtual Advanced Features one, 0: not offered */
	bool resetting;            /* between ops->reset() and vpci_reset_done() */
	bool msix_enabled;         /* the guest's MSI-X Enable */
	bool msix_function_masked; /* the guest's Function Mask */
	/* Set by the hypervisor (a quarantined device): the guest may no
	 * longer turn Bus Master Enable back on. */
	bool bus_master_blocked;
	uint8_t intr_line;         /* scratch: Interrupt Line is the OS's */
	struct vpci_msi_state msi;
};

struct vpci_stats {
	unsigned bar_refused;      /* BAR writes other than all-ones or the address */
	unsigned msix_ignored;     /* writes to MSI-X's read-only registers */
	unsigned msix_refused;     /* msix_control() failures */
	unsigned msi_refused;      /* msi_update() failures */
	unsigned ignored;          /* other writes dropped (hidden registers, absent BDFs) */
	unsigned resets;           /* FLRs the guest initiated */
	unsigned reset_refused;    /* ops->reset() failures */
};

struct vpci {
	const struct vpci_ops *ops;
	const char *name;          /* the guest's, for logs */
	uint32_t config_address;   /* 0xCF8 as the guest last wrote it */
	unsigned log_budget;       /* warnings left: a guest cannot flood the console */
	struct vpci_stats stats;
	struct vpci_dev dev[VPCI_MAX_DEVICES];
};

/* An empty view (only the host bridge). `ops` and `name` must outlive it. */
void vpci_init(struct vpci *v, const struct vpci_ops *ops, const char *name);

/* Adds the physical function `phys` in the next free slot; returns the
 * slot (guest 00:(slot+1).0), or -ENODEV (reads all-ones), -EOPNOTSUPP
 * (not a type 0 header: bridges stay the hypervisor's), -EEXIST (already
 * added), -ENOSPC (VPCI_MAX_DEVICES), -EINVAL (capability list looping or
 * out of bounds, a capability overrunning config space, a reserved BAR
 * type, a 64-bit BAR in the last register). Sizes the BARs on the device
 * (PCI LB 3.0 6.2.5.1) with I/O and memory decode off meanwhile, then
 * restores each BAR and the command register: call it before the guest
 * runs, while nothing else touches the function. */
int vpci_add_device(struct vpci *v, struct pci_bdf phys);

/* The reset of `slot` that ops->reset() took on is over: the function
 * answers again. Nothing for a slot not resetting. */
void vpci_reset_done(struct vpci *v, unsigned slot);

/* The guest's address of slot `slot`. */
static inline struct pci_bdf vpci_guest_bdf(unsigned slot)
{
	return (struct pci_bdf){ 0, 0, (uint8_t)(slot + 1), 0 };
}

/* An access at `offset` into the guest's ECAM window (bus 0 at offset 0).
 * Sizes 1, 2, 4, naturally aligned: 0, *val filled (zero-extended) or the
 * write done. Anything else (misaligned, size 8): -EINVAL, *val all-ones
 * (the caller makes every byte of the access 0xff) and nothing written. */
int vpci_ecam_read(struct vpci *v, uint64_t offset, unsigned size, uint32_t *val);
int vpci_ecam_write(struct vpci *v, uint64_t offset, unsigned size, uint32_t val);

/* An IN (`in`, *val filled) or OUT (*val written) of `size` bytes at
 * `port` (PCI LB 3.0, 3.2.2.3.2): 0xCF8 takes 32-bit accesses only (other
 * sizes read all-ones and are dropped: 0xCF9 is a chipset's reset
 * register, not this device's); 0xCFC-0xCFF reach the register
 * CONFIG_ADDRESS names, plus the byte offset, when its enable bit is set
 * (else all-ones / dropped), naturally aligned (else all-ones /
 * dropped). Returns 0, or -EINVAL for a port outside 0xCF8-0xCFF or a
 * size other than 1, 2, 4 (*val all-ones for an IN). */
int vpci_io(struct vpci *v, uint16_t port, bool in, unsigned size, uint32_t *val);

#endif
