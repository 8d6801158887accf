/* iommu/vtd_unit.c, vtd_domain.c, vtd_fault.c against a recording fake of
 * the VT-d hardware (tests/unit/fake_vtd.h): bring-up order, invalidation
 * discipline (every change invalidated at once; queued or register-based,
 * never both), translations checked by the fake's own reference walker,
 * fault draining and bounded waits, on the capability sets QEMU offers and
 * the variants real units have.
 *
 * After every operation of the code under test the fake's checker runs:
 * every cached context/IOTLB/paging-structure entry must equal a fresh walk
 * of the tables, every table the hardware can reach must read the same as
 * the CPU wrote it (clflush with ECAP.C=0, write-buffer flush with
 * CAP.RWBF=1), and nothing the hardware can reach or has cached may be
 * freed. The first tests check the fake itself, by hand, with no iommu/
 * code involved. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iommu/vtd_caps.h"
#include "iommu/vtd_domain.h"
#include "iommu/vtd_fault.h"
#include "iommu/vtd_regs.h"
#include "iommu/vtd_unit.h"
#include "tests/unit/fake_vtd.h"
#include "tests/unit/log_stub.h"
#include "tests/unit/watchdog.h"

#define SZ_4K (1ull << 12)
#define SZ_2M (1ull << 21)
#define SZ_1G (1ull << 30)
#define RW (VTD_SL_R | VTD_SL_W)

/* ---- capability variants (VT-d 11.4.2, 11.4.3; own encodings) ------------- */

#define CAP_ND_MASK    7ull
#define CAP_RWBF       (1ull << 4)
#define CAP_PLMR       (1ull << 5)
#define CAP_CM         (1ull << 7)
#define CAP_SAGAW(x)   ((uint64_t)(x) << 8)
#define CAP_SAGAW_MASK CAP_SAGAW(0x1f)
#define CAP_MGAW(b)    ((uint64_t)((b) - 1) << 16)
#define CAP_MGAW_MASK  (0x3full << 16)
#define CAP_SLLPS(x)   ((uint64_t)(x) << 34)
#define CAP_SLLPS_MASK CAP_SLLPS(0xf)
#define CAP_PSI        (1ull << 39)
#define CAP_NFR(n)     ((uint64_t)((n) - 1) << 40)
#define CAP_NFR_MASK   (0xffull << 40)
#define CAP_MAMV(m)    ((uint64_t)(m) << 48)
#define CAP_MAMV_MASK  (0x3full << 48)
#define ECAP_C         (1ull << 0)
#define ECAP_QI        (1ull << 1)
#define ECAP_IR        (1ull << 3)

#define QCAP FAKE_CAP_QEMU
#define QECAP FAKE_ECAP_QEMU
#define WITH(cap, mask, val) (((cap) & ~(mask)) | (val))
#define NO_QI (QECAP & ~(ECAP_QI | ECAP_IR)) /* IR needs QI */

struct variant {
	const char *name;
	uint64_t cap, ecap;
	unsigned haw;              /* the DMAR's host address width */
	unsigned levels, aw_bits;  /* what vtd_unit_init must choose */
};

enum {
	V_QEMU, V_QEMU48, V_4LEVEL, V_5LEVEL, V_CM, V_NOQI, V_RWBF, V_NOPSI, V_COHERENT,
	V_NOSP, V_2MONLY, V_SMALLMAMV, V_AWKWARD, V_COUNT,
	/* Used by single tests only. */
	V_ND0 = V_COUNT, V_ND0_CM, V_NFR4, V_MGAW36, V_PLMR, V_ALL
};

static const struct variant variants[V_ALL] = {
	[V_QEMU] = { "qemu", QCAP, QECAP, 39, 3, 39 },
	[V_QEMU48] = { "qemu-aw48", WITH(WITH(QCAP, CAP_SAGAW_MASK, CAP_SAGAW(6)), CAP_MGAW_MASK,
					 CAP_MGAW(48)), QECAP, 48, 4, 48 },
	[V_4LEVEL] = { "4level-only", WITH(WITH(QCAP, CAP_SAGAW_MASK, CAP_SAGAW(4)), CAP_MGAW_MASK,
					   CAP_MGAW(48)), QECAP, 39, 4, 48 },
	[V_5LEVEL] = { "5level", WITH(WITH(QCAP, CAP_SAGAW_MASK, CAP_SAGAW(8)), CAP_MGAW_MASK,
				      CAP_MGAW(57)), QECAP, 52, 5, 57 },
	[V_CM] = { "caching-mode", QCAP | CAP_CM, QECAP, 39, 3, 39 },
	[V_NOQI] = { "no-qi", QCAP, NO_QI, 39, 3, 39 },
	[V_RWBF] = { "rwbf", QCAP | CAP_RWBF, QECAP, 39, 3, 39 },
	[V_NOPSI] = { "no-psi", QCAP & ~CAP_PSI, QECAP, 39, 3, 39 },
	[V_COHERENT] = { "coherent", QCAP, QECAP | ECAP_C, 39, 3, 39 },
	[V_NOSP] = { "no-superpages", WITH(QCAP, CAP_SLLPS_MASK, 0), QECAP, 39, 3, 39 },
	[V_2MONLY] = { "2m-only", WITH(QCAP, CAP_SLLPS_MASK, CAP_SLLPS(1)), QECAP, 39, 3, 39 },
	[V_SMALLMAMV] = { "mamv2", WITH(QCAP, CAP_MAMV_MASK, CAP_MAMV(2)), QECAP, 39, 3, 39 },
	[V_AWKWARD] = { "cm-rwbf-noqi-nopsi-aw48",
			WITH(WITH(WITH((QCAP | CAP_CM | CAP_RWBF) & ~CAP_PSI, CAP_SAGAW_MASK,
				       CAP_SAGAW(4)), CAP_MGAW_MASK, CAP_MGAW(48)),
			     CAP_SLLPS_MASK, CAP_SLLPS(1)), NO_QI, 48, 4, 48 },
	[V_ND0] = { "nd0", QCAP & ~CAP_ND_MASK, QECAP, 39, 3, 39 },
	[V_ND0_CM] = { "nd0-cm", (QCAP & ~CAP_ND_MASK) | CAP_CM, QECAP, 39, 3, 39 },
	[V_NFR4] = { "nfr4", WITH(QCAP, CAP_NFR_MASK, CAP_NFR(4)), QECAP, 39, 3, 39 },
	[V_MGAW36] = { "mgaw36", WITH(QCAP, CAP_MGAW_MASK, CAP_MGAW(36)), QECAP, 36, 3, 36 },
	[V_PLMR] = { "plmr", QCAP | CAP_PLMR, QECAP, 39, 3, 39 },
};

static bool has_2m(const struct variant *v) { return cap_sllps(v->cap) & VTD_SLLPS_2M; }
static bool has_1g(const struct variant *v) { return cap_sllps(v->cap) & VTD_SLLPS_1G; }

/* The leaf level the largest page allowed gives, at most `want`. */
static int leaf_level(const struct variant *v, int want)
{
	if (want >= 2 && has_1g(v))
		return 2;
	if (want >= 1 && has_2m(v))
		return 1;
	return 0;
}

/* ---- fixture ---------------------------------------------------------------- */

struct fx {
	const struct variant *v;
	struct fake_vtd *f;
	struct vtd_unit u;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	watchdog_arm("test_vtd_hw", 60);
	log_stub_reset();
	x->v = *state ? *state : &variants[V_QEMU];
	x->f = fake_vtd_new(x->v->cap, x->v->ecap);
	*state = x;
	return 0;
}

static int setup_plain(void **state)
{
	(void)state;
	watchdog_arm("test_vtd_hw", 60);
	log_stub_reset();
	return 0;
}

static int teardown_plain(void **state)
{
	(void)state;
	watchdog_disarm();
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	fake_vtd_free(x->f);
	free(x);
	watchdog_disarm();
	return 0;
}

/* Runs the checker; any problem the fake saw so far fails the test. */
#define OK(x) ok_((x), __LINE__)
static void ok_(struct fx *x, int line)
{
	fake_check_coherent(x->f);
	if (x->f->errors)
		fail_msg("line %d [%s]: the fake found %u problem(s):\n%s", line, x->v->name,
			 x->f->errors, x->f->error_text);
}

static void up(struct fx *x)
{
	assert_int_equal(vtd_unit_init(&x->u, &x->f->env, 0, FAKE_VTD_BASE, 0, x->v->haw), 0);
	OK(x);
	assert_int_equal(vtd_unit_enable_translation(&x->u), 0);
	OK(x);
}

static void dom_new(struct fx *x, struct vtd_domain *d)
{
	assert_int_equal(vtd_domain_create(&x->u, d), 0);
	OK(x);
}

static void dom_free(struct fx *x, struct vtd_domain *d)
{
	vtd_domain_destroy(d);
	OK(x);
}

#define MAP(x, d, iova, pa, size, perm) do { \
		assert_int_equal(vtd_domain_map((d), (iova), (pa), (size), (perm)), 0); \
		OK(x); \
	} while (0)
#define UNMAP(x, d, iova, size) do { \
		assert_int_equal(vtd_domain_unmap((d), (iova), (size)), 0); \
		OK(x); \
	} while (0)
#define ATTACH(x, d, sid) do { \
		assert_int_equal(vtd_domain_attach((d), (sid), false), 0); \
		OK(x); \
	} while (0)
#define DETACH(x, d, sid) do { \
		assert_int_equal(vtd_domain_detach((d), (sid)), 0); \
		OK(x); \
	} while (0)

/* A DMA through the caches (filling them) and a fresh walk must agree:
 * `iova` gives `hpa` for the accesses `perm` allows, faults 5/6 otherwise;
 * level >= 0: the leaf's level. */
#define XLATE(x, sid, iova, hpa, perm, level) xlate_((x), (sid), (iova), (hpa), (perm), (level), __LINE__)
static void xlate_(struct fx *x, uint16_t sid, uint64_t iova, uint64_t hpa, unsigned perm,
		   int level, int line)
{
	for (int pass = 0; pass < 4; pass++) {
		bool write = pass & 1, cached = pass < 2;
		bool allowed = perm & (write ? 2 : 1);
		struct fake_walk w;
		fake_translate_ex(x->f, sid, iova, write, cached, &w);
		if (allowed && (w.fault || w.hpa != hpa))
			fail_msg("line %d [%s]: %s %s of %#llx by %#x: fault %#x hpa %#llx, want "
				 "%#llx", line, x->v->name, cached ? "cached" : "fresh",
				 write ? "write" : "read", (unsigned long long)iova, sid, w.fault,
				 (unsigned long long)w.hpa, (unsigned long long)hpa);
		if (!allowed && w.fault != (write ? 5u : 6u))
			fail_msg("line %d [%s]: %s %s of %#llx by %#x: fault %#x, want %u", line,
				 x->v->name, cached ? "cached" : "fresh", write ? "write" : "read",
				 (unsigned long long)iova, sid, w.fault, write ? 5 : 6);
		if (!cached && level >= 0 && w.level != (unsigned)level && !w.fault)
			fail_msg("line %d [%s]: %#llx is mapped by a level-%u leaf, want level %d",
				 line, x->v->name, (unsigned long long)iova, w.level, level);
	}
}

