/* Interrupt remapping entries and MSI formats (Intel VT-d specification 4.1,
 * chapter 5.1 and 9.10).
 *
 * An Interrupt Remapping Table Entry (IRTE) is 128 bits; this file knows the
 * remapped format only (IM = 0; posted entries are not used by hv). Bit
 * positions (9.10; the same in Linux's struct irte and QEMU's VTD_IRTE):
 *
 *   bit  0      P     present
 *   bit  1      FPD   fault processing disable
 *   bit  2      DM    destination mode: 0 physical, 1 logical
 *   bit  3      RH    redirection hint
 *   bit  4      TM    trigger mode: 0 edge, 1 level
 *   bits 7:5    DLM   delivery mode (fixed 0, lowest priority 1, SMI 2,
 *                     NMI 4, INIT 5, ExtINT 7; 3 and 6 reserved)
 *   bits 11:8   AVAIL available to software
 *   bits 14:12  reserved (0)
 *   bit  15     IM    IRTE mode: 0 remapped, 1 posted
 *   bits 23:16  V     vector
 *   bits 31:24  reserved (0)
 *   bits 63:32  DST   destination: with EIM (x2APIC) all 32 bits are the
 *                     x2APIC ID; without EIM (xAPIC) the 8-bit APIC ID sits
 *                     in bits 47:40 (the field's bits 15:8) and the field's
 *                     other bits are reserved (0)
 *   bits 79:64  SID   source identifier (requester ID, bus:dev.fn)
 *   bits 81:80  SQ    source-id qualifier (SVT = 1): 0 compare all 16 bits,
 *                     1 ignore SID bit 2, 2 ignore bits 2:1, 3 ignore bits
 *                     2:0 (the function number's bits)
 *   bits 83:82  SVT   source validation type: 0 none, 1 SID with SQ mask,
 *                     2 bus range: the requester's bus must lie within
 *                     SID[15:8] (start) .. SID[7:0] (end), for devices
 *                     behind a PCIe-to-PCI bridge whose requests may carry
 *                     the bridge's or a secondary bus's ID; 3 reserved
 *   bits 127:84 reserved (0)
 *
 * The hardware reads entries; it never writes them. After irte_write() the
 * caller must flush the entry's cache line when the unit is not coherent
 * (ECAP.C = 0) and invalidate the interrupt entry cache for the index
 * (QEMU does not cache IRTEs, so a missing invalidation does not show
 * there). */
#ifndef IOMMU_IRTE_H
#define IOMMU_IRTE_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery modes (IRTE DLM, MSI data bits 10:8). */
enum irte_dlm {
	IRTE_DLM_FIXED = 0,
	IRTE_DLM_LOWEST = 1,
	IRTE_DLM_SMI = 2,
	IRTE_DLM_NMI = 4,
	IRTE_DLM_INIT = 5,
	IRTE_DLM_EXTINT = 7,
};

/* Source validation types (IRTE SVT). */
enum irte_svt {
	IRTE_SVT_NONE = 0,
	IRTE_SVT_SID = 1,      /* SID compared under the SQ mask */
	IRTE_SVT_BUS = 2,      /* bus within SID[15:8] .. SID[7:0] */
};

/* Source-id qualifiers (IRTE SQ, with SVT = 1): which low SID bits are
 * ignored. */
enum irte_sq {
	IRTE_SQ_ALL = 0,       /* compare SID[15:0] */
	IRTE_SQ_IGNORE_2 = 1,  /* ignore SID[2] */
	IRTE_SQ_IGNORE_2_1 = 2,/* ignore SID[2:1] */
	IRTE_SQ_IGNORE_2_0 = 3,/* ignore SID[2:0]: any function of the device */
};

/* One IRTE, field by field. Every field holds the raw value of its bits;
 * `dest` is the raw 32-bit DST field (see irte_dest()). */
struct irte_fields {
	bool present;
	bool fpd;
	bool dest_logical;     /* DM */
	bool redir_hint;       /* RH */
	bool level;            /* TM: level triggered */
	uint8_t dlm;           /* 3 bits */
	uint8_t avail;         /* 4 bits */
	bool posted;           /* IM: must be 0, hv writes remapped entries only */
	uint8_t vector;
	uint32_t dest;
	uint16_t sid;
	uint8_t sq;            /* 2 bits */
	uint8_t svt;           /* 2 bits */
};

/* The DST field for APIC ID `apic_id`: the ID itself with EIM (x2APIC),
 * apic_id << 8 without (xAPIC; the ID must then fit 8 bits, which
 * irte_validate() checks). */
static inline uint32_t irte_dest(uint32_t apic_id, bool x2apic_mode)
{
	return x2apic_mode ? apic_id : apic_id << 8;
}

/* The APIC ID a DST field names. */
static inline uint32_t irte_dest_apic_id(uint32_t dest, bool x2apic_mode)
{
	return x2apic_mode ? dest : (dest >> 8) & 0xff;
}

/* The SID for SVT = 2: requesters on buses start..end. */
static inline uint16_t irte_sid_bus_range(uint8_t start_bus, uint8_t end_bus)
{
	return (uint16_t)((uint16_t)start_bus << 8 | end_bus);
}

/* Builds the entry: out[0] is bits 63:0, out[1] bits 127:64. 0, or
 * -EINVAL (out left alone) when a field does not fit its bits (dlm > 7,
 * avail > 15, sq > 3, svt > 3). Reserved bits are written 0. */
