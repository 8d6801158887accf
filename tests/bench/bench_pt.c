/* make bench: what the page-table engine (arch/x86/pt.c) costs, on the host.
 *
 * For the x86-64 format (1G leaves on) and the VT-d second-level format
 * (4 levels, 2M and 1G leaves; with no flush, as on a coherent unit, and
 * with clflush, as on a unit with ECAP.C=0), and for each leaf size:
 *   - map and unmap, one leaf per call, over a run of consecutive leaves
 *     (so table allocation and freeing are amortised as in real use);
 *   - the same run mapped, and unmapped, in one call, per leaf;
 * in TSC cycles (rdtsc, median over RUNS runs), with user-mode instructions
 * per operation where perf events are available; then the table pages a
 * mapping uses per GiB for each leaf size.
 *
 * Tables come from a preallocated, pre-touched pool (a free list), like the
 * hypervisor's page allocator, so malloc does not dominate. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch/x86/pt.h"
#include "arch/x86/sizes.h"
#include "iommu/vtd_sl.h"

#define RUNS 11

/* ---- the table pool -------------------------------------------------------------- */

#define POOL_PAGES 16384 /* 64 MiB: 4 GiB of 4K leaves needs ~2054 tables */

static uint8_t *pool;
static uint64_t free_list[POOL_PAGES];
static unsigned free_count;
static unsigned in_use, peak;

static uint64_t pool_alloc(void *ctx)
{
	(void)ctx;
	if (!free_count)
		return 0;
	uint64_t phys = free_list[--free_count];
	memset((void *)(uintptr_t)phys, 0, 4096);
	if (++in_use > peak)
		peak = in_use;
	return phys;
}

static void pool_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	free_list[free_count++] = phys;
	in_use--;
}

static uint64_t *pool_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (uint64_t *)(uintptr_t)phys;
}

static void clflush_range(void *ctx, const void *p, size_t len)
{
	(void)ctx;
	uintptr_t a = (uintptr_t)p & ~63ul, end = (uintptr_t)p + len;
	for (; a < end; a += 64)
		__asm__ volatile("clflush %0" : "+m"(*(volatile char *)a));
}

static void pool_init(void)
{
	pool = aligned_alloc(4096, (size_t)POOL_PAGES * 4096);
	if (!pool) {
		perror("pool");
		exit(1);
	}
	memset(pool, 0, (size_t)POOL_PAGES * 4096);
	for (unsigned i = 0; i < POOL_PAGES; i++)
		free_list[free_count++] = (uint64_t)(uintptr_t)(pool + (size_t)(POOL_PAGES - 1 - i) * 4096);
}

/* ---- clocks ------------------------------------------------------------------------ */

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

static int insn_fd = -1;