/* Both a cached and a fresh translation of `iova` fault with `reason`
 * (for reads; writes give reason_w). */
#define FAULTS(x, sid, iova, reason_r, reason_w) faults_((x), (sid), (iova), (reason_r), (reason_w), __LINE__)
static void faults_(struct fx *x, uint16_t sid, uint64_t iova, unsigned reason_r,
		    unsigned reason_w, int line)
{
	for (int pass = 0; pass < 4; pass++) {
		bool write = pass & 1, cached = pass < 2;
		struct fake_walk w;
		fake_translate_ex(x->f, sid, iova, write, cached, &w);
		unsigned want = write ? reason_w : reason_r;
		/* A cached not-present context entry (caching mode) may date from
		 * before the bus had a context table: root or context not present
		 * are the same answer. */
		bool np_ctx = cached && (want == 1 || want == 2) && (w.fault == 1 || w.fault == 2);
		if (w.fault != want && !np_ctx)
			fail_msg("line %d [%s]: %s %s of %#llx by %#x: fault %#x (hpa %#llx), want "
				 "%#x", line, x->v->name, cached ? "cached" : "fresh",
				 write ? "write" : "read", (unsigned long long)iova, sid, w.fault,
				 (unsigned long long)w.hpa, want);
	}
}

static uint16_t bdf(unsigned bus, unsigned dev, unsigned fn)
{
	return (uint16_t)(bus << 8 | dev << 3 | fn);
}

/* The IOTLB invalidation a change of [iova, iova + size) needs on this
 * unit: page-selective over the smallest aligned block when CAP.PSI allows
 * it within CAP.MAMV, domain-selective otherwise. */
static void expect_iotlb_event(struct fx *x, const struct fake_event *e, uint16_t did,
			       uint64_t iova, uint64_t size, int line)
{
	uint64_t first = iova >> 12, last = (iova + size - 1) >> 12;
	unsigned am = 0;

	while ((first >> am) != (last >> am))
		am++;
	bool psi = cap_psi(x->v->cap) && am <= cap_mamv(x->v->cap);
	if (e->type != FEV_IOTLB || e->did != did || e->gran != (psi ? 3u : 2u) ||
	    e->queued != ecap_qi(x->v->ecap) ||
	    (psi && (e->am != am || e->addr != (first >> am) << (am + 12) || e->ih)))
		fail_msg("line %d [%s]: invalidation of [%#llx, +%#llx): got type %d gran %u did "
			 "%u addr %#llx am %u ih %d queued %d; want IOTLB gran %u did %u addr "
			 "%#llx am %u", line, x->v->name, (unsigned long long)iova,
			 (unsigned long long)size, e->type, e->gran, e->did,
			 (unsigned long long)e->addr, e->am, e->ih, e->queued, psi ? 3 : 2, did,
			 psi ? (unsigned long long)((first >> am) << (am + 12)) : 0ull,
			 psi ? am : 0);
}

/* The last IOTLB event of the log. */
static const struct fake_event *last_iotlb(struct fx *x)
{
	for (size_t i = x->f->log_len; i-- > 0;)
		if (x->f->log[i].type == FEV_IOTLB)
			return &x->f->log[i];
	fail_msg("[%s]: no IOTLB invalidation at all", x->v->name);
	return NULL;
}

/* =========================================================================
 * The fake itself, driven by hand: its walker, its checker, its misuse
 * detection. No iommu/ code below until the next banner.
 * ========================================================================= */

static uint64_t *pg(uint64_t phys)
{
	return (uint64_t *)(uintptr_t)phys;
}

static uint64_t raw_alloc(struct fake_vtd *f)
{
	uint64_t p = f->env.alloc_page(f->env.ctx);
	assert_true(p);
	return p;
}

static void raw_w32(struct fake_vtd *f, vtd_reg32_t r, uint32_t v)
{
	f->env.write32(f->env.ctx, FAKE_VTD_BASE, r.off, v);
}

static void raw_w64(struct fake_vtd *f, vtd_reg64_t r, uint64_t v)
{
	f->env.write64(f->env.ctx, FAKE_VTD_BASE, r.off, v);
}

static uint64_t raw_r64(struct fake_vtd *f, vtd_reg64_t r)
{
	return f->env.read64(f->env.ctx, FAKE_VTD_BASE, r.off);
}

static void raw_iotlb(struct fake_vtd *f, uint64_t cmd, uint64_t iva)
{
	unsigned iro = ecap_iro(f->ecap);

	raw_w64(f, vtd_reg64_at(iro + VTD_IOTLB_IVA_OFFSET), iva);
	raw_w64(f, vtd_reg64_at(iro + VTD_IOTLB_REG_OFFSET), VTD_IOTLB_IVT | cmd);
}

/* Root, one context table (bus 0), translation on; register-based
 * invalidation (the unit must have no QI on). */
static uint64_t raw_up(struct fake_vtd *f)
{
	uint64_t root = raw_alloc(f), ctx = raw_alloc(f);

	pg(root)[0] = ctx | 1;
	if (!(f->ecap & ECAP_C)) {
		f->env.clflush(f->env.ctx, pg(root), 4096);
		f->env.clflush(f->env.ctx, pg(ctx), 4096);
	}
	raw_w64(f, VTD_RTADDR, root);
	raw_w32(f, VTD_GCMD, VTD_GCMD_SRTP);
	raw_w64(f, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_CIRG_GLOBAL);
	raw_iotlb(f, VTD_IOTLB_IIRG_GLOBAL, 0);
	raw_w32(f, VTD_GCMD, VTD_GCMD_TE);
	assert_true(f->gsts & VTD_GSTS_TES);
	return ctx;
}

static void expect_walk(struct fake_vtd *f, uint16_t sid, uint64_t iova, bool write,
			unsigned fault, uint64_t hpa, int level)
{
	struct fake_walk w;

	fake_translate_ex(f, sid, iova, write, false, &w);
	if (w.fault != fault || (!fault && (w.hpa != hpa || (level >= 0 && w.level != (unsigned)level))))
		fail_msg("walk %#llx %s: fault %#x hpa %#llx level %u; want fault %#x hpa %#llx "
			 "level %d", (unsigned long long)iova, write ? "write" : "read", w.fault,
			 (unsigned long long)w.hpa, w.level, fault, (unsigned long long)hpa, level);
}

/* The walker against hand-built tables: leaves of every size, rights
 * ANDed across levels, address width, reserved bits, context faults. */
static void fake_walker_by_hand(void **state)
{
	(void)state;
	struct fake_vtd *f = fake_vtd_new(QCAP, NO_QI | ECAP_C);
	uint64_t ctx = raw_up(f);
	uint64_t l2 = raw_alloc(f), l1 = raw_alloc(f), l0 = raw_alloc(f);
	uint64_t l1b = raw_alloc(f);

	/* 00:01.0 -> DID 5, 3-level (AW 1). */
	pg(ctx)[2 * 8 + 1] = 1 | 5 << 8;
	pg(ctx)[2 * 8] = l2 | 1;
	pg(l2)[0] = l1 | 3;               /* 0 - 1G: table */
	pg(l2)[1] = 0x40000000 | 3 | 0x80; /* 1G - 2G: 1G leaf RW */
	pg(l2)[2] = l1b | 1;               /* 2G - 3G: table, read only */
	pg(l1)[0] = l0 | 3;               /* 0 - 2M: table */
	pg(l1)[1] = 0x80000000 | 1 | 0x80; /* 2M - 4M: 2M leaf R */
	pg(l0)[3] = 0x123456000 | 2;       /* 12K: 4K leaf W */
	pg(l0)[4] = 0x7000 | 3;            /* 16K: 4K leaf RW */
	pg(l1b)[0] = 0x200000 | 3 | 0x80;  /* 2G - 2G+2M: 2M leaf RW under an R-only table */
	pg(l1b)[1] = 0x300000 | 3 | 0x80 | (1ull << 11); /* SNP without ECAP.SC */
	pg(l1b)[2] = 0x201000 | 3 | 0x80;  /* a 2M leaf with address bits 20:12 set */
	pg(l2)[3] = 0xc0000000 | 3 | 0x80; /* 3G - 4G: 1G leaf -> 0xc0000000 */

	uint16_t sid = bdf(0, 1, 0);
	expect_walk(f, sid, 0x3000, true, 0, 0x123456000, 0);
	expect_walk(f, sid, 0x3abc, false, 6, 0, 0);
	expect_walk(f, sid, 0x4010, false, 0, 0x7010, 0);
	expect_walk(f, sid, 0x5000, false, 6, 0, 0);      /* not present */
	expect_walk(f, sid, 0x5000, true, 5, 0, 0);
	expect_walk(f, sid, 0x212345, false, 0, 0x80012345, 1);
	expect_walk(f, sid, 0x212345, true, 5, 0, 1);
	expect_walk(f, sid, 0x7654321f, false, 0, 0x7654321f, 2);
	expect_walk(f, sid, SZ_2M * 2, false, 6, 0, 1);   /* 4M: not present at level 1 */
	expect_walk(f, sid, 2 * SZ_1G + 0x1234, false, 0, 0x201234, 1);
	expect_walk(f, sid, 2 * SZ_1G + 0x1234, true, 5, 0, 1); /* table entry R only */
	expect_walk(f, sid, 2 * SZ_1G + SZ_2M, false, 0xc, 0, 1);
	expect_walk(f, sid, 2 * SZ_1G + 2 * SZ_2M, false, 0xc, 0, 1);
	expect_walk(f, sid, 1ull << 39, false, 4, 0, 0);  /* beyond 39 bits */
	expect_walk(f, sid, 4 * SZ_1G, false, 6, 0, 2);

	/* 1G leaves unsupported: PS at level 2 is reserved. */
	struct fake_vtd *g = fake_vtd_new(WITH(QCAP, CAP_SLLPS_MASK, CAP_SLLPS(1)), NO_QI | ECAP_C);
	uint64_t gctx = raw_up(g), groot = raw_alloc(g);
	pg(gctx)[1] = 1 | 7 << 8;
	pg(gctx)[0] = groot | 1;
	pg(groot)[0] = 3 | 0x80;
	expect_walk(g, 0, 0x1000, false, 0xc, 0, 2);
	/* AW 2 (4-level) on a unit whose SAGAW offers only 3 levels: invalid. */
	pg(gctx)[1] = 2 | 7 << 8;
	expect_walk(g, 0, 0x1000, false, 3, 0, 0);
	assert_int_equal(g->errors, 0);
	fake_vtd_free(g);

	/* Context faults. */
	expect_walk(f, bdf(0, 2, 0), 0, false, 2, 0, 0); /* context not present */
	expect_walk(f, bdf(3, 0, 0), 0, false, 1, 0, 0); /* root not present */
	pg(ctx)[2 * 9 + 1] = 1 | 6 << 8;
	pg(ctx)[2 * 9] = l2 | 1 | 3 << 2;                /* TT 3: reserved */
	expect_walk(f, bdf(0, 1, 1), 0x3000, true, 3, 0, 0);
	pg(ctx)[2 * 9] = l2 | 1 | 1 << 4;                /* reserved bit 4 */
	expect_walk(f, bdf(0, 1, 1), 0x3000, true, 0xb, 0, 0);

	/* Output in the interrupt range: 0xe. */
	expect_walk(f, sid, 3 * SZ_1G + 0x1000, false, 0, 0xc0001000, 2);
	expect_walk(f, sid, 3 * SZ_1G + 0x3ee00000, false, 0xe, 0, 2);

	/* Faults are recorded unless the context entry says FPD. */
	f->record_faults = true;
	uint64_t hpa;
	assert_int_equal(fake_translate(f, sid, 0x5000, true, &hpa), 5);
	assert_true(f->frcd[0][1] >> 63);
	assert_int_equal(f->frcd[0][1] & 0xffff, sid);
	f->frcd[0][1] = 0;
	pg(ctx)[2 * 8] |= 2; /* FPD */
	raw_w64(f, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_CIRG_GLOBAL);
	assert_int_equal(fake_translate(f, sid, 0x5000, true, &hpa), 5);
	assert_false(f->frcd[0][1] >> 63);

	/* Translation off: untranslated. */
	raw_w32(f, VTD_GCMD, 0);
	assert_int_equal(fake_translate(f, sid, 0x5000, true, &hpa), 0);
	assert_int_equal(hpa, 0x5000);
	if (f->errors)
		fail_msg("%s", f->error_text);
	fake_vtd_free(f);
}

