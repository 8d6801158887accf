/* Guest page walks in software: see guest_walk.h. The reserved-bit masks
 * follow the SDM's entry formats (Vol. 3A, tables 4-4 to 4-20) as KVM's
 * reset_rsvds_bits_mask does, less the AMD-only bit 8 of non-leaf
 * entries. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86/guest_walk.h"
#include "arch/x86/sizes.h"

#define E_P    (1ull << 0)
#define E_RW   (1ull << 1)
#define E_US   (1ull << 2)
#define E_PS   (1ull << 7)
#define E_XD   (1ull << 63)
#define E_ADDR 0x000ffffffffff000ull /* bits 51:12 */

/* Bits hi..lo set (hi >= lo). */
static uint64_t bits(unsigned hi, unsigned lo)
{
	uint64_t top = hi >= 63 ? ~0ull : (1ull << (hi + 1)) - 1;

	return top & ~((1ull << lo) - 1);
}

static unsigned maxphyaddr(const struct guest_paging *pg)
{
	unsigned m = pg->phys_bits;

	if (m == 0 || m > 52)
		return 52;
	return m < 32 ? 32 : m;
}

/* Physical-address bits at or above MAXPHYADDR within 51:0 (4-level). */
static uint64_t high_phys(const struct guest_paging *pg, unsigned top)
{
	unsigned m = maxphyaddr(pg);

	return m > top ? 0 : bits(top, m);
}

static bool long_mode(const struct guest_paging *pg)
{
	return pg->efer & GW_EFER_LMA;
}

/* One entry of size 4 or 8 at gpa (aligned to its size). */
static int read_entry(const struct guest_paging *pg, uint64_t gpa, unsigned size, uint64_t *e)
{
	uint64_t v;

	if (!pg->read(pg->ctx, gpa & ~7ull, &v))
		return -EIO;
	if (size == 4)
		v = (uint32_t)(v >> (8 * (gpa & 4)));
	*e = v;
	return 0;
}

struct walk {
	const struct guest_paging *pg;
	unsigned access;
	uint32_t pfec;   /* the error code's access bits (W, U, I) */
	bool w, u, xd;   /* rights accumulated over the levels */
};

static int fault(struct walk *wk, struct guest_xlate *x, uint32_t extra)
{
	x->gpa = 0;
	x->page_size = 0;
	x->pfec = wk->pfec | extra;
	return -EFAULT;
}

/* Folds one entry's rights into the walk. */
static void rights(struct walk *wk, uint64_t e, bool has_xd)
{
	wk->w = wk->w && (e & E_RW);
	wk->u = wk->u && (e & E_US);
	if (has_xd && (e & E_XD))
		wk->xd = true;
}

/* The access against the rights of the translation (SDM 4.6). */
static int check_rights(struct walk *wk, struct guest_xlate *x)
{
	const struct guest_paging *pg = wk->pg;
	bool user = wk->access & GW_PFEC_U;

	if (user && !wk->u)
		return fault(wk, x, GW_PFEC_P);
	if ((wk->access & GW_PFEC_W) && !wk->w && (user || (pg->cr0 & GW_CR0_WP)))
		return fault(wk, x, GW_PFEC_P);
	if (wk->access & GW_PFEC_I) {
		if (wk->xd)
			return fault(wk, x, GW_PFEC_P);
		if (!user && wk->u && (pg->cr4 & GW_CR4_SMEP))
			return fault(wk, x, GW_PFEC_P);
	}
	return 0;
}

static void leaf(struct guest_xlate *x, uint64_t frame, uint64_t size, uint64_t la)
{
	x->page_size = size;
	x->gpa = (frame & ~(size - 1)) | (la & (size - 1));
}

/* 4-level and 5-level paging. */
static int walk_long(struct walk *wk, uint64_t la, struct guest_xlate *x)
{
	const struct guest_paging *pg = wk->pg;
	unsigned levels = pg->cr4 & GW_CR4_LA57 ? 5 : 4;
	unsigned va_bits = 12 + 9 * levels;
	uint64_t sign = 1ull << (va_bits - 1);
	bool nxe = pg->efer & GW_EFER_NXE;
	uint64_t high = high_phys(pg, 51) | (nxe ? 0 : E_XD);
	uint64_t table = pg->cr3 & E_ADDR & ~high_phys(pg, 51);
	int rc;

	/* Canonical: bits 63:va_bits - 1 all equal. */
	if ((la & ~(sign - 1)) != 0 && (la & ~(sign - 1)) != ~(sign - 1))
		return -EINVAL;

	for (unsigned level = levels - 1;; level--) {
		unsigned shift = 12 + 9 * level;
		uint64_t e, rsvd = high;
		bool is_leaf;

		rc = read_entry(pg, table + ((la >> shift) & 511) * 8, 8, &e);
		if (rc)
			return rc;
		if (!(e & E_P))
			return fault(wk, x, 0);
		is_leaf = level == 0 || (level <= 2 && (e & E_PS));
		if (level >= 3)
			rsvd |= E_PS; /* PML5E, PML4E */
		else if (is_leaf && level == 2)
			rsvd |= bits(29, 13); /* 1G */
		else if (is_leaf && level == 1)
			rsvd |= bits(20, 13); /* 2M */
		if (e & rsvd)
			return fault(wk, x, GW_PFEC_P | GW_PFEC_RSVD);
		rights(wk, e, nxe);
		if (is_leaf) {
			leaf(x, e & E_ADDR, 1ull << shift, la);
			return check_rights(wk, x);
		}
		table = e & E_ADDR;
	}
}

