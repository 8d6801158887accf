/* arch/x86/ioapic.c: redirection table entries in both formats, and the
 * register accesses through a fake IOREGSEL/IOWIN pair that records them.
 *
 * The expected bit patterns are written out by hand from the 82093AA
 * datasheet (3.2.4) and VT-d 5.1.5.1 (cross-checked with Linux's struct
 * IO_APIC_route_entry), not with ioapic.h's masks:
 *   compatibility: vector 7:0, delivery mode 10:8, dest mode 11, delivery
 *       status 12, polarity 13, remote IRR 14, trigger 15, mask 16,
 *       destination 63:56
 *   remappable: vector 7:0, index[15] 11, 12..16 as above, format 48,
 *       index[14:0] 63:49 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/ioapic.h"
#include "tests/unit/log_stub.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- the fake chip --------------------------------------------------------- */

/* Read-only bits of a redirection entry's low word: delivery status and
 * remote IRR. */
#define RO_LOW 0x5000u

struct access {
	bool write;
	uint8_t reg;         /* the register selected at the time */
	uint32_t value;      /* written, or returned */
};

#define MAX_ACCESS 4096

static struct {
	uint32_t regsel;
	uint32_t reg[256];
	unsigned n;
	struct access log[MAX_ACCESS];
	/* The entry ioapic_rte_write() is changing, for the live check. */
	int watch_pin;
	uint64_t watch_old, watch_new;
	unsigned regsel_writes;
} chip;

static uint64_t chip_rte(unsigned pin)
{
	return (uint64_t)chip.reg[0x11 + 2 * pin] << 32 | chip.reg[0x10 + 2 * pin];
}

static void record(bool write, uint8_t reg, uint32_t value)
{
	assert_true(chip.n < MAX_ACCESS);
	chip.log[chip.n++] = (struct access){ write, reg, value };
}

static uint32_t fake_read(void *ctx, uint32_t off)
{
	assert_ptr_equal(ctx, &chip);
	if (off == 0x00)
		return chip.regsel;
	assert_int_equal(off, 0x10);
	uint8_t reg = (uint8_t)chip.regsel;
	record(false, reg, chip.reg[reg]);
	return chip.reg[reg];
}

static void fake_write(void *ctx, uint32_t off, uint32_t value)
{
	assert_ptr_equal(ctx, &chip);
	if (off == 0x00) {
		/* IOREGSEL is 8 bits wide. */
		assert_int_equal(value & ~0xffu, 0);
		chip.regsel = value;
		chip.regsel_writes++;
		return;
	}
	assert_int_equal(off, 0x10);
	uint8_t reg = (uint8_t)chip.regsel;
	record(true, reg, value);
	if (reg == 0x01)
		return; /* IOAPICVER is read only */
	if (reg >= 0x10 && !(reg & 1))
		value = (value & ~RO_LOW) | (chip.reg[reg] & RO_LOW);
	chip.reg[reg] = value;

	/* The pin being rewritten: masked, or wholly the old or new entry,
	 * after every write (the read-only bits aside). */
	if (chip.watch_pin >= 0 && (reg == 0x10 + 2 * chip.watch_pin ||
				    reg == 0x11 + 2 * chip.watch_pin)) {
		uint64_t e = chip_rte((unsigned)chip.watch_pin) & ~(uint64_t)RO_LOW;
		if (!(e & (1ull << 16)) && e != (chip.watch_old & ~(uint64_t)RO_LOW) &&
		    e != (chip.watch_new & ~(uint64_t)RO_LOW))
			fail_msg("pin %d live with %016llx: neither old %016llx nor new %016llx",
				 chip.watch_pin, (unsigned long long)e,
				 (unsigned long long)chip.watch_old,
				 (unsigned long long)chip.watch_new);
	}
}

static struct ioapic io;

