/* arch/x86/spinlock.h: the ticket lock without its interrupt handling
 * (cli would fault in a host process). Threads stand in for CPUs; every
 * wait on another thread is bounded, so a broken lock fails a test
 * instead of hanging it. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "arch/x86/spinlock.h"

#define WAITERS 6
#define WAIT_LIMIT_NS 5000000000ll  /* how long a thread may take to get anywhere */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Waits until *word reaches `value`, or fails the test. */
static void wait_for(const uint32_t *word, uint32_t value, const char *what)
{
	int64_t end = now_ns() + WAIT_LIMIT_NS;

	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != value)
		if (now_ns() > end)
			fail_msg("timed out waiting for %s to reach %u (it is %u)", what, value,
				 __atomic_load_n(word, __ATOMIC_RELAXED));
}

/* ---- FIFO order ------------------------------------------------------------- */

struct fifo {
	struct spinlock lock;
	unsigned order[WAITERS];
	unsigned served;
};

struct waiter {
	struct fifo *f;
	unsigned id;
};

static void *fifo_waiter(void *arg)
{
	struct waiter *w = arg;
	uint32_t t = ticket_acquire(&w->f->lock);

	w->f->order[w->f->served++] = w->id;
	ticket_release(&w->f->lock, t);
	return NULL;
}

/* Waiters that queue one after another while the lock is held get it in
 * that order once it is released (an unfair lock lets any of them win). */
static void fifo_order(void **state)
{
	(void)state;
	static struct fifo f;
	struct waiter w[WAITERS];
	pthread_t th[WAITERS];

	uint32_t mine = ticket_acquire(&f.lock);
	for (unsigned i = 0; i < WAITERS; i++) {
		/* Started in reverse id order, so creation order alone would not pass. */
		w[i] = (struct waiter){ &f, WAITERS - 1 - i };
		assert_int_equal(pthread_create(&th[i], NULL, fifo_waiter, &w[i]), 0);
		wait_for(&f.lock.next_ticket, mine + 2 + i, "next_ticket");
	}
	assert_int_equal(f.served, 0);
	assert_true(ticket_release(&f.lock, mine));
	for (unsigned i = 0; i < WAITERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(f.served, WAITERS);
	for (unsigned i = 0; i < WAITERS; i++)
		assert_int_equal(f.order[i], WAITERS - 1 - i);
	assert_int_equal(f.lock.now_serving, f.lock.next_ticket);
}

/* ---- mutual exclusion --------------------------------------------------------- */

#define ROUNDS 20000

static struct spinlock count_lock;
static volatile unsigned long counter;

static void *count_up(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint32_t t = ticket_acquire(&count_lock);
		counter = counter + 1; /* a lost update shows a broken lock */
		ticket_release(&count_lock, t);
	}
	return NULL;
}

static void exclusion(void **state)
{
	(void)state;
	pthread_t th[4];

	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, count_up, NULL), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(counter, 4ul * ROUNDS);
}

/* ---- the bounded wait ------------------------------------------------------------ */

/* Before the lock took anyone's ticket, and after 2^32 wrap-around. */
static const uint32_t starts[] = { 0, 0xfffffffeu };

static void start_at(struct spinlock *l, uint32_t t)
{
	l->next_ticket = l->now_serving = t;
}

static void bounded_in_turn(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct spinlock l;
		start_at(&l, starts[i]);
		struct ticket_hold h = ticket_acquire_bounded(&l, 1000);
		assert_int_equal(h.outcome, TICKET_IN_TURN);
		assert_int_equal(h.ticket, starts[i]);
		ticket_release_bounded(&l, h);
		assert_int_equal(l.now_serving, starts[i] + 1);
	}
}

/* A holder that never releases is taken over once it stood still long
 * enough; its late release then changes nothing, and the lock works on. */
static void take_over_and_stale_unlock(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct spinlock l;
		start_at(&l, starts[i]);
		uint32_t lost = ticket_acquire(&l);

		struct ticket_hold h = ticket_acquire_bounded(&l, 1000);
		assert_int_equal(h.outcome, TICKET_TAKEN_OVER);
		assert_int_equal(h.ticket, lost + 1);
		assert_int_equal(l.now_serving, lost + 1);

		assert_false(ticket_release(&l, lost));
		assert_int_equal(l.now_serving, lost + 1);

		ticket_release_bounded(&l, h);
		assert_int_equal(l.now_serving, lost + 2);
		/* And the next one gets it in turn. */
		h = ticket_acquire_bounded(&l, 1000);
		assert_int_equal(h.outcome, TICKET_IN_TURN);
		assert_int_equal(h.ticket, lost + 2);
		/* A stale release of an older ticket still does nothing. */
		assert_false(ticket_release(&l, lost));
		assert_false(ticket_release(&l, lost + 1));
		assert_int_equal(l.now_serving, lost + 2);
	}
}

/* A stale holder's release that comes after the lock was taken over and
 * passed on even further (its ticket + 1 is being served) changes nothing. */
