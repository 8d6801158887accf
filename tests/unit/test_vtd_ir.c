/* iommu/vtd_ir.c (interrupt remapping: enable, IRTE writes with their
 * interrupt entry cache invalidations) against the recording fake of the
 * VT-d hardware (tests/unit/fake_vtd.h), whose interrupt remapping model is
 * written from the specification with its own constants (no code shared
 * with iommu/irte.c).
 *
 * Interrupts are sent to the fake as DMA writes to 0xFEEx_xxxx built here
 * with this file's own encoding of the MSI address (msi_addr()), so a
 * misread of the remappable format in iommu/irte.c shows as a disagreement.
 * After every operation of the code under test the fake's checker runs
 * (OK()): with interrupt remapping on, every interrupt entry cache entry
 * must equal the table (a change without an IEC invalidation shows as a
 * stale entry) and the table must read the same in the hardware's view as
 * the CPU wrote it (clflush with ECAP.C=0, write-buffer flush with
 * CAP.RWBF=1); with `speculative` the fake caches every present entry at
 * each check, as hardware may. */
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

#include "iommu/irte.h"
#include "iommu/vtd_caps.h"
#include "iommu/vtd_ir.h"
#include "iommu/vtd_regs.h"
#include "iommu/vtd_unit.h"
#include "tests/unit/fake_vtd.h"
#include "tests/unit/log_stub.h"
#include "tests/unit/watchdog.h"

/* Capability bits (VT-d 11.4.2, 11.4.3; own encodings). */
#define CAP_RWBF  (1ull << 4)
#define CAP_CM    (1ull << 7)
#define ECAP_C    (1ull << 0)
#define ECAP_QI   (1ull << 1)
#define ECAP_IR   (1ull << 3)
#define ECAP_EIM  (1ull << 4)

#define QCAP FAKE_CAP_QEMU
#define QECAP FAKE_ECAP_QEMU

/* Interrupt remapping fault reasons (the specification's table of
 * interrupt-remapping fault conditions). */
#define FR_REQ_RSVD    0x20
#define FR_INDEX       0x21
#define FR_NOT_PRESENT 0x22
#define FR_COMPAT      0x25
#define FR_SID         0x26

/* One page of 16-byte entries: 256 = 2^(7 + 1). */
#define IRTA_S 7
#define ENTRIES 256u

struct variant {
	const char *name;
	uint64_t cap, ecap;
	bool eim; /* x2APIC destinations (IRTA.EIME) */
};

enum { V_QEMU, V_COHERENT, V_EIM, V_CM_RWBF, V_COUNT };

static const struct variant variants[V_COUNT] = {
	/* QEMU 7.2's defaults: ECAP.C = 0, no EIM. */
	[V_QEMU] = { "qemu", QCAP, QECAP, false },
	[V_COHERENT] = { "coherent", QCAP, QECAP | ECAP_C, false },
	[V_EIM] = { "eim", QCAP, QECAP | ECAP_EIM, true },
	/* Caching mode (not-present entries cached too) behind a write buffer. */
	[V_CM_RWBF] = { "cm-rwbf", QCAP | CAP_CM | CAP_RWBF, QECAP, false },
};

/* ---- fixture ------------------------------------------------------------------- */

