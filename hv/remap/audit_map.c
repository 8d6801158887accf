/* The audit's rules for a domain's mappings: each lands in its guest's RAM
 * at the offset hv chose, or in an RMRR of one of the guest's devices on
 * the domain, with the rights expected, and everything expected is there. */
#include "hv/remap/audit_run.h"

#include <stdio.h>

#define PAGE_4K 4096ull

static bool overlaps(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
	return a < b + bsize && b < a + asize;
}

const char *audit_what_is(const struct audit_expect *e, int guest, uint64_t hpa, uint64_t size,
			  char buf[64])
{
	if (overlaps(hpa, size, AUDIT_IRQ_RANGE_BASE, AUDIT_IRQ_RANGE_SIZE))
		return "the interrupt range 0xfee00000-0xfeefffff";
	for (unsigned g = 0; g < e->guest_count; g++) {
		const struct audit_guest *ag = &e->guest[g];
		if (!overlaps(hpa, size, ag->ram, ag->ram_size))
			continue;
		if ((int)g == guest)
			return "its own RAM, at the wrong offset";
		snprintf(buf, 64, "guest %s's RAM", ag->name);
		return buf;
	}
	for (unsigned i = 0; i < e->hv_mem_count; i++)
		if (overlaps(hpa, size, e->hv_mem[i].base, e->hv_mem[i].size))
			return "hv's memory";
	return "memory no guest was given";
}

static void collect_allowed(struct audit_run *run, int guest, uint64_t table)
{
	const struct audit_guest *g = &run->e->guest[guest];

	run->allowed_count = 0;
	for (unsigned i = 0; i < g->window_count; i++)
		run->allowed[run->allowed_count++] = g->window[i];
	for (unsigned d = 0; d < g->device_count; d++) {
		const struct audit_device *ad = &g->device[d];
		if (ad->unit != run->unit || ad->table != table)
			continue;
		for (unsigned k = 0; k < ad->rmrr_count; k++)
			run->allowed[run->allowed_count++] = ad->rmrr[k];
	}
	for (unsigned i = 0; i < run->allowed_count; i++)
		run->covered[i] = 0;
}

static const char *rights(bool r, bool w)
{
	return r && w ? "rw" : r ? "r" : w ? "w" : "none";
}

static void stray(struct audit_run *run, uint64_t iova, uint64_t hpa, uint64_t size,
		  const struct vtd_audit_range *r, const char *what)
{
	const struct audit_guest *g = &run->e->guest[run->guest];

	audit_violation(run, run->guest, "guest %s: unit %u table %#llx: IOVA %#llx-%#llx maps "
			"%#llx-%#llx (%s): %s", g->name, run->unit, (unsigned long long)run->table,
			(unsigned long long)iova, (unsigned long long)(iova + size - 1),
			(unsigned long long)hpa, (unsigned long long)(hpa + size - 1),
			rights(r->read, r->write), what);
}

/* The part of r from `iova` that window `w` allows, judged; returns its end. */
static uint64_t judge_piece(struct audit_run *run, const struct vtd_audit_range *r,
			    uint64_t iova, unsigned w)
{
	const struct audit_window *a = &run->allowed[w];
	uint64_t end = r->iova + r->size, wend = a->iova + a->size;
	uint64_t piece_end = end < wend ? end : wend, size = piece_end - iova;
	uint64_t hpa = r->hpa + (iova - r->iova);
	char buf[64];

	if (hpa != a->hpa + (iova - a->iova))
		stray(run, iova, hpa, size, r, audit_what_is(run->e, run->guest, hpa, size, buf));
	else if (r->read != a->read || r->write != a->write)
		stray(run, iova, hpa, size, r, a->write ? "rights differ; expected rw" :
		      a->read ? "rights differ; expected read-only" : "rights differ");
	else
		run->covered[w] += size;
	return piece_end;
}

static int window_at(const struct audit_run *run, uint64_t iova, uint64_t *next)
{
	for (unsigned i = 0; i < run->allowed_count; i++) {
		const struct audit_window *a = &run->allowed[i];
		if (iova >= a->iova && iova - a->iova < a->size)
			return (int)i;
		if (a->iova > iova && a->iova < *next)
			*next = a->iova;
	}
	return -1;
}

static void on_range(void *ctx, const struct vtd_audit_range *r)
{
	struct audit_run *run = ctx;
	uint64_t iova = r->iova, end = r->iova + r->size;
	char buf[64];

	if (overlaps(r->iova, r->size, AUDIT_IRQ_RANGE_BASE, AUDIT_IRQ_RANGE_SIZE))
		stray(run, r->iova, r->hpa, r->size, r, "an IOVA in the interrupt range");
	while (iova < end) {
		uint64_t next = end;
		int w = window_at(run, iova, &next);
		if (w >= 0) {
			iova = judge_piece(run, r, iova, (unsigned)w);
			continue;
		}
		uint64_t hpa = r->hpa + (iova - r->iova);
		stray(run, iova, hpa, next - iova, r,
		      audit_what_is(run->e, run->guest, hpa, next - iova, buf));
		iova = next;
	}
}

static void report_missing(struct audit_run *run)
{
	const struct audit_guest *g = &run->e->guest[run->guest];

	for (unsigned i = 0; i < run->allowed_count; i++) {
		const struct audit_window *a = &run->allowed[i];
		if (run->covered[i] == a->size)
			continue;
		audit_violation(run, run->guest, "guest %s: unit %u table %#llx: IOVA %#llx-%#llx "
				"should map %#llx onwards; %llu of its %llu pages are not", g->name,
				run->unit, (unsigned long long)run->table, (unsigned long long)a->iova,
				(unsigned long long)(a->iova + a->size - 1), (unsigned long long)a->hpa,
				(unsigned long long)((a->size - run->covered[i]) / PAGE_4K),
				(unsigned long long)(a->size / PAGE_4K));
	}
}

void audit_mappings(struct audit_run *run, int guest, uint64_t table, unsigned aw)
{
	struct vtd_audit_sink s = { .range = on_range, .malformed = audit_malformed, .ctx = run };
	int outer = run->guest;

	run->guest = guest;
	run->table = table;
	collect_allowed(run, guest, table);
	uint64_t bytes = vtd_audit_mappings(&run->e->mem, table, aw, run->e->max_tables, &s);
	run->r->guest[guest].pages += bytes / PAGE_4K;
	report_missing(run);
	run->guest = outer;
}
