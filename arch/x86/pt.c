#include "arch/x86/pt.h"

#include <errno.h>

const struct pt_format pt_format_x86_4level = {
	.levels = 4,
	.present = PTE_P,
	/* Intermediate entries grant everything; leaves decide. */
	.table_flags = PTE_P | PTE_W | PTE_U,
	.leaf_flags_allowed = PT_FLAGS_ALLOWED,
	.leaf_always = PTE_P,
	.large_leaf = PTE_PS,
	.large_levels = 1u << 1,
	.addr_mask = PTE_ADDR_MASK,
};

#define TABLE_BYTES (PT_ENTRIES * sizeof(uint64_t))

static unsigned level_shift(unsigned level)
{
	return 12 + 9 * level;
}

static uint64_t level_size(unsigned level)
{
	return 1ull << level_shift(level);
}

static unsigned level_index(unsigned level, uint64_t va)
{
	return (va >> level_shift(level)) & (PT_ENTRIES - 1);
}

/* Entries are read and written whole: a walker may look at any time. The
 * release store keeps the compiler from sinking a table's contents below
 * the store that links it (x86 keeps stores in order itself). */
static uint64_t rd(const uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_RELAXED);
}

static void wr(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

static bool present(const struct pt *pt, uint64_t e)
{
	return e & pt->fmt->present;
}

static bool is_leaf(const struct pt *pt, unsigned level, uint64_t e)
{
	return level == 0 || (e & pt->fmt->large_leaf);
}

static bool leaf_allowed(const struct pt *pt, unsigned level)
{
	return level == 0 || (pt->fmt->large_levels & (1u << level));
}

static uint64_t leaf_entry(const struct pt *pt, unsigned level, uint64_t pa, uint64_t flags)
{
	return pa | flags | pt->fmt->leaf_always | (level > 0 ? pt->fmt->large_leaf : 0);
}

static uint64_t leaf_base(const struct pt *pt, unsigned level, uint64_t e)
{
	return e & pt->fmt->addr_mask & ~(level_size(level) - 1);
}

static uint64_t *table(const struct pt *pt, uint64_t phys)
{
	return pt->env->table_ptr(pt->env->ctx, phys);
}

static void flush(const struct pt *pt, const void *p, size_t len)
{
	if (pt->env->flush)
		pt->env->flush(pt->env->ctx, p, len);
}

static uint64_t new_table(struct pt *pt)
{
	uint64_t phys = pt->env->alloc_table(pt->env->ctx);

	if (phys)
		pt->tables++;
	return phys;
}

static void free_table(struct pt *pt, uint64_t phys)
{
	pt->env->free_table(pt->env->ctx, phys);
	pt->tables--;
}

/* Frees the table at phys and everything below it. It must be unreachable. */
static void free_subtree(struct pt *pt, unsigned level, uint64_t phys)
{
	const uint64_t *t = table(pt, phys);

	for (unsigned i = 0; level > 0 && i < PT_ENTRIES; i++) {
		uint64_t e = rd(&t[i]);
		if (present(pt, e) && !is_leaf(pt, level, e))
			free_subtree(pt, level - 1, e & pt->fmt->addr_mask);
	}
	free_table(pt, phys);
}

/* Whether table t is all zero, after entries first..last changed: their
 * neighbours are looked at first, so that unmapping page after page (up or
 * down) does not scan the whole table each time. */
static bool table_empty(const uint64_t *t, unsigned first, unsigned last)
{
	if ((last + 1 < PT_ENTRIES && rd(&t[last + 1])) || (first > 0 && rd(&t[first - 1])))
		return false;
	for (unsigned i = 0; i < PT_ENTRIES; i += 8) {
		uint64_t any = 0;
		for (unsigned k = 0; k < 8; k++)
			any |= rd(&t[i + k]);
		if (any)
			return false;
	}
	return true;
}

/* The entries of one table written and not yet flushed: [lo, hi). A table
 * not yet linked into the tree (fresh) is flushed as a whole instead. */
struct dirty {
	uint64_t *t;
	unsigned lo, hi;
	bool fresh;
};

static void dirty_flush(const struct pt *pt, struct dirty *d)
{
	if (d->hi > d->lo)
		flush(pt, &d->t[d->lo], (d->hi - d->lo) * sizeof(uint64_t));
	d->lo = d->hi = 0;
}

/* Writes entry i of d's table; `old` is what it held. */
static void set_entry(struct pt *pt, struct dirty *d, unsigned i, uint64_t old, uint64_t v)
{
	wr(&d->t[i], v);
	if (d->fresh)
		return;
	if (present(pt, old))
		pt->replaced++;
	if (!pt->env->flush)
		return;
	if (d->hi > d->lo && i != d->hi)
		dirty_flush(pt, d);
	if (d->hi == d->lo)
		d->lo = i;
	d->hi = i + 1;
}

struct op {
	uint64_t pa;    /* where the next va maps to */
	uint64_t flags;
	bool unmap;
};

static int update(struct pt *pt, unsigned level, uint64_t phys, bool fresh,
		  uint64_t va, uint64_t end, struct op *op);

/* Applies op to [va, end) inside entry i of d (at `level`) through
 * the next level's table: the existing one, a new one, or one that a large
 * leaf is split into. A new or split table is completed and flushed before
 * the entry links it, so a walker sees either the old entry or the whole
 * new table; one that ends up empty is freed (after the entry that linked
 * it, if any, is cleared and flushed). */
static int descend(struct pt *pt, unsigned level, struct dirty *d, unsigned i,
		   uint64_t va, uint64_t end, struct op *op)
{
	const struct pt_format *f = pt->fmt;
	uint64_t old = rd(&d->t[i]), child;
	bool child_fresh = d->fresh;

	if (!present(pt, old) || is_leaf(pt, level, old)) {
		if (!(child = new_table(pt)))
			return -ENOMEM;
		child_fresh = true;
	} else {
		child = old & f->addr_mask;
	}
	if (present(pt, old) && is_leaf(pt, level, old)) {
		/* Split: next-level leaves with the same translation. */
		uint64_t *t = table(pt, child), base = leaf_base(pt, level, old);
		uint64_t sub = level_size(level - 1), fl = old & f->leaf_flags_allowed;
		for (unsigned k = 0; k < PT_ENTRIES; k++)
			wr(&t[k], leaf_entry(pt, level - 1, base + k * sub, fl));
	}

	int err = update(pt, level - 1, child, child_fresh, va, end, op);

	/* Only an unmap, or a map cut short, can leave the table empty. */
	bool empty = (op->unmap || err) &&
		     table_empty(table(pt, child), level_index(level - 1, va),
				 level_index(level - 1, end - 1));
	if (empty) {
		if (present(pt, old)) {
			set_entry(pt, d, i, old, 0);
			dirty_flush(pt, d);
		}
		free_table(pt, child);
	} else if (child_fresh) {
		/* Complete: visible as a whole before anything links it. */
		flush(pt, table(pt, child), TABLE_BYTES);
		set_entry(pt, d, i, old, child | f->table_flags);
	}
	return err;
}

/* Maps (or with op->unmap clears) [va, end) within the table at phys,
 * whose entries each map level_size(level); advances op->pa as it goes.
 * A fresh table is not linked yet: its caller flushes it as a whole. */
static int update(struct pt *pt, unsigned level, uint64_t phys, bool fresh,
		  uint64_t va, uint64_t end, struct op *op)
{
	const struct pt_format *f = pt->fmt;
	const uint64_t size = level_size(level);
	struct dirty d = { .t = table(pt, phys), .fresh = fresh };
	int err = 0;

	while (va < end) {
		uint64_t entry_start = va & ~(size - 1), entry_end = entry_start + size;
		uint64_t chunk_end = end < entry_end ? end : entry_end;
		unsigned i = level_index(level, va);
		uint64_t old = rd(&d.t[i]);
		bool whole = va == entry_start && chunk_end == entry_end;

		if (whole && (op->unmap || (leaf_allowed(pt, level) && !(op->pa & (size - 1))))) {
			/* One entry says it all: a leaf, or nothing. */
			uint64_t e = op->unmap ? 0 : leaf_entry(pt, level, op->pa, op->flags);
			if (e != old) {
				set_entry(pt, &d, i, old, e);
				if (present(pt, old) && !is_leaf(pt, level, old)) {
					/* Unreachable, and seen so, before it goes. */
					dirty_flush(pt, &d);
					free_subtree(pt, level - 1, old & f->addr_mask);
				}
			}
			op->pa += chunk_end - va;
		} else if (op->unmap && !present(pt, old)) {
			/* nothing mapped here */
		} else if (!op->unmap && present(pt, old) && is_leaf(pt, level, old) &&
			   leaf_base(pt, level, old) + (va - entry_start) == op->pa &&
			   (old & f->leaf_flags_allowed) == op->flags) {
			/* A large leaf already maps the chunk exactly so. */
			op->pa += chunk_end - va;
		} else if ((err = descend(pt, level, &d, i, va, chunk_end, op))) {
			break;
		}
		va = chunk_end;
	}
	dirty_flush(pt, &d);
	return err;
}

uint64_t pt_va_limit(const struct pt *pt)
{
	return pt->root ? 1ull << level_shift(pt->fmt->levels) : 0;
}

static bool range_valid(const struct pt *pt, uint64_t va, uint64_t size)
{
	uint64_t limit = pt_va_limit(pt);

	return !(va % PT_SIZE_4K) && !(size % PT_SIZE_4K) && size && va < limit &&
	       size <= limit - va;
}

static bool format_valid(const struct pt_format *f)
{
	if (f->levels < 1 || f->levels > PT_MAX_LEVELS || !f->present ||
	    !(f->table_flags & f->present) || (f->table_flags & f->addr_mask) ||
	    (f->addr_mask & (PT_SIZE_4K - 1)) ||
	    (f->leaf_flags_allowed & (f->addr_mask | f->large_leaf)) ||
	    (f->leaf_always & (f->addr_mask | f->large_leaf)))
		return false;
	if (!f->large_levels)
		return true;
	/* Leaves at levels 1..n for some n below the top's reach (a large
	 * leaf is split into leaves one level down, which must be allowed). */
	unsigned ll = f->large_levels | 1u;
	return !(ll & (ll + 1)) && ll < (1u << f->levels) && f->large_leaf &&
	       !(f->large_leaf & (f->addr_mask | f->table_flags));
}

int pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_env *env)
{
	pt->fmt = fmt;
	pt->env = env;
	pt->tables = 0;
	pt->replaced = 0;
	pt->root = 0;
	if (!format_valid(fmt) || !env->alloc_table || !env->free_table || !env->table_ptr)
		return -EINVAL;
	pt->root = new_table(pt);
	if (!pt->root)
		return -ENOMEM;
	flush(pt, table(pt, pt->root), TABLE_BYTES);
	return 0;
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	const struct pt_format *f = pt->fmt;

	if (!range_valid(pt, va, size) || (pa % PT_SIZE_4K) || (pa & ~f->addr_mask) ||
	    ((pa + size - 1) & ~(f->addr_mask | (PT_SIZE_4K - 1))) ||
	    (flags & ~f->leaf_flags_allowed) || !((flags | f->leaf_always) & f->present))
		return -EINVAL;
	struct op op = { .pa = pa, .flags = flags };
	return update(pt, f->levels - 1, pt->root, false, va, va + size, &op);
}

int pt_unmap(struct pt *pt, uint64_t va, uint64_t size)
{
	if (!range_valid(pt, va, size))
		return -EINVAL;
	struct op op = { .unmap = true };
	return update(pt, pt->fmt->levels - 1, pt->root, false, va, va + size, &op);
}

int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *flags,
	      uint64_t *leaf_size)
{
	uint64_t phys = pt->root;

	if (va >= pt_va_limit(pt))
		return -ENOENT;
	for (int level = pt->fmt->levels - 1; level >= 0; level--) {
		uint64_t e = rd(&table(pt, phys)[level_index(level, va)]);
		if (!present(pt, e))
			return -ENOENT;
		if (is_leaf(pt, level, e)) {
			uint64_t size = level_size(level);
			if (pa)
				*pa = leaf_base(pt, level, e) + (va & (size - 1));
			if (flags)
				*flags = e & pt->fmt->leaf_flags_allowed;
			if (leaf_size)
				*leaf_size = size;
			return 0;
		}
		phys = e & pt->fmt->addr_mask;
	}
	return -ENOENT;
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		free_subtree(pt, pt->fmt->levels - 1, pt->root);
	pt->root = 0;
}