struct fx {
	const struct variant *v;
	struct fake_vtd *f;
	struct vtd_unit u;
	uint64_t table;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	watchdog_arm("test_vtd_ir", 60);
	log_stub_reset();
	x->v = *state ? *state : &variants[V_QEMU];
	x->f = fake_vtd_new(x->v->cap, x->v->ecap);
	*state = x;
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

static int setup_plain(void **state)
{
	(void)state;
	watchdog_arm("test_vtd_ir", 60);
	log_stub_reset();
	return 0;
}

static int teardown_plain(void **state)
{
	(void)state;
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

static uint64_t alloc_table(struct fake_vtd *f)
{
	uint64_t t = f->env.alloc_page(f->env.ctx);

	assert_true(t);
	return t;
}

/* The unit brought up (QI on), the table allocated; remapping still off. */
static void init(struct fx *x)
{
	assert_int_equal(vtd_unit_init(&x->u, &x->f->env, 0, FAKE_VTD_BASE, 0, 39), 0);
	OK(x);
	x->table = alloc_table(x->f);
}

static void up(struct fx *x)
{
	init(x);
	assert_int_equal(vtd_ir_enable(&x->u, x->table, IRTA_S, x->v->eim), 0);
	OK(x);
}

static uint16_t bdf(unsigned bus, unsigned dev, unsigned fn)
{
	return (uint16_t)(bus << 8 | dev << 3 | fn);
}

/* Remappable-format MSI address (VT-d 5.1.2.2, own encoding): 0xFEE in
 * 31:20, handle[14:0] in 19:5, format bit 4, SHV bit 3, handle[15] bit 2. */
static uint64_t msi_addr(uint32_t handle, bool shv)
{
	return 0xfee00000u | (handle & 0x7fff) << 5 | 1u << 4 | (shv ? 1u << 3 : 0) |
	       ((handle >> 15) & 1) << 2;
}

/* Compatibility-format MSI (5.1.2.1): destination in 19:12. */
static uint64_t compat_addr(uint8_t dest)
{
	return 0xfee00000u | (uint32_t)dest << 12;
}

/* Two APIC IDs: 8-bit ones without EIM, wider ones with it. */
static uint32_t apic_a(const struct fx *x)
{
	return x->v->eim ? 0x00012345u : 0x0au;
}

static uint32_t apic_b(const struct fx *x)
{
	return x->v->eim ? 0x00fe0001u : 0x3cu;
}

/* A device MSI entry: fixed, edge, physical, source-validated. */
static struct irte_fields entry(const struct fx *x, uint32_t apic, uint8_t vector, uint16_t sid,
				uint8_t svt, uint8_t sq)
{
	return (struct irte_fields){
		.present = true, .dlm = IRTE_DLM_FIXED, .vector = vector,
		.dest = irte_dest(apic, x->v->eim), .sid = sid, .svt = svt, .sq = sq,
	};
}

#define SET(x, index, fields) do { \
		const struct irte_fields set_f_ = (fields); \
		assert_int_equal(vtd_ir_set(&(x)->u, (index), &set_f_), 0); \
		OK(x); \
	} while (0)

/* The interrupt is remapped through entry `index` to `apic`/`vector`. */
#define DELIVERS(x, sid, addr, data, index, apic, vector) \
	delivers_((x), (sid), (addr), (data), (index), (apic), (vector), __LINE__)
static struct fake_irq delivers_(struct fx *x, uint16_t sid, uint64_t addr, uint32_t data,
				 uint32_t index, uint32_t apic, uint8_t vector, int line)
{
	struct fake_irq o;
	unsigned r = fake_interrupt(x->f, sid, addr, data, &o);

	if (r || !o.remapped || o.index != index || o.dest != apic || o.vector != vector ||
	    o.dlm != IRTE_DLM_FIXED || o.level || o.dest_logical)
		fail_msg("line %d [%s]: interrupt %#llx/%#x from %#06x: fault %#x, remapped %d "
			 "index %#x dest %#x vector %#x dlm %u level %d logical %d; want index %#x "
			 "dest %#x vector %#x", line, x->v->name, (unsigned long long)addr, data,
			 sid, r, o.remapped, o.index, o.dest, o.vector, o.dlm, o.level,
			 o.dest_logical, index, apic, vector);
	return o;
}

/* The interrupt is blocked with fault `reason`. */
#define BLOCKED(x, sid, addr, data, reason) blocked_((x), (sid), (addr), (data), (reason), __LINE__)
static struct fake_irq blocked_(struct fx *x, uint16_t sid, uint64_t addr, uint32_t data,
				unsigned reason, int line)
{
	struct fake_irq o;
	unsigned r = fake_interrupt(x->f, sid, addr, data, &o);

	if (r != reason || o.fault != reason)
		fail_msg("line %d [%s]: interrupt %#llx/%#x from %#06x: fault %#x (index %#x, dest "
			 "%#x vector %#x), want fault %#x", line, x->v->name,
			 (unsigned long long)addr, data, sid, r, o.index, o.dest, o.vector, reason);
	return o;
}

/* The only IEC event of the log since the last reset. */
static const struct fake_event *only_iec(struct fx *x)
{
	const struct fake_event *e = NULL;

	for (size_t i = 0; i < x->f->log_len; i++) {
		if (x->f->log[i].type != FEV_IEC)
			continue;
		if (e)
			fail_msg("[%s]: more than one IEC invalidation", x->v->name);
		e = &x->f->log[i];
	}
	if (!e)
		fail_msg("[%s]: no IEC invalidation", x->v->name);
	return e;
}

static void raw_w32(struct fake_vtd *f, vtd_reg32_t r, uint32_t v)
{
	f->env.write32(f->env.ctx, FAKE_VTD_BASE, r.off, v);
}

static void raw_w64(struct fake_vtd *f, vtd_reg64_t r, uint64_t v)
{
	f->env.write64(f->env.ctx, FAKE_VTD_BASE, r.off, v);
}

/* A GCMD write that changes `bit` alone, carrying GSTS's persistent bits. */
static void raw_gcmd(struct fake_vtd *f, uint32_t bit, bool on)
{
	uint32_t persist = VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI;
	uint32_t v = f->gsts & persist;

	raw_w32(f, VTD_GCMD, on ? v | bit : v & ~bit);
}

static uint64_t *pg(uint64_t phys)
{
	return (uint64_t *)(uintptr_t)phys;
}

/* =========================================================================
 * The code under test, on every variant.
 * ========================================================================= */

/* SIRTP with IRTA as written, a global IEC invalidation, IRE last; before
 * it, interrupts pass through untouched. */
static void enable_sequence(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;
	struct fake_irq o;

	init(x);
	/* Remapping off: a compatibility-format MSI goes through as is. */
	assert_int_equal(fake_interrupt(f, bdf(0, 3, 0), compat_addr(7), 0x31, &o), 0);
	assert_false(o.remapped);
	assert_int_equal(o.dest, 7);
	assert_int_equal(o.vector, 0x31);

	fake_log_reset(f);
	unsigned long clflush_before = f->clflush_bytes;
	assert_int_equal(vtd_ir_enable(&x->u, x->table, IRTA_S, x->v->eim), 0);
	OK(x);

	uint64_t irta = x->table | IRTA_S | (x->v->eim ? VTD_IRTA_EIME : 0);
	assert_int_equal(f->irta_latched, irta);
	assert_int_equal(vtd_read64(&x->u, VTD_IRTA), irta);
	assert_true(f->gsts & VTD_GSTS_IRES);
	assert_true(f->gsts & VTD_GSTS_IRTPS);
	assert_false(f->gsts & VTD_GSTS_CFIS);
	assert_true(x->u.ir_enabled);
	assert_int_equal(x->u.irt, x->table);
	assert_int_equal(x->u.irt_entries, ENTRIES);
	assert_int_equal(x->u.eim, x->v->eim);

	int sirtp = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_SIRTP, true);
	int iec = fake_log_find(f, 0, FEV_IEC, 0, false);
	int ire = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_IRE, true);
	assert_true(sirtp >= 0 && iec > sirtp && ire > iec);
	assert_int_equal(f->log[iec].gran, 0); /* global */
	assert_true(f->log[iec].queued);
	assert_int_equal(fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_CFI, false), -1);
	assert_int_equal(ire, (int)f->log_len - 1); /* IRE last */
	/* The (zeroed) table reached memory before the hardware could read it. */
	if (ecap_c(x->v->ecap))
		assert_int_equal(f->clflush_bytes, clflush_before);
	else
		assert_true(f->clflush_bytes - clflush_before >= 16 * ENTRIES);
	/* Nothing present: nothing cached, except not-present entries with CM. */
	assert_int_equal(fake_iec_entries(f), cap_cm(x->v->cap) ? ENTRIES : 0);
	assert_int_equal(x->u.timeouts, 0);
	assert_int_equal(f->errors, 0);
}