/* A table change without its invalidation is caught: stale leaf, stale
 * paging-structure entry, stale context entry, a table freed while cached. */
static void fake_catches_stale_caches(void **state)
{
	(void)state;
	struct fake_vtd *f = fake_vtd_new(QCAP, NO_QI | ECAP_C);
	uint64_t ctx = raw_up(f), l2 = raw_alloc(f), l1 = raw_alloc(f), l0 = raw_alloc(f);
	uint16_t sid = bdf(0, 1, 0);
	uint64_t hpa;

	pg(ctx)[2 * 8 + 1] = 1 | 5 << 8;
	pg(ctx)[2 * 8] = l2 | 1;
	pg(l2)[0] = l1 | 3;
	pg(l1)[0] = l0 | 3;
	pg(l0)[1] = 0xa000 | 3;
	assert_int_equal(fake_check_coherent(f), 0);
	assert_true(fake_tlb_entries(f) >= 3); /* speculative: leaf and two tables */
	assert_int_equal(fake_translate(f, sid, 0x1008, false, &hpa), 0);
	assert_int_equal(hpa, 0xa008);

	/* The leaf changes, no invalidation: the cache still says 0xa000. */
	pg(l0)[1] = 0xb000 | 3;
	assert_int_equal(fake_translate(f, sid, 0x1008, false, &hpa), 0);
	assert_int_equal(hpa, 0xa008);
	assert_true(fake_check_coherent(f) > 0);
	assert_non_null(strstr(f->error_text, "stale IOTLB leaf"));
	fake_clear_errors(f);
	/* Page-selective invalidation of that page fixes it. */
	raw_iotlb(f, VTD_IOTLB_IIRG_PAGE | VTD_IOTLB_DID(5), 0x1000);
	assert_int_equal(fake_check_coherent(f), 0);
	assert_int_equal(fake_translate(f, sid, 0x1008, false, &hpa), 0);
	assert_int_equal(hpa, 0xb008);

	/* Invalidating another page does not. */
	pg(l0)[1] = 0xc000 | 3;
	raw_iotlb(f, VTD_IOTLB_IIRG_PAGE | VTD_IOTLB_DID(5), 0x2000);
	assert_true(fake_check_coherent(f) > 0);
	fake_clear_errors(f);
	/* Nor another domain. */
	raw_iotlb(f, VTD_IOTLB_IIRG_DOMAIN | VTD_IOTLB_DID(6), 0);
	assert_true(fake_check_coherent(f) > 0);
	fake_clear_errors(f);
	raw_iotlb(f, VTD_IOTLB_IIRG_DOMAIN | VTD_IOTLB_DID(5), 0);
	assert_int_equal(fake_check_coherent(f), 0);

	/* A paging-structure entry: the 2M entry now points elsewhere; the
	 * old table is freed. Caught at the free and at the check. */
	uint64_t l0b = raw_alloc(f);
	pg(l0b)[1] = 0xd000 | 3;
	pg(l1)[0] = l0b | 3;
	f->env.free_page(f->env.ctx, l0);
	assert_non_null(strstr(f->error_text, "freed while the IOTLB"));
	assert_true(fake_check_coherent(f) > 0);
	fake_clear_errors(f);
	raw_iotlb(f, VTD_IOTLB_IIRG_GLOBAL, 0);
	assert_int_equal(fake_check_coherent(f), 0);

	/* The context entry changes its DID without a context invalidation. */
	pg(ctx)[2 * 8 + 1] = 1 | 9 << 8;
	assert_true(fake_check_coherent(f) > 0);
	assert_non_null(strstr(f->error_text, "stale context-cache"));
	fake_clear_errors(f);
	raw_w64(f, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_CIRG_DEVICE | VTD_CCMD_DID(5) |
		VTD_CCMD_SID(sid));
	/* The IOTLB still holds DID 5, which nobody names now. */
	assert_true(fake_check_coherent(f) > 0);
	assert_non_null(strstr(f->error_text, "no present context entry names"));
	fake_clear_errors(f);
	raw_iotlb(f, VTD_IOTLB_IIRG_DOMAIN | VTD_IOTLB_DID(5), 0);
	assert_int_equal(fake_check_coherent(f), 0);
	fake_vtd_free(f);
}

/* Caching mode: not-present entries are cached too, so adding a mapping
 * or a context entry needs its invalidation. */
static void fake_caching_mode_caches_not_present(void **state)
{
	(void)state;
	struct fake_vtd *f = fake_vtd_new(QCAP | CAP_CM, NO_QI | ECAP_C);
	uint64_t ctx = raw_up(f), l2 = raw_alloc(f), l1 = raw_alloc(f), l0 = raw_alloc(f);
	uint16_t sid = bdf(0, 1, 0);

	assert_int_equal(fake_translate(f, sid, 0, false, NULL), 2);
	pg(ctx)[2 * 8 + 1] = 1 | 5 << 8;
	pg(ctx)[2 * 8] = l2 | 1;
	assert_int_equal(fake_translate(f, sid, 0, false, NULL), 2); /* cached not present */
	assert_true(fake_check_coherent(f) > 0);
	fake_clear_errors(f);
	raw_w64(f, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_CIRG_DEVICE | VTD_CCMD_SID(sid));
	assert_int_equal(fake_check_coherent(f), 0);
	assert_int_equal(fake_translate(f, sid, 0x1000, false, NULL), 6);
	pg(l2)[0] = l1 | 3;
	pg(l1)[0] = l0 | 3;
	pg(l0)[1] = 0xa000 | 3;
	assert_true(fake_check_coherent(f) > 0);
	assert_int_equal(fake_translate(f, sid, 0x1000, false, NULL), 6);
	fake_clear_errors(f);
	raw_iotlb(f, VTD_IOTLB_IIRG_PAGE | VTD_IOTLB_DID(5), 0x1000);
	assert_int_equal(fake_check_coherent(f), 0);
	assert_int_equal(fake_translate(f, sid, 0x1000, false, NULL), 0);
	fake_vtd_free(f);
}

/* ECAP.C=0: a write the hardware can see must be flushed; CAP.RWBF=1: and
 * the write buffer flushed (or an invalidation done) after. */
static void fake_catches_unflushed_writes(void **state)
{
	(void)state;
	struct fake_vtd *f = fake_vtd_new(QCAP | CAP_RWBF, NO_QI);
	uint64_t ctx = raw_up(f), l2 = raw_alloc(f);
	uint16_t sid = bdf(0, 1, 0);

	f->env.clflush(f->env.ctx, pg(l2), 4096);
	pg(ctx)[2 * 8 + 1] = 1 | 5 << 8;
	pg(ctx)[2 * 8] = l2 | 1;
	assert_true(fake_check_coherent(f) > 0);
	assert_non_null(strstr(f->error_text, "not flushed from the CPU cache"));
	fake_clear_errors(f);
	f->env.clflush(f->env.ctx, &pg(ctx)[2 * 8], 16);
	assert_true(fake_check_coherent(f) > 0);
	assert_non_null(strstr(f->error_text, "no write-buffer flush"));
	fake_clear_errors(f);
	assert_int_equal(fake_translate(f, sid, 0, false, NULL), 2); /* not yet visible */
	raw_w32(f, VTD_GCMD, VTD_GCMD_TE | VTD_GCMD_WBF);
	assert_false(f->gsts & VTD_GSTS_WBFS);
	assert_int_equal(fake_check_coherent(f), 0);
	assert_int_equal(fake_translate(f, sid, 0, false, NULL), 6);
	/* A table the hardware can reach only through garbage: the walker
	 * sees memory, not what the CPU wrote. */
	uint64_t l1 = raw_alloc(f);
	pg(l2)[5] = l1 | 3;
	f->env.clflush(f->env.ctx, &pg(l2)[5], 8);
	raw_w32(f, VTD_GCMD, VTD_GCMD_TE | VTD_GCMD_WBF);
	assert_true(fake_check_coherent(f) > 0);
	fake_clear_errors(f);
	fake_vtd_free(f);
}