/* A chip with entries 0..max_entry, each masked with vector 0x20 + pin. */
static void chip_reset(unsigned max_entry)
{
	memset(&chip, 0, sizeof(chip));
	chip.watch_pin = -1;
	chip.reg[0x00] = 0x02000000;                    /* ID 2 */
	chip.reg[0x01] = (uint32_t)max_entry << 16 | 0x20; /* version 0x20 */
	for (unsigned pin = 0; pin < 120; pin++) {
		chip.reg[0x10 + 2 * pin] = 0x10000u | (0x20 + pin);
		chip.reg[0x11 + 2 * pin] = 0;
	}
	ioapic_init(&io, (struct mmio32){ fake_read, fake_write, &chip });
	chip.n = 0;
	chip.regsel_writes = 0;
}

static void expect_access(unsigned i, bool write, uint8_t reg, uint32_t value)
{
	assert_true(i < chip.n);
	const struct access *a = &chip.log[i];
	if (a->write != write || a->reg != reg || a->value != value)
		fail_msg("access %u: %s reg %#x = %#x, want %s reg %#x = %#x", i,
			 a->write ? "write" : "read", a->reg, a->value, write ? "write" : "read",
			 reg, value);
}

/* ---- registers ------------------------------------------------------------- */

static void max_entry(void **state)
{
	(void)state;
	chip_reset(23);
	assert_int_equal(io.max_entry, 23);
	assert_int_equal(ioapic_max_entry(&io), 23);
	expect_access(0, false, 0x01, 0x00170020);
	assert_int_equal(chip.n, 1);

	chip_reset(0);
	assert_int_equal(io.max_entry, 0);

	/* 0xff entries cannot fit the 8-bit register index: capped. */
	chip_reset(0xff);
	assert_int_equal(ioapic_max_entry(&io), 0xff);
	assert_int_equal(io.max_entry, 119);
}

/* ioapic_read/write select then move, through offsets 0x00 and 0x10 of a
 * mapping: shown here over plain memory with the direct accessors. */
static void direct_accessor_offsets(void **state)
{
	(void)state;
	uint32_t regs[8] = { 0 };
	struct ioapic d;

	regs[4] = 0x00170011; /* what IOWIN shows */
	ioapic_init(&d, mmio32_direct(regs));
	assert_int_equal(regs[0], 0x01);
	assert_int_equal(d.max_entry, 23);
	ioapic_write(&d, 0x12, 0xdeadbeef);
	assert_int_equal(regs[0], 0x12);
	assert_int_equal(regs[4], 0xdeadbeef);
	for (unsigned i = 1; i < 8; i++)
		if (i != 4)
			assert_int_equal(regs[i], 0);
}

static void rte_read(void **state)
{
	(void)state;
	uint64_t e = 0;

	chip_reset(23);
	chip.reg[0x10 + 2 * 5] = 0x0001a931;
	chip.reg[0x11 + 2 * 5] = 0x0f000000;
	assert_int_equal(ioapic_rte_read(&io, 5, &e), 0);
	assert_true(e == 0x0f0000000001a931ull);
	assert_int_equal(chip.n, 2);
	expect_access(0, false, 0x1a, 0x0001a931);
	expect_access(1, false, 0x1b, 0x0f000000);

	assert_int_equal(ioapic_rte_read(&io, 23, &e), 0);
	assert_true(e == 0x10037ull);

	chip.n = 0;
	e = 0x1234;
	assert_int_equal(ioapic_rte_read(&io, 24, &e), -EINVAL);
	assert_int_equal(ioapic_rte_read(&io, 1000, &e), -EINVAL);
	assert_true(e == 0x1234);
	assert_int_equal(chip.n, 0);
}

/* A live (unmasked) entry is masked before its high word changes. */
static void rte_write_live(void **state)
{
	(void)state;
	const unsigned pin = 3;
	const uint64_t old = 0x0100000000000033ull; /* vector 0x33 to APIC 1, unmasked */
	const uint64_t new = 0x0200000000008041ull; /* vector 0x41 to APIC 2, level, unmasked */

	chip_reset(23);
	chip.reg[0x16] = (uint32_t)old;
	chip.reg[0x17] = (uint32_t)(old >> 32);
	chip.watch_pin = pin;
	chip.watch_old = old;
	chip.watch_new = new;
	assert_int_equal(ioapic_rte_write(&io, pin, new), 0);
	assert_int_equal(chip.n, 4);
	expect_access(0, false, 0x16, 0x00000033);
	expect_access(1, true, 0x16, 0x00010033);
	expect_access(2, true, 0x17, 0x02000000);
	expect_access(3, true, 0x16, 0x00008041);
	assert_true(chip_rte(pin) == new);
	/* One register selection per window access. */
	assert_int_equal(chip.regsel_writes, 4);
}

