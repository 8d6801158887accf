/* The audit's rules for one present IRTE: source validated exactly, the
 * format and delivery hv writes, and a destination among the CPUs of the
 * guest that owns the source (none of any guest's for hv's own sources). */
#include "hv/remap/audit_run.h"

#include <stddef.h>

#define SVT_SID 1
#define DLM_FIXED 0
#define DLM_LOWEST 1

/* The requester-ID bits SQ 0-3 leave uncompared (the function's bits). */
static uint16_t sq_ignored(unsigned sq)
{
	static const uint16_t ignored[4] = { 0, 0x4, 0x6, 0x7 };
	return ignored[sq & 3];
}

static bool is_cpu_of(const struct audit_guest *g, uint32_t apic_id)
{
	for (unsigned i = 0; i < g->cpu_count; i++)
		if (g->apic_id[i] == apic_id)
			return true;
	return false;
}

static int guest_of_cpu(const struct audit_expect *e, uint32_t apic_id)
{
	for (unsigned g = 0; g < e->guest_count; g++)
		if (is_cpu_of(&e->guest[g], apic_id))
			return (int)g;
	return AUDIT_NO_GUEST;
}

static const char *owner_name(const struct audit_run *run, int g)
{
	return g == AUDIT_NO_GUEST ? "hv" : run->e->guest[g].name;
}

/* With an SQ mask, every requester it admits must be the owner's too. */
static void check_mask(struct audit_run *run, const struct vtd_audit_irte *e, int owner)
{
	uint16_t ignored = sq_ignored(e->sq);
	char bdf[16];

	for (uint16_t low = 0; low <= ignored; low++) {
		if (low & ~ignored)
			continue;
		uint16_t sid = (uint16_t)((e->sid & ~ignored) | low);
		int g = audit_owner(run->e, e->unit, sid, NULL);
		if (g != owner)
			audit_violation(run, owner, "unit %u IRTE %u (%s): its SQ %u also admits %s, "
					"which is %s's", e->unit, e->index, owner_name(run, owner),
					e->sq, audit_bdf(sid, bdf), owner_name(run, g));
	}
}

static void check_source(struct audit_run *run, const struct vtd_audit_irte *e, int owner)
{
	static const char *const svt_names[4] = { "off", "exact", "a bus range", "reserved" };

	if (e->svt != SVT_SID)
		audit_violation(run, owner, "unit %u IRTE %u (%s): source validation %s (SVT %u); "
				"expected the exact requester ID (SVT 1)", e->unit, e->index,
				owner_name(run, owner), svt_names[e->svt & 3], e->svt);
	else if (e->sq)
		check_mask(run, e, owner);
}

static void check_format(struct audit_run *run, const struct vtd_audit_irte *e, int owner)
{
	const char *who = owner_name(run, owner);

	if (e->posted)
		audit_violation(run, owner, "unit %u IRTE %u (%s): posted format; hv writes "
				"remapped entries only", e->unit, e->index, who);
	if (e->dest_logical)
		audit_violation(run, owner, "unit %u IRTE %u (%s): logical destination mode; "
				"expected physical", e->unit, e->index, who);
	if (e->dlm != DLM_FIXED && e->dlm != DLM_LOWEST)
		audit_violation(run, owner, "unit %u IRTE %u (%s): delivery mode %u; expected fixed "
				"or lowest priority", e->unit, e->index, who, e->dlm);
	if (e->reserved_set)
		audit_violation(run, owner, "unit %u IRTE %u (%s): reserved bits set", e->unit,
				e->index, who);
	if (owner != AUDIT_NO_GUEST && e->level)
		audit_violation(run, owner, "unit %u IRTE %u (%s): level triggered; a device's "
				"MSI is edge triggered", e->unit, e->index, who);
}

static void check_destination(struct audit_run *run, const struct vtd_audit_irte *e, int owner)
{
	int target = guest_of_cpu(run->e, e->apic_id);
	char bdf[16];

	if (owner == AUDIT_NO_GUEST ? target == AUDIT_NO_GUEST :
	    is_cpu_of(&run->e->guest[owner], e->apic_id))
		return;
	audit_violation(run, owner, "unit %u IRTE %u (source %s, %s's): destination APIC ID %u "
			"is a CPU of %s; expected %s", e->unit, e->index, audit_bdf(e->sid, bdf),
			owner_name(run, owner), e->apic_id,
			target == AUDIT_NO_GUEST ? "no guest" : owner_name(run, target),
			owner == AUDIT_NO_GUEST ? "a CPU of no guest" : "one of its own");
}

void audit_irte(struct audit_run *run, const struct vtd_audit_irte *e)
{
	int owner = audit_owner(run->e, e->unit, e->sid, NULL);

	if (owner == AUDIT_NO_GUEST)
		run->r->hv.irtes++;
	else
		run->r->guest[owner].irtes++;
	check_source(run, e, owner);
	check_format(run, e, owner);
	check_destination(run, e, owner);
}
