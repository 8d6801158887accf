/* Ticket spinlocks for the few structures CPUs share (the page allocator,
 * a guest's UART, the console). A CPU draws the next ticket and waits until
 * its number is served, so CPUs get the lock in the order they asked for
 * it: a guest's vCPU taking it in a tight loop cannot starve the service
 * CPU or another guest. Interrupts are off while it is held, so an
 * interrupt handler on the same CPU cannot spin on it forever.
 *
 * A lock is used either with spin_lock()/spin_unlock() or, where a holder
 * may never come back (the console: a CPU can fault while printing), with
 * spin_lock_bounded()/spin_unlock_bounded(); never both.
 *
 * A spin_lock() lock is recorded per CPU while held (arch/x86/lock_record.h):
 * exception recovery may release it only when it was declared recoverable
 * where it is defined (spin_lock_init_recoverable): what it guards belongs
 * to the one guest whose work is given up. Any other (the page allocator,
 * a VT-d unit's queue) may guard shared data left half-updated, and then
 * the CPU is not given back.
 *
 * The ticket_* and spin_record_* functions are the lock without the
 * interrupt handling and the per-CPU state, for the host unit tests. */
#ifndef ARCH_X86_SPINLOCK_H
#define ARCH_X86_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "arch/x86/lock_record.h"
#include "arch/x86/percpu.h"

/* Zero-initialised: free, and not recoverable. Tickets wrap at 2^32,
 * harmlessly: at most a few hundred CPUs are ever queued at once. */
struct spinlock {
	uint32_t next_ticket;   /* the one the next CPU to ask draws */
	uint32_t now_serving;   /* the ticket that holds the lock */
	bool recoverable;       /* guards one guest's state only */
};

/* Free; exception recovery may release it when the CPU holding it gives
 * up the guest's work it did. */
static inline void spin_lock_init_recoverable(struct spinlock *l)
{
	*l = (struct spinlock){ .recoverable = true };
}

/* Gives up waiting at most this many times, after being skipped by a
 * take-over each time, before going on without the lock. */
#define TICKET_REQUEUES_MAX 4

static inline uint32_t ticket_draw(struct spinlock *l)
{
	return __atomic_fetch_add(&l->next_ticket, 1, __ATOMIC_RELAXED);
}

static inline uint32_t ticket_serving(const struct spinlock *l)
{
	return __atomic_load_n(&l->now_serving, __ATOMIC_ACQUIRE);
}

/* now_serving only moves forward, so "past" is a wrapping comparison. */
static inline bool ticket_is_past(uint32_t serving, uint32_t ticket)
{
	return (int32_t)(serving - ticket) > 0;
}

/* Returns the ticket that holds the lock. */
static inline uint32_t ticket_acquire(struct spinlock *l)
{
	uint32_t t = ticket_draw(l);

	while (ticket_serving(l) != t)
		cpu_relax();
	return t;
}

/* Hands the lock to the next ticket, if `t` still holds it: false when a
 * waiter took it over meanwhile, and then nothing changes, so a stale
 * holder coming back late cannot release somebody else's hold. */
