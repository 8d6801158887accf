#include "arch/x86/spinlock.h"
#include "arch/x86/log.h"

void spin_unlock_unrecorded(const struct spinlock *l)
{
	static bool logged;

	if (__atomic_exchange_n(&logged, true, __ATOMIC_RELAXED))
		return;
	log_warn("spin lock %p released on CPU %u, which does not hold it by its record "
		 "(logged once)\n", (const void *)l, this_cpu_index());
}
