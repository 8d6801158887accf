#include "arch/x86/irq.h"
#include "arch/x86/lapic.h"

#include <errno.h>
#include <stddef.h>

struct irq_slot {
	irq_handler_fn fn;
	void *ctx;
};

static struct irq_slot slots[256];
/* Every CPU counts here: atomic, or concurrent increments get lost. */
static unsigned long spurious;

/* Handlers run on whichever CPU takes the interrupt: a slot is published
 * context first, handler last, so a CPU that sees the handler sees its
 * context; unregistering clears only the handler. */
int irq_register(uint8_t vector, irq_handler_fn fn, void *ctx)
{
	if (vector < IRQ_FIRST_VECTOR || __atomic_load_n(&slots[vector].fn, __ATOMIC_RELAXED))
		return -EBUSY;
	slots[vector].ctx = ctx;
	__atomic_store_n(&slots[vector].fn, fn, __ATOMIC_RELEASE);
	return 0;
}

void irq_unregister(uint8_t vector)
{
	__atomic_store_n(&slots[vector].fn, NULL, __ATOMIC_RELEASE);
}

void irq_dispatch(uint8_t vector)
{
	/* The APIC's spurious vector needs no EOI (SDM 11.9), unless it was
	 * a real interrupt on that vector (a guest's IPI, say): then it is in
	 * service and would block every lower one without its EOI. */
	if (vector == LAPIC_SPURIOUS_VECTOR) {
		__atomic_fetch_add(&spurious, 1, __ATOMIC_RELAXED);
		if (lapic_read(LAPIC_ISR_BASE + 0x10 * (vector / 32)) & (1u << (vector % 32)))
			lapic_write(LAPIC_EOI, 0);
		return;
	}
	irq_handler_fn fn = __atomic_load_n(&slots[vector].fn, __ATOMIC_ACQUIRE);
	if (fn)
		fn(vector, slots[vector].ctx);
	else
		__atomic_fetch_add(&spurious, 1, __ATOMIC_RELAXED);
	lapic_write(LAPIC_EOI, 0);
}

unsigned long irq_spurious_count(void)
{
	return __atomic_load_n(&spurious, __ATOMIC_RELAXED);
}
