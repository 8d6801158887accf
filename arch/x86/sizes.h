/* Sizes and counts every layer spells the same way. */
#ifndef ARCH_X86_SIZES_H
#define ARCH_X86_SIZES_H

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
