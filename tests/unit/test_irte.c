/* iommu/irte.c and iommu/irq_remap_alloc.c: the 128-bit interrupt remapping
 * table entry (VT-d 4.1, 9.10), the remappable and compatibility MSI formats
 * (5.1.2), the entry write order, and block allocation of entries.
 *
 * The expected bit patterns are written out here by hand from the spec's
 * figures (cross-checked with Linux's struct irte and QEMU's VTD_IRTE), not
 * with irte.c's masks:
 *   lo: P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5, AVAIL 11:8, IM 15, V 23:16,
 *       DST 63:32 (xAPIC ID in 47:40)
 *   hi: SID 15:0 (79:64), SQ 17:16 (81:80), SVT 19:18 (83:82)
 *   remappable MSI address: 0xFEE << 20, handle[14:0] 19:5, IF 4, SHV 3,
 *       handle[15] 2; data: subhandle 15:0
 *   compatibility MSI address: dest 19:12, RH 3, DM 2; data: vector 7:0,
 *       delivery mode 10:8, level 14, trigger 15 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cmocka.h>

#include "iommu/irq_remap_alloc.h"
#include "iommu/irte.h"
#include "tests/unit/log_stub.h"

/* A deterministic generator: the runs are reproducible. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void assert_fields_equal(const struct irte_fields *a, const struct irte_fields *b)
{
	assert_int_equal(a->present, b->present);
	assert_int_equal(a->fpd, b->fpd);
	assert_int_equal(a->dest_logical, b->dest_logical);
	assert_int_equal(a->redir_hint, b->redir_hint);
	assert_int_equal(a->level, b->level);
	assert_int_equal(a->dlm, b->dlm);
	assert_int_equal(a->avail, b->avail);
	assert_int_equal(a->posted, b->posted);
	assert_int_equal(a->vector, b->vector);
	assert_int_equal(a->dest, b->dest);
	assert_int_equal(a->sid, b->sid);
	assert_int_equal(a->sq, b->sq);
	assert_int_equal(a->svt, b->svt);
}

/* encode(f) must be exactly {lo, hi}, and decode({lo, hi}) exactly f. */
static void check_both_ways(const struct irte_fields *f, uint64_t lo, uint64_t hi)
{
	uint64_t e[2] = { 0xdead, 0xbeef };
	struct irte_fields back;

	assert_int_equal(irte_encode(f, e), 0);
	if (e[0] != lo || e[1] != hi)
		fail_msg("encoded %016llx:%016llx, want %016llx:%016llx",
			 (unsigned long long)e[1], (unsigned long long)e[0],
			 (unsigned long long)hi, (unsigned long long)lo);
	uint64_t in[2] = { lo, hi };

	memset(&back, 0x5a, sizeof(back));
	irte_decode(in, &back);
	assert_fields_equal(&back, f);
}

/* ---- IRTE layout ------------------------------------------------------ */

static void each_field_alone(void **state)
{
	(void)state;
	struct irte_fields f;

#define ONE(setup, lo, hi) do { memset(&f, 0, sizeof(f)); setup; check_both_ways(&f, lo, hi); } while (0)
	ONE((void)0, 0, 0);
	ONE(f.present = true, 0x1, 0);
	ONE(f.fpd = true, 0x2, 0);
	ONE(f.dest_logical = true, 0x4, 0);
	ONE(f.redir_hint = true, 0x8, 0);
	ONE(f.level = true, 0x10, 0);
	ONE(f.dlm = 1, 0x20, 0);
	ONE(f.dlm = 2, 0x40, 0);
	ONE(f.dlm = 4, 0x80, 0);
	ONE(f.dlm = 5, 0xa0, 0);
	ONE(f.dlm = 7, 0xe0, 0);
	ONE(f.avail = 0x1, 0x100, 0);
	ONE(f.avail = 0xf, 0xf00, 0);
	ONE(f.posted = true, 0x8000, 0);
	ONE(f.vector = 0x01, 0x10000, 0);
	ONE(f.vector = 0xff, 0xff0000, 0);
	ONE(f.dest = 0x1, 0x100000000ull, 0);
	ONE(f.dest = 0x80000000u, 0x8000000000000000ull, 0);
	ONE(f.dest = 0xffffffffu, 0xffffffff00000000ull, 0);
	ONE(f.sid = 0x1, 0, 0x1);
	ONE(f.sid = 0xffff, 0, 0xffff);
	ONE(f.sq = 1, 0, 0x10000);
	ONE(f.sq = 3, 0, 0x30000);
	ONE(f.svt = 1, 0, 0x40000);
	ONE(f.svt = 3, 0, 0xc0000);
#undef ONE
}

/* Whole entries as Linux would build them for a device MSI. */
static void realistic_entries(void **state)
{
	(void)state;
	/* xAPIC: fixed, vector 0x31 to APIC ID 3, physical, edge, from 00:04.0
	 * (SID 0x0020) compared in full. */
	struct irte_fields f = {
		.present = true, .dlm = IRTE_DLM_FIXED, .vector = 0x31,
		.dest = irte_dest(3, false), .sid = 0x0020, .sq = IRTE_SQ_ALL,
		.svt = IRTE_SVT_SID,
	};
	check_both_ways(&f, 0x0000030000310001ull, 0x0000000000040020ull);
	assert_int_equal(irte_validate(&f, false), 0);
	assert_int_equal(irte_validate_device_msi(&f, false), 0);

	/* x2APIC: lowest priority, logical, redirection hint, vector 0xef to
	 * cluster 0x0001_0004, from any function of 3a:1f.x. */
	struct irte_fields g = {
		.present = true, .fpd = true, .dest_logical = true, .redir_hint = true,
		.dlm = IRTE_DLM_LOWEST, .vector = 0xef, .dest = irte_dest(0x00010004, true),
		.sid = 0x3af8, .sq = IRTE_SQ_IGNORE_2_0, .svt = IRTE_SVT_SID,
	};
	check_both_ways(&g, 0x0001000400ef002full, 0x0000000000073af8ull);
	assert_int_equal(irte_validate(&g, true), 0);
	assert_int_equal(irte_validate(&g, false), -EINVAL); /* wider than 8 bits */

	/* A device behind a PCIe-to-PCI bridge: buses 5..7. */
	struct irte_fields h = {
		.present = true, .vector = 0x40, .dest = irte_dest(0xfe, false),
		.sid = irte_sid_bus_range(5, 7), .svt = IRTE_SVT_BUS,
	};
	check_both_ways(&h, 0x0000fe0000400001ull, 0x0000000000080507ull);
	assert_int_equal(irte_validate_device_msi(&h, false), 0);
}

