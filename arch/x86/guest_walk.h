/* Guest linear-to-physical translation through the guest's own page tables
 * (Intel SDM Vol. 3A, chapter 4; AMD APM Vol. 2, chapter 5), in software:
 * used to fetch the bytes of an instruction that exited (an MMIO access
 * on SVM without decode assists) and, later, to reach guest memory named
 * by guest linear addresses (string instruction operands).
 *
 * Paging modes, chosen from the control registers as the CPU does:
 *   CR0.PG = 0                  none: GPA = linear address (32 bits)
 *   CR4.PAE = 0                 32-bit paging: 4K pages, 4M with CR4.PSE
 *                               (PSE-36: PA bits 39:32 in PDE bits 20:13)
 *   CR4.PAE = 1, EFER.LMA = 0   PAE: 4-entry PDPT, 2M and 4K pages
 *   EFER.LMA = 1                4-level, or 5-level with CR4.LA57: 1G, 2M
 *                               and 4K pages; linear addresses must be
 *                               canonical (48 or 57 bits)
 * Checks, as a page walk makes them: present bits; reserved bits (physical
 * address bits at or above phys_bits, XD without EFER.NXE, PS in a
 * PML5E/PML4E, the low bits of 2M/1G/4M leaves, PAE PDPTE bits 2:1 and
 * 8:5); and the access rights of the access kind asked for: R/W (with
 * CR0.WP for supervisor writes), U/S, XD for fetches (EFER.NXE), SMEP for
 * supervisor fetches from user pages (CR4.SMEP). Not modelled: SMAP,
 * protection keys, the PDPTE registers of PAE (the PDPT is read from memory
 * at each walk, as AMD CPUs may do), and the accessed/dirty bits (the walk
 * writes nothing: the guest's CPU had set them when it faulted).
 *
 * Everything read through the callback comes from the guest and is
 * untrusted; a walk reads at most 5 entries. */
#ifndef ARCH_X86_GUEST_WALK_H
#define ARCH_X86_GUEST_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Page-fault error code bits (SDM Vol. 3A, 4.7). The same bits describe
 * the access asked for: GW_PFEC_W a write, GW_PFEC_U a user-mode (CPL 3)
 * access, GW_PFEC_I an instruction fetch; 0 is a supervisor data read. */
#define GW_PFEC_P    (1u << 0) /* protection violation (0: not present) */
#define GW_PFEC_W    (1u << 1)
#define GW_PFEC_U    (1u << 2)
#define GW_PFEC_RSVD (1u << 3) /* a reserved bit set in a present entry */
#define GW_PFEC_I    (1u << 4) /* reported only with EFER.NXE (PAE/long) or CR4.SMEP */

/* Control-register bits the walk reads. */
#define GW_CR0_WP    (1ull << 16)
#define GW_CR0_PG    (1ull << 31)
#define GW_CR4_PSE   (1ull << 4)
#define GW_CR4_PAE   (1ull << 5)
#define GW_CR4_LA57  (1ull << 12)
#define GW_CR4_SMEP  (1ull << 20)
#define GW_EFER_LMA  (1ull << 10)
#define GW_EFER_NXE  (1ull << 11)

struct guest_paging {
	uint64_t cr0, cr3, cr4, efer; /* the guest's, as the exit saved them */
	unsigned phys_bits;           /* MAXPHYADDR the guest sees (CPUID
				       * 0x80000008 EAX[7:0]); 0 means 52 */
	/* Reads the 8 bytes at gpa (always 8-byte aligned) of guest RAM into
	 * *val; false when gpa is not RAM (MMIO, a hole, beyond memory). */
	bool (*read)(void *ctx, uint64_t gpa, uint64_t *val);
	void *ctx;
};

struct guest_xlate {
	uint64_t gpa;       /* 0: the translation of the linear address */
	uint64_t page_size; /* 0: the page it lies in: 4K, 2M, 4M or 1G (4K
			     * with paging off) */
	uint32_t pfec;      /* -EFAULT: the #PF error code to deliver (with
			     * CR2 = the linear address) */
};

/* Translates linear address la for an access of kind access (GW_PFEC_W,
 * GW_PFEC_U, GW_PFEC_I or 0). Returns 0 and fills x->gpa and x->page_size,
 * or
 *   -EFAULT  a page fault: x->pfec;
 *   -EINVAL  la not canonical in long mode (#GP, not #PF), or no callback;
 *   -EIO     a paging-structure entry lies in a GPA that is not RAM (the
 *            callback refused it).
 * Outside long mode la is taken modulo 4 GiB, as the CPU forms it. */
int guest_walk(const struct guest_paging *pg, uint64_t la, unsigned access,
	       struct guest_xlate *x);

/* Reads len bytes of guest memory at linear address la into buf, page by
 * page (an instruction may cross a page boundary, or two), each page
 * translated for access (for an instruction: GW_PFEC_I, plus GW_PFEC_U at
 * CPL 3; 0 reads as a supervisor). Outside long mode the address wraps at
 * 4 GiB. Returns 0 when all len bytes are in buf; otherwise *fetched
 * bytes were read (buf[0..*fetched)) and the error of the first byte that
 * was not, at la + *fetched, is returned as guest_walk returns it (-EFAULT
 * with *pfec, -EINVAL, -EIO), or -EIO when that byte itself is not in RAM
 * (code in MMIO). fetched and pfec may be NULL.
 *
 * For an MMIO exit: fetch 15 bytes at CS.base + RIP; if that fails with
 * some bytes read, decode them all the same, and deliver the fault only if
 * the decoder says the instruction runs beyond them (insn_mmio.truncated):
 * an instruction that ends before an unmapped page never touches it. */
int guest_fetch(const struct guest_paging *pg, uint64_t la, unsigned access, uint8_t *buf,
		size_t len, size_t *fetched, uint32_t *pfec);

#endif
