#include "arch/x86/desc.h"
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/percpu.h"

#include <string.h>

/* Flat 64-bit code and data descriptors (SDM Vol. 3A, 3.4.5). */
#define GDT_CODE64 0x00af9a000000ffffull
#define GDT_DATA   0x00cf92000000ffffull
#define TSS_TYPE_AVAILABLE 0x89ull
#define IDT_TYPE_INTERRUPT_GATE 0x8e

struct table_register {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uintptr_t isr_table[IDT_VECTORS];

static void set_tss_descriptor(uint64_t *slot, const struct tss64 *t)
{
	uint64_t base = (uintptr_t)t, limit = sizeof(*t) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		  (TSS_TYPE_AVAILABLE << 40) | (((limit >> 16) & 0xf) << 48) |
		  (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

static uint8_t ist_for_vector(unsigned vec)
{
	switch (vec) {
	case VEC_DF: return IST_DOUBLE_FAULT;
	case VEC_NMI: return IST_NMI;
	case VEC_MC: return IST_MACHINE_CHECK;
	default: return 0;
	}
}

static void build_idt(struct idt_gate *idt)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		uintptr_t h = isr_table[v];
		idt[v] = (struct idt_gate){
			.offset_low = h & 0xffff,
			.selector = GDT_SEL_CODE64,
			.ist = ist_for_vector(v),
			.type_attr = IDT_TYPE_INTERRUPT_GATE,
			.offset_mid = (h >> 16) & 0xffff,
			.offset_high = h >> 32,
		};
	}
}

void desc_init_cpu(struct percpu *pc)
{
	struct table_register gdtr = { sizeof(pc->gdt) - 1, (uintptr_t)pc->gdt };
	struct table_register idtr = { sizeof(pc->idt) - 1, (uintptr_t)pc->idt };
	uint64_t *gdt = pc->gdt;
	struct tss64 *tss = &pc->tss;

	gdt[0] = 0;
	gdt[GDT_SEL_CODE64 / 8] = GDT_CODE64;
	gdt[GDT_SEL_DATA / 8] = GDT_DATA;
	memset(tss, 0, sizeof(*tss));
	for (unsigned i = 0; i < IST_STACKS; i++)
		tss->ist[i] = (uintptr_t)(pc->ist_stacks[i] + IST_STACK_SIZE);
	tss->iomap_base = sizeof(*tss); /* no I/O permission bitmap */
	set_tss_descriptor(&gdt[GDT_SEL_TSS / 8], tss);
	build_idt(pc->idt);

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 "ltr %w3\n\t"
			 "lidt %4"
			 :
			 : "m"(gdtr), "i"(GDT_SEL_CODE64), "i"(GDT_SEL_DATA),
			   "r"((uint16_t)GDT_SEL_TSS), "m"(idtr)
			 : "rax", "memory");
	/* Only now: loading a null selector into GS may clear its base (Intel
	 * does, AMD does not), SDM Vol. 3A, 3.4.4. */
	pc->self = pc;
	wrmsr(MSR_IA32_GS_BASE, (uintptr_t)pc);
}
