/* I/O APIC redirection table entries (Intel 82093AA I/O APIC datasheet,
 * 3.0; Intel VT-d 4.1, 5.1.5.1 for the remappable format).
 *
 * Two registers in MMIO space select and move 32-bit words of the I/O
 * APIC's indirect register file: IOREGSEL at 0x00 (register index in bits
 * 7:0) and IOWIN at 0x10. Registers: 0x00 IOAPICID, 0x01 IOAPICVER
 * (version 7:0, maximum redirection entry 23:16), 0x02 IOAPICARB, and the
 * redirection table from 0x10: entry n is registers 0x10 + 2n (bits 31:0)
 * and 0x11 + 2n (bits 63:32). The select/window pair is not atomic: calls
 * on one I/O APIC must be serialised by the caller.
 *
 * Compatibility format (82093AA 3.2.4):
 *   bits  7:0   vector (0x10..0xfe)
 *   bits 10:8   delivery mode: fixed 0, lowest priority 1, SMI 2, NMI 4,
 *               INIT 5, ExtINT 7 (3 and 6 reserved)
 *   bit  11     destination mode: 0 physical, 1 logical
 *   bit  12     delivery status (read only): 1 send pending
 *   bit  13     polarity: 0 active high, 1 active low
 *   bit  14     remote IRR (read only, level triggered): set when a local
 *               APIC accepted the interrupt, cleared by its EOI
 *   bit  15     trigger mode: 0 edge, 1 level
 *   bit  16     mask
 *   bits 55:17  reserved (0)
 *   bits 63:56  destination: APIC ID (physical) or logical set
 *
 * Remappable format (VT-d 5.1.5.1; Linux's struct IO_APIC_route_entry,
 * ir_* fields). The entry's bits 63:48 become MSI address bits 19:4 and
 * bit 11 address bit 2, so the I/O APIC sends a remappable-format MSI
 * (VT-d 5.1.2.2) with handle = the interrupt index and SHV = 0:
 *   bits  7:0   vector: must equal the IRTE's vector (the I/O APIC
 *               matches EOIs of level-triggered interrupts against it)
 *   bits 10:8   0
 *   bit  11     interrupt index [15]
 *   bits 16:12  as in the compatibility format (delivery status,
 *               polarity, remote IRR, trigger mode, mask); the trigger
 *               mode must equal the IRTE's TM
 *   bits 47:17  reserved (0)
 *   bit  48     interrupt format: 1
 *   bits 63:49  interrupt index [14:0] */
#ifndef ARCH_X86_IOAPIC_H
#define ARCH_X86_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/mmio32.h"

#define IOAPIC_REGSEL          0x00
#define IOAPIC_WINDOW          0x10

#define IOAPIC_REG_ID          0x00
#define IOAPIC_REG_VER         0x01
#define IOAPIC_VER_MAX_ENTRY(v) (((v) >> 16) & 0xff)
#define IOAPIC_REG_RTE_LO(n)   (0x10 + 2 * (n))
#define IOAPIC_REG_RTE_HI(n)   (0x11 + 2 * (n))
#define IOAPIC_MAX_ENTRIES     120 /* registers 0x10..0xff: entries 0..119 */

/* Redirection table entry bits shared by both formats. */
#define IOAPIC_RTE_VECTOR       0xffull
#define IOAPIC_RTE_DLM_SHIFT    8
#define IOAPIC_RTE_DLM          (7ull << 8)
#define IOAPIC_RTE_DEST_LOGICAL (1ull << 11)
#define IOAPIC_RTE_INDEX_15     (1ull << 11)  /* remappable */
#define IOAPIC_RTE_PENDING      (1ull << 12)  /* delivery status, RO */
#define IOAPIC_RTE_ACTIVE_LOW   (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR   (1ull << 14)  /* RO */
#define IOAPIC_RTE_LEVEL        (1ull << 15)
#define IOAPIC_RTE_MASKED       (1ull << 16)
#define IOAPIC_RTE_REMAPPABLE   (1ull << 48)  /* interrupt format */
#define IOAPIC_RTE_INDEX_SHIFT  49            /* remappable: index [14:0] */
#define IOAPIC_RTE_DEST_SHIFT   56            /* compatibility */
/* Reserved bits: compatibility 55:17, remappable 47:17 and 10:8. */
#define IOAPIC_RTE_RSVD_COMPAT  0x00fffffffffe0000ull
#define IOAPIC_RTE_RSVD_REMAP   0x0000fffffffe0700ull

