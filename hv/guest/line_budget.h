/* A token bucket over lines of output (a guest's UART): up to `burst`
 * lines at once, then `rate` lines per second; lines beyond are dropped
 * and counted, so a guest printing in a loop cannot flood the console
 * every CPU shares. Pure arithmetic, the time passed in, for host tests. */
#ifndef HV_GUEST_LINE_BUDGET_H
#define HV_GUEST_LINE_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#define LINE_BUDGET_BURST_DEFAULT 1000  /* lines */
#define LINE_BUDGET_RATE_DEFAULT 100    /* lines per second */
#define LINE_BUDGET_MAX 1000000         /* for either; the least is 1 */

struct line_budget {
	/* One line costs a second's worth (NS_PER_SEC); every nanosecond
	 * adds `rate`, up to `cap` = burst lines. */
	uint64_t credit, cap;
	uint32_t rate;
	uint64_t last_ns;        /* when credit was last added */
	uint64_t printed, dropped;
	uint64_t dropped_run;    /* dropped since the last line printed */
};

struct line_verdict {
	bool print;
	/* Only with print: the lines dropped just before this one, to be
	 * reported once ahead of it (0: none). */
	uint64_t dropped_before;
};

/* Full: the first `burst` lines print at once. burst and rate must be
 * 1..LINE_BUDGET_MAX. */
void line_budget_init(struct line_budget *b, uint32_t burst, uint32_t rate, uint64_t now_ns);

/* For one line completed at now_ns: print it or drop it. A clock that
 * steps back adds nothing. */
struct line_verdict line_budget_line(struct line_budget *b, uint64_t now_ns);

#endif
