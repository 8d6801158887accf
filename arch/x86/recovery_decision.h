/* Whether an exception hv takes may be recovered from (arch/x86/exception.c)
 * or must halt the CPU: pure, for the host unit tests. */
#ifndef ARCH_X86_RECOVERY_DECISION_H
#define ARCH_X86_RECOVERY_DECISION_H

#include <stdint.h>

enum recovery_decision {
	RECOVERY_RESUME,
	RECOVERY_HALT_VECTOR, /* not a fault of the code it interrupted */
	RECOVERY_HALT_NESTED, /* interrupted another handler (an NMI's...) */
	RECOVERY_HALT_STACK,  /* not on the stack the recovery point is on */
};

/* `depth`: the exception handlers the CPU was already in; `rsp`: the
 * interrupted stack pointer; [stack_low, stack_high]: the stack below the
 * recovery point (its bottom to the point's RSP). */
enum recovery_decision recovery_decide(unsigned vector, unsigned depth, uintptr_t rsp,
				       uintptr_t stack_low, uintptr_t stack_high);

const char *recovery_decision_reason(enum recovery_decision d);

#endif
