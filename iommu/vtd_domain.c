#include "iommu/vtd_domain.h"
#include "arch/x86/log.h"
#include "iommu/vtd_caps.h"
#include "iommu/vtd_regs.h"
#include "iommu/vtd_sl.h"

#include <errno.h>
#include <string.h>

static uint64_t table_alloc(void *ctx)
{
	struct vtd_domain *d = ctx;
	return d->unit->env->alloc_page(d->unit->env->ctx);
}

/* Threads the freed page onto a list through its first qword. */
static void table_defer_free(void *ctx, uint64_t phys)
{
	struct vtd_domain *d = ctx;
	uint64_t *page = d->unit->env->ptr(d->unit->env->ctx, phys);

	page[0] = d->deferred_free;
	d->deferred_free = phys;
}

static uint64_t *table_ptr(void *ctx, uint64_t phys)
{
	struct vtd_domain *d = ctx;
	return d->unit->env->ptr(d->unit->env->ctx, phys);
}

static void table_flush(void *ctx, const void *p, size_t len)
{
	struct vtd_domain *d = ctx;
	vtd_flush_cache(d->unit, p, len);
}

static void release_deferred(struct vtd_domain *d)
{
	const struct vtd_env *env = d->unit->env;

	while (d->deferred_free) {
		uint64_t phys = d->deferred_free;
		d->deferred_free = ((uint64_t *)env->ptr(env->ctx, phys))[0];
		env->free_page(env->ctx, phys);
	}
}

int vtd_domain_create(struct vtd_unit *u, struct vtd_domain *d)
{
	memset(d, 0, sizeof(*d));
	d->unit = u;
	if (domain_id_alloc(&u->ids, &d->did))
		return -ENOSPC;
	vtd_sl_format(&d->fmt, u->levels, cap_sllps(u->cap) & 1, cap_sllps(u->cap) & 2);
	d->env = (struct pt_env){
		.alloc_table = table_alloc,
		.free_table = table_defer_free,
		.table_ptr = table_ptr,
		.flush = table_flush,
		.ctx = d,
	};
	int err = pt_init(&d->pt, &d->fmt, &d->env);
	if (err)
		domain_id_free(&u->ids, d->did);
	return err;
}

int vtd_domain_destroy(struct vtd_domain *d)
{
	/* The unit may still walk the tables of an attached domain. */
	if (d->attached) {
		log_err("vt-d: domain %u still has %u devices attached, not destroyed\n",
			d->did, d->attached);
		return -EBUSY;
	}
	pt_destroy(&d->pt);
	release_deferred(d);
	domain_id_free(&d->unit->ids, d->did);
	return 0;
}

int vtd_domain_map(struct vtd_domain *d, uint64_t iova, uint64_t phys, uint64_t size,
		   uint64_t perm)
{
	uint64_t width = 1ull << d->unit->aw_bits;
	unsigned long replaced = d->pt.replaced;

	/* The tables may reach further than the unit translates (MGAW). */
	if (iova >= width || size > width - iova)
		return -EINVAL;
	int err = pt_map(&d->pt, iova, phys, size, perm & (VTD_SL_R | VTD_SL_W));

	/* Not-present entries are not cached, except in caching mode (QEMU,
	 * virtual IOMMUs), where the unit needs to hear of every new entry.
	 * A mapping that replaced a present one is stale in any IOTLB. */
	if (cap_cm(d->unit->cap) || d->pt.replaced != replaced || err) {
		int inv = vtd_invalidate_iotlb_range(d->unit, d->did, iova, size);
		err = err ? err : inv;
	} else {
		int wbf = vtd_flush_write_buffer(d->unit);
		err = err ? err : wbf;
	}
	release_deferred(d);
	return err;
}

int vtd_domain_unmap(struct vtd_domain *d, uint64_t iova, uint64_t size)
{
	int err = pt_unmap(&d->pt, iova, size);
	int inv = vtd_invalidate_iotlb_range(d->unit, d->did, iova, size);

	release_deferred(d);
	return err ? err : inv;
}

static uint64_t *context_entry(struct vtd_unit *u, uint16_t sid, bool create)
{
	uint8_t bus = sid >> 8;
	uint64_t *root = u->env->ptr(u->env->ctx, u->root);

	if (!u->context[bus]) {
		if (!create || !(u->context[bus] = u->env->alloc_page(u->env->ctx)))
			return NULL;
		vtd_flush_cache(u, u->env->ptr(u->env->ctx, u->context[bus]), 4096);
		vtd_write_entry(u, &root[2 * bus], u->context[bus] | VTD_ROOT_P, 0);
	}
	uint64_t *table = u->env->ptr(u->env->ctx, u->context[bus]);
	return &table[2 * (sid & 0xff)];
}

/* Context-entry AW field: 1 = 39-bit (3-level), 2 = 48-bit, 3 = 57-bit. */
static uint64_t context_aw(unsigned levels)
{
	return levels - 2;
}

int vtd_domain_attach(struct vtd_domain *d, uint16_t sid, bool quarantine)
{
	struct vtd_unit *u = d->unit;
	uint64_t *e = context_entry(u, sid, true);

	if (!e)
		return -ENOMEM;
	/* Functions of one group share an alias: the second attach is a no-op. */
	if ((e[0] & VTD_CTX_LO_P) && ((e[1] >> 8) & 0xffff) == d->did &&
	    !(e[0] & VTD_CTX_LO_FPD) == !quarantine)
		return 0;
	if (e[0] & VTD_CTX_LO_P)
		return -EBUSY;
	uint64_t lo = d->pt.root | VTD_CTX_LO_TT_MULTI | VTD_CTX_LO_P |
		      (quarantine ? VTD_CTX_LO_FPD : 0);
	vtd_write_entry(u, e, lo, VTD_CTX_HI_AW(context_aw(u->levels)) | VTD_CTX_HI_DID(d->did));
	d->attached++;

	/* Caching mode caches not-present context entries under domain 0. */
	if (!cap_cm(u->cap))
		return vtd_flush_write_buffer(u);
	int err = vtd_invalidate_context_device(u, 0, sid);
	return err ? err : vtd_invalidate_iotlb_domain(u, d->did);
}

int vtd_domain_detach(struct vtd_domain *d, uint16_t sid)
{
	struct vtd_unit *u = d->unit;
	uint64_t *e = context_entry(u, sid, false);

	if (!e || !(e[0] & VTD_CTX_LO_P) || ((e[1] >> 8) & 0xffff) != d->did)
		return -ENOENT;
	vtd_write_entry(u, e, 0, 0);
	d->attached--;
	int err = vtd_invalidate_context_device(u, d->did, sid);
	return err ? err : vtd_invalidate_iotlb_domain(u, d->did);
}

int vtd_context_domain(struct vtd_unit *u, uint16_t sid)
{
	uint64_t *e = context_entry(u, sid, false);

	return e && (e[0] & VTD_CTX_LO_P) ? (int)((e[1] >> 8) & 0xffff) : -1;
}
