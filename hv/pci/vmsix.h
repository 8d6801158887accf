/* A passthrough device's MSI-X table as its guest sees it (PCIe 6.0,
 * 6.1.4 and 7.7.2): the guest's BARs are mapped at their physical
 * addresses except the pages holding the MSI-X table and the Pending Bit
 * Array, which trap and come here.
 *
 * What the guest sees on those pages:
 *  - the table: a virtual one. Each entry (Message Address low/high,
 *    Message Data, Vector Control) reads back what the guest wrote; the
 *    Message Address' bits 1:0 read 0 (reserved, 7.7.2.1), Vector Control
 *    shows only its mask bit (bit 0; the steering-tag bits 31:16 and the
 *    reserved ones read 0); every entry starts masked with address and data
 *    0, as after reset. Accesses: aligned dwords, or aligned qwords taken as
 *    their two dwords low first (6.1.4.2: anything else is undefined; here
 *    it reads all-ones and writes nothing). The physical table is never
 *    written by this module.
 *  - the PBA: the device's (read through, aligned dwords or qwords);
 *    writes ignored (the PBA is read-only).
 *  - anything else on those pages (registers a device put beside its table
 *    or PBA): the device's, reached through ops->mmio_read/mmio_write at the
 *    same offset with the same size (1, 2, 4 or 8 bytes, naturally aligned).
 *  - beyond the end of a BAR smaller than a page: all-ones, writes dropped.
 *
 * Interrupts: an entry is active when MSI-X Enable is set, Function Mask
 * clear and the entry's mask bit clear (6.1.4.5). Whenever an entry's
 * effective state changes, ops->entry_update() is called with it: it became
 * active or inactive (mask, unmask, Function Mask or Enable toggled), or it
 * stayed active and its message changed. Software must not change an
 * unmasked entry's message (6.1.4.5); a guest that does is taken at its
 * word when the message is complete: on the write of Message Data, or of
 * the upper address dword (the last dword of the address pair; a qword
 * write of the pair counts once). A write of the lower address dword alone
 * is held until one of those, or until the entry is masked and unmasked.
 * The hypervisor then validates and routes the message (IRTE, remappable
 * message in the physical entry, unmasked) or masks the physical entry.
 *
 * Pure: the device is reached only through struct vmsix_ops, so the unit
 * tests run it over a fake. Not thread-safe: the caller serialises every
 * call on one struct vmsix, with vpci's (its msix_control() callback leads
 * to vmsix_control()). */
#ifndef HV_PCI_VMSIX_H
#define HV_PCI_VMSIX_H

#include <stdbool.h>
#include <stdint.h>

#define VMSIX_BARS 6
#define VMSIX_PAGE 4096ull            /* the nested table's smallest page */
#define VMSIX_ENTRIES_MAX 2048        /* Table Size is 11 bits (7.7.2.2) */
#define VMSIX_ENTRY_SIZE 16

/* A table entry's registers (offsets within the entry) and its mask bit. */
#define VMSIX_ENTRY_ADDR_LO 0x0
#define VMSIX_ENTRY_ADDR_HI 0x4
#define VMSIX_ENTRY_DATA    0x8
#define VMSIX_ENTRY_CTRL    0xc
#define VMSIX_CTRL_MASKED   (1u << 0)

/* The guest's view of one entry. */
struct vmsix_entry {
	uint64_t addr;       /* Message Address, bits 1:0 clear */
	uint32_t data;       /* Message Data */
	uint8_t masked;      /* Vector Control bit 0 */
	uint8_t stale;       /* message changed since entry_update() last saw it */
};

struct vmsix_ops {
	/* The physical BAR `bar` at `offset`: `size` 1, 2, 4 or 8 bytes,
	 * naturally aligned, inside the BAR. Reads return the value
	 * zero-extended. */
	uint64_t (*mmio_read)(void *ctx, unsigned bar, uint64_t offset, unsigned size);
	void (*mmio_write)(void *ctx, unsigned bar, uint64_t offset, unsigned size,
			   uint64_t value);
	/* Entry `index`'s effective state changed (see above): when `active`,
	 * validate (destination among the guest's CPUs, fixed or
	 * lowest-priority delivery), route (IRTE) and write the remappable
	 * message into the physical entry, unmasked; otherwise, or when
	 * refused, mask the physical entry. `addr`/`data` are the guest's
	 * message either way. Returns 0, or a negative errno when refused
	 * (counted in stats.refused; the callee logs why). */
	int (*entry_update)(void *ctx, unsigned index, bool active, uint64_t addr, uint32_t data);
};

/* What vmsix_init() needs to know of the device. */
struct vmsix_config {
	uint16_t control;    /* the capability's Message Control (Table Size in 10:0) */
	uint32_t table;      /* its Table Offset/Table BIR register */
	uint32_t pba;        /* its PBA Offset/PBA BIR register */
	/* The guest's memory BARs, indexed by register (a 64-bit BAR under its
	 * lower register): address (= physical) and size; size 0 where there
	 * is none (I/O, hidden, unimplemented, the upper half of a 64-bit
	 * BAR). */
	uint64_t bar_addr[VMSIX_BARS];
	uint64_t bar_size[VMSIX_BARS];
};