static void stale_unlock_one_behind(void **state)
{
	(void)state;
	struct spinlock l = { 0 };
	uint32_t lost = ticket_acquire(&l);
	struct ticket_hold h = ticket_acquire_bounded(&l, 10);

	assert_int_equal(h.outcome, TICKET_TAKEN_OVER);
	ticket_release_bounded(&l, h);
	uint32_t next = ticket_acquire(&l);
	assert_int_equal(next, lost + 2);
	assert_false(ticket_release(&l, lost));
	assert_false(ticket_release(&l, lost + 1));
	assert_int_equal(l.now_serving, next);
	assert_true(ticket_release(&l, next));
}

/* A waiter jumped over by a take-over sees its ticket passed, draws a new
 * one and gets the lock in turn after the taker, not at the same time. */
struct skipped {
	struct spinlock *lock;
	struct ticket_hold hold;
	uint32_t first_ticket;
	unsigned long patience;
	uint32_t done;
};

static void *skipped_waiter(void *arg)
{
	struct skipped *s = arg;

	s->hold = ticket_acquire_bounded(s->lock, s->patience);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void skipped_waiter_queues_again(void **state)
{
	(void)state;
	static struct spinlock l;
	struct skipped s = { .lock = &l, .patience = ~0ul };
	pthread_t th;

	uint32_t lost = ticket_acquire(&l);
	assert_int_equal(pthread_create(&th, NULL, skipped_waiter, &s), 0);
	wait_for(&l.next_ticket, lost + 2, "next_ticket");
	struct ticket_hold taker = ticket_acquire_bounded(&l, 1000);
	assert_int_equal(taker.outcome, TICKET_TAKEN_OVER);
	assert_int_equal(taker.ticket, lost + 2);
	/* The skipped waiter queues again behind the taker... */
	wait_for(&l.next_ticket, lost + 4, "next_ticket");
	assert_int_equal(__atomic_load_n(&s.done, __ATOMIC_ACQUIRE), 0);
	/* ...and gets the lock when the taker releases it. */
	ticket_release_bounded(&l, taker);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.hold.outcome, TICKET_IN_TURN);
	assert_int_equal(s.hold.ticket, lost + 3);
	ticket_release_bounded(&l, s.hold);
	assert_int_equal(l.now_serving, lost + 4);
}

/* Jumped over more often than TICKET_REQUEUES_MAX allows, a waiter goes
 * on without the lock, and its release then changes nothing. */
static void not_held_after_requeues(void **state)
{
	(void)state;
	static struct spinlock l;
	struct skipped s = { .lock = &l, .patience = ~0ul };
	struct ticket_hold takers[TICKET_REQUEUES_MAX + 1];
	pthread_t th;

	uint32_t lost = ticket_acquire(&l);
	assert_int_equal(pthread_create(&th, NULL, skipped_waiter, &s), 0);
	uint32_t expected = lost + 2;
	for (unsigned i = 0; i <= TICKET_REQUEUES_MAX; i++) {
		wait_for(&l.next_ticket, expected, "next_ticket");
		/* Never released: each take-over jumps the waiter again. */
		takers[i] = ticket_acquire_bounded(&l, 1000);
		assert_int_equal(takers[i].outcome, TICKET_TAKEN_OVER);
		expected += 2;
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.hold.outcome, TICKET_NOT_HELD);
	uint32_t serving = l.now_serving;
	ticket_release_bounded(&l, s.hold);
	assert_int_equal(l.now_serving, serving);
	ticket_release_bounded(&l, takers[TICKET_REQUEUES_MAX]);
	assert_int_equal(l.now_serving, serving + 1);
}

/* ---- the per-CPU record of held locks --------------------------------------------- */

static struct spinlock rec_locks[LOCK_RECORD_SLOTS + 2];

static void assert_record(const struct lock_record *r, unsigned n, struct spinlock *const *want)
{
	assert_int_equal(r->count, n);
	for (unsigned i = 0; i < n; i++)
		assert_ptr_equal(r->held[i], want[i]);
}

/* Released in an order other than the reverse of taking, each release
 * takes out its own lock: the record then names exactly those still held. */
static void record_out_of_order_release(void **state)
{
	(void)state;
	struct lock_record r = { 0 };
	struct spinlock *a = &rec_locks[0], *b = &rec_locks[1], *c = &rec_locks[2];

	lock_record_push(&r, a);
	lock_record_push(&r, b);
	lock_record_push(&r, c);
	assert_true(lock_record_remove(&r, a));
	assert_record(&r, 2, (struct spinlock *[]){ b, c });
	assert_true(lock_record_remove(&r, c));
	assert_record(&r, 1, (struct spinlock *[]){ b });
	lock_record_push(&r, a);
	assert_true(lock_record_remove(&r, b));
	assert_record(&r, 1, (struct spinlock *[]){ a });
	assert_true(lock_record_remove(&r, a));
	assert_int_equal(r.count, 0);
}

