#include "arch/x86/vmx/vmx_exit_decode.h"
#include "arch/x86/vcpu_msrs.h"

#include <string.h>

#define MSR_LOW_END   0x2000u
#define MSR_HIGH_BASE 0xc0000000u
#define MSR_HIGH_END  0xc0002000u
#define WRITE_OFFSET  0x800u
#define HIGH_OFFSET   0x400u

/* The byte offset of `msr`'s read bit, and its bit; false outside both
 * ranges. */
static bool msr_slot(uint32_t msr, uint32_t *byte, unsigned *bit)
{
	uint32_t base, offset;

	if (msr < MSR_LOW_END) {
		base = 0;
		offset = msr;
	} else if (msr >= MSR_HIGH_BASE && msr < MSR_HIGH_END) {
		base = HIGH_OFFSET;
		offset = msr - MSR_HIGH_BASE;
	} else {
		return false;
	}
	*byte = base + offset / 8;
	*bit = offset % 8;
	return true;
}

bool vmx_msr_bitmap_covers(uint32_t first, unsigned count)
{
	uint32_t a, b;
	unsigned bit;

	/* The ranges are contiguous: both ends in the same one. */
	return count && first + (count - 1) >= first && msr_slot(first, &a, &bit) &&
	       msr_slot(first + (count - 1), &b, &bit) && b - a == ((first + count - 1) / 8 - first / 8);
}

static void set_bit_to(uint8_t *byte, unsigned bit, bool on)
{
	*byte = (uint8_t)((*byte & ~(1u << bit)) | (unsigned)on << bit);
}

bool vmx_msr_bitmap_set(uint8_t *map, uint32_t msr, bool read_exits, bool write_exits)
{
	uint32_t byte;
	unsigned bit;

	if (!msr_slot(msr, &byte, &bit))
		return false;
	set_bit_to(&map[byte], bit, read_exits);
	set_bit_to(&map[WRITE_OFFSET + byte], bit, write_exits);
	return true;
}

bool vmx_msr_bitmap_exits(const uint8_t *map, uint32_t msr, bool write)
{
	uint32_t byte;
	unsigned bit;

	if (!msr_slot(msr, &byte, &bit))
		return true;
	return (map[(write ? WRITE_OFFSET : 0) + byte] >> bit) & 1;
}


/* TSC reads run at full speed; a write would move the physical TSC. */
#define MSR_TSC 0x10u

void vmx_msr_bitmap_build(uint8_t *map)
{
	memset(map, 0xff, VMX_MSR_BITMAP_BYTES);
	for (size_t i = 0; i < sizeof(vcpu_passthrough_msrs) / sizeof(*vcpu_passthrough_msrs); i++)
		vmx_msr_bitmap_set(map, vcpu_passthrough_msrs[i], false, false);
	vmx_msr_bitmap_set(map, MSR_TSC, false, true);
}

void vmx_io_bitmap_allow(uint8_t *map, uint16_t first, unsigned count)
{
	for (unsigned p = first; p < (unsigned)first + count && p < 0x10000u; p++)
		map[p / 8] &= (uint8_t)~(1u << (p % 8));
}

/* Qualification (table 28-5): bits 2:0 size - 1, 3 IN, 4 string, 5 REP,
 * 31:16 port. Instruction information (table 28-8): bits 9:7 address
 * size, 0/1/2 for 16/32/64 bits. */
void vmx_decode_io_exit(uint64_t qual, uint32_t insn_info, bool insn_info_valid, uint64_t rip,
			unsigned insn_len, struct vcpu_exit *e)
{
	static const uint8_t addr_sizes[8] = { 2, 4, 8, 0, 0, 0, 0, 0 };
	unsigned size = (unsigned)(qual & 7) + 1;

	e->kind = VCPU_EXIT_IO;
	e->io.port = (uint16_t)(qual >> 16);
	/* 1, 2 or 4; the encodings between are reserved. */
	e->io.size = (uint8_t)(size == 3 ? 2 : size > 4 ? 4 : size);
	e->io.in = (qual >> 3) & 1;
	e->io.string = (qual >> 4) & 1;
	e->io.rep = (qual >> 5) & 1;
	e->io.addr_size = e->io.string && insn_info_valid ? addr_sizes[(insn_info >> 7) & 7] : 0;
	e->io.next_rip = rip + insn_len;
}
