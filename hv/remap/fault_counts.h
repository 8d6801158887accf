/* The bookkeeping behind the VT-d fault log (hv/remap/faults.c), apart from
 * the hardware so that host tests run it: a slot per requester that faulted
 * or was given to a guest, and the console's budget of fault messages.
 *
 * Slots follow devices. A requester given to a guest holds its slot from
 * its assignment until its release, and no other requester can take it:
 * its count is what decides a storm (and so a quarantine), and a fault
 * spray from elsewhere must not be able to reset it. Every other requester
 * (the hypervisor's own devices, devices nobody was given, IDs a device
 * made up) gets a free slot, else the one of such a requester that faulted
 * least recently: their counts only quieten their log lines, so losing one
 * costs a few more lines, which the budget bounds anyway. When every slot
 * belongs to a guest, the rest share one slot that never resets: they are
 * nobody's, so there is nothing to quarantine, and their lines stop for
 * good after the first few.
 *
 * Not thread-safe: the caller serialises every call (faults.c: the service
 * CPU, interrupts off). */
#ifndef HV_REMAP_FAULT_COUNTS_H
#define HV_REMAP_FAULT_COUNTS_H

#include <stdbool.h>
#include <stdint.h>

#define FAULT_SLOTS 64

struct fault_slot {
	const char *owner;      /* the guest it was given to; NULL: nobody's */
	unsigned long count;    /* faults since the slot was taken */
	unsigned long last;     /* the clock at its latest fault */
	uint16_t sid;
	bool used;
};

struct fault_counts {
	struct fault_slot slot[FAULT_SLOTS];
	struct fault_slot shared;   /* for requesters that found no slot */
	unsigned long clock;        /* one tick per fault */
	unsigned long evictions;    /* slots taken from one requester for another */
};

/* `sid` was given to `guest` (not NULL): its slot, held from now on, its
 * count from 0. -ENOSPC when every slot belongs to a guest already. */
int fault_counts_own(struct fault_counts *c, uint16_t sid, const char *guest);

/* `sid` is nobody's again (its device released): its slot is free. */
void fault_counts_forget(struct fault_counts *c, uint16_t sid);

/* One more fault of `sid`, counted in its slot (the one it has, a free one,
 * or one evicted as above) or in c->shared; returns that slot, its count
 * including this fault. */
struct fault_slot *fault_counts_hit(struct fault_counts *c, uint16_t sid);

/* The slot of `sid`, or NULL when it has none of its own. */
const struct fault_slot *fault_counts_find(const struct fault_counts *c, uint16_t sid);

/* Fault messages the console takes in a window; those beyond are dropped
 * and counted, and the next one that prints is preceded by how many. */
#define FAULT_BUDGET_MESSAGES 16
#define FAULT_BUDGET_WINDOW_NS 1000000000ull

struct fault_budget {
	uint64_t window_start;      /* ns */
	unsigned printed;           /* in the current window */
	unsigned long dropped;      /* since the last message that printed */
	unsigned long dropped_total;
};

/* Whether one more fault message may print at `now_ns`. When it may,
 * *dropped_before is how many were dropped since the last one that
 * printed (for a summary ahead of it). A clock that went backwards opens a
 * new window. */
bool fault_budget_take(struct fault_budget *b, uint64_t now_ns, unsigned long *dropped_before);

#endif
