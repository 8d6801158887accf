/* arch/x86/guest_walk.c: guest page walks in every paging mode, over page
 * tables built in a fake guest RAM: translations with 4K, 2M, 4M and 1G
 * pages, not-present and reserved-bit faults with their error codes,
 * access rights, canonical addresses, tables outside RAM, and instruction
 * fetches across page boundaries and address wrap.
 *
 * Besides the hand-built tables, 4-level and 5-level trees built by
 * arch/x86/pt.c (with random 4K/2M/1G leaves and rights) are walked at
 * random addresses and checked against pt_lookup.
 *
 * The entry bits are written here from the SDM's figures (Vol. 3A, 4.3
 * for 32-bit paging, 4.4 PAE, 4.5 4-level and 5-level), not with
 * guest_walk.c's constants. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/guest_walk.h"
#include "arch/x86/pt.h"
#include "arch/x86/sizes.h"

#define P    (1ull << 0)
#define RW   (1ull << 1)
#define US   (1ull << 2)
#define PS   (1ull << 7)
#define XD   (1ull << 63)

#define CR0_PG (1ull << 31)
#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#define PF_P    0x1u
#define PF_W    0x2u
#define PF_U    0x4u
#define PF_RSVD 0x8u
#define PF_I    0x10u


/* ---- the fake guest memory ------------------------------------------------------ */

/* RAM at [0, RAM_SIZE) with a hole at [HOLE_LO, HOLE_HI) (legacy VGA: not
 * RAM), and one more RAM page at the top of 4 GiB (the reset vector's
 * page) to fetch across the 4 GiB wrap. */
#define RAM_SIZE (32 * MIB)
#define HOLE_LO  0xa0000ull
#define HOLE_HI  0x100000ull
#define TOP_PAGE 0xfffff000ull

struct gmem {
	uint8_t *ram;
	uint8_t top[4096];
	unsigned reads;
	uint64_t next_table; /* bump allocator for tables */
};

static struct gmem mem;

static uint8_t *gpa_ptr(uint64_t gpa)
{
	if (gpa < RAM_SIZE && !(gpa >= HOLE_LO && gpa < HOLE_HI))
		return mem.ram + gpa;
	if (gpa >= TOP_PAGE && gpa < TOP_PAGE + 4096)
		return mem.top + (gpa - TOP_PAGE);
	return NULL;
}

static bool gmem_read(void *ctx, uint64_t gpa, uint64_t *val)
{
	uint8_t *p;

	assert_ptr_equal(ctx, &mem);
	if (gpa & 7)
		fail_msg("unaligned read at %#llx", (unsigned long long)gpa);
	p = gpa_ptr(gpa);
	if (!p)
		return false;
	memcpy(val, p, 8);
	mem.reads++;
	return true;
}

static void put64(uint64_t gpa, uint64_t v)
{
	uint8_t *p = gpa_ptr(gpa);

	assert_non_null(p);
	memcpy(p, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	uint8_t *p = gpa_ptr(gpa);

	assert_non_null(p);
	memcpy(p, &v, 4);
}

static int setup(void **state)
{
	(void)state;
	mem.ram = calloc(1, RAM_SIZE);
	memset(mem.top, 0, sizeof(mem.top));
	mem.reads = 0;
	mem.next_table = 16 * MIB; /* tables from here; data below */
	return mem.ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem.ram);
	mem.ram = NULL;
	return 0;
}

static uint64_t new_table(void)
{
	uint64_t t = mem.next_table;

	mem.next_table += 4096;
	assert_true(mem.next_table <= RAM_SIZE);
	memset(mem.ram + t, 0, 4096);
	return t;
}

static struct guest_paging paging(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	return (struct guest_paging){
		.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer, .read = gmem_read, .ctx = &mem,
	};
}

static struct guest_paging long_paging(uint64_t cr3)
{
	return paging(CR0_PG | CR0_WP | 1, cr3, CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE);
}

/* Maps la to gpa with a leaf of size (4K, 2M, 1G) in the 4- or 5-level
 * tree at root, creating tables (P|RW|US) as needed; returns the leaf's
 * GPA so a test can spoil it. */
static uint64_t lm_map(uint64_t root, unsigned levels, uint64_t la, uint64_t gpa, uint64_t size,
		       uint64_t leaf_flags)
{
	unsigned leaf_level = size == GIB ? 2 : size == 2 * MIB ? 1 : 0;
	uint64_t table = root;

	for (unsigned level = levels - 1;; level--) {
		uint64_t slot = table + ((la >> (12 + 9 * level)) & 511) * 8, e;

		if (level == leaf_level) {
			put64(slot, gpa | leaf_flags | (level ? PS : 0));
			return slot;
		}
		memcpy(&e, gpa_ptr(slot), 8);
		if (!(e & P)) {
			e = new_table() | P | RW | US;
			put64(slot, e);
		}
		table = e & 0x000ffffffffff000ull;
	}
}

