/* Self-tests of the page allocator and the hypervisor's page tables. */
#include "arch/x86/exception.h"
#include "arch/x86/page.h"
#include "arch/x86/paging.h"
#include "arch/x86/palloc.h"
#include "arch/x86/pt.h"
#include "arch/x86/sizes.h"
#include "hv/selftest/selftest.h"

#include <string.h>

#define SAMPLE_ALLOCS 64
#define LARGE_PAGES 512 /* 2 MiB, asked 2 MiB aligned */

/* An allocation must lie wholly in usable memory, above 1 MiB, outside
 * the image, aligned, and zeroed. */
static bool allocation_sane(const struct memmap *map, uint64_t phys, uint64_t pages,
			    uint64_t align_pages)
{
	struct image_layout img;
	uint64_t size = pages * PAGE_SIZE;

	image_layout_get(&img);
	if (!phys || phys % (align_pages * PAGE_SIZE) || phys < PALLOC_LOW_LIMIT)
		return false;
	if (memmap_type_of(map, phys, size) != MEM_USABLE)
		return false;
	if (phys < img.end && phys + size > img.base)
		return false;
	const uint64_t *p = (const uint64_t *)(uintptr_t)phys;
	for (uint64_t i = 0; i < size / sizeof(*p); i++)
		if (p[i])
			return false;
	return true;
}

static enum selftest_result memmap_sanity(struct selftest_ctx *ctx)
{
	const struct memmap *map = &ctx->bi->memmap;
	uint64_t pages[SAMPLE_ALLOCS];
	uint64_t before = page_allocator()->free_pages;

	CHECK(map->count > 0, "empty memory map");
	for (unsigned i = 0; i < map->count; i++)
		for (unsigned j = i + 1; j < map->count; j++)
			CHECK(map->region[i].base >= mem_region_end(&map->region[j]) ||
				      map->region[j].base >= mem_region_end(&map->region[i]),
			      "regions %u and %u overlap", i, j);

	for (unsigned i = 0; i < SAMPLE_ALLOCS; i++) {
		pages[i] = page_alloc_zeroed(1, 1);
		CHECK(allocation_sane(map, pages[i], 1, 1), "page %#llx",
		      (unsigned long long)pages[i]);
		memset((void *)(uintptr_t)pages[i], 0xa5, PAGE_SIZE); /* dirty it */
	}
	for (unsigned i = 0; i < SAMPLE_ALLOCS; i++)
		page_free(pages[i], 1);
	/* Freed dirty pages come back zeroed. */
	for (unsigned i = 0; i < SAMPLE_ALLOCS; i++) {
		pages[i] = page_alloc_zeroed(1, 1);
		CHECK(allocation_sane(map, pages[i], 1, 1), "reused page %#llx",
		      (unsigned long long)pages[i]);
	}
	uint64_t large = page_alloc_zeroed(LARGE_PAGES, LARGE_PAGES);
	CHECK(allocation_sane(map, large, LARGE_PAGES, LARGE_PAGES), "2M block %#llx",
	      (unsigned long long)large);
	page_free(large, LARGE_PAGES);
	for (unsigned i = 0; i < SAMPLE_ALLOCS; i++)
		page_free(pages[i], 1);
	CHECK(page_allocator()->free_pages == before, "leaked %lld pages",
	      (long long)(before - page_allocator()->free_pages));
	return SELFTEST_PASS;
}

static enum selftest_result paging_guard_page(struct selftest_ctx *ctx)
{
	struct fault_expectation e = { .vector = VEC_PF,
				       .resume_rip = (uintptr_t)fault_probe_read_resume };
	uint64_t page = page_alloc_zeroed(1, 1);
	(void)ctx;

	CHECK(page, "out of memory");
	CHECK(paging_unmap(page, PAGE_SIZE) == 0, "unmap");
	exception_expect(&e);
	uint64_t v = fault_probe_read(page + 8);
	exception_expect_clear();
	int remap = paging_set_identity(page, PAGE_SIZE, PTE_W | PTE_NX);
	page_free(page, 1);
	CHECK(remap == 0, "remap");
	CHECK(e.taken && v == (uint64_t)-1, "reading an unmapped page did not fault");
	CHECK(e.cr2 == page + 8, "CR2 %#llx, expected %#llx", (unsigned long long)e.cr2,
	      (unsigned long long)(page + 8));
	CHECK(!(e.error & PF_ERR_PRESENT), "error code %#llx claims a present page",
	      (unsigned long long)e.error);
	return SELFTEST_PASS;
}

static enum selftest_result paging_data_not_executable(struct selftest_ctx *ctx)
{
	struct fault_expectation e = { .vector = VEC_PF,
				       .resume_rip = (uintptr_t)fault_probe_exec_resume };
	uint64_t page = page_alloc_zeroed(1, 1);
	(void)ctx;

	CHECK(page, "out of memory");
	*(volatile uint8_t *)(uintptr_t)page = 0xc3; /* RET */
	exception_expect(&e);
	fault_probe_exec(page);
	exception_expect_clear();
	bool faulted = e.taken;
	uint64_t error = e.error;

	/* The same page made executable runs: the fault was NX, not the probe. */
	int err = paging_set_identity(page, PAGE_SIZE, PTE_W);
	exception_expect(&e);
	if (!err)
		fault_probe_exec(page);
	exception_expect_clear();
	bool ran = !err && !e.taken;
	err |= paging_set_identity(page, PAGE_SIZE, PTE_W | PTE_NX);
	page_free(page, 1);

	CHECK(faulted, "executing a data page did not fault");
	CHECK(error & PF_ERR_FETCH, "fault error %#llx is not an instruction fetch",
	      (unsigned long long)error);
	CHECK(ran, "the page made executable still faults");
	CHECK(!err, "changing the mapping failed");
	return SELFTEST_PASS;
}

static enum selftest_result paging_text_read_only(struct selftest_ctx *ctx)
{
	struct fault_expectation e = { .vector = VEC_PF,
				       .resume_rip = (uintptr_t)fault_probe_write_resume };
	uintptr_t target = (uintptr_t)fault_probe_ud;
	(void)ctx;

	/* Writing back the byte already there keeps the code intact should the
	 * protection be missing. */
	uint8_t same = *(volatile uint8_t *)target;
	exception_expect(&e);
	fault_probe_write(target, same);
	exception_expect_clear();
	CHECK(e.taken, "writing hypervisor text did not fault");
	CHECK((e.error & (PF_ERR_PRESENT | PF_ERR_WRITE)) == (PF_ERR_PRESENT | PF_ERR_WRITE),
	      "error code %#llx", (unsigned long long)e.error);
	CHECK(e.cr2 == target, "CR2 %#llx", (unsigned long long)e.cr2);
	return SELFTEST_PASS;
}

static const struct selftest tests[] = {
	{ "memmap_sanity", memmap_sanity },
	{ "paging_guard_page", paging_guard_page },
	{ "paging_data_not_executable", paging_data_not_executable },
	{ "paging_text_read_only", paging_text_read_only },
};

const struct selftest_suite selftest_suite_memory = { "memory", tests,
						       ARRAY_SIZE(tests) };