/* Firmware left compatibility-format interrupts allowed: CFI goes off,
 * after the IEC invalidation and before IRE. */
static void enable_clears_firmware_cfi(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;

	f->gsts |= VTD_GSTS_CFIS;
	init(x);
	assert_true(f->gsts & VTD_GSTS_CFIS);
	fake_log_reset(f);
	assert_int_equal(vtd_ir_enable(&x->u, x->table, IRTA_S, x->v->eim), 0);
	OK(x);
	int iec = fake_log_find(f, 0, FEV_IEC, 0, false);
	int cfi = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_CFI, false);
	int ire = fake_log_find(f, 0, FEV_GCMD, VTD_GCMD_IRE, true);
	assert_true(iec >= 0 && cfi > iec && ire > cfi);
	assert_int_equal(ire, (int)f->log_len - 1);
	assert_false(f->gsts & VTD_GSTS_CFIS);
	assert_true(f->gsts & VTD_GSTS_IRES);
	BLOCKED(x, bdf(0, 3, 0), compat_addr(7), 0x31, FR_COMPAT);
	OK(x);
}

/* A routed entry delivers to its destination and vector for its exact
 * requester only (SVT 1, SQ 0); SQ 3 admits every function of the device;
 * SVT 2 a bus range. */
static void route_and_source_id(void **state)
{
	struct fx *x = *state;
	uint16_t dev = bdf(0, 3, 0);
	struct irte_fields got;

	up(x);
	SET(x, 5, entry(x, apic_a(x), 0x41, dev, IRTE_SVT_SID, IRTE_SQ_ALL));
	struct fake_irq o = DELIVERS(x, dev, msi_addr(5, false), 0, 5, apic_a(x), 0x41);
	assert_false(o.redir_hint);
	/* The same entry from anyone else: another function of the device,
	 * another device, another bus. */
	BLOCKED(x, bdf(0, 3, 1), msi_addr(5, false), 0, FR_SID);
	BLOCKED(x, bdf(0, 4, 0), msi_addr(5, false), 0, FR_SID);
	BLOCKED(x, bdf(1, 3, 0), msi_addr(5, false), 0, FR_SID);
	DELIVERS(x, dev, msi_addr(5, false), 0, 5, apic_a(x), 0x41);
	assert_int_equal(vtd_ir_get(&x->u, 5, &got), 0);
	assert_true(got.present);
	assert_int_equal(got.vector, 0x41);
	assert_int_equal(irte_dest_apic_id(got.dest, x->v->eim), apic_a(x));
	assert_int_equal(got.sid, dev);

	/* SQ 3: SID[2:0] ignored, any function of 00:03. */
	SET(x, 6, entry(x, apic_b(x), 0x42, dev, IRTE_SVT_SID, IRTE_SQ_IGNORE_2_0));
	DELIVERS(x, bdf(0, 3, 5), msi_addr(6, false), 0, 6, apic_b(x), 0x42);
	DELIVERS(x, dev, msi_addr(6, false), 0, 6, apic_b(x), 0x42);
	BLOCKED(x, bdf(0, 4, 0), msi_addr(6, false), 0, FR_SID);
	/* SQ 1: only SID[2] ignored. */
	SET(x, 7, entry(x, apic_b(x), 0x43, bdf(0, 3, 1), IRTE_SVT_SID, IRTE_SQ_IGNORE_2));
	DELIVERS(x, bdf(0, 3, 5), msi_addr(7, false), 0, 7, apic_b(x), 0x43);
	BLOCKED(x, bdf(0, 3, 3), msi_addr(7, false), 0, FR_SID);

	/* SVT 2: requesters on buses 2..4 (behind a PCIe-to-PCI bridge). */
	SET(x, 8, entry(x, apic_a(x), 0x44, irte_sid_bus_range(2, 4), IRTE_SVT_BUS, 0));
	DELIVERS(x, bdf(2, 0, 0), msi_addr(8, false), 0, 8, apic_a(x), 0x44);
	DELIVERS(x, bdf(3, 7, 2), msi_addr(8, false), 0, 8, apic_a(x), 0x44);
	DELIVERS(x, bdf(4, 31, 7), msi_addr(8, false), 0, 8, apic_a(x), 0x44);
	BLOCKED(x, bdf(1, 0, 0), msi_addr(8, false), 0, FR_SID);
	BLOCKED(x, bdf(5, 0, 0), msi_addr(8, false), 0, FR_SID);

	/* An entry nobody wrote. */
	BLOCKED(x, dev, msi_addr(9, false), 0, FR_NOT_PRESENT);
	OK(x);
}

/* vtd_ir_set on a present entry that the unit has cached: the next
 * interrupt sees the new entry, which only the by-index invalidation
 * makes true. */
