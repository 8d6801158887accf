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

/* Whether `v` is a burst or rate line_budget_init() takes. */
static inline bool line_budget_valid(uint64_t v)
{
	return v >= 1 && v <= LINE_BUDGET_MAX;
}
/* Under a steady flood output resumes with every token: the lines dropped
 * are reported at most this often, or the notes would flood in turn. */
#define LINE_BUDGET_NOTE_INTERVAL_NS 1000000000ull

struct line_budget {
	/* One line costs a second's worth (NS_PER_SEC); every nanosecond
	 * adds `rate`, up to `cap` = burst lines. */
	uint64_t credit, cap;
	uint32_t rate;
	uint64_t last_ns;        /* when credit was last added */
	uint64_t printed, dropped;
	uint64_t dropped_run;    /* dropped and not reported yet */
	uint64_t next_note_ns;   /* the earliest the next report may come */
};

struct line_verdict {
	bool print;
	/* Only with print: the lines dropped before this one and not
	 * reported yet, to be reported once ahead of it (0: none, or the
	 * last report is less than LINE_BUDGET_NOTE_INTERVAL_NS old). */
	uint64_t dropped_before;
};

/* Full: the first `burst` lines print at once. burst and rate must be
 * 1..LINE_BUDGET_MAX. */
void line_budget_init(struct line_budget *b, uint32_t burst, uint32_t rate, uint64_t now_ns);

/* For one line completed at now_ns: print it or drop it. A clock that
 * steps back adds nothing. */
struct line_verdict line_budget_line(struct line_budget *b, uint64_t now_ns);

#endif
