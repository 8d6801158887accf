/* x86-64 4-level page tables (Intel SDM Vol. 3A, 4.5), written against plain
 * memory through callbacks so the same code runs in the unit tests. */
#ifndef ARCH_X86_PT_H
#define ARCH_X86_PT_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7) /* leaf at PDPT (1G) or PD (2M) level */
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Attributes a caller may ask for; P and PS are the mapper's business. */
#define PT_FLAGS_ALLOWED (PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)

#define PT_LEVELS 4
#define PT_ENTRIES 512
#define PT_SIZE_4K (1ull << 12)
#define PT_SIZE_2M (1ull << 21)
#define PT_SIZE_1G (1ull << 30)

struct pt_env {
	uint64_t (*alloc_table)(void *ctx);       /* a zeroed page, 0 if none */
	void (*free_table)(void *ctx, uint64_t phys);
	uint64_t *(*table_ptr)(void *ctx, uint64_t phys);
	void *ctx;
	bool allow_1g; /* CPUID.80000001H:EDX.Page1GB */
};

struct pt {
	const struct pt_env *env;
	uint64_t root;   /* physical address of the PML4 */
	unsigned tables; /* table pages in use, root included */
};

int pt_init(struct pt *pt, const struct pt_env *env);

/* Maps [va, va + size) to [pa, pa + size) with the largest leaves alignment
 * allows, replacing whatever was mapped there (large leaves are split). All
 * of va, pa, size must be 4K aligned. Returns 0 or -EINVAL/-ENOMEM. */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags);

/* Unmaps [va, va + size), splitting large leaves and freeing tables that
 * become empty. */
int pt_unmap(struct pt *pt, uint64_t va, uint64_t size);

/* Translates va. Returns 0 and fills the outputs (any may be NULL), or
 * -ENOENT when va is not mapped. */
int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *flags,
	      uint64_t *leaf_size);

/* Frees every table, root included. */
void pt_destroy(struct pt *pt);

#endif