static void random_fields(struct irte_fields *f)
{
	uint64_t r = rng();

	f->present = r & 1;
	f->fpd = r & 2;
	f->dest_logical = r & 4;
	f->redir_hint = r & 8;
	f->level = r & 16;
	f->posted = r & 32;
	f->dlm = (r >> 6) & 7;
	f->avail = (r >> 9) & 0xf;
	f->vector = (uint8_t)(r >> 13);
	f->sid = (uint16_t)(r >> 21);
	f->sq = (r >> 37) & 3;
	f->svt = (r >> 39) & 3;
	f->dest = (uint32_t)rng();
}

static void round_trips(void **state)
{
	(void)state;
	/* Every field pattern: fields -> entry -> fields. */
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 100000; i++) {
		struct irte_fields f, back;
		uint64_t e[2];

		random_fields(&f);
		assert_int_equal(irte_encode(&f, e), 0);
		irte_decode(e, &back);
		assert_fields_equal(&back, &f);
	}
	/* Every entry with its reserved bits clear: entry -> fields -> entry. */
	const uint64_t lo_defined = 0xffffffff00ff8fffull, hi_defined = 0xfffffull;

	for (int i = 0; i < 100000; i++) {
		uint64_t e[2] = { rng() & lo_defined, rng() & hi_defined }, back[2];
		struct irte_fields f;

		irte_decode(e, &f);
		assert_int_equal(irte_encode(&f, back), 0);
		assert_true(back[0] == e[0] && back[1] == e[1]);
	}
}

static void reserved_bits(void **state)
{
	(void)state;
	uint64_t r[2];

	/* Bits 14:12, 31:24 and 127:84; in xAPIC mode also DST's 7:0 and
	 * 31:16 (entry bits 39:32 and 63:48). */
	uint64_t all[2] = { ~0ull, ~0ull };

	irte_reserved_bits(all, true, r);
	assert_true(r[0] == 0x00000000ff007000ull);
	assert_true(r[1] == 0xfffffffffff00000ull);
	irte_reserved_bits(all, false, r);
	assert_true(r[0] == 0xffff00ffff007000ull);
	assert_true(r[1] == 0xfffffffffff00000ull);

	/* Decode ignores them; encode of the result drops them. */
	struct irte_fields f;
	uint64_t e[2];

	irte_decode(all, &f);
	assert_int_equal(irte_encode(&f, e), 0);
	assert_true(e[0] == 0xffffffff00ff8fffull && e[1] == 0xfffffull);
	irte_reserved_bits(e, true, r);
	assert_true(r[0] == 0 && r[1] == 0);
}

static void encode_refuses_wide_fields(void **state)
{
	(void)state;
	static const struct { uint8_t dlm, avail, sq, svt; } bad[] = {
		{ 8, 0, 0, 0 }, { 0xff, 0, 0, 0 }, { 0, 16, 0, 0 }, { 0, 0, 4, 0 }, { 0, 0, 0, 4 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct irte_fields f = { .present = true, .vector = 0x40, .dlm = bad[i].dlm,
					 .avail = bad[i].avail, .sq = bad[i].sq,
					 .svt = bad[i].svt };
		uint64_t e[2] = { 0x1111, 0x2222 };

		assert_int_equal(irte_encode(&f, e), -EINVAL);
		assert_true(e[0] == 0x1111 && e[1] == 0x2222);
		assert_int_equal(irte_validate(&f, true), -EINVAL);
	}
}

static void xapic_and_x2apic_destination(void **state)
{
	(void)state;
	struct irte_fields f = { .present = true, .vector = 0x30, .svt = IRTE_SVT_SID,
				 .sid = 0x100 };
	uint64_t e[2];

	/* xAPIC: the 8-bit ID in entry bits 47:40. */
	for (uint32_t id = 0; id < 256; id++) {
		f.dest = irte_dest(id, false);
		assert_int_equal(f.dest, id << 8);
		assert_int_equal(irte_dest_apic_id(f.dest, false), id);
		assert_int_equal(irte_encode(&f, e), 0);
		assert_true((e[0] >> 40) == id); /* and nothing in 39:32 or 63:48 */
		assert_int_equal(irte_validate(&f, false), 0);
		assert_int_equal(irte_validate(&f, true), 0);
	}
	/* x2APIC: all 32 bits in 63:32. */
	static const uint32_t ids[] = { 0, 1, 0xff, 0x100, 0xffff, 0x10000, 0x12345678,
					0xffffffffu };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		f.dest = irte_dest(ids[i], true);
		assert_int_equal(f.dest, ids[i]);
		assert_int_equal(irte_dest_apic_id(f.dest, true), ids[i]);
		assert_int_equal(irte_encode(&f, e), 0);
		assert_true((e[0] >> 32) == ids[i]);
		assert_int_equal(irte_validate(&f, true), 0);
	}
	/* Without EIM: only DST bits 15:8 may be set. */
	static const uint32_t wide[] = { 0x1, 0x80, 0x10000, 0x1ff00, 0x80000000u,
					 0xffffffffu, 0x12345678 };
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		f.dest = wide[i];
		assert_int_equal(irte_validate(&f, false), -EINVAL);
		assert_int_equal(irte_validate(&f, true), 0);
	}
	/* A 9-bit APIC ID does not fit xAPIC mode. */
	f.dest = irte_dest(0x100, false);
	assert_int_equal(irte_validate(&f, false), -EINVAL);
}