/* The same lock recorded twice (two holds of a bounded sort, or a bug)
 * loses its innermost entry first. */
static void record_removes_innermost_match(void **state)
{
	(void)state;
	struct lock_record r = { 0 };
	struct spinlock *a = &rec_locks[0], *b = &rec_locks[1];

	lock_record_push(&r, a);
	lock_record_push(&r, b);
	lock_record_push(&r, a);
	assert_true(lock_record_remove(&r, a));
	assert_record(&r, 2, (struct spinlock *[]){ a, b });
}

/* A release of a lock the record does not hold changes nothing and says so. */
static void record_unrecorded_release(void **state)
{
	(void)state;
	struct lock_record r = { 0 };

	lock_record_push(&r, &rec_locks[0]);
	assert_false(lock_record_remove(&r, &rec_locks[1]));
	assert_record(&r, 1, (struct spinlock *[]){ &rec_locks[0] });
	assert_true(lock_record_remove(&r, &rec_locks[0]));
	assert_false(lock_record_remove(&r, &rec_locks[0]));
	assert_int_equal(r.count, 0);
}

/* Past the array a hold is counted, not named; its release is accepted,
 * and while one is held recovery is refused (which locks is unknown). */
static void record_overflow(void **state)
{
	(void)state;
	struct lock_record r = { 0 };
	const struct spinlock *culprit = &rec_locks[0];

	for (unsigned i = 0; i < LOCK_RECORD_SLOTS + 2; i++) {
		spin_lock_init_recoverable(&rec_locks[i]);
		lock_record_push(&r, &rec_locks[i]);
	}
	assert_int_equal(r.count, LOCK_RECORD_SLOTS);
	assert_int_equal(r.unrecorded, 2);
	assert_false(spin_record_recoverable(&r, 0, &culprit));
	assert_null(culprit);
	assert_true(lock_record_remove(&r, &rec_locks[LOCK_RECORD_SLOTS + 1]));
	assert_true(lock_record_remove(&r, &rec_locks[LOCK_RECORD_SLOTS]));
	assert_int_equal(r.unrecorded, 0);
	assert_int_equal(r.count, LOCK_RECORD_SLOTS);
	assert_true(spin_record_recoverable(&r, 0, &culprit));
	memset(rec_locks, 0, sizeof(rec_locks));
}

/* Recovery may release only recoverable locks, and only those taken since
 * it was armed; it names the one that is not. */
static void record_recoverable_only(void **state)
{
	(void)state;
	struct spinlock before = { 0 }, guest, shared = { 0 };
	struct lock_record r = { 0 };
	const struct spinlock *culprit = NULL;

	spin_lock_init_recoverable(&guest);
	assert_true(guest.recoverable);
	assert_false(shared.recoverable);
	lock_record_push(&r, &before);  /* held when armed: not recovery's */
	unsigned since = r.count;
	lock_record_push(&r, &guest);
	assert_true(spin_record_recoverable(&r, since, &culprit));
	assert_null(culprit);
	lock_record_push(&r, &shared);
	assert_false(spin_record_recoverable(&r, since, &culprit));
	assert_ptr_equal(culprit, &shared);
	/* Released out of order, the shared one no longer blocks it. */
	assert_true(lock_record_remove(&r, &shared));
	assert_true(spin_record_recoverable(&r, since, &culprit));
}

/* The release gives each lock taken since `since` to its next ticket and
 * leaves the ones held before alone. */
static void record_release_since(void **state)
{
	(void)state;
	struct spinlock before = { 0 }, g1, g2;
	struct lock_record r = { 0 };

	spin_lock_init_recoverable(&g1);
	spin_lock_init_recoverable(&g2);
	uint32_t tb = ticket_acquire(&before);
	lock_record_push(&r, &before);
	unsigned since = r.count;
	ticket_acquire(&g1);
	lock_record_push(&r, &g1);
	ticket_acquire(&g2);
	lock_record_push(&r, &g2);
	uint32_t waiter = ticket_draw(&g1);

	assert_int_equal(spin_record_release_since(&r, since), 2);
	assert_record(&r, 1, (struct spinlock *[]){ &before });
	assert_int_equal(ticket_serving(&g1), waiter);
	assert_int_equal(g2.now_serving, g2.next_ticket);
	assert_int_equal(ticket_serving(&before), tb);
	assert_int_equal(spin_record_release_since(&r, since), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fifo_order),
		cmocka_unit_test(exclusion),
		cmocka_unit_test(bounded_in_turn),
		cmocka_unit_test(take_over_and_stale_unlock),
		cmocka_unit_test(stale_unlock_one_behind),
		cmocka_unit_test(skipped_waiter_queues_again),
		cmocka_unit_test(not_held_after_requeues),
		cmocka_unit_test(record_out_of_order_release),
		cmocka_unit_test(record_removes_innermost_match),
		cmocka_unit_test(record_unrecorded_release),
		cmocka_unit_test(record_overflow),
		cmocka_unit_test(record_recoverable_only),
		cmocka_unit_test(record_release_since),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
