/* Self-tests of PCI enumeration, DMA aliases, IOMMU groups and remapping
 * units against the topology the boot test built (expect.* options). */
#include "arch/x86/sizes.h"
#include "hv/platform.h"
#include "hv/selftest/selftest.h"

#include <stdio.h>

/* Always with the segment, unlike pci_bdf_format(): the self-tests' reports
 * have named functions so from the start. */
static const char *name(pci_sbdf_t s)
{
	static char buf[4][16];
	static unsigned next;
	char *b = buf[next++ % 4];
	struct pci_bdf d = pci_bdf_unpack(s);

	snprintf(b, sizeof(buf[0]), "%04x:%02x:%02x.%u", d.segment, d.bus, d.dev, d.fn);
	return b;
}

static const struct pci_function *find(pci_sbdf_t s)
{
	int i = pci_find(platform.pci, pci_bdf_unpack(s));
	return i < 0 ? NULL : &platform.pci->fn[i];
}

static enum selftest_result pci_groups(struct selftest_ctx *ctx)
{
	const struct expectations *e = &ctx->opts->expect;

	if (!e->group_count)
		return selftest_skip(ctx, "no expect.group given");
	CHECK(platform.pci, "PCI not enumerated");
	for (unsigned g = 0; g < e->group_count; g++) {
		const struct pci_function *first = find(e->group[g].member[0]);
		CHECK(first, "%s not found", name(e->group[g].member[0]));
		unsigned in_group = 0;
		for (unsigned i = 0; i < platform.pci->count; i++)
			in_group += platform.pci->fn[i].group == first->group;
		for (unsigned m = 1; m < e->group[g].count; m++) {
			const struct pci_function *f = find(e->group[g].member[m]);
			CHECK(f, "%s not found", name(e->group[g].member[m]));
			CHECK(f->group == first->group, "%s is in group %u, %s in group %u",
			      name(e->group[g].member[m]), f->group,
			      name(e->group[g].member[0]), first->group);
		}
		CHECK(in_group == e->group[g].count, "group %u of %s has %u functions, expected %u",
		      first->group, name(e->group[g].member[0]), in_group, e->group[g].count);
		selftest_diag("group %u: %u functions as expected", first->group, in_group);
	}
	return SELFTEST_PASS;
}

static enum selftest_result pci_dma_aliases(struct selftest_ctx *ctx)
{
	const struct expectations *e = &ctx->opts->expect;

	if (!e->alias_count)
		return selftest_skip(ctx, "no expect.alias given");
	CHECK(platform.pci, "PCI not enumerated");
	for (unsigned a = 0; a < e->alias_count; a++) {
		const struct pci_function *f = find(e->alias[a].function);
		CHECK(f, "%s not found", name(e->alias[a].function));
		uint16_t seen = f->alias[f->alias_count - 1];
		CHECK(seen == (e->alias[a].requester & 0xffff),
		      "the IOMMU sees %s as %02x:%02x.%u, expected %s", name(e->alias[a].function),
		      seen >> 8, (seen >> 3) & 0x1f, seen & 7, name(e->alias[a].requester));
	}
	return SELFTEST_PASS;
}

static enum selftest_result pci_units(struct selftest_ctx *ctx)
{
	if (!ctx->opts->expect.units_all)
		return selftest_skip(ctx, "no expect.units given");
	CHECK(platform.pci && platform.pci->count, "PCI not enumerated");
	CHECK(platform_has_vtd(), "no usable DMAR");
	for (unsigned i = 0; i < platform.pci->count; i++) {
		const struct pci_function *f = &platform.pci->fn[i];
		CHECK(f->unit >= 0, "%04x:%02x:%02x.%u has no remapping unit", f->bdf.segment,
		      f->bdf.bus, f->bdf.dev, f->bdf.fn);
	}
	selftest_diag("%u functions, each behind a unit", platform.pci->count);
	return SELFTEST_PASS;
}

static const struct selftest tests[] = {
	{ "pci_groups", pci_groups },
	{ "pci_dma_aliases", pci_dma_aliases },
	{ "pci_units", pci_units },
};

const struct selftest_suite selftest_suite_pci = { "pci", tests,
						       ARRAY_SIZE(tests) };