/* Every SVT x SQ: where it lands and whether it is accepted. */
static void every_svt_and_sq(void **state)
{
	(void)state;
	for (unsigned svt = 0; svt < 4; svt++) {
		for (unsigned sq = 0; sq < 4; sq++) {
			for (int sid_zero = 0; sid_zero < 2; sid_zero++) {
				uint16_t sid = sid_zero ? 0 : 0x0307; /* buses 3..7 for SVT 2 */
				struct irte_fields f = { .present = true, .vector = 0x20,
							 .sid = sid, .sq = (uint8_t)sq,
							 .svt = (uint8_t)svt };

				check_both_ways(&f, 0x0000000000200001ull,
						(uint64_t)svt << 18 | (uint64_t)sq << 16 | sid);
				bool ok;

				switch (svt) {
				case 0: ok = sq == 0 && sid == 0; break;
				case 1: ok = true; break;
				case 2: ok = sq == 0; break;
				default: ok = false; break;
				}
				assert_int_equal(irte_validate(&f, false), ok ? 0 : -EINVAL);
				assert_int_equal(irte_validate(&f, true), ok ? 0 : -EINVAL);
				assert_int_equal(irte_validate_device_msi(&f, false),
						 ok && svt != 0 ? 0 : -EINVAL);
			}
		}
	}
	/* SVT 2: start bus > end bus is refused, start == end allowed. */
	struct irte_fields f = { .present = true, .vector = 0x20, .svt = IRTE_SVT_BUS };

	f.sid = irte_sid_bus_range(8, 7);
	assert_int_equal(f.sid, 0x0807);
	assert_int_equal(irte_validate(&f, false), -EINVAL);
	f.sid = irte_sid_bus_range(7, 7);
	assert_int_equal(irte_validate(&f, false), 0);
	f.sid = irte_sid_bus_range(0, 0xff);
	assert_int_equal(irte_validate(&f, false), 0);
	f.sid = irte_sid_bus_range(0xff, 0);
	assert_int_equal(irte_validate(&f, false), -EINVAL);
}

static void validation(void **state)
{
	(void)state;
	const struct irte_fields good = {
		.present = true, .dlm = IRTE_DLM_FIXED, .vector = 0x41,
		.dest = irte_dest(1, false), .sid = 0x0018, .svt = IRTE_SVT_SID,
	};
	struct irte_fields f;

	assert_int_equal(irte_validate(&good, false), 0);
	assert_int_equal(irte_validate_device_msi(&good, false), 0);

	/* Delivery modes: 3 and 6 reserved; below-16 vectors only matter for
	 * fixed and lowest priority. */
	for (unsigned dlm = 0; dlm < 8; dlm++) {
		bool reserved = dlm == 3 || dlm == 6;
		bool uses_vector = dlm == 0 || dlm == 1;

		f = good;
		f.dlm = (uint8_t)dlm;
		assert_int_equal(irte_validate(&f, false), reserved ? -EINVAL : 0);
		assert_int_equal(irte_dlm_allowed_for_device_msi(dlm), uses_vector);
		assert_int_equal(irte_validate_device_msi(&f, false), uses_vector ? 0 : -EINVAL);
		for (unsigned v = 0; v < 256; v++) {
			f.vector = (uint8_t)v;
			bool ok = !reserved && !(uses_vector && v < 16);

			assert_int_equal(irte_validate(&f, false), ok ? 0 : -EINVAL);
		}
	}
	/* Posted format. */
	f = good;
	f.posted = true;
	assert_int_equal(irte_validate(&f, false), -EINVAL);
	assert_int_equal(irte_validate(&f, true), -EINVAL);
	/* Device MSIs: present, edge, source validated. */
	f = good;
	f.present = false;
	assert_int_equal(irte_validate(&f, false), 0);
	assert_int_equal(irte_validate_device_msi(&f, false), -EINVAL);
	f = good;
	f.level = true;
	assert_int_equal(irte_validate(&f, false), 0);
	assert_int_equal(irte_validate_device_msi(&f, false), -EINVAL);
	f = good;
	f.svt = IRTE_SVT_NONE;
	f.sid = 0;
	assert_int_equal(irte_validate(&f, false), 0);
	assert_int_equal(irte_validate_device_msi(&f, false), -EINVAL);
	/* What validation does not judge: FPD, AVAIL, RH, DM. */
	f = good;
	f.fpd = true;
	f.avail = 0xf;
	f.redir_hint = true;
	f.dest_logical = true;
	assert_int_equal(irte_validate_device_msi(&f, false), 0);
}

/* ---- irte_write ------------------------------------------------------- */

/* The table slot lives in a page kept read-only: each store to it faults,
 * the handler opens the page and sets the trap flag, the store completes,
 * and the single-step trap logs the slot as the unit would now see it and
 * closes the page again. So the log holds the slot after every store
 * instruction (one for a cmpxchg16b). */
#define LOG_MAX 8
static uint8_t *rec_page;
static volatile uint64_t *rec_slot;
static uint64_t rec_log[LOG_MAX][2];
static volatile int rec_n, rec_bad;
static struct sigaction old_segv, old_trap;

