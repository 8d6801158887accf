/* The VT-d audit (iommu/vtd_audit_*.c, the walker; hv/remap/audit_*.c, the
 * rules) over tables the real writers built on the recording fake unit
 * (tests/unit/fake_vtd.h): two guests with one device each, their domains
 * mapping their RAM and their MSIs routed. The clean tables pass with the
 * counts expected; then each kind of entry is corrupted, by the writers
 * where they allow it and in memory where they do not, and the audit must
 * name exactly that. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hv/remap/audit_check.h"
#include "iommu/irte.h"
#include "iommu/vtd_domain.h"
#include "iommu/vtd_ir.h"
#include "iommu/vtd_regs.h"
#include "iommu/vtd_unit.h"
#include "tests/unit/fake_vtd.h"
#include "tests/unit/log_stub.h"
#include "tests/unit/watchdog.h"

#define RW (VTD_SL_R | VTD_SL_W)
#define MIB (1ull << 20)
#define GUEST_MEM (64 * MIB)
#define HOLE 0xa0000ull
#define HOLE_END 0x100000ull
#define ALPHA_RAM 0x100000000ull
#define BETA_RAM 0x140000000ull
#define HV_MEM 0x8000000ull
#define SID_ALPHA 0x0020 /* 00:04.0 */
#define SID_BETA  0x0028 /* 00:05.0 */
#define SID_OTHER 0x0030 /* 00:06.0, nobody's */
#define IRTE_ALPHA 0
#define IRTE_BETA 1
#define RMRR_BASE 0xe8000000ull
#define RMRR_SIZE 0x10000ull
#define TEXT_MAX 16384
/* Pages of a guest's RAM windows: below the legacy hole and above 1 MiB. */
#define GUEST_PAGES ((GUEST_MEM - (HOLE_END - HOLE)) / 4096)

struct fx {
	struct fake_vtd *f;
	struct vtd_unit u;
	struct vtd_domain da, db;
	struct audit_expect e;
	struct audit_report r;
	char text[TEXT_MAX];
	size_t text_len;
};

static const uint64_t *fake_page(void *ctx, uint64_t phys)
{
	return fake_page_live(ctx, phys) ? (const uint64_t *)(uintptr_t)phys : NULL;
}

static void collect(void *ctx, const char *line)
{
	struct fx *x = ctx;
	int n = snprintf(x->text + x->text_len, TEXT_MAX - x->text_len, "%s\n", line);

	if (n > 0 && x->text_len + (size_t)n < TEXT_MAX)
		x->text_len += (size_t)n;
}

static void map_guest_ram(struct vtd_domain *d, uint64_t ram)
{
	assert_int_equal(vtd_domain_map(d, 0, ram, HOLE, RW), 0);
	assert_int_equal(vtd_domain_map(d, HOLE_END, ram + HOLE_END, GUEST_MEM - HOLE_END, RW), 0);
}

static void route(struct fx *x, uint32_t index, uint32_t apic, uint16_t sid)
{
	struct irte_fields f = { .present = true, .dlm = IRTE_DLM_FIXED, .vector = 0x40,
				 .dest = irte_dest(apic, false), .sid = sid, .svt = IRTE_SVT_SID };

	assert_int_equal(vtd_ir_set(&x->u, index, &f), 0);
}

static void expect_guest(struct audit_guest *g, const char *name, uint64_t ram,
			 const uint32_t cpus[2], uint16_t sid, const struct vtd_domain *d)
{
	*g = (struct audit_guest){
		.name = name, .ram = ram, .ram_size = GUEST_MEM, .window_count = 2,
		.window = { { 0, ram, HOLE, true, true },
			    { HOLE_END, ram + HOLE_END, GUEST_MEM - HOLE_END, true, true } },
		.cpu_count = 2, .apic_id = { cpus[0], cpus[1] }, .device_count = 1,
	};
	g->device[0] = (struct audit_device){ .unit = 0, .bdf = sid, .sid_count = 1,
					      .sid = { sid }, .did = d->did, .table = d->pt.root };
}

