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
#define LAPIC_TPR     0x080
#define LAPIC_PPR     0x0a0
#define LAPIC_EOI     0x0b0
#define LAPIC_LDR     0x0d0
#define LAPIC_DFR     0x0e0
#define LAPIC_SVR     0x0f0
#define LAPIC_ISR_BASE 0x100 /* 8 registers, 0x10 apart: vectors 32 at a time */
#define LAPIC_TMR_BASE 0x180
#define LAPIC_IRR_BASE 0x200
#define LAPIC_ESR     0x280
#define LAPIC_LVT_CMCI    0x2f0
#define LAPIC_LVT_TIMER   0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF    0x340
#define LAPIC_LVT_LINT0   0x350
#define LAPIC_LVT_LINT1   0x360
#define LAPIC_LVT_ERROR   0x370
#define LAPIC_TMICT   0x380
#define LAPIC_TMCCT   0x390
#define LAPIC_TDCR    0x3e0
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_SVR_EOI_SUPPRESS (1u << 12)
#define LAPIC_VERSION_EOI_SUPPRESS (1u << 24)
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

/* For registers and values a guest chose: -EFAULT where the x2APIC
 * refused the access (#GP: reserved bits, a register it lacks), else 0.
 * An xAPIC ignores what it does not implement and never refuses. */
int lapic_read_checked(uint32_t reg, uint32_t *value);
int lapic_write_checked(uint32_t reg, uint32_t value);

/* Whether this LAPIC implements the LVT entry at `reg` (the version
 * register's max LVT: CMCI, thermal and performance are optional). */
bool lapic_has_lvt(uint32_t reg);
/* CPUID.1:ECX[24]: the timer LVT's TSC-deadline mode exists. */
bool lapic_has_tsc_deadline(void);

/* Puts this CPU's LAPIC back as the hypervisor runs it, whatever a guest
 * left in it: every LVT masked, the timer (TSC deadline too) stopped, TPR
 * at class 1 (vectors 16-31, the CPU's exceptions, never taken), the
 * hypervisor's spurious vector, errors cleared, every in-service vector
 * EOI'd. Requests still pending in the IRR arrive once interrupts are
 * taken again: lapic_drain_requests(). */
void lapic_quiesce(void);

/* Takes what is pending in this CPU's IRR from vector 32 up (interrupts
 * enabled briefly, TPR at class 1, each vector dispatched like any other
 * and EOI'd), bounded by one round per vector; the caller must be able to
 * take interrupts (on SVM: GIF set). Returns how many were still pending
 * when it gave up, vectors 16-31 included, which it never takes (0:
 * drained). */
unsigned lapic_drain_requests(void);

/* Sends the IPI described by `icr_low` (vector, delivery mode, level) to the
 * CPU with `apic_id`, physical destination. Returns 0; -EINVAL for an APIC
 * ID xAPIC mode cannot address; -ETIMEDOUT when an xAPIC never reported the
 * IPI accepted. Stores made before the call are visible to the target when
 * it takes the interrupt. */
int lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

#endif
