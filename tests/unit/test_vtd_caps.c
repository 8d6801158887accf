/* iommu/vtd_caps.c and iommu/vtd_fault_reason.c: CAP/ECAP decoding checked
 * against values whose meaning is known independently (QEMU 7.2's
 * intel-iommu, whose CAP/ECAP bits and register layout are defined in
 * hw/i386/intel_iommu_internal.h; a Skylake client unit as Linux
 * prints it), the table-depth choice against a hand-written table, the
 * boot summary, and the fault-reason table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/sizes.h"
#include "iommu/vtd_caps.h"
#include "iommu/vtd_fault_reason.h"
#include "iommu/vtd_regs.h"
#include "tests/unit/log_stub.h"


/* QEMU 7.2 intel-iommu defaults (aw-bits=39), read from the running device. */
#define QEMU_CAP  0x00d2008c22260206ull
#define QEMU_ECAP 0x0000000000f00f4aull
/* QEMU's own layout (intel_iommu_internal.h): fault-recording registers at
 * 0x220 (DMAR_FRCD_REG_OFFSET), one of them (DMAR_FRCD_REG_NR); IOTLB
 * registers at 0xf0 (DMAR_IOTLB_REG_OFFSET): IVA_REG at 0xf0, IOTLB_REG
 * at 0xf8; VTD_MAMV 18; 16-bit domain IDs (VTD_DOMAIN_ID_SHIFT). */
#define QEMU_FRCD_OFFSET  0x220
#define QEMU_IVA_REG      0xf0
#define QEMU_IOTLB_REG    0xf8
#define QEMU_MAMV         18

/* Field masks written out independently of vtd_caps.h (VT-d 4.1, 11.4.2). */
#define T_SAGAW_MASK (0x1full << 8)
#define T_MGAW_MASK  (0x3full << 16)
#define T_SAGAW(b)   ((uint64_t)(b) << 8)
#define T_MGAW(bits) ((uint64_t)((bits) - 1) << 16)

/* A CAP with the given SAGAW bitmap and MGAW, the rest QEMU's. */
static uint64_t cap_with(unsigned sagaw, unsigned mgaw)
{
	return (QEMU_CAP & ~(T_SAGAW_MASK | T_MGAW_MASK)) | T_SAGAW(sagaw) | T_MGAW(mgaw);
}

static void choose(uint64_t cap, unsigned haw, unsigned want_levels, unsigned want_aw)
{
	unsigned levels = 0xdead, aw = 0xbeef;
	assert_int_equal(vtd_choose_levels(cap, haw, &levels, &aw), 0);
	assert_int_equal(levels, want_levels);
	assert_int_equal(aw, want_aw);
}

static void choose_fails(uint64_t cap, unsigned haw, int err)
{
	unsigned levels = 0xdead, aw = 0xbeef;
	assert_int_equal(vtd_choose_levels(cap, haw, &levels, &aw), err);
	/* Outputs untouched on failure. */
	assert_int_equal(levels, 0xdead);
	assert_int_equal(aw, 0xbeef);
}

/* ---- QEMU ------------------------------------------------------------------ */

static void qemu_default_cap(void **state)
{
	(void)state;
	const uint64_t c = QEMU_CAP;

	assert_int_equal(cap_nd_field(c), 6);
	assert_int_equal(cap_nd(c), 65536);   /* 16-bit domain IDs */
	assert_int_equal(cap_nd_bits(c), 16);
	assert_int_equal(cap_sagaw(c), VTD_SAGAW_3LVL_39BIT); /* 3-level only */
	assert_int_equal(cap_sagaw(c), 1u << 1);
	assert_int_equal(cap_mgaw(c), 39);
	assert_int_equal(cap_sllps(c), VTD_SLLPS_2M | VTD_SLLPS_1G);
	assert_int_equal(cap_sllps(c), 0x3);
	assert_true(cap_psi(c));
	assert_int_equal(cap_mamv(c), QEMU_MAMV);
	assert_int_equal(cap_nfr(c), 1);       /* one fault-recording register */
	assert_int_equal(cap_fro(c), QEMU_FRCD_OFFSET);
	assert_int_equal(vtd_frcd_offset(c, 0), 0x220);
	assert_int_equal(vtd_frcd_offset(c, 1), 0x230);
	/* No PMR, RWBF, CM, AFL, ZLR. */
	assert_false(cap_plmr(c));
	assert_false(cap_phmr(c));
	assert_false(cap_rwbf(c));
	assert_false(cap_cm(c));
	assert_false(cap_afl(c));
	assert_false(cap_zlr(c));
	/* VTD_CAP_DRAIN: both drains. */
	assert_true(cap_drd(c));
	assert_true(cap_dwd(c));
	assert_false(cap_pi(c));
	assert_false(cap_fl1gp(c));
	assert_false(cap_fl5lp(c));
	assert_false(cap_esrtps(c));
	assert_false(cap_esirtps(c));
}