static int walk(const struct guest_paging *pg, uint64_t la, unsigned access, uint64_t *gpa,
		uint64_t *size, uint32_t *pfec)
{
	struct guest_xlate x;
	int rc;

	memset(&x, 0x5a, sizeof(x));
	rc = guest_walk(pg, la, access, &x);
	if (gpa)
		*gpa = x.gpa;
	if (size)
		*size = x.page_size;
	if (pfec)
		*pfec = x.pfec;
	if (rc == 0)
		assert_int_equal(x.pfec, 0);
	else
		assert_int_equal(x.gpa, 0);
	return rc;
}

static void expect_xlate(const struct guest_paging *pg, uint64_t la, unsigned access,
			 uint64_t want_gpa, uint64_t want_size)
{
	uint64_t gpa, size;
	uint32_t pfec;
	int rc = walk(pg, la, access, &gpa, &size, &pfec);

	if (rc || gpa != want_gpa || size != want_size)
		fail_msg("la %#llx access %#x: rc %d gpa %#llx size %#llx pfec %#x, want gpa %#llx "
			 "size %#llx", (unsigned long long)la, access, rc, (unsigned long long)gpa,
			 (unsigned long long)size, pfec, (unsigned long long)want_gpa,
			 (unsigned long long)want_size);
}

static void expect_fault(const struct guest_paging *pg, uint64_t la, unsigned access,
			 uint32_t want_pfec)
{
	uint32_t pfec;
	int rc = walk(pg, la, access, NULL, NULL, &pfec);

	if (rc != -EFAULT || pfec != want_pfec)
		fail_msg("la %#llx access %#x: rc %d pfec %#x, want -EFAULT pfec %#x",
			 (unsigned long long)la, access, rc, pfec, want_pfec);
}

/* ---- paging off ------------------------------------------------------------------- */

static void paging_off(void **state)
{
	struct guest_paging pg = paging(1, 0x1000, 0, 0);

	(void)state;
	expect_xlate(&pg, 0x12345, 0, 0x12345, 4 * KIB);
	expect_xlate(&pg, 0xfee000f0, GW_PFEC_W, 0xfee000f0, 4 * KIB);
	/* Linear addresses are 32 bits. */
	expect_xlate(&pg, 0x123456789ull, GW_PFEC_I, 0x23456789, 4 * KIB);
	/* Nothing read. */
	assert_int_equal(mem.reads, 0);
	/* Real mode too (CR0.PE = 0). */
	pg.cr0 = 0;
	expect_xlate(&pg, 0xffff0, GW_PFEC_I, 0xffff0, 4 * KIB);
}

/* ---- 32-bit paging ------------------------------------------------------------------ */

