/* iommu/iova.c on the host: TSC cycles per iova_alloc + iova_free pair at
 * 1k, 10k and 100k live allocations in a 48-bit space, after churn has
 * fragmented it, to show the cost grows with log n.
 *
 *   bench_iova [pairs per run]     (default 300000)
 *
 * Each row: the live allocations, the free ranges and tree heights at the
 * end, then the mean cycles of a pair (free a random live allocation,
 * allocate a new random size): with 4 KiB alignment, with mixed alignments
 * up to 2 MiB, and with 4 KiB alignment on 8 of the allocations only, whose
 * tree paths stay in the cache (the cost without memory misses), and that
 * figure divided by log2 of the nodes in use (flat when the cost is
 * logarithmic). Each figure is the best of three runs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "iommu/iova.h"

#define MAX_LIVE 100000
#define PG IOVA_PAGE_SIZE

static struct iova_node nodes[IOVA_NODES(MAX_LIVE, 1)];
static struct iova_space sp;

struct live {
	uint64_t iova, size;
};
static struct live live[MAX_LIVE];

/* What one iteration does, drawn before timing starts. */
struct step {
	uint32_t slot;
	uint32_t pages;
	uint64_t align;
};
static struct step *steps;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}

/* 1-16 pages mostly, sometimes up to 512 (2 MiB). */
static uint32_t rnd_pages(void)
{
	return rnd() % 16 ? 1 + (uint32_t)(rnd() % 16) : 1 + (uint32_t)(rnd() % 512);
}

/* Half 4 KiB, the rest 8 KiB .. 2 MiB. */
static uint64_t rnd_align(void)
{
	return rnd() % 2 ? PG : PG << (1 + rnd() % 9);
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_iova: %s failed: %d\n", what, rc);
	exit(1);
}

static void alloc_into(struct live *l, uint64_t pages, uint64_t align)
{
	int rc = iova_alloc(&sp, pages * PG, align, &l->iova);

	if (rc)
		die("iova_alloc", rc);
	l->size = pages * PG;
}

/* n live allocations, fragmented by 4n free/alloc pairs. */
static void setup(size_t n)
{
	int rc = iova_init(&sp, PG, (1ull << 48) - 1, nodes, IOVA_NODES(n, 1));

	if (rc)
		die("iova_init", rc);
	if ((rc = iova_reserve(&sp, 0xfee00000, 0x100000)))
		die("iova_reserve", rc);
	for (size_t i = 0; i < n; i++)
		alloc_into(&live[i], rnd_pages(), rnd_align());
	for (size_t k = 0; k < 4 * n; k++) {
		struct live *l = &live[rnd() % n];
		if ((rc = iova_free(&sp, l->iova, l->size)))
			die("iova_free", rc);
		alloc_into(l, rnd_pages(), rnd_align());
	}
}

static double run(size_t ops)
{
	uint64_t t0, t1;

	t0 = __rdtsc();
	for (size_t k = 0; k < ops; k++) {
		const struct step *s = &steps[k];
		struct live *l = &live[s->slot];
		int rc = iova_free(&sp, l->iova, l->size);

		rc |= iova_alloc(&sp, (uint64_t)s->pages * PG, s->align, &l->iova);
		if (rc)
			die("the timed loop", rc);
		l->size = (uint64_t)s->pages * PG;
	}
	t1 = __rdtsc();
	return (double)(t1 - t0) / (double)ops;
}

/* Pairs on random live allocations among the first `slots`. */
static double best_of_3(size_t slots, size_t ops, int aligned)
{
	double best = 0;

	for (int r = 0; r < 3; r++) {
		for (size_t k = 0; k < ops; k++) {
			steps[k].slot = (uint32_t)(rnd() % slots);
			steps[k].pages = rnd_pages();
			steps[k].align = aligned ? rnd_align() : PG;
		}
		double c = run(ops);
		if (r == 0 || c < best)
			best = c;
	}
	return best;
}

/* log2 without libm: exact at powers of two, linear in between (off by
 * less than 0.09). */
static double approx_log2(uint64_t x)
{
	int e = 63 - __builtin_clzll(x);

	return e + ((double)x / (double)(1ull << e) - 1.0);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 10000, 100000 };
	size_t ops = argc > 1 ? strtoull(argv[1], NULL, 0) : 300000;

	if (!ops || !(steps = calloc(ops, sizeof(*steps)))) {
		fprintf(stderr, "usage: bench_iova [ops per size]\n");
		return 2;
	}
	printf("iova: TSC cycles per alloc+free pair, 48-bit space, best of 3 x %zu pairs\n", ops);
	printf("%8s %8s %6s %6s %10s %10s %10s %12s\n", "live", "free", "h.free", "h.live",
	       "4K-align", "mixed", "4K-hot", "hot/log2(n)");
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		struct iova_stats st;
		double plain, mixed, hot;

		setup(n);
		plain = best_of_3(n, ops, 0);
		mixed = best_of_3(n, ops, 1);
		/* The first 8 slots lie anywhere in the space too, but their
		 * paths stay in the cache: the cost without memory misses. */
		hot = best_of_3(8, ops, 0);
		iova_stats(&sp, &st);
		printf("%8zu %8zu %6d %6d %10.0f %10.0f %10.0f %12.1f\n", st.live, st.free_ranges,
		       st.free_height, st.alloc_height, plain, mixed, hot,
		       hot / approx_log2(st.nodes_used));
	}
	free(steps);
	return 0;
}
