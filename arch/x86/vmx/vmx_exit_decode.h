/* The pure parts of the VT-x backend's exits and bitmaps (Intel SDM Vol.
 * 3C, 24.6.4, 24.6.9, 28.2.1), built for the host too (tests/unit/
 * test_vmx_exit_decode.c): the MSR bitmap's layout and the I/O
 * instruction's exit qualification. */
#ifndef ARCH_X86_VMX_VMX_EXIT_DECODE_H
#define ARCH_X86_VMX_VMX_EXIT_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/vcpu.h"

#define VMX_MSR_BITMAP_BYTES 4096u
#define VMX_IO_BITMAP_BYTES  8192u /* A (ports 0-0x7fff) then B */

/* MSR bitmap: read bitmaps for 0-0x1fff and 0xc0000000-0xc0001fff, then
 * the write bitmaps, 1 KiB each; a set bit exits, as does every MSR
 * outside the two ranges. This sets whether reads and writes of `msr`
 * exit: false where it is outside the ranges (it always exits). */
bool vmx_msr_bitmap_set(uint8_t *map, uint32_t msr, bool read_exits, bool write_exits);
/* Whether the map has bits for all of MSRs [first, first + count), count > 0. */
bool vmx_msr_bitmap_covers(uint32_t first, unsigned count);
/* hv's MSR bitmap: everything exits but what svm.c passes through too
 * (the MSRs the VMCS switches or that are the guest's alone, TSC reads);
 * the x2APIC's 0x800-0x8ff exit, so that a guest never reaches the
 * host's x2APIC ICR. */
void vmx_msr_bitmap_build(uint8_t *map);
/* Whether RDMSR (`write` false) or WRMSR of `msr` exits under `map`. */
bool vmx_msr_bitmap_exits(const uint8_t *map, uint32_t msr, bool write);

/* I/O bitmaps A and B as one 8 KiB map: one bit per port, set = exit. */
void vmx_io_bitmap_allow(uint8_t *map, uint16_t first, unsigned count);

/* An I/O-instruction exit as struct vcpu_exit's io: the qualification
 * (size, direction, string, REP, port), the instruction information's
 * address size where the CPU fills it in (`insn_info_valid`: VMX_BASIC
 * bit 54; else 0, decode the bytes) and the next RIP. */
void vmx_decode_io_exit(uint64_t qual, uint32_t insn_info, bool insn_info_valid, uint64_t rip,
			unsigned insn_len, struct vcpu_exit *e);

#endif