/* Register and queue misuse the fake refuses, as QEMU would misbehave. */
static void fake_catches_misuse(void **state)
{
	(void)state;
	struct fake_vtd *f = fake_vtd_new(QCAP, QECAP | ECAP_C);
	uint64_t root = raw_alloc(f), queue = raw_alloc(f), status = raw_alloc(f);

	/* TE before the root pointer. */
	raw_w32(f, VTD_GCMD, VTD_GCMD_TE);
	assert_non_null(strstr(f->error_text, "before the root table pointer"));
	fake_clear_errors(f);
	raw_w32(f, VTD_GCMD, 0);
	fake_clear_errors(f);
	raw_w64(f, VTD_RTADDR, root);
	raw_w32(f, VTD_GCMD, VTD_GCMD_SRTP);
	/* TE without the global invalidations. */
	raw_w32(f, VTD_GCMD, VTD_GCMD_TE);
	assert_non_null(strstr(f->error_text, "without a global context-cache"));
	fake_clear_errors(f);
	/* SRTP written without carrying TE: it would turn translation off. */
	raw_w32(f, VTD_GCMD, VTD_GCMD_SRTP);
	assert_non_null(strstr(f->error_text, "commands at once"));
	fake_clear_errors(f);
	/* A 64-bit access to a 32-bit register: through the env, since the
	 * typed accessors do not compile one. */
	f->env.write64(f->env.ctx, FAKE_VTD_BASE, VTD_FECTL.off, 0);
	assert_non_null(strstr(f->error_text, "QEMU aborts"));
	fake_clear_errors(f);
	/* WBF on a unit without RWBF. */
	raw_w32(f, VTD_GCMD, VTD_GCMD_WBF);
	assert_true(f->errors > 0);
	fake_clear_errors(f);

	/* Queued invalidation on: register-based invalidation is refused and
	 * its busy bit stays set. */
	raw_w64(f, VTD_IQT, 0);
	raw_w64(f, VTD_IQA, queue);
	raw_w32(f, VTD_GCMD, VTD_GCMD_QIE);
	assert_true(f->gsts & VTD_GSTS_QIES);
	raw_w64(f, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_CIRG_GLOBAL);
	assert_non_null(strstr(f->error_text, "while queued invalidation is on"));
	assert_true(raw_r64(f, VTD_CCMD) & VTD_CCMD_ICC);
	fake_clear_errors(f);
	raw_iotlb(f, VTD_IOTLB_IIRG_GLOBAL, 0);
	assert_true(f->errors > 0);
	fake_clear_errors(f);

	/* Wait descriptors: SW works; IF and SW together, or neither, do not. */
	uint64_t *q = pg(queue);
	q[0] = VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_DATA(7);
	q[1] = status;
	raw_w64(f, VTD_IQT, 1 << 4);
	assert_int_equal(*(uint32_t *)pg(status), 7);
	assert_int_equal(f->errors, 0);
	q[2] = VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_IF | VTD_QI_WAIT_DATA(8);
	q[3] = status;
	raw_w64(f, VTD_IQT, 2 << 4);
	assert_non_null(strstr(f->error_text, "both IF and SW"));
	fake_clear_errors(f);
	q[4] = VTD_QI_WAIT | VTD_QI_WAIT_DATA(9);
	q[5] = status;
	q[6] = VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_DATA(10);
	q[7] = status;
	raw_w64(f, VTD_IQT, 4 << 4);
	assert_non_null(strstr(f->error_text, "neither IF nor SW"));
	assert_int_equal(*(uint32_t *)pg(status), 8); /* stalled: 10 never written */
	fake_clear_errors(f);
	fake_vtd_free(f);

	/* A page-selective invalidation on a unit without PSI, and one
	 * beyond MAMV. */
	f = fake_vtd_new(QCAP & ~CAP_PSI, NO_QI | ECAP_C);
	raw_up(f);
	raw_iotlb(f, VTD_IOTLB_IIRG_PAGE, 0x1000);
	assert_non_null(strstr(f->error_text, "without CAP.PSI"));
	fake_vtd_free(f);
	f = fake_vtd_new(QCAP, NO_QI | ECAP_C);
	raw_up(f);
	raw_iotlb(f, VTD_IOTLB_IIRG_PAGE, VTD_IVA_AM(19));
	assert_non_null(strstr(f->error_text, "> CAP.MAMV"));
	fake_clear_errors(f);
	raw_iotlb(f, VTD_IOTLB_IIRG_PAGE, 0x1000 | VTD_IVA_AM(1));
	assert_non_null(strstr(f->error_text, "not aligned"));
	fake_clear_errors(f);
	/* A command left running, and an IOTLB invalidation issued before the
	 * context-cache one completed. */
	f->latency = 3;
	raw_w64(f, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_CIRG_GLOBAL);
	raw_iotlb(f, VTD_IOTLB_IIRG_GLOBAL, 0);
	assert_non_null(strstr(f->error_text, "before the context-cache invalidation"));
	assert_true(fake_check_coherent(f) > 0);
	assert_non_null(strstr(f->error_text, "still in progress"));
	fake_vtd_free(f);
}

/* =========================================================================
 * The code under test.
 * ========================================================================= */

/* Bring-up: root pointer, then QI (iff ECAP.QI), then write-buffer flush
 * (iff RWBF), global context-cache then global IOTLB invalidation, then
 * (separately) TE last. */
static void bringup(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;
	bool qi = ecap_qi(x->v->ecap);

	up(x);
	assert_int_equal(x->u.levels, x->v->levels);
	assert_int_equal(x->u.aw_bits, x->v->aw_bits);
	assert_int_equal(x->u.queued, qi);
	assert_int_equal(x->u.coherent, ecap_c(x->v->ecap));
	assert_int_equal(x->u.timeouts, 0);
	assert_int_equal(f->root, x->u.root);
	assert_true(f->gsts & VTD_GSTS_TES);
	assert_true(f->gsts & VTD_GSTS_RTPS);
	assert_int_equal(!!(f->gsts & VTD_GSTS_QIES), qi);

	int srtp = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_SRTP, true);
	int qie = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_QIE, true);
	int wbf = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_WBF, true);
	int cc = fake_log_find(f, 0, FEV_CC, 0, false);
	int te = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_TE, true);
	assert_true(srtp >= 0 && cc > srtp && te > cc);
	assert_int_equal(f->log[cc].gran, 1);
	int iotlb = fake_log_find(f, (size_t)cc, FEV_IOTLB, 0, false);
	assert_true(iotlb > cc && te > iotlb);
	assert_int_equal(f->log[iotlb].gran, 1);
	assert_int_equal(te, (int)f->log_len - 1); /* TE last */
	if (qi) {
		assert_true(qie > srtp && qie < cc);
	} else {
		assert_int_equal(qie, -1);
	}
	if (cap_rwbf(x->v->cap)) {
		assert_true(wbf > srtp && wbf < te);
	} else {
		assert_int_equal(wbf, -1);
	}
	/* Never both invalidation interfaces. */
	for (size_t i = 0; i < f->log_len; i++)
		if (f->log[i].type == FEV_CC || f->log[i].type == FEV_IOTLB)
			assert_int_equal(f->log[i].queued, qi);
	assert_int_equal(f->reg_cc + f->reg_iotlb == 0, qi);
	if (ecap_c(x->v->ecap))
		assert_int_equal(f->clflush_calls, 0);
	else
		assert_true(f->clflush_calls > 0);
	/* Root, and the queue and its status page. */
	assert_int_equal(f->live_pages, qi ? 3 : 1);
}

/* Firmware left translation, interrupt remapping, QI and protected memory
 * on (pre-boot DMA protection): all off, in that order, before the
 * hypervisor's tables go in. */
static void takeover_from_firmware(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;

	f->gsts = VTD_GSTS_TES | VTD_GSTS_RTPS | VTD_GSTS_QIES | VTD_GSTS_IRES | VTD_GSTS_IRTPS;
	f->pmen = VTD_PMEN_EPM | VTD_PMEN_PRS;
	f->latency = 2;
	up(x);
	int te_off = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_TE, false);
	int ire_off = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_IRE, false);
	int qie_off = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_QIE, false);
	int srtp = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_SRTP, true);
	assert_true(te_off == 0 && ire_off > te_off && qie_off > ire_off && srtp > qie_off);
	assert_int_equal(f->pmen, 0);
	assert_false(f->gsts & VTD_GSTS_IRES);
	assert_true(log_stub_count[LOG_WARN] >= 1);
}

/* Leaves of every size by alignment, up to the top of the address width. */
static void map_sizes(void **state)
{
	struct fx *x = *state;
	const struct variant *v = x->v;
	struct vtd_domain d;
	uint16_t sid = bdf(0, 2, 0);
	uint64_t top = 1ull << x->v->aw_bits;

	up(x);
	dom_new(x, &d);
	assert_int_equal(d.did, cap_cm(v->cap) ? 1 : 0);
	ATTACH(x, &d, sid);
	/* Probed before they exist: with caching mode the unit caches the
	 * faults, so each map must invalidate. */
	FAULTS(x, sid, 0x1000, 6, 5);
	FAULTS(x, sid, SZ_1G, 6, 5);
	FAULTS(x, sid, top - SZ_2M, 6, 5);
	OK(x);

	MAP(x, &d, 0x1000, 0x12345000, SZ_4K, RW);
	XLATE(x, sid, 0x1123, 0x12345123, 3, 0);
	FAULTS(x, sid, 0x2000, 6, 5);
	MAP(x, &d, SZ_1G + SZ_2M, 0x8000000000ull, SZ_2M, RW);
	XLATE(x, sid, SZ_1G + SZ_2M + 0x1fffff, 0x80001fffffull, 3, leaf_level(v, 1));
	uint64_t gsize = has_1g(v) ? SZ_1G : 2 * SZ_2M; /* 1G of 4K leaves is too slow */
	if (has_2m(v) || has_1g(v)) {
		MAP(x, &d, 4 * SZ_1G, 0x7c0000000ull, gsize, RW);
		XLATE(x, sid, 4 * SZ_1G + gsize - 8, 0x7c0000000ull + gsize - 8, 3,
		      leaf_level(v, 2));
	}
	/* Mixed alignment: 4K leaves, 2M leaves, 4K leaves. */
	uint64_t b = 8 * SZ_1G + SZ_2M - 2 * SZ_4K, pa = 0x3000000000ull + SZ_2M - 2 * SZ_4K;
	MAP(x, &d, b, pa, 2 * SZ_2M + 4 * SZ_4K, VTD_SL_R);
	XLATE(x, sid, b, pa, 1, 0);
	XLATE(x, sid, b + SZ_4K + 0x10, pa + SZ_4K + 0x10, 1, 0);
	XLATE(x, sid, b + 2 * SZ_4K, pa + 2 * SZ_4K, 1, leaf_level(v, 1));
	XLATE(x, sid, b + 2 * SZ_4K + SZ_2M + 0x1000, pa + 2 * SZ_4K + SZ_2M + 0x1000, 1,
	      leaf_level(v, 1));
	XLATE(x, sid, b + 2 * SZ_4K + 2 * SZ_2M, pa + 2 * SZ_4K + 2 * SZ_2M, 1, 0);
	FAULTS(x, sid, b + 2 * SZ_2M + 4 * SZ_4K, 6, 5);
	FAULTS(x, sid, b - SZ_4K, 6, 5);
	/* The top of the address width, and one beyond. */
	MAP(x, &d, top - SZ_2M, 0x4000000000ull, SZ_2M, RW);
	XLATE(x, sid, top - 1, 0x4000000000ull + SZ_2M - 1, 3, leaf_level(v, 1));
	if (x->u.aw_bits == vtd_levels_width(x->u.levels)) {
		assert_int_equal(vtd_domain_map(&d, top, 0x1000, SZ_4K, RW), -EINVAL);
		OK(x);
	}
	FAULTS(x, sid, top, 4, 4);
	/* A high host address (bit 51 is the top of the field). */
	MAP(x, &d, 0x10000, 0x000ffffffffff000ull, SZ_4K, RW);
	XLATE(x, sid, 0x10abc, 0x000ffffffffffabcull, 3, 0);

	assert_int_equal(x->u.timeouts, 0);
	assert_int_equal(vtd_domain_detach(&d, sid), 0);
	OK(x);
	dom_free(x, &d);
}

