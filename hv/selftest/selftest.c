#include "hv/selftest/selftest.h"
#include "arch/x86/sizes.h"

#include <stdio.h>
#include <string.h>

static const struct selftest_suite *const suites[] = {
	&selftest_suite_platform,
	&selftest_suite_pci,
	&selftest_suite_memory,
	&selftest_suite_cpu,
	&selftest_suite_dma,
	&selftest_suite_irq,
	&selftest_suite_irqbench,
};

#define SUITE_COUNT (ARRAY_SIZE(suites))

enum selftest_result selftest_skip(struct selftest_ctx *ctx, const char *reason)
{
	snprintf(ctx->skip_reason, sizeof(ctx->skip_reason), "%s", reason);
	return SELFTEST_SKIP;
}

/* `selftest` alone runs everything; `selftest=a,b` the suites named. */
static bool selected(const struct hv_options *opts, const char *name)
{
	size_t len = strlen(name);
	const char *p = opts->selftest_suites;

	if (!*p)
		return true;
	for (; (p = strstr(p, name)); p += len)
		if ((p == opts->selftest_suites || p[-1] == ',') && (!p[len] || p[len] == ','))
			return true;
	return false;
}

/* Every name in the selection must be a suite: a typo must not turn into
 * a run that tests nothing and passes. */
static bool selection_valid(const struct hv_options *opts)
{
	const char *p = opts->selftest_suites;

	while (*p) {
		size_t len = strcspn(p, ",");
		bool known = false;
		for (size_t s = 0; s < SUITE_COUNT; s++)
			known |= strlen(suites[s]->name) == len && !strncmp(suites[s]->name, p, len);
		if (!known) {
			log_err("selftest: no suite named '%.*s'\n", (int)len, p);
			return false;
		}
		p += len + (p[len] == ',');
	}
	return true;
}

unsigned selftest_run_all(const struct boot_info *bi, const struct hv_options *opts)
{
	size_t total = 0;
	unsigned number = 0, failed = 0;

	if (!selection_valid(opts)) {
		log_raw("KTAP version 1\n1..1\nnot ok 1 selftest_selection\n");
		return 1;
	}

	for (size_t s = 0; s < SUITE_COUNT; s++)
		if (selected(opts, suites[s]->name))
			total += suites[s]->count;
	log_raw("KTAP version 1\n1..%zu\n", total);
	for (size_t s = 0; s < SUITE_COUNT; s++) {
		if (!selected(opts, suites[s]->name))
			continue;
		for (size_t i = 0; i < suites[s]->count; i++) {
			const struct selftest *t = &suites[s]->tests[i];
			struct selftest_ctx ctx = { .bi = bi, .opts = opts };

			enum selftest_result r = t->run(&ctx);
			number++;
			if (r == SELFTEST_PASS)
				log_raw("ok %u %s\n", number, t->name);
			else if (r == SELFTEST_SKIP)
				log_raw("ok %u %s # SKIP %s\n", number, t->name, ctx.skip_reason);
			else
				log_raw("not ok %u %s\n", number, t->name);
			failed += r == SELFTEST_FAIL;
		}
	}
	return failed;
}
