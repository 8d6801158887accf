/* The operator's stop and restart, asked for by a guest it trusts with
 * them (control = yes). The target goes the way of its own stops: a stop
 * is a clean power-off, a restart the service CPU's rebuild under the
 * target's restart budget (hv/guest/supervisor.c). */
#include "hv/guest/guest_control.h"
#include "arch/x86/log.h"

#include <errno.h>
#include <stdio.h>

static struct guest *control_guests;
static unsigned control_guest_count;

void guest_control_set_guests(struct guest *guests, unsigned count)
{
	control_guests = guests;
	control_guest_count = count;
}

/* Told once: a guest without the right that keeps asking must not fill
 * the log. */
static int64_t refuse_without_right(struct guest *caller)
{
	if (!__atomic_exchange_n(&caller->control_refusal_logged, true, __ATOMIC_ACQ_REL))
		log_warn("guest %s: guest control refused: no control right (control = yes "
			 "not in its configuration); further refusals not logged\n", caller->name);
	return -EPERM;
}

int64_t guest_control(struct guest *caller, uint64_t op, uint64_t target)
{
	if (!caller->control)
		return refuse_without_right(caller);
	if (op != HV_GUEST_CONTROL_STOP && op != HV_GUEST_CONTROL_RESTART)
		return -EINVAL;
	if (target >= control_guest_count || target == caller->index)
		return -EINVAL;
	struct guest *g = &control_guests[target];
	bool restart = op == HV_GUEST_CONTROL_RESTART;
	if (restart && !g->restartable) {
		log_warn("guest %s: restart by guest %s refused: a passed-through function has "
			 "no function-level reset\n", g->name, caller->name);
		return -EOPNOTSUPP;
	}
	char reason[sizeof(g->stop_reason)];
	snprintf(reason, sizeof(reason), "%s by guest %s (control)",
		 restart ? "restarted" : "stopped", caller->name);
	/* Clean: the operator's power-off, not the guest's failure. */
	if (!guest_stop_or_restart(g, 0, false, reason, restart))
		return -EBUSY;
	return 0;
}
