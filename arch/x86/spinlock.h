/* A test-and-set spinlock for the few structures CPUs share (the page
 * allocator, a guest's UART). Interrupts are off while it is held, so an
 * interrupt handler on the same CPU cannot spin on it forever. */
#ifndef ARCH_X86_SPINLOCK_H
#define ARCH_X86_SPINLOCK_H

#include <stdint.h>

#include "arch/x86/cpu.h"

struct spinlock {
	int held;
};

/* Returns the RFLAGS to give spin_unlock(). */
static inline uint64_t spin_lock(struct spinlock *l)
{
	uint64_t flags = cpu_irq_save();

	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->held, __ATOMIC_RELAXED))
			cpu_relax();
	return flags;
}

static inline void spin_unlock(struct spinlock *l, uint64_t flags)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
	cpu_irq_restore(flags);
}

#endif
