/* See iova.h. The two trees are AVL trees written recursively: the depth of
 * the recursion is the height of a tree, at most 1.44 log2(n + 2), about 46
 * for 2^32 nodes. */
#include "iommu/iova.h"

#include <errno.h>
#include <stdbool.h>

#define PAGE_MASK (IOVA_PAGE_SIZE - 1)

/* ---- nodes ------------------------------------------------------------------ */

static struct iova_node *node_get(struct iova_space *s)
{
	struct iova_node *n = s->pool;

	if (n) {
		s->pool = n->left;
		s->nodes_used++;
	}
	return n;
}

static void node_put(struct iova_space *s, struct iova_node *n)
{
	n->left = s->pool;
	n->right = NULL;
	s->pool = n;
	s->nodes_used--;
}

static size_t nodes_spare(const struct iova_space *s)
{
	return s->capacity - s->nodes_used;
}

/* ---- AVL tree, augmented with the largest range of each subtree ------------- */

static int height(const struct iova_node *n)
{
	return n ? n->height : 0;
}

static uint64_t max_pages(const struct iova_node *n)
{
	return n ? n->max_pages : 0;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a > b ? a : b;
	return m > c ? m : c;
}

/* Recomputes n's height and max_pages from its children. */
static void update(struct iova_node *n)
{
	int hl = height(n->left), hr = height(n->right);

	n->height = 1 + (hl > hr ? hl : hr);
	n->max_pages = max3(n->pages, max_pages(n->left), max_pages(n->right));
}

static struct iova_node *rotate_right(struct iova_node *y)
{
	struct iova_node *x = y->left;

	y->left = x->right;
	x->right = y;
	update(y);
	update(x);
	return x;
}

static struct iova_node *rotate_left(struct iova_node *x)
{
	struct iova_node *y = x->right;

	x->right = y->left;
	y->left = x;
	update(x);
	update(y);
	return y;
}

/* Restores the AVL property at n, whose subtrees are valid AVL trees whose
 * heights differ by at most 2. Returns the subtree's new root. */
static struct iova_node *rebalance(struct iova_node *n)
{
	int bf = height(n->left) - height(n->right);

	if (bf > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	update(n);
	return n;
}

/* Inserts n, whose start is not in the tree yet. */
static struct iova_node *tree_insert(struct iova_node *t, struct iova_node *n)
{
	if (!t) {
		n->left = n->right = NULL;
		update(n);
		return n;
	}
	if (n->start < t->start)
		t->left = tree_insert(t->left, n);
	else
		t->right = tree_insert(t->right, n);
	return rebalance(t);
}

static struct iova_node *tree_remove_min(struct iova_node *t, struct iova_node **min)
{
	if (!t->left) {
		*min = t;
		return t->right;
	}
	t->left = tree_remove_min(t->left, min);
	return rebalance(t);
}

/* Unlinks the node whose start is `key` (it must be there) and stores it in
 * *out. Nodes keep their identity: the successor node moves, not its data. */
static struct iova_node *tree_remove(struct iova_node *t, uint64_t key,
				     struct iova_node **out)
{
	if (key < t->start) {
		t->left = tree_remove(t->left, key, out);
	} else if (key > t->start) {
		t->right = tree_remove(t->right, key, out);
	} else {
		struct iova_node *succ, *rest;

		*out = t;
		if (!t->left)
			return t->right;
		if (!t->right)
			return t->left;
		rest = tree_remove_min(t->right, &succ);
		succ->left = t->left;
		succ->right = rest;
		return rebalance(succ);
	}
	return rebalance(t);
}

/* After the node whose start is `key` changed its length (or its start,
 * staying between its neighbours), recomputes max_pages along its path. */
static void tree_fix_path(struct iova_node *t, uint64_t key)
{
	if (key < t->start)
		tree_fix_path(t->left, key);
	else if (key > t->start)
		tree_fix_path(t->right, key);
	update(t);
}

static struct iova_node *tree_find(struct iova_node *t, uint64_t key)
{
	while (t && t->start != key)
		t = key < t->start ? t->left : t->right;
	return t;
}

/* The node with the greatest start <= key, or NULL. */
static struct iova_node *tree_floor(struct iova_node *t, uint64_t key)
{
	struct iova_node *best = NULL;

