/* Per-CPU data: one struct percpu per CPU, found through the GS base
 * (IA32_GS_BASE, SDM Vol. 3A, 3.4.4), so this_cpu() is one %gs-relative
 * load. CPU index 0 is the BSP, the service CPU. */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/desc.h"
#include "arch/x86/lock_record.h"

struct exception_recovery;

struct percpu {
	struct percpu *self; /* first: %gs:0 is this struct's address */
	unsigned index;      /* 0 = BSP; APs in the order they came online */
	uint32_t apic_id;
	uintptr_t stack_top;
	uintptr_t stack_bottom; /* both 0 on the BSP: its stack is boot/'s */
	int boot_state;      /* enum smp_boot_state (arch/x86/smp.c) */
	/* smp_call(): work for this CPU's idle loop, taken when `call` is set. */
	void (*call)(void *arg);
	void *call_arg;
	struct exception_recovery *recovery; /* arch/x86/exception.h */
	/* What the vCPU backend does with an NMI taken while this CPU is in
	 * the hypervisor (a kick that came after the loop looked: vmx.c). */
	void (*host_nmi)(void);
	/* Exception handlers this CPU is in (exception_dispatch()): only one
	 * that interrupted no other handler may recover. */
	unsigned exception_depth;
	struct lock_record locks; /* the spin_lock() locks it holds */
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
	struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
	uint8_t ist_stacks[IST_STACKS][IST_STACK_SIZE] __attribute__((aligned(16)));
};

/* The BSP's, static: it is needed before the page allocator exists. */
struct percpu *percpu_bsp(void);

/* A zeroed struct for an AP with `stack_pages` of stack, from the page
 * allocator; NULL when memory is exhausted. */
struct percpu *percpu_alloc(unsigned index, uint32_t apic_id, unsigned stack_pages);

/* Valid once desc_init_cpu() ran on this CPU. */
static inline struct percpu *this_cpu(void)
{
	struct percpu *pc;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(pc));
	return pc;
}

static inline unsigned this_cpu_index(void)
{
	unsigned index;
	__asm__ volatile("movl %%gs:%c1, %0"
			 : "=r"(index)
			 : "i"(offsetof(struct percpu, index)));
	return index;
}

#endif
