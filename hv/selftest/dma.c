/* Boot self-tests of DMA remapping with QEMU's edu devices (issue: "VT-d
 * DMA remapping"): edu 0 and 1 are driven through the DMA API, each in its
 * own domain; edu 2, if present, is owned by nobody. */
#include "arch/x86/cpu.h"
#include "arch/x86/page.h"
#include "arch/x86/pt.h"
#include "arch/x86/sizes.h"
#include "arch/x86/time.h"
#include "hv/remap/dma.h"
#include "hv/remap/faults.h"
#include "hv/remap/units.h"
#include "hv/selftest/edu.h"
#include "hv/selftest/selftest.h"
#include "iommu/vtd_caps.h"

#include <string.h>

#define FAULT_WAIT_US 200000
#define REASON_CONTEXT_NOT_PRESENT 0x2
#define REASON_WRITE 0x5

struct dma_rig {
	bool ready;
	struct edu edu[2];
	struct dma_device dev[2];
};

static struct dma_rig rig;

static void *va(uint64_t phys)
{
	return (void *)(uintptr_t)phys;
}

static enum selftest_result need_rig(struct selftest_ctx *ctx)
{
	if (!iommu_active())
		return selftest_skip(ctx, "VT-d not active");
	if (!edu_find(1))
		return selftest_skip(ctx, "needs two edu devices");
	if (rig.ready)
		return SELFTEST_PASS;
	for (unsigned i = 0; i < 2; i++) {
		const struct pci_function *f = edu_find(i);
		CHECK(edu_open(&rig.edu[i], f) == 0, "edu %u has no usable BAR", i);
		CHECK(dma_device_init(&rig.dev[i], f, EDU_DMA_MASK) == 0,
		      "edu %u: no DMA domain", i);
		CHECK(rig.dev[i].remapped, "edu %u is not behind a remapping unit", i);
	}
	rig.ready = true;
	return SELFTEST_PASS;
}