	while (t) {
		if (t->start <= key) {
			best = t;
			t = t->right;
		} else {
			t = t->left;
		}
	}
	return best;
}

/* The node with the least start >= key among those of at least `pages`
 * pages, or NULL. O(log n): off the search path for key a subtree is either
 * skipped (max_pages too small) or holds the answer. */
static struct iova_node *tree_first_fit(struct iova_node *t, uint64_t key,
					uint64_t pages)
{
	struct iova_node *r;

	if (!t || t->max_pages < pages)
		return NULL;
	if (t->start < key)
		return tree_first_fit(t->right, key, pages);
	r = tree_first_fit(t->left, key, pages);
	if (r)
		return r;
	if (t->pages >= pages)
		return t;
	return tree_first_fit(t->right, key, pages);
}

/* ---- the allocator ------------------------------------------------------- */

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

int iova_init(struct iova_space *s, uint64_t base, uint64_t limit,
	      struct iova_node *nodes, size_t count)
{
	struct iova_node *n;

	if (!s || !nodes || !count || (base & PAGE_MASK) ||
	    (limit & PAGE_MASK) != PAGE_MASK || base > limit)
		return -EINVAL;

	s->base_pfn = base >> IOVA_PAGE_SHIFT;
	s->last_pfn = limit >> IOVA_PAGE_SHIFT;
	s->free_root = s->alloc_root = NULL;
	s->pool = NULL;
	for (size_t i = count; i-- > 0;) {
		nodes[i].left = s->pool;
		nodes[i].right = NULL;
		s->pool = &nodes[i];
	}
	s->capacity = count;
	s->nodes_used = 0;
	s->allocs = 0;

	n = node_get(s);
	n->start = s->base_pfn;
	n->pages = s->last_pfn - s->base_pfn + 1;
	s->free_root = tree_insert(NULL, n);
	s->free_ranges = 1;
	s->free_pages = n->pages;
	return 0;
}

/* First page of the first aligned block in free range r. */
static uint64_t aligned_start(const struct iova_node *r, uint64_t align)
{
	return (r->start + align - 1) & ~(align - 1);
}

static bool fits(const struct iova_node *r, uint64_t pages, uint64_t align)
{
	return aligned_start(r, align) - r->start + pages <= r->pages;
}

/* The free range the policy in iova.h picks, or NULL. */
static struct iova_node *find_fit(struct iova_space *s, uint64_t pages, uint64_t align)
{
	struct iova_node *r = tree_first_fit(s->free_root, 0, pages);