/* Read-only and write-only leaves; rights changed by a remap. */
static void permissions(void **state)
{
	struct fx *x = *state;
	struct vtd_domain d;
	uint16_t sid = bdf(1, 0, 0);

	up(x);
	dom_new(x, &d);
	ATTACH(x, &d, sid);
	MAP(x, &d, 0x100000, 0x200000, SZ_4K, VTD_SL_R);
	MAP(x, &d, 0x101000, 0x201000, SZ_4K, VTD_SL_W);
	MAP(x, &d, 0x102000, 0x202000, SZ_4K, RW);
	MAP(x, &d, 3 * SZ_2M, 9 * SZ_2M, SZ_2M, VTD_SL_R);
	XLATE(x, sid, 0x100010, 0x200010, 1, 0);
	XLATE(x, sid, 0x101010, 0x201010, 2, 0);
	XLATE(x, sid, 0x102010, 0x202010, 3, 0);
	XLATE(x, sid, 3 * SZ_2M + 5, 9 * SZ_2M + 5, 1, leaf_level(x->v, 1));
	/* Neither right: refused. */
	assert_int_equal(vtd_domain_map(&d, 0x103000, 0x203000, SZ_4K, 0), -EINVAL);
	OK(x);
	/* Taking a right away needs the cached translation gone. */
	MAP(x, &d, 0x102000, 0x202000, SZ_4K, VTD_SL_R);
	XLATE(x, sid, 0x102010, 0x202010, 1, 0);
	MAP(x, &d, 3 * SZ_2M, 9 * SZ_2M, SZ_2M, VTD_SL_W);
	XLATE(x, sid, 3 * SZ_2M + 5, 9 * SZ_2M + 5, 2, leaf_level(x->v, 1));
	MAP(x, &d, 0x100000, 0x200000, 2 * SZ_4K, RW);
	XLATE(x, sid, 0x101010, 0x201010, 3, 0);
	DETACH(x, &d, sid);
	dom_free(x, &d);
}

/* Unmap: the translation faults afterwards, through any cache, and the
 * invalidation is exactly the one the range needs. */
static void unmap_invalidates(void **state)
{
	struct fx *x = *state;
	struct vtd_domain d;
	uint16_t sid = bdf(0, 3, 1);

	up(x);
	unsigned base = x->f->live_pages;
	dom_new(x, &d);
	ATTACH(x, &d, sid);
	unsigned attached = x->f->live_pages;
	MAP(x, &d, 0x5000, 0x9000, 3 * SZ_4K, RW);
	MAP(x, &d, 7 * SZ_2M, 0, SZ_2M, RW);
	MAP(x, &d, 2 * SZ_1G, 5 * SZ_1G, 4 * SZ_2M, RW);
	XLATE(x, sid, 0x6000, 0xa000, 3, 0);
	XLATE(x, sid, 7 * SZ_2M + 0x1000, 0x1000, 3, leaf_level(x->v, 1));
	XLATE(x, sid, 2 * SZ_1G + 3 * SZ_2M, 5 * SZ_1G + 3 * SZ_2M, 3, leaf_level(x->v, 1));

	fake_log_reset(x->f);
	UNMAP(x, &d, 0x6000, SZ_4K);
	expect_iotlb_event(x, last_iotlb(x), d.did, 0x6000, SZ_4K, __LINE__);
	FAULTS(x, sid, 0x6000, 6, 5);
	XLATE(x, sid, 0x5000, 0x9000, 3, 0);
	XLATE(x, sid, 0x7000, 0xb000, 3, 0);

	fake_log_reset(x->f);
	UNMAP(x, &d, 7 * SZ_2M, SZ_2M);
	expect_iotlb_event(x, last_iotlb(x), d.did, 7 * SZ_2M, SZ_2M, __LINE__);
	FAULTS(x, sid, 7 * SZ_2M + 0x1000, 6, 5);

	fake_log_reset(x->f);
	UNMAP(x, &d, 2 * SZ_1G, 4 * SZ_2M);
	expect_iotlb_event(x, last_iotlb(x), d.did, 2 * SZ_1G, 4 * SZ_2M, __LINE__);
	FAULTS(x, sid, 2 * SZ_1G + 3 * SZ_2M, 6, 5);

	UNMAP(x, &d, 0x5000, 3 * SZ_4K);
	FAULTS(x, sid, 0x5000, 6, 5);
	/* Every table but the root is gone, and was freed after its
	 * invalidation (the fake checks each free). */
	assert_int_equal(x->f->live_pages, attached);
	assert_int_equal(d.pt.tables, 1);
	DETACH(x, &d, sid);
	dom_free(x, &d);
	assert_int_equal(x->f->live_pages, base + 1); /* the context table stays */
}

/* Remapping over a live mapping replaces it everywhere, caches included;
 * the same mapping again changes nothing and needs no invalidation
 * (except in caching mode, where every map is announced). */
static void remap(void **state)
{
	struct fx *x = *state;
	struct vtd_domain d;
	uint16_t sid = bdf(0, 4, 0);

	up(x);
	dom_new(x, &d);
	ATTACH(x, &d, sid);
	MAP(x, &d, 0x40000, 0x111000, SZ_4K, RW);
	XLATE(x, sid, 0x40000, 0x111000, 3, 0);
	MAP(x, &d, 0x40000, 0x222000, SZ_4K, RW);
	XLATE(x, sid, 0x40000, 0x222000, 3, 0);
	MAP(x, &d, SZ_1G, 0, SZ_2M, RW);
	XLATE(x, sid, SZ_1G + 0x3000, 0x3000, 3, leaf_level(x->v, 1));
	MAP(x, &d, SZ_1G, 0x400000, SZ_2M, RW);
	XLATE(x, sid, SZ_1G + 0x3000, 0x403000, 3, leaf_level(x->v, 1));

	fake_log_reset(x->f);
	MAP(x, &d, SZ_1G, 0x400000, SZ_2M, RW);
	MAP(x, &d, 0x40000, 0x222000, SZ_4K, RW);
	assert_int_equal(fake_log_count(x->f, FEV_IOTLB), cap_cm(x->v->cap) ? 2 : 0);
	/* New mappings into empty space: invalidated only in caching mode. */
	fake_log_reset(x->f);
	MAP(x, &d, 0x80000, 0x333000, 4 * SZ_4K, RW);
	assert_int_equal(fake_log_count(x->f, FEV_IOTLB), cap_cm(x->v->cap) ? 1 : 0);
	if (cap_cm(x->v->cap))
		expect_iotlb_event(x, last_iotlb(x), d.did, 0x80000, 4 * SZ_4K, __LINE__);
	if (cap_rwbf(x->v->cap) && !cap_cm(x->v->cap))
		assert_int_equal(fake_log_find(x->f, 0, FEV_GCMD, VTD_GCMD_WBF, true) >= 0, 1);
	DETACH(x, &d, sid);
	dom_free(x, &d);
}

/* A large leaf split by a partial unmap or remap, then merged back by
 * mapping the whole of it again; table pages come and go. */
static void split_merge(void **state)
{
	struct fx *x = *state;
	const struct variant *v = x->v;
	struct vtd_domain d;
	uint16_t sid = bdf(2, 0, 0);

	up(x);
	dom_new(x, &d);
	ATTACH(x, &d, sid);
	unsigned pages0 = x->f->live_pages;

	/* 2M: split by unmapping one 4K page. */
	uint64_t va = 3 * SZ_1G + 4 * SZ_2M, pa = 0x9600000;
	MAP(x, &d, va, pa, SZ_2M, RW);
	unsigned pages2m = x->f->live_pages;
	for (unsigned i = 0; i < 512; i += 73)
		XLATE(x, sid, va + i * SZ_4K, pa + i * SZ_4K, 3, leaf_level(v, 1));
	UNMAP(x, &d, va + 5 * SZ_4K, SZ_4K);
	FAULTS(x, sid, va + 5 * SZ_4K, 6, 5);
	for (unsigned i = 0; i < 512; i += 73)
		if (i != 5)
			XLATE(x, sid, va + i * SZ_4K, pa + i * SZ_4K, 3, 0);
	XLATE(x, sid, va + 4 * SZ_4K, pa + 4 * SZ_4K, 3, 0);
	XLATE(x, sid, va + 6 * SZ_4K, pa + 6 * SZ_4K, 3, 0);
	/* Split by a remap of one page elsewhere. */
	MAP(x, &d, va + 7 * SZ_4K, 0x77000, SZ_4K, VTD_SL_R);
	XLATE(x, sid, va + 7 * SZ_4K, 0x77000, 1, 0);
	/* Merge: the whole 2M again. */
	MAP(x, &d, va, pa, SZ_2M, RW);
	for (unsigned i = 0; i < 512; i += 73)
		XLATE(x, sid, va + i * SZ_4K, pa + i * SZ_4K, 3, leaf_level(v, 1));
	XLATE(x, sid, va + 5 * SZ_4K, pa + 5 * SZ_4K, 3, leaf_level(v, 1));
	XLATE(x, sid, va + 7 * SZ_4K, pa + 7 * SZ_4K, 3, leaf_level(v, 1));
	if (has_2m(v))
		assert_int_equal(x->f->live_pages, pages2m);

	if (has_1g(v)) {
		/* 1G: split two levels down by one 4K unmap, merged back. */
		uint64_t gva = 6 * SZ_1G, gpa = 0x1c0000000ull;
		MAP(x, &d, gva, gpa, SZ_1G, VTD_SL_R);
		unsigned pages1g = x->f->live_pages;
		XLATE(x, sid, gva + 0x12345678, gpa + 0x12345678, 1, 2);
		UNMAP(x, &d, gva + 300 * SZ_2M + 9 * SZ_4K, SZ_4K);
		FAULTS(x, sid, gva + 300 * SZ_2M + 9 * SZ_4K, 6, 5);
		XLATE(x, sid, gva + 300 * SZ_2M + 8 * SZ_4K, gpa + 300 * SZ_2M + 8 * SZ_4K, 1, 0);
		XLATE(x, sid, gva + 301 * SZ_2M, gpa + 301 * SZ_2M, 1, 1);
		XLATE(x, sid, gva + 0x12345678, gpa + 0x12345678, 1, 1);
		assert_int_equal(x->f->live_pages, pages1g + 2);
		/* Unmapping a whole 2M inside it: a hole, no 4K table. */
		UNMAP(x, &d, gva + 300 * SZ_2M, SZ_2M);
		assert_int_equal(x->f->live_pages, pages1g + 1);
		FAULTS(x, sid, gva + 300 * SZ_2M + 8 * SZ_4K, 6, 5);
		MAP(x, &d, gva, gpa, SZ_1G, VTD_SL_R);
		XLATE(x, sid, gva + 300 * SZ_2M + 9 * SZ_4K, gpa + 300 * SZ_2M + 9 * SZ_4K, 1, 2);
		XLATE(x, sid, gva + 0x12345678, gpa + 0x12345678, 1, 2);
		assert_int_equal(x->f->live_pages, pages1g);
		UNMAP(x, &d, gva, SZ_1G);
		FAULTS(x, sid, gva + 0x12345678, 6, 5);
	}
	UNMAP(x, &d, va, SZ_2M);
	assert_int_equal(x->f->live_pages, pages0);
	DETACH(x, &d, sid);
	dom_free(x, &d);
}