/* Going from live to masked: still masked first, so the old low word never
 * meets the new high one unmasked. */
static void rte_write_live_to_masked(void **state)
{
	(void)state;
	const uint64_t old = 0x0100000000000033ull;
	const uint64_t new = 0x0200000000010041ull;

	chip_reset(23);
	chip.reg[0x10] = (uint32_t)old;
	chip.reg[0x11] = (uint32_t)(old >> 32);
	chip.watch_pin = 0;
	chip.watch_old = old;
	chip.watch_new = new;
	assert_int_equal(ioapic_rte_write(&io, 0, new), 0);
	assert_int_equal(chip.n, 4);
	expect_access(1, true, 0x10, 0x00010033);
	expect_access(2, true, 0x11, 0x02000000);
	expect_access(3, true, 0x10, 0x00010041);
	assert_true(chip_rte(0) == new);
}

/* An entry already masked needs no extra write: high, then low. */
static void rte_write_masked(void **state)
{
	(void)state;
	/* Remappable, index 0x8123, vector 0x40, level, active low, unmasked. */
	const uint64_t new = 0x024700000000a840ull;

	chip_reset(23);
	chip.watch_pin = 23;
	chip.watch_old = chip_rte(23);
	chip.watch_new = new;
	assert_int_equal(ioapic_rte_write(&io, 23, new), 0);
	assert_int_equal(chip.n, 3);
	expect_access(0, false, 0x3e, 0x00010037);
	expect_access(1, true, 0x3f, 0x02470000);
	expect_access(2, true, 0x3e, 0x0000a840);
	assert_true(chip_rte(23) == new);

	/* The read-only bits in place stay the chip's. */
	chip.reg[0x3e] |= 0x4000; /* remote IRR */
	chip.reg[0x3e] |= 0x10000;
	chip.watch_pin = -1;
	assert_int_equal(ioapic_rte_write(&io, 23, new), 0);
	assert_true(chip_rte(23) == (new | 0x4000));
}

static void rte_write_random(void **state)
{
	(void)state;
	rng_state = 0x10a41c;
	chip_reset(23);
	for (int i = 0; i < 2000; i++) {
		unsigned pin = (unsigned)(rng() % 24);
		uint64_t now = chip_rte(pin);
		uint64_t next = rng() & ~(uint64_t)RO_LOW;

		chip.watch_pin = (int)pin;
		chip.watch_old = now;
		chip.watch_new = next;
		chip.n = 0;
		assert_int_equal(ioapic_rte_write(&io, pin, next), 0);
		assert_true((chip_rte(pin) & ~(uint64_t)RO_LOW) == next);
		assert_int_equal(chip.n, (now & 0x10000) ? 3 : 4);
	}
}

static void rte_write_bounds(void **state)
{
	(void)state;
	chip_reset(7);
	assert_int_equal(ioapic_rte_write(&io, 8, 0), -EINVAL);
	assert_int_equal(ioapic_pin_mask(&io, 8, true), -EINVAL);
	assert_int_equal(chip.n, 0);
	assert_int_equal(chip.regsel_writes, 0);
	assert_int_equal(ioapic_rte_write(&io, 7, 0x10000), 0);
}