	for (unsigned misfits = 0; r; r = tree_first_fit(s->free_root, r->start + 1, pages)) {
		if (fits(r, pages, align))
			return r;
		/* Only align > 1 gets here: r is shorter than pages + align - 1. */
		if (++misfits == IOVA_ALIGN_PROBES)
			return tree_first_fit(s->free_root, 0, pages + align - 1);
	}
	return NULL;
}

int iova_alloc(struct iova_space *s, uint64_t size, uint64_t align, uint64_t *out)
{
	struct iova_node *r, *a;
	uint64_t pages, first, head, tail;

	if (!size || (size & PAGE_MASK) || !is_pow2(align) || align < IOVA_PAGE_SIZE)
		return -EINVAL;
	pages = size >> IOVA_PAGE_SHIFT;
	align >>= IOVA_PAGE_SHIFT;

	r = find_fit(s, pages, align);
	if (!r)
		return -ENOSPC;
	first = aligned_start(r, align);
	head = first - r->start;           /* free pages left before */
	tail = r->pages - head - pages;    /* and after */
	if (nodes_spare(s) < (size_t)(head != 0) + (size_t)(tail != 0))
		return -ENOMEM;

	/* r's node keeps a piece of r, or becomes the allocation. */
	if (head) {
		r->pages = head;
		tree_fix_path(s->free_root, r->start);
		a = node_get(s);
		if (tail) {
			struct iova_node *t = node_get(s);
			t->start = first + pages;
			t->pages = tail;
			s->free_root = tree_insert(s->free_root, t);
			s->free_ranges++;
		}
	} else if (tail) {
		r->start = first + pages;
		r->pages = tail;
		tree_fix_path(s->free_root, r->start);
		a = node_get(s);
	} else {
		s->free_root = tree_remove(s->free_root, r->start, &a);
		s->free_ranges--;
	}

	a->start = first;
	a->pages = pages;
	s->alloc_root = tree_insert(s->alloc_root, a);
	s->allocs++;
	s->free_pages -= pages;
	*out = first << IOVA_PAGE_SHIFT;
	return 0;
}

int iova_free(struct iova_space *s, uint64_t iova, uint64_t size)
{
	struct iova_node *a, *prev, *next;
	uint64_t start, pages;

	if (!size || (size & PAGE_MASK) || (iova & PAGE_MASK))
		return -EINVAL;
	start = iova >> IOVA_PAGE_SHIFT;
	pages = size >> IOVA_PAGE_SHIFT;
	a = tree_find(s->alloc_root, start);
	if (!a || a->pages != pages)
		return -EINVAL;

	s->alloc_root = tree_remove(s->alloc_root, start, &a);
	s->allocs--;
	s->free_pages += pages;

	/* Coalesce with the free ranges that touch it, if any: its neighbours
	 * in the free tree, found by one descent (start is not a key there). */
	prev = next = NULL;
	for (struct iova_node *t = s->free_root; t;) {
		if (t->start < start) {
			prev = t;
			t = t->right;
		} else {
			next = t;
			t = t->left;
		}
	}
	if (prev && prev->start + prev->pages != start)
		prev = NULL;
	if (next && next->start != start + pages)
		next = NULL;

	if (prev && next) {
		struct iova_node *gone;

		prev->pages += pages + next->pages;
		s->free_root = tree_remove(s->free_root, next->start, &gone);
		tree_fix_path(s->free_root, prev->start);
		node_put(s, gone);
		node_put(s, a);
		s->free_ranges--;
	} else if (prev) {
		prev->pages += pages;
		tree_fix_path(s->free_root, prev->start);
		node_put(s, a);
	} else if (next) {
		next->start = start;
		next->pages += pages;
		tree_fix_path(s->free_root, start);
		node_put(s, a);
	} else {
		s->free_root = tree_insert(s->free_root, a);
		s->free_ranges++;
	}
	return 0;
}

int iova_reserve(struct iova_space *s, uint64_t start, uint64_t size)
{
	struct iova_node *r;
	uint64_t first, last;

	if (!size || size - 1 > UINT64_MAX - start)
		return -EINVAL;
	first = start >> IOVA_PAGE_SHIFT;
	last = (start + (size - 1)) >> IOVA_PAGE_SHIFT;
	if (last < s->base_pfn || first > s->last_pfn)
		return 0;
	if (first < s->base_pfn)
		first = s->base_pfn;
	if (last > s->last_pfn)
		last = s->last_pfn;

	/* Allocations are disjoint: if one overlaps [first, last], the last
	 * one starting at or before `last` does. */
	r = tree_floor(s->alloc_root, last);
	if (r && r->start + r->pages > first)
		return -EBUSY;
	/* A node is needed only when one free range sticks out on both sides. */
	r = tree_floor(s->free_root, first);
	if (r && r->start < first && r->start + r->pages - 1 > last && !nodes_spare(s))
		return -ENOMEM;

	/* Cut the free ranges that overlap [first, last], from the right. */
	while ((r = tree_floor(s->free_root, last)) && r->start + r->pages > first) {
		uint64_t end = r->start + r->pages; /* exclusive */

		if (r->start < first) {
			/* The leftmost one: keep [r->start, first). */
			r->pages = first - r->start;
			tree_fix_path(s->free_root, r->start);
			if (end > last + 1) {
				struct iova_node *t = node_get(s);
				t->start = last + 1;
				t->pages = end - (last + 1);
				s->free_root = tree_insert(s->free_root, t);
				s->free_ranges++;
				s->free_pages -= last + 1 - first;
			} else {
				s->free_pages -= end - first;
			}
			break;
		}
		if (end > last + 1) {
			/* Keep [last + 1, end); its order is unchanged. */
			s->free_pages -= last + 1 - r->start;
			r->start = last + 1;
			r->pages = end - (last + 1);
			tree_fix_path(s->free_root, r->start);
		} else {
			struct iova_node *gone;

			s->free_pages -= r->pages;
			s->free_root = tree_remove(s->free_root, r->start, &gone);
			node_put(s, gone);
			s->free_ranges--;
		}
	}
	return 0;
}

void iova_stats(const struct iova_space *s, struct iova_stats *st)
{
	st->live = s->allocs;
	st->free_ranges = s->free_ranges;
	st->free_pages = s->free_pages;
	st->free_bytes = s->free_pages >> (64 - IOVA_PAGE_SHIFT) ? UINT64_MAX :
			 s->free_pages << IOVA_PAGE_SHIFT;
	st->nodes_used = s->nodes_used;
	st->nodes_total = s->capacity;
	st->free_height = height(s->free_root);
	st->alloc_height = height(s->alloc_root);
}