static void retarget(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;
	uint16_t dev = bdf(0, 5, 0), other = bdf(0, 6, 0);

	up(x);
	SET(x, 9, entry(x, apic_a(x), 0x50, dev, IRTE_SVT_SID, IRTE_SQ_ALL));
	DELIVERS(x, dev, msi_addr(9, false), 0, 9, apic_a(x), 0x50);
	struct fake_irq o = DELIVERS(x, dev, msi_addr(9, false), 0, 9, apic_a(x), 0x50);
	assert_true(o.cached);

	fake_log_reset(f);
	SET(x, 9, entry(x, apic_b(x), 0x51, dev, IRTE_SVT_SID, IRTE_SQ_ALL));
	const struct fake_event *e = only_iec(x);
	assert_int_equal(e->gran, 1); /* index-selective */
	assert_int_equal(e->addr, 9);
	assert_int_equal(e->am, 0);
	assert_true(e->queued);
	DELIVERS(x, dev, msi_addr(9, false), 0, 9, apic_b(x), 0x51);

	/* Without prefetching: the invalidation dropped the cached copy, and
	 * the next interrupt reads the table afresh. */
	f->speculative = false;
	o = DELIVERS(x, dev, msi_addr(9, false), 0, 9, apic_b(x), 0x51);
	assert_true(o.cached);
	SET(x, 9, entry(x, apic_a(x), 0x52, dev, IRTE_SVT_SID, IRTE_SQ_ALL));
	uint64_t cached[2];
	assert_false(fake_iec_lookup(f, 9, cached));
	o = DELIVERS(x, dev, msi_addr(9, false), 0, 9, apic_a(x), 0x52);
	assert_false(o.cached);
	f->speculative = true;

	/* Moved to another device: the old requester is refused at once. */
	DELIVERS(x, dev, msi_addr(9, false), 0, 9, apic_a(x), 0x52);
	SET(x, 9, entry(x, apic_a(x), 0x53, other, IRTE_SVT_SID, IRTE_SQ_ALL));
	BLOCKED(x, dev, msi_addr(9, false), 0, FR_SID);
	DELIVERS(x, other, msi_addr(9, false), 0, 9, apic_a(x), 0x53);
	OK(x);
}

/* vtd_ir_clear: the block's entries are not present and one
 * index-selective invalidation of the aligned block covers them all,
 * and no more. */
static void clear_block(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;
	uint16_t dev = bdf(0, 7, 0);
	uint64_t e[2];
	struct irte_fields got;

	up(x);
	f->speculative = false; /* what is cached is what interrupts used */
	for (uint32_t i = 15; i <= 24; i++) {
		SET(x, i, entry(x, apic_a(x), (uint8_t)(0x60 + i), dev, IRTE_SVT_SID, IRTE_SQ_ALL));
		DELIVERS(x, dev, msi_addr(i, false), 0, i, apic_a(x), (uint8_t)(0x60 + i));
		assert_true(fake_iec_lookup(f, i, e));
	}
	fake_log_reset(f);
	assert_int_equal(vtd_ir_clear(&x->u, 16, 8), 0);
	OK(x);
	const struct fake_event *ev = only_iec(x);
	assert_int_equal(ev->gran, 1);
	assert_int_equal(ev->addr, 16);
	assert_int_equal(ev->am, 3);
	for (uint32_t i = 16; i < 24; i++)
		assert_false(fake_iec_lookup(f, i, e));
	assert_true(fake_iec_lookup(f, 15, e));
	assert_true(fake_iec_lookup(f, 24, e));
	for (uint32_t i = 16; i < 24; i++) {
		BLOCKED(x, dev, msi_addr(i, false), 0, FR_NOT_PRESENT);
		assert_int_equal(vtd_ir_get(&x->u, i, &got), 0);
		assert_false(got.present);
	}
	DELIVERS(x, dev, msi_addr(15, false), 0, 15, apic_a(x), 0x60 + 15);
	DELIVERS(x, dev, msi_addr(24, false), 0, 24, apic_a(x), 0x60 + 24);

	/* The whole table: one invalidation of 2^8 entries. */
	f->speculative = true;
	OK(x);
	fake_log_reset(f);
	assert_int_equal(vtd_ir_clear(&x->u, 0, ENTRIES), 0);
	OK(x);
	ev = only_iec(x);
	assert_int_equal(ev->gran, 1);
	assert_int_equal(ev->addr, 0);
	assert_int_equal(ev->am, 8);
	BLOCKED(x, dev, msi_addr(15, false), 0, FR_NOT_PRESENT);
	BLOCKED(x, dev, msi_addr(24, false), 0, FR_NOT_PRESENT);
	OK(x);
}

/* Handles past the table's 256 entries fault (index beyond the table),
 * handle[15] (address bit 2) included. */
static void handle_beyond_table(void **state)
{
	struct fx *x = *state;
	uint16_t dev = bdf(0, 8, 0);

	up(x);
	SET(x, ENTRIES - 1, entry(x, apic_a(x), 0x70, dev, IRTE_SVT_SID, IRTE_SQ_ALL));
	SET(x, 5, entry(x, apic_b(x), 0x71, dev, IRTE_SVT_SID, IRTE_SQ_ALL));
	DELIVERS(x, dev, msi_addr(ENTRIES - 1, false), 0, ENTRIES - 1, apic_a(x), 0x70);
	DELIVERS(x, dev, msi_addr(5, false), 0, 5, apic_b(x), 0x71);
	struct fake_irq o = BLOCKED(x, dev, msi_addr(ENTRIES, false), 0, FR_INDEX);
	assert_int_equal(o.index, ENTRIES);
	BLOCKED(x, dev, msi_addr(0x7fff, false), 0, FR_INDEX);
	o = BLOCKED(x, dev, msi_addr(0x8005, false), 0, FR_INDEX);
	assert_int_equal(o.index, 0x8005);
	/* handle + subhandle past the end, and just inside it. */
	o = BLOCKED(x, dev, msi_addr(ENTRIES - 6, true), 10, FR_INDEX);
	assert_int_equal(o.index, ENTRIES + 4);
	DELIVERS(x, dev, msi_addr(ENTRIES - 6, true), 5, ENTRIES - 1, apic_a(x), 0x70);
	/* vtd_ir_set refuses what the hardware could never use. */
	struct irte_fields fl = entry(x, apic_a(x), 0x72, dev, IRTE_SVT_SID, IRTE_SQ_ALL);
	assert_int_equal(vtd_ir_set(&x->u, ENTRIES, &fl), -EINVAL);
	assert_int_equal(vtd_ir_get(&x->u, ENTRIES, &fl), -EINVAL);
	OK(x);
}