/* Delivery modes (82093AA 3.2.4; the same as the IRTE's, iommu/irte.h). */
enum ioapic_dlm {
	IOAPIC_DLM_FIXED = 0,
	IOAPIC_DLM_LOWEST = 1,
	IOAPIC_DLM_SMI = 2,
	IOAPIC_DLM_NMI = 4,
	IOAPIC_DLM_INIT = 5,
	IOAPIC_DLM_EXTINT = 7,
};

/* A compatibility-format entry. `pending` and `remote_irr` are read-only
 * bits: decode reports them, encode ignores them (writes 0). */
struct ioapic_rte {
	uint8_t vector;
	uint8_t dlm;           /* 3 bits */
	bool dest_logical;
	bool active_low;
	bool level;
	bool masked;
	uint8_t dest;
	bool pending;
	bool remote_irr;
};

/* A remappable-format entry; the read-only bits as above. */
struct ioapic_rte_remap {
	uint8_t vector;        /* the IRTE's vector */
	uint32_t index;        /* interrupt remapping table index, 16 bits */
	bool active_low;
	bool level;            /* the IRTE's TM */
	bool masked;
	bool pending;
	bool remote_irr;
};

/* 0 and *out, or -EINVAL (*out left alone) for a delivery mode wider than
 * 3 bits or reserved (3, 6), or a vector below 0x10 with fixed or
 * lowest-priority delivery (82093AA 3.2.4: vectors 0x10..0xfe; the vector
 * is ignored for SMI, NMI, INIT and ExtINT). */
int ioapic_rte_encode(const struct ioapic_rte *f, uint64_t *out);

/* 0 and *f, or -EINVAL (*f left alone) for a remappable-format entry, a
 * reserved bit set, or a reserved delivery mode. Inverse of encode. */
int ioapic_rte_decode(uint64_t rte, struct ioapic_rte *f);

/* 0 and *out, or -EINVAL (*out left alone) for an index wider than 16
 * bits. That the vector and trigger mode match the IRTE is the
 * caller's. */
int ioapic_rte_remap_encode(const struct ioapic_rte_remap *f, uint64_t *out);

/* 0 and *f, or -EINVAL (*f left alone) for a compatibility-format entry
 * or a reserved bit set. */
int ioapic_rte_remap_decode(uint64_t rte, struct ioapic_rte_remap *f);

static inline bool ioapic_rte_is_remappable(uint64_t rte)
{
	return rte & IOAPIC_RTE_REMAPPABLE;
}

/* ---- registers ----------------------------------------------------------- */

struct ioapic {
	struct mmio32 mmio;     /* IOREGSEL at 0x00, IOWIN at 0x10 */
	unsigned max_entry;     /* the highest redirection entry: ioapic_init() */
};

uint32_t ioapic_read(const struct ioapic *io, uint8_t reg);
void ioapic_write(const struct ioapic *io, uint8_t reg, uint32_t value);

/* IOAPICVER's maximum redirection entry: entries are 0..this. */
unsigned ioapic_max_entry(const struct ioapic *io);

/* Sets io->mmio and io->max_entry (read from the chip, capped at
 * IOAPIC_MAX_ENTRIES - 1: more do not fit the register file). */
void ioapic_init(struct ioapic *io, struct mmio32 mmio);

/* Entry `pin`, low word read first. -EINVAL for a pin beyond max_entry. */
int ioapic_rte_read(const struct ioapic *io, unsigned pin, uint64_t *rte);

/* Writes entry `pin` so that it is never unmasked half written: when the
 * entry in place is unmasked, its low word is written back masked first;
 * then the high word, then the low word (which holds the new mask bit).
 * The read-only bits of `rte` are written as given (the chip ignores
 * them). -EINVAL for a pin beyond max_entry. */
int ioapic_rte_write(const struct ioapic *io, unsigned pin, uint64_t rte);

/* Sets or clears entry `pin`'s mask bit, low word only. -EINVAL for a pin
 * beyond max_entry. */
int ioapic_pin_mask(const struct ioapic *io, unsigned pin, bool masked);

/* Masks every entry (those already masked are not written): what hv does
 * before it takes the I/O APIC over, so nothing firmware left armed
 * fires. The other bits stay. */
void ioapic_mask_all(const struct ioapic *io);

#endif
