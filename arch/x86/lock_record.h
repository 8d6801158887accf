/* The spin_lock() locks one CPU holds, in the order it took them, so that
 * exception recovery knows what the work it gives up was holding. Locks
 * may be released in any order: each release takes its own entry out. */
#ifndef ARCH_X86_LOCK_RECORD_H
#define ARCH_X86_LOCK_RECORD_H

#include <stdbool.h>

struct spinlock;

#define LOCK_RECORD_SLOTS 8

struct lock_record {
	unsigned count;      /* held[0..count), innermost last */
	unsigned unrecorded; /* held past the array: known to exist, not which */
	struct spinlock *held[LOCK_RECORD_SLOTS];
};

static inline void lock_record_push(struct lock_record *r, struct spinlock *l)
{
	if (r->count < LOCK_RECORD_SLOTS)
		r->held[r->count++] = l;
	else
		r->unrecorded++;
}

/* Takes `l`'s entry out, searching from the innermost (the usual release
 * order), the entries above it moving down. A lock not in the array counts
 * as one of the unrecorded, while there are any. false: `l` was not held
 * by this record's account at all. */
static inline bool lock_record_remove(struct lock_record *r, const struct spinlock *l)
{
	for (unsigned i = r->count; i-- > 0;) {
		if (r->held[i] != l)
			continue;
		for (unsigned k = i; k + 1 < r->count; k++)
			r->held[k] = r->held[k + 1];
		r->count--;
		return true;
	}
	if (r->unrecorded) {
		r->unrecorded--;
		return true;
	}
	return false;
}

#endif
