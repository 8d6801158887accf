/* HPET registers (IA-PC HPET specification 1.0a, section 2.3). */
#ifndef ARCH_X86_HPET_H
#define ARCH_X86_HPET_H

#include "arch/x86/cpu.h"

#define HPET_CAPABILITIES   0x000
#define HPET_CONFIG         0x010
#define HPET_CONFIG_ENABLE  (1u << 0)
#define HPET_MAIN_COUNTER   0x0f0

#define HPET_FEMTOSECONDS_PER_SECOND 1000000000000000ull
/* The spec caps the counter period at 100 ns. */
#define HPET_MAX_PERIOD_FS 100000000u

static inline uint32_t hpet_period_fs(uintptr_t base)
{
	return (uint32_t)(mmio_read64(base + HPET_CAPABILITIES) >> 32);
}

static inline void hpet_enable(uintptr_t base)
{
	uint32_t cfg = mmio_read32(base + HPET_CONFIG);
	if (!(cfg & HPET_CONFIG_ENABLE))
		mmio_write32(base + HPET_CONFIG, cfg | HPET_CONFIG_ENABLE);
}

static inline uint64_t hpet_counter(uintptr_t base)
{
	return mmio_read64(base + HPET_MAIN_COUNTER);
}

#endif