/* With remapping on, a compatibility-format MSI (a guest programming the
 * device directly) is blocked: CFI is off. The fake's own model: setting
 * CFI by hand lets it through, unless EIME. */
static void compat_blocked(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;
	struct fake_irq o;

	up(x);
	o = BLOCKED(x, bdf(0, 3, 0), compat_addr(7), 0x31, FR_COMPAT);
	assert_false(o.remapped);
	raw_gcmd(f, VTD_GCMD_CFI, true);
	assert_true(f->gsts & VTD_GSTS_CFIS);
	if (x->v->eim) {
		BLOCKED(x, bdf(0, 3, 0), compat_addr(7), 0x31, FR_COMPAT);
	} else {
		assert_int_equal(fake_interrupt(f, bdf(0, 3, 0), compat_addr(7), 0x31, &o), 0);
		assert_false(o.remapped);
		assert_int_equal(o.dest, 7);
		assert_int_equal(o.vector, 0x31);
	}
	raw_gcmd(f, VTD_GCMD_CFI, false);
	BLOCKED(x, bdf(0, 3, 0), compat_addr(7), 0x31, FR_COMPAT);
	OK(x);
}

/* A multi-vector MSI: SHV set, the device puts the vector number in the
 * data's low bits, entry = handle + subhandle. msi_remappable_encode()
 * builds the address the fake decodes. */
static void multi_vector_shv(void **state)
{
	struct fx *x = *state;
	uint16_t dev = bdf(0, 9, 0);
	uint32_t lo, data;

	up(x);
	for (uint32_t k = 0; k < 4; k++)
		SET(x, 32 + k, entry(x, k & 1 ? apic_b(x) : apic_a(x), (uint8_t)(0x80 + k), dev,
				     IRTE_SVT_SID, IRTE_SQ_ALL));
	msi_remappable_encode(32, true, &lo, &data);
	assert_int_equal(lo, msi_addr(32, true));
	for (uint32_t k = 0; k < 4; k++) {
		uint16_t handle;
		bool shv;
		uint32_t index;
		DELIVERS(x, dev, lo, data | k, 32 + k, k & 1 ? apic_b(x) : apic_a(x),
			 (uint8_t)(0x80 + k));
		assert_int_equal(msi_remappable_decode(lo, data | k, &handle, &shv, &index), 0);
		assert_int_equal(index, 32 + k);
	}
	/* Without SHV the data is not added. */
	msi_remappable_encode(32, false, &lo, &data);
	assert_int_equal(lo, msi_addr(32, false));
	DELIVERS(x, dev, lo, 3, 32, apic_a(x), 0x80);
	/* Reserved data bits 31:16 in a remappable request. */
	BLOCKED(x, dev, msi_addr(32, true), 0x10001, FR_REQ_RSVD);
	/* handle[15] as irte.c encodes it: beyond this table. */
	msi_remappable_encode(0x8020, false, &lo, &data);
	assert_int_equal(lo, msi_addr(0x8020, false));
	BLOCKED(x, dev, lo, data, FR_INDEX);
	OK(x);
}

/* Negative control: an IRTE changed in memory after the unit cached it,
 * with no invalidation, is what the checker reports (by index); the
 * interrupt still uses the stale copy, as hardware would, until the
 * invalidation. Without the clflush (ECAP.C=0) it reports the unflushed
 * table instead. */
static void missing_invalidation_caught(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;
	uint16_t dev = bdf(0, 10, 0);

	up(x);
	SET(x, 40, entry(x, apic_a(x), 0x44, dev, IRTE_SVT_SID, IRTE_SQ_ALL));
	DELIVERS(x, dev, msi_addr(40, false), 0, 40, apic_a(x), 0x44);

	uint64_t *slot = pg(x->table) + 2 * 40;
	slot[0] = (slot[0] & ~(0xffull << 16)) | 0x45ull << 16; /* vector 0x45 */
	vtd_flush_cache(&x->u, slot, 16);
	assert_int_equal(vtd_flush_write_buffer(&x->u), 0);
	assert_true(fake_check_coherent(f) > 0);
	assert_non_null(strstr(f->error_text, "stale interrupt entry cache entry for index 40"));
	fake_clear_errors(f);
	struct fake_irq o = DELIVERS(x, dev, msi_addr(40, false), 0, 40, apic_a(x), 0x44);
	assert_true(o.cached);

	assert_int_equal(vtd_invalidate_iec_index(&x->u, 40, 0), 0);
	OK(x);
	DELIVERS(x, dev, msi_addr(40, false), 0, 40, apic_a(x), 0x45);

	if (!ecap_c(x->v->ecap)) {
		slot[0] = (slot[0] & ~(0xffull << 16)) | 0x46ull << 16;
		assert_int_equal(vtd_invalidate_iec_index(&x->u, 40, 0), 0);
		assert_true(fake_check_coherent(f) > 0);
		assert_non_null(strstr(f->error_text, "interrupt remapping table"));
		assert_non_null(strstr(f->error_text, "clflush"));
		fake_clear_errors(f);
		vtd_flush_cache(&x->u, slot, 16);
		assert_int_equal(vtd_invalidate_iec_index(&x->u, 40, 0), 0);
		OK(x);
		DELIVERS(x, dev, msi_addr(40, false), 0, 40, apic_a(x), 0x46);
	}
	OK(x);
}

