#include "hv/remap/units.h"
#include "arch/x86/cpu.h"
#include "arch/x86/irq.h"
#include "arch/x86/lapic.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/time.h"
#include "hv/platform.h"
#include "iommu/dmar_match.h"
#include "iommu/vtd_caps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define CACHE_LINE 64

static struct vtd_unit *units[IOMMU_MAX_UNITS];
/* Per unit, an empty domain that quarantined devices are parked in. */
static struct vtd_domain blocking[IOMMU_MAX_UNITS];
static bool blocking_ready[IOMMU_MAX_UNITS];
static unsigned unit_count;

/* ---- the environment the iommu/ code runs in ------------------------------ */

static uint32_t env_read32(void *ctx, uint64_t base, unsigned off)
{
	(void)ctx;
	return mmio_read32(base + off);
}

static uint64_t env_read64(void *ctx, uint64_t base, unsigned off)
{
	(void)ctx;
	return mmio_read64(base + off);
}

static void env_write32(void *ctx, uint64_t base, unsigned off, uint32_t v)
{
	(void)ctx;
	mmio_write32(base + off, v);
}

static void env_write64(void *ctx, uint64_t base, unsigned off, uint64_t v)
{
	(void)ctx;
	*(volatile uint64_t *)(uintptr_t)(base + off) = v;
}

static void *env_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static void env_clflush(void *ctx, const void *p, size_t len)
{
	(void)ctx;
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(CACHE_LINE - 1);

	__asm__ volatile("mfence" ::: "memory");
	for (; a < (uintptr_t)p + len; a += CACHE_LINE)
		__asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
	__asm__ volatile("mfence" ::: "memory");
}

static uint64_t env_now_us(void *ctx)
{
	(void)ctx;
	return time_ns() / 1000;
}

static uint64_t env_lock(struct vtd_unit *u)
{
	return spin_lock(&u->queue_lock);
}

static void env_unlock(struct vtd_unit *u, uint64_t token)
{
	spin_unlock(&u->queue_lock, token);
}

static const struct vtd_env hv_vtd_env = {
	.lock = env_lock,
	.unlock = env_unlock,
	.read32 = env_read32,
	.read64 = env_read64,
	.write32 = env_write32,
	.write64 = env_write64,
	.alloc_page = page_table_alloc,
	.free_page = page_table_free,
	.ptr = env_ptr,
	.clflush = env_clflush,
	.now_us = env_now_us,
};

/* ---- bring-up ------------------------------------------------------------- */

static int bring_up(const struct dmar_structure *s, unsigned ordinal)
{
	struct vtd_unit *u = malloc(sizeof(*u));
	char prefix[32];
	int err;

	if (!u)
		return -ENOMEM;
	err = vtd_unit_init(u, &hv_vtd_env, ordinal, s->drhd.address, s->drhd.segment,
			    platform.dmar->host_address_width);
	if (!err) {
		log_info("vt-d unit %u at %#llx: version %u.%u, %u-level tables (%u-bit), %s invalidation\n",
			 ordinal, (unsigned long long)u->base, (u->version >> 4) & 0xf,
			 u->version & 0xf, u->levels, u->aw_bits,
			 u->queued ? "queued" : "register-based");
		snprintf(prefix, sizeof(prefix), "vt-d unit %u: ", ordinal);
		vtd_caps_log(prefix, u->cap, u->ecap);
		vtd_unit_setup_fault_event(u, IRQ_VECTOR_VTD_FAULT, lapic_id());
		err = vtd_unit_enable_translation(u);
	}
	if (err) {
		log_err("vt-d unit %u: bring-up failed (%d); its devices stay unprotected\n",
			ordinal, err);
		free(u);
		return err;
	}
	units[ordinal] = u;
	return 0;
}

int iommu_init(void)
{
	const struct dmar_table *t = platform.dmar;
	unsigned ordinal = 0, failed = 0;

	if (!platform_has_vtd())
		return 0;
	for (unsigned i = 0; i < t->structure_count; i++) {
		const struct dmar_structure *s = &t->structure[i];
		if (s->type != DMAR_DRHD)
			continue;
		if (ordinal < IOMMU_MAX_UNITS && !s->ignored && bring_up(s, ordinal))
			failed++;
		ordinal++;
	}
	unit_count = ordinal < IOMMU_MAX_UNITS ? ordinal : IOMMU_MAX_UNITS;
	log_info("vt-d: %u units, translation on%s; devices without an owner are blocked\n",
		 unit_count - failed, failed ? " (some failed)" : "");
	return failed ? -EIO : 0;
}

