/* The fault reasons a VT-d unit records in a fault-recording register's FR
 * field (11.4.14), decoded to text for the fault report, after the
 * fault-condition tables of VT-d 4.1 chapter 7 (interrupt translation
 * faults; address translation faults, legacy and scalable mode).
 * Cross-checked with Linux (drivers/iommu/intel/dmar.c
 * dma_remap_fault_reasons[], irq_remap_fault_reasons[]) and QEMU
 * (hw/i386/intel_iommu_internal.h, VTDFaultReason).
 *
 *   0x01-0x0e  legacy-mode (TTM = 00b) DMA-remapping faults
 *   0x20-0x29  interrupt-remapping faults
 *   0x30-0x9f  scalable-mode DMA-remapping faults (hv runs in legacy mode;
 *              decoded generically, with the value)
 *   others     reserved: "unknown fault reason" */
#ifndef IOMMU_VTD_FAULT_REASON_H
#define IOMMU_VTD_FAULT_REASON_H

#include <stdbool.h>
#include <stdint.h>

/* Legacy-mode translation faults. */
#define VTD_FR_ROOT_NOT_PRESENT      0x01
#define VTD_FR_CONTEXT_NOT_PRESENT   0x02
#define VTD_FR_CONTEXT_INVALID       0x03
#define VTD_FR_ADDR_BEYOND_AW        0x04
#define VTD_FR_WRITE                 0x05
#define VTD_FR_READ                  0x06
#define VTD_FR_SL_ENTRY_ACCESS       0x07
#define VTD_FR_ROOT_TABLE_ACCESS     0x08
#define VTD_FR_CONTEXT_TABLE_ACCESS  0x09
#define VTD_FR_ROOT_RESERVED         0x0a
#define VTD_FR_CONTEXT_RESERVED      0x0b
#define VTD_FR_SL_ENTRY_RESERVED     0x0c
#define VTD_FR_TT_BLOCKED            0x0d
#define VTD_FR_INTERRUPT_RANGE       0x0e

/* Interrupt-remapping faults. */
#define VTD_FR_IR_REQUEST_RESERVED   0x20
#define VTD_FR_IR_INDEX              0x21
#define VTD_FR_IR_NOT_PRESENT        0x22
#define VTD_FR_IR_TABLE_ACCESS       0x23
#define VTD_FR_IR_IRTE_RESERVED      0x24
#define VTD_FR_IR_COMPAT_BLOCKED     0x25
#define VTD_FR_IR_SOURCE_ID          0x26
#define VTD_FR_IR_PID_ACCESS         0x27
#define VTD_FR_IR_PID_RESERVED       0x28
#define VTD_FR_IR_UNTRANSLATED       0x29

/* Scalable-mode faults span this range. */
#define VTD_FR_SM_FIRST              0x30
#define VTD_FR_SM_LAST               0x9f

/* The text for a fault reason: never NULL nor empty, for any value. */
const char *vtd_fault_reason(uint8_t reason);

/* Whether the reason is an interrupt-remapping fault (0x20-0x29): the
 * record's bits 63:48 then hold the interrupt index, not a page address,
 * and the request was an interrupt, not a DMA read or write. */
bool vtd_fault_is_interrupt(uint8_t reason);

#endif
