/* A passthrough device's MSI-X table as its guest sees it: see vmsix.h. */
#include "hv/pci/vmsix.h"

#include <errno.h>
#include <string.h>

/* The capability's registers (PCIe 6.0, 7.7.2.2-7.7.2.4). */
#define CTL_TABLE_SIZE 0x07ffu   /* N - 1 */
#define REG_BIR        0x7u
#define REG_OFFSET     0xfffffff8u
#define BIR_MAX        5u

/* All-ones of `size` bytes; of 8 for a size that is not 1, 2 or 4. */
static uint64_t ones(unsigned size)
{
	return size == 1 || size == 2 || size == 4 ? (1ull << (8 * size)) - 1 : ~0ull;
}

static uint64_t page_down(uint64_t a)
{
	return a & ~(VMSIX_PAGE - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + VMSIX_PAGE - 1) & ~(VMSIX_PAGE - 1);
}

/* ---- setup ------------------------------------------------------------------ */

static int check_region(const struct vmsix_config *c, unsigned bir, uint64_t off, uint64_t len)
{
	if (bir > BIR_MAX || !c->bar_size[bir] || (c->bar_addr[bir] & (VMSIX_PAGE - 1)))
		return -EINVAL;
	if (off > c->bar_size[bir] || len > c->bar_size[bir] - off)
		return -EINVAL;
	/* No other BAR of the device on the pages that trap (a BAR smaller
	 * than a page may share one): they would trap, or map the table. */
	uint64_t lo = c->bar_addr[bir] + page_down(off);
	uint64_t hi = c->bar_addr[bir] + page_up(off + len);
	for (unsigned i = 0; i < VMSIX_BARS; i++)
		if (i != bir && c->bar_size[i] && c->bar_addr[i] < hi &&
		    lo < c->bar_addr[i] + c->bar_size[i])
			return -EINVAL;
	return 0;
}

int vmsix_init(struct vmsix *x, const struct vmsix_ops *ops, void *ctx,
	       const struct vmsix_config *c, struct vmsix_entry *entries, unsigned capacity)
{
	struct vmsix t;

	memset(&t, 0, sizeof(t));
	t.ops = ops;
	t.ctx = ctx;
	t.table_size = (c->control & CTL_TABLE_SIZE) + 1u;
	t.table_bir = c->table & REG_BIR;
	t.table_offset = c->table & REG_OFFSET;
	t.pba_bir = c->pba & REG_BIR;
	t.pba_offset = c->pba & REG_OFFSET;
	memcpy(t.bar_addr, c->bar_addr, sizeof(t.bar_addr));
	memcpy(t.bar_size, c->bar_size, sizeof(t.bar_size));

	uint64_t tlen = vmsix_table_bytes(&t), plen = vmsix_pba_bytes(&t);
	if (check_region(c, t.table_bir, t.table_offset, tlen) ||
	    check_region(c, t.pba_bir, t.pba_offset, plen))
		return -EINVAL;
	if (t.table_bir == t.pba_bir && t.table_offset < t.pba_offset + plen &&
	    t.pba_offset < t.table_offset + tlen)
		return -EINVAL;
	if (t.table_size > capacity)
		return -ENOSPC;

	t.entry = entries;
	for (unsigned i = 0; i < t.table_size; i++)
		entries[i] = (struct vmsix_entry){ .masked = 1 };
	*x = t;
	return 0;
}

/* ---- pages ------------------------------------------------------------------- */

/* The page-aligned range of `bar` holding [off, off + len), if in `bar`. */
static bool pages_of(unsigned region_bar, uint64_t off, uint64_t len, unsigned bar,
		     uint64_t *lo, uint64_t *hi)
{
	if (region_bar != bar)
		return false;
	*lo = page_down(off);
	*hi = page_up(off + len);
	return true;
}

bool vmsix_page_traps(const struct vmsix *x, unsigned bar, uint64_t offset_in_bar)
{
	uint64_t lo, hi;

	if (pages_of(x->table_bir, x->table_offset, vmsix_table_bytes(x), bar, &lo, &hi) &&
	    offset_in_bar >= lo && offset_in_bar < hi)
		return true;
	return pages_of(x->pba_bir, x->pba_offset, vmsix_pba_bytes(x), bar, &lo, &hi) &&
	       offset_in_bar >= lo && offset_in_bar < hi;
}

