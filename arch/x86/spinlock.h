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
 * The ticket_* functions are the lock without the interrupt handling, for
 * the host unit tests. */
#ifndef ARCH_X86_SPINLOCK_H
#define ARCH_X86_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"

/* Zero-initialised: free. Tickets wrap at 2^32, harmlessly: at most a
 * few hundred CPUs are ever queued at once. */
struct spinlock {
	uint32_t next_ticket;   /* the one the next CPU to ask draws */
	uint32_t now_serving;   /* the ticket that holds the lock */
};

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

/* Returns the RFLAGS to give spin_unlock(). */
static inline uint64_t spin_lock(struct spinlock *l)
{
	uint64_t flags = cpu_irq_save();
	struct percpu *pc = this_cpu();

	ticket_acquire(l);
	if (pc->locks_held < PERCPU_LOCKS_TRACKED)
		pc->held_lock[pc->locks_held] = l;
	pc->locks_held++;
	return flags;
}

static inline void spin_unlock(struct spinlock *l, uint64_t flags)
{
	this_cpu()->locks_held--;
	ticket_pass_on(l);
	cpu_irq_restore(flags);
}

/* For exception recovery: releases the spin_lock() locks this CPU took
 * since it held `depth` of them (the work that took them is given up),
 * innermost first. Returns how many; those past PERCPU_LOCKS_TRACKED
 * deep were not recorded and stay held. */
static inline unsigned spin_release_held_since(unsigned depth)
{
	struct percpu *pc = this_cpu();
	unsigned released = 0;

	while (pc->locks_held > depth) {
		pc->locks_held--;
		if (pc->locks_held < PERCPU_LOCKS_TRACKED) {
			ticket_pass_on(pc->held_lock[pc->locks_held]);
			released++;
		}
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
