#include "arch/x86/irq.h"
#include "arch/x86/lapic.h"

#include <errno.h>
#include <stddef.h>

struct irq_slot {
	irq_handler_fn fn;
	void *ctx;
};

static struct irq_slot slots[256];
static unsigned long spurious;

int irq_register(uint8_t vector, irq_handler_fn fn, void *ctx)
{
	if (vector < IRQ_FIRST_VECTOR || slots[vector].fn)
		return -EBUSY;
	slots[vector] = (struct irq_slot){ fn, ctx };
	return 0;
}

void irq_unregister(uint8_t vector)
{
	slots[vector] = (struct irq_slot){ NULL, NULL };
}

void irq_dispatch(uint8_t vector)
{
	/* The APIC's spurious vector needs no EOI (SDM 11.9). */
	if (vector == LAPIC_SPURIOUS_VECTOR) {
		spurious++;
		return;
	}
	if (slots[vector].fn)
		slots[vector].fn(vector, slots[vector].ctx);
	else
		spurious++;
	lapic_write(LAPIC_EOI, 0);
}

unsigned long irq_spurious_count(void)
{
	return spurious;
}
