/* Boot self-tests, reported in KTAP (Documentation/dev-tools/ktap.rst) on the
 * console for tests/boot/run.py. */
#ifndef HV_SELFTEST_SELFTEST_H
#define HV_SELFTEST_SELFTEST_H

#include <stddef.h>

#include "arch/x86/log.h"
#include "hv/boot_info.h"
#include "hv/options.h"

enum selftest_result { SELFTEST_PASS, SELFTEST_FAIL, SELFTEST_SKIP };

struct selftest_ctx {
	const struct boot_info *bi;
	const struct hv_options *opts;
	char skip_reason[96];
};

struct selftest {
	const char *name;
	enum selftest_result (*run)(struct selftest_ctx *ctx);
};

struct selftest_suite {
	const char *name;
	const struct selftest *tests;
	size_t count;
};

extern const struct selftest_suite selftest_suite_platform, selftest_suite_pci,
	selftest_suite_memory, selftest_suite_cpu, selftest_suite_dma, selftest_suite_irq,
	selftest_suite_irqbench;

/* Runs every suite the options select; returns the number that failed. */
unsigned selftest_run_all(const struct boot_info *bi, const struct hv_options *opts);

/* A KTAP diagnostic line. */
#define selftest_diag(...) (log_raw("# " __VA_ARGS__), log_raw("\n"))

/* Fails the test with a diagnostic unless `cond` holds. */
#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			log_raw("# %s:%d: check '%s' failed: ", __FILE__,       \
				__LINE__, #cond);                              \
			log_raw(__VA_ARGS__);                                  \
			log_raw("\n");                                         \
			return SELFTEST_FAIL;                                  \
		}                                                              \
	} while (0)

/* Returns from the test unless `setup` (a call giving an enum
 * selftest_result) passed: its failure or skip is the test's. */
#define SELFTEST_REQUIRE(setup)                                                \
	do {                                                                   \
		enum selftest_result r_ = (setup);                             \
		if (r_ != SELFTEST_PASS)                                       \
			return r_;                                             \
	} while (0)

enum selftest_result selftest_skip(struct selftest_ctx *ctx, const char *reason);

#endif
