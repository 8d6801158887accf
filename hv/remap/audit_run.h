/* The audit's state while it runs, shared by hv/remap/audit_*.c. */
#ifndef HV_REMAP_AUDIT_RUN_H
#define HV_REMAP_AUDIT_RUN_H

#include "hv/remap/audit_check.h"

#define AUDIT_NO_GUEST (-1)
#define AUDIT_WALKS_MAX 64
#define AUDIT_ALLOWED_MAX (AUDIT_RAM_WINDOWS + AUDIT_DEVICES_MAX * AUDIT_RMRRS_MAX)

struct audit_walked {
	unsigned unit;
	int guest;
	uint16_t did;
	uint64_t table;
};

struct audit_run {
	const struct audit_expect *e;
	struct audit_report *r;
	unsigned unit;             /* the unit being walked */
	int guest;                 /* whom what the walker says now is about */
	/* The second-level walk in progress: what it may map, and how much of
	 * each window it did. */
	uint64_t table;
	unsigned allowed_count;
	struct audit_window allowed[AUDIT_ALLOWED_MAX];
	uint64_t covered[AUDIT_ALLOWED_MAX];
	/* Tables already walked for a guest, and the domains counted. */
	unsigned walked_count;
	struct audit_walked walked[AUDIT_WALKS_MAX];
};

/* Counts a violation against `guest` (or hv) and hands its text over. */
void audit_violation(struct audit_run *run, int guest, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The guest and device whose requester IDs include `sid` on `unit`, or
 * AUDIT_NO_GUEST. */
int audit_owner(const struct audit_expect *e, unsigned unit, uint16_t sid,
		const struct audit_device **dev);

/* "bb:dd.f" of a requester ID, in buf. */
const char *audit_bdf(uint16_t sid, char buf[16]);

/* What the host range [hpa, hpa + size) is, for a message about `guest`. */
const char *audit_what_is(const struct audit_expect *e, int guest, uint64_t hpa, uint64_t size,
			  char buf[64]);

/* The mappings of `table` on the current unit, for guest `guest`. */
void audit_mappings(struct audit_run *run, int guest, uint64_t table, unsigned aw);

/* One present IRTE. */
void audit_irte(struct audit_run *run, const struct vtd_audit_irte *irte);

/* The walker's malformed-structure reports, as violations of run->guest. */
void audit_malformed(void *ctx, const char *text);

#endif