unsigned vmsix_trap_ranges(const struct vmsix *x, struct vmsix_range out[VMSIX_TRAP_RANGES_MAX])
{
	struct vmsix_range t = { x->table_bir, page_down(x->table_offset), 0 };
	struct vmsix_range p = { x->pba_bir, page_down(x->pba_offset), 0 };

	t.size = page_up(x->table_offset + vmsix_table_bytes(x)) - t.offset;
	p.size = page_up(x->pba_offset + vmsix_pba_bytes(x)) - p.offset;
	if (p.bar < t.bar || (p.bar == t.bar && p.offset < t.offset)) {
		struct vmsix_range s = t;
		t = p;
		p = s;
	}
	out[0] = t;
	if (p.bar == t.bar && p.offset <= t.offset + t.size) {
		uint64_t end = p.offset + p.size;
		if (end > t.offset + t.size)
			out[0].size = end - t.offset;
		return 1;
	}
	out[1] = p;
	return 2;
}

unsigned vmsix_map_ranges(const struct vmsix *x, unsigned bar,
			  struct vmsix_range out[VMSIX_MAP_RANGES_MAX])
{
	struct vmsix_range trap[VMSIX_TRAP_RANGES_MAX];
	unsigned nt = vmsix_trap_ranges(x, trap), n = 0;
	uint64_t at = 0, end;

	if (bar >= VMSIX_BARS || !x->bar_size[bar])
		return 0;
	end = page_up(x->bar_size[bar]);
	for (unsigned i = 0; i < nt; i++) {
		if (trap[i].bar != bar)
			continue;
		if (trap[i].offset > at)
			out[n++] = (struct vmsix_range){ bar, at, trap[i].offset - at };
		at = trap[i].offset + trap[i].size;
	}
	if (at < end)
		out[n++] = (struct vmsix_range){ bar, at, end - at };
	return n;
}

int vmsix_bar_of(const struct vmsix *x, uint64_t addr, uint64_t *offset_in_bar)
{
	/* The BAR itself first, then the rest of its last page. */
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < VMSIX_BARS; i++) {
			uint64_t len = pass ? page_up(x->bar_size[i]) : x->bar_size[i];
			if (x->bar_size[i] && addr >= x->bar_addr[i] && addr - x->bar_addr[i] < len) {
				*offset_in_bar = addr - x->bar_addr[i];
				return (int)i;
			}
		}
	}
	return -1;
}

/* ---- entries --------------------------------------------------------------- */

static bool active(const struct vmsix *x, const struct vmsix_entry *e)
{
	return x->enabled && !x->function_masked && !e->masked;
}

bool vmsix_entry_active(const struct vmsix *x, unsigned index)
{
	return index < x->table_size && active(x, &x->entry[index]);
}

static void report(struct vmsix *x, unsigned index, bool now)
{
	struct vmsix_entry *e = &x->entry[index];

	e->stale = 0;
	if (x->ops->entry_update(x->ctx, index, now, e->addr, e->data) < 0)
		x->stats.refused++;
}

static uint32_t entry_read(const struct vmsix_entry *e, unsigned reg)
{
	switch (reg) {
	case VMSIX_ENTRY_ADDR_LO:
		return (uint32_t)e->addr;
	case VMSIX_ENTRY_ADDR_HI:
		return (uint32_t)(e->addr >> 32);
	case VMSIX_ENTRY_DATA:
		return e->data;
	default:
		return e->masked ? VMSIX_CTRL_MASKED : 0;
	}
}

/* `ndw` dwords of `val` (low first) into entry `index` from register `reg`,
 * then one entry_update() if the effective state changed. */