static void insn_open(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	insn_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static uint64_t insn(void)
{
	uint64_t v = 0;
	if (insn_fd < 0 || read(insn_fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* ---- the measurements ---------------------------------------------------------------- */

struct variant {
	const char *name;
	struct pt_format fmt;
	struct pt_env env;
	uint64_t flags;
};

/* One run's totals, in TSC cycles and instructions. */
struct sample {
	uint64_t map, unmap, bulk_map, bulk_unmap, map_insn, unmap_insn;
};

struct result {
	double map, unmap, bulk_map, bulk_unmap; /* cycles per leaf */
	double map_insn, unmap_insn;             /* instructions per call; < 0: n/a */
};

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_pt: %s failed (%d)\n", what, err);
	exit(1);
}

/* Maps n leaves of `leaf` bytes one call each, unmaps them one call each,
 * then maps and unmaps the whole run in one call each. */
static struct sample run_once(const struct variant *v, uint64_t leaf, unsigned n)
{
	/* pa congruent to va modulo the leaf size only, so that the bulk
	 * calls, too, use leaves of that size and no larger. */
	const uint64_t va0 = 64 * GIB, pa0 = 128 * GIB + (leaf < GIB ? leaf : 0);
	struct pt pt;
	int err;

	if ((err = pt_init(&pt, &v->fmt, &v->env)))
		die("pt_init", err);
	uint64_t i0 = insn(), t0 = tsc();
	for (unsigned i = 0; i < n; i++)
		if ((err = pt_map(&pt, va0 + i * leaf, pa0 + i * leaf, leaf, v->flags)))
			die("pt_map", err);
	uint64_t t1 = tsc(), i1 = insn();
	for (unsigned i = 0; i < n; i++)
		if ((err = pt_unmap(&pt, va0 + i * leaf, leaf)))
			die("pt_unmap", err);
	uint64_t t2 = tsc(), i2 = insn();
	if (pt.tables != 1)
		die("unmap leaving tables", (int)pt.tables);
	if ((err = pt_map(&pt, va0, pa0, n * leaf, v->flags)))
		die("pt_map (bulk)", err);
	uint64_t t3 = tsc();
	if ((err = pt_unmap(&pt, va0, n * leaf)))
		die("pt_unmap (bulk)", err);
	uint64_t t4 = tsc();
	pt_destroy(&pt);
	return (struct sample){ t1 - t0, t2 - t1, t3 - t2, t4 - t3, i1 - i0, i2 - i1 };
}

static struct result summarise(const struct sample *s, unsigned n)
{
	uint64_t v[6][RUNS];

	for (unsigned r = 0; r < RUNS; r++) {
		v[0][r] = s[r].map;
		v[1][r] = s[r].unmap;
		v[2][r] = s[r].bulk_map;
		v[3][r] = s[r].bulk_unmap;
		v[4][r] = s[r].map_insn;
		v[5][r] = s[r].unmap_insn;
	}
	return (struct result){
		.map = (double)median(v[0], RUNS) / n,
		.unmap = (double)median(v[1], RUNS) / n,
		.bulk_map = (double)median(v[2], RUNS) / n,
		.bulk_unmap = (double)median(v[3], RUNS) / n,
		.map_insn = insn_fd < 0 ? -1 : (double)median(v[4], RUNS) / n,
		.unmap_insn = insn_fd < 0 ? -1 : (double)median(v[5], RUNS) / n,
	};
}

/* Table pages in a fresh tree holding `gib` GiB mapped with `leaf` leaves
 * (root included). */
static unsigned tables_for(const struct variant *v, uint64_t leaf, unsigned gib)
{
	struct pt pt;
	int err;
	/* pa congruent to va only modulo the leaf size: no larger leaves. */
	uint64_t pa = 256 * GIB + (leaf < GIB ? leaf : 0);

	if ((err = pt_init(&pt, &v->fmt, &v->env)))
		die("pt_init", err);
	if ((err = pt_map(&pt, 16 * GIB, pa, gib * GIB, v->flags)))
		die("pt_map", err);
	unsigned n = pt.tables;
	pt_destroy(&pt);
	return n;
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (v < 0)
		snprintf(buf, len, "n/a");
	else if (v < 10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.0f", v);
}

int main(void)
{
	static const struct { uint64_t size; const char *name; unsigned n; } leaves[] = {
		{ 4 * KIB, "4K", 16384 }, { 2048 * KIB, "2M", 2048 }, { GIB, "1G", 64 },
	};
	struct variant v[3];
	const struct pt_env env = { .alloc_table = pool_alloc, .free_table = pool_free,
				    .table_ptr = pool_ptr };

	pool_init();
	insn_open();

	v[0] = (struct variant){ .name = "x86-64 4-level", .fmt = pt_format_x86_4level,
				 .env = env, .flags = PTE_W | PTE_NX };
	v[0].fmt.large_levels |= 1u << 2;
	v[1] = (struct variant){ .name = "VT-d SL 4-level", .env = env,
				 .flags = VTD_SL_R | VTD_SL_W };
	vtd_sl_format(&v[1].fmt, 4, true, true);
	v[2] = v[1];
	v[2].name = "VT-d SL 4L clflush";
	v[2].env.flush = clflush_range;

	char cpu[128] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		char line[256];
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "model name", 10)) {
				char *c = strchr(line, ':');
				if (c) {
					snprintf(cpu, sizeof(cpu), "%s", c + 2);
					cpu[strcspn(cpu, "\n")] = 0;
				}
				break;
			}
		fclose(f);
	}

	printf("page-table engine (arch/x86/pt.c), host: %s\n", cpu);
	printf("TSC cycles per leaf, median of %d runs; \"per call\": one leaf per\n"
	       "pt_map/pt_unmap over a run of N consecutive leaves; \"bulk\": the run in\n"
	       "one call. insn: user-mode instructions per call (%s).\n\n", RUNS,
	       insn_fd < 0 ? "n/a: perf events not available" : "perf events");
	printf("%-20s %4s %6s %10s %10s %10s %10s %9s %9s\n", "format", "leaf", "N",
	       "map/call", "unmap/call", "map bulk", "unmap bulk", "map insn", "unmap insn");
	/* Runs interleaved across the cases, so that a slow stretch of the
	 * host (a busy sibling thread, a frequency change) hits them alike. */
	static struct sample samples[3][3][RUNS];
	for (unsigned r = 0; r < RUNS; r++)
		for (unsigned k = 0; k < 3; k++)
			for (unsigned l = 0; l < 3; l++)
				samples[k][l][r] = run_once(&v[k], leaves[l].size, leaves[l].n);
	for (unsigned k = 0; k < 3; k++) {
		for (unsigned l = 0; l < 3; l++) {
			struct result r = summarise(samples[k][l], leaves[l].n);
			char a[16], b[16], c[16], d[16], e[16], g[16];
			fmt_num(a, sizeof(a), r.map);
			fmt_num(b, sizeof(b), r.unmap);
			fmt_num(c, sizeof(c), r.bulk_map);
			fmt_num(d, sizeof(d), r.bulk_unmap);
			fmt_num(e, sizeof(e), r.map_insn);
			fmt_num(g, sizeof(g), r.unmap_insn);
			printf("%-20s %4s %6u %10s %10s %10s %10s %9s %9s\n", l ? "" : v[k].name,
			       leaves[l].name, leaves[l].n, a, b, c, d, e, g);
		}
	}

	printf("\ntable pages (4 KiB each) for a mapping, root included\n");
	printf("%-20s %4s %10s %10s %14s %12s\n", "format", "leaf", "1 GiB", "4 GiB",
	       "per extra GiB", "of memory");
	for (unsigned k = 0; k < 2; k++) {
		for (unsigned l = 0; l < 3; l++) {
			unsigned t1 = tables_for(&v[k], leaves[l].size, 1);
			unsigned t4 = tables_for(&v[k], leaves[l].size, 4);
			double per = (t4 - t1) / 3.0;
			printf("%-20s %4s %10u %10u %14.0f %11.4f%%\n", l ? "" : v[k].name,
			       leaves[l].name, t1, t4, per, per * 4096 * 100 / (double)GIB);
		}
	}
	if (in_use)
		die("tables leaked", (int)in_use);
	return 0;
}