#define EFLAGS_TF 0x100

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	if ((uint8_t *)si->si_addr < rec_page || (uint8_t *)si->si_addr >= rec_page + 4096) {
		/* A real crash: let it happen with the default action. */
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	if (mprotect(rec_page, 4096, PROT_READ | PROT_WRITE))
		rec_bad = 1;
	uc->uc_mcontext.gregs[REG_EFL] |= EFLAGS_TF;
}

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	if (rec_n < LOG_MAX) {
		rec_log[rec_n][0] = rec_slot[0];
		rec_log[rec_n][1] = rec_slot[1];
	}
	rec_n++;
	if (mprotect(rec_page, 4096, PROT_READ))
		rec_bad = 1;
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)EFLAGS_TF;
}

static int rec_setup(void **state)
{
	(void)state;
	rec_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rec_page == MAP_FAILED)
		return -1;
	rec_slot = (volatile uint64_t *)(rec_page + 0x7f0); /* 16-byte aligned */
	return 0;
}

static int rec_teardown(void **state)
{
	(void)state;
	munmap(rec_page, 4096);
	return 0;
}

/* The handlers go in around each recorded write only: cmocka installs its
 * own SIGSEGV handler while a test runs. */
static void rec_handlers_on(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSEGV, &sa, &old_segv), 0);
	sa.sa_sigaction = on_trap;
	assert_int_equal(sigaction(SIGTRAP, &sa, &old_trap), 0);
}

static void rec_handlers_off(void)
{
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGTRAP, &old_trap, NULL);
}

/* Sets the slot to `from`, writes `to` with irte_write() under recording,
 * and checks the slot ends as `to` after exactly the `want` states. Every
 * state the unit could read in between is checked too: not present, or
 * all of `from`, or all of `to`. */
static void recorded_write(const uint64_t from[2], const uint64_t to[2], int nwant,
			   const uint64_t want[][2])
{
	mprotect(rec_page, 4096, PROT_READ | PROT_WRITE);
	rec_slot[0] = from[0];
	rec_slot[1] = from[1];
	mprotect(rec_page, 4096, PROT_READ);
	rec_n = 0;
	rec_bad = 0;
	rec_handlers_on();
	irte_write(rec_slot, to);
	rec_handlers_off();
	mprotect(rec_page, 4096, PROT_READ | PROT_WRITE);

	assert_int_equal(rec_bad, 0);
	assert_true(rec_slot[0] == to[0] && rec_slot[1] == to[1]);
	for (int i = 0; i < rec_n && i < LOG_MAX; i++) {
		const uint64_t *s = rec_log[i];
		bool consistent = !(s[0] & 1) || (s[0] == from[0] && s[1] == from[1]) ||
				  (s[0] == to[0] && s[1] == to[1]);
		if (!consistent)
			fail_msg("store %d left a present, mixed entry %016llx:%016llx", i,
				 (unsigned long long)s[1], (unsigned long long)s[0]);
	}
	if (rec_n != nwant)
		fail_msg("%d stores, want %d", rec_n, nwant);
	for (int i = 0; i < nwant; i++)
		if (rec_log[i][0] != want[i][0] || rec_log[i][1] != want[i][1])
			fail_msg("after store %d: %016llx:%016llx, want %016llx:%016llx", i,
				 (unsigned long long)rec_log[i][1],
				 (unsigned long long)rec_log[i][0],
				 (unsigned long long)want[i][1], (unsigned long long)want[i][0]);
}

static void write_makes_present_high_first(void **state)
{
	(void)state;
	const uint64_t a[2] = { 0x0000030000310001ull, 0x0000000000040020ull };
	/* From a zeroed slot, and from a not-present one with stale contents. */
	const uint64_t zero[2] = { 0, 0 };
	const uint64_t stale[2] = { 0xffffffff00ff0000ull, 0x00000000000c1234ull };

	recorded_write(zero, a, 2, (const uint64_t[][2]){ { 0, a[1] }, { a[0], a[1] } });
	recorded_write(stale, a, 2,
		       (const uint64_t[][2]){ { stale[0], a[1] }, { a[0], a[1] } });
}

static void write_clears_low_first(void **state)
{
	(void)state;
	const uint64_t a[2] = { 0x0000030000310001ull, 0x0000000000040020ull };
	const uint64_t zero[2] = { 0, 0 };
	/* Not present but with a high qword left (e.g. an FPD entry). */
	const uint64_t np[2] = { 0x2, 0x0000000000040099ull };

	recorded_write(a, zero, 2, (const uint64_t[][2]){ { 0, a[1] }, { 0, 0 } });
	recorded_write(a, np, 2, (const uint64_t[][2]){ { np[0], a[1] }, { np[0], np[1] } });
	/* Not present to not present: low first too. */
	recorded_write(np, zero, 2, (const uint64_t[][2]){ { 0, np[1] }, { 0, 0 } });
}

static void write_present_to_present_atomic(void **state)
{
	(void)state;
	const uint64_t a[2] = { 0x0000030000310001ull, 0x0000000000040020ull };
	/* Everything changes: vector, destination, SID. */
	const uint64_t b[2] = { 0x0000070000420001ull, 0x0000000000040028ull };
	/* Only one half changes. */
	const uint64_t c[2] = { a[0], 0x0000000000080507ull };
	const uint64_t d[2] = { 0x0000050000310001ull, a[1] };

	recorded_write(a, b, 1, (const uint64_t[][2]){ { b[0], b[1] } });
	recorded_write(b, c, 1, (const uint64_t[][2]){ { c[0], c[1] } });
	recorded_write(c, d, 1, (const uint64_t[][2]){ { d[0], d[1] } });
	recorded_write(d, d, 1, (const uint64_t[][2]){ { d[0], d[1] } });
}

/* Without the recording: a table of entries, final values only. */
static void write_table(void **state)
{
	(void)state;
	static uint64_t table[64][2] __attribute__((aligned(16)));

	rng_state = 12345;
	for (int round = 0; round < 1000; round++) {
		unsigned i = rng() % 64;
		uint64_t e[2] = { rng() & 0xffffffff00ff8fffull, rng() & 0xfffffull };

		irte_write(&table[i][0], e);
		assert_true(table[i][0] == e[0] && table[i][1] == e[1]);
	}
}

