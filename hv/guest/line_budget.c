/* The console budget of hv/guest/line_budget.h, in integers: credit is
 * kept in line-nanoseconds so any rate refills exactly. */
#include "hv/guest/line_budget.h"

#define NS_PER_SEC 1000000000ull

void line_budget_init(struct line_budget *b, uint32_t burst, uint32_t rate, uint64_t now_ns)
{
	*b = (struct line_budget){
		.cap = (uint64_t)burst * NS_PER_SEC,
		.rate = rate,
		.last_ns = now_ns,
		.next_note_ns = now_ns,
	};
	b->credit = b->cap;
}

/* cap is at most 10^15 and the room is checked before multiplying, so no
 * gap, however long, overflows. */
static void refill(struct line_budget *b, uint64_t now_ns)
{
	if (now_ns <= b->last_ns)
		return;
	uint64_t elapsed = now_ns - b->last_ns;
	uint64_t room = b->cap - b->credit;

	b->last_ns = now_ns;
	if (b->rate && elapsed > room / b->rate)
		b->credit = b->cap;
	else
		b->credit += elapsed * b->rate;
}

struct line_verdict line_budget_line(struct line_budget *b, uint64_t now_ns)
{
	struct line_verdict v = { 0 };

	refill(b, now_ns);
	if (b->credit < NS_PER_SEC) {
		b->dropped++;
		b->dropped_run++;
		return v;
	}
	b->credit -= NS_PER_SEC;
	b->printed++;
	v.print = true;
	if (b->dropped_run && now_ns >= b->next_note_ns) {
		v.dropped_before = b->dropped_run;
		b->dropped_run = 0;
		b->next_note_ns = now_ns + LINE_BUDGET_NOTE_INTERVAL_NS;
	}
	return v;
}