/* PAE paging: a 4-entry PDPT, then 512-entry PD and PT. */
static int walk_pae(struct walk *wk, uint64_t la, struct guest_xlate *x)
{
	const struct guest_paging *pg = wk->pg;
	bool nxe = pg->efer & GW_EFER_NXE;
	uint64_t high = high_phys(pg, 62) | (nxe ? 0 : E_XD);
	uint64_t e;
	int rc;

	rc = read_entry(pg, (pg->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8, 8, &e);
	if (rc)
		return rc;
	if (!(e & E_P))
		return fault(wk, x, 0);
	/* The PDPTE has no rights bits: 2:1 and 8:5 are reserved, and 63. */
	if (e & (high_phys(pg, 63) | E_XD | bits(2, 1) | bits(8, 5)))
		return fault(wk, x, GW_PFEC_P | GW_PFEC_RSVD);

	rc = read_entry(pg, (e & E_ADDR) + ((la >> 21) & 511) * 8, 8, &e);
	if (rc)
		return rc;
	if (!(e & E_P))
		return fault(wk, x, 0);
	if (e & (high | (e & E_PS ? bits(20, 13) : 0)))
		return fault(wk, x, GW_PFEC_P | GW_PFEC_RSVD);
	rights(wk, e, nxe);
	if (e & E_PS) {
		leaf(x, e & E_ADDR, 1ull << 21, la);
		return check_rights(wk, x);
	}

	rc = read_entry(pg, (e & E_ADDR) + ((la >> 12) & 511) * 8, 8, &e);
	if (rc)
		return rc;
	if (!(e & E_P))
		return fault(wk, x, 0);
	if (e & high)
		return fault(wk, x, GW_PFEC_P | GW_PFEC_RSVD);
	rights(wk, e, nxe);
	leaf(x, e & E_ADDR, 1ull << 12, la);
	return check_rights(wk, x);
}

/* 32-bit paging: 1024-entry PD and PT of 4-byte entries, 4M pages with
 * CR4.PSE whose PDE bits 20:13 give PA bits 39:32 (PSE-36). */
static int walk_32(struct walk *wk, uint64_t la, struct guest_xlate *x)
{
	const struct guest_paging *pg = wk->pg;
	uint64_t e;
	int rc;

	rc = read_entry(pg, (pg->cr3 & 0xfffff000ull) + ((la >> 22) & 1023) * 4, 4, &e);
	if (rc)
		return rc;
	if (!(e & E_P))
		return fault(wk, x, 0);
	rights(wk, e, false);
	if ((e & E_PS) && (pg->cr4 & GW_CR4_PSE)) {
		unsigned m = maxphyaddr(pg) < 40 ? maxphyaddr(pg) : 40;
		uint64_t frame = (e & 0xffc00000ull) | ((e >> 13) & 0xff) << 32;

		if (e & bits(21, m - 19))
			return fault(wk, x, GW_PFEC_P | GW_PFEC_RSVD);
		leaf(x, frame, 1ull << 22, la);
		return check_rights(wk, x);
	}

	rc = read_entry(pg, (e & 0xfffff000ull) + ((la >> 12) & 1023) * 4, 4, &e);
	if (rc)
		return rc;
	if (!(e & E_P))
		return fault(wk, x, 0);
	rights(wk, e, false);
	leaf(x, e & 0xfffff000ull, 1ull << 12, la);
	return check_rights(wk, x);
}

int guest_walk(const struct guest_paging *pg, uint64_t la, unsigned access,
	       struct guest_xlate *x)
{
	struct walk wk = { .pg = pg, .access = access, .w = true, .u = true };
	bool pae;

	if (!x)
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	if (!pg || !pg->read)
		return -EINVAL;

	if (!(pg->cr0 & GW_CR0_PG)) {
		x->gpa = la & 0xffffffffull;
		x->page_size = 1ull << 12;
		return 0;
	}
	pae = long_mode(pg) || (pg->cr4 & GW_CR4_PAE);
	wk.pfec = access & (GW_PFEC_W | GW_PFEC_U);
	if ((access & GW_PFEC_I) &&
	    ((pae && (pg->efer & GW_EFER_NXE)) || (pg->cr4 & GW_CR4_SMEP)))
		wk.pfec |= GW_PFEC_I;

	if (long_mode(pg))
		return walk_long(&wk, la, x);
	la &= 0xffffffffull;
	if (pae)
		return walk_pae(&wk, la, x);
	return walk_32(&wk, la, x);
}

int guest_fetch(const struct guest_paging *pg, uint64_t la, unsigned access, uint8_t *buf,
		size_t len, size_t *fetched, uint32_t *pfec)
{
	uint64_t wrap;
	size_t done = 0;
	int rc = 0;

	if (fetched)
		*fetched = 0;
	if (pfec)
		*pfec = 0;
	if (!pg || !pg->read || (!buf && len))
		return -EINVAL;
	wrap = (pg->cr0 & GW_CR0_PG) && long_mode(pg) ? ~0ull : 0xffffffffull;

	while (done < len) {
		uint64_t a = (la + done) & wrap;
		size_t n = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		struct guest_xlate x;

		rc = guest_walk(pg, a, access, &x);
		if (rc) {
			if (rc == -EFAULT && pfec)
				*pfec = x.pfec;
			break;
		}
		if (n > len - done)
			n = len - done;
		/* n bytes from x.gpa, within one 4K page: aligned words. */
		while (n) {
			uint64_t g = x.gpa, w;
			unsigned off = g & 7;

			if (!pg->read(pg->ctx, g & ~7ull, &w)) {
				rc = -EIO;
				goto out;
			}
			for (; off < 8 && n; off++, n--, x.gpa++)
				buf[done++] = (uint8_t)(w >> (8 * off));
		}
	}
out:
	if (fetched)
		*fetched = done;
	return rc;
}
