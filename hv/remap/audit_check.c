/* The audit's driver and its context-entry rules (hv/remap/audit_check.h). */
#include "hv/remap/audit_check.h"
#include "hv/remap/audit_run.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VIOLATION_TEXT 224

void audit_violation(struct audit_run *run, int guest, const char *fmt, ...)
{
	char text[VIOLATION_TEXT];
	va_list ap;

	if (guest == AUDIT_NO_GUEST)
		run->r->hv.violations++;
	else
		run->r->guest[guest].violations++;
	run->r->violations++;
	if (!run->r->violation)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	run->r->violation(run->r->ctx, text);
}

void audit_malformed(void *ctx, const char *text)
{
	struct audit_run *run = ctx;
	const char *whose = run->guest == AUDIT_NO_GUEST ? "hv" : run->e->guest[run->guest].name;

	audit_violation(run, run->guest, "%s: malformed: %s", whose, text);
}

const char *audit_bdf(uint16_t sid, char buf[16])
{
	snprintf(buf, 16, "%02x:%02x.%u", sid >> 8, (sid >> 3) & 0x1f, sid & 7);
	return buf;
}

int audit_owner(const struct audit_expect *e, unsigned unit, uint16_t sid,
		const struct audit_device **dev)
{
	for (unsigned g = 0; g < e->guest_count; g++) {
		for (unsigned d = 0; d < e->guest[g].device_count; d++) {
			const struct audit_device *ad = &e->guest[g].device[d];
			for (unsigned k = 0; ad->unit == unit && k < ad->sid_count; k++) {
				if (ad->sid[k] != sid)
					continue;
				if (dev)
					*dev = ad;
				return (int)g;
			}
		}
	}
	return AUDIT_NO_GUEST;
}

/* Counts the domain once per guest, walks its table once per guest, and
 * says when one domain ID names two tables (the IOTLB would mix them). */
static void account_domain(struct audit_run *run, int g, const struct vtd_audit_context *c)
{
	bool walked = false, counted = false;

	for (unsigned i = 0; i < run->walked_count; i++) {
		const struct audit_walked *w = &run->walked[i];
		if (w->unit != run->unit || w->did != c->did)
			continue;
		if (w->table != c->table)
			audit_violation(run, g, "unit %u: domain %u has two tables, %#llx and %#llx",
					run->unit, c->did, (unsigned long long)w->table,
					(unsigned long long)c->table);
		counted |= w->guest == g;
		walked |= w->guest == g && w->table == c->table;
	}
	if (!counted)
		run->r->guest[g].domains++;
	if (walked)
		return;
	if (run->walked_count < AUDIT_WALKS_MAX)
		run->walked[run->walked_count++] = (struct audit_walked){
			.unit = run->unit, .guest = g, .did = c->did, .table = c->table };
	audit_mappings(run, g, c->table, c->aw);
}

static void on_context(void *ctx, const struct vtd_audit_context *c)
{
	struct audit_run *run = ctx;
	const struct audit_device *d = NULL;
	int g = audit_owner(run->e, run->unit, c->sid, &d);
	unsigned u = run->unit;
	char bdf[16];

	audit_bdf(c->sid, bdf);
	if (g == AUDIT_NO_GUEST) {
		audit_violation(run, g, "unit %u: %s: present context entry (domain %u, table %#llx) "
				"for a device no guest owns; expected none", u, bdf, c->did,
				(unsigned long long)c->table);
		return;
	}
	const char *name = run->e->guest[g].name;
	if (c->did != d->did)
		audit_violation(run, g, "unit %u: %s (guest %s): context entry names domain %u; "
				"expected its own, %u", u, bdf, name, c->did, d->did);
	if (c->table != d->table)
		audit_violation(run, g, "unit %u: %s (guest %s): context entry's table %#llx is not "
				"its domain's, %#llx", u, bdf, name, (unsigned long long)c->table,
				(unsigned long long)d->table);
	if (c->tt)
		audit_violation(run, g, "unit %u: %s (guest %s): translation type %u%s; expected 0 "
				"(through its table)", u, bdf, name, c->tt,
				c->tt == 2 ? " (pass-through: all of memory)" : "");
	if (c->aw != run->e->unit[u].aw)
		audit_violation(run, g, "unit %u: %s (guest %s): address width field %u; expected "
				"%u", u, bdf, name, c->aw, run->e->unit[u].aw);
	if (c->reserved_set)
		audit_violation(run, g, "unit %u: %s (guest %s): context entry has reserved bits set",
				u, bdf, name);
	if (!c->tt)
		account_domain(run, g, c);
}

static void on_irte(void *ctx, const struct vtd_audit_irte *irte)
{
	audit_irte(ctx, irte);
}

static const struct vtd_audit_sink *sink_of(struct audit_run *run, struct vtd_audit_sink *s)
{
	*s = (struct vtd_audit_sink){ .context = on_context, .irte = on_irte,
				      .malformed = audit_malformed, .ctx = run };
	return s;
}

unsigned audit_check(const struct audit_expect *e, struct audit_report *r)
{
	struct audit_run run = { .e = e, .r = r };
	struct vtd_audit_sink s;

	memset(r->guest, 0, sizeof(r->guest));
	memset(&r->hv, 0, sizeof(r->hv));
	r->violations = 0;
	for (unsigned g = 0; g < e->guest_count; g++)
		r->guest[g].devices = e->guest[g].device_count;
	for (run.unit = 0; run.unit < e->unit_count; run.unit++) {
		const struct audit_unit *u = &e->unit[run.unit];
		run.guest = AUDIT_NO_GUEST;
		if (u->translating)
			vtd_audit_contexts(&e->mem, run.unit, u->rtaddr, sink_of(&run, &s));
		run.guest = AUDIT_NO_GUEST;
		if (u->remapping)
			vtd_audit_irtes(&e->mem, run.unit, u->irta, sink_of(&run, &s));
	}
	return r->violations;
}

unsigned audit_check_irte(const struct audit_expect *e, unsigned unit, uint32_t index,
			  struct audit_report *r)
{
	struct audit_run run = { .e = e, .r = r, .unit = unit, .guest = AUDIT_NO_GUEST };
	struct vtd_audit_irte irte;
	struct vtd_audit_sink s;
	unsigned before = r->violations;

	if (unit >= e->unit_count || !e->unit[unit].remapping)
		return 0;
	if (vtd_audit_irte_at(&e->mem, unit, e->unit[unit].irta, index, &irte,
			      sink_of(&run, &s)) == 1)
		audit_irte(&run, &irte);
	return r->violations - before;
}