static void paging_32bit(void **state)
{
	struct guest_paging pg = paging(CR0_PG | 1, 0x8000, 0, 0);

	(void)state;
	put32(0x8000 + 1 * 4, 0x9000 | P | RW | US);             /* PDE 1 -> PT */
	put32(0x9000 + 3 * 4, 0x00abc000 | P | RW | US);         /* PTE 3 */
	put32(0x9000 + 4 * 4, 0x00abd000 | P | US);              /* read-only */
	put32(0x9000 + 5 * 4, 0x00abe000 | P | RW);              /* supervisor */
	put32(0x8000 + 2 * 4, 0x00c00000 | PS | P | RW);         /* 4M (or a PT at 12M) */
	put32(0x00c00000 + 0x12 * 4, 0x00def000 | P | RW);       /* its PTE 0x12 as a PT */
	put32(0x8000 + 3 * 4, 0x01000000 | (0x95u << 13) | PS | P | RW); /* PSE-36 */
	put32(0x8000 + 4 * 4, 0x01400000 | (1u << 21) | PS | P | RW);    /* bit 21 */

	expect_xlate(&pg, 0x00403123, 0, 0xabc123, 4 * KIB);
	expect_xlate(&pg, 0x00403123, GW_PFEC_W | GW_PFEC_U, 0xabc123, 4 * KIB);
	/* Bits 63:32 of the address are not part of it. */
	expect_xlate(&pg, 0x100403123ull, 0, 0xabc123, 4 * KIB);

	/* Without CR4.PSE the PS bit is ignored: PDE 2 points to a table. */
	expect_xlate(&pg, 0x00812345, 0, 0xdef345, 4 * KIB);
	pg.cr4 = CR4_PSE;
	expect_xlate(&pg, 0x00812345, 0, 0xc12345, 4 * MIB);
	expect_xlate(&pg, 0x00bfffff, 0, 0xffffff, 4 * MIB);

	/* PSE-36: PDE bits 20:13 are PA bits 39:32, up to MAXPHYADDR. */
	pg.phys_bits = 40;
	expect_xlate(&pg, 0x00c00010, 0, 0x9501000010ull, 4 * MIB);
	pg.phys_bits = 36;
	expect_fault(&pg, 0x00c00010, 0, PF_P | PF_RSVD);
	/* Bit 21 is reserved whatever MAXPHYADDR is. */
	pg.phys_bits = 52;
	expect_fault(&pg, 0x01000000, 0, PF_P | PF_RSVD);
	expect_fault(&pg, 0x01000000, GW_PFEC_W, PF_P | PF_RSVD | PF_W);

	/* Not present: PDE, then PTE. */
	expect_fault(&pg, 0x40000000, 0, 0);
	expect_fault(&pg, 0x40000000, GW_PFEC_W | GW_PFEC_U, PF_W | PF_U);
	expect_fault(&pg, 0x00406000, GW_PFEC_W, PF_W);
	/* No XD in 32-bit paging: I is reported only with SMEP. */
	expect_fault(&pg, 0x00406000, GW_PFEC_I, 0);
	pg.cr4 |= CR4_SMEP;
	expect_fault(&pg, 0x00406000, GW_PFEC_I, PF_I);
	/* SMEP: a supervisor fetch from a user page faults; a user one does not. */
	expect_fault(&pg, 0x00403000, GW_PFEC_I, PF_P | PF_I);
	expect_xlate(&pg, 0x00403000, GW_PFEC_I | GW_PFEC_U, 0xabc000, 4 * KIB);
	pg.cr4 &= ~CR4_SMEP;
	expect_xlate(&pg, 0x00403000, GW_PFEC_I, 0xabc000, 4 * KIB);

	/* Rights: read-only page, supervisor page. */
	expect_xlate(&pg, 0x00404000, GW_PFEC_U, 0xabd000, 4 * KIB);
	expect_fault(&pg, 0x00404000, GW_PFEC_W | GW_PFEC_U, PF_P | PF_W | PF_U);
	expect_xlate(&pg, 0x00404000, GW_PFEC_W, 0xabd000, 4 * KIB); /* CR0.WP = 0 */
	pg.cr0 |= CR0_WP;
	expect_fault(&pg, 0x00404000, GW_PFEC_W, PF_P | PF_W);
	expect_fault(&pg, 0x00405000, GW_PFEC_U, PF_P | PF_U);
	expect_xlate(&pg, 0x00405000, GW_PFEC_W, 0xabe000, 4 * KIB);
	/* The PDE's rights count too. */
	put32(0x8000 + 1 * 4, 0x9000 | P | US);
	expect_fault(&pg, 0x00403000, GW_PFEC_W, PF_P | PF_W);
	put32(0x8000 + 1 * 4, 0x9000 | P | RW);
	expect_fault(&pg, 0x00403000, GW_PFEC_U, PF_P | PF_U);
}

/* ---- PAE paging ------------------------------------------------------------------ */

