/* Segment and interrupt descriptor tables and the TSS (Intel SDM Vol. 3A,
 * 3.4.5, 6.14.1, 8.7). */
#ifndef ARCH_X86_DESC_H
#define ARCH_X86_DESC_H

#include <stdint.h>

#define GDT_SEL_CODE64 0x08
#define GDT_SEL_DATA   0x10
#define GDT_SEL_TSS    0x18
#define GDT_ENTRIES    5    /* null, code, data, and the TSS's two slots */

/* IST slots: faults that may arrive on a broken stack get a known-good one. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3
#define IST_STACKS 3
#define IST_STACK_SIZE 8192

#define EXCEPTION_VECTORS 32
#define IDT_VECTORS 256

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct percpu;

/* Builds this CPU's GDT, TSS and IDT inside `pc` and loads them, then points
 * the GS base at `pc` (this_cpu()). Every CPU gets its own tables (a TSS is
 * busy once loaded, and each CPU needs its own IST stacks); the IDTs are
 * identical copies with the same entry stubs. */
void desc_init_cpu(struct percpu *pc);

#endif
