/* make bench: what the VT-d audit (iommu/vtd_audit_*.c walking, hv/remap/
 * audit_*.c judging) costs at boot, on the host.
 *
 * Mappings: one guest's device whose domain maps its RAM with 4K, 2M or 1G
 * leaves (a 4-level VT-d second-level table built by arch/x86/pt.c), its
 * root and context entries set up by hand; the whole audit of it, in ns
 * per GiB mapped, beside the writer's cost to build the same mapping in
 * the same run (pt_map() of the range in one call, from empty), as
 * audit/build.
 * IRTEs: a full table of present, source-validated entries for that
 * device; the audit in ns per IRTE beside the writer's cost to encode and
 * write them (irte_encode() + irte_write()), as audit/write.
 * Each figure is the best of RUNS runs (wall clock, CLOCK_MONOTONIC). */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/x86/pt.h"
#include "hv/remap/audit_check.h"
#include "iommu/irte.h"
#include "iommu/vtd_regs.h"
#include "iommu/vtd_sl.h"

#define RUNS 5
#define GIB (1ull << 30)
#define RAM_HPA (1ull << 40)     /* where the guest's RAM "is": never read */
#define RAM_IOVA (4 * GIB)       /* above the interrupt range, which the audit refuses */
#define SID 0x0020
#define DID 1
#define IRT_S 15                 /* 2^16 entries */
#define IRT_ENTRIES (2u << IRT_S)
#define IRT_PAGES (IRT_ENTRIES * 16 / 4096)

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t page_alloc(void *ctx)
{
	(void)ctx;
	void *p = aligned_alloc(4096, 4096);
	if (p)
		memset(p, 0, 4096);
	return (uint64_t)(uintptr_t)p;
}

static void page_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	free((void *)(uintptr_t)phys);
}

static uint64_t *page_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (uint64_t *)(uintptr_t)phys;
}

static const uint64_t *read_page(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (const uint64_t *)(uintptr_t)phys;
}

static const struct pt_env env = { page_alloc, page_free, page_ptr, NULL, NULL };

/* A unit whose bus 0 has one present context entry, for `table`. */
static uint64_t root_for(uint64_t table)
{
	uint64_t *root = (uint64_t *)(uintptr_t)page_alloc(NULL);
	uint64_t *ctx = (uint64_t *)(uintptr_t)page_alloc(NULL);

	root[0] = (uint64_t)(uintptr_t)ctx | 1;
	ctx[2 * (SID & 0xff)] = table | 1;                    /* present, TT 0 */
	ctx[2 * (SID & 0xff) + 1] = 2 | (uint64_t)DID << 8;    /* AW 2: 4 levels */
	return (uint64_t)(uintptr_t)root;
}

static void expect_one_guest(struct audit_expect *e, uint64_t ram_size, uint64_t table)
{
	*e = (struct audit_expect){ .mem = { read_page, NULL }, .unit_count = 1, .guest_count = 1,
				    .max_tables = 1u << 20 };
	struct audit_guest *g = &e->guest[0];
	*g = (struct audit_guest){ .name = "bench", .ram = RAM_HPA, .ram_size = ram_size,
				   .window_count = 1, .window = { { RAM_IOVA, RAM_HPA, ram_size, true, true } },
				   .cpu_count = 1, .apic_id = { 1 }, .device_count = 1 };
	g->device[0] = (struct audit_device){ .unit = 0, .bdf = SID, .sid_count = 1, .sid = { SID },
					      .did = DID, .table = table };
}

static void say(void *ctx, const char *text)
{
	fprintf(stderr, "bench_audit: %s: %s\n", (const char *)ctx, text);
}

static void check_clean(const struct audit_expect *e, const char *what)
{
	struct audit_report r = { .violation = say, .ctx = (void *)what };

	if (audit_check(e, &r)) {
		fprintf(stderr, "bench_audit: %s: %u violations, the figures would mean nothing\n",
			what, r.violations);
		exit(1);
	}
}

