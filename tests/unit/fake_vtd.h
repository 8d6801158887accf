/* A recording fake of one VT-d remapping unit (Intel VT-d specification 4.1)
 * behind struct vtd_env, for host unit tests of iommu/vtd_unit.c,
 * vtd_domain.c, vtd_fault.c and vtd_ir.c.
 *
 * Memory: every page the code allocates is a page-aligned host allocation
 * whose address doubles as its "physical address". Each page has up to three
 * views: what the CPU wrote (the allocation itself); what memory holds (when
 * page walks do not snoop, ECAP.C=0: only clflush copies the CPU's bytes
 * there, and a new page starts as garbage); and what the remapping hardware
 * sees (when CAP.RWBF=1: memory as of the last write-buffer flush, explicit
 * or implied by an invalidation). The hardware walks the last of these.
 *
 * Registers: VER, CAP, ECAP, GCMD/GSTS (one command per write, persistent
 * bits carried, status after `latency` register reads), RTADDR, CCMD, the
 * IOTLB registers at ECAP.IRO, IQA/IQH/IQT/ICS with descriptors fetched when
 * IQT is written, FSTS/FECTL/FEDATA/FEADDR/FEUADDR, PMEN, IRTA and the fault
 * recording registers at CAP.FRO. Wrong widths, reserved commands and
 * sequences the specification (or QEMU 7.2, which aborts or stalls on
 * some) forbids are recorded as errors: a test fails on any
 * (fake_vtd.errors, error_text).
 *
 * Caches: a context cache keyed by source-id (not-present entries too,
 * under domain 0, when CAP.CM=1) and an IOTLB keyed by (domain, level,
 * address) that holds leaves, paging-structure entries (the tables on the
 * way) and, with CAP.CM=1, not-present entries. fake_translate() uses and
 * fills them like hardware; with `speculative` (the default) the fake also
 * caches every entry the hardware could reach at every fake_check_coherent()
 * and after every invalidation, as hardware may at any time.
 *
 * The checker, fake_check_coherent(): every cached entry must equal what a
 * fresh walk of the tables gives now (a change made without the
 * invalidation it needs shows as stale), every table the hardware can reach
 * must read the same in the hardware's view as in the CPU's (written and
 * not flushed, or no write-buffer flush), and no reachable or cached
 * structure may point at a freed page (also checked at every free).
 *
 * The reference walker is written from the specification (3.4-3.7, 9.1,
 * 9.3, 9.8) with its own constants; it shares no code with iommu/ or
 * arch/x86/pt.c. Table addresses are host pointers (47 bits), so host
 * address width bits in entries are not checked.
 *
 * Interrupt remapping (5.1, 9.10, the IEC invalidate descriptor of 6.5.2),
 * for iommu/vtd_ir.c, written with its own constants too (no code shared
 * with iommu/irte.c, so it is an independent reference):
 *  - SIRTP latches IRTA (irta_latched): reserved bits 10:4, EIME without
 *    ECAP.EIM and a table (2^(S+1) 16-byte entries) that is not all live
 *    pages of the fake are errors. GCMD.IRE on needs SIRTP and a global IEC
 *    invalidation since that SIRTP (the TE check's counterpart), QI on, and
 *    no stale IEC entry at that moment.
 *  - An interrupt entry cache (IEC): per index, a copy of the 128-bit entry
 *    as the hardware read it. fake_interrupt() fills it (present entries;
 *    not-present ones too when CAP.CM=1) and uses it; with `speculative`,
 *    every entry of the table is cached while IRE is on, at every
 *    fake_check_coherent() and after every IEC invalidation, as hardware
 *    may prefetch. IEC descriptors drop every entry (global) or the
 *    naturally aligned block of 2^IM indexes holding IIDX (index); like the
 *    other invalidations they imply a write-buffer flush; reserved bits in
 *    the descriptor are a queue error.
 *  - fake_interrupt(): a DMA write to 0xFEEx_xxxx. IRE off: passed through
 *    (decoded as compatibility format). Compatibility format (address bit
 *    4 = 0): passed through when GSTS.CFI is set and IRTA.EIME clear,
 *    blocked (0x25) otherwise. Remappable format: handle = address bits
 *    19:5 with bit 2 as handle[15], plus the data's subhandle (15:0) when
 *    SHV (bit 3); data bits 31:16 set: 0x20; index beyond the latched
 *    table: 0x21; no live page holds the entry: 0x23; not present: 0x22;
 *    reserved bits (14:12, 31:24, IM without CAP.PI, DST outside bits 15:8
 *    without EIM, 127:84, delivery modes 3 and 6, SVT 3): 0x24; source-id
 *    verification (SVT 1: SID under the SQ mask, SVT 2: requester bus
 *    within SID[15:8]..SID[7:0]) failed: 0x26. Entries are read through
 *    the hardware's view (clflush, write buffer) and through the IEC.
 *    With `record_faults`, a fault goes into a fault recording register
 *    (index in bits 63:48 of its low qword) unless the entry's FPD
 *    suppresses it (0x22, 0x24, 0x26).
 *    SQ 1 ignores SID bit 2, SQ 2 bits 2:1, SQ 3 bits 2:0.
 *  - The checker, while IRE is on with a table SIRTP latched here (not one
 *    a test says firmware left behind): every cached IEC entry must equal
 *    what the table holds now for its index (a change without the
 *    invalidation shows as a stale entry, named by index), and the table
 *    must read the same in the hardware's view as in the CPU's. A table
 *    page may not be freed while IRE is on.
 *  - Not modelled: posted-format entries (an error with CAP.PI), scalable
 *    mode, IOAPIC requests. The model follows the specification, not QEMU
 *    7.2's known gaps (compatibility format never blocked, SVT 2
 *    bytes swapped, no IR fault records). */
