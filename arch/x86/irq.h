/* Interrupt vectors 32-255: handlers registered by vector, acknowledged at
 * the local APIC after the handler ran. */
#ifndef ARCH_X86_IRQ_H
#define ARCH_X86_IRQ_H

#include <stdint.h>

#define IRQ_FIRST_VECTOR 32
/* Fixed vectors of the hypervisor's own interrupts. */
#define IRQ_VECTOR_VTD_FAULT 0x30
#define IRQ_VECTOR_TEST      0x31 /* self-tests */
#define IRQ_VECTOR_IPI_TEST  0x32 /* self-tests: IPIs between CPUs */
#define IRQ_VECTOR_WAKE      0x33 /* an idle AP: look at smp_call()'s mailbox */

typedef void (*irq_handler_fn)(uint8_t vector, void *ctx);

/* Returns 0, or -EBUSY when the vector already has a handler. */
int irq_register(uint8_t vector, irq_handler_fn fn, void *ctx);
void irq_unregister(uint8_t vector);

/* Called by the common entry for vectors >= 32. */
void irq_dispatch(uint8_t vector);

/* Interrupts that arrived on a vector nobody registered. */
unsigned long irq_spurious_count(void);

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

#endif