static void mask_all(void **state)
{
	(void)state;
	uint32_t before[256];

	rng_state = 0x3a5c;
	chip_reset(23);
	unsigned live = 0;
	for (unsigned pin = 0; pin < 24; pin++) {
		chip.reg[0x10 + 2 * pin] = (uint32_t)rng() & ~RO_LOW;
		chip.reg[0x11 + 2 * pin] = (uint32_t)rng();
		live += !(chip.reg[0x10 + 2 * pin] & 0x10000);
	}
	chip.reg[0x10 + 2 * 24] = 0x33; /* beyond max_entry: not touched */
	assert_true(live > 0 && live < 24);
	memcpy(before, chip.reg, sizeof(before));

	ioapic_mask_all(&io);
	unsigned writes = 0;
	for (unsigned i = 0; i < chip.n; i++)
		writes += chip.log[i].write;
	assert_int_equal(writes, live);
	for (unsigned pin = 0; pin < 24; pin++) {
		assert_int_equal(chip.reg[0x10 + 2 * pin], before[0x10 + 2 * pin] | 0x10000);
		assert_int_equal(chip.reg[0x11 + 2 * pin], before[0x11 + 2 * pin]);
	}
	assert_int_equal(chip.reg[0x10 + 2 * 24], 0x33);
}

static void pin_mask(void **state)
{
	(void)state;
	chip_reset(23);
	chip.reg[0x14] = 0x0001a931;
	chip.reg[0x15] = 0x0f000000;
	assert_int_equal(ioapic_pin_mask(&io, 2, false), 0);
	assert_int_equal(chip.reg[0x14], 0x0000a931);
	assert_int_equal(chip.reg[0x15], 0x0f000000);
	assert_int_equal(ioapic_pin_mask(&io, 2, true), 0);
	assert_int_equal(chip.reg[0x14], 0x0001a931);
	/* Low word only: read, write; twice. */
	assert_int_equal(chip.n, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(chip.log[i].reg, 0x14);
}

/* ---- compatibility format -------------------------------------------------- */

static void check_compat(const struct ioapic_rte *f, uint64_t want)
{
	uint64_t e = 0x5a5a;
	struct ioapic_rte back;

	assert_int_equal(ioapic_rte_encode(f, &e), 0);
	if (e != want)
		fail_msg("encoded %016llx, want %016llx", (unsigned long long)e,
			 (unsigned long long)want);
	memset(&back, 0xa5, sizeof(back));
	assert_int_equal(ioapic_rte_decode(want, &back), 0);
	assert_int_equal(back.vector, f->vector);
	assert_int_equal(back.dlm, f->dlm);
	assert_int_equal(back.dest_logical, f->dest_logical);
	assert_int_equal(back.active_low, f->active_low);
	assert_int_equal(back.level, f->level);
	assert_int_equal(back.masked, f->masked);
	assert_int_equal(back.dest, f->dest);
	assert_false(back.pending);
	assert_false(back.remote_irr);
}

static void compat_each_field(void **state)
{
	(void)state;
	struct ioapic_rte f;

#define ONE(setup, want) do { memset(&f, 0, sizeof(f)); f.vector = 0x10; setup; \
			      check_compat(&f, want); } while (0)
	ONE((void)0, 0x10);
	ONE(f.vector = 0xff, 0xff);
	ONE(f.dlm = IOAPIC_DLM_LOWEST, 0x110);
	ONE(f.dlm = IOAPIC_DLM_SMI, 0x210);
	ONE(f.dlm = IOAPIC_DLM_NMI, 0x410);
	ONE(f.dlm = IOAPIC_DLM_INIT, 0x510);
	ONE(f.dlm = IOAPIC_DLM_EXTINT, 0x710);
	ONE(f.dest_logical = true, 0x810);
	ONE(f.active_low = true, 0x2010);
	ONE(f.level = true, 0x8010);
	ONE(f.masked = true, 0x10010);
	ONE(f.dest = 0x01, 0x0100000000000010ull);
	ONE(f.dest = 0xa5, 0xa500000000000010ull);
	ONE(f.dest = 0xff, 0xff00000000000010ull);
	/* The vector does not matter for NMI: 0 is fine there. */
	ONE((f.dlm = IOAPIC_DLM_NMI, f.vector = 0), 0x400);
#undef ONE

	/* Everything at once: lowest priority vector 0x31 to logical set 0x0f,
	 * active low, level, masked. */
	struct ioapic_rte g = {
		.vector = 0x31, .dlm = IOAPIC_DLM_LOWEST, .dest_logical = true,
		.active_low = true, .level = true, .masked = true, .dest = 0x0f,
	};
	check_compat(&g, 0x0f0000000001a931ull);
}