#ifndef TESTS_UNIT_FAKE_VTD_H
#define TESTS_UNIT_FAKE_VTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu/vtd_unit.h"

#define FAKE_VTD_BASE 0xfed90000ull

/* QEMU 7.2 intel-iommu's CAP and ECAP with its default properties. */
#define FAKE_CAP_QEMU  0x00d2008c22260206ull
#define FAKE_ECAP_QEMU 0x0000000000f00f4aull

/* What never completes (fake_vtd.stuck). */
#define FAKE_STUCK_GCMD  (1u << 0) /* GSTS never follows a command */
#define FAKE_STUCK_CCMD  (1u << 1) /* CCMD.ICC stays set */
#define FAKE_STUCK_IOTLB (1u << 2) /* IOTLB_REG.IVT stays set */
#define FAKE_STUCK_QUEUE (1u << 3) /* descriptors are never fetched */
#define FAKE_STUCK_WBF   (1u << 4) /* GSTS.WBFS stays set */
#define FAKE_STUCK_PMEN  (1u << 5) /* PMEN.PRS stays set */

enum fake_ev_type {
	FEV_GCMD,  /* a global command: cmd (the GCMD bit), on */
	FEV_CC,    /* context-cache invalidation: gran 1 global, 2 domain, 3 device */
	FEV_IOTLB, /* IOTLB invalidation: gran 1 global, 2 domain, 3 page */
	FEV_IEC,   /* interrupt entry cache invalidation: gran 0 global, 1 index (addr
		    * IIDX, am IM: the aligned block of 2^IM indexes) */
	FEV_WAIT,  /* invalidation wait descriptor */
	FEV_FAULT, /* a fault recorded: sid, addr, reason (in data), on = read */
};

struct fake_event {
	enum fake_ev_type type;
	bool queued; /* through the invalidation queue, else the registers */
	unsigned gran;
	uint32_t cmd;
	bool on;
	uint16_t did, sid;
	unsigned fm, am;
	uint64_t addr;
	bool ih, dr, dw;
	uint32_t data;
};

/* What an interrupt request gave (fake_interrupt). */
struct fake_irq {
	unsigned fault;     /* 0 delivered, or the interrupt remapping fault reason (0x20-0x26) */
	bool remapped;      /* through an IRTE; false: passed through as compatibility format */
	uint32_t index;     /* the entry used (remappable format), even when it faulted */
	bool cached;        /* the entry came from the interrupt entry cache */
	bool recorded;      /* the fault went into a fault recording register */
	uint8_t vector;
	uint32_t dest;      /* APIC ID: 8 bits (xAPIC), or 32 with IRTA.EIME (x2APIC) */
	uint8_t dlm;        /* delivery mode */
	bool level;         /* trigger mode: level */
	bool dest_logical;  /* destination mode: logical */
	bool redir_hint;
};

/* What a translation gave. */
struct fake_walk {
	unsigned fault; /* 0, or the fault reason (VT-d 7.2, table 25) */
	uint64_t hpa;
	unsigned level; /* the leaf's level (0 4K, 1 2M, 2 1G), or where it ended */
	unsigned perm;  /* read 1, write 2: every level's rights ANDed */
	uint16_t did;
	bool cached;    /* the leaf (or not-present entry) came from the IOTLB */
	bool recorded;  /* the fault went into a fault recording register */
};

struct fake_page;
struct fake_tlbe;
struct fake_cce;
struct fake_iece;

#define FAKE_ERROR_TEXT 8192
#define FAKE_MAX_FRCD 256

struct fake_vtd {
	struct vtd_env env;
	uint64_t cap, ecap;
	uint32_t ver;

	/* Knobs, set by the test. */
	unsigned stuck;       /* FAKE_STUCK_* */
	unsigned latency;     /* register reads/clock calls until a command completes */
	bool speculative;     /* prefetch every reachable entry (default true) */
	bool record_faults;   /* fake_translate() records faults (default false) */
	bool iqe_is_error;    /* an invalidation queue error fails the test (default true) */
	bool fail_next_desc;  /* the next descriptor fetched raises IQE, once */
	long alloc_budget;    /* page allocations still allowed; < 0 unlimited */
	uint64_t clock_step;  /* microseconds per now_us() call */

