/* The restart budget of hv/guest/restart_budget.h: the times of the
 * restarts still inside the window, oldest first. */
#include "hv/guest/restart_budget.h"

#include <string.h>

void restart_budget_init(struct restart_budget *b, unsigned limit, unsigned window_s)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit > RESTART_LIMIT_MAX ? RESTART_LIMIT_MAX : limit;
	if (window_s < 1)
		window_s = 1;
	if (window_s > RESTART_WINDOW_MAX_S)
		window_s = RESTART_WINDOW_MAX_S;
	b->window_ns = window_s * 1000000000ull;
}

/* Drops the restarts a full window or more before `now_ns`. A clock read
 * earlier than a recorded time (never, on a monotonic clock) keeps it. */
static void forget_old(struct restart_budget *b, uint64_t now_ns)
{
	unsigned keep = 0;

	while (keep < b->count && now_ns > b->at[keep] && now_ns - b->at[keep] >= b->window_ns)
		keep++;
	if (!keep)
		return;
	memmove(b->at, b->at + keep, (b->count - keep) * sizeof(b->at[0]));
	b->count -= keep;
}

bool restart_budget_take(struct restart_budget *b, uint64_t now_ns)
{
	if (b->count > RESTART_LIMIT_MAX)
		b->count = RESTART_LIMIT_MAX;
	forget_old(b, now_ns);
	if (b->count >= b->limit)
		return false;
	b->at[b->count++] = now_ns;
	b->total++;
	return true;
}