static void compat_read_only_bits(void **state)
{
	(void)state;
	struct ioapic_rte f;
	uint64_t e;

	assert_int_equal(ioapic_rte_decode(0x0300000000009031ull, &f), 0);
	assert_true(f.pending);
	assert_false(f.remote_irr);
	assert_true(f.level);
	assert_int_equal(f.dest, 3);
	assert_int_equal(ioapic_rte_decode(0x0000000000004031ull, &f), 0);
	assert_false(f.pending);
	assert_true(f.remote_irr);

	/* Encoding ignores them. */
	f.pending = f.remote_irr = true;
	assert_int_equal(ioapic_rte_encode(&f, &e), 0);
	assert_true(e == 0x31);
}

static void compat_refusals(void **state)
{
	(void)state;
	struct ioapic_rte f = { .vector = 0x40 };
	uint64_t e = 0x77;

	for (unsigned dlm = 0; dlm < 256; dlm++) {
		f.dlm = (uint8_t)dlm;
		bool bad = dlm > 7 || dlm == 3 || dlm == 6;
		assert_int_equal(ioapic_rte_encode(&f, &e), bad ? -EINVAL : 0);
	}
	e = 0x77;
	f.dlm = IOAPIC_DLM_FIXED;
	f.vector = 0x0f;
	assert_int_equal(ioapic_rte_encode(&f, &e), -EINVAL);
	f.dlm = IOAPIC_DLM_LOWEST;
	assert_int_equal(ioapic_rte_encode(&f, &e), -EINVAL);
	assert_true(e == 0x77);
	f.vector = 0x10;
	assert_int_equal(ioapic_rte_encode(&f, &e), 0);

	/* Decoding: every reserved bit 55:17 (the format bit 48 among them),
	 * and the reserved delivery modes. */
	struct ioapic_rte back = { .vector = 0x99 };
	for (unsigned bit = 17; bit <= 55; bit++)
		assert_int_equal(ioapic_rte_decode(0x31 | 1ull << bit, &back), -EINVAL);
	assert_int_equal(ioapic_rte_decode(0x331, &back), -EINVAL);
	assert_int_equal(ioapic_rte_decode(0x631, &back), -EINVAL);
	assert_int_equal(back.vector, 0x99);
	assert_int_equal(ioapic_rte_decode(0xff0000000001ff31ull & ~0x600ull, &back), 0);
}

/* ---- remappable format ----------------------------------------------------- */

static void check_remap(const struct ioapic_rte_remap *f, uint64_t want)
{
	uint64_t e = 0x5a5a;
	struct ioapic_rte_remap back;

	assert_int_equal(ioapic_rte_remap_encode(f, &e), 0);
	if (e != want)
		fail_msg("encoded %016llx, want %016llx", (unsigned long long)e,
			 (unsigned long long)want);
	assert_true(ioapic_rte_is_remappable(e));
	memset(&back, 0xa5, sizeof(back));
	assert_int_equal(ioapic_rte_remap_decode(want, &back), 0);
	assert_int_equal(back.vector, f->vector);
	assert_int_equal(back.index, f->index);
	assert_int_equal(back.active_low, f->active_low);
	assert_int_equal(back.level, f->level);
	assert_int_equal(back.masked, f->masked);
	assert_false(back.pending);
	assert_false(back.remote_irr);
}