static void expect_all(struct fx *x)
{
	static const uint32_t alpha_cpus[2] = { 1, 2 }, beta_cpus[2] = { 3, 4 };
	struct audit_expect *e = &x->e;

	*e = (struct audit_expect){ .mem = { fake_page, x->f }, .unit_count = 1,
				    .guest_count = 2, .hv_mem_count = 1, .max_tables = 4096 };
	e->unit[0] = (struct audit_unit){
		.translating = true, .rtaddr = vtd_read64(&x->u, VTD_RTADDR),
		.aw = x->u.levels - 2, .remapping = true, .irta = vtd_read64(&x->u, VTD_IRTA) };
	e->hv_mem[0].base = HV_MEM;
	e->hv_mem[0].size = 64 * MIB;
	expect_guest(&e->guest[0], "alpha", ALPHA_RAM, alpha_cpus, SID_ALPHA, &x->da);
	expect_guest(&e->guest[1], "beta", BETA_RAM, beta_cpus, SID_BETA, &x->db);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	watchdog_arm("test_audit", 60);
	log_stub_reset();
	x->f = fake_vtd_new(FAKE_CAP_QEMU, FAKE_ECAP_QEMU);
	assert_int_equal(vtd_unit_init(&x->u, &x->f->env, 0, FAKE_VTD_BASE, 0, 39), 0);
	assert_int_equal(vtd_unit_enable_translation(&x->u), 0);
	uint64_t irt = x->f->env.alloc_page(x->f->env.ctx);
	assert_int_equal(vtd_ir_enable(&x->u, irt, 7, false), 0);
	assert_int_equal(vtd_domain_create(&x->u, &x->da), 0);
	assert_int_equal(vtd_domain_create(&x->u, &x->db), 0);
	map_guest_ram(&x->da, ALPHA_RAM);
	map_guest_ram(&x->db, BETA_RAM);
	assert_int_equal(vtd_domain_attach(&x->da, SID_ALPHA, false), 0);
	assert_int_equal(vtd_domain_attach(&x->db, SID_BETA, false), 0);
	route(x, IRTE_ALPHA, 1, SID_ALPHA);
	route(x, IRTE_BETA, 3, SID_BETA);
	expect_all(x);
	x->r = (struct audit_report){ .violation = collect, .ctx = x };
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	fake_vtd_free(x->f);
	free(x);
	watchdog_disarm();
	return 0;
}

static unsigned audit(struct fx *x)
{
	x->text_len = 0;
	x->text[0] = '\0';
	return audit_check(&x->e, &x->r);
}

/* Exactly `n` violations, each line of the text holding `what`. */
#define NAMES(x, n, what) names_((x), (n), (what), __LINE__)
static void names_(struct fx *x, unsigned n, const char *what, int line)
{
	unsigned lines = 0;

	for (const char *p = x->text; *p; p = strchr(p, '\n') + 1) {
		const char *nl = strchr(p, '\n');
		const char *hit = strstr(p, what);
		if (!hit || hit > nl)
			fail_msg("line %d: violation without \"%s\":\n%s", line, what, x->text);
		lines++;
	}
	if (lines != n || x->r.violations != n)
		fail_msg("line %d: %u violations (%u lines), expected %u naming \"%s\":\n%s", line,
			 x->r.violations, lines, n, what, x->text);
}

static uint64_t *context_of(struct fx *x, uint16_t sid)
{
	uint64_t *root = (uint64_t *)(uintptr_t)x->e.unit[0].rtaddr;
	uint64_t *ctx = (uint64_t *)(uintptr_t)(root[2 * (sid >> 8)] & ~0xfffull);

	return &ctx[2 * (sid & 0xff)];
}

static uint64_t *table_at(uint64_t entry)
{
	return (uint64_t *)(uintptr_t)(entry & 0x000ffffffffff000ull);
}

static uint64_t *irte_of(struct fx *x, uint32_t index)
{
	return (uint64_t *)(uintptr_t)(x->e.unit[0].irta & ~0xfffull) + 2 * index;
}

/* ---- clean ---------------------------------------------------------------- */

static void clean_tables_pass(void **state)
{
	struct fx *x = *state;

	assert_int_equal(audit(x), 0);
	assert_string_equal(x->text, "");
	for (unsigned g = 0; g < 2; g++) {
		assert_int_equal(x->r.guest[g].devices, 1);
		assert_int_equal(x->r.guest[g].domains, 1);
		assert_int_equal(x->r.guest[g].pages, GUEST_PAGES);
		assert_int_equal(x->r.guest[g].irtes, 1);
		assert_int_equal(x->r.guest[g].violations, 0);
	}
	assert_int_equal(x->r.hv.irtes, 0);
}

/* An RMRR the expectation lists, mapped by the writer, passes too. */
static void rmrr_allowed(void **state)
{
	struct fx *x = *state;
	struct audit_device *d = &x->e.guest[0].device[0];

	assert_int_equal(vtd_domain_map(&x->da, RMRR_BASE, RMRR_BASE, RMRR_SIZE, RW), 0);
	assert_int_equal(audit(x), 1);
	NAMES(x, 1, "IOVA 0xe8000000-0xe800ffff maps 0xe8000000-0xe800ffff (rw): memory no guest");
	d->rmrr[d->rmrr_count++] = (struct audit_window){ RMRR_BASE, RMRR_BASE, RMRR_SIZE, true,
							  true };
	assert_int_equal(audit(x), 0);
	assert_int_equal(x->r.guest[0].pages, GUEST_PAGES + RMRR_SIZE / 4096);
}