static void entry_write(struct vmsix *x, unsigned index, unsigned reg, unsigned ndw, uint64_t val)
{
	struct vmsix_entry *e = &x->entry[index];
	bool was = active(x, e), complete = false;
	uint64_t addr = e->addr;
	uint32_t data = e->data;

	for (unsigned i = 0; i < ndw; i++, reg += 4) {
		uint32_t dw = (uint32_t)(val >> (32 * i));
		switch (reg) {
		case VMSIX_ENTRY_ADDR_LO:
			e->addr = (e->addr & ~0xffffffffull) | (dw & ~3u); /* 1:0 reserved */
			break;
		case VMSIX_ENTRY_ADDR_HI:
			e->addr = (e->addr & 0xffffffffull) | (uint64_t)dw << 32;
			complete = true;
			break;
		case VMSIX_ENTRY_DATA:
			e->data = dw;
			complete = true;
			break;
		default:
			e->masked = dw & VMSIX_CTRL_MASKED;
		}
	}
	if (e->addr != addr || e->data != data)
		e->stale = 1;
	bool now = active(x, e);
	if (now != was || (now && complete && e->stale))
		report(x, index, now);
}

void vmsix_control(struct vmsix *x, bool enable, bool function_mask)
{
	bool was_on = x->enabled && !x->function_masked;

	x->enabled = enable;
	x->function_masked = function_mask;
	if (was_on == (enable && !function_mask))
		return;
	for (unsigned i = 0; i < x->table_size; i++)
		if (!x->entry[i].masked)
			report(x, i, !was_on);
}

void vmsix_reset(struct vmsix *x)
{
	vmsix_control(x, false, false);
	for (unsigned i = 0; i < x->table_size; i++)
		x->entry[i] = (struct vmsix_entry){ .masked = 1 };
}

/* ---- accesses -------------------------------------------------------------- */

static bool within(uint64_t off, unsigned size, uint64_t start, uint64_t len)
{
	return off >= start && off - start < len && size <= len - (off - start);
}

static bool overlaps(uint64_t off, unsigned size, uint64_t start, uint64_t len)
{
	return off < start + len && start < off + size;
}

static int bad(struct vmsix *x, bool write, unsigned size, uint64_t *value)
{
	x->stats.bad_access++;
	if (!write)
		*value = ones(size);
	return -EINVAL;
}

int vmsix_access(struct vmsix *x, unsigned bar, uint64_t off, bool write, unsigned size,
		 uint64_t *value)
{
	if (bar >= VMSIX_BARS || !vmsix_page_traps(x, bar, off)) {
		if (!write)
			*value = ones(size);
		return -ENOENT;
	}
	if ((size != 1 && size != 2 && size != 4 && size != 8) || off % size)
		return bad(x, write, size, value);

	uint64_t tlen = vmsix_table_bytes(x), plen = vmsix_pba_bytes(x);
	bool in_table = bar == x->table_bir && overlaps(off, size, x->table_offset, tlen);
	bool in_pba = bar == x->pba_bir && overlaps(off, size, x->pba_offset, plen);

	if (in_table || in_pba) {
		/* Both start qword aligned and are whole qwords long: an aligned
		 * access of 8 bytes or less lies wholly inside. */
		if (size < 4 || (in_table && !within(off, size, x->table_offset, tlen)) ||
		    (in_pba && !within(off, size, x->pba_offset, plen)))
			return bad(x, write, size, value);
	}
	if (in_table) {
		uint64_t rel = off - x->table_offset;
		unsigned index = (unsigned)(rel / VMSIX_ENTRY_SIZE);
		unsigned reg = (unsigned)(rel % VMSIX_ENTRY_SIZE);
		if (write) {
			entry_write(x, index, reg, size / 4, *value);
		} else {
			const struct vmsix_entry *e = &x->entry[index];
			*value = entry_read(e, reg);
			if (size == 8)
				*value |= (uint64_t)entry_read(e, reg + 4) << 32;
		}
		return 0;
	}
	if (in_pba) {
		if (write)
			x->stats.pba_writes++;
		else
			*value = x->ops->mmio_read(x->ctx, bar, off, size) & ones(size);
		return 0;
	}
	/* Another register of the device sharing the page; nothing past the
	 * BAR's end (a BAR smaller than the page), which may be another's. */
	if (!within(off, size, 0, x->bar_size[bar])) {
		x->stats.beyond_bar++;
		if (!write)
			*value = ones(size);
		return 0;
	}
	if (write)
		x->ops->mmio_write(x->ctx, bar, off, size, *value & ones(size));
	else
		*value = x->ops->mmio_read(x->ctx, bar, off, size) & ones(size);
	return 0;
}
