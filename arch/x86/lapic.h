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
#define LAPIC_ISR_BASE 0x100 /* 8 registers, 0x10 apart: vectors 32 at a time */
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_SPURIOUS_VECTOR 0xff
/* Interrupt command register (SDM Vol. 3A, 11.6.1): in xAPIC mode two 32-bit
 * registers, the destination in bits 31:24 of the high one; in x2APIC mode
 * one 64-bit MSR (0x830), the destination in bits 63:32 (11.12.9). */
#define LAPIC_ICR_LOW  0x300
#define LAPIC_ICR_HIGH 0x310
#define ICR_VECTOR(v)        ((uint32_t)(v) & 0xff)
#define ICR_DELIVERY_FIXED   (0u << 8)
#define ICR_DELIVERY_NMI     (4u << 8)
#define ICR_DELIVERY_INIT    (5u << 8)
#define ICR_DELIVERY_STARTUP (6u << 8)
#define ICR_DELIVERY_PENDING (1u << 12) /* xAPIC only: not yet accepted */
#define ICR_LEVEL_ASSERT     (1u << 14)
/* Physical destination mode, edge trigger and no shorthand are all 0. */
#define XAPIC_MAX_DEST_ID 0xfe /* 0xff is broadcast */

#define X2APIC_MSR_BASE 0x800

/* Enables this CPU's LAPIC; x2APIC mode when the CPU has it. */
void lapic_init(void);
bool lapic_x2apic_mode(void);
uint32_t lapic_id(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);

/* Sends the IPI described by `icr_low` (vector, delivery mode, level) to the
 * CPU with `apic_id`, physical destination. Returns 0; -EINVAL for an APIC
 * ID xAPIC mode cannot address; -ETIMEDOUT when an xAPIC never reported the
 * IPI accepted. Stores made before the call are visible to the target when
 * it takes the interrupt. */
int lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

#endif