static void qemu_default_ecap(void **state)
{
	(void)state;
	const uint64_t e = QEMU_ECAP;

	assert_true(ecap_qi(e));
	assert_true(ecap_ir(e));
	assert_true(ecap_pt(e));
	assert_false(ecap_c(e));   /* not coherent: flush cache lines */
	assert_false(ecap_eim(e));
	assert_false(ecap_sc(e));
	assert_false(ecap_dt(e));
	assert_int_equal(ecap_mhmv(e), 15);
	/* The IOTLB registers where QEMU put them. */
	assert_int_equal(ecap_iro(e), QEMU_IVA_REG);
	assert_int_equal(ecap_iro(e) + VTD_IOTLB_IVA_OFFSET, QEMU_IVA_REG);
	assert_int_equal(ecap_iro(e) + VTD_IOTLB_REG_OFFSET, QEMU_IOTLB_REG);
	/* Legacy mode only. */
	assert_false(ecap_smts(e));
	assert_false(ecap_slts(e));
	assert_false(ecap_flts(e));
	assert_false(ecap_pasid(e));
	assert_false(ecap_nest(e));
	assert_false(ecap_prs(e));
}

static void qemu_default_levels(void **state)
{
	(void)state;
	/* QEMU's DMAR says HAW 39: 3 levels, 39-bit IOVAs. */
	choose(QEMU_CAP, 39, 3, 39);
	assert_int_equal(vtd_levels_to_ctx_aw(3), 1);
	/* Whatever HAW says, 39 bits is all this unit has. */
	choose(QEMU_CAP, 36, 3, 39);
	choose(QEMU_CAP, 48, 3, 39);
	choose(QEMU_CAP, 57, 3, 39);
}

/* -device intel-iommu,aw-bits=48: SAGAW 39|48 bits, MGAW 48. */
static void qemu_aw48(void **state)
{
	(void)state;
	const uint64_t c = cap_with(VTD_SAGAW_3LVL_39BIT | VTD_SAGAW_4LVL_48BIT, 48);

	assert_int_equal(cap_sagaw(c), 0x6);
	assert_int_equal(cap_mgaw(c), 48);
	/* Everything else unchanged. */
	assert_int_equal(cap_nd(c), 65536);
	assert_int_equal(cap_fro(c), 0x220);
	/* QEMU then reports HAW 48 in the DMAR table. */
	choose(c, 48, 4, 48);
	assert_int_equal(vtd_levels_to_ctx_aw(4), 2);
	/* A 39-bit platform would not need the fourth level. */
	choose(c, 39, 3, 39);
}

/* ---- other units ------------------------------------------------------------ */

static void five_level_unit(void **state)
{
	(void)state;
	const uint64_t c = cap_with(VTD_SAGAW_3LVL_39BIT | VTD_SAGAW_4LVL_48BIT |
				    VTD_SAGAW_5LVL_57BIT, 57);

	assert_int_equal(cap_sagaw(c), 0xe);
	assert_int_equal(cap_mgaw(c), 57);
	choose(c, 57, 5, 57);
	choose(c, 52, 5, 57);
	choose(c, 46, 4, 48);
	choose(c, 39, 3, 39);
	assert_int_equal(vtd_levels_to_ctx_aw(5), 3);
	assert_int_equal(vtd_levels_width(5), 57);
}

/* HAW below MGAW: the width needed is HAW; the IOVA space is the depth's
 * (capped by MGAW), and may exceed HAW. */
static void haw_below_mgaw(void **state)
{
	(void)state;
	const uint64_t c = cap_with(VTD_SAGAW_3LVL_39BIT | VTD_SAGAW_4LVL_48BIT, 48);

	choose(c, 39, 3, 39);
	choose(c, 36, 3, 39);
	choose(c, 40, 4, 48);
	choose(c, 42, 4, 48);
}

/* A server/Apple-like platform: HAW 46, SAGAW 3|4-level, MGAW 48. */
static void haw46_sagaw34(void **state)
{
	(void)state;
	const uint64_t c = cap_with(VTD_SAGAW_3LVL_39BIT | VTD_SAGAW_4LVL_48BIT, 48);

	choose(c, 46, 4, 48);
}