int irte_encode(const struct irte_fields *f, uint64_t out[2]);

/* The fields of an entry. Reserved bits are not looked at: see
 * irte_reserved_bits(). The inverse of irte_encode() exactly. */
void irte_decode(const uint64_t in[2], struct irte_fields *f);

/* The entry's reserved bits that are set (bit 127:64 in [1]): nonzero
 * means the hardware would fault on it when present. */
void irte_reserved_bits(const uint64_t in[2], bool x2apic_mode, uint64_t out[2]);

/* 0, or -EINVAL when the entry is not one the hardware accepts or that hv
 * may write:
 *  - a field that does not fit its bits;
 *  - IM = 1 (posted);
 *  - a reserved delivery mode (3, 6);
 *  - a vector below 16 with fixed or lowest-priority delivery (the
 *    vector is ignored for SMI, NMI, INIT and ExtINT);
 *  - without EIM (`x2apic_mode` false), a DST with bits outside 15:8 set
 *    (a destination wider than 8 bits);
 *  - SVT 3 (reserved); SQ other than 0 unless SVT = 1; SVT = 0 with a
 *    nonzero SID (meaningless, so a bug); SVT = 2 with start bus > end bus.
 * Checked whether or not the entry is present. */
int irte_validate(const struct irte_fields *f, bool x2apic_mode);

/* Whether a delivery mode is allowed for a device MSI that hv routes:
 * fixed or lowest priority only. */
bool irte_dlm_allowed_for_device_msi(unsigned dlm);

/* irte_validate(), and the entry is one hv may use for a device's MSI:
 * present, delivery mode allowed for a device MSI, edge triggered (PCI
 * MSIs are edge triggered), and source validated (SVT 1 or 2). */
int irte_validate_device_msi(const struct irte_fields *f, bool x2apic_mode);

/* Writes entry[] into the 16-byte aligned table slot so that the unit
 * never sees a present entry half written. x86 stores become visible in
 * program order, so:
 *  - old not present, new present: high qword first, then the low one
 *    holding P;
 *  - new not present (clearing, or not present to not present): low qword
 *    (P = 0) first, then the high one;
 *  - both present: one 128-bit `lock cmpxchg16b` (VT-d 9.10: software
 *    updating a present entry must write it atomically; an integer
 *    instruction, allowed under -mgeneral-regs-only).
 * No cache flush and no invalidation: the caller's (see above). */
void irte_write(volatile uint64_t *slot, const uint64_t entry[2]);

/* ---- MSI address/data (5.1.2) ---------------------------------------- */

#define MSI_ADDR_BASE      0xfee00000u
#define MSI_ADDR_BASE_MASK 0xfff00000u
#define MSI_ADDR_IF_REMAP  (1u << 4)   /* interrupt format: remappable */

/* Remappable format (5.1.2.2):
 *   address: 31:20 0xFEE, 19:5 handle[14:0], 4 interrupt format (1),
 *            3 SHV, 2 handle[15], 1:0 don't care
 *   data:    31:16 reserved (0), 15:0 subhandle (used when SHV = 1)
 * The entry used is handle, or handle + subhandle when SHV = 1 (a
 * multi-vector MSI puts its vector number in the low data bits). */
void msi_remappable_encode(uint16_t handle, bool shv, uint32_t *addr_lo, uint32_t *data);

/* Decodes a remappable-format MSI: `addr` is the full 64-bit address (the
 * high dword must be 0). *handle and *shv as written; *index the entry
 * used (handle + subhandle when SHV, which may exceed 0xffff: the
 * hardware then faults as for any index beyond the table). 0, or -EINVAL
 * (outputs left alone) when the address is not 0xFEEx_xxxx, is in
 * compatibility format, or the data has reserved bits set. */
int msi_remappable_decode(uint64_t addr, uint32_t data, uint16_t *handle, bool *shv,
			  uint32_t *index);

/* Compatibility format (5.1.2.1), what a guest programs:
 *   address: 31:20 0xFEE, 19:12 destination (xAPIC ID), 11:5 reserved,
 *            4 interrupt format (0), 3 RH, 2 DM, 1:0 don't care
 *   data:    31:16 reserved, 15 trigger mode, 14 level (assert), 13:11
 *            reserved, 10:8 delivery mode, 7:0 vector */
struct msi_compat {
	uint8_t dest;
	uint8_t vector;
	uint8_t dlm;           /* 3 bits */
	bool dest_logical;
	bool redir_hint;
	bool trigger_level;    /* data bit 15: level triggered */
	bool level_assert;     /* data bit 14 */
};

/* 0, or -EINVAL (outputs left alone) when m->dlm does not fit 3 bits. */
int msi_compat_encode(const struct msi_compat *m, uint32_t *addr_lo, uint32_t *data);

/* 0, or -EINVAL (*m left alone) when the address is not 0xFEEx_xxxx (high
 * dword included), is in remappable format, has reserved bits 11:5 set,
 * the data has reserved bits (31:16, 13:11) set, or the delivery mode is
 * reserved (3, 6). The delivery mode is not otherwise judged: see
 * irte_dlm_allowed_for_device_msi(). */
int msi_compat_decode(uint64_t addr, uint32_t data, struct msi_compat *m);

#endif
