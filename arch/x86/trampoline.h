/* The AP startup trampoline (arch/x86/trampoline.S) and what arch/x86/smp.c
 * fills in before each start. Included by assembly: constants only outside
 * the C part. */
#ifndef ARCH_X86_TRAMPOLINE_H
#define ARCH_X86_TRAMPOLINE_H

/* Page 0 holds the code, its GDT and the parameter block; page 1 the copy of
 * the hypervisor's PML4 that CR3 can hold while the AP is still in 32-bit
 * mode (CR3 is 32 bits wide there). */
#define TRAMPOLINE_PAGES 2
#define TRAMPOLINE_PML4_OFFSET 0x1000
/* SIPI's vector is the page number of the start address (SDM Vol. 3A,
 * 9.4.4.1 and 11.6.1): the trampoline lies below 1 MiB, outside the VGA
 * and BIOS area. */
#define TRAMPOLINE_MAX_ADDR 0x9ffff

/* The trampoline GDT's selectors. */
#define TRAMPOLINE_SEL_CODE32 0x08
#define TRAMPOLINE_SEL_DATA   0x10
#define TRAMPOLINE_SEL_CODE64 0x18

/* Offsets in struct trampoline_params. */
#define TP_GDTR   0  /* 16-bit limit, 32-bit base */
#define TP_FAR32  8  /* 32-bit offset, 16-bit selector: the 32-bit entry */
#define TP_FAR64  16 /* the same for the 64-bit entry */
#define TP_CR3    24 /* the PML4 copy below 4 GiB */
#define TP_STACK  32
#define TP_ENTRY  40
#define TP_ARG    48
#define TP_SIZE   56

#ifndef __ASSEMBLER__
#include <stdint.h>

struct far_ptr32 {
	uint32_t offset;
	uint16_t selector;
	uint16_t pad;
} __attribute__((packed));

struct trampoline_params {
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint16_t pad0;
	struct far_ptr32 far32;
	struct far_ptr32 far64;
	uint32_t cr3;
	uint32_t pad1;
	uint64_t stack_top;
	uint64_t entry;  /* void entry(uint64_t arg), never returns */
	uint64_t arg;
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct trampoline_params, far32) == TP_FAR32, "TP_FAR32");
_Static_assert(__builtin_offsetof(struct trampoline_params, far64) == TP_FAR64, "TP_FAR64");
_Static_assert(__builtin_offsetof(struct trampoline_params, cr3) == TP_CR3, "TP_CR3");
_Static_assert(__builtin_offsetof(struct trampoline_params, stack_top) == TP_STACK, "TP_STACK");
_Static_assert(__builtin_offsetof(struct trampoline_params, entry) == TP_ENTRY, "TP_ENTRY");
_Static_assert(__builtin_offsetof(struct trampoline_params, arg) == TP_ARG, "TP_ARG");
_Static_assert(sizeof(struct trampoline_params) == TP_SIZE, "TP_SIZE");

/* The code to copy, and its GDT and parameter block inside it. */
extern const char trampoline_start[], trampoline_end[], trampoline_gdt[],
	trampoline_gdt_end[], trampoline_params[], trampoline_entry32[],
	trampoline_entry64[];
#endif

#endif