/* Attach and detach: the context entry, its cache, the domain's IOTLB
 * entries. */
static void attach_detach(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;
	struct vtd_domain a, b;
	uint16_t s1 = bdf(0, 5, 0), s2 = bdf(0, 5, 1), s3 = bdf(0x3a, 0x1f, 7);
	bool cm = cap_cm(x->v->cap);

	up(x);
	dom_new(x, &a);
	dom_new(x, &b);
	MAP(x, &a, 0x10000, 0xa0000, SZ_4K, RW);
	MAP(x, &b, 0x10000, 0xb0000, SZ_4K, RW);
	FAULTS(x, s1, 0x10000, 1, 1); /* no context table for the bus yet */

	fake_log_reset(f);
	ATTACH(x, &a, s1);
	if (cm) {
		/* Caching mode: the not-present entry (domain 0) and the domain. */
		int cc = fake_log_find(f, 0, FEV_CC, 0, false);
		assert_true(cc >= 0);
		assert_int_equal(f->log[cc].gran, 3);
		assert_int_equal(f->log[cc].sid, s1);
		assert_int_equal(f->log[cc].did, 0);
		int io = fake_log_find(f, (size_t)cc, FEV_IOTLB, 0, false);
		assert_true(io > cc);
		assert_int_equal(f->log[io].did, a.did);
	} else {
		assert_int_equal(fake_log_count(f, FEV_CC) + fake_log_count(f, FEV_IOTLB), 0);
	}
	XLATE(x, s1, 0x10008, 0xa0008, 3, 0);
	FAULTS(x, s2, 0x10000, 2, 2);
	ATTACH(x, &b, s2);
	ATTACH(x, &b, s3);
	XLATE(x, s2, 0x10008, 0xb0008, 3, 0);
	XLATE(x, s3, 0x10008, 0xb0008, 3, 0);
	/* Attaching the same domain again is a no-op; another one is refused. */
	ATTACH(x, &a, s1);
	assert_int_equal(vtd_domain_attach(&b, s1, false), -EBUSY);
	OK(x);
	assert_int_equal(vtd_domain_detach(&b, s1), -ENOENT);
	assert_int_equal(vtd_domain_detach(&a, bdf(0x77, 0, 0)), -ENOENT);
	OK(x);

	/* Detach: the device's context entry, then the domain's IOTLB. */
	fake_log_reset(f);
	DETACH(x, &a, s1);
	int cc = fake_log_find(f, 0, FEV_CC, 0, false);
	assert_true(cc >= 0);
	assert_int_equal(f->log[cc].gran, 3);
	assert_int_equal(f->log[cc].sid, s1);
	assert_int_equal(f->log[cc].did, a.did);
	assert_int_equal(f->log[cc].fm, 0);
	int io = fake_log_find(f, (size_t)cc, FEV_IOTLB, 0, false);
	assert_true(io > cc);
	assert_int_equal(f->log[io].did, a.did);
	assert_true(f->log[io].gran == 2 || f->log[io].gran == 1);
	FAULTS(x, s1, 0x10000, 2, 2);
	/* Other devices are untouched. */
	XLATE(x, s2, 0x10008, 0xb0008, 3, 0);
	/* Moved to the other domain. */
	ATTACH(x, &b, s1);
	XLATE(x, s1, 0x10008, 0xb0008, 3, 0);
	DETACH(x, &b, s1);
	DETACH(x, &b, s2);
	DETACH(x, &b, s3);
	FAULTS(x, s3, 0x10000, 2, 2);
	assert_int_equal(b.attached, 0);

	/* Quarantine: fault processing disabled, nothing recorded. */
	f->record_faults = true;
	assert_int_equal(vtd_domain_attach(&a, s1, true), 0);
	OK(x);
	assert_int_equal(fake_translate(f, s1, 0x20000, true, NULL), 5);
	assert_int_equal(fake_log_count(f, FEV_FAULT), 0);
	DETACH(x, &a, s1);
	dom_free(x, &a);
	dom_free(x, &b);
}

/* Two domains, the same IOVAs: each device sees its own. */
static void isolation(void **state)
{
	struct fx *x = *state;
	struct vtd_domain a, b;
	uint16_t sa = bdf(4, 0, 0), sb = bdf(5, 0, 0);

	up(x);
	dom_new(x, &a);
	dom_new(x, &b);
	assert_int_not_equal(a.did, b.did);
	ATTACH(x, &a, sa);
	ATTACH(x, &b, sb);
	MAP(x, &a, 0, 0x100000000ull, 2 * SZ_2M, RW);
	MAP(x, &b, 0, 0x200000000ull, SZ_2M, VTD_SL_R);
	MAP(x, &a, 0x40000000, 0x300000, SZ_4K, RW);
	XLATE(x, sa, 0x1234, 0x100001234ull, 3, leaf_level(x->v, 1));
	XLATE(x, sb, 0x1234, 0x200001234ull, 1, leaf_level(x->v, 1));
	XLATE(x, sa, SZ_2M + 8, 0x100000000ull + SZ_2M + 8, 3, -1);
	FAULTS(x, sb, SZ_2M + 8, 6, 5);
	FAULTS(x, sb, 0x40000000, 6, 5);
	UNMAP(x, &a, 0, SZ_2M);
	FAULTS(x, sa, 0x1234, 6, 5);
	XLATE(x, sb, 0x1234, 0x200001234ull, 1, leaf_level(x->v, 1));
	UNMAP(x, &b, 0, SZ_2M);
	XLATE(x, sa, SZ_2M + 8, 0x100000000ull + SZ_2M + 8, 3, -1);
	DETACH(x, &a, sa);
	DETACH(x, &b, sb);
	dom_free(x, &a);
	dom_free(x, &b);
}

/* Page-selective invalidation over the smallest aligned block holding the
 * range, when CAP.PSI and CAP.MAMV allow it; domain-selective otherwise. */
static void psi_address_mask(void **state)
{
	struct fx *x = *state;
	struct vtd_domain d;
	static const struct { uint64_t iova, size; } r[] = {
		{ 0x1000, SZ_4K }, { 0x5000, 0x3000 }, { 0x3ff000, 0x2000 }, { 0x7000, 0x2000 },
		{ SZ_2M, SZ_2M }, { SZ_2M - SZ_4K, SZ_2M }, { SZ_1G, SZ_1G },
		{ 2 * SZ_1G, 2 * SZ_1G }, { SZ_1G - SZ_4K, 2 * SZ_4K }, { 0, 1ull << 39 },
		{ 0x10000, 0x10000 }, { 0xfff000, SZ_4K },
	};

	up(x);
	dom_new(x, &d);
	ATTACH(x, &d, bdf(0, 6, 0));
	for (unsigned i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (r[i].iova + r[i].size > (1ull << x->v->aw_bits))
			continue;
		fake_log_reset(x->f);
		UNMAP(x, &d, r[i].iova, r[i].size);
		assert_int_equal(fake_log_count(x->f, FEV_IOTLB), 1);
		expect_iotlb_event(x, last_iotlb(x), d.did, r[i].iova, r[i].size, __LINE__);
		if (cap_cm(x->v->cap)) {
			/* Caching mode: a map into empty space is announced the same way. */
			uint64_t size = r[i].size > 4 * SZ_2M ? 4 * SZ_2M : r[i].size;
			fake_log_reset(x->f);
			MAP(x, &d, r[i].iova, 0x40000000, size, RW);
			expect_iotlb_event(x, last_iotlb(x), d.did, r[i].iova, size, __LINE__);
			UNMAP(x, &d, r[i].iova, size);
		}
	}
	DETACH(x, &d, bdf(0, 6, 0));
	dom_free(x, &d);
}

/* The whole life of a domain with commands that take a while: the code
 * must wait for each, never issue the next on top. */
static void slow_hardware(void **state)
{
	struct fx *x = *state;
	struct vtd_domain d;
	uint16_t sid = bdf(0, 7, 0);

	x->f->latency = 7;
	up(x);
	dom_new(x, &d);
	ATTACH(x, &d, sid);
	MAP(x, &d, 0x200000, 0x400000, SZ_2M + SZ_4K, RW);
	XLATE(x, sid, 0x200010, 0x400010, 3, leaf_level(x->v, 1));
	MAP(x, &d, 0x200000, 0x800000, SZ_4K, RW);
	XLATE(x, sid, 0x200010, 0x800010, 3, 0);
	UNMAP(x, &d, 0x200000, SZ_2M + SZ_4K);
	FAULTS(x, sid, 0x200010, 6, 5);
	DETACH(x, &d, sid);
	FAULTS(x, sid, 0x200010, 2, 2);
	dom_free(x, &d);
	assert_int_equal(x->u.timeouts, 0);
}

/* A domain's tables are all freed, and only after the hardware has
 * forgotten them. */
static void no_leaks(void **state)
{
	struct fx *x = *state;
	struct vtd_domain d[3];
	uint16_t sid[3] = { bdf(0, 8, 0), bdf(0, 8, 1), bdf(9, 0, 0) };

	up(x);
	unsigned base = x->f->live_pages;
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 3; i++) {
			dom_new(x, &d[i]);
			ATTACH(x, &d[i], sid[i]);
			MAP(x, &d[i], i * SZ_1G + SZ_4K, 0x1000, 3 * SZ_2M, RW);
			MAP(x, &d[i], (1ull << 38) + 5 * SZ_4K, 0x1000, SZ_4K, VTD_SL_W);
			UNMAP(x, &d[i], i * SZ_1G + SZ_2M, SZ_4K);
			XLATE(x, sid[i], (1ull << 38) + 5 * SZ_4K, 0x1000, 2, 0);
		}
		for (unsigned i = 0; i < 3; i++) {
			DETACH(x, &d[i], sid[i]);
			dom_free(x, &d[i]);
		}
		assert_int_equal(x->f->live_pages, base + 2); /* two context tables */
	}
}

/* Domain IDs run out through vtd_domain_create; caching mode never hands
 * out ID 0. */
