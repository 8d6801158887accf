#include "hv/selftest.h"

#include <stdio.h>

static const struct selftest_suite *const suites[] = {
	&selftest_suite_platform,
	&selftest_suite_pci,
	&selftest_suite_memory,
	&selftest_suite_cpu,
};

#define SUITE_COUNT (sizeof(suites) / sizeof(suites[0]))

enum selftest_result selftest_skip(struct selftest_ctx *ctx, const char *reason)
{
	snprintf(ctx->skip_reason, sizeof(ctx->skip_reason), "%s", reason);
	return SELFTEST_SKIP;
}

unsigned selftest_run_all(const struct boot_info *bi, const struct hv_options *opts)
{
	size_t total = 0;
	unsigned number = 0, failed = 0;

	for (size_t s = 0; s < SUITE_COUNT; s++)
		total += suites[s]->count;
	log_raw("KTAP version 1\n1..%zu\n", total);
	for (size_t s = 0; s < SUITE_COUNT; s++) {
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