bool iommu_active(void)
{
	for (unsigned i = 0; i < unit_count; i++)
		if (units[i])
			return true;
	return false;
}

unsigned iommu_unit_count(void)
{
	return unit_count;
}

struct vtd_unit *iommu_unit(unsigned ordinal)
{
	return ordinal < unit_count ? units[ordinal] : NULL;
}

struct vtd_unit *iommu_unit_of(const struct pci_function *f)
{
	return f->unit >= 0 ? iommu_unit((unsigned)f->unit) : NULL;
}

int iommu_attach_function(struct vtd_domain *d, const struct pci_function *f)
{
	for (unsigned a = 0; a < f->alias_count; a++) {
		int err = vtd_domain_attach(d, f->alias[a], false);
		if (err) {
			while (a--)
				vtd_domain_detach(d, f->alias[a]);
			return err;
		}
	}
	return 0;
}

int iommu_detach_function(struct vtd_domain *d, const struct pci_function *f)
{
	int err = 0;

	for (unsigned a = 0; a < f->alias_count; a++) {
		int e = vtd_domain_detach(d, f->alias[a]);
		err = err ? err : e;
	}
	return err;
}

int iommu_for_each_rmrr(const struct pci_function *f,
			int (*fn)(void *ctx, const struct dmar_structure *rmrr, uint64_t base,
				  uint64_t size),
			void *ctx)
{
	const struct dmar_table *t = platform.dmar;
	int self = (int)(f - platform.pci->fn), count = 0;

	for (unsigned i = 0; t && i < t->structure_count; i++) {
		const struct dmar_structure *s = &t->structure[i];
		if (s->type != DMAR_RMRR || s->ignored || s->rmrr.segment != f->bdf.segment)
			continue;
		const struct dmar_scope *scope = dmar_scopes_of(t, s);
		for (unsigned j = 0; j < s->scope_count; j++) {
			if (scope[j].ignored ||
			    dmar_scope_resolve(&scope[j], s->rmrr.segment, platform.pci) != self)
				continue;
			uint64_t base = s->rmrr.base & ~0xfffull;
			int err = fn(ctx, s, base, ((s->rmrr.limit | 0xfff) + 1) - base);
			if (err)
				return err;
			count++;
		}
	}
	return count;
}

struct rmrr_map {
	struct vtd_domain *d;
	const struct pci_function *f;
};

static int map_rmrr(void *ctx, const struct dmar_structure *s, uint64_t base, uint64_t size)
{
	struct rmrr_map *m = ctx;
	int err = vtd_domain_map(m->d, base, base, size, VTD_SL_R | VTD_SL_W);

	if (err)
		return err;
	log_warn("vt-d: RMRR %#llx-%#llx identity-mapped for %02x:%02x.%u: firmware may DMA there\n",
		 (unsigned long long)s->rmrr.base, (unsigned long long)s->rmrr.limit,
		 m->f->bdf.bus, m->f->bdf.dev, m->f->bdf.fn);
	return 0;
}

int iommu_map_rmrrs(struct vtd_domain *d, const struct pci_function *f)
{
	struct rmrr_map m = { d, f };

	return iommu_for_each_rmrr(f, map_rmrr, &m);
}

int iommu_quarantine_function(struct vtd_domain *from, const struct pci_function *f)
{
	struct vtd_unit *u = iommu_unit_of(f);
	int err = 0;

	pci_command_update(f->bdf, 0, PCI_COMMAND_BUS_MASTER);
	if (!u)
		return -ENODEV;
	if (!blocking_ready[u->index]) {
		if ((err = vtd_domain_create(u, &blocking[u->index])))
			return err;
		blocking_ready[u->index] = true;
	}
	if (from)
		err = iommu_detach_function(from, f);
	for (unsigned a = 0; a < f->alias_count && !err; a++)
		err = vtd_domain_attach(&blocking[u->index], f->alias[a], true);
	/* The caller says why (a fault storm, a release); only a failure is
	 * news here. */
	if (err)
		log_err("vt-d: %02x:%02x.%u: blocking context update failed (%d); bus mastering "
			"is off\n", f->bdf.bus, f->bdf.dev, f->bdf.fn, err);
	return err;
}

int iommu_unblock_function(const struct pci_function *f)
{
	struct vtd_unit *u = iommu_unit_of(f);
	int err = 0;

	if (!u || !blocking_ready[u->index])
		return -ENODEV;
	for (unsigned a = 0; a < f->alias_count; a++) {
		int e = vtd_domain_detach(&blocking[u->index], f->alias[a]);
		if (e != -ENOENT)
			err = err ? err : e;
	}
	return err;
}