/* ---- context entries ------------------------------------------------------ */

static void context_with_anothers_table(void **state)
{
	struct fx *x = *state;
	uint64_t *e = context_of(x, SID_ALPHA);

	e[0] = (e[0] & 0xfffull) | x->db.pt.root;
	audit(x);
	assert_non_null(strstr(x->text, "unit 0: 00:04.0 (guest alpha): context entry's table"));
	assert_non_null(strstr(x->text, "guest beta's RAM"));
	assert_int_equal(x->r.guest[1].violations, 0);
}

static void context_with_anothers_domain_id(void **state)
{
	struct fx *x = *state;
	uint64_t *e = context_of(x, SID_ALPHA);

	e[1] = (e[1] & ~0xffff00ull) | (uint64_t)x->db.did << 8;
	audit(x);
	assert_non_null(strstr(x->text, "00:04.0 (guest alpha): context entry names domain"));
	assert_non_null(strstr(x->text, "has two tables"));
}

static void context_for_unowned_device(void **state)
{
	struct fx *x = *state;
	struct vtd_domain other;

	assert_int_equal(vtd_domain_create(&x->u, &other), 0);
	assert_int_equal(vtd_domain_attach(&other, SID_OTHER, false), 0);
	audit(x);
	NAMES(x, 1, "unit 0: 00:06.0: present context entry");
	assert_int_equal(x->r.hv.violations, 1);
}

static void context_pass_through(void **state)
{
	struct fx *x = *state;
	uint64_t *e = context_of(x, SID_BETA);

	e[0] |= 2ull << 2;
	audit(x);
	NAMES(x, 1, "00:05.0 (guest beta): translation type 2 (pass-through");
}

/* ---- second-level leaves --------------------------------------------------- */

static void leaf_into_anothers_ram(void **state)
{
	struct fx *x = *state;

	assert_int_equal(vtd_domain_map(&x->da, 0x200000, BETA_RAM + 0x200000, 4096, RW), 0);
	audit(x);
	/* The stray page, and the page of alpha's RAM it displaced. */
	assert_int_equal(x->r.violations, 2);
	assert_non_null(strstr(x->text, "guest alpha: unit 0 table"));
	assert_non_null(strstr(x->text, "IOVA 0x200000-0x200fff maps 0x140200000-0x140200fff "
				       "(rw): guest beta's RAM"));
	assert_non_null(strstr(x->text, "1 of its 16128 pages are not"));
}

static void leaf_into_hv_memory(void **state)
{
	struct fx *x = *state;

	assert_int_equal(vtd_domain_map(&x->db, 0x300000, HV_MEM + 0x5000, 4096, RW), 0);
	audit(x);
	assert_int_equal(x->r.guest[1].violations, 2);
	assert_non_null(strstr(x->text, "guest beta: unit 0 table"));
	assert_non_null(strstr(x->text, "maps 0x8005000-0x8005fff (rw): hv's memory"));
}

static void leaf_into_interrupt_range(void **state)
{
	struct fx *x = *state;

	assert_int_equal(vtd_domain_map(&x->da, 0x400000, 0xfee00000, 4096, RW), 0);
	audit(x);
	assert_non_null(strstr(x->text, "maps 0xfee00000-0xfee00fff (rw): the interrupt range"));
	x->e.guest[0].window[1].size += 0x100000; /* what a longer expectation would allow */
	assert_int_equal(vtd_domain_map(&x->db, 0xfee00000, BETA_RAM, 4096, RW), 0);
	audit(x);
	assert_non_null(strstr(x->text, "guest beta: unit 0 table"));
	assert_non_null(strstr(x->text, "IOVA 0xfee00000-0xfee00fff maps 0x140000000-0x140000fff "
				       "(rw): an IOVA in the interrupt range"));
}

static void writable_where_read_only_expected(void **state)
{
	struct fx *x = *state;
	struct audit_device *d = &x->e.guest[0].device[0];

	d->rmrr[d->rmrr_count++] = (struct audit_window){ RMRR_BASE, RMRR_BASE, RMRR_SIZE, true,
							  false };
	assert_int_equal(vtd_domain_map(&x->da, RMRR_BASE, RMRR_BASE, RMRR_SIZE, RW), 0);
	audit(x);
	/* The rights differ, and so the read-only window counts as unmapped. */
	assert_int_equal(x->r.violations, 2);
	assert_non_null(strstr(x->text, "IOVA 0xe8000000-0xe800ffff maps 0xe8000000-0xe800ffff "
				       "(rw): rights differ; expected read-only"));
}

static void read_only_where_rw_expected(void **state)
{
	struct fx *x = *state;

	assert_int_equal(vtd_domain_map(&x->db, 0x500000, BETA_RAM + 0x500000, 4096, VTD_SL_R), 0);
	audit(x);
	assert_non_null(strstr(x->text, "IOVA 0x500000-0x500fff maps 0x140500000-0x140500fff (r): "
				       "rights differ; expected rw"));
}