/* A Skylake client unit as Linux prints it ("cap d2008c40660462 ecap
 * f050da"): 4-level tables only, but MGAW 39, so 39-bit IOVAs through a
 * 4-level table. */
static void skylake_client_unit(void **state)
{
	(void)state;
	const uint64_t c = 0x00d2008c40660462ull, e = 0x0000000000f050daull;

	assert_int_equal(cap_nd(c), 256);
	assert_int_equal(cap_nd_bits(c), 8);
	assert_int_equal(cap_sagaw(c), VTD_SAGAW_4LVL_48BIT);
	assert_int_equal(cap_mgaw(c), 39);
	assert_true(cap_plmr(c));
	assert_true(cap_phmr(c));
	assert_true(cap_zlr(c));
	assert_false(cap_cm(c));
	assert_false(cap_rwbf(c));
	assert_int_equal(cap_fro(c), 0x400);
	assert_int_equal(cap_nfr(c), 1);
	assert_int_equal(cap_sllps(c), VTD_SLLPS_2M | VTD_SLLPS_1G);
	assert_true(ecap_qi(e));
	assert_true(ecap_ir(e));
	assert_true(ecap_eim(e));
	assert_true(ecap_pt(e));
	assert_true(ecap_sc(e));
	assert_false(ecap_c(e));
	assert_false(ecap_dt(e));
	assert_int_equal(ecap_iro(e), 0x500);
	choose(c, 39, 4, 39);
	choose(c, 46, 4, 39);
}

static void unsupported_sagaw(void **state)
{
	(void)state;
	/* 2-level only: hv does not build 30-bit tables. */
	choose_fails(cap_with(VTD_SAGAW_2LVL_30BIT, 39), 39, -EOPNOTSUPP);
	choose_fails(cap_with(VTD_SAGAW_2LVL_30BIT, 30), 30, -EOPNOTSUPP);
	/* Nothing, or only the reserved bit 4. */
	choose_fails(cap_with(0, 48), 48, -EOPNOTSUPP);
	choose_fails(cap_with(1u << 4, 57), 48, -EOPNOTSUPP);
	choose_fails(cap_with((1u << 4) | VTD_SAGAW_2LVL_30BIT, 57), 48, -EOPNOTSUPP);
	/* HAW 0 is a caller bug. */
	choose_fails(QEMU_CAP, 0, -EINVAL);
}

/* No depth covers min(MGAW, HAW): the deepest one offered, its width
 * capped by MGAW. */
static void none_covers(void **state)
{
	(void)state;
	choose(cap_with(VTD_SAGAW_3LVL_39BIT, 48), 46, 3, 39);
	choose(cap_with(VTD_SAGAW_3LVL_39BIT | VTD_SAGAW_4LVL_48BIT, 57), 52, 4, 48);
	choose(cap_with(VTD_SAGAW_3LVL_39BIT | VTD_SAGAW_4LVL_48BIT, 57), 57, 4, 48);
	/* The depth's width is capped by MGAW. */
	choose(cap_with(VTD_SAGAW_5LVL_57BIT, 48), 57, 5, 48);
	choose(cap_with(VTD_SAGAW_4LVL_48BIT, 39), 48, 4, 39);
}

/* Every combination of SAGAW bits 1-3 with MGAW 39, 48, 57 and the HAWs
 * real DMAR tables carry (36-46) and beyond, worked out by hand:
 * need = min(MGAW, HAW); the smallest depth whose width (39/48/57) >= need,
 * else the deepest; aw = min(width, MGAW). */
static const unsigned table_haw[] = { 36, 39, 40, 46, 48, 52, 57 };

struct expect { unsigned levels, aw; };