/* Interrupt remapping faults go into the fault recording registers with
 * the index, unless the entry's FPD suppresses them. */
static void fault_recording(void **state)
{
	struct fx *x = *state;
	struct fake_vtd *f = x->f;
	uint16_t dev = bdf(0, 11, 0), stranger = bdf(0, 12, 0);
	unsigned fro = cap_fro(f->cap);

	up(x);
	f->record_faults = true;
	fake_log_reset(f);
	struct fake_irq o = BLOCKED(x, dev, msi_addr(3, false), 0, FR_NOT_PRESENT);
	assert_true(o.recorded);
	int ev = fake_log_find(f, 0, FEV_FAULT, 0, false);
	assert_true(ev >= 0);
	assert_int_equal(f->log[ev].data, FR_NOT_PRESENT);
	assert_int_equal(f->log[ev].sid, dev);
	assert_int_equal(f->frcd[0][0] >> 48, 3); /* FI: the interrupt index */
	assert_int_equal((f->frcd[0][1] >> 32) & 0xff, FR_NOT_PRESENT);
	raw_w32(f, vtd_reg32_at(fro + VTD_FRCD_WORD3), VTD_FRCD_F); /* write 1 to clear */

	struct irte_fields fl = entry(x, apic_a(x), 0x90, dev, IRTE_SVT_SID, IRTE_SQ_ALL);
	fl.fpd = true;
	SET(x, 4, fl);
	o = BLOCKED(x, stranger, msi_addr(4, false), 0, FR_SID);
	assert_false(o.recorded);
	fl.fpd = false;
	SET(x, 4, fl);
	o = BLOCKED(x, stranger, msi_addr(4, false), 0, FR_SID);
	assert_true(o.recorded);
	assert_int_equal((f->frcd[0][1] >> 32) & 0xff, FR_SID);
	assert_int_equal(f->frcd[0][1] & 0xffff, stranger);
	assert_int_equal(f->frcd[0][0] >> 48, 4);
	raw_w32(f, vtd_reg32_at(fro + VTD_FRCD_WORD3), VTD_FRCD_F);
	DELIVERS(x, dev, msi_addr(4, false), 0, 4, apic_a(x), 0x90);
	OK(x);
}

/* =========================================================================
 * Single tests.
 * ========================================================================= */

/* What vtd_ir_enable, vtd_ir_set and vtd_ir_clear refuse, touching
 * nothing. */
static void refusals(void **state)
{
	(void)state;
	struct vtd_unit u;
	struct fake_vtd *f;
	uint64_t table;

	/* No ECAP.IR. */
	f = fake_vtd_new(QCAP, QECAP & ~ECAP_IR);
	assert_int_equal(vtd_unit_init(&u, &f->env, 0, FAKE_VTD_BASE, 0, 39), 0);
	table = alloc_table(f);
	fake_log_reset(f);
	assert_int_equal(vtd_ir_enable(&u, table, IRTA_S, false), -ENODEV);
	assert_int_equal(f->log_len, 0);
	assert_int_equal(f->irta, 0);
	assert_int_equal(f->errors, 0);
	fake_vtd_free(f);

	/* IR without queued invalidation. */
	f = fake_vtd_new(QCAP, QECAP & ~ECAP_QI);
	assert_int_equal(vtd_unit_init(&u, &f->env, 0, FAKE_VTD_BASE, 0, 39), 0);
	assert_false(u.queued);
	table = alloc_table(f);
	fake_log_reset(f);
	assert_int_equal(vtd_ir_enable(&u, table, IRTA_S, false), -EOPNOTSUPP);
	assert_int_equal(f->log_len, 0);
	assert_int_equal(f->irta, 0);
	assert_int_equal(f->errors, 0);
	fake_vtd_free(f);

	/* QEMU: EIM asked of a unit without it; bad S; misaligned table. */
	f = fake_vtd_new(QCAP, QECAP);
	assert_int_equal(vtd_unit_init(&u, &f->env, 0, FAKE_VTD_BASE, 0, 39), 0);
	table = alloc_table(f);
	struct irte_fields fl = {
		.present = true, .vector = 0x40, .dest = irte_dest(1, false),
		.sid = bdf(0, 3, 0), .svt = IRTE_SVT_SID,
	};
	/* Before remapping is on. */
	assert_int_equal(vtd_ir_set(&u, 0, &fl), -EINVAL);
	assert_int_equal(vtd_ir_clear(&u, 0, 1), -EINVAL);
	fake_log_reset(f);
	assert_int_equal(vtd_ir_enable(&u, table, IRTA_S, true), -EOPNOTSUPP);
	assert_int_equal(vtd_ir_enable(&u, table, 16, false), -EINVAL);
	assert_int_equal(vtd_ir_enable(&u, table + 0x100, IRTA_S, false), -EINVAL);
	assert_int_equal(vtd_ir_enable(&u, table + 0x800, 0, false), -EINVAL);
	assert_int_equal(f->log_len, 0);
	assert_int_equal(f->irta, 0);
	assert_false(f->gsts & VTD_GSTS_IRES);
	assert_int_equal(f->errors, 0);

	assert_int_equal(vtd_ir_enable(&u, table, IRTA_S, false), 0);
	assert_int_equal(fake_check_coherent(f), 0);
	fake_log_reset(f);
	/* Entries the hardware would refuse, or that hv must not write. */
	assert_int_equal(vtd_ir_set(&u, ENTRIES, &fl), -EINVAL);
	struct irte_fields bad = fl;
	bad.vector = 5; /* below 16, fixed delivery */
	assert_int_equal(vtd_ir_set(&u, 0, &bad), -EINVAL);
	bad = fl;
	bad.dest = 0x10000; /* beyond DST bits 15:8 without EIM */
	assert_int_equal(vtd_ir_set(&u, 0, &bad), -EINVAL);
	bad = fl;
	bad.svt = 3;
	assert_int_equal(vtd_ir_set(&u, 0, &bad), -EINVAL);
	bad = fl;
	bad.posted = true;
	assert_int_equal(vtd_ir_set(&u, 0, &bad), -EINVAL);
	bad = fl;
	bad.dlm = 3;
	assert_int_equal(vtd_ir_set(&u, 0, &bad), -EINVAL);
	/* Blocks that are not a naturally aligned power of two in the table. */
	assert_int_equal(vtd_ir_clear(&u, 17, 8), -EINVAL);
	assert_int_equal(vtd_ir_clear(&u, 0, 3), -EINVAL);
	assert_int_equal(vtd_ir_clear(&u, 0, 0), -EINVAL);
	assert_int_equal(vtd_ir_clear(&u, ENTRIES, 1), -EINVAL);
	assert_int_equal(vtd_ir_clear(&u, 0, 2 * ENTRIES), -EINVAL);
	assert_int_equal(vtd_ir_clear(&u, 0, 0x80000000u), -EINVAL);
	assert_int_equal(vtd_ir_clear(&u, 0, 0x80000001u), -EINVAL);
	assert_int_equal(vtd_ir_clear(&u, 0, 0xffffffffu), -EINVAL);
	assert_int_equal(vtd_ir_get(&u, ENTRIES, &fl), -EINVAL);
	assert_int_equal(fake_log_count(f, FEV_IEC), 0);
	for (unsigned i = 0; i < 2 * ENTRIES; i++)
		assert_int_equal(pg(table)[i], 0);
	assert_int_equal(fake_check_coherent(f), 0);
	assert_int_equal(f->errors, 0);
	fake_vtd_free(f);
}

