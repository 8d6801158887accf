/* How often a guest may be restarted: at most `limit` restarts within
 * any minute. Past that the guest stays stopped: one that resets as soon
 * as it boots would otherwise keep the service CPU scrubbing and
 * rebuilding it for ever. Pure logic: no clock of its own. */
#ifndef HV_GUEST_RESTART_BUDGET_H
#define HV_GUEST_RESTART_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#define RESTART_LIMIT_MAX 64
#define RESTART_LIMIT_DEFAULT 5
#define RESTART_WINDOW_NS (60ull * 1000000000ull)

struct restart_budget {
	unsigned limit;          /* 0..RESTART_LIMIT_MAX restarts per window */
	unsigned count;          /* restarts in `at`, oldest first */
	uint64_t at[RESTART_LIMIT_MAX];
	unsigned long total;     /* every restart granted, for the log */
};

/* An empty budget of `limit` restarts a minute (clamped to the maximum). */
void restart_budget_init(struct restart_budget *b, unsigned limit);

/* At `now_ns` (a monotonic clock): true and the restart counted when
 * fewer than `limit` were granted in the minute before it, else false. */
bool restart_budget_take(struct restart_budget *b, uint64_t now_ns);

#endif