static const struct {
	unsigned sagaw, mgaw;
	struct expect want[ARRAY_SIZE(table_haw)];
} table[] = {
#define L3_39 { 3, 39 }
#define L4_39 { 4, 39 }
#define L5_39 { 5, 39 }
#define L4_48 { 4, 48 }
#define L5_48 { 5, 48 }
#define L5_57 { 5, 57 }
	/*   SAGAW         MGAW      HAW 36 39     40     46     48     52     57 */
	{ 0x2, 39, { L3_39, L3_39, L3_39, L3_39, L3_39, L3_39, L3_39 } },
	{ 0x4, 39, { L4_39, L4_39, L4_39, L4_39, L4_39, L4_39, L4_39 } },
	{ 0x8, 39, { L5_39, L5_39, L5_39, L5_39, L5_39, L5_39, L5_39 } },
	{ 0x6, 39, { L3_39, L3_39, L3_39, L3_39, L3_39, L3_39, L3_39 } },
	{ 0xa, 39, { L3_39, L3_39, L3_39, L3_39, L3_39, L3_39, L3_39 } },
	{ 0xc, 39, { L4_39, L4_39, L4_39, L4_39, L4_39, L4_39, L4_39 } },
	{ 0xe, 39, { L3_39, L3_39, L3_39, L3_39, L3_39, L3_39, L3_39 } },

	{ 0x2, 48, { L3_39, L3_39, L3_39, L3_39, L3_39, L3_39, L3_39 } },
	{ 0x4, 48, { L4_48, L4_48, L4_48, L4_48, L4_48, L4_48, L4_48 } },
	{ 0x8, 48, { L5_48, L5_48, L5_48, L5_48, L5_48, L5_48, L5_48 } },
	{ 0x6, 48, { L3_39, L3_39, L4_48, L4_48, L4_48, L4_48, L4_48 } },
	{ 0xa, 48, { L3_39, L3_39, L5_48, L5_48, L5_48, L5_48, L5_48 } },
	{ 0xc, 48, { L4_48, L4_48, L4_48, L4_48, L4_48, L4_48, L4_48 } },
	{ 0xe, 48, { L3_39, L3_39, L4_48, L4_48, L4_48, L4_48, L4_48 } },

	{ 0x2, 57, { L3_39, L3_39, L3_39, L3_39, L3_39, L3_39, L3_39 } },
	{ 0x4, 57, { L4_48, L4_48, L4_48, L4_48, L4_48, L4_48, L4_48 } },
	{ 0x8, 57, { L5_57, L5_57, L5_57, L5_57, L5_57, L5_57, L5_57 } },
	{ 0x6, 57, { L3_39, L3_39, L4_48, L4_48, L4_48, L4_48, L4_48 } },
	{ 0xa, 57, { L3_39, L3_39, L5_57, L5_57, L5_57, L5_57, L5_57 } },
	{ 0xc, 57, { L4_48, L4_48, L4_48, L4_48, L4_48, L5_57, L5_57 } },
	{ 0xe, 57, { L3_39, L3_39, L4_48, L4_48, L4_48, L5_57, L5_57 } },
#undef L3_39
#undef L4_39
#undef L5_39
#undef L4_48
#undef L5_48
#undef L5_57
};

static void levels_table(void **state)
{
	(void)state;
	unsigned checked = 0;

	/* The table has every non-empty subset of bits 1-3 for every MGAW. */
	for (unsigned mgaw = 39; mgaw <= 57; mgaw += 9)
		for (unsigned sagaw = 0x2; sagaw <= 0xe; sagaw += 2) {
			unsigned rows = 0;
			for (unsigned i = 0; i < ARRAY_SIZE(table); i++)
				rows += table[i].sagaw == sagaw && table[i].mgaw == mgaw;
			assert_int_equal(rows, 1);
		}

	for (unsigned i = 0; i < ARRAY_SIZE(table); i++)
		for (unsigned h = 0; h < ARRAY_SIZE(table_haw); h++) {
			const struct expect *w = &table[i].want[h];
			/* The unused 2-level bit and the reserved bit 4 change
			 * nothing. */
			static const unsigned extra[] = { 0, VTD_SAGAW_2LVL_30BIT, 1u << 4 };
			for (unsigned x = 0; x < ARRAY_SIZE(extra); x++) {
				unsigned sagaw = table[i].sagaw | extra[x], levels = 0, aw = 0;
				int rc = vtd_choose_levels(cap_with(sagaw, table[i].mgaw),
							   table_haw[h], &levels, &aw);
				if (rc || levels != w->levels || aw != w->aw)
					fail_msg("SAGAW %#x MGAW %u HAW %u: rc %d, %u levels, "
						 "%u bits; want %u levels, %u bits", sagaw,
						 table[i].mgaw, table_haw[h], rc, levels, aw,
						 w->levels, w->aw);
			}
			checked++;
		}
	assert_int_equal(checked, 21 * 7);

	/* No bit of 1-3: refused at every HAW and MGAW. */
	for (unsigned mgaw = 39; mgaw <= 57; mgaw += 9)
		for (unsigned h = 0; h < ARRAY_SIZE(table_haw); h++)
			choose_fails(cap_with(0, mgaw), table_haw[h], -EOPNOTSUPP);
}

