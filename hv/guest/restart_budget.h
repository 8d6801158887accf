/* How often a guest may be restarted: at most `limit` restarts within
 * any window (a minute unless configured). Past that the guest stays stopped: one that resets as soon
 * as it boots would otherwise keep the service CPU scrubbing and
 * rebuilding it for ever. Pure logic: no clock of its own. */
#ifndef HV_GUEST_RESTART_BUDGET_H
#define HV_GUEST_RESTART_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#define RESTART_LIMIT_MAX 64
#define RESTART_LIMIT_DEFAULT 5
#define RESTART_WINDOW_DEFAULT_S 60
#define RESTART_WINDOW_MAX_S     86400

struct restart_budget {
	unsigned limit;          /* 0..RESTART_LIMIT_MAX restarts per window */
	uint64_t window_ns;
	unsigned count;          /* restarts in `at`, oldest first */
	uint64_t at[RESTART_LIMIT_MAX];
	unsigned long total;     /* every restart granted, for the log */
};

/* An empty budget of `limit` restarts (clamped to the maximum) in any
 * `window_s` seconds (clamped to 1..RESTART_WINDOW_MAX_S). */
void restart_budget_init(struct restart_budget *b, unsigned limit, unsigned window_s);

/* At `now_ns` (a monotonic clock): true and the restart counted when
 * fewer than `limit` were granted in the window before it, else false. */
bool restart_budget_take(struct restart_budget *b, uint64_t now_ns);

#endif
