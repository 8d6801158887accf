#include "arch/x86/percpu.h"
#include "arch/x86/memmap.h"
#include "arch/x86/page.h"

static struct percpu bsp __attribute__((aligned(PAGE_SIZE)));

struct percpu *percpu_bsp(void)
{
	return &bsp;
}

static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

struct percpu *percpu_alloc(unsigned index, uint32_t apic_id, unsigned stack_pages)
{
	uint64_t pages = pages_for(sizeof(struct percpu));
	uint64_t pc_phys = page_alloc_zeroed(pages, 1);
	uint64_t stack = page_alloc_zeroed(stack_pages, 1);

	if (!pc_phys || !stack) {
		if (pc_phys)
			page_free(pc_phys, pages);
		if (stack)
			page_free(stack, stack_pages);
		return NULL;
	}
	struct percpu *pc = (struct percpu *)(uintptr_t)pc_phys;
	pc->self = pc;
	pc->index = index;
	pc->apic_id = apic_id;
	pc->stack_bottom = (uintptr_t)stack;
	pc->stack_top = (uintptr_t)stack + stack_pages * PAGE_SIZE;
	return pc;
}