/* ---- field extraction -------------------------------------------------------- */

static void nd_values(void **state)
{
	(void)state;
	static const uint32_t want[8] = { 16, 64, 256, 1024, 4096, 16384, 65536, 65536 };
	for (unsigned nd = 0; nd < 8; nd++) {
		uint64_t c = (QEMU_CAP & ~7ull) | nd;
		assert_int_equal(cap_nd_field(c), nd);
		assert_int_equal(cap_nd(c), want[nd]);
		/* ND = 7 is reserved: read as the 16 bits a DID can hold. */
		assert_int_equal(cap_nd_bits(c), nd < 7 ? 4 + 2 * nd : 16);
	}
}

/* Each flag reads its own bit and no other. */
static void flags_own_bits(void **state)
{
	(void)state;
	static const struct {
		bool (*fn)(uint64_t);
		unsigned bit;
		const char *name;
	} cap_flags[] = {
		{ cap_afl, 3, "afl" },      { cap_rwbf, 4, "rwbf" },   { cap_plmr, 5, "plmr" },
		{ cap_phmr, 6, "phmr" },    { cap_cm, 7, "cm" },       { cap_zlr, 22, "zlr" },
		{ cap_psi, 39, "psi" },     { cap_dwd, 54, "dwd" },    { cap_drd, 55, "drd" },
		{ cap_fl1gp, 56, "fl1gp" }, { cap_pi, 59, "pi" },      { cap_fl5lp, 60, "fl5lp" },
		{ cap_esirtps, 62, "esirtps" }, { cap_esrtps, 63, "esrtps" },
	}, ecap_flags[] = {
		{ ecap_c, 0, "c" },         { ecap_qi, 1, "qi" },      { ecap_dt, 2, "dt" },
		{ ecap_ir, 3, "ir" },       { ecap_eim, 4, "eim" },    { ecap_pt, 6, "pt" },
		{ ecap_sc, 7, "sc" },       { ecap_nest, 26, "nest" }, { ecap_prs, 29, "prs" },
		{ ecap_pasid, 40, "pasid" }, { ecap_smts, 43, "smts" }, { ecap_slts, 46, "slts" },
		{ ecap_flts, 47, "flts" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cap_flags); i++)
		for (unsigned b = 0; b < 64; b++) {
			bool want = b == cap_flags[i].bit;
			if (cap_flags[i].fn(1ull << b) != want)
				fail_msg("cap_%s: bit %u reads %d", cap_flags[i].name, b, !want);
			if (cap_flags[i].fn(~(1ull << b)) != !want)
				fail_msg("cap_%s: all but bit %u reads %d", cap_flags[i].name, b, want);
		}
	for (unsigned i = 0; i < ARRAY_SIZE(ecap_flags); i++)
		for (unsigned b = 0; b < 64; b++) {
			bool want = b == ecap_flags[i].bit;
			if (ecap_flags[i].fn(1ull << b) != want)
				fail_msg("ecap_%s: bit %u reads %d", ecap_flags[i].name, b, !want);
			if (ecap_flags[i].fn(~(1ull << b)) != !want)
				fail_msg("ecap_%s: all but bit %u reads %d", ecap_flags[i].name, b, want);
		}
}

/* Multi-bit fields at their extremes, and no leakage from their
 * neighbours. */
