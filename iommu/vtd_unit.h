/* One VT-d remapping unit (a DRHD): bring-up, invalidation, faults. The
 * register and memory accesses go through struct vtd_env so the unit tests
 * can run this code against a recording fake of the hardware. */
#ifndef IOMMU_VTD_UNIT_H
#define IOMMU_VTD_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/spinlock.h"
#include "iommu/domain_id.h"
#include "iommu/vtd_regs.h"

struct vtd_unit;

struct vtd_env {
	uint32_t (*read32)(void *ctx, uint64_t base, unsigned off);
	uint64_t (*read64)(void *ctx, uint64_t base, unsigned off);
	void (*write32)(void *ctx, uint64_t base, unsigned off, uint32_t v);
	void (*write64)(void *ctx, uint64_t base, unsigned off, uint64_t v);
	uint64_t (*alloc_page)(void *ctx);            /* zeroed, 0 if none */
	void (*free_page)(void *ctx, uint64_t phys);
	void *(*ptr)(void *ctx, uint64_t phys);
	/* Writes back cache lines the unit reads, when it does not snoop. */
	void (*clflush)(void *ctx, const void *p, size_t len);
	uint64_t (*now_us)(void *ctx);                /* for bounded waits */
	/* May be NULL (one CPU). Serialise the invalidation queue, which the
	 * CPUs running guests use too (their MSI updates rewrite IRTEs). */
	uint64_t (*lock)(struct vtd_unit *u);
	void (*unlock)(struct vtd_unit *u, uint64_t token);
	void *ctx;
};

/* How long any wait on the hardware may take before it is a timeout. */
#define VTD_TIMEOUT_US 100000

#define VTD_BUSES 256

struct vtd_unit {
	const struct vtd_env *env;
	unsigned index;       /* DRHD ordinal */
	uint64_t base;
	uint16_t segment;
	uint64_t cap, ecap;
	uint32_t version;
	unsigned levels, aw_bits;    /* of second-level tables */
	bool coherent;               /* ECAP.C: no cache flushes needed */
	bool queued;                 /* invalidation through the queue */
	bool enabled;                /* translation on */
	uint64_t root;               /* root table */
	uint64_t context[VTD_BUSES]; /* context table per bus, 0 = none */
	/* Queued invalidation. */
	uint64_t queue;
	unsigned queue_entries, queue_tail;
	uint64_t wait_page;          /* status words written by wait descriptors */
	uint32_t wait_seq;
	struct spinlock queue_lock;  /* for env->lock; this code never takes it */
	struct domain_ids ids;
	/* Interrupt remapping (vtd_ir.c): the table, 2^(S + 1) entries. */
	uint64_t irt;
	uint32_t irt_entries;
	bool eim;                    /* x2APIC destinations (IRTA.EIME) */
	bool ir_enabled;
	/* Counters for the boot log and the tests. */
	unsigned long context_invalidations, iotlb_invalidations, iec_invalidations, timeouts;
};

/* Register access, the width in the register's type (iommu/vtd_regs.h);
 * the env gets the byte offset. */
static inline uint32_t vtd_read32(const struct vtd_unit *u, vtd_reg32_t r)
{
	return u->env->read32(u->env->ctx, u->base, r.off);
}

static inline uint64_t vtd_read64(const struct vtd_unit *u, vtd_reg64_t r)
{
	return u->env->read64(u->env->ctx, u->base, r.off);
}

static inline void vtd_write32(const struct vtd_unit *u, vtd_reg32_t r, uint32_t v)
{
	u->env->write32(u->env->ctx, u->base, r.off, v);
}

static inline void vtd_write64(const struct vtd_unit *u, vtd_reg64_t r, uint64_t v)
{
	u->env->write64(u->env->ctx, u->base, r.off, v);
}

/* Reads the capabilities, disables what firmware left on, sets up the root
 * table and the invalidation interface and flushes every cache. Does not
 * turn translation on. `haw_bits` is the DMAR's host address width. */
int vtd_unit_init(struct vtd_unit *u, const struct vtd_env *env, unsigned index,
		  uint64_t base, uint16_t segment, unsigned haw_bits);

/* Routes fault events to `vector` on the CPU with xAPIC/x2APIC `apic_id`. */
void vtd_unit_setup_fault_event(struct vtd_unit *u, uint8_t vector, uint32_t apic_id);

int vtd_unit_enable_translation(struct vtd_unit *u);

/* Sets (on) or clears a GCMD bit, carrying the persistent ones, and waits
 * for GSTS to follow (VT-d 11.4.4). */
int vtd_global_command(struct vtd_unit *u, uint32_t bit, bool on, const char *step);

/* Invalidations (VT-d 6.5), each synchronous: done when it returns. */
int vtd_flush_write_buffer(struct vtd_unit *u);
int vtd_invalidate_context_global(struct vtd_unit *u);
int vtd_invalidate_context_device(struct vtd_unit *u, uint16_t did, uint16_t sid);
int vtd_invalidate_iotlb_global(struct vtd_unit *u);
int vtd_invalidate_iotlb_domain(struct vtd_unit *u, uint16_t did);
/* Page-selective when the unit supports it and the range fits one
 * naturally aligned block within CAP.MAMV, domain-selective otherwise. */
int vtd_invalidate_iotlb_range(struct vtd_unit *u, uint16_t did, uint64_t iova,
			       uint64_t size);

/* The interrupt entry cache (6.5.2.5), through the queue only (interrupt
 * remapping requires it): every entry, or the naturally aligned block of
 * 2^index_mask entries holding `index`. */
int vtd_invalidate_iec_global(struct vtd_unit *u);
int vtd_invalidate_iec_index(struct vtd_unit *u, uint16_t index, unsigned index_mask);

/* Writes a 16-byte structure (root or context entry) so that the hardware
 * never sees the present bit with a half-written entry: high qword first,
 * then the low one holding the present bit, then the cache lines. */
void vtd_write_entry(struct vtd_unit *u, uint64_t *entry, uint64_t lo, uint64_t hi);

void vtd_flush_cache(struct vtd_unit *u, const void *p, size_t len);

#endif