/* ---- MSI formats ------------------------------------------------------ */

static void msi_remappable_layout(void **state)
{
	(void)state;
	static const struct { uint16_t handle; bool shv; uint32_t addr; } cases[] = {
		{ 0, false, 0xfee00010u },
		{ 0, true, 0xfee00018u },
		{ 1, false, 0xfee00030u },
		{ 1, true, 0xfee00038u },
		{ 0x7fff, false, 0xfeeffff0u },
		{ 0x8000, false, 0xfee00014u },
		{ 0x8001, true, 0xfee0003cu },
		{ 0xffff, true, 0xfeeffffcu },
		{ 0x0123, false, 0xfee02470u },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t addr = 0, data = 0xffffffffu;

		msi_remappable_encode(cases[i].handle, cases[i].shv, &addr, &data);
		assert_int_equal(addr, cases[i].addr);
		assert_int_equal(data, 0);
	}
}

static void msi_remappable_round_trip(void **state)
{
	(void)state;
	for (uint32_t h = 0; h <= 0xffff; h++) {
		for (int shv = 0; shv < 2; shv++) {
			uint32_t addr, data;
			uint16_t handle;
			bool s;
			uint32_t index;

			msi_remappable_encode((uint16_t)h, shv, &addr, &data);
			assert_int_equal(msi_remappable_decode(addr, data, &handle, &s, &index), 0);
			assert_int_equal(handle, h);
			assert_int_equal(s, shv);
			assert_int_equal(index, h);
			/* The compatibility decoder refuses it. */
			struct msi_compat m;

			assert_int_equal(msi_compat_decode(addr, data, &m), -EINVAL);
			/* Address bits 1:0 are don't-care. */
			assert_int_equal(msi_remappable_decode(addr | 3, data, &handle, &s, &index), 0);
			assert_int_equal(handle, h);
		}
	}
}

static void msi_remappable_subhandle(void **state)
{
	(void)state;
	uint32_t addr, data, index;
	uint16_t handle;
	bool shv;

	/* A 4-vector MSI at entry 0x40: the device puts 0..3 in the data. */
	msi_remappable_encode(0x40, true, &addr, &data);
	for (uint32_t v = 0; v < 4; v++) {
		assert_int_equal(msi_remappable_decode(addr, data | v, &handle, &shv, &index), 0);
		assert_int_equal(handle, 0x40);
		assert_int_equal(index, 0x40 + v);
	}
	/* Without SHV the data is not added. */
	msi_remappable_encode(0x40, false, &addr, &data);
	assert_int_equal(msi_remappable_decode(addr, 3, &handle, &shv, &index), 0);
	assert_false(shv);
	assert_int_equal(index, 0x40);
	/* handle + subhandle beyond 16 bits is reported, not wrapped. */
	msi_remappable_encode(0xffff, true, &addr, &data);
	assert_int_equal(msi_remappable_decode(addr, 0xffff, &handle, &shv, &index), 0);
	assert_int_equal(index, 0x1fffe);
}

static void msi_remappable_rejects(void **state)
{
	(void)state;
	uint32_t addr, data, index = 77;
	uint16_t handle = 77;
	bool shv = true;

	msi_remappable_encode(0x1234, true, &addr, &data);
	static const struct { uint64_t addr; uint32_t data; } bad[] = {
		{ 0xfee00000u, 0 },                    /* compatibility format */
		{ 0xfee12000u, 0x41 },                 /* compatibility format */
		{ 0x1fee00010ull, 0 },                 /* high dword set */
		{ 0xfef00010u, 0 },                    /* not 0xFEE */
		{ 0x7ee00010u, 0 },
		{ 0xfee00010u, 0x10000 },              /* data 31:16 reserved */
		{ 0xfee00018u, 0x80000000u },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(msi_remappable_decode(bad[i].addr, bad[i].data, &handle, &shv,
						       &index), -EINVAL);
		assert_int_equal(handle, 77);
		assert_int_equal(index, 77);
		assert_true(shv);
	}
}