static void fields_extremes(void **state)
{
	(void)state;
	const uint64_t all = ~0ull;

	assert_int_equal(cap_nd(0), 16);
	assert_int_equal(cap_sagaw(0), 0);
	assert_int_equal(cap_mgaw(0), 1);
	assert_int_equal(cap_fro(0), 0);
	assert_int_equal(cap_sllps(0), 0);
	assert_int_equal(cap_nfr(0), 1);
	assert_int_equal(cap_mamv(0), 0);
	assert_int_equal(ecap_iro(0), 0);
	assert_int_equal(ecap_mhmv(0), 0);

	assert_int_equal(cap_nd(all), 65536);
	assert_int_equal(cap_sagaw(all), 0x1f);
	assert_int_equal(cap_mgaw(all), 64);
	assert_int_equal(cap_fro(all), 0x3ff0);
	assert_int_equal(cap_sllps(all), 0xf);
	assert_int_equal(cap_nfr(all), 256);
	assert_int_equal(cap_mamv(all), 63);
	assert_int_equal(ecap_iro(all), 0x3ff0);
	assert_int_equal(ecap_mhmv(all), 15);

	/* One field set alone. */
	assert_int_equal(cap_sagaw(0x1full << 8), 0x1f);
	assert_int_equal(cap_mgaw(0x1full << 8), 1);
	assert_int_equal(cap_nd(0x1full << 8), 16);
	assert_int_equal(cap_fro(0x3ffull << 24), 0x3ff0);
	assert_int_equal(cap_sllps(0x3ffull << 24), 0);
	assert_int_equal(cap_mgaw(0x3ffull << 24), 1);
	assert_int_equal(cap_sllps(0xfull << 34), 0xf);
	assert_false(cap_psi(0xfull << 34));
	assert_int_equal(cap_fro(0xfull << 34), 0);
	assert_int_equal(cap_nfr(0xffull << 40), 256);
	assert_int_equal(cap_mamv(0xffull << 40), 0);
	assert_int_equal(cap_mamv(0x3full << 48), 63);
	assert_false(cap_dwd(0x3full << 48));
	assert_int_equal(ecap_iro(0x3ffull << 8), 0x3ff0);
	assert_int_equal(ecap_mhmv(0x3ffull << 8), 0);
	assert_int_equal(ecap_mhmv(0xfull << 20), 15);
	assert_int_equal(ecap_iro(0xfull << 20), 0);
}

/* ---- the boot summary --------------------------------------------------------- */

static unsigned count_char(const char *s, char c)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

#define assert_contains(hay, needle) do { \
	if (!strstr((hay), (needle))) \
		fail_msg("\"%s\" not in:\n%s", (needle), (hay)); \
} while (0)

#define assert_lacks(hay, needle) do { \
	if (strstr((hay), (needle))) \
		fail_msg("\"%s\" unexpectedly in:\n%s", (needle), (hay)); \
} while (0)