static void paging_pae(void **state)
{
	/* The PDPT is 32-byte aligned, not page aligned. */
	struct guest_paging pg = paging(CR0_PG | CR0_WP | 1, 0x5020, CR4_PAE, 0);
	uint64_t la = (1ull << 30) | (3ull << 21) | (5ull << 12) | 0x456;

	(void)state;
	put64(0x5020 + 1 * 8, 0x6000 | P);                       /* PDPTE 1 */
	put64(0x6000 + 3 * 8, 0x7000 | P | RW | US);             /* PDE 3 -> PT */
	put64(0x7000 + 5 * 8, 0x123000 | P | RW | US);           /* PTE 5 */
	put64(0x6000 + 4 * 8, 0x800000 | PS | P | RW);           /* 2M */
	put64(0x6000 + 6 * 8, 0x7000 | P | RW | US | XD);        /* PT, XD above */

	expect_xlate(&pg, la, 0, 0x123456, 4 * KIB);
	expect_xlate(&pg, la, GW_PFEC_U | GW_PFEC_W, 0x123456, 4 * KIB);
	expect_xlate(&pg, 0x100000000ull | la, 0, 0x123456, 4 * KIB);
	expect_xlate(&pg, (1ull << 30) | (4ull << 21) | 0x12345, 0, 0x812345, 2 * MIB);
	/* PAE's 2M pages need no CR4.PSE. */
	expect_fault(&pg, (1ull << 30) | (4ull << 21), GW_PFEC_U, PF_P | PF_U);

	/* Not present at each level. */
	expect_fault(&pg, 0, 0, 0);                                  /* PDPTE 0 */
	expect_fault(&pg, (1ull << 30) | (7ull << 21), GW_PFEC_W, PF_W); /* PDE 7 */
	expect_fault(&pg, la + 0x1000, 0, 0);                       /* PTE 6 */

	/* XD without EFER.NXE is reserved; with it, fetches fault. */
	expect_fault(&pg, (1ull << 30) | (6ull << 21) | (5ull << 12), 0, PF_P | PF_RSVD);
	pg.efer = EFER_NXE;
	expect_xlate(&pg, (1ull << 30) | (6ull << 21) | (5ull << 12), 0, 0x123000, 4 * KIB);
	expect_fault(&pg, (1ull << 30) | (6ull << 21) | (5ull << 12), GW_PFEC_I, PF_P | PF_I);
	expect_xlate(&pg, la, GW_PFEC_I, 0x123456, 4 * KIB);
	/* With NXE the I bit is in the error codes of fetches. */
	expect_fault(&pg, 0, GW_PFEC_I, PF_I);

	/* Reserved: PDPTE bits 2:1 and 8:5, and 63 (XD) even with NXE. */
	put64(0x5020 + 2 * 8, 0x6000 | P | RW);
	expect_fault(&pg, 2ull << 30, 0, PF_P | PF_RSVD);
	put64(0x5020 + 2 * 8, 0x6000 | P | (1ull << 5));
	expect_fault(&pg, 2ull << 30, 0, PF_P | PF_RSVD);
	put64(0x5020 + 2 * 8, 0x6000 | P | XD);
	expect_fault(&pg, 2ull << 30, 0, PF_P | PF_RSVD);
	put64(0x5020 + 2 * 8, 0x6000 | P);
	expect_xlate(&pg, (2ull << 30) | (3ull << 21) | (5ull << 12), 0, 0x123000, 4 * KIB);

	/* A 2M leaf's bits 20:13 are reserved. */
	put64(0x6000 + 8 * 8, 0xa00000 | (1ull << 13) | PS | P);
	expect_fault(&pg, (1ull << 30) | (8ull << 21), 0, PF_P | PF_RSVD);
	put64(0x6000 + 8 * 8, 0xa00000 | (1ull << 20) | PS | P);
	expect_fault(&pg, (1ull << 30) | (8ull << 21), 0, PF_P | PF_RSVD);

	/* Address bits at or above MAXPHYADDR. */
	put64(0x7000 + 9 * 8, (1ull << 40) | 0x5000 | P);
	expect_xlate(&pg, (1ull << 30) | (3ull << 21) | (9ull << 12), 0, (1ull << 40) | 0x5000,
		     4 * KIB);
	pg.phys_bits = 40;
	expect_fault(&pg, (1ull << 30) | (3ull << 21) | (9ull << 12), 0, PF_P | PF_RSVD);
	pg.phys_bits = 41;
	expect_xlate(&pg, (1ull << 30) | (3ull << 21) | (9ull << 12), 0, (1ull << 40) | 0x5000,
		     4 * KIB);
}

/* ---- 4-level and 5-level paging --------------------------------------------------- */