static void did_exhaustion(void **state)
{
	struct fx *x = *state;
	static struct vtd_domain d[17];
	bool cm = cap_cm(x->v->cap);
	unsigned n = cm ? 15 : 16;

	up(x);
	unsigned base = x->f->live_pages;
	for (unsigned i = 0; i < n; i++) {
		dom_new(x, &d[i]);
		assert_int_equal(d[i].did, cm ? i + 1 : i);
	}
	assert_int_equal(vtd_domain_create(&x->u, &d[n]), -ENOSPC);
	OK(x);
	assert_int_equal(x->f->live_pages, base + n);
	dom_free(x, &d[3]);
	dom_new(x, &d[n]);
	assert_int_equal(d[n].did, cm ? 4 : 3);
	ATTACH(x, &d[n], bdf(0, 1, 0));
	MAP(x, &d[n], 0, 0x1000, SZ_4K, RW);
	XLATE(x, bdf(0, 1, 0), 0, 0x1000, 3, 0);
	DETACH(x, &d[n], bdf(0, 1, 0));
	for (unsigned i = 0; i <= n; i++)
		if (i != 3)
			dom_free(x, &d[i]);
	assert_int_equal(x->f->live_pages, base + 1);
	/* No memory for the root table: no domain, the ID back. */
	x->f->alloc_budget = 0;
	assert_int_equal(vtd_domain_create(&x->u, &d[0]), -ENOMEM);
	x->f->alloc_budget = -1;
	dom_new(x, &d[0]);
	assert_int_equal(d[0].did, cm ? 1 : 0);
	dom_free(x, &d[0]);
}

/* Out of memory halfway: the error comes back, what was changed is
 * invalidated, and the tree stays usable. */
static void out_of_memory(void **state)
{
	struct fx *x = *state;
	struct vtd_domain d;
	uint16_t sid = bdf(0, 9, 0);

	up(x);
	dom_new(x, &d);
	ATTACH(x, &d, sid);
	MAP(x, &d, 0, 0x10000000, SZ_2M, RW);
	XLATE(x, sid, 0x3000, 0x10003000, 3, leaf_level(x->v, 1));
	x->f->alloc_budget = 0;
	assert_int_equal(vtd_domain_unmap(&d, 0x3000, SZ_4K), has_2m(x->v) ? -ENOMEM : 0);
	OK(x);
	assert_int_equal(vtd_domain_map(&d, SZ_1G + SZ_4K, 0x5000, SZ_4K, RW), -ENOMEM);
	OK(x);
	FAULTS(x, sid, SZ_1G + SZ_4K, 6, 5);
	x->f->alloc_budget = 1;
	/* Needs two tables (level 1 and 0) with one allowed. */
	assert_int_equal(vtd_domain_map(&d, 5 * SZ_1G + SZ_4K, 0x5000, SZ_4K, RW), -ENOMEM);
	OK(x);
	x->f->alloc_budget = -1;
	MAP(x, &d, SZ_1G + SZ_4K, 0x5000, SZ_4K, RW);
	XLATE(x, sid, SZ_1G + SZ_4K, 0x5000, 3, 0);
	UNMAP(x, &d, 0x3000, SZ_4K);
	FAULTS(x, sid, 0x3000, 6, 5);
	XLATE(x, sid, 0x4000, 0x10004000, 3, 0);
	/* No memory for a new bus's context table. */
	x->f->alloc_budget = 0;
	assert_int_equal(vtd_domain_attach(&d, bdf(0x40, 0, 0), false), -ENOMEM);
	x->f->alloc_budget = -1;
	OK(x);
	DETACH(x, &d, sid);
	dom_free(x, &d);
}

/* IOVAs the unit cannot translate (beyond MGAW, below the table's width)
 * must be refused, not mapped uselessly. */
static void map_beyond_mgaw_refused(void **state)
{
	struct fx *x = *state;
	struct vtd_domain d;
	uint16_t sid = bdf(0, 1, 0);
	uint64_t top = 1ull << 36;

	up(x);
	assert_int_equal(x->u.aw_bits, 36);
	dom_new(x, &d);
	ATTACH(x, &d, sid);
	MAP(x, &d, top - SZ_4K, 0x1000, SZ_4K, RW);
	XLATE(x, sid, top - SZ_4K, 0x1000, 3, 0);
	FAULTS(x, sid, top, 4, 4);
	assert_int_equal(vtd_domain_map(&d, top, 0x2000, SZ_4K, RW), -EINVAL);
	assert_int_equal(vtd_domain_map(&d, top - SZ_4K, 0x2000, 2 * SZ_4K, RW), -EINVAL);
	OK(x);
	DETACH(x, &d, sid);
	dom_free(x, &d);
}

/* ---- faults -------------------------------------------------------------------- */

struct seen {
	unsigned n;
	struct vtd_fault f[8];
};

static void collect(const struct vtd_fault *f, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 8)
		s->f[s->n] = *f;
	s->n++;
}

static void expect_fault_rec(const struct vtd_fault *f, uint16_t sid, uint64_t addr,
			     uint8_t reason, bool read)
{
	assert_int_equal(f->sid, sid);
	assert_int_equal(f->address, addr);
	assert_int_equal(f->reason, reason);
	assert_int_equal(f->read, read);
	assert_int_equal(f->unit, 0);
}

/* Fault records drained in ring order from FSTS.FRI, decoded, cleared;
 * the overflow flag reported and cleared. */
static void fault_drain(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;
	struct seen s = { 0 };
	bool over = true;

	up(x);
	assert_int_equal(cap_nfr(x->v->cap), 4);
	assert_int_equal(vtd_drain_faults(&x->u, collect, &s, &over), 0);
	assert_false(over);
	/* Three faults from record 2 on: 2, 3, 0. */
	f->next_frcd = 2;
	assert_true(fake_record_fault(f, 0x0010, 0x1234000, 6, true));
	assert_true(fake_record_fault(f, 0x0311, 0xfffffffff000ull, 5, false));
	assert_true(fake_record_fault(f, 0xff07, 0x5000, 2, true));
	assert_false(fake_record_fault(f, 0x0010, 0x9000, 6, true)); /* same source: dropped */
	assert_int_equal(VTD_FSTS_FRI(vtd_read32(&x->u, VTD_FSTS)), 2);
	assert_int_equal(vtd_drain_faults(&x->u, collect, &s, &over), 3);
	assert_false(over);
	assert_int_equal(s.n, 3);
	expect_fault_rec(&s.f[0], 0x0010, 0x1234000, 6, true);
	expect_fault_rec(&s.f[1], 0x0311, 0xfffffffff000ull, 5, false);
	expect_fault_rec(&s.f[2], 0xff07, 0x5000, 2, true);
	for (unsigned i = 0; i < 4; i++)
		assert_false(f->frcd[i][1] >> 63);
	assert_false(vtd_read32(&x->u, VTD_FSTS) & VTD_FSTS_PPF);

	/* All four full, then one more: overflow. The ring starts at 1 now. */
	for (unsigned i = 0; i < 4; i++)
		assert_true(fake_record_fault(f, (uint16_t)(0x100 + i), 0x1000ull * (i + 1), 6, true));
	assert_false(fake_record_fault(f, 0x200, 0x9000, 5, false));
	assert_true(vtd_read32(&x->u, VTD_FSTS) & VTD_FSTS_PFO);
	s.n = 0;
	assert_int_equal(vtd_drain_faults(&x->u, collect, &s, &over), 4);
	assert_true(over);
	for (unsigned i = 0; i < 4; i++)
		expect_fault_rec(&s.f[i], (uint16_t)(0x100 + i), 0x1000ull * (i + 1), 6, true);
	assert_false(vtd_read32(&x->u, VTD_FSTS) & (VTD_FSTS_PFO | VTD_FSTS_PPF));

	/* Faults the hardware records itself: context not present, beyond the
	 * address width, no write right, no read right. */
	struct vtd_domain d;
	uint16_t sid = bdf(0, 3, 0);
	dom_new(x, &d);
	ATTACH(x, &d, sid);
	MAP(x, &d, 0x1000, 0x2000, SZ_4K, VTD_SL_R);
	MAP(x, &d, 0x3000, 0x4000, SZ_4K, VTD_SL_W);
	f->record_faults = true;
	assert_int_equal(fake_translate(f, bdf(0, 3, 1), 0x1000, false, NULL), 2);
	assert_int_equal(fake_translate(f, sid, 1ull << 40, true, NULL), 4);
	s.n = 0;
	assert_int_equal(vtd_drain_faults(&x->u, collect, &s, &over), 2);
	expect_fault_rec(&s.f[0], bdf(0, 3, 1), 0x1000, 2, true);
	expect_fault_rec(&s.f[1], sid, 1ull << 40, 4, false);
	assert_int_equal(fake_translate(f, sid, 0x1008, true, NULL), 5);
	s.n = 0;
	assert_int_equal(vtd_drain_faults(&x->u, collect, &s, &over), 1);
	expect_fault_rec(&s.f[0], sid, 0x1000, 5, false);
	assert_int_equal(fake_translate(f, sid, 0x3008, false, NULL), 6);
	s.n = 0;
	assert_int_equal(vtd_drain_faults(&x->u, collect, &s, &over), 1);
	expect_fault_rec(&s.f[0], sid, 0x3000, 6, true);
	assert_false(over);
	DETACH(x, &d, sid);
	dom_free(x, &d);
	OK(x);
}

/* QEMU's single record: a second source while it is full is lost. */
static void fault_drain_one_record(void **state)
{
	struct fx *x = *state;
	struct seen s = { 0 };
	bool over;

	up(x);
	assert_int_equal(cap_nfr(x->v->cap), 1);
	assert_true(fake_record_fault(x->f, 0x10, 0x7000, 6, true));
	assert_false(fake_record_fault(x->f, 0x18, 0x8000, 6, true));
	assert_int_equal(vtd_drain_faults(&x->u, collect, &s, &over), 1);
	assert_true(over);
	expect_fault_rec(&s.f[0], 0x10, 0x7000, 6, true);
	assert_true(fake_record_fault(x->f, 0x18, 0x8000, 5, false));
	s.n = 0;
	assert_int_equal(vtd_drain_faults(&x->u, collect, &s, &over), 1);
	assert_false(over);
	expect_fault_rec(&s.f[0], 0x18, 0x8000, 5, false);
	OK(x);
}

/* Faults that land while the drain runs: one recorded in the record just
 * cleared, one more flagged as overflow. Both must be dealt with before
 * the drain returns: the unit raises no event while PPF or PFO is set. */
struct racing {
	struct seen seen;
	struct fake_vtd *f;
	unsigned injected;
};

static void collect_and_race(const struct vtd_fault *fault, void *ctx)
{
	struct racing *r = ctx;

	collect(fault, &r->seen);
	if (r->injected++)
		return;
	assert_true(fake_record_fault(r->f, 0x28, 0xa000, 6, true));
	assert_false(fake_record_fault(r->f, 0x30, 0xb000, 6, true));
}