static void msi_compat_layout(void **state)
{
	(void)state;
	static const struct { struct msi_compat m; uint32_t addr, data; } cases[] = {
		{ { .dest = 0x12, .vector = 0x41 }, 0xfee12000u, 0x41 },
		{ { .dest = 0xff, .vector = 0xff, .dlm = 7 }, 0xfeeff000u, 0x7ff },
		{ { .dest_logical = true, .vector = 0x20 }, 0xfee00004u, 0x20 },
		{ { .redir_hint = true, .dlm = 1, .vector = 0x30 }, 0xfee00008u, 0x130 },
		{ { .trigger_level = true, .level_assert = true, .vector = 0x50 },
		  0xfee00000u, 0xc050 },
		{ { .level_assert = true, .dlm = 4 }, 0xfee00000u, 0x4400 },
		{ { .dest = 1, .dlm = 5, .dest_logical = true, .redir_hint = true },
		  0xfee0100cu, 0x500 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t addr = 0, data = 0;
		struct msi_compat back;

		assert_int_equal(msi_compat_encode(&cases[i].m, &addr, &data), 0);
		assert_int_equal(addr, cases[i].addr);
		assert_int_equal(data, cases[i].data);
		memset(&back, 0x5a, sizeof(back));
		assert_int_equal(msi_compat_decode(addr, data, &back), 0);
		assert_int_equal(back.dest, cases[i].m.dest);
		assert_int_equal(back.vector, cases[i].m.vector);
		assert_int_equal(back.dlm, cases[i].m.dlm);
		assert_int_equal(back.dest_logical, cases[i].m.dest_logical);
		assert_int_equal(back.redir_hint, cases[i].m.redir_hint);
		assert_int_equal(back.trigger_level, cases[i].m.trigger_level);
		assert_int_equal(back.level_assert, cases[i].m.level_assert);
	}
}

static void msi_compat_round_trip(void **state)
{
	(void)state;
	/* Every data word, each with eight addresses: all destinations and
	 * every combination of DM, RH and the don't-care bit 1 come by. */
	for (uint32_t d = 0; d < 0x10000; d++) {
		for (uint32_t k = 0; k < 8; k++) {
			uint32_t addr = 0xfee00000u | ((d * 31 + k * 97) & 0xff) << 12 | k << 1;
			struct msi_compat m;
			unsigned dlm = (d >> 8) & 7;
			bool ok = !(d & 0x3800) && dlm != 3 && dlm != 6;

			assert_int_equal(msi_compat_decode(addr, d, &m), ok ? 0 : -EINVAL);
			/* The remappable decoder refuses it either way. */
			uint16_t h;
			bool s;
			uint32_t idx;

			assert_int_equal(msi_remappable_decode(addr, d, &h, &s, &idx), -EINVAL);
			if (!ok)
				continue;
			uint32_t addr2, d2;

			assert_int_equal(msi_compat_encode(&m, &addr2, &d2), 0);
			assert_int_equal(addr2, addr & ~3u); /* bits 1:0 don't care */
			assert_int_equal(d2, d);
		}
	}
}

static void msi_compat_rejects(void **state)
{
	(void)state;
	struct msi_compat m = { .dest = 9, .vector = 9 }, before = m;
	static const struct { uint64_t addr; uint32_t data; } bad[] = {
		{ 0xfee00010u, 0x41 },       /* remappable format */
		{ 0xfee00018u, 0 },
		{ 0xfee00020u, 0x41 },       /* address 11:5 reserved */
		{ 0xfee00fe0u, 0x41 },
		{ 0x1fee00000ull, 0x41 },    /* high dword */
		{ 0xfed00000u, 0x41 },       /* not 0xFEE */
		{ 0xfee00000u, 0x10041 },    /* data 31:16 reserved */
		{ 0xfee00000u, 0x0841 },     /* data 13:11 reserved */
		{ 0xfee00000u, 0x2041 },
		{ 0xfee00000u, 0x0341 },     /* delivery mode 3 */
		{ 0xfee00000u, 0x0641 },     /* delivery mode 6 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(msi_compat_decode(bad[i].addr, bad[i].data, &m), -EINVAL);
		assert_memory_equal(&m, &before, sizeof(m));
	}
	uint32_t addr = 1, data = 2;

	m.dlm = 8;
	assert_int_equal(msi_compat_encode(&m, &addr, &data), -EINVAL);
	assert_int_equal(addr, 1);
	assert_int_equal(data, 2);
}

/* ---- the allocator ---------------------------------------------------- */

static struct irq_remap_slot slots[IRQ_REMAP_MAX_ENTRIES];
static struct irq_remap_alloc ra;

static void alloc_init(void **state)
{
	(void)state;
	assert_int_equal(irq_remap_alloc_init(&ra, 16, slots, IRQ_REMAP_MAX_ENTRIES), -EINVAL);
	assert_int_equal(irq_remap_alloc_init(&ra, 7, slots, 255), -EINVAL);
	assert_int_equal(irq_remap_alloc_init(&ra, 7, NULL, 256), -EINVAL);
	for (unsigned s = 0; s <= 15; s++) {
		memset(&ra, 0xa5, sizeof(ra));
		memset(slots, 0xa5, sizeof(slots));
		assert_int_equal(irq_remap_alloc_init(&ra, s, slots, 2u << s), 0);
		assert_int_equal(irq_remap_free_count(&ra), 2u << s);
		for (uint32_t i = 0; i < (2u << s); i++)
			assert_int_equal(irq_remap_owner(&ra, i), IRQ_REMAP_OWNER_NONE);
		assert_int_equal(irq_remap_owner(&ra, 2u << s), IRQ_REMAP_OWNER_NONE);
	}
}

static void alloc_alignment(void **state)
{
	(void)state;
	uint16_t first;

	assert_int_equal(irq_remap_alloc_init(&ra, 7, slots, 256), 0);
	/* Each block goes to the lowest free one aligned to its size: 1 at 0,
	 * 2 at 2, 32 at 32, 1 at 1, 4 at 4, 8 at 8, 16 at 16 (0..63 now
	 * full), 32 at 64, 2 at 96. */
	assert_int_equal(irq_remap_alloc(&ra, 1, 1, &first), 0);
	assert_int_equal(first, 0);
	assert_int_equal(irq_remap_alloc(&ra, 2, 1, &first), 0);
	assert_int_equal(first, 2);
	assert_int_equal(irq_remap_alloc(&ra, 32, 1, &first), 0);
	assert_int_equal(first, 32);
	assert_int_equal(irq_remap_alloc(&ra, 1, 1, &first), 0);
	assert_int_equal(first, 1);
	assert_int_equal(irq_remap_alloc(&ra, 4, 1, &first), 0);
	assert_int_equal(first, 4);
	assert_int_equal(irq_remap_alloc(&ra, 8, 1, &first), 0);
	assert_int_equal(first, 8);
	assert_int_equal(irq_remap_alloc(&ra, 16, 1, &first), 0);
	assert_int_equal(first, 16);
	assert_int_equal(irq_remap_alloc(&ra, 32, 1, &first), 0);
	assert_int_equal(first, 64);
	assert_int_equal(irq_remap_alloc(&ra, 2, 1, &first), 0);
	assert_int_equal(first, 96);
	assert_int_equal(irq_remap_free_count(&ra), 256 - 1 - 2 - 32 - 1 - 4 - 8 - 16 - 32 - 2);

	/* Every size, many times: always aligned. */
	for (unsigned count = 1; count <= 32; count *= 2) {
		assert_int_equal(irq_remap_alloc_init(&ra, 11, slots, 4096), 0);
		uint16_t odd;

		assert_int_equal(irq_remap_alloc(&ra, 1, 9, &odd), 0); /* offset the rest */
		for (;;) {
			int rc = irq_remap_alloc(&ra, count, 2, &first);

			if (rc == -ENOSPC)
				break;
			assert_int_equal(rc, 0);
			assert_int_equal(first % count, 0);
			for (unsigned i = 0; i < count; i++)
				assert_int_equal(irq_remap_owner(&ra, first + i), 2);
		}
		assert_int_equal(irq_remap_free_count(&ra), count - 1);
	}
}

static void alloc_bad_arguments(void **state)
{
	(void)state;
	uint16_t first = 0x5555;

	assert_int_equal(irq_remap_alloc_init(&ra, 7, slots, 256), 0);
	static const unsigned bad[] = { 0, 3, 5, 6, 7, 12, 24, 33, 64, 128, 256, 0x80000000u };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(irq_remap_alloc(&ra, bad[i], 1, &first), -EINVAL);
	assert_int_equal(irq_remap_alloc(&ra, 1, IRQ_REMAP_OWNER_NONE, &first), -EINVAL);
	assert_int_equal(first, 0x5555);
	assert_int_equal(irq_remap_free_count(&ra), 256);
	/* Owner 0 is an owner like any other. */
	assert_int_equal(irq_remap_alloc(&ra, 1, 0, &first), 0);
	assert_int_equal(irq_remap_owner(&ra, first), 0);
}

static void alloc_exhaustion(void **state)
{
	(void)state;
	uint16_t first = 0x5555;

	/* The smallest table: 2 entries. */
	assert_int_equal(irq_remap_alloc_init(&ra, 0, slots, 2), 0);
	assert_int_equal(irq_remap_alloc(&ra, 4, 1, &first), -ENOSPC);
	assert_int_equal(irq_remap_alloc(&ra, 2, 1, &first), 0);
	assert_int_equal(first, 0);
	first = 0x5555;
	assert_int_equal(irq_remap_alloc(&ra, 1, 1, &first), -ENOSPC);
	assert_int_equal(first, 0x5555);
	assert_int_equal(irq_remap_owner(&ra, 2), IRQ_REMAP_OWNER_NONE);

	/* 256 entries: 8 blocks of 32, then nothing of any size. */
	assert_int_equal(irq_remap_alloc_init(&ra, 7, slots, 256), 0);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(irq_remap_alloc(&ra, 32, 100 + i, &first), 0);
		assert_int_equal(first, 32 * i);
	}
	for (unsigned c = 1; c <= 32; c *= 2)
		assert_int_equal(irq_remap_alloc(&ra, c, 1, &first), -ENOSPC);
	assert_int_equal(irq_remap_free_count(&ra), 0);
	/* Fragmentation: free one 32 block, fill it with 1s, free every other
	 * one: 16 free entries but no 2-block. */
	assert_int_equal(irq_remap_free(&ra, 96, 32, 103), 0);
	for (unsigned i = 0; i < 32; i++) {
		assert_int_equal(irq_remap_alloc(&ra, 1, 7, &first), 0);
		assert_int_equal(first, 96 + i);
	}
	for (unsigned i = 0; i < 32; i += 2)
		assert_int_equal(irq_remap_free(&ra, 96 + i, 1, 7), 0);
	assert_int_equal(irq_remap_free_count(&ra), 16);
	assert_int_equal(irq_remap_alloc(&ra, 2, 1, &first), -ENOSPC);
	assert_int_equal(irq_remap_alloc(&ra, 1, 1, &first), 0);
	assert_int_equal(first, 96);

	/* The largest table: 65536 entries, the last index 0xffff. */
	assert_int_equal(irq_remap_alloc_init(&ra, 15, slots, 65536), 0);
	for (unsigned i = 0; i < 65536 / 32; i++) {
		assert_int_equal(irq_remap_alloc(&ra, 32, 1, &first), 0);
		assert_int_equal(first, 32 * i);
	}
	assert_int_equal(irq_remap_alloc(&ra, 1, 1, &first), -ENOSPC);
	assert_int_equal(irq_remap_free(&ra, 0xffe0, 32, 1), 0);
	assert_int_equal(irq_remap_alloc(&ra, 16, 1, &first), 0);
	assert_int_equal(first, 0xffe0);
	assert_int_equal(irq_remap_alloc(&ra, 16, 2, &first), 0);
	assert_int_equal(first, 0xfff0);
	assert_int_equal(irq_remap_owner(&ra, 0xffff), 2);
}

static void alloc_free_refusals(void **state)
{
	(void)state;
	uint16_t a, b;

	assert_int_equal(irq_remap_alloc_init(&ra, 7, slots, 256), 0);
	assert_int_equal(irq_remap_alloc(&ra, 8, 11, &a), 0);
	assert_int_equal(irq_remap_alloc(&ra, 1, 12, &b), 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 8);
	/* Wrong owner, wrong count, inside the block, beyond the table, bad
	 * count: each refused, the block untouched. */
	assert_int_equal(irq_remap_free(&ra, a, 8, 12), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, a, 8, IRQ_REMAP_OWNER_NONE), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, a, 4, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, a, 16, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, a, 1, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, a + 4, 4, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, a + 1, 1, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, 256, 1, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, 0x10000, 1, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, a, 3, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, a, 0, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, b, 1, 11), -EINVAL);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(irq_remap_owner(&ra, a + i), 11);
	assert_int_equal(irq_remap_free_count(&ra), 256 - 9);
	/* A free entry is not freed. */
	assert_int_equal(irq_remap_free(&ra, 9, 1, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, 16, 8, 11), -EINVAL);
	/* The right free, then a double free. */
	assert_int_equal(irq_remap_free(&ra, a, 8, 11), 0);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(irq_remap_owner(&ra, a + i), IRQ_REMAP_OWNER_NONE);
	assert_int_equal(irq_remap_free(&ra, a, 8, 11), -EINVAL);
	assert_int_equal(irq_remap_free_count(&ra), 256 - 1);
	assert_int_equal(irq_remap_owner(&ra, b), 12);
	/* A double free after the space went to someone else is refused too. */
	uint16_t c;

	assert_int_equal(irq_remap_alloc(&ra, 4, 13, &c), 0);
	assert_int_equal(c, 0);
	assert_int_equal(irq_remap_free(&ra, a, 8, 11), -EINVAL);
	assert_int_equal(irq_remap_free(&ra, c, 4, 11), -EINVAL);
	assert_int_equal(irq_remap_owner(&ra, 0), 13);
	assert_int_equal(irq_remap_owner(&ra, 4), IRQ_REMAP_OWNER_NONE);
}

