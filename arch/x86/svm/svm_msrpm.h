/* The SVM MSR permission map (AMD APM Vol. 2, 15.11): two bits (read,
 * write; set = intercepted) per MSR in three 2 KiB ranges of 0x2000 MSRs
 * each, from 0, 0xC0000000 and 0xC0010000; an MSR outside them always
 * exits. Pure, built for the host too (tests/unit/test_svm_msrpm.c). */
#ifndef ARCH_X86_SVM_SVM_MSRPM_H
#define ARCH_X86_SVM_SVM_MSRPM_H

#include <stdbool.h>
#include <stdint.h>

/* Sets whether reads and writes of `msr` exit under `map` (nothing for an
 * MSR outside the ranges). */
void svm_msrpm_set(uint8_t *map, uint32_t msr, bool read_exits, bool write_exits);
/* Whether RDMSR (`write` false) or WRMSR of `msr` exits under `map`. */
bool svm_msrpm_exits(const uint8_t *map, uint32_t msr, bool write);
/* Whether every MSR of [first, first + count), count > 0, has its bits. */
bool svm_msrpm_covers(uint32_t first, unsigned count);

#endif
