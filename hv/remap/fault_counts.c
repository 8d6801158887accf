/* Per-requester fault counts and the console's budget for fault messages
 * (see the header for which requester may take whose slot, and why). */
#include "hv/remap/fault_counts.h"

#include <errno.h>
#include <stddef.h>

static int index_of(const struct fault_counts *c, uint16_t sid)
{
	for (unsigned i = 0; i < FAULT_SLOTS; i++)
		if (c->slot[i].used && c->slot[i].sid == sid)
			return (int)i;
	return -1;
}

static struct fault_slot *slot_of(struct fault_counts *c, uint16_t sid)
{
	int i = index_of(c, sid);

	return i < 0 ? NULL : &c->slot[i];
}

static struct fault_slot *free_slot(struct fault_counts *c)
{
	for (unsigned i = 0; i < FAULT_SLOTS; i++)
		if (!c->slot[i].used)
			return &c->slot[i];
	return NULL;
}

/* The unowned slot that faulted least recently: a requester still
 * spraying faults is always among the most recent, so it keeps its count
 * unless more than a table's worth of others fault in between. */
static struct fault_slot *evictable_slot(struct fault_counts *c)
{
	struct fault_slot *oldest = NULL;

	for (unsigned i = 0; i < FAULT_SLOTS; i++) {
		struct fault_slot *s = &c->slot[i];
		if (!s->owner && (!oldest || s->last < oldest->last))
			oldest = s;
	}
	return oldest;
}

static struct fault_slot *take_slot(struct fault_counts *c, uint16_t sid)
{
	struct fault_slot *s = free_slot(c);

	if (!s && (s = evictable_slot(c)))
		c->evictions++;
	if (s)
		*s = (struct fault_slot){ .sid = sid, .used = true };
	return s;
}

int fault_counts_own(struct fault_counts *c, uint16_t sid, const char *guest)
{
	struct fault_slot *s = slot_of(c, sid);

	if (!s && !(s = take_slot(c, sid)))
		return -ENOSPC;
	/* Faults before the assignment were the host's: the guest's
	 * device starts with none. */
	s->owner = guest;
	s->count = 0;
	return 0;
}

void fault_counts_forget(struct fault_counts *c, uint16_t sid)
{
	struct fault_slot *s = slot_of(c, sid);

	if (s)
		*s = (struct fault_slot){ 0 };
}

struct fault_slot *fault_counts_hit(struct fault_counts *c, uint16_t sid)
{
	struct fault_slot *s = slot_of(c, sid);

	if (!s && !(s = take_slot(c, sid)))
		s = &c->shared;
	s->count++;
	s->last = ++c->clock;
	return s;
}

const struct fault_slot *fault_counts_find(const struct fault_counts *c, uint16_t sid)
{
	int i = index_of(c, sid);

	return i < 0 ? NULL : &c->slot[i];
}

bool fault_budget_take(struct fault_budget *b, uint64_t now_ns, unsigned long *dropped_before)
{
	if (now_ns < b->window_start || now_ns - b->window_start >= FAULT_BUDGET_WINDOW_NS) {
		b->window_start = now_ns;
		b->printed = 0;
	}
	if (b->printed >= FAULT_BUDGET_MESSAGES) {
		b->dropped++;
		b->dropped_total++;
		return false;
	}
	b->printed++;
	*dropped_before = b->dropped;
	b->dropped = 0;
	return true;
}
