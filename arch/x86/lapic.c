#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"

#define CPUID_1_ECX_X2APIC (1u << 21)

static uintptr_t xapic_base;
static bool x2apic;

uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16);
	return mmio_read32(xapic_base + reg);
}

void lapic_write(uint32_t reg, uint32_t value)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + reg / 16, value);
	else
		mmio_write32(xapic_base + reg, value);
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