static void paging_4level(void **state)
{
	uint64_t root = new_table();
	struct guest_paging pg = long_paging(root);
	uint64_t slot;

	(void)state;
	lm_map(root, 4, 0x00007f1234567000ull, 0x1abc000, 4 * KIB, P | RW | US);
	lm_map(root, 4, 0x0000000040200000ull, 0x3e00000, 2 * MIB, P | RW);
	lm_map(root, 4, 0xffff800000000000ull, 0x80000000ull, GIB, P | RW);
	lm_map(root, 4, 0xfffffffffffff000ull, 0x2000, 4 * KIB, P);

	expect_xlate(&pg, 0x00007f1234567abcull, 0, 0x1abcabc, 4 * KIB);
	expect_xlate(&pg, 0x00007f1234567abcull, GW_PFEC_U | GW_PFEC_W, 0x1abcabc, 4 * KIB);
	expect_xlate(&pg, 0x00000000403fffffull, GW_PFEC_W, 0x3ffffff, 2 * MIB);
	expect_xlate(&pg, 0xffff80003ffffff8ull, 0, 0xbffffff8ull, GIB);
	expect_xlate(&pg, 0xffffffffffffffffull, 0, 0x2fff, 4 * KIB);
	/* CR3's low bits (PCID, PWT/PCD) are not part of the address. */
	pg.cr3 = root | 0x5;
	expect_xlate(&pg, 0x00007f1234567abcull, 0, 0x1abcabc, 4 * KIB);
	pg.cr3 = root;

	/* Canonical addresses only: 48 bits. */
	assert_int_equal(walk(&pg, 0x0000800000000000ull, 0, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(walk(&pg, 0xffff7ffffffff000ull, 0, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(walk(&pg, 0x00ff800000001000ull, 0, NULL, NULL, NULL), -EINVAL);

	/* Not present, with the access bits. */
	expect_fault(&pg, 0x0000100000000000ull, 0, 0);
	expect_fault(&pg, 0x0000100000000000ull, GW_PFEC_W | GW_PFEC_U, PF_W | PF_U);
	expect_fault(&pg, 0x0000100000000000ull, GW_PFEC_I, PF_I); /* NXE */
	expect_fault(&pg, 0x00007f1234568000ull, GW_PFEC_W, PF_W); /* PTE */

	/* Rights. */
	expect_fault(&pg, 0x0000000040200000ull, GW_PFEC_U, PF_P | PF_U);
	expect_fault(&pg, 0xfffffffffffff000ull, GW_PFEC_W, PF_P | PF_W);
	pg.cr0 &= ~CR0_WP;
	expect_xlate(&pg, 0xfffffffffffff000ull, GW_PFEC_W, 0x2000, 4 * KIB);
	pg.cr0 |= CR0_WP;
	pg.cr4 |= CR4_SMEP;
	expect_fault(&pg, 0x00007f1234567000ull, GW_PFEC_I, PF_P | PF_I);
	expect_xlate(&pg, 0x00007f1234567000ull, GW_PFEC_I | GW_PFEC_U, 0x1abc000, 4 * KIB);
	pg.cr4 &= ~CR4_SMEP;

	/* XD at a non-leaf level applies to everything below. */
	slot = root + 0x1ff * 8; /* PML4E of 0xffffff80_00000000 */
	put64(slot, *(uint64_t *)gpa_ptr(slot) | XD);
	expect_xlate(&pg, 0xfffffffffffff000ull, 0, 0x2000, 4 * KIB);
	expect_fault(&pg, 0xfffffffffffff000ull, GW_PFEC_I, PF_P | PF_I);
	pg.efer &= ~EFER_NXE;
	expect_fault(&pg, 0xfffffffffffff000ull, 0, PF_P | PF_RSVD);
	pg.efer |= EFER_NXE;

	/* Reserved bits. PS in a PML4E: */
	slot = root + 0x10 * 8;
	put64(slot, new_table() | PS | P | RW);
	expect_fault(&pg, 0x0000080000000000ull, 0, PF_P | PF_RSVD);
	/* a 1G leaf's bits 29:13, a 2M leaf's bits 20:13: */
	slot = lm_map(root, 4, 0x0000008000000000ull, 0x40000000ull | (1ull << 13), GIB, P);
	expect_fault(&pg, 0x0000008000000000ull, 0, PF_P | PF_RSVD);
	put64(slot, 0x40000000ull | (1ull << 29) | PS | P);
	expect_fault(&pg, 0x0000008000000000ull, GW_PFEC_W, PF_P | PF_W | PF_RSVD);
	put64(slot, 0x40000000ull | PS | P);
	expect_xlate(&pg, 0x0000008000000123ull, 0, 0x40000123ull, GIB);
	slot = lm_map(root, 4, 0x0000000040400000ull, 0x600000 | (1ull << 20), 2 * MIB, P);
	expect_fault(&pg, 0x0000000040400000ull, 0, PF_P | PF_RSVD);
	put64(slot, 0x600000 | (1ull << 13) | PS | P);
	expect_fault(&pg, 0x0000000040400000ull, 0, PF_P | PF_RSVD);
	put64(slot, 0x600000 | (1ull << 12) | PS | P); /* PAT */
	expect_xlate(&pg, 0x0000000040400000ull, 0, 0x600000, 2 * MIB);
	/* and address bits at or above MAXPHYADDR, in a leaf or a table. */
	slot = lm_map(root, 4, 0x00007f1234569000ull, (1ull << 51) | 0x7000, 4 * KIB, P);
	expect_xlate(&pg, 0x00007f1234569000ull, 0, (1ull << 51) | 0x7000, 4 * KIB);
	pg.phys_bits = 48;
	expect_fault(&pg, 0x00007f1234569000ull, 0, PF_P | PF_RSVD);
	expect_xlate(&pg, 0x00007f1234567000ull, 0, 0x1abc000, 4 * KIB);
	put64(root + 0x20 * 8, (1ull << 48) | 0x3000 | P);
	expect_fault(&pg, 0x0000100000000000ull, 0, PF_P | PF_RSVD);
	pg.phys_bits = 0;
	/* Bits 62:52 are ignored (software-available). */
	put64(slot, (0x7ffull << 52) | 0x7000 | P);
	expect_xlate(&pg, 0x00007f1234569000ull, 0, 0x7000, 4 * KIB);

	/* A table outside RAM: -EIO. */
	put64(root + 0x30 * 8, HOLE_LO | P | RW);
	assert_int_equal(walk(&pg, 0x0000180000000000ull, 0, NULL, NULL, NULL), -EIO);
	put64(root + 0x31 * 8, 0x40000000ull | P | RW);
	assert_int_equal(walk(&pg, 0x0000188000000000ull, 0, NULL, NULL, NULL), -EIO);
}

static void paging_5level(void **state)
{
	uint64_t root = new_table();
	struct guest_paging pg = long_paging(root);

	(void)state;
	pg.cr4 |= CR4_LA57;
	lm_map(root, 5, 0x00ff800000001000ull, 0x5000, 4 * KIB, P | RW);
	lm_map(root, 5, 0xff00000000000000ull, 0x200000, 2 * MIB, P | RW);
	lm_map(root, 5, 0x0000000000000000ull, 0x40000000, GIB, P | RW);

	expect_xlate(&pg, 0x00ff800000001234ull, 0, 0x5234, 4 * KIB);
	expect_xlate(&pg, 0xff000000000fffffull, 0, 0x2fffff, 2 * MIB);
	expect_xlate(&pg, 0x0000000000012345ull, 0, 0x40012345, GIB);
	/* 57-bit canonical: bit 56 is the sign. */
	assert_int_equal(walk(&pg, 0x0100000000000000ull, 0, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(walk(&pg, 0xfeffffffffffffffull, 0, NULL, NULL, NULL), -EINVAL);
	expect_fault(&pg, 0x0080000000000000ull, 0, 0);
	/* PS in a PML5E is reserved. */
	put64(root + 0x100 * 8, new_table() | PS | P);
	expect_fault(&pg, 0xff00000000000000ull, 0, PF_P | PF_RSVD);
	/* The same tables without LA57: the PML5 read as a PML4. */
	pg.cr4 &= ~CR4_LA57;
	assert_int_equal(walk(&pg, 0x00ff800000001234ull, 0, NULL, NULL, NULL), -EINVAL);
}

/* ---- against arch/x86/pt.c ----------------------------------------------------------- */

static uint64_t pt_env_alloc(void *ctx)
{
	(void)ctx;
	return new_table();
}

static void pt_env_free(void *ctx, uint64_t phys)
{
	(void)ctx;
	(void)phys; /* the bump allocator never reuses */
}

static uint64_t *pt_env_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (uint64_t *)gpa_ptr(phys);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void against_pt(unsigned levels)
{
	struct pt_format fmt = pt_format_x86_4level;
	struct pt_env env = {
		.alloc_table = pt_env_alloc, .free_table = pt_env_free, .table_ptr = pt_env_ptr,
	};
	struct pt pt;
	unsigned va_bits = 12 + 9 * levels;
	uint64_t va_limit = 1ull << va_bits, sign = va_limit >> 1;
	/* Regions where the mappings cluster: low, below the middle, the top. */
	uint64_t bases[3] = { 0, sign - 64 * GIB, va_limit - 64 * GIB };
	static const unsigned accesses[] = {
		0, GW_PFEC_W, GW_PFEC_U, GW_PFEC_U | GW_PFEC_W, GW_PFEC_I, GW_PFEC_I | GW_PFEC_U,
	};
	unsigned present = 0, faults = 0;

	fmt.levels = levels;
	fmt.large_levels |= 1u << 2;
	assert_int_equal(pt_init(&pt, &fmt, &env), 0);

	for (unsigned k = 0; k < 300; k++) {
		static const uint64_t sizes[] = { 4 * KIB, 16 * KIB, 2 * MIB, 4 * MIB, GIB };
		uint64_t size = sizes[rng() % 5];
		uint64_t va = bases[rng() % 3] + (rng() % (64 * GIB / size)) * size;
		uint64_t pa = (rng() % (1ull << 39)) & ~(size - 1);
		uint64_t flags = (rng() & 1 ? PTE_W : 0) | (rng() & 1 ? PTE_U : 0) |
				 (rng() % 4 == 0 ? PTE_NX : 0);

		if (rng() % 6 == 0)
			assert_int_equal(pt_unmap(&pt, va, size), 0);
		else
			assert_int_equal(pt_map(&pt, va, pa, size, flags), 0);
	}

	for (unsigned k = 0; k < 20000; k++) {
		uint64_t va = (bases[rng() % 3] + rng() % (64 * GIB)) & ~7ull;
		uint64_t la = va & sign ? va | ~(va_limit - 1) : va; /* canonical */
		uint64_t pa, flags, leaf;
		bool mapped = pt_lookup(&pt, va, &pa, &flags, &leaf) == 0;
		unsigned access = accesses[rng() % 6];
		struct guest_paging pg = long_paging(pt.root);
		uint64_t gpa, size;
		uint32_t pfec, want_pfec;
		bool user = access & GW_PFEC_U, fault;
		int rc;

		if (levels == 5)
			pg.cr4 |= CR4_LA57;
		if (rng() & 1)
			pg.cr4 |= CR4_SMEP;
		if (rng() & 1)
			pg.cr0 &= ~CR0_WP;
		rc = walk(&pg, la, access, &gpa, &size, &pfec);
		want_pfec = access & (GW_PFEC_W | GW_PFEC_U | GW_PFEC_I); /* NXE: I reported */
		if (!mapped) {
			if (rc != -EFAULT || pfec != want_pfec)
				fail_msg("la %#llx: unmapped, rc %d pfec %#x",
					 (unsigned long long)la, rc, pfec);
			faults++;
			continue;
		}
		fault = (user && !(flags & PTE_U)) ||
			((access & GW_PFEC_W) && !(flags & PTE_W) && (user || (pg.cr0 & CR0_WP))) ||
			((access & GW_PFEC_I) && (flags & PTE_NX)) ||
			((access & GW_PFEC_I) && !user && (flags & PTE_U) && (pg.cr4 & CR4_SMEP));
		if (fault) {
			if (rc != -EFAULT || pfec != (want_pfec | PF_P))
				fail_msg("la %#llx access %#x flags %#llx: rc %d pfec %#x",
					 (unsigned long long)la, access,
					 (unsigned long long)flags, rc, pfec);
			faults++;
			continue;
		}
		if (rc || gpa != pa || size != leaf)
			fail_msg("la %#llx: rc %d gpa %#llx size %#llx, pt says %#llx size %#llx",
				 (unsigned long long)la, rc, (unsigned long long)gpa,
				 (unsigned long long)size, (unsigned long long)pa,
				 (unsigned long long)leaf);
		present++;
	}
	assert_true(present > 2000 && faults > 2000);
	pt_destroy(&pt);
}

static void against_pt_4level(void **state)
{
	(void)state;
	against_pt(4);
}

static void against_pt_5level(void **state)
{
	(void)state;
	against_pt(5);
}

/* ---- guest_fetch ------------------------------------------------------------------- */

static void fill(uint64_t gpa, const void *bytes, size_t n)
{
	for (size_t k = 0; k < n; k++)
		*gpa_ptr(gpa + k) = ((const uint8_t *)bytes)[k];
}

static const uint8_t code[15] = { 0x2e, 0x64, 0x67, 0x48, 0xc7, 0x84, 0x88, 0x00,
				  0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 };

static void fetch_crosses_pages(void **state)
{
	uint64_t root = new_table();
	struct guest_paging pg = long_paging(root);
	uint8_t buf[16];
	size_t got;
	uint32_t pfec;

	(void)state;
	/* Two adjacent linear pages on non-adjacent, reversed frames. */
	lm_map(root, 4, 0x400000, 0x600000, 4 * KIB, P | RW | US);
	lm_map(root, 4, 0x401000, 0x500000, 4 * KIB, P | RW | US);
	fill(0x600ffa, code, 6);
	fill(0x500000, code + 6, 9);

	for (size_t len = 0; len <= 15; len++) {
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(guest_fetch(&pg, 0x400ffa, GW_PFEC_I, buf, len, &got, &pfec), 0);
		assert_int_equal(got, len);
		assert_memory_equal(buf, code, len);
		assert_int_equal(buf[len], 0xee);
	}
	/* Within one page, from every alignment. */
	for (uint64_t off = 0; off < 16; off++) {
		fill(0x600100 + off, code, 15);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(guest_fetch(&pg, 0x400100 + off, GW_PFEC_I, buf, 15, NULL, NULL),
				 0);
		assert_memory_equal(buf, code, 15);
	}

	/* The second page not present: six bytes, then the fault for the
	 * seventh (a fetch: I, as EFER.NXE is set; U at CPL 3). */
	lm_map(root, 4, 0x401000, 0, 4 * KIB, 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(guest_fetch(&pg, 0x400ffa, GW_PFEC_I, buf, 15, &got, &pfec), -EFAULT);
	assert_int_equal(got, 6);
	assert_int_equal(pfec, PF_I);
	assert_memory_equal(buf, code, 6);
	assert_int_equal(guest_fetch(&pg, 0x400ffa, GW_PFEC_I | GW_PFEC_U, buf, 15, &got, &pfec),
			 -EFAULT);
	assert_int_equal(pfec, PF_I | PF_U);
	/* An instruction that ends at the page's end needs nothing more. */
	assert_int_equal(guest_fetch(&pg, 0x400ffa, GW_PFEC_I, buf, 6, &got, &pfec), 0);
	assert_int_equal(got, 6);
	assert_int_equal(pfec, 0);

	/* The second page is XD: a fetch faults, a read does not. */
	lm_map(root, 4, 0x401000, 0x500000, 4 * KIB, P | RW | US | XD);
	assert_int_equal(guest_fetch(&pg, 0x400ffa, GW_PFEC_I, buf, 15, &got, &pfec), -EFAULT);
	assert_int_equal(got, 6);
	assert_int_equal(pfec, PF_P | PF_I);
	assert_int_equal(guest_fetch(&pg, 0x400ffa, 0, buf, 15, &got, &pfec), 0);
	assert_memory_equal(buf, code, 15);

	/* Code in MMIO: -EIO, with the bytes before it. */
	lm_map(root, 4, 0x401000, HOLE_LO, 4 * KIB, P | RW | US);
	assert_int_equal(guest_fetch(&pg, 0x400ffa, GW_PFEC_I, buf, 15, &got, &pfec), -EIO);
	assert_int_equal(got, 6);

	/* Running into the non-canonical hole: -EINVAL (#GP) after 6 bytes. */
	lm_map(root, 4, 0x00007ffffffff000ull, 0x600000, 4 * KIB, P | RW | US);
	assert_int_equal(guest_fetch(&pg, 0x00007ffffffffffaull, GW_PFEC_I, buf, 15, &got,
				     &pfec), -EINVAL);
	assert_int_equal(got, 6);
	assert_memory_equal(buf, code, 6);

	/* Nothing fetched at all. */
	assert_int_equal(guest_fetch(&pg, 0x0000100000000000ull, GW_PFEC_I, buf, 15, &got, &pfec),
			 -EFAULT);
	assert_int_equal(got, 0);
	assert_int_equal(guest_fetch(NULL, 0x400000, 0, buf, 15, &got, &pfec), -EINVAL);
	assert_int_equal(guest_fetch(&pg, 0x400000, 0, NULL, 15, &got, &pfec), -EINVAL);
}

/* Outside long mode linear addresses wrap at 4 GiB, also mid-instruction. */
static void fetch_wraps_at_4g(void **state)
{
	struct guest_paging pg = paging(CR0_PG | 1, 0x8000, CR4_PSE, 0);
	uint8_t buf[16];
	size_t got;

	(void)state;
	memset(mem.ram + 0x8000, 0, 4096);
	put32(0x8000 + 1023 * 4, 0x9000 | P | RW);       /* 0xffc00000: PT */
	put32(0x9000 + 1023 * 4, 0x00700000 | P | RW);   /* 0xfffff000 */
	put32(0x8000 + 0 * 4, 0x00000000 | PS | P | RW); /* 0: a 4M page */
	fill(0x700ffd, code, 3);
	fill(0x000000, code + 3, 12);
	assert_int_equal(guest_fetch(&pg, 0xfffffffd, GW_PFEC_I, buf, 15, &got, NULL), 0);
	assert_int_equal(got, 15);
	assert_memory_equal(buf, code, 15);

	/* Paging off: the top page of 4 GiB, then GPA 0. */
	pg = paging(1, 0, 0, 0);
	memcpy(mem.top + 4096 - 4, code, 4);
	fill(0, code + 4, 11);
	assert_int_equal(guest_fetch(&pg, 0xfffffffc, GW_PFEC_I, buf, 15, &got, NULL), 0);
	assert_memory_equal(buf, code, 15);
	/* Real mode: CS.base + IP above 1 MiB (A20 on) is still RAM here. */
	fill(0x10ffe0, code, 15);
	assert_int_equal(guest_fetch(&pg, 0x10ffe0, GW_PFEC_I, buf, 15, &got, NULL), 0);
	assert_memory_equal(buf, code, 15);
	/* The legacy hole is not RAM. */
	assert_int_equal(guest_fetch(&pg, HOLE_LO - 4, GW_PFEC_I, buf, 15, &got, NULL), -EIO);
	assert_int_equal(got, 4);
}

static void bad_arguments(void **state)
{
	struct guest_paging pg = long_paging(0x1000);
	struct guest_xlate x;

	(void)state;
	assert_int_equal(guest_walk(&pg, 0, 0, NULL), -EINVAL);
	assert_int_equal(guest_walk(NULL, 0, 0, &x), -EINVAL);
	pg.read = NULL;
	assert_int_equal(guest_walk(&pg, 0, 0, &x), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(paging_off, setup, teardown),
		cmocka_unit_test_setup_teardown(paging_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(paging_pae, setup, teardown),
		cmocka_unit_test_setup_teardown(paging_4level, setup, teardown),
		cmocka_unit_test_setup_teardown(paging_5level, setup, teardown),
		cmocka_unit_test_setup_teardown(against_pt_4level, setup, teardown),
		cmocka_unit_test_setup_teardown(against_pt_5level, setup, teardown),
		cmocka_unit_test_setup_teardown(fetch_crosses_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(fetch_wraps_at_4g, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
	};
	return cmocka_run_group_tests_name("guest_walk", tests, NULL, NULL);
}
