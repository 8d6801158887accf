#include "arch/x86/paging.h"
#include "arch/x86/cpu.h"
#include "arch/x86/log.h"
#include "arch/x86/memmap.h"
#include "arch/x86/page.h"
#include "arch/x86/pt.h"
#include "arch/x86/sizes.h"

#include <errno.h>

/* Below this much the identity map is never cut: the 32-bit MMIO hole. */
#define IDENTITY_MIN (4 * GIB)
/* Covers 64-bit BARs that firmware places high without a huge table cost. */
#define IDENTITY_MMIO_REACH (1ull << 40)

extern const char ImageBase[], __text_start[], __text_end[], __rodata_start[],
	__rodata_end[], __data_start[], __data_end[], __image_end[];

static struct pt hv_pt;
static uint64_t identity_limit;

void image_layout_get(struct image_layout *l)
{
	*l = (struct image_layout){
		.base = (uintptr_t)ImageBase,
		.end = (uintptr_t)__image_end,
		.text_start = (uintptr_t)__text_start,
		.text_end = (uintptr_t)__text_end,
		.rodata_start = (uintptr_t)__rodata_start,
		.rodata_end = (uintptr_t)__rodata_end,
		.data_start = (uintptr_t)__data_start,
		.data_end = (uintptr_t)__data_end,
	};
}

/* x86-64 4-level paging, with 1G leaves where the CPU has them. */
static struct pt_format hv_pt_format;

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t max_phys_addr_bits(void)
{
	if (cpuid(0x80000000, 0).eax < 0x80000008)
		return 36;
	return cpuid(0x80000008, 0).eax & 0xff;
}

static int map_image_section(uintptr_t start, uintptr_t end, uint64_t flags)
{
	start &= ~(PAGE_SIZE - 1);
	end = align_up(end, PAGE_SIZE);
	return end > start ? pt_map(&hv_pt, start, start, end - start, flags) : 0;
}

static int build(const struct memmap *map)
{
	struct image_layout img;
	int err;

	hv_pt_format = pt_format_x86_4level;
	if (cpuid(0x80000001, 0).edx & (1u << 26)) /* Page1GB */
		hv_pt_format.large_levels |= 1u << 2;
	if ((err = pt_init(&hv_pt, &hv_pt_format, &page_table_env)))
		return err;

	uint64_t reach = 1ull << max_phys_addr_bits();
	identity_limit = reach < IDENTITY_MMIO_REACH ? reach : IDENTITY_MMIO_REACH;
	if (identity_limit < IDENTITY_MIN)
		identity_limit = IDENTITY_MIN;
	if (memmap_top(map) > identity_limit)
		identity_limit = align_up(memmap_top(map), PT_SIZE_1G);
	if ((err = pt_map(&hv_pt, 0, 0, identity_limit, PTE_W | PTE_NX)))
		return err;

	/* Firmware runtime services stay callable (ResetSystem). */
	for (unsigned i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->region[i];
		if (r->type == MEM_RUNTIME_CODE &&
		    (err = pt_map(&hv_pt, r->base, r->base, r->pages * PAGE_SIZE, PTE_W)))
			return err;
	}

	image_layout_get(&img);
	if ((err = map_image_section(img.base, img.end, PTE_NX)) ||
	    (err = map_image_section(img.text_start, img.text_end, 0)) ||
	    (err = map_image_section(img.rodata_start, img.rodata_end, PTE_NX)) ||
	    (err = map_image_section(img.data_start, img.data_end, PTE_W | PTE_NX)))
		return err;
	return 0;
}

int paging_init(const struct memmap *map)
{
	int err = build(map);
	if (err) {
		log_err("paging: building the identity map failed (%d)\n", err);
		return err;
	}
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
	write_cr3(hv_pt.root);
	write_cr0(read_cr0() | CR0_WP);
	log_info("paging: identity map up to %#llx, %u table pages, %s leaves\n",
		 (unsigned long long)identity_limit, hv_pt.tables,
		 hv_pt_format.large_levels & (1u << 2) ? "1G" : "2M");
	return 0;
}

static void flush_range(uintptr_t addr, uint64_t size)
{
	/* A full flush beats thousands of INVLPGs. */
	if (size > 64 * PAGE_SIZE) {
		write_cr3(read_cr3());
		return;
	}
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		invlpg(addr + off);
}

int paging_set_identity(uintptr_t addr, uint64_t size, uint64_t flags)
{
	int err = pt_map(&hv_pt, addr, addr, size, flags);
	flush_range(addr, size);
	return err;
}

int paging_unmap(uintptr_t addr, uint64_t size)
{
	int err = pt_unmap(&hv_pt, addr, size);
	flush_range(addr, size);
	return err;
}

unsigned paging_table_pages(void)
{
	return hv_pt.tables;
}

uint64_t paging_identity_limit(void)
{
	return identity_limit;
}