/* A page-aligned range of a BAR: offset and size in bytes. */
struct vmsix_range {
	unsigned bar;
	uint64_t offset, size;
};

#define VMSIX_TRAP_RANGES_MAX 2 /* the table's pages and the PBA's */
#define VMSIX_MAP_RANGES_MAX 3  /* a BAR less up to two holes */

struct vmsix_stats {
	unsigned refused;        /* entry_update() failures */
	unsigned bad_access;     /* wrong size or alignment: all-ones, nothing written */
	unsigned pba_writes;     /* writes to the PBA, ignored */
	unsigned beyond_bar;     /* accesses past a small BAR's end on its page */
};

struct vmsix {
	const struct vmsix_ops *ops;
	void *ctx;
	unsigned table_bir, pba_bir;
	uint64_t table_offset, pba_offset;   /* within their BARs */
	unsigned table_size;                 /* entries, 1..2048 */
	uint64_t bar_addr[VMSIX_BARS], bar_size[VMSIX_BARS];
	bool enabled;                        /* the guest's MSI-X Enable */
	bool function_masked;                /* the guest's Function Mask */
	struct vmsix_entry *entry;           /* table_size entries */
	struct vmsix_stats stats;
};

/* Bytes of the table and of the PBA (one bit per entry, in qwords). */
static inline uint64_t vmsix_table_bytes(const struct vmsix *x)
{
	return (uint64_t)x->table_size * VMSIX_ENTRY_SIZE;
}

static inline uint64_t vmsix_pba_bytes(const struct vmsix *x)
{
	return ((x->table_size + 63u) / 64u) * 8u;
}

/* Sets up `x` for a device whose capability and BARs `c` describes, with
 * `entries` (room for `capacity`, VMSIX_ENTRIES_MAX covers every device)
 * as its virtual table: all masked, MSI-X disabled, Function Mask clear.
 * `ops` and `entries` must outlive `x`; `ctx` is passed to every op. The
 * device's values are not trusted: -EINVAL for a reserved BIR (6, 7), a
 * BIR naming no memory BAR (size 0), a table or PBA BAR not starting on a
 * page boundary or another of the device's BARs on a page that traps (a
 * BAR smaller than a page may share one: its registers would trap, or its
 * mapping would map the table), a table or PBA running past its BAR's end,
 * a table overlapping the PBA (7.7.2: they must not); -ENOSPC when the table has more entries than `capacity`. Nothing is
 * called. */
int vmsix_init(struct vmsix *x, const struct vmsix_ops *ops, void *ctx,
	       const struct vmsix_config *c, struct vmsix_entry *entries, unsigned capacity);

/* Whether the page holding `offset_in_bar` of BAR `bar` traps: it holds
 * part of the table or of the PBA. */
bool vmsix_page_traps(const struct vmsix *x, unsigned bar, uint64_t offset_in_bar);

/* The pages that trap, as up to VMSIX_TRAP_RANGES_MAX page-aligned ranges
 * sorted by BAR then offset, adjacent or overlapping ones merged; returns
 * how many. A range may run past the end of a BAR smaller than a page. */
unsigned vmsix_trap_ranges(const struct vmsix *x, struct vmsix_range out[VMSIX_TRAP_RANGES_MAX]);

/* What of BAR `bar` to map in the nested table: the BAR rounded up to whole
 * pages, less the pages that trap, as up to VMSIX_MAP_RANGES_MAX ranges in
 * order; returns how many (0 for a BAR that is all trapped or has no size;
 * the whole BAR, once, for a BAR without the table or PBA). */
unsigned vmsix_map_ranges(const struct vmsix *x, unsigned bar,
			  struct vmsix_range out[VMSIX_MAP_RANGES_MAX]);

/* The BAR holding guest-physical `addr` (with *offset_in_bar), or -1. */
int vmsix_bar_of(const struct vmsix *x, uint64_t addr, uint64_t *offset_in_bar);

/* A guest access of `size` bytes at `offset_in_bar` in BAR `bar`, on a
 * page that traps: a read fills *value (zero-extended), a write takes it.
 * Returns 0; -EINVAL for a size other than 1, 2, 4, 8, an access not
 * naturally aligned, or one to the table or PBA other than an aligned
 * dword or qword (a read gets all-ones, of `size` bytes, 8 for a bad size;
 * nothing is written; counted in stats.bad_access); -ENOENT when the page
 * does not trap (all-ones too: the caller should not have come here). */
int vmsix_access(struct vmsix *x, unsigned bar, uint64_t offset_in_bar, bool write,
		 unsigned size, uint64_t *value);

/* The guest wrote MSI-X Enable and Function Mask (from vpci's
 * msix_control() callback): entry_update() for every entry whose
 * effective state changes, in index order. */
void vmsix_control(struct vmsix *x, bool enable, bool function_mask);

/* The function was reset (PCIe 6.0, 7.7.2: MSI-X Enable and Function Mask
 * clear, every entry masked): entry_update() for each entry that was
 * active (it is not any more), then every entry masked with address and
 * data 0, as vmsix_init() left them. */
void vmsix_reset(struct vmsix *x);

/* Whether entry `index` is active (false beyond the table). */
bool vmsix_entry_active(const struct vmsix *x, unsigned index);

#endif