static inline bool ticket_release(struct spinlock *l, uint32_t t)
{
	return __atomic_compare_exchange_n(&l->now_serving, &t, t + 1, false,
					   __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

enum ticket_outcome {
	TICKET_IN_TURN,     /* held, every ticket before it served */
	TICKET_TAKEN_OVER,  /* held, from a holder that made no progress */
	TICKET_NOT_HELD,    /* skipped too often: going on without the lock */
};

struct ticket_hold {
	uint32_t ticket;
	enum ticket_outcome outcome;
};

/* Waits for `t`'s turn while now_serving keeps moving; once it has stood
 * still for `patience` spins its holder counts as lost, and the waiter
 * takes the lock over by advancing now_serving from that holder's ticket
 * straight to its own.
 *
 * The invariant: only the CPU whose ticket equals now_serving holds the
 * lock, and now_serving only ever moves forward, by compare-and-swap from
 * a ticket someone saw. So a release is a no-op unless its ticket still
 * holds (a stale holder's late unlock changes nothing), the waiters behind
 * the taker keep their order, and the waiters it jumped over see their
 * ticket passed and draw a new one rather than wait forever. */
static inline bool ticket_wait_turn(struct spinlock *l, uint32_t t, unsigned long patience,
				    enum ticket_outcome *outcome)
{
	uint32_t seen = ticket_serving(l);
	unsigned long still = 0;

	for (;;) {
		uint32_t serving = ticket_serving(l);
		if (serving == t) {
			*outcome = TICKET_IN_TURN;
			return true;
		}
		if (ticket_is_past(serving, t))
			return false;
		if (serving != seen) {
			seen = serving;
			still = 0;
		} else if (++still >= patience) {
			/* Fails when the holder moved on at the last moment:
			 * then it was not lost, and the wait goes on. */
			if (__atomic_compare_exchange_n(&l->now_serving, &serving, t, false,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
				*outcome = TICKET_TAKEN_OVER;
				return true;
			}
			still = 0;
		}
		cpu_relax();
	}
}

/* Bounded: each wait lasts at most (CPUs ahead + 1) * patience spins, and
 * it is restarted at most TICKET_REQUEUES_MAX times. */
static inline struct ticket_hold ticket_acquire_bounded(struct spinlock *l,
							unsigned long patience)
{
	struct ticket_hold h;

	for (unsigned tries = 0; tries <= TICKET_REQUEUES_MAX; tries++) {
		h.ticket = ticket_draw(l);
		if (ticket_wait_turn(l, h.ticket, patience, &h.outcome))
			return h;
	}
	h.outcome = TICKET_NOT_HELD;
	return h;
}

static inline void ticket_release_bounded(struct spinlock *l, struct ticket_hold h)
{
	if (h.outcome != TICKET_NOT_HELD)
		ticket_release(l, h.ticket);
}

/* Only the holder writes now_serving here: a plain store will do. */
static inline void ticket_pass_on(struct spinlock *l)
{
	uint32_t t = __atomic_load_n(&l->now_serving, __ATOMIC_RELAXED);

	__atomic_store_n(&l->now_serving, t + 1, __ATOMIC_RELEASE);
}

/* Logs (once per boot) a spin_unlock() of a lock this CPU's record does
 * not hold: a release without its spin_lock(), or on another CPU. */
void spin_unlock_unrecorded(const struct spinlock *l);

/* Returns the RFLAGS to give spin_unlock(). */
static inline uint64_t spin_lock(struct spinlock *l)
{
	uint64_t flags = cpu_irq_save();

	ticket_acquire(l);
	lock_record_push(&this_cpu()->locks, l);
	return flags;
}

static inline void spin_unlock(struct spinlock *l, uint64_t flags)
{
	if (!lock_record_remove(&this_cpu()->locks, l))
		spin_unlock_unrecorded(l);
	ticket_pass_on(l);
	cpu_irq_restore(flags);
}

/* Whether exception recovery may release every lock `r` records past the
 * first `since` (those taken by the work it gives up). false names in
 * *culprit the innermost that is not recoverable, or leaves it NULL when
 * some are held unrecorded (past the array: which ones is unknown). */
static inline bool spin_record_recoverable(const struct lock_record *r, unsigned since,
					   const struct spinlock **culprit)
{
	*culprit = NULL;
	if (r->unrecorded)
		return false;
	for (unsigned i = r->count; i-- > since;)
		if (!r->held[i]->recoverable) {
			*culprit = r->held[i];
			return false;
		}
	return true;
}

/* For exception recovery, once spin_record_recoverable() agreed: releases
 * the locks `r` records past the first `since`, innermost first. Returns
 * how many. */
static inline unsigned spin_record_release_since(struct lock_record *r, unsigned since)
{
	unsigned released = 0;

	while (r->count > since) {
		ticket_pass_on(r->held[--r->count]);
		released++;
	}
	return released;
}

struct spin_hold {
	uint64_t flags;
	struct ticket_hold ticket;
};

static inline struct spin_hold spin_lock_bounded(struct spinlock *l, unsigned long patience)
{
	struct spin_hold h = { .flags = cpu_irq_save() };

	h.ticket = ticket_acquire_bounded(l, patience);
	return h;
}

static inline void spin_unlock_bounded(struct spinlock *l, struct spin_hold h)
{
	ticket_release_bounded(l, h.ticket);
	cpu_irq_restore(h.flags);
}

#endif
