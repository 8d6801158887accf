#include "arch/x86/recovery_decision.h"
#include "arch/x86/exception.h"

#include <stdbool.h>

/* Faults raised by an instruction of hv's that a guest's state can steer
 * into (a bad pointer or index it handed over, a division by its value),
 * reported before the instruction changed anything, so the code around it
 * was whole. Not #DB: VMRUN/#VMEXIT switch DR7, so guest breakpoints never
 * fire in hv, and hv sets none of its own. Not #AC: it is raised only at
 * CPL 3. Not #DF, #MC or NMI: they say nothing of the instruction they
 * interrupted, and arrive on IST stacks. #BR cannot occur in 64-bit mode
 * (no BOUND, no MPX in hv); it costs nothing to accept. */
static bool fault_of_interrupted_code(unsigned vector)
{
	switch (vector) {
	case VEC_DE: case VEC_BR: case VEC_UD: case VEC_SS: case VEC_GP: case VEC_PF:
		return true;
	default:
		return false;
	}
}

enum recovery_decision recovery_decide(unsigned vector, unsigned depth, uintptr_t rsp,
				       uintptr_t stack_low, uintptr_t stack_high)
{
	if (!fault_of_interrupted_code(vector))
		return RECOVERY_HALT_VECTOR;
	/* Resuming from inside a handler (an NMI's, an interrupt's) would
	 * leave it unfinished and, for an NMI, NMIs blocked until an IRET. */
	if (depth != 0)
		return RECOVERY_HALT_NESTED;
	if (stack_low >= stack_high || rsp < stack_low || rsp > stack_high)
		return RECOVERY_HALT_STACK;
	return RECOVERY_RESUME;
}

const char *recovery_decision_reason(enum recovery_decision d)
{
	switch (d) {
	case RECOVERY_RESUME: return "recoverable";
	case RECOVERY_HALT_VECTOR: return "not a fault the interrupted code raised";
	case RECOVERY_HALT_NESTED: return "it interrupted another exception or interrupt handler";
	case RECOVERY_HALT_STACK: return "its stack is not the recovery point's";
	}
	return "?";
}
