/* libFuzzer target: hv/guest/config_parse.c's config_parse() on arbitrary
 * bytes, then config_check.c's config_validate() of whatever it parsed on a
 * fixed machine, as hv does to print every error at once. The input is not
 * NUL-terminated (libFuzzer gives exactly `size` bytes), so a read past
 * `len` is a read past the buffer, which ASan reports. Checks the
 * invariants a caller relies on. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hv/guest/config.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define SBDF(b, d, f) ((pci_sbdf_t)((b) << 8 | (d) << 3 | (f)))

static const struct config_pci_function functions[] = {
	{ SBDF(0, 0, 0), 0, 0x060000, false },
	{ SBDF(0, 1, 0), 1, 0x030000, false },
	{ SBDF(0, 4, 0), 2, 0x00ff00, false },
	{ SBDF(0, 5, 0), 3, 0x060400, false },
	{ SBDF(1, 0, 0), 3, 0x020000, true },
	{ SBDF(1, 0, 1), 3, 0x020000, true },
	{ SBDF(0, 6, 0), 4, 0x0c0330, false },
	{ SBDF(0, 6, 1), 4, 0x0c0320, false },
};

static const struct config_platform machine = {
	.cpu_count = 4,
	.free_memory = 2ull << 30,
	.pci_count = sizeof(functions) / sizeof(functions[0]),
	.pci = functions,
};

static struct hv_config c;
static struct config_errors errs;

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int rc = config_parse((const char *)data, size, "fuzz.cfg", &c, &errs);
	CHECK(rc == 0 || rc == -EINVAL);
	CHECK((rc == 0) == (errs.count == 0 && errs.dropped == 0));
	CHECK(c.guest_count <= HV_CONFIG_MAX_GUESTS);
	CHECK(terminated(c.hv.selftest_suites, sizeof(c.hv.selftest_suites)));
	for (unsigned i = 0; i < c.guest_count; i++) {
		const struct config_guest *g = &c.guest[i];
		CHECK(g->line && g->cpu_count <= HV_GUEST_MAX_CPUS);
		CHECK(g->pci_count <= CONFIG_GUEST_PCI_MAX);
		CHECK(g->memory <= HV_GUEST_MEM_MAX && g->memory % (2u << 20) == 0);
		CHECK(terminated(g->name, sizeof(g->name)) && g->name[0]);
		CHECK(terminated(g->image, sizeof(g->image)));
		CHECK(terminated(g->cmdline, sizeof(g->cmdline)));
		for (unsigned j = 0; j < g->cpu_count; j++)
			CHECK(g->cpu[j] <= CONFIG_CPU_INDEX_MAX);
		/* A guest without errors has everything it needs. */
		if (rc == 0)
			CHECK(g->cpu_count && g->memory && g->image[0]);
	}

	unsigned before = errs.count + errs.dropped;
	int vrc = config_validate(&c, &machine, &errs);
	CHECK((vrc == 0) == (errs.count + errs.dropped == before));
	CHECK(errs.count <= CONFIG_ERRORS_MAX);
	for (unsigned i = 0; i < errs.count; i++)
		CHECK(terminated(errs.msg[i], CONFIG_ERROR_LEN) &&
		      !strncmp(errs.msg[i], "fuzz.cfg:", 9));
	return 0;
}