static void fault_drain_races_new_faults(void **state)
{
	struct fx *x = *state;
	struct racing r = { .f = x->f };
	bool over;

	up(x);
	assert_true(fake_record_fault(x->f, 0x10, 0x7000, 6, true));
	assert_int_equal(vtd_drain_faults(&x->u, collect_and_race, &r, &over), 2);
	assert_true(over);
	expect_fault_rec(&r.seen.f[1], 0x28, 0xa000, 6, true);
	assert_false(vtd_read32(&x->u, VTD_FSTS) & (VTD_FSTS_PPF | VTD_FSTS_PFO));
	OK(x);
}

/* The fault event's MSI. */
static void fault_event_setup(void **state)
{
	struct fx *x = *state;

	up(x);
	vtd_unit_setup_fault_event(&x->u, 0x51, 3);
	assert_int_equal(x->f->fedata, 0x51);
	assert_int_equal(x->f->feaddr, 0xfee03000);
	assert_int_equal(x->f->feuaddr, 0);
	assert_int_equal(x->f->fectl & VTD_FECTL_IM, 0);
	OK(x);
}

/* ---- bounded waits ------------------------------------------------------------------ */

static void expect_init_timeout(const struct variant *v, unsigned stuck, uint32_t gsts,
				uint32_t pmen)
{
	struct fake_vtd *f = fake_vtd_new(v->cap, v->ecap);
	struct vtd_unit u;

	f->stuck = stuck;
	f->gsts = gsts;
	f->pmen = pmen;
	log_stub_reset();
	if (vtd_unit_init(&u, &f->env, 0, FAKE_VTD_BASE, 0, v->haw) != -ETIMEDOUT)
		fail_msg("[%s] stuck %#x: vtd_unit_init did not time out", v->name, stuck);
	assert_int_equal(u.timeouts, 1);
	assert_true(f->now > VTD_TIMEOUT_US);
	assert_true(f->now < 100 * VTD_TIMEOUT_US);
	assert_int_equal(log_stub_last_level, LOG_ERR);
	assert_non_null(strstr(log_stub_last, "timeout"));
	if (f->errors)
		fail_msg("[%s] %s", v->name, f->error_text);
	fake_vtd_free(f);
}

/* A unit that never completes a command: every wait ends in -ETIMEDOUT. */
static void timeouts(void **state)
{
	(void)state;
	expect_init_timeout(&variants[V_QEMU], FAKE_STUCK_GCMD, 0, 0);
	expect_init_timeout(&variants[V_QEMU], FAKE_STUCK_QUEUE, 0, 0);
	expect_init_timeout(&variants[V_NOQI], FAKE_STUCK_CCMD, 0, 0);
	expect_init_timeout(&variants[V_NOQI], FAKE_STUCK_IOTLB, 0, 0);
	expect_init_timeout(&variants[V_RWBF], FAKE_STUCK_WBF, 0, 0);
	expect_init_timeout(&variants[V_PLMR], FAKE_STUCK_PMEN, 0, VTD_PMEN_EPM | VTD_PMEN_PRS);
	expect_init_timeout(&variants[V_QEMU], FAKE_STUCK_GCMD, VTD_GSTS_TES | VTD_GSTS_RTPS, 0);

	/* After bring-up: domain operations time out too. */
	for (unsigned k = 0; k < 2; k++) {
		const struct variant *v = &variants[k ? V_NOQI : V_CM];
		struct fake_vtd *f = fake_vtd_new(v->cap, v->ecap);
		struct vtd_unit u;
		struct vtd_domain d;
		assert_int_equal(vtd_unit_init(&u, &f->env, 0, FAKE_VTD_BASE, 0, v->haw), 0);
		assert_int_equal(vtd_unit_enable_translation(&u), 0);
		assert_int_equal(vtd_domain_create(&u, &d), 0);
		f->stuck = k ? FAKE_STUCK_IOTLB : FAKE_STUCK_QUEUE;
		assert_int_equal(vtd_domain_map(&d, 0, 0x1000, SZ_4K, RW), k ? 0 : -ETIMEDOUT);
		assert_int_equal(vtd_domain_unmap(&d, 0, SZ_4K), -ETIMEDOUT);
		if (!k)
			assert_int_equal(vtd_domain_attach(&d, 0x100, false), -ETIMEDOUT);
		assert_true(u.timeouts >= 1);
		if (f->errors)
			fail_msg("[%s] %s", v->name, f->error_text);
		fake_vtd_free(f);
	}
}

/* An invalidation queue error: reported as -EIO, cleared; the queue works
 * again afterwards. */
static void queue_error(void **state)
{
	struct fx *x = *state;

	up(x);
	x->f->iqe_is_error = false;
	x->f->fail_next_desc = true;
	assert_int_equal(vtd_invalidate_iotlb_global(&x->u), -EIO);
	assert_false(x->f->fsts & VTD_FSTS_IQE);
	assert_int_equal(vtd_invalidate_iotlb_global(&x->u), 0);
	assert_int_equal(vtd_invalidate_context_global(&x->u), 0);
	OK(x);
}

/* The queue wraps around many times; the wait descriptor's status value
 * wraps around 2^32 (one invalidation each: hours at a high I/O rate): a
 * wait must still wait. */
static void queue_wraps(void **state)
{
	struct fx *x = *state;
	struct vtd_domain d;
	uint16_t sid = bdf(0, 1, 0);

	up(x);
	for (unsigned i = 0; i < 300; i++)
		assert_int_equal(vtd_invalidate_iotlb_global(&x->u), 0);
	OK(x);
	dom_new(x, &d);
	ATTACH(x, &d, sid);
	MAP(x, &d, 0x1000, 0x2000, SZ_4K, RW);
	XLATE(x, sid, 0x1000, 0x2000, 3, 0);
	x->f->latency = 5;
	x->u.wait_seq = UINT32_MAX - 1;
	for (unsigned i = 0; i < 3; i++) {
		MAP(x, &d, 0x1000, 0x3000 + i * SZ_4K, SZ_4K, RW);
		XLATE(x, sid, 0x1000, 0x3000 + i * SZ_4K, 3, 0);
	}
	DETACH(x, &d, sid);
	dom_free(x, &d);
}

/* A queue the unit stopped fetching: submissions time out until it is
 * full, then are refused without overwriting what the unit has yet to
 * fetch; once the unit comes back, invalidation works again. */
static void queue_full_after_timeouts(void **state)
{
	struct fx *x = *state;
	unsigned n = 0;
	int err;

	up(x);
	x->f->stuck = FAKE_STUCK_QUEUE;
	while ((err = vtd_invalidate_iotlb_global(&x->u)) == -ETIMEDOUT && n < 1000)
		n++;
	assert_int_equal(err, -EBUSY);
	assert_int_equal(n, 127); /* two slots each, one always left free */
	assert_int_equal(x->u.timeouts, 127);
	fake_resume(x->f);
	assert_int_equal(x->f->iqh, x->f->iqt);
	assert_int_equal(vtd_invalidate_iotlb_global(&x->u), 0);
	assert_int_equal(vtd_invalidate_context_global(&x->u), 0);
	OK(x);
}

/* ---- main ------------------------------------------------------------------------------ */

typedef void (*test_fn)(void **);

static const struct {
	const char *name;
	test_fn fn;
} per_variant[] = {
	{ "bringup", bringup },
	{ "map_sizes", map_sizes },
	{ "permissions", permissions },
	{ "unmap_invalidates", unmap_invalidates },
	{ "remap", remap },
	{ "split_merge", split_merge },
	{ "attach_detach", attach_detach },
	{ "isolation", isolation },
	{ "psi_address_mask", psi_address_mask },
	{ "slow_hardware", slow_hardware },
	{ "no_leaks", no_leaks },
	{ "out_of_memory", out_of_memory },
};

static const struct {
	const char *name;
	test_fn fn;
	int variant; /* -1: none (no fixture) */
} single[] = {
	{ "fake_walker_by_hand", fake_walker_by_hand, -1 },
	{ "fake_catches_stale_caches", fake_catches_stale_caches, -1 },
	{ "fake_caching_mode_caches_not_present", fake_caching_mode_caches_not_present, -1 },
	{ "fake_catches_unflushed_writes", fake_catches_unflushed_writes, -1 },
	{ "fake_catches_misuse", fake_catches_misuse, -1 },
	{ "takeover_from_firmware[plmr]", takeover_from_firmware, V_PLMR },
	{ "did_exhaustion[nd0]", did_exhaustion, V_ND0 },
	{ "did_exhaustion[nd0-cm]", did_exhaustion, V_ND0_CM },
	{ "fault_drain[nfr4]", fault_drain, V_NFR4 },
	{ "fault_drain_one_record[qemu]", fault_drain_one_record, V_QEMU },
	{ "fault_drain_races_new_faults[qemu]", fault_drain_races_new_faults, V_QEMU },
	{ "fault_event_setup[qemu]", fault_event_setup, V_QEMU },
	{ "timeouts", timeouts, -1 },
	{ "queue_error[qemu]", queue_error, V_QEMU },
	{ "queue_wraps[qemu]", queue_wraps, V_QEMU },
	{ "queue_full_after_timeouts[qemu]", queue_full_after_timeouts, V_QEMU },
	{ "map_beyond_mgaw_refused[mgaw36]", map_beyond_mgaw_refused, V_MGAW36 },
};

#define N_PER (sizeof(per_variant) / sizeof(per_variant[0]))
#define N_SINGLE (sizeof(single) / sizeof(single[0]))

int main(void)
{
	static struct CMUnitTest tests[N_SINGLE + N_PER * V_COUNT];
	static char names[N_PER * V_COUNT][96];
	size_t n = 0;

	for (size_t i = 0; i < N_SINGLE; i++) {
		tests[n++] = (struct CMUnitTest){
			.name = single[i].name,
			.test_func = single[i].fn,
			.setup_func = single[i].variant >= 0 ? setup : setup_plain,
			.teardown_func = single[i].variant >= 0 ? teardown : teardown_plain,
			.initial_state = single[i].variant >= 0 ? (void *)&variants[single[i].variant]
								 : NULL,
		};
	}
	for (size_t t = 0; t < N_PER; t++) {
		for (unsigned v = 0; v < V_COUNT; v++) {
			char *name = names[t * V_COUNT + v];
			snprintf(name, sizeof(names[0]), "%s[%s]", per_variant[t].name,
				 variants[v].name);
			tests[n++] = (struct CMUnitTest){
				.name = name,
				.test_func = per_variant[t].fn,
				.setup_func = setup,
				.teardown_func = teardown,
				.initial_state = (void *)&variants[v],
			};
		}
	}
	return _cmocka_run_group_tests("vtd_hw", tests, n, NULL, NULL);
}