/* ---- malformed tables ------------------------------------------------------ */

/* alpha's first 2M (4K leaves: the legacy hole) hangs off root[0] -> L1[0]. */
static uint64_t *alpha_level1(struct fx *x)
{
	return table_at(((uint64_t *)(uintptr_t)x->da.pt.root)[0]);
}

static void table_loop(void **state)
{
	struct fx *x = *state;

	alpha_level1(x)[5] = x->da.pt.root | RW;
	audit(x);
	assert_non_null(strstr(x->text, "alpha: malformed: second-level table"));
	assert_non_null(strstr(x->text, "links back to table"));
	assert_int_equal(x->r.guest[1].violations, 0);
}

static void table_unreadable(void **state)
{
	struct fx *x = *state;

	alpha_level1(x)[6] = 0xdead000ull | RW;
	audit(x);
	assert_non_null(strstr(x->text, "second-level table 0xdead000 (IOVA 0xc00000) is not "
				       "readable memory"));
}

static void table_budget(void **state)
{
	struct fx *x = *state;

	x->e.max_tables = 2;
	audit(x);
	assert_non_null(strstr(x->text, "more tables than the walk allows"));
}

static void root_entry_unreadable(void **state)
{
	struct fx *x = *state;
	uint64_t *root = (uint64_t *)(uintptr_t)x->e.unit[0].rtaddr;

	root[2 * 7] = 0xbad000ull | 1;
	audit(x);
	NAMES(x, 1, "unit 0: bus 07: context table 0xbad000 is not readable memory");
}

/* ---- IRTEs ----------------------------------------------------------------- */

static void irte_to_foreign_cpu(void **state)
{
	struct fx *x = *state;

	route(x, IRTE_ALPHA, 3, SID_ALPHA);
	audit(x);
	NAMES(x, 1, "unit 0 IRTE 0 (source 00:04.0, alpha's): destination APIC ID 3 is a CPU of "
		    "beta; expected one of its own");
}

static void irte_without_source_validation(void **state)
{
	struct fx *x = *state;

	irte_of(x, IRTE_BETA)[1] &= ~(3ull << 18);
	audit(x);
	NAMES(x, 1, "unit 0 IRTE 1 (beta): source validation off (SVT 0)");
}

static void irte_of_hv_source_to_guest_cpu(void **state)
{
	struct fx *x = *state;

	route(x, 9, 2, SID_OTHER);
	audit(x);
	NAMES(x, 1, "IRTE 9 (source 00:06.0, hv's): destination APIC ID 2 is a CPU of alpha");
	assert_int_equal(x->r.hv.irtes, 1);
	route(x, 9, 7, SID_OTHER);
	assert_int_equal(audit(x), 0);
}

static void irte_delivery_and_format(void **state)
{
	struct fx *x = *state;
	uint64_t *e = irte_of(x, IRTE_ALPHA);

	e[0] |= 4ull << 5; /* NMI */
	audit(x);
	NAMES(x, 1, "IRTE 0 (alpha): delivery mode 4");
	e[0] &= ~(7ull << 5);
	e[0] |= 1ull << 2;
	audit(x);
	NAMES(x, 1, "IRTE 0 (alpha): logical destination mode");
}

/* The run-time check of one rewritten entry. */
static void irte_alone(void **state)
{
	struct fx *x = *state;

	x->text_len = 0;
	x->r.violations = 0;
	assert_int_equal(audit_check_irte(&x->e, 0, IRTE_ALPHA, &x->r), 0);
	route(x, IRTE_ALPHA, 4, SID_ALPHA);
	assert_int_equal(audit_check_irte(&x->e, 0, IRTE_BETA, &x->r), 0);
	assert_int_equal(audit_check_irte(&x->e, 0, IRTE_ALPHA, &x->r), 1);
	NAMES(x, 1, "destination APIC ID 4 is a CPU of beta");
	assert_int_equal(audit_check_irte(&x->e, 0, 5, &x->r), 0); /* not present */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(clean_tables_pass),
		T(rmrr_allowed),
		T(context_with_anothers_table),
		T(context_with_anothers_domain_id),
		T(context_for_unowned_device),
		T(context_pass_through),
		T(leaf_into_anothers_ram),
		T(leaf_into_hv_memory),
		T(leaf_into_interrupt_range),
		T(writable_where_read_only_expected),
		T(read_only_where_rw_expected),
		T(table_loop),
		T(table_unreadable),
		T(table_budget),
		T(root_entry_unreadable),
		T(irte_to_foreign_cpu),
		T(irte_without_source_validation),
		T(irte_of_hv_source_to_guest_cpu),
		T(irte_delivery_and_format),
		T(irte_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
