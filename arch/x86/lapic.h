/* Local APIC in xAPIC (MMIO) or x2APIC (MSR) mode (Intel SDM Vol. 3A, 11). */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_BSP    (1ull << 8)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset/16. */
#define LAPIC_ID      0x020
#define LAPIC_VERSION 0x030
#define LAPIC_EOI     0x0b0
#define LAPIC_SVR     0x0f0
#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_SPURIOUS_VECTOR 0xff

#define X2APIC_MSR_BASE 0x800

/* Enables this CPU's LAPIC; x2APIC mode when the CPU has it. */
void lapic_init(void);
bool lapic_x2apic_mode(void);
uint32_t lapic_id(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);

#endif
