/* The length of a WBINVD (0F 09) or WBNOINVD (F3 0F 09) at the guest's RIP,
 * for an exit that does not give it (SVM without next-RIP save). The bytes
 * are the guest's and untrusted: at most `len` of them are read, never
 * beyond 15. */
#ifndef ARCH_X86_INSN_WBINVD_H
#define ARCH_X86_INSN_WBINVD_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/insn_decode.h"

/* Legacy prefixes (66, 67, F2, F3, segment overrides; F3 makes it WBNOINVD,
 * the others change nothing) and, in 64-bit mode, REX, then 0F 09. Returns
 * the length, or -EINVAL when the bytes are not that (LOCK included: the
 * CPU raises #UD and never exits), or when they stop first. */
int insn_wbinvd_len(const uint8_t *bytes, size_t len, enum insn_mode mode);

#endif