/* Random allocations and frees against a model: a plain array of owners
 * and the rule "lowest free block aligned to count". */
#define CHURN_ENTRIES 1024
static uint32_t model[CHURN_ENTRIES];
static struct { uint16_t first; unsigned count; uint32_t owner; } live[CHURN_ENTRIES];
static unsigned nlive;

static int model_alloc(unsigned count)
{
	for (unsigned start = 0; start < CHURN_ENTRIES; start += count) {
		unsigned i;

		for (i = 0; i < count && model[start + i] == IRQ_REMAP_OWNER_NONE; i++)
			;
		if (i == count)
			return (int)start;
	}
	return -1;
}

static void alloc_churn(void **state)
{
	(void)state;
	assert_int_equal(irq_remap_alloc_init(&ra, 9, slots, CHURN_ENTRIES), 0);
	for (unsigned i = 0; i < CHURN_ENTRIES; i++)
		model[i] = IRQ_REMAP_OWNER_NONE;
	nlive = 0;
	rng_state = 0x5eed;
	for (int op = 0; op < 20000; op++) {
		uint64_t r = rng();

		if (nlive == 0 || (r & 0xff) < 150) {
			unsigned count = 1u << ((r >> 8) % 6);
			uint32_t owner = (uint32_t)((r >> 16) % 5);
			int want = model_alloc(count);
			uint16_t first = 0x7777;
			int rc = irq_remap_alloc(&ra, count, owner, &first);

			if (want < 0) {
				assert_int_equal(rc, -ENOSPC);
				assert_int_equal(first, 0x7777);
			} else {
				assert_int_equal(rc, 0);
				if (first != want)
					fail_msg("op %d: block of %u at %u, want %d", op, count,
						 first, want);
				for (unsigned i = 0; i < count; i++)
					model[first + i] = owner;
				live[nlive].first = first;
				live[nlive].count = count;
				live[nlive].owner = owner;
				nlive++;
			}
		} else {
			unsigned k = (unsigned)((r >> 8) % nlive);
			uint16_t first = live[k].first;
			unsigned count = live[k].count;
			uint32_t owner = live[k].owner;

			/* Refused tries first, sometimes. */
			if (r & (1ull << 40))
				assert_int_equal(irq_remap_free(&ra, first, count, owner + 1), -EINVAL);
			if (r & (1ull << 41))
				assert_int_equal(irq_remap_free(&ra, first,
								count == 32 ? 16 : count * 2, owner),
						 -EINVAL);
			if ((r & (1ull << 42)) && count > 1)
				assert_int_equal(irq_remap_free(&ra, first + count / 2, count / 2,
								owner), -EINVAL);
			assert_int_equal(irq_remap_free(&ra, first, count, owner), 0);
			if (r & (1ull << 43))
				assert_int_equal(irq_remap_free(&ra, first, count, owner), -EINVAL);
			for (unsigned i = 0; i < count; i++)
				model[first + i] = IRQ_REMAP_OWNER_NONE;
			live[k] = live[--nlive];
		}
		uint32_t free_entries = 0;

		for (unsigned i = 0; i < CHURN_ENTRIES; i++) {
			if (irq_remap_owner(&ra, i) != model[i])
				fail_msg("op %d: entry %u owned by %u, model says %u", op, i,
					 irq_remap_owner(&ra, i), model[i]);
			free_entries += model[i] == IRQ_REMAP_OWNER_NONE;
		}
		assert_int_equal(irq_remap_free_count(&ra), free_entries);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_field_alone),
		cmocka_unit_test(realistic_entries),
		cmocka_unit_test(round_trips),
		cmocka_unit_test(reserved_bits),
		cmocka_unit_test(encode_refuses_wide_fields),
		cmocka_unit_test(xapic_and_x2apic_destination),
		cmocka_unit_test(every_svt_and_sq),
		cmocka_unit_test(validation),
		cmocka_unit_test_setup_teardown(write_makes_present_high_first, rec_setup,
						rec_teardown),
		cmocka_unit_test_setup_teardown(write_clears_low_first, rec_setup, rec_teardown),
		cmocka_unit_test_setup_teardown(write_present_to_present_atomic, rec_setup,
						rec_teardown),
		cmocka_unit_test(write_table),
		cmocka_unit_test(msi_remappable_layout),
		cmocka_unit_test(msi_remappable_round_trip),
		cmocka_unit_test(msi_remappable_subhandle),
		cmocka_unit_test(msi_remappable_rejects),
		cmocka_unit_test(msi_compat_layout),
		cmocka_unit_test(msi_compat_round_trip),
		cmocka_unit_test(msi_compat_rejects),
		cmocka_unit_test(alloc_init),
		cmocka_unit_test(alloc_alignment),
		cmocka_unit_test(alloc_bad_arguments),
		cmocka_unit_test(alloc_exhaustion),
		cmocka_unit_test(alloc_free_refusals),
		cmocka_unit_test(alloc_churn),
	};
	return cmocka_run_group_tests_name("irte", tests, NULL, NULL);
}
