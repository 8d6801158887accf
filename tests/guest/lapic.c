/* The test guest's local APIC (xAPIC at 0xFEE00000: hv's guarded view of
 * the physical one, every access trapped and forwarded; or the x2APIC's
 * MSRs where a vCPU switched, x2apic.c) and its interrupts: the IDT and
 * the handler behind every stub of entry.S. */
#include "tests/guest/guest.h"

volatile uint32_t irq_count[HV_GUEST_MAX_CPUS][256];
bool lapic_x2apic[HV_GUEST_MAX_CPUS];
volatile uint64_t irq_last_tsc[HV_GUEST_MAX_CPUS];
bool (*volatile exception_hook)(struct frame *f);

bool wait_count(volatile uint32_t *counter, uint32_t target, uint64_t us)
{
	uint64_t d = deadline_us(us);

	while (*counter < target) {
		if (expired(d))
			return false;
		cpu_relax();
	}
	return true;
}

void lapic_enable(void)
{
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
}

uint32_t lapic_apic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return lapic_x2apic[this_cpu()] ? id : id >> 24;
}

/* An x2APIC's ICR has no delivery status: a write is the whole send. */
static bool icr_idle(void)
{
	uint64_t d = deadline_us(100000);

	if (lapic_x2apic[this_cpu()])
		return true;

	while (lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_BUSY) {
		if (expired(d))
			return false;
		cpu_relax();
	}
	return true;
}

bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	/* Interrupts off: a handler sending an IPI between the two writes
	 * would change the destination. */
	bool on = irq_save();
	bool ok = icr_idle();

	if (lapic_x2apic[this_cpu()]) {
		wrmsr(X2APIC_MSR(LAPIC_ICR_LO), (uint64_t)apic_id << 32 | icr_low);
	} else {
		lapic_write(LAPIC_ICR_HI, apic_id << 24);
		lapic_write(LAPIC_ICR_LO, icr_low);
	}
	ok = icr_idle() && ok;
	irq_restore(on);
	return ok;
}

uint32_t lapic_timer_exits(uint32_t count, uint32_t interrupts, uint64_t wait_us, uint64_t *exits)
{
	volatile uint32_t *fired = &irq_count[0][VEC_TIMER];
	uint32_t start = *fired;

	lapic_enable();
	lapic_write(LAPIC_TIMER_DCR, 0xb); /* divide by 1 */
	uint64_t before = hypercall(HV_HC_EXITS, 0, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_ICR, count);
	irq_enable();
	uint64_t d = deadline_us(wait_us);
	while (*fired - start < interrupts && !expired(d))
		__asm__ volatile("hlt");
	irq_disable();
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	uint64_t window = hypercall(HV_HC_EXITS, 0, 0) - before;
	/* Its own: the LVT armed and masked, the closing hypercall, and
	 * through the xAPIC page the initial count. */
	uint64_t own = lapic_x2apic[this_cpu()] ? 3 : 4;
	*exits = window > own ? window - own : 0;
	return *fired - start;
}

static void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* ---- the IDT ------------------------------------------------------------------------- */

struct idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type; /* present, DPL 0, 64-bit interrupt gate: 0x8e */
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
};

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate size");

extern const uint64_t isr_stub_table[256]; /* entry.S */

static struct idt_gate idt[256] __attribute__((aligned(16)));
struct desc_ptr idt_ptr;

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = isr_stub_table[v];

		idt[v] = (struct idt_gate){
			.offset0 = (uint16_t)a,
			.selector = HV_GUEST_SEL_CODE64,
			.type = 0x8e,
			.offset1 = (uint16_t)(a >> 16),
			.offset2 = (uint32_t)(a >> 32),
		};
	}
	idt_ptr.limit = sizeof(idt) - 1;
	idt_ptr.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idt_ptr) : "memory");
}

static bool vector_used(unsigned v)
{
	return v == VEC_TIMER || v == VEC_IPI || v == VEC_IPI_BACK || v == VEC_FOREIGN ||
	       v == VEC_PT_MSI0 || v == VEC_PT_MSI1 || v == VEC_PT_FOREIGN || v == VEC_PT_MSIX0 ||
	       v == VEC_PT_MSIX1 || v == VEC_SPURIOUS || v == VEC_NEVER_EOI;
}

uint32_t irq_unexpected(unsigned cpu)
{
	uint32_t n = 0;

	for (unsigned v = 32; v < 256; v++)
		if (!vector_used(v))
			n += irq_count[cpu][v];
	return n;
}

struct fault_trap fault_trap[HV_GUEST_MAX_CPUS] = {
	[0 ... HV_GUEST_MAX_CPUS - 1] = { .vector = -1 },
};

void fault_arm(struct fault_trap *t, int vector)
{
	t->taken = false;
	t->error = 0;
	__atomic_store_n(&t->vector, vector, __ATOMIC_SEQ_CST);
}

bool fault_disarm(struct fault_trap *t)
{
	__atomic_store_n(&t->vector, -1, __ATOMIC_SEQ_CST);
	return t->taken;
}

/* Whether this exception was provoked on purpose: then it goes on where
 * the trap says, once. */
static bool fault_expected(struct frame *f, unsigned cpu)
{
	struct fault_trap *t = &fault_trap[cpu];

	if (t->vector < 0 || (uint64_t)t->vector != f->vector)
		return false;
	t->vector = -1;
	t->error = f->error;
	t->taken = true;
	f->rip = t->resume;
	return true;
}

#define VEC_GP 13

bool rdmsr_faults(uint32_t msr, uint64_t *value)
{
	struct fault_trap *t = &fault_trap[this_cpu()];
	uint32_t lo, hi;

	fault_arm(t, VEC_GP);
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %[resume]\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "xorl %%edx, %%edx\n\t"
			 "rdmsr\n"
			 "1:"
			 : "=&a"(lo), "=&d"(hi), [resume] "=m"(t->resume)
			 : "c"(msr)
			 : "memory");
	*value = ((uint64_t)hi << 32) | lo;
	return fault_disarm(t);
}

bool wrmsr_faults(uint32_t msr, uint64_t value)
{
	struct fault_trap *t = &fault_trap[this_cpu()];
	uint64_t scratch;

	fault_arm(t, VEC_GP);
	__asm__ volatile("leaq 1f(%%rip), %[tmp]\n\t"
			 "movq %[tmp], %[resume]\n\t"
			 "wrmsr\n"
			 "1:"
			 : [tmp] "=&r"(scratch), [resume] "=m"(t->resume)
			 : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
	return fault_disarm(t);
}

void isr_dispatch(struct frame *f);

void isr_dispatch(struct frame *f)
{
	unsigned cpu = this_cpu();
	unsigned v = (unsigned)f->vector & 0xff;

	if (v < 32) {
		/* A fault resumes where its trap says; a trap the hook
		 * observes returns to the next instruction. */
		bool (*hook)(struct frame *) = exception_hook;
		if (fault_expected(f, cpu) || (hook && hook(f)))
			return;
		guest_fatal(f, cpu);
	}
	irq_last_tsc[cpu] = rdtsc();
	irq_count[cpu][v]++;
	if (v == VEC_SPURIOUS || v == VEC_NEVER_EOI)
		return; /* no EOI for a spurious interrupt, nor for the one left in service */
	/* The other vCPUs answer vCPU 0's IPI (guest_ipi_own_vcpus). */
	if (v == VEC_IPI && cpu != 0)
		lapic_send_ipi(boot->apic_id[0], ICR_ASSERT | ICR_FIXED | VEC_IPI_BACK);
	lapic_eoi();
}
