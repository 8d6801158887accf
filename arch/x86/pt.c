#include "arch/x86/pt.h"

#include <errno.h>

/* Levels counted from the leaf: 0 = PT (4K), 1 = PD (2M), 2 = PDPT (1G), 3 = PML4. */
#define TOP_LEVEL (PT_LEVELS - 1)
#define VA_BITS 48
/* Intermediate entries grant everything; leaves decide. */
#define PTE_TABLE_FLAGS (PTE_P | PTE_W | PTE_U)

static unsigned level_shift(int level)
{
	return 12 + 9 * level;
}

static uint64_t level_size(int level)
{
	return 1ull << level_shift(level);
}

static unsigned level_index(int level, uint64_t va)
{
	return (va >> level_shift(level)) & (PT_ENTRIES - 1);
}

static bool is_leaf(int level, uint64_t pte)
{
	return level == 0 || (pte & PTE_PS);
}

static bool leaf_allowed(const struct pt *pt, int level)
{
	return level == 0 || level == 1 || (level == 2 && pt->env->allow_1g);
}

static uint64_t *table(const struct pt *pt, uint64_t phys)
{
	return pt->env->table_ptr(pt->env->ctx, phys);
}

static uint64_t new_table(struct pt *pt)
{
	uint64_t phys = pt->env->alloc_table(pt->env->ctx);

	if (phys)
		pt->tables++;
	return phys;
}

static void free_subtree(struct pt *pt, int level, uint64_t phys)
{
	uint64_t *t = table(pt, phys);

	for (unsigned i = 0; level > 0 && i < PT_ENTRIES; i++)
		if ((t[i] & PTE_P) && !is_leaf(level, t[i]))
			free_subtree(pt, level - 1, t[i] & PTE_ADDR_MASK);
	pt->env->free_table(pt->env->ctx, phys);
	pt->tables--;
}

static uint64_t leaf_entry(int level, uint64_t pa, uint64_t flags)
{
	return pa | flags | PTE_P | (level > 0 ? PTE_PS : 0);
}

/* Replaces the large leaf *pte at `level` by a table of next-level leaves
 * that map the same range with the same attributes. */
static int split_leaf(struct pt *pt, int level, uint64_t *pte)
{
	uint64_t phys = new_table(pt);
	if (!phys)
		return -ENOMEM;

	uint64_t base = *pte & PTE_ADDR_MASK & ~(level_size(level) - 1);
	uint64_t flags = *pte & PT_FLAGS_ALLOWED;
	uint64_t *t = table(pt, phys);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = leaf_entry(level - 1, base + i * level_size(level - 1), flags);
	*pte = phys | PTE_TABLE_FLAGS;
	return 0;
}

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

/* Maps (or with `unmap` clears) [va, end) within the table at `phys`. */
static int update(struct pt *pt, int level, uint64_t phys, uint64_t va,
		  uint64_t end, uint64_t pa, uint64_t flags, bool unmap)
{
	uint64_t *t = table(pt, phys);

	while (va < end) {
		uint64_t size = level_size(level);
		uint64_t entry_end = (va & ~(size - 1)) + size;
		uint64_t chunk_end = end < entry_end ? end : entry_end;
		uint64_t *pte = &t[level_index(level, va)];
		bool whole = !(va & (size - 1)) && chunk_end == entry_end;

		if (whole && (unmap || (leaf_allowed(pt, level) && !(pa & (size - 1))))) {
			if ((*pte & PTE_P) && !is_leaf(level, *pte))
				free_subtree(pt, level - 1, *pte & PTE_ADDR_MASK);
			*pte = unmap ? 0 : leaf_entry(level, pa, flags);
		} else if (!(*pte & PTE_P) && unmap) {
			/* nothing mapped here */
		} else {
			int err = 0;
			if (!(*pte & PTE_P)) {
				uint64_t child = new_table(pt);
				if (!child)
					return -ENOMEM;
				*pte = child | PTE_TABLE_FLAGS;
			} else if (is_leaf(level, *pte)) {
				err = split_leaf(pt, level, pte);
			}
			if (!err)
				err = update(pt, level - 1, *pte & PTE_ADDR_MASK, va,
					     chunk_end, pa, flags, unmap);
			if (err)
				return err;
			if (unmap && table_empty(table(pt, *pte & PTE_ADDR_MASK))) {
				pt->env->free_table(pt->env->ctx, *pte & PTE_ADDR_MASK);
				pt->tables--;
				*pte = 0;
			}
		}
		pa += chunk_end - va;
		va = chunk_end;
	}
	return 0;
}

static bool range_valid(uint64_t va, uint64_t size)
{
	return !(va % PT_SIZE_4K) && !(size % PT_SIZE_4K) && size &&
	       va < (1ull << VA_BITS) && size <= (1ull << VA_BITS) - va;
}

int pt_init(struct pt *pt, const struct pt_env *env)
{
	pt->env = env;
	pt->tables = 0;
	pt->root = new_table(pt);
	return pt->root ? 0 : -ENOMEM;
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	if (!range_valid(va, size) || (pa % PT_SIZE_4K) || (pa & ~PTE_ADDR_MASK) ||
	    (flags & ~PT_FLAGS_ALLOWED))
		return -EINVAL;
	return update(pt, TOP_LEVEL, pt->root, va, va + size, pa, flags, false);
}

int pt_unmap(struct pt *pt, uint64_t va, uint64_t size)
{
	if (!range_valid(va, size))
		return -EINVAL;
	return update(pt, TOP_LEVEL, pt->root, va, va + size, 0, 0, true);
}

int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *flags,
	      uint64_t *leaf_size)
{
	uint64_t phys = pt->root;

	if (va >= (1ull << VA_BITS))
		return -ENOENT;
	for (int level = TOP_LEVEL; level >= 0; level--) {
		uint64_t pte = table(pt, phys)[level_index(level, va)];
		if (!(pte & PTE_P))
			return -ENOENT;
		if (is_leaf(level, pte)) {
			uint64_t size = level_size(level);
			uint64_t base = pte & PTE_ADDR_MASK & ~(size - 1);
			if (pa)
				*pa = base + (va & (size - 1));
			if (flags)
				*flags = pte & PT_FLAGS_ALLOWED;
			if (leaf_size)
				*leaf_size = size;
			return 0;
		}
		phys = pte & PTE_ADDR_MASK;
	}
	return -ENOENT;
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		free_subtree(pt, TOP_LEVEL, pt->root);
	pt->root = 0;
}