/* A unit with ECAP.EIM: 32-bit destinations, and compatibility format
 * blocked whatever CFI says (IRTA.EIME). */
static void eim_destinations(void **state)
{
	(void)state;
	struct fake_vtd *f = fake_vtd_new(QCAP, QECAP | ECAP_EIM | ECAP_C);
	struct vtd_unit u;
	struct fake_irq o;

	assert_int_equal(vtd_unit_init(&u, &f->env, 0, FAKE_VTD_BASE, 0, 39), 0);
	uint64_t table = alloc_table(f);
	assert_int_equal(vtd_ir_enable(&u, table, IRTA_S, true), 0);
	assert_true(f->irta_latched & VTD_IRTA_EIME);
	struct irte_fields fl = {
		.present = true, .vector = 0x40, .dest = irte_dest(0xabcdef01u, true),
		.sid = bdf(0, 3, 0), .svt = IRTE_SVT_SID,
	};
	assert_int_equal(vtd_ir_set(&u, 2, &fl), 0);
	assert_int_equal(fake_interrupt(f, bdf(0, 3, 0), msi_addr(2, false), 0, &o), 0);
	assert_int_equal(o.dest, 0xabcdef01u);
	assert_int_equal(o.vector, 0x40);
	/* The same raw entry read without EIM: DST outside 15:8 is reserved. */
	raw_w64(f, VTD_IRTA, table | IRTA_S);
	raw_gcmd(f, VTD_GCMD_SIRTP, true);
	assert_int_equal(vtd_invalidate_iec_global(&u), 0);
	assert_int_equal(fake_interrupt(f, bdf(0, 3, 0), msi_addr(2, false), 0, &o), 0x24);
	assert_int_equal(fake_check_coherent(f), 0);
	assert_int_equal(f->errors, 0);
	fake_vtd_free(f);
}

/* The fake's own interrupt remapping discipline, driven by hand: IRE needs
 * a global IEC invalidation after SIRTP, IRTA must be a live table, a
 * stale IEC entry at IRE enable is an error, a table page may not be freed
 * under remapping. */