static void bench_leaves(const char *name, uint64_t leaf, uint64_t ram_size)
{
	struct pt_format fmt;
	uint64_t best_build = UINT64_MAX, best_audit = UINT64_MAX;

	vtd_sl_format(&fmt, 4, true, true);
	if (leaf == PT_SIZE_4K)
		fmt.large_levels = 0;
	else if (leaf == PT_SIZE_2M)
		fmt.large_levels = 1u << 1;
	for (unsigned run = 0; run < RUNS; run++) {
		struct pt pt;
		struct audit_expect e;
		struct audit_report r = { 0 };
		if (pt_init(&pt, &fmt, &env))
			exit(1);
		uint64_t t0 = now_ns();
		if (pt_map(&pt, RAM_IOVA, RAM_HPA, ram_size, VTD_SL_R | VTD_SL_W))
			exit(1);
		uint64_t t1 = now_ns();
		expect_one_guest(&e, ram_size, pt.root);
		e.unit[0] = (struct audit_unit){ .translating = true, .rtaddr = root_for(pt.root),
						 .aw = 2 };
		uint64_t t2 = now_ns();
		audit_check(&e, &r);
		uint64_t t3 = now_ns();
		if (!run)
			check_clean(&e, name);
		best_build = t1 - t0 < best_build ? t1 - t0 : best_build;
		best_audit = t3 - t2 < best_audit ? t3 - t2 : best_audit;
		pt_destroy(&pt);
	}
	double gib = (double)ram_size / GIB;
	printf("  %-3s leaves, %3llu GiB: audit %10.0f ns/GiB   build %10.0f ns/GiB   "
	       "audit/build %.2f\n", name, (unsigned long long)(ram_size / GIB), best_audit / gib,
	       best_build / gib, (double)best_audit / (double)best_build);
}

static void write_irtes(uint64_t *table)
{
	for (uint32_t i = 0; i < IRT_ENTRIES; i++) {
		struct irte_fields f = { .present = true, .vector = (uint8_t)(32 + i % 200),
					 .dest = irte_dest(1, false), .sid = SID,
					 .svt = IRTE_SVT_SID };
		uint64_t entry[2];
		irte_encode(&f, entry);
		irte_write(&table[2 * i], entry);
	}
}

static void bench_irtes(void)
{
	uint64_t *table = aligned_alloc(4096, IRT_PAGES * 4096);
	uint64_t best_write = UINT64_MAX, best_audit = UINT64_MAX;
	struct audit_expect e;

	if (!table)
		exit(1);
	expect_one_guest(&e, GIB, 0);
	e.unit[0] = (struct audit_unit){ .remapping = true,
					 .irta = (uint64_t)(uintptr_t)table | IRT_S };
	for (unsigned run = 0; run < RUNS; run++) {
		struct audit_report r = { 0 };
		memset(table, 0, IRT_PAGES * 4096);
		uint64_t t0 = now_ns();
		write_irtes(table);
		uint64_t t1 = now_ns();
		audit_check(&e, &r);
		uint64_t t2 = now_ns();
		if (!run)
			check_clean(&e, "IRTEs");
		best_write = t1 - t0 < best_write ? t1 - t0 : best_write;
		best_audit = t2 - t1 < best_audit ? t2 - t1 : best_audit;
	}
	printf("  %u IRTEs:        audit %10.1f ns/IRTE  write %10.1f ns/IRTE  audit/write %.2f\n",
	       IRT_ENTRIES, (double)best_audit / IRT_ENTRIES, (double)best_write / IRT_ENTRIES,
	       (double)best_audit / (double)best_write);
	free(table);
}

int main(void)
{
	printf("VT-d audit at boot (best of %d runs; baseline: the writer building the same, "
	       "in this run)\n", RUNS);
	bench_leaves("4K", PT_SIZE_4K, 4 * GIB);
	bench_leaves("2M", PT_SIZE_2M, 64 * GIB);
	bench_leaves("1G", PT_SIZE_1G, 512 * GIB);
	bench_irtes();
	return 0;
}
