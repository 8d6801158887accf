/* A block of 32-bit memory-mapped registers reached through callbacks, so
 * that code programming a device (an MSI-X table, an I/O APIC) runs the
 * same in hv, over a mapping (mmio32_direct()), and in the unit tests, over
 * plain memory or a fake that records every access in order. */
#ifndef ARCH_X86_MMIO32_H
#define ARCH_X86_MMIO32_H

#include <stdint.h>

struct mmio32 {
	uint32_t (*read)(void *ctx, uint32_t off);
	void (*write)(void *ctx, uint32_t off, uint32_t value);
	void *ctx;
};

static inline uint32_t mmio32_read(const struct mmio32 *m, uint32_t off)
{
	return m->read(m->ctx, off);
}

static inline void mmio32_write(const struct mmio32 *m, uint32_t off, uint32_t value)
{
	m->write(m->ctx, off, value);
}

/* Volatile dword accesses at ctx + off: one bus access each, in program
 * order (the mapping must be uncached for real registers). */
static inline uint32_t mmio32_direct_read(void *base, uint32_t off)
{
	return *(volatile uint32_t *)((uintptr_t)base + off);
}

static inline void mmio32_direct_write(void *base, uint32_t off, uint32_t value)
{
	*(volatile uint32_t *)((uintptr_t)base + off) = value;
}

/* The registers mapped at `base`. */
static inline struct mmio32 mmio32_direct(volatile void *base)
{
	return (struct mmio32){ mmio32_direct_read, mmio32_direct_write,
				(void *)(uintptr_t)base };
}

#endif