	/* Registers. */
	uint32_t gsts;
	uint64_t rtaddr, root;    /* root: latched by SRTP */
	uint64_t ccmd, iva, iotlb;
	uint64_t iqa, iqh, iqt;
	uint32_t ics;
	uint64_t irta, irta_latched;
	uint32_t fsts, fectl, fedata, feaddr, feuaddr, pmen;
	uint64_t frcd[FAKE_MAX_FRCD][2];
	unsigned next_frcd, fri;

	/* Commands in flight. */
	int gcmd_left, ccmd_left, iotlb_left, queue_left, pmen_left;
	uint32_t gcmd_bit;
	bool gcmd_on;
	/* Bring-up discipline: since the last SRTP, a global context-cache
	 * invalidation, then a global IOTLB invalidation. */
	bool cc_global_since_srtp, iotlb_global_since_cc;
	/* Since the last SIRTP, a global IEC invalidation. */
	bool iec_global_since_sirtp;

	/* Memory. */
	struct fake_page **pages; /* hash buckets */
	unsigned live_pages, peak_pages;
	unsigned long allocs, frees;
	unsigned mark;

	/* Caches. */
	struct fake_cce *cc;      /* 65536 source-ids */
	struct fake_tlbe **tlb;   /* hash buckets */
	unsigned tlb_entries;
	/* Scratch for the checker: DID -> table, per check. */
	uint64_t *did_root;
	uint8_t *did_levels;
	uint32_t *did_gen;
	uint32_t gen;
	/* Interrupt entry cache: 65536 indexes. */
	struct fake_iece *iec;
	unsigned iec_count;

	/* Accounting. */
	uint64_t now;
	unsigned long clflush_calls, clflush_bytes, checks, prefetches;
	unsigned long wbf_done, reg_cc, reg_iotlb, queued_desc;
	unsigned long interrupts, iec_hits, iec_prefetches;

	/* Everything the code asked of the unit, in order. */
	struct fake_event *log;
	size_t log_len, log_cap;

	/* Misuse and incoherence found. */
	unsigned errors;
	char error_text[FAKE_ERROR_TEXT];
};

/* A unit with these capabilities, nothing enabled, all caches empty. */
struct fake_vtd *fake_vtd_new(uint64_t cap, uint64_t ecap);
/* Frees the fake and every page still allocated. */
void fake_vtd_free(struct fake_vtd *f);

/* Records a problem (printf format); the test fails on f->errors. */
void fake_fail(struct fake_vtd *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forgets the recorded problems (for tests that provoke them). */
void fake_clear_errors(struct fake_vtd *f);

/* The checker described above; returns the number of new problems. */
unsigned fake_check_coherent(struct fake_vtd *f);

/* A DMA by `sid` to `iova` through the caches, filling them. Returns the
 * fault reason (0: *hpa set, when hpa is not NULL). */
unsigned fake_translate(struct fake_vtd *f, uint16_t sid, uint64_t iova, bool write,
			uint64_t *hpa);
/* The same with every detail; `use_cache` false walks the tables afresh
 * and neither uses nor fills any cache, nor records faults. */
void fake_translate_ex(struct fake_vtd *f, uint16_t sid, uint64_t iova, bool write,
		       bool use_cache, struct fake_walk *out);

/* The unit handles a DMA write of `data` to `addr` (0xFEEx_xxxx) by `sid`:
 * an interrupt request, remapped as described above through the IEC,
 * filling it. Returns the fault reason (0: delivered, *out filled). */
unsigned fake_interrupt(struct fake_vtd *f, uint16_t sid, uint64_t addr, uint32_t data,
			struct fake_irq *out);

/* Records a primary fault as the hardware does (ring of CAP.NFR records,
 * FSTS.FRI, PPF, PFO on overflow; a fault from a source that already has a
 * pending record is dropped, as QEMU does). Returns whether it was
 * recorded. */
bool fake_record_fault(struct fake_vtd *f, uint16_t sid, uint64_t addr, uint8_t reason,
		       bool read);

/* A stuck unit comes back: clears `stuck` and completes every command in
 * flight, the queue included. */
void fake_resume(struct fake_vtd *f);

/* The event log. */
void fake_log_reset(struct fake_vtd *f);
/* Number of events of `type` since the last reset (queued or not). */
unsigned fake_log_count(const struct fake_vtd *f, enum fake_ev_type type);
/* Index of the first event matching type (and, for FEV_GCMD, cmd/on) at
 * or after `from`, or -1. */
int fake_log_find(const struct fake_vtd *f, size_t from, enum fake_ev_type type, uint32_t cmd,
		  bool on);

/* Number of cached entries (context cache, IOTLB, interrupt entry cache). */
unsigned fake_cc_entries(const struct fake_vtd *f);
unsigned fake_tlb_entries(const struct fake_vtd *f);
unsigned fake_iec_entries(const struct fake_vtd *f);
/* Whether the IEC holds entry `index`; its cached copy in e[] if so. */
bool fake_iec_lookup(const struct fake_vtd *f, uint32_t index, uint64_t e[2]);

/* The page is one of the fake's live pages. */
bool fake_page_live(const struct fake_vtd *f, uint64_t phys);

#endif