static void fake_ir_discipline(void **state)
{
	(void)state;
	struct fake_vtd *f = fake_vtd_new(QCAP, QECAP | ECAP_C);
	struct vtd_unit u;
	struct fake_irq o;

	assert_int_equal(vtd_unit_init(&u, &f->env, 0, FAKE_VTD_BASE, 0, 39), 0);
	uint64_t table = alloc_table(f);

	/* IRE with no global IEC invalidation since SIRTP. */
	raw_w64(f, VTD_IRTA, table | IRTA_S);
	raw_gcmd(f, VTD_GCMD_SIRTP, true);
	assert_int_equal(f->errors, 0);
	raw_gcmd(f, VTD_GCMD_IRE, true);
	assert_non_null(strstr(f->error_text, "without a global interrupt entry cache"));
	fake_clear_errors(f);
	raw_gcmd(f, VTD_GCMD_IRE, false);
	assert_int_equal(f->errors, 0);

	/* IRTA that is not the fake's memory, reserved bits, EIME without EIM. */
	raw_w64(f, VTD_IRTA, (table ^ 0x40000000000ull) | IRTA_S);
	raw_gcmd(f, VTD_GCMD_SIRTP, true);
	assert_non_null(strstr(f->error_text, "not all live pages"));
	fake_clear_errors(f);
	raw_w64(f, VTD_IRTA, table | 0x10 | IRTA_S);
	raw_gcmd(f, VTD_GCMD_SIRTP, true);
	assert_non_null(strstr(f->error_text, "reserved bits"));
	fake_clear_errors(f);
	raw_w64(f, VTD_IRTA, table | VTD_IRTA_EIME | IRTA_S);
	raw_gcmd(f, VTD_GCMD_SIRTP, true);
	assert_non_null(strstr(f->error_text, "without ECAP.EIM"));
	fake_clear_errors(f);
	/* A table bigger than the page: the next one is not the fake's. */
	raw_w64(f, VTD_IRTA, table | 15);
	raw_gcmd(f, VTD_GCMD_SIRTP, true);
	assert_non_null(strstr(f->error_text, "not all live pages"));
	fake_clear_errors(f);

	/* The right way; then an entry cached, remapping off, the entry
	 * changed, remapping on again without an invalidation. */
	raw_w64(f, VTD_IRTA, table | IRTA_S);
	raw_gcmd(f, VTD_GCMD_SIRTP, true);
	assert_int_equal(vtd_invalidate_iec_global(&u), 0);
	raw_gcmd(f, VTD_GCMD_IRE, true);
	assert_int_equal(fake_check_coherent(f), 0);
	uint64_t *t = pg(table);
	t[1] = (uint64_t)bdf(0, 3, 0) | 1ull << 18;       /* SVT 1, SQ 0 */
	t[0] = 1 | 0x40ull << 16 | (uint64_t)0x0a << 40; /* P, vector 0x40, APIC 0x0a */
	assert_int_equal(vtd_invalidate_iec_index(&u, 0, 0), 0);
	assert_int_equal(fake_interrupt(f, bdf(0, 3, 0), msi_addr(0, false), 0, &o), 0);
	assert_int_equal(o.dest, 0x0a);
	assert_int_equal(o.vector, 0x40);
	assert_int_equal(fake_check_coherent(f), 0);
	raw_gcmd(f, VTD_GCMD_IRE, false);
	t[0] = 1 | 0x41ull << 16 | (uint64_t)0x0a << 40;
	assert_int_equal(fake_check_coherent(f), 0); /* remapping off: not looked at */
	raw_gcmd(f, VTD_GCMD_IRE, true);
	assert_non_null(strstr(f->error_text, "stale interrupt entry cache entry for index 0 "
					      "when interrupt remapping was enabled"));
	fake_clear_errors(f);
	assert_int_equal(vtd_invalidate_iec_global(&u), 0);
	assert_int_equal(fake_check_coherent(f), 0);
	assert_int_equal(fake_interrupt(f, bdf(0, 3, 0), msi_addr(0, false), 0, &o), 0);
	assert_int_equal(o.vector, 0x41);

	/* Reserved bits in a present entry: fault 0x24. */
	t[0] |= 1ull << 12;
	assert_int_equal(vtd_invalidate_iec_index(&u, 0, 0), 0);
	assert_int_equal(fake_interrupt(f, bdf(0, 3, 0), msi_addr(0, false), 0, &o), 0x24);
	t[0] &= ~(1ull << 12);
	t[1] |= 1ull << 20;
	assert_int_equal(vtd_invalidate_iec_index(&u, 0, 0), 0);
	assert_int_equal(fake_interrupt(f, bdf(0, 3, 0), msi_addr(0, false), 0, &o), 0x24);
	t[1] &= ~(1ull << 20);
	assert_int_equal(vtd_invalidate_iec_index(&u, 0, 0), 0);
	assert_int_equal(fake_check_coherent(f), 0);

	/* The table's page freed under remapping. */
	f->env.free_page(f->env.ctx, table);
	assert_non_null(strstr(f->error_text, "interrupt remapping table freed"));
	fake_clear_errors(f);
	fake_vtd_free(f);
}

/* ---- main ------------------------------------------------------------------------------ */

typedef void (*test_fn)(void **);

static const struct {
	const char *name;
	test_fn fn;
} per_variant[] = {
	{ "enable_sequence", enable_sequence },
	{ "enable_clears_firmware_cfi", enable_clears_firmware_cfi },
	{ "route_and_source_id", route_and_source_id },
	{ "retarget", retarget },
	{ "clear_block", clear_block },
	{ "handle_beyond_table", handle_beyond_table },
	{ "compat_blocked", compat_blocked },
	{ "multi_vector_shv", multi_vector_shv },
	{ "missing_invalidation_caught", missing_invalidation_caught },
	{ "fault_recording", fault_recording },
};

static const struct {
	const char *name;
	test_fn fn;
} single[] = {
	{ "refusals", refusals },
	{ "eim_destinations", eim_destinations },
	{ "fake_ir_discipline", fake_ir_discipline },
};

#define N_PER (sizeof(per_variant) / sizeof(per_variant[0]))
#define N_SINGLE (sizeof(single) / sizeof(single[0]))

int main(void)
{
	static struct CMUnitTest tests[N_SINGLE + N_PER * V_COUNT];
	static char names[N_PER * V_COUNT][96];
	size_t n = 0;

	for (size_t i = 0; i < N_SINGLE; i++)
		tests[n++] = (struct CMUnitTest){
			.name = single[i].name,
			.test_func = single[i].fn,
			.setup_func = setup_plain,
			.teardown_func = teardown_plain,
		};
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
	return _cmocka_run_group_tests("vtd_ir", tests, n, NULL, NULL);
}