static void fill(uint64_t phys, uint8_t seed, size_t len)
{
	uint8_t *p = va(phys);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static bool filled(uint64_t phys, uint8_t seed, size_t len)
{
	const uint8_t *p = va(phys);
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

static bool zeroed(uint64_t phys, size_t len)
{
	const uint8_t *p = va(phys);
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Puts a known pattern into the first bytes of device `i`'s buffer. */
static bool load_device(unsigned i, uint8_t seed)
{
	uint64_t page = page_alloc_zeroed(1, 1), iova;
	bool ok = page && dma_map(&rig.dev[i], page, PAGE_SIZE, DMA_TO_DEVICE, &iova) == 0;

	if (ok) {
		fill(page, seed, PAGE_SIZE);
		ok = edu_dma(&rig.edu[i], iova, 0, 256, false) == 0;
		dma_unmap(&rig.dev[i], iova, PAGE_SIZE);
	}
	if (page)
		page_free(page, 1);
	return ok;
}

/* The first fault logged after `since`, waiting (bounded) for the
 * interrupt that reports it. */
static const struct vtd_fault *fault_after(unsigned long since)
{
	uint64_t deadline = deadline_after_us(FAULT_WAIT_US);

	/* Not HLT: an interrupt between the check and the HLT would leave
	 * nothing to wake the CPU, and every wait here is bounded. */
	while (iommu_faults()->total == since && !deadline_passed(deadline))
		cpu_relax();
	const struct iommu_fault_log *log = iommu_faults();
	return log->total > since ? &log->entry[since % IOMMU_FAULT_LOG] : NULL;
}

static uint64_t high_page(void)
{
	return page_alloc_zeroed_range(1, 1, 4 * GIB, UINT64_MAX);
}

static enum selftest_result dma_no_bounce_buffer(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	uint64_t src = high_page(), dst = high_page(), in, out;

	CHECK(src && dst, "no memory above 4 GiB (boot with -m 6G)");
	fill(src, 0x11, EDU_DMA_MAX);
	CHECK(dma_map(&rig.dev[0], src, EDU_DMA_MAX, DMA_TO_DEVICE, &in) == 0, "map source");
	CHECK(dma_map(&rig.dev[0], dst, EDU_DMA_MAX, DMA_FROM_DEVICE, &out) == 0, "map destination");
	selftest_diag("buffers at %#llx and %#llx seen as IOVA %#llx and %#llx",
		      (unsigned long long)src, (unsigned long long)dst,
		      (unsigned long long)in, (unsigned long long)out);
	CHECK(in < 256 * MIB && out < 256 * MIB, "IOVAs outside the 28-bit window");
	CHECK(edu_dma(&rig.edu[0], in, 0, EDU_DMA_MAX, false) == 0, "DMA to the device");
	CHECK(edu_dma(&rig.edu[0], out, 0, EDU_DMA_MAX, true) == 0, "DMA to RAM");
	CHECK(filled(dst, 0x11, EDU_DMA_MAX), "data did not round-trip");
	CHECK(dma_unmap(&rig.dev[0], in, EDU_DMA_MAX) == 0 &&
	      dma_unmap(&rig.dev[0], out, EDU_DMA_MAX) == 0, "unmap");
	page_free(src, 1);
	page_free(dst, 1);
	return SELFTEST_PASS;
}

static enum selftest_result dma_scattered_pages_contiguous(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	uint64_t pattern = high_page(), pages[2] = { high_page(), 0 }, gap = high_page();
	uint64_t iova, src;

	pages[1] = high_page();
	CHECK(pattern && pages[0] && pages[1] && gap, "out of memory");
	CHECK(pages[1] != pages[0] + PAGE_SIZE, "pages happen to be adjacent");
	fill(pattern, 0x5a, EDU_DMA_MAX);
	memset(va(pages[0]), 0xee, PAGE_SIZE);
	memset(va(pages[1]), 0xee, PAGE_SIZE);
	CHECK(dma_map(&rig.dev[0], pattern, EDU_DMA_MAX, DMA_TO_DEVICE, &src) == 0, "map");
	CHECK(edu_dma(&rig.edu[0], src, 0, EDU_DMA_MAX, false) == 0, "load the device buffer");
	CHECK(dma_map_sg(&rig.dev[0], pages, 2, DMA_FROM_DEVICE, &iova) == 0, "map_sg");
	/* 4095 bytes starting half-way into the first page. */
	CHECK(edu_dma(&rig.edu[0], iova + PAGE_SIZE / 2, 0, EDU_DMA_MAX, true) == 0, "DMA");
	const uint8_t *a = va(pages[0]), *b = va(pages[1]);
	for (unsigned i = 0; i < PAGE_SIZE / 2; i++)
		CHECK(a[i] == 0xee, "first page written below the transfer at %u", i);
	CHECK(memcmp(a + PAGE_SIZE / 2, va(pattern), PAGE_SIZE / 2) == 0, "first half wrong");
	CHECK(memcmp(b, (uint8_t *)va(pattern) + PAGE_SIZE / 2, EDU_DMA_MAX - PAGE_SIZE / 2) == 0,
	      "second half wrong");
	CHECK(b[EDU_DMA_MAX - PAGE_SIZE / 2] == 0xee, "second page written past the transfer");
	CHECK(dma_unmap(&rig.dev[0], iova, 2 * PAGE_SIZE) == 0 &&
	      dma_unmap(&rig.dev[0], src, EDU_DMA_MAX) == 0, "unmap");
	page_free(pattern, 1);
	page_free(pages[0], 1);
	page_free(pages[1], 1);
	page_free(gap, 1);
	return SELFTEST_PASS;
}

/* A write through `edu` to `iova` must fault, decoded as a write fault of
 * that device at that page, and leave `watch` (its would-be target) alone. */
static enum selftest_result expect_write_fault(struct edu *edu, uint64_t iova, uint64_t watch,
					       uint8_t reason)
{
	unsigned long before = iommu_faults()->total;
	uint16_t sid = pci_requester_id(edu->fn->bdf);

	fill(watch, 0x77, PAGE_SIZE);
	CHECK(edu_dma(edu, iova, 0, 64, true) == 0, "DMA did not complete");
	const struct vtd_fault *f = fault_after(before);
	CHECK(f, "no fault reported");
	selftest_diag("fault: %02x:%02x.%u at %#llx reason %#x (%s)", f->sid >> 8,
		      (f->sid >> 3) & 0x1f, f->sid & 7, (unsigned long long)f->address,
		      f->reason, f->read ? "read" : "write");
	CHECK(f->sid == sid, "fault names %04x, the device is %04x", f->sid, sid);
	CHECK(f->address == (iova & ~(PAGE_SIZE - 1)), "fault address %#llx, expected %#llx",
	      (unsigned long long)f->address, (unsigned long long)(iova & ~(PAGE_SIZE - 1)));
	CHECK(f->reason == reason && !f->read, "reason %#x, expected write fault %#x",
	      f->reason, reason);
	CHECK(filled(watch, 0x77, PAGE_SIZE), "the blocked DMA wrote memory");
	return SELFTEST_PASS;
}

static enum selftest_result dma_unmapped_iova_faults(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	/* An IOVA no mapping uses, whose identity page is RAM we watch: a
	 * write that bypassed translation would land there. */
	uint64_t iova = 0x0f000000, watch = page_alloc_zeroed_range(1, 1, iova, iova + PAGE_SIZE);

	CHECK(watch == iova, "page %#llx not available", (unsigned long long)iova);
	enum selftest_result r = expect_write_fault(&rig.edu[0], iova, watch, REASON_WRITE);
	page_free(watch, 1);
	if (r != SELFTEST_PASS)
		return r;
	/* The device still works afterwards. */
	uint64_t ok_page = high_page(), ok;
	CHECK(ok_page && dma_map(&rig.dev[0], ok_page, PAGE_SIZE, DMA_FROM_DEVICE, &ok) == 0, "map");
	unsigned long before = iommu_faults()->total;
	CHECK(edu_dma(&rig.edu[0], ok, 0, 64, true) == 0, "next DMA");
	CHECK(iommu_faults()->total == before, "the next DMA faulted");
	dma_unmap(&rig.dev[0], ok, PAGE_SIZE);
	page_free(ok_page, 1);
	return SELFTEST_PASS;
}

static enum selftest_result dma_unmap_then_fault(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	uint64_t page = high_page(), iova;

	CHECK(page, "out of memory");
	CHECK(dma_map(&rig.dev[0], page, PAGE_SIZE, DMA_FROM_DEVICE, &iova) == 0, "map");
	unsigned long before = iommu_faults()->total;
	CHECK(edu_dma(&rig.edu[0], iova, 0, 64, true) == 0, "DMA while mapped");
	CHECK(iommu_faults()->total == before, "mapped DMA faulted");
	CHECK(dma_unmap(&rig.dev[0], iova, PAGE_SIZE) == 0, "unmap");
	/* A missing IOTLB invalidation lets this one through. */
	enum selftest_result r = expect_write_fault(&rig.edu[0], iova, page, REASON_WRITE);
	page_free(page, 1);
	return r;
}

/* The same IOVA in two domains reaches two different buffers, and an IOVA
 * only the first domain maps faults for the second device. */
static enum selftest_result dma_domains_isolated(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	const uint64_t shared = 0x08000000, only_a = shared + PAGE_SIZE;
	struct vtd_domain *a = &rig.dev[0].domain, *b = &rig.dev[1].domain;
	uint64_t pa = high_page(), pb = high_page(), pj = high_page();
	unsigned long before = iommu_faults()->total;

	CHECK(pa && pb && pj, "out of memory");
	CHECK(vtd_domain_map(a, shared, pa, PAGE_SIZE, VTD_SL_W) == 0 &&
	      vtd_domain_map(a, only_a, pj, PAGE_SIZE, VTD_SL_W) == 0 &&
	      vtd_domain_map(b, shared, pb, PAGE_SIZE, VTD_SL_W) == 0, "map");
	memset(va(pa), 0, PAGE_SIZE);
	memset(va(pb), 0, PAGE_SIZE);
	CHECK(load_device(0, 0x21) && load_device(1, 0x42), "load the device buffers");
	before = iommu_faults()->total;
	CHECK(edu_dma(&rig.edu[1], shared, 0, 64, true) == 0, "DMA by B");
	CHECK(filled(pb, 0x42, 64) && zeroed(pa, PAGE_SIZE), "B's write did not stay in B's buffer");
	CHECK(edu_dma(&rig.edu[0], shared, 0, 64, true) == 0, "DMA by A");
	CHECK(filled(pa, 0x21, 64) && filled(pb, 0x42, 64), "A's write did not stay in A's buffer");
	CHECK(iommu_faults()->total == before, "a mapped DMA faulted");
	enum selftest_result r = expect_write_fault(&rig.edu[1], only_a, pj, REASON_WRITE);
	vtd_domain_unmap(a, shared, 2 * PAGE_SIZE);
	vtd_domain_unmap(b, shared, PAGE_SIZE);
	page_free(pa, 1);
	page_free(pb, 1);
	page_free(pj, 1);
	return r;
}

/* edu 2, which nobody owns, and a page it could reach if translation let
 * it: its identity address below 256 MiB. */
struct stray {
	struct edu edu;
	uint64_t watch;
};

static const uint64_t stray_target = 0x0e000000;

static enum selftest_result open_stray(struct selftest_ctx *ctx, struct stray *s)
{
	const struct pci_function *f = edu_find(2);

	if (!f)
		return selftest_skip(ctx, "needs a third edu device");
	CHECK(edu_open(&s->edu, f) == 0, "edu 2 has no usable BAR");
	s->watch = page_alloc_zeroed_range(1, 1, stray_target, stray_target + PAGE_SIZE);
	CHECK(s->watch, "page %#llx not available", (unsigned long long)stray_target);
	return SELFTEST_PASS;
}

static void close_stray(struct stray *s)
{
	edu_close(&s->edu);
	page_free(s->watch, 1);
}

static enum selftest_result dma_unowned_device_faults(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	struct stray s;
	enum selftest_result r = open_stray(ctx, &s);

	if (r != SELFTEST_PASS)
		return r;
	r = expect_write_fault(&s.edu, s.watch, s.watch, REASON_CONTEXT_NOT_PRESENT);
	close_stray(&s);
	return r;
}

/* Quarantine silences a device: its DMA neither lands nor raises faults. */
static enum selftest_result dma_quarantine(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	struct stray s;
	enum selftest_result r = open_stray(ctx, &s);

	if (r != SELFTEST_PASS)
		return r;
	const struct pci_bdf d = s.edu.fn->bdf;
	CHECK(iommu_quarantine_function(NULL, s.edu.fn) == 0, "quarantine");
	CHECK(!(pci_read16(d, PCI_COMMAND) & PCI_COMMAND_BUS_MASTER), "bus master still on");
	/* Even with bus mastering forced back on, fault processing is off. */
	pci_command_update(d, PCI_COMMAND_BUS_MASTER, 0);
	fill(s.watch, 0x77, PAGE_SIZE);
	unsigned long before = iommu_faults()->total;
	int err = edu_dma(&s.edu, s.watch, 0, 64, true);
	time_delay_us(FAULT_WAIT_US);
	bool untouched = filled(s.watch, 0x77, PAGE_SIZE);
	close_stray(&s);
	CHECK(!err, "DMA did not complete");
	CHECK(untouched, "a quarantined device wrote memory");
	CHECK(iommu_faults()->total == before, "a quarantined device still reports faults");
	return SELFTEST_PASS;
}

static enum selftest_result dma_gib_with_1g_leaves(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	struct vtd_unit *u = rig.dev[0].domain.unit;
	struct vtd_domain d;
	uint64_t leaf = 0, pa;

	if (!(cap_sllps(u->cap) & 2))
		return selftest_skip(ctx, "the unit has no 1 GiB superpages");
	uint64_t chunk = page_alloc_zeroed_range(GIB / PAGE_SIZE, GIB / PAGE_SIZE, 4 * GIB, UINT64_MAX);
	CHECK(chunk, "no 1 GiB-aligned GiB free");
	CHECK(vtd_domain_create(u, &d) == 0, "domain");
	CHECK(vtd_domain_map(&d, 0, chunk, GIB, VTD_SL_R | VTD_SL_W) == 0, "map");
	CHECK(pt_lookup(&d.pt, 0x12345000, &pa, NULL, &leaf) == 0, "lookup");
	selftest_diag("1 GiB mapped with %u table pages, %u-level tables, leaf %llu MiB",
		      d.pt.tables, u->levels, (unsigned long long)(leaf >> 20));
	CHECK(leaf == GIB && pa == chunk + 0x12345000, "leaf %#llx", (unsigned long long)leaf);
	CHECK(d.pt.tables == u->levels - 2, "%u table pages", d.pt.tables);

	/* And a device sees it: edu 0 moved into this domain for one DMA. */
	const struct pci_function *f = rig.dev[0].fn;
	CHECK(load_device(0, 0x63), "load the device buffer");
	CHECK(iommu_detach_function(&rig.dev[0].domain, f) == 0, "detach");
	int err = iommu_attach_function(&d, f);
	if (!err)
		err = edu_dma(&rig.edu[0], 0x100000, 0, 64, true);
	iommu_detach_function(&d, f);
	CHECK(iommu_attach_function(&rig.dev[0].domain, f) == 0, "reattach");
	CHECK(!err, "DMA through the 1 GiB leaf");
	CHECK(filled(chunk + 0x100000, 0x63, 64), "the DMA did not land in the GiB");
	vtd_domain_unmap(&d, 0, GIB);
	vtd_domain_destroy(&d);
	page_free(chunk, GIB / PAGE_SIZE);
	return SELFTEST_PASS;
}

static const struct selftest tests[] = {
	{ "dma_no_bounce_buffer", dma_no_bounce_buffer },
	{ "dma_scattered_pages_contiguous", dma_scattered_pages_contiguous },
	{ "dma_unmapped_iova_faults", dma_unmapped_iova_faults },
	{ "dma_unmap_then_fault", dma_unmap_then_fault },
	{ "dma_domains_isolated", dma_domains_isolated },
	{ "dma_unowned_device_faults", dma_unowned_device_faults },
	{ "dma_quarantine", dma_quarantine },
	{ "dma_gib_with_1g_leaves", dma_gib_with_1g_leaves },
};

const struct selftest_suite selftest_suite_dma = { "dma", tests,
						       ARRAY_SIZE(tests) };
