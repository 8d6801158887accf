#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/sizes.h"
#include "arch/x86/time.h"

#include <errno.h>

#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define MSR_TSC_DEADLINE 0x6e0u
#define VERSION_MAX_LVT(v) (((v) >> 16) & 0xff)
#define LAPIC_VECTORS 256
#define FLAT_MODEL 0xffffffffu
/* Linux waits as long for a stuck delivery status before giving up. */
#define ICR_IDLE_TIMEOUT_US 100000

static uintptr_t xapic_base;
static bool x2apic;

static uint32_t x2apic_msr(uint32_t reg)
{
	return X2APIC_MSR_BASE + reg / 16;
}

uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(x2apic_msr(reg));
	return mmio_read32(xapic_base + reg);
}

void lapic_write(uint32_t reg, uint32_t value)
{
	if (x2apic)
		wrmsr(x2apic_msr(reg), value);
	else
		mmio_write32(xapic_base + reg, value);
}

int lapic_read_checked(uint32_t reg, uint32_t *value)
{
	uint64_t v;

	if (!x2apic) {
		*value = mmio_read32(xapic_base + reg);
		return 0;
	}
	int err = rdmsr_safe(x2apic_msr(reg), &v);
	*value = err ? 0 : (uint32_t)v;
	return err;
}

int lapic_write_checked(uint32_t reg, uint32_t value)
{
	if (!x2apic) {
		mmio_write32(xapic_base + reg, value);
		return 0;
	}
	return wrmsr_safe(x2apic_msr(reg), value);
}

/* Max LVT counts entries in this order: timer, LINT0, LINT1 and error
 * always, then performance (4), thermal (5) and CMCI (6). */
bool lapic_has_lvt(uint32_t reg)
{
	unsigned max_lvt = VERSION_MAX_LVT(lapic_read(LAPIC_VERSION));

	switch (reg) {
	case LAPIC_LVT_TIMER: case LAPIC_LVT_LINT0: case LAPIC_LVT_LINT1: case LAPIC_LVT_ERROR:
		return true;
	case LAPIC_LVT_PERF: return max_lvt >= 4;
	case LAPIC_LVT_THERMAL: return max_lvt >= 5;
	case LAPIC_LVT_CMCI: return max_lvt >= 6;
	default: return false;
	}
}

bool lapic_has_tsc_deadline(void)
{
	return (cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE) != 0;
}

static bool any_vector_set(uint32_t block_base)
{
	for (unsigned i = 0; i < LAPIC_VECTORS / 32; i++)
		if (lapic_read(block_base + 0x10 * i))
			return true;
	return false;
}

/* Vectors 16-31 are the CPU's exceptions: taken as interrupts they would
 * run an exception's handler (#MC's, or one expecting an error code that
 * is not there). The LAPIC accepts them into its IRR all the same (only
 * 0-15 are illegal), so a guest can leave one pending. A task priority of
 * class 1 holds back every vector of classes 0 and 1 (SDM Vol. 3A, 11.8.3:
 * a request is taken only when its class is above PPR's), and hv's own
 * vectors all lie at IRQ_FIRST_VECTOR (32) and above, so it loses nothing. */
#define TPR_ABOVE_EXCEPTION_VECTORS 0x10u
#define FIRST_DELIVERABLE_VECTOR 32

void lapic_quiesce(void)
{
	static const uint32_t lvts[] = { LAPIC_LVT_TIMER, LAPIC_LVT_LINT0, LAPIC_LVT_LINT1,
					 LAPIC_LVT_ERROR };
	/* A CPU may count them in max LVT and still refuse the x2APIC MSR. */
	static const uint32_t optional_lvts[] = { LAPIC_LVT_THERMAL, LAPIC_LVT_PERF,
						  LAPIC_LVT_CMCI };

	for (size_t i = 0; i < ARRAY_SIZE(lvts); i++)
		lapic_write(lvts[i], LAPIC_LVT_MASKED);
	for (size_t i = 0; i < ARRAY_SIZE(optional_lvts); i++)
		if (lapic_has_lvt(optional_lvts[i]))
			(void)lapic_write_checked(optional_lvts[i], LAPIC_LVT_MASKED);
	lapic_write(LAPIC_TMICT, 0);
	/* The guest writes this MSR without an exit. */
	if (lapic_has_tsc_deadline())
		wrmsr_safe(MSR_TSC_DEADLINE, 0);
	lapic_write(LAPIC_TPR, TPR_ABOVE_EXCEPTION_VECTORS);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	if (!x2apic) {
		lapic_write(LAPIC_DFR, FLAT_MODEL);
		lapic_write(LAPIC_LDR, 0);
	}
	/* ESR latches on a write; the second one clears what the first
	 * latched. */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	/* Each EOI retires the highest in-service vector. */
	for (unsigned i = 0; i < LAPIC_VECTORS && any_vector_set(LAPIC_ISR_BASE); i++)
		lapic_write(LAPIC_EOI, 0);
}

/* The IRR's requests from vector `first` up. */
static unsigned pending_from(unsigned first)
{
	unsigned n = 0;

	for (unsigned i = first / 32; i < LAPIC_VECTORS / 32; i++) {
		uint32_t bits = lapic_read(LAPIC_IRR_BASE + 0x10 * i);
		if (i == first / 32)
			bits &= ~0u << (first % 32);
		for (; bits; bits &= bits - 1)
			n++;
	}
	return n;
}

unsigned lapic_drain_requests(void)
{
	/* Again here: the drain must never open the window with 16-31 let
	 * through, whoever set TPR last. */
	lapic_write(LAPIC_TPR, TPR_ABOVE_EXCEPTION_VECTORS);
	for (unsigned rounds = 0;
	     rounds < LAPIC_VECTORS && pending_from(FIRST_DELIVERABLE_VECTOR); rounds++)
		/* One instruction after STI, the highest pending request is
		 * taken (and EOI'd by its dispatch). */
		__asm__ volatile("sti; nop; cli" ::: "memory");
	/* 16-31 stay pending for good, held back by TPR: counted as left. */
	return pending_from(0);
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	x2apic = (cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC) != 0;
	/* xAPIC -> x2APIC must pass through enabled xAPIC (SDM 11.12.5). */
	base |= APIC_BASE_ENABLE;
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (x2apic)
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_X2APIC);
	xapic_base = base & APIC_BASE_ADDR_MASK;
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
}

bool lapic_x2apic_mode(void)
{
	return x2apic;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);
	return x2apic ? id : id >> 24;
}

static int xapic_wait_icr_idle(void)
{
	uint64_t deadline = deadline_after_us(ICR_IDLE_TIMEOUT_US);

	while (lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING) {
		if (deadline_passed(deadline))
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

int lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	int err = 0;

	if (!x2apic && apic_id > XAPIC_MAX_DEST_ID)
		return -EINVAL;
	/* An interrupt handler sending an IPI between the two xAPIC writes
	 * would send ours to its destination. */
	uint64_t flags = cpu_irq_save();
	if (x2apic) {
		/* WRMSR to the x2APIC is not ordered by MFENCE alone: LFENCE keeps
		 * it from running ahead of earlier stores (as Linux's
		 * weak_wrmsr_fence). */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(X2APIC_MSR_BASE + LAPIC_ICR_LOW / 16, (uint64_t)apic_id << 32 | icr_low);
	} else if (!(err = xapic_wait_icr_idle())) {
		/* The write of the low half sends (SDM Vol. 3A, 11.6.1). */
		lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
		lapic_write(LAPIC_ICR_LOW, icr_low);
		err = xapic_wait_icr_idle();
	}
	cpu_irq_restore(flags);
	return err;
}