static void describe_qemu(void **state)
{
	(void)state;
	char buf[VTD_CAPS_DESCRIBE_MAX];

	size_t n = vtd_caps_describe(QEMU_CAP, QEMU_ECAP, buf, sizeof(buf));
	assert_true(n < sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_int_equal(count_char(buf, '\n'), 7); /* 8 lines */
	assert_true(buf[n - 1] != '\n');
	assert_contains(buf, "domains: 65536 (16-bit IDs)");
	assert_contains(buf, "caching mode: no");
	assert_contains(buf, "MGAW 39 bits");
	assert_contains(buf, "SAGAW 0x2: 3-level/39-bit;");
	assert_lacks(buf, "4-level");
	assert_contains(buf, "superpages: 2M 1G;");
	assert_contains(buf, "page-selective invalidation: yes, up to 2^18 pages");
	assert_contains(buf, "fault recording: 1 register at 0x220");
	assert_contains(buf, "advanced fault log: no");
	assert_contains(buf, "page walks: not coherent");
	assert_contains(buf, "write-buffer flush: not required");
	assert_contains(buf, "protected memory: low no, high no");
	assert_contains(buf, "invalidation: queued (QI); IOTLB registers at 0xf0");
	assert_contains(buf, "device-TLB: no");
	assert_contains(buf, "interrupt remapping: yes, x2APIC IDs (EIM) no");
	assert_contains(buf, "pass-through: yes; snoop control: no; scalable mode: no");
}

static void describe_other_values(void **state)
{
	(void)state;
	char buf[VTD_CAPS_DESCRIBE_MAX];
	/* CM, RWBF, PMRs, AFL set; no PSI; 4 fault registers at 0x400; ND=0;
	 * no superpages; SAGAW 3|4|5; coherent, no QI, no IR. */
	const uint64_t cap = (1ull << 3) | (1ull << 4) | (1ull << 5) | (1ull << 6) |
			     (1ull << 7) | T_SAGAW(0xe) | T_MGAW(57) | (0x40ull << 24) |
			     (3ull << 40);
	const uint64_t ecap = 1ull | (0x50ull << 8);

	vtd_caps_describe(cap, ecap, buf, sizeof(buf));
	assert_contains(buf, "domains: 16 (4-bit IDs)");
	assert_contains(buf, "caching mode: yes (domain 0 reserved");
	assert_contains(buf, "MGAW 57 bits; SAGAW 0xe: 3-level/39-bit 4-level/48-bit 5-level/57-bit;");
	assert_contains(buf, "superpages: none;");
	assert_contains(buf, "page-selective invalidation: no;");
	assert_contains(buf, "fault recording: 4 registers at 0x400; advanced fault log: yes");
	assert_contains(buf, "page walks: coherent;");
	assert_contains(buf, "write-buffer flush: required");
	assert_contains(buf, "protected memory: low yes, high yes");
	assert_contains(buf, "invalidation: registers only (no QI); IOTLB registers at 0x500");
	assert_contains(buf, "interrupt remapping: no;");

	/* The unusable encodings are named, not hidden. */
	vtd_caps_describe(cap_with(0x11, 39) | 7, 0, buf, sizeof(buf));
	assert_contains(buf, "2-level/30-bit (unused) reserved bit 4");
	assert_contains(buf, "ND=7 is reserved");
	vtd_caps_describe(cap_with(0, 39), 0, buf, sizeof(buf));
	assert_contains(buf, "SAGAW 0x0: none;");
}

static void describe_truncates(void **state)
{
	(void)state;
	char full[VTD_CAPS_DESCRIBE_MAX], small[32];
	size_t n = vtd_caps_describe(QEMU_CAP, QEMU_ECAP, full, sizeof(full));

	memset(small, 'x', sizeof(small));
	assert_int_equal(vtd_caps_describe(QEMU_CAP, QEMU_ECAP, small, 10), n);
	assert_int_equal(strlen(small), 9);
	assert_memory_equal(small, full, 9);
	assert_int_equal(small[10], 'x'); /* nothing written past size */
	assert_int_equal(vtd_caps_describe(QEMU_CAP, QEMU_ECAP, small, 1), n);
	assert_string_equal(small, "");
	assert_int_equal(vtd_caps_describe(QEMU_CAP, QEMU_ECAP, NULL, 0), n);
	/* Exactly big enough. */
	char exact[VTD_CAPS_DESCRIBE_MAX];
	assert_int_equal(vtd_caps_describe(QEMU_CAP, QEMU_ECAP, exact, n + 1), n);
	assert_string_equal(exact, full);
	/* The longest summary fits the advertised buffer. */
	assert_true(vtd_caps_describe(~0ull, ~0ull, NULL, 0) < VTD_CAPS_DESCRIBE_MAX);
	assert_true(vtd_caps_describe(0, 0, NULL, 0) < VTD_CAPS_DESCRIBE_MAX);
}

static void log_one_message_per_line(void **state)
{
	(void)state;
	char full[VTD_CAPS_DESCRIBE_MAX];

	vtd_caps_describe(QEMU_CAP, QEMU_ECAP, full, sizeof(full));
	log_stub_reset();
	vtd_caps_log("vt-d: unit 0: ", QEMU_CAP, QEMU_ECAP);
	/* The raw registers, then the 8 summary lines. */
	assert_int_equal(log_stub_count[LOG_INFO], 1 + 8);
	assert_int_equal(log_stub_count[LOG_WARN] + log_stub_count[LOG_ERR], 0);
	/* The last one is the summary's last line, prefixed, newline-ended. */
	const char *last = strrchr(full, '\n') + 1;
	char want[LOG_STUB_MSG_MAX];
	snprintf(want, sizeof(want), "vt-d: unit 0: %s\n", last);
	assert_string_equal(log_stub_last, want);
	/* Lines are not truncated by vtd_caps_log's line buffer, even the
	 * longest ones. */
	log_stub_reset();
	vtd_caps_log("", ~0ull, ~0ull);
	vtd_caps_describe(~0ull, ~0ull, full, sizeof(full));
	snprintf(want, sizeof(want), "%s\n", strrchr(full, '\n') + 1);
	assert_string_equal(log_stub_last, want);
	for (char *line = full, *end; line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		assert_true(len < VTD_CAPS_DESCRIBE_MAX / 4);
	}
}

/* ---- fault reasons ------------------------------------------------------------ */

static void fault_reasons_known(void **state)
{
	(void)state;
	/* What QEMU records (reasons 2, 4, 5, 6) and the rest of the legacy table. */
	assert_string_equal(vtd_fault_reason(0x01), "root entry not present");
	assert_string_equal(vtd_fault_reason(0x02), "context entry not present");
	assert_contains(vtd_fault_reason(0x03), "invalid context entry");
	assert_contains(vtd_fault_reason(0x04), "beyond the domain's address width");
	assert_contains(vtd_fault_reason(0x05), "without write permission");
	assert_contains(vtd_fault_reason(0x06), "without read permission");
	assert_contains(vtd_fault_reason(0x07), "second-level paging entry");
	assert_contains(vtd_fault_reason(0x08), "root table");
	assert_contains(vtd_fault_reason(0x09), "context table");
	assert_contains(vtd_fault_reason(0x0a), "reserved field in a root entry");
	assert_contains(vtd_fault_reason(0x0b), "reserved field in a context entry");
	assert_contains(vtd_fault_reason(0x0c), "reserved field in a second-level paging entry");
	assert_contains(vtd_fault_reason(0x0d), "translation type (TT)");
	assert_contains(vtd_fault_reason(0x0e), "interrupt range");
	/* Interrupt remapping. */
	assert_contains(vtd_fault_reason(0x20), "remappable interrupt request");
	assert_contains(vtd_fault_reason(0x21), "interrupt index");
	assert_contains(vtd_fault_reason(0x22), "not present");
	assert_contains(vtd_fault_reason(0x23), "interrupt-remapping table");
	assert_contains(vtd_fault_reason(0x24), "reserved field in an interrupt-remapping table entry");
	assert_contains(vtd_fault_reason(0x25), "compatibility-format");
	assert_contains(vtd_fault_reason(0x26), "source-id");
	assert_contains(vtd_fault_reason(0x27), "posted-interrupt descriptor");
	assert_contains(vtd_fault_reason(0x28), "posted-interrupt descriptor");
	/* Scalable mode, generically. */
	assert_string_equal(vtd_fault_reason(0x30), "scalable-mode fault 0x30");
	assert_string_equal(vtd_fault_reason(0x3a), "scalable-mode fault 0x3a");
	assert_string_equal(vtd_fault_reason(0x87), "scalable-mode fault 0x87");
	assert_string_equal(vtd_fault_reason(0x9f), "scalable-mode fault 0x9f");
	/* Reserved values. */
	static const uint8_t unknown[] = { 0x00, 0x0f, 0x10, 0x1f, 0x2a, 0x2f, 0xa0, 0xff };
	for (unsigned i = 0; i < ARRAY_SIZE(unknown); i++)
		assert_string_equal(vtd_fault_reason(unknown[i]), "unknown fault reason");
}

static void fault_reasons_every_value(void **state)
{
	(void)state;
	char sm[64];

	for (unsigned r = 0; r < 256; r++) {
		const char *s = vtd_fault_reason((uint8_t)r);
		assert_non_null(s);
		assert_true(s[0] != '\0');
		snprintf(sm, sizeof(sm), "scalable-mode fault %#04x", r);
		bool known = (r >= 0x01 && r <= 0x0e) || (r >= 0x20 && r <= 0x29);
		bool scalable = r >= 0x30 && r <= 0x9f;
		if (scalable)
			assert_string_equal(s, sm);
		else if (known)
			assert_string_not_equal(s, "unknown fault reason");
		else
			assert_string_equal(s, "unknown fault reason");
		/* No two reasons share a text (a copy-paste slip). */
		if (known || scalable)
			for (unsigned q = 0; q < r; q++)
				if (!strcmp(s, vtd_fault_reason((uint8_t)q)))
					fail_msg("reasons %#x and %#x both read \"%s\"", q, r, s);
	}
}

static void fault_is_interrupt(void **state)
{
	(void)state;
	for (unsigned r = 0; r < 256; r++)
		if (vtd_fault_is_interrupt((uint8_t)r) != (r >= 0x20 && r <= 0x29))
			fail_msg("vtd_fault_is_interrupt(%#x) wrong", r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qemu_default_cap),
		cmocka_unit_test(qemu_default_ecap),
		cmocka_unit_test(qemu_default_levels),
		cmocka_unit_test(qemu_aw48),
		cmocka_unit_test(five_level_unit),
		cmocka_unit_test(haw_below_mgaw),
		cmocka_unit_test(haw46_sagaw34),
		cmocka_unit_test(skylake_client_unit),
		cmocka_unit_test(unsupported_sagaw),
		cmocka_unit_test(none_covers),
		cmocka_unit_test(levels_table),
		cmocka_unit_test(nd_values),
		cmocka_unit_test(flags_own_bits),
		cmocka_unit_test(fields_extremes),
		cmocka_unit_test(describe_qemu),
		cmocka_unit_test(describe_other_values),
		cmocka_unit_test(describe_truncates),
		cmocka_unit_test(log_one_message_per_line),
		cmocka_unit_test(fault_reasons_known),
		cmocka_unit_test(fault_reasons_every_value),
		cmocka_unit_test(fault_is_interrupt),
	};
	return cmocka_run_group_tests_name("vtd_caps", tests, NULL, NULL);
}
