#include "arch/x86/insn_wbinvd.h"

#include <errno.h>
#include <stdbool.h>

static bool ignored_prefix(uint8_t b, enum insn_mode mode)
{
	switch (b) {
	case 0x66: case 0x67: case 0xf2: case 0xf3:
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
		return true;
	default:
		return mode == INSN_MODE_64 && (b & 0xf0) == 0x40; /* REX */
	}
}

int insn_wbinvd_len(const uint8_t *bytes, size_t len, enum insn_mode mode)
{
	size_t n = len < INSN_MAX_LEN ? len : INSN_MAX_LEN;
	size_t i = 0;

	while (i < n && ignored_prefix(bytes[i], mode))
		i++;
	if (i + 2 > n || bytes[i] != 0x0f || bytes[i + 1] != 0x09)
		return -EINVAL;
	return (int)(i + 2);
}