static void remap_each_field(void **state)
{
	(void)state;
	struct ioapic_rte_remap f;
	const uint64_t fmt = 1ull << 48;

#define ONE(setup, want) do { memset(&f, 0, sizeof(f)); setup; check_remap(&f, want); } while (0)
	ONE((void)0, fmt);
	ONE(f.vector = 0x01, fmt | 0x01);
	ONE(f.vector = 0xff, fmt | 0xff);
	ONE(f.active_low = true, fmt | 0x2000);
	ONE(f.level = true, fmt | 0x8000);
	ONE(f.masked = true, fmt | 0x10000);
	ONE(f.index = 0x8000, fmt | 0x800);
	ONE(f.index = 0xffff, 0xffff000000000800ull);
	ONE(f.index = 0x7fff, 0xffff000000000000ull);
	for (unsigned k = 0; k < 15; k++)
		ONE(f.index = 1u << k, fmt | 1ull << (49 + k));
#undef ONE

	/* Index 0x8123, vector 0x40, level, active low, masked. */
	struct ioapic_rte_remap g = {
		.vector = 0x40, .index = 0x8123, .active_low = true, .level = true, .masked = true,
	};
	check_remap(&g, 0x024700000001a840ull);
}

static void remap_refusals(void **state)
{
	(void)state;
	struct ioapic_rte_remap f = { .vector = 0x40, .index = 0x10000 };
	uint64_t e = 0x77;

	assert_int_equal(ioapic_rte_remap_encode(&f, &e), -EINVAL);
	f.index = 0xffffffffu;
	assert_int_equal(ioapic_rte_remap_encode(&f, &e), -EINVAL);
	assert_true(e == 0x77);

	struct ioapic_rte_remap back = { .vector = 0x99 };
	const uint64_t ok = 0x024700000001a840ull;
	assert_int_equal(ioapic_rte_remap_decode(ok & ~(1ull << 48), &back), -EINVAL);
	for (unsigned bit = 8; bit <= 10; bit++)
		assert_int_equal(ioapic_rte_remap_decode(ok | 1ull << bit, &back), -EINVAL);
	for (unsigned bit = 17; bit <= 47; bit++)
		assert_int_equal(ioapic_rte_remap_decode(ok | 1ull << bit, &back), -EINVAL);
	assert_int_equal(back.vector, 0x99);

	/* Each format's decoder refuses the other's entries. */
	struct ioapic_rte c;
	assert_int_equal(ioapic_rte_decode(ok, &c), -EINVAL);
	assert_int_equal(ioapic_rte_remap_decode(0x0f0000000001a931ull, &back), -EINVAL);
	assert_false(ioapic_rte_is_remappable(0x0f0000000001a931ull));
}

static void round_trips(void **state)
{
	(void)state;
	rng_state = 0xe0e0;
	for (int i = 0; i < 20000; i++) {
		uint64_t r = rng();
		struct ioapic_rte c;
		struct ioapic_rte_remap m;
		uint64_t e;

		if (ioapic_rte_decode(r & ~IOAPIC_RTE_RSVD_COMPAT, &c) == 0) {
			assert_int_equal(ioapic_rte_encode(&c, &e),
					 (c.dlm <= 1 && c.vector < 0x10) ? -EINVAL : 0);
			if (!(c.dlm <= 1 && c.vector < 0x10))
				assert_true(e == (r & ~IOAPIC_RTE_RSVD_COMPAT & ~0x5000ull));
		}
		uint64_t rm = (r & ~IOAPIC_RTE_RSVD_REMAP) | IOAPIC_RTE_REMAPPABLE;
		assert_int_equal(ioapic_rte_remap_decode(rm, &m), 0);
		assert_int_equal(ioapic_rte_remap_encode(&m, &e), 0);
		assert_true(e == (rm & ~0x5000ull));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(max_entry),
		cmocka_unit_test(direct_accessor_offsets),
		cmocka_unit_test(rte_read),
		cmocka_unit_test(rte_write_live),
		cmocka_unit_test(rte_write_live_to_masked),
		cmocka_unit_test(rte_write_masked),
		cmocka_unit_test(rte_write_random),
		cmocka_unit_test(rte_write_bounds),
		cmocka_unit_test(mask_all),
		cmocka_unit_test(pin_mask),
		cmocka_unit_test(compat_each_field),
		cmocka_unit_test(compat_read_only_bits),
		cmocka_unit_test(compat_refusals),
		cmocka_unit_test(remap_each_field),
		cmocka_unit_test(remap_refusals),
		cmocka_unit_test(round_trips),
	};
	return cmocka_run_group_tests_name("ioapic", tests, NULL, NULL);
}
