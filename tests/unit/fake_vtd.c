/* See fake_vtd.h. Everything here is written from the VT-d specification
 * 4.1 (chapters 3, 5, 6, 9, 10, 11) with its own constants, so that a misread
 * in iommu/vtd_regs.h or iommu/irte.h shows up as a disagreement instead of
 * being copied. */
#include "tests/unit/fake_vtd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG 4096u
#define ADDR 0x000ffffffffff000ull /* address field, bits 51:12 */
#define GARBAGE 0x5b /* what a page holds before the CPU's writes reach memory */

/* ---- the specification's encodings (own copy) ------------------------------ */

/* Registers (11.4). */
enum {
	R_VER = 0x00, R_CAP = 0x08, R_ECAP = 0x10, R_GCMD = 0x18, R_GSTS = 0x1c,
	R_RTADDR = 0x20, R_CCMD = 0x28, R_FSTS = 0x34, R_FECTL = 0x38, R_FEDATA = 0x3c,
	R_FEADDR = 0x40, R_FEUADDR = 0x44, R_AFLOG = 0x58, R_PMEN = 0x64,
	R_PLMBASE = 0x68, R_PLMLIMIT = 0x6c, R_PHMBASE = 0x70, R_PHMLIMIT = 0x78,
	R_IQH = 0x80, R_IQT = 0x88, R_IQA = 0x90, R_ICS = 0x9c, R_IECTL = 0xa0,
	R_IEDATA = 0xa4, R_IEADDR = 0xa8, R_IEUADDR = 0xac, R_IQERCD = 0xb0, R_IRTA = 0xb8,
};

/* GCMD / GSTS (11.4.4, 11.4.5). */
#define G_TE    (1u << 31)
#define G_SRTP  (1u << 30)
#define G_SFL   (1u << 29)
#define G_EAFL  (1u << 28)
#define G_WBF   (1u << 27)
#define G_QIE   (1u << 26)
#define G_IRE   (1u << 25)
#define G_SIRTP (1u << 24)
#define G_CFI   (1u << 23)
#define G_PERSIST (G_TE | G_EAFL | G_QIE | G_IRE | G_CFI)
#define G_ONESHOT (G_SRTP | G_SFL | G_WBF | G_SIRTP)

#define CCMD_ICC (1ull << 63)
#define IOTLB_IVT (1ull << 63)
#define FSTS_PFO 1u
#define FSTS_PPF 2u
#define FSTS_IQE (1u << 4)
#define FSTS_W1C (FSTS_PFO | FSTS_IQE | (1u << 5) | (1u << 6))
#define FECTL_IM (1u << 31)
#define PMEN_EPM (1u << 31)
#define PMEN_PRS 1u
#define ICS_IWC 1u

/* Second-level entries (9.8). */
#define SL_R (1ull << 0)
#define SL_W (1ull << 1)
#define SL_PS (1ull << 7)
#define SL_SNP (1ull << 11)

static unsigned cap_nfr_(uint64_t c)   { return (unsigned)((c >> 40) & 0xff) + 1; }
static unsigned cap_fro_(uint64_t c)   { return (unsigned)((c >> 24) & 0x3ff) * 16; }
static unsigned cap_mgaw_(uint64_t c)  { return (unsigned)((c >> 16) & 0x3f) + 1; }
static unsigned cap_sagaw_(uint64_t c) { return (unsigned)((c >> 8) & 0x1f); }
static unsigned cap_sllps_(uint64_t c) { return (unsigned)((c >> 34) & 0xf); }
static unsigned cap_mamv_(uint64_t c)  { return (unsigned)((c >> 48) & 0x3f); }
static bool cap_bit(uint64_t c, unsigned b) { return (c >> b) & 1; }
#define CAP_RWBF 4
#define CAP_PLMR 5
#define CAP_PHMR 6
#define CAP_CM 7
#define CAP_PSI 39
#define CAP_DWD 54
#define CAP_DRD 55
static unsigned ecap_iro_(uint64_t e)  { return (unsigned)((e >> 8) & 0x3ff) * 16; }
#define CAP_PI 59
#define ECAP_C 0
#define ECAP_QI 1
#define ECAP_DT 2
#define ECAP_IR 3
#define ECAP_EIM 4
#define ECAP_PT 6
#define ECAP_SC 7

/* Interrupt remapping (5.1, 9.10, and the IRTA_REG register). */
#define IRTA_S(v)  ((unsigned)((v) & 0xf))   /* 2^(S+1) entries */
#define IRTA_EIME  (1ull << 11)
#define IRTA_RSVD  (0x7full << 4)
/* IRTE, low qword. */
#define IR_P       (1ull << 0)
#define IR_FPD     (1ull << 1)
#define IR_DM      (1ull << 2)
#define IR_RH      (1ull << 3)
#define IR_TM      (1ull << 4)
#define IR_DLM(lo) ((unsigned)((lo) >> 5) & 7)
#define IR_IM      (1ull << 15)
#define IR_V(lo)   ((uint8_t)((lo) >> 16))
#define IR_DST(lo) ((uint32_t)((lo) >> 32))
#define IR_LO_RSVD ((7ull << 12) | (0xffull << 24))
#define IR_DST_XAPIC_RSVD ((0xffull << 32) | (0xffffull << 48)) /* DST 7:0, 31:16 */
/* IRTE, high qword. */
#define IR_SID(hi) ((uint16_t)(hi))
#define IR_SQ(hi)  ((unsigned)((hi) >> 16) & 3)
#define IR_SVT(hi) ((unsigned)((hi) >> 18) & 3)
#define IR_HI_RSVD (~0ull << 20)
/* MSI address (5.1.2): 0xFEE in 31:20; remappable format: 19:5 handle[14:0],
 * 4 format (1), 3 SHV, 2 handle[15]; compatibility: 19:12 destination, 3 RH,
 * 2 DM. Data: remappable 15:0 subhandle, 31:16 reserved; compatibility 7:0
 * vector, 10:8 delivery mode, 15 trigger mode. */
#define MSI_IF     (1u << 4)
#define MSI_SHV    (1u << 3)
/* Interrupt remapping fault reasons (the specification's table of
 * interrupt-remapping fault conditions; 0x27-0x29 concern posted
 * interrupts and scalable mode, not modelled). */
enum {
	IRF_REQ_RSVD = 0x20,    /* reserved field set in a remappable request */
	IRF_INDEX = 0x21,       /* interrupt_index beyond the table's size */
	IRF_NOT_PRESENT = 0x22, /* IRTE P clear */
	IRF_TABLE = 0x23,       /* error accessing the table through IRTA */
	IRF_IRTE_RSVD = 0x24,   /* reserved field (or reserved encoding) in a present IRTE */
	IRF_COMPAT = 0x25,      /* compatibility format blocked (EIME, or CFIS clear) */
	IRF_SID = 0x26,         /* source-id verification failed */
};

static bool cm(const struct fake_vtd *f) { return cap_bit(f->cap, CAP_CM); }

static unsigned lshift(unsigned level) { return 12 + 9 * level; }
static uint64_t lsize(unsigned level) { return 1ull << lshift(level); }

/* ---- errors and the event log ------------------------------------------------ */

void fake_fail(struct fake_vtd *f, const char *fmt, ...)
{
	size_t len = strlen(f->error_text);
	va_list ap;

	f->errors++;
	if (len + 2 >= sizeof(f->error_text))
		return;
	va_start(ap, fmt);
	vsnprintf(f->error_text + len, sizeof(f->error_text) - len - 1, fmt, ap);
	va_end(ap);
	len = strlen(f->error_text);
	f->error_text[len] = '\n';
	f->error_text[len + 1] = '\0';
}

void fake_clear_errors(struct fake_vtd *f)
{
	f->errors = 0;
	f->error_text[0] = '\0';
}

static void log_ev(struct fake_vtd *f, const struct fake_event *ev)
{
	if (f->log_len == f->log_cap) {
		f->log_cap = f->log_cap ? 2 * f->log_cap : 256;
		f->log = realloc(f->log, f->log_cap * sizeof(*f->log));
		if (!f->log)
			abort();
	}
	f->log[f->log_len++] = *ev;
}

void fake_log_reset(struct fake_vtd *f)
{
	f->log_len = 0;
}

unsigned fake_log_count(const struct fake_vtd *f, enum fake_ev_type type)
{
	unsigned n = 0;

	for (size_t i = 0; i < f->log_len; i++)
		n += f->log[i].type == type;
	return n;
}

int fake_log_find(const struct fake_vtd *f, size_t from, enum fake_ev_type type, uint32_t cmd,
		  bool on)
{
	for (size_t i = from; i < f->log_len; i++) {
		const struct fake_event *e = &f->log[i];
		if (e->type == type && (type != FEV_GCMD || (e->cmd == cmd && e->on == on)))
			return (int)i;
	}
	return -1;
}

/* ---- memory ------------------------------------------------------------------ */

struct fake_page {
	struct fake_page *next;
	uint64_t phys;  /* = the CPU's view */
	uint8_t *mem;   /* memory, when page walks do not snoop (ECAP.C=0) */
	uint8_t *vis;   /* what the hardware sees, behind a write buffer (CAP.RWBF=1) */
	unsigned mark;
};

#define PAGE_BUCKETS 4096

static unsigned page_hash(uint64_t phys)
{
	return (unsigned)((phys >> 12) * 0x9e3779b97f4a7c15ull >> 52) % PAGE_BUCKETS;
}

static struct fake_page *page_find(const struct fake_vtd *f, uint64_t addr)
{
	uint64_t phys = addr & ~(uint64_t)(PG - 1);

	for (struct fake_page *p = f->pages[page_hash(phys)]; p; p = p->next)
		if (p->phys == phys)
			return p;
	return NULL;
}

bool fake_page_live(const struct fake_vtd *f, uint64_t phys)
{
	return page_find(f, phys) != NULL;
}

static uint8_t *cpu_bytes(const struct fake_page *p)
{
	return (uint8_t *)(uintptr_t)p->phys;
}

/* What the remapping hardware reads. */
static const uint8_t *hw_bytes(const struct fake_page *p)
{
	return p->vis ? p->vis : p->mem ? p->mem : cpu_bytes(p);
}

/* Qword `index` of the page at `table` as the hardware reads it. */
static bool hw_read(const struct fake_vtd *f, uint64_t table, unsigned index, uint64_t *out)
{
	const struct fake_page *p = page_find(f, table);

	if (!p || index >= PG / 8)
		return false;
	memcpy(out, hw_bytes(p) + 8 * index, 8);
	return true;
}

/* A DMA write by the unit (status writes): snooped, every view at once. */
static bool hw_write32(struct fake_vtd *f, uint64_t addr, uint32_t v)
{
	struct fake_page *p = page_find(f, addr);
	unsigned off = addr & (PG - 1);

	if (!p || (addr & 3))
		return false;
	memcpy(cpu_bytes(p) + off, &v, 4);
	if (p->mem)
		memcpy(p->mem + off, &v, 4);
	if (p->vis)
		memcpy(p->vis + off, &v, 4);
	return true;
}

/* The chipset's write buffer drains: the hardware sees memory. */
static void write_buffer_flush(struct fake_vtd *f)
{
	for (unsigned b = 0; b < PAGE_BUCKETS; b++)
		for (struct fake_page *p = f->pages[b]; p; p = p->next)
			if (p->vis)
				memcpy(p->vis, p->mem ? p->mem : cpu_bytes(p), PG);
}

static uint64_t env_alloc_page(void *ctx)
{
	struct fake_vtd *f = ctx;

	if (f->alloc_budget == 0)
		return 0;
	if (f->alloc_budget > 0)
		f->alloc_budget--;
	uint8_t *cpu = aligned_alloc(PG, PG);
	struct fake_page *p = calloc(1, sizeof(*p));
	if (!cpu || !p)
		abort();
	memset(cpu, 0, PG);
	p->phys = (uintptr_t)cpu;
	if (!cap_bit(f->ecap, ECAP_C)) {
		if (!(p->mem = malloc(PG)))
			abort();
		memset(p->mem, GARBAGE, PG);
	}
	if (cap_bit(f->cap, CAP_RWBF)) {
		if (!(p->vis = malloc(PG)))
			abort();
		memset(p->vis, GARBAGE, PG);
	}
	unsigned h = page_hash(p->phys);
	p->next = f->pages[h];
	f->pages[h] = p;
	f->allocs++;
	if (++f->live_pages > f->peak_pages)
		f->peak_pages = f->live_pages;
	return p->phys;
}

static void page_release(struct fake_vtd *f, struct fake_page *p)
{
	struct fake_page **pp = &f->pages[page_hash(p->phys)];

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	free(cpu_bytes(p));
	free(p->mem);
	free(p->vis);
	free(p);
	f->live_pages--;
}

static void *env_ptr(void *ctx, uint64_t phys)
{
	struct fake_vtd *f = ctx;

	if (!page_find(f, phys))
		fake_fail(f, "ptr(%#llx): not a page the unit's code allocated (or freed already)",
			  (unsigned long long)phys);
	return (void *)(uintptr_t)phys;
}

static void env_clflush(void *ctx, const void *ptr, size_t len)
{
	struct fake_vtd *f = ctx;
	uint64_t a = (uintptr_t)ptr, end = a + len;

	f->clflush_calls++;
	f->clflush_bytes += len;
	while (a < end) {
		struct fake_page *p = page_find(f, a);
		uint64_t page_end = (a & ~(uint64_t)(PG - 1)) + PG;
		uint64_t stop = end < page_end ? end : page_end;
		if (!p) {
			fake_fail(f, "clflush of %#llx: no live page (freed?)", (unsigned long long)a);
			return;
		}
		if (p->mem)
			memcpy(p->mem + (a - p->phys), cpu_bytes(p) + (a - p->phys), stop - a);
		a = stop;
	}
}

static void tick(struct fake_vtd *f);

static uint64_t env_now_us(void *ctx)
{
	struct fake_vtd *f = ctx;

	tick(f);
	f->now += f->clock_step;
	return f->now;
}

/* ---- caches ------------------------------------------------------------------- */

struct fake_cce {
	bool valid, present;
	uint8_t fault; /* of a cached not-present entry: 1 root, 2 context */
	uint64_t lo, hi;
};

static uint16_t cce_did(const struct fake_cce *c)
{
	return c->present ? (uint16_t)(c->hi >> 8) : 0;
}

enum { TLB_LEAF, TLB_TABLE, TLB_NEG };
static const char *const tlb_kind[] = { "leaf", "paging-structure", "not-present" };

struct fake_tlbe {
	struct fake_tlbe *next;
	uint16_t did;
	uint8_t kind, level, levels;
	uint64_t base; /* first IOVA the entry covers: lsize(level) of them */
	uint64_t root; /* the second-level table it was filled from */
	uint64_t out;  /* leaf: page address; paging-structure: next table */
	unsigned perm; /* rights down to here, ANDed */
};

#define TLB_BUCKETS 4096

static unsigned tlb_hash(uint16_t did, unsigned level, uint64_t base)
{
	uint64_t k = (base >> 12) ^ ((uint64_t)did << 40) ^ ((uint64_t)level << 58);
	return (unsigned)((k * 0x9e3779b97f4a7c15ull) >> 52) % TLB_BUCKETS;
}

static struct fake_tlbe *tlb_find(const struct fake_vtd *f, uint16_t did, unsigned level,
				  uint64_t base)
{
	for (struct fake_tlbe *e = f->tlb[tlb_hash(did, level, base)]; e; e = e->next)
		if (e->did == did && e->level == level && e->base == base)
			return e;
	return NULL;
}

/* Caches an entry; one already cached under the key stays (stale or not). */
static void tlb_put(struct fake_vtd *f, uint16_t did, unsigned kind, unsigned level,
		    uint64_t base, uint64_t root, unsigned levels, uint64_t out, unsigned perm)
{
	if (tlb_find(f, did, level, base))
		return;
	struct fake_tlbe *e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	*e = (struct fake_tlbe){
		.did = did, .kind = (uint8_t)kind, .level = (uint8_t)level,
		.levels = (uint8_t)levels, .base = base, .root = root, .out = out, .perm = perm,
	};
	unsigned h = tlb_hash(did, level, base);
	e->next = f->tlb[h];
	f->tlb[h] = e;
	f->tlb_entries++;
}

unsigned fake_tlb_entries(const struct fake_vtd *f)
{
	return f->tlb_entries;
}

unsigned fake_cc_entries(const struct fake_vtd *f)
{
	unsigned n = 0;

	for (unsigned s = 0; s < 65536; s++)
		n += f->cc[s].valid;
	return n;
}

/* ---- the reference walk (3.4-3.7, 9.1, 9.3, 9.8) -------------------------------- */

struct cres {
	unsigned fault; /* 0: a usable present context entry */
	uint64_t lo, hi;
	bool read;      /* lo/hi were read (FPD is meaningful) */
};

/* The root and context entries of `sid`, from the tables. */
static struct cres ctx_fresh(const struct fake_vtd *f, uint16_t sid)
{
	struct cres r = { 0 };
	uint64_t rlo, rhi;

	if (!(f->gsts & G_SRTP) || !hw_read(f, f->root, 2u * (sid >> 8), &rlo) ||
	    !hw_read(f, f->root, 2u * (sid >> 8) + 1, &rhi)) {
		r.fault = 8; /* root table access */
		return r;
	}
	if (!(rlo & 1)) {
		r.fault = 1;
		return r;
	}
	if ((rlo & 0xffe) || rhi) {
		r.fault = 0xa;
		return r;
	}
	uint64_t ctp = rlo & ADDR;
	if (!hw_read(f, ctp, 2u * (sid & 0xff), &r.lo) ||
	    !hw_read(f, ctp, 2u * (sid & 0xff) + 1, &r.hi)) {
		r.fault = 9;
		return r;
	}
	r.read = true;
	if (!(r.lo & 1)) {
		r.fault = 2;
		return r;
	}
	/* Legacy context entry: lo 11:4 reserved; hi 7 and 63:24 reserved. */
	if ((r.lo & 0xff0) || (r.hi & 0x80) || (r.hi >> 24)) {
		r.fault = 0xb;
		return r;
	}
	unsigned tt = (r.lo >> 2) & 3, aw = r.hi & 7;
	if (tt == 3 || (tt == 1 && !cap_bit(f->ecap, ECAP_DT)) ||
	    (tt == 2 && !cap_bit(f->ecap, ECAP_PT)))
		r.fault = 3;
	else if (tt != 2 && (aw < 1 || aw > 3 || !(cap_sagaw_(f->cap) & (1u << aw))))
		r.fault = 3;
	return r;
}

/* The same through the context cache, filling it like hardware. */
static struct cres ctx_cached(struct fake_vtd *f, uint16_t sid)
{
	struct fake_cce *c = &f->cc[sid];

	if (c->valid) {
		struct cres r = { .lo = c->lo, .hi = c->hi, .read = c->present };
		r.fault = c->present ? 0 : c->fault;
		return r;
	}
	struct cres r = ctx_fresh(f, sid);
	if (!r.fault)
		*c = (struct fake_cce){ .valid = true, .present = true, .lo = r.lo, .hi = r.hi };
	else if ((r.fault == 1 || r.fault == 2) && cm(f))
		*c = (struct fake_cce){ .valid = true, .fault = (uint8_t)r.fault };
	return r;
}

#define NOT_PRESENT 0x100

struct slw {
	unsigned fault;       /* 0, NOT_PRESENT, 7 (table not accessible), 0xc (reserved) */
	unsigned level;       /* of the leaf or of the entry that ended the walk */
	uint64_t out;         /* leaf page address */
	unsigned perm;
	bool seen[6];
	uint64_t ent[6];      /* entry read at each level */
	unsigned perm_at[6];  /* rights ANDed down to each present level */
};

/* Reserved bits of a present second-level entry (9.8). The host address
 * width bits are not checked: the fake's tables live at host pointers. */
static bool sl_reserved(const struct fake_vtd *f, unsigned level, uint64_t e)
{
	if ((e & SL_SNP) && !cap_bit(f->ecap, ECAP_SC))
		return true;
	if (!(e & SL_PS) || level == 0)
		return false; /* bit 7 of an SL-PTE is ignored */
	if (level >= 3 || (level == 2 && !(cap_sllps_(f->cap) & 2)) ||
	    (level == 1 && !(cap_sllps_(f->cap) & 1)))
		return true;
	return (e & ADDR) & (lsize(level) - 1);
}

struct fill {
	bool on;
	uint16_t did;
	uint64_t root;
	unsigned levels;
};

static void sl_walk(struct fake_vtd *f, uint64_t table, unsigned level, unsigned perm,
		    uint64_t iova, const struct fill *fill, struct slw *w)
{
	memset(w, 0, sizeof(*w));
	for (unsigned i = 0; i < 6; i++)
		w->perm_at[i] = ~0u;
	for (;;) {
		uint64_t e, base = iova & ~(lsize(level) - 1);
		w->level = level;
		if (!hw_read(f, table, (iova >> lshift(level)) & 511, &e)) {
			w->fault = 7;
			return;
		}
		w->seen[level] = true;
		w->ent[level] = e;
		if (!(e & (SL_R | SL_W))) {
			w->fault = NOT_PRESENT;
			if (fill->on && cm(f))
				tlb_put(f, fill->did, TLB_NEG, level, base, fill->root, fill->levels, 0, 0);
			return;
		}
		if (sl_reserved(f, level, e)) {
			w->fault = 0xc;
			return;
		}
		perm &= (unsigned)(e & (SL_R | SL_W));
		w->perm_at[level] = perm;
		if (level == 0 || (e & SL_PS)) {
			w->out = e & ADDR & ~(lsize(level) - 1);
			w->perm = perm;
			if (fill->on)
				tlb_put(f, fill->did, TLB_LEAF, level, base, fill->root, fill->levels,
					w->out, perm);
			return;
		}
		if (fill->on)
			tlb_put(f, fill->did, TLB_TABLE, level, base, fill->root, fill->levels,
				e & ADDR, perm);
		table = e & ADDR;
		level--;
	}
}

bool fake_record_fault(struct fake_vtd *f, uint16_t sid, uint64_t addr, uint8_t reason,
		       bool read)
{
	unsigned nfr = cap_nfr_(f->cap), i = f->next_frcd % nfr;
	bool pending = false;

	for (unsigned k = 0; k < nfr; k++) {
		if (!(f->frcd[k][1] >> 63))
			continue;
		pending = true;
		if ((f->frcd[k][1] & 0xffff) == sid)
			return false; /* QEMU: one pending record per source */
	}
	if (f->frcd[i][1] >> 63) {
		f->fsts |= FSTS_PFO;
		return false;
	}
	f->frcd[i][0] = addr & ~0xfffull;
	/* SID 79:64, FR 103:96, PV 123:104 (QEMU: 0xffff without a PASID),
	 * T 126 (1: read), F 127. */
	f->frcd[i][1] = sid | (uint64_t)reason << 32 | 0xffffull << 40 |
			(read ? 1ull << 62 : 0) | 1ull << 63;
	if (!pending)
		f->fri = i;
	f->next_frcd = (i + 1) % nfr;
	log_ev(f, &(struct fake_event){ .type = FEV_FAULT, .sid = sid, .addr = addr,
					.data = reason, .on = read });
	return true;
}

void fake_translate_ex(struct fake_vtd *f, uint16_t sid, uint64_t iova, bool write,
		       bool use_cache, struct fake_walk *out)
{
	memset(out, 0, sizeof(*out));
	if (!(f->gsts & G_TE)) {
		out->hpa = iova; /* translation off: untranslated */
		return;
	}
	struct cres c = use_cache ? ctx_cached(f, sid) : ctx_fresh(f, sid);
	bool fpd = c.read && (c.lo & 2);
	unsigned fault = c.fault;

	if (fault)
		goto done;
	if (((c.lo >> 2) & 3) == 2) {
		out->hpa = iova; /* pass-through */
		return;
	}
	unsigned levels = (unsigned)(c.hi & 7) + 2;
	unsigned width = lshift(levels) < cap_mgaw_(f->cap) ? lshift(levels) : cap_mgaw_(f->cap);
	uint16_t did = (uint16_t)(c.hi >> 8);
	uint64_t root = c.lo & ADDR;
	out->did = did;
	if (iova >> width) {
		fault = 4;
		goto done;
	}

	struct slw w;
	struct fill fill = { .on = use_cache, .did = did, .root = root, .levels = levels };
	const struct fake_tlbe *hit = NULL;
	if (use_cache) {
		for (unsigned l = 0; l < levels && !hit; l++) {
			const struct fake_tlbe *e = tlb_find(f, did, l, iova & ~(lsize(l) - 1));
			if (e && e->kind != TLB_TABLE)
				hit = e;
		}
	}
	if (hit) {
		memset(&w, 0, sizeof(w));
		w.level = hit->level;
		w.fault = hit->kind == TLB_NEG ? NOT_PRESENT : 0;
		w.out = hit->out;
		w.perm = hit->perm;
		out->cached = true;
	} else {
		uint64_t table = root;
		unsigned level = levels - 1, perm = 3;
		/* The deepest cached paging-structure entry starts the walk. */
		for (unsigned l = 1; use_cache && l < levels; l++) {
			const struct fake_tlbe *e = tlb_find(f, did, l, iova & ~(lsize(l) - 1));
			if (e && e->kind == TLB_TABLE) {
				table = e->out;
				level = l - 1;
				perm = e->perm;
				break;
			}
		}
		sl_walk(f, table, level, perm, iova, &fill, &w);
	}
	out->level = w.level;
	if (w.fault == NOT_PRESENT) {
		fault = write ? 5 : 6;
	} else if (w.fault) {
		fault = w.fault;
	} else {
		out->perm = w.perm;
		out->hpa = w.out + (iova & (lsize(w.level) - 1));
		if (!(w.perm & (write ? SL_W : SL_R)))
			fault = write ? 5 : 6;
		else if (out->hpa >= 0xfee00000ull && out->hpa <= 0xfeefffffull)
			fault = 0xe; /* output in the interrupt address range */
	}
done:
	out->fault = fault;
	if (fault)
		out->hpa = 0;
	if (fault && use_cache && f->record_faults && !fpd)
		out->recorded = fake_record_fault(f, sid, iova, (uint8_t)fault, !write);
}

unsigned fake_translate(struct fake_vtd *f, uint16_t sid, uint64_t iova, bool write,
			uint64_t *hpa)
{
	struct fake_walk w;

	fake_translate_ex(f, sid, iova, write, true, &w);
	if (hpa)
		*hpa = w.hpa;
	return w.fault;
}

/* ---- what the hardware can reach ------------------------------------------------- */

enum visit_mode { V_CHECK, V_FIND };

struct visit {
	enum visit_mode mode;
	uint64_t target;
	bool found;
	unsigned reported;
};

static void compare_views(struct fake_vtd *f, const struct fake_page *p, const char *what,
			  int level, struct visit *v)
{
	const uint8_t *hw = hw_bytes(p), *cpu = cpu_bytes(p);

	if (hw == cpu || !memcmp(hw, cpu, PG))
		return;
	for (unsigned i = 0; i < PG / 8; i++) {
		uint64_t a, b;
		memcpy(&a, cpu + 8 * i, 8);
		memcpy(&b, hw + 8 * i, 8);
		if (a == b)
			continue;
		bool unflushed = p->mem && memcmp(p->mem + 8 * i, cpu + 8 * i, 8);
		if (v->reported++ < 4)
			fake_fail(f, "%s %#llx (level %d), qword %u: the CPU wrote %#llx, the "
				  "hardware reads %#llx: %s", what, (unsigned long long)p->phys,
				  level, i, (unsigned long long)a, (unsigned long long)b,
				  unflushed ? "not flushed from the CPU cache (ECAP.C=0 needs clflush)"
					    : "no write-buffer flush since (CAP.RWBF=1)");
		return;
	}
}

static struct fake_page *visit_page(struct fake_vtd *f, uint64_t phys, const char *what,
				    int level, struct visit *v)
{
	struct fake_page *p = page_find(f, phys);

	if (!p || p->phys != phys) {
		if (v->mode == V_CHECK && v->reported++ < 4)
			fake_fail(f, "the hardware can reach %s %#llx (level %d), which is no live "
				  "page", what, (unsigned long long)phys, level);
		return NULL;
	}
	if (p->mark == f->mark)
		return NULL;
	p->mark = f->mark;
	if (v->mode == V_FIND && phys == v->target)
		v->found = true;
	if (v->mode == V_CHECK)
		compare_views(f, p, what, level, v);
	return p;
}

static void visit_sl(struct fake_vtd *f, uint64_t table, unsigned level, struct visit *v)
{
	if (!visit_page(f, table, "second-level table", (int)level, v) || level == 0)
		return;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e;
		if (!hw_read(f, table, i, &e) || !(e & (SL_R | SL_W)))
			continue;
		if ((e & SL_PS) || sl_reserved(f, level, e))
			continue; /* a leaf, or a walk that faults here */
		visit_sl(f, e & ADDR, level - 1, v);
	}
}

static void traverse(struct fake_vtd *f, struct visit *v)
{
	f->mark++;
	if (!(f->gsts & G_SRTP) || !visit_page(f, f->root, "root table", -1, v))
		return;
	for (unsigned bus = 0; bus < 256; bus++) {
		uint64_t rlo, rhi;
		if (!hw_read(f, f->root, 2 * bus, &rlo) || !hw_read(f, f->root, 2 * bus + 1, &rhi) ||
		    !(rlo & 1) || (rlo & 0xffe) || rhi)
			continue;
		uint64_t ctp = rlo & ADDR;
		if (!visit_page(f, ctp, "context table", -1, v))
			continue;
		for (unsigned df = 0; df < 256; df++) {
			struct cres c = ctx_fresh(f, (uint16_t)(bus << 8 | df));
			if (c.fault || ((c.lo >> 2) & 3) == 2)
				continue;
			visit_sl(f, c.lo & ADDR, (unsigned)(c.hi & 7) + 1, v);
		}
	}
}

/* ---- the checker ------------------------------------------------------------------ */

static void describe_slw(char *buf, size_t n, const struct slw *w)
{
	if (w->fault == NOT_PRESENT)
		snprintf(buf, n, "not present at level %u", w->level);
	else if (w->fault)
		snprintf(buf, n, "fault %#x at level %u", w->fault, w->level);
	else
		snprintf(buf, n, "level-%u leaf -> %#llx perm %u", w->level,
			 (unsigned long long)w->out, w->perm);
}

static void check_context_cache(struct fake_vtd *f)
{
	unsigned reported = 0;

	for (unsigned sid = 0; sid < 65536; sid++) {
		const struct fake_cce *c = &f->cc[sid];
		if (!c->valid)
			continue;
		struct cres r = ctx_fresh(f, (uint16_t)sid);
		bool ok = c->present ? !r.fault && r.lo == c->lo && r.hi == c->hi
				     : r.fault == 1 || r.fault == 2;
		if (!ok && reported++ < 4)
			fake_fail(f, "stale context-cache entry for %02x:%02x.%u: cached %s "
				  "(%#llx %#llx), the tables now give %s (%#llx %#llx): a context "
				  "entry changed without a context-cache invalidation",
				  sid >> 8, (sid >> 3) & 31, sid & 7,
				  c->present ? "present" : "not present (caching mode)",
				  (unsigned long long)c->lo, (unsigned long long)c->hi,
				  r.fault ? "not present/invalid" : "present",
				  (unsigned long long)r.lo, (unsigned long long)r.hi);
	}
}

/* Which table each DID names in the present context entries, now. */
static void map_dids(struct fake_vtd *f)
{
	f->gen++;
	for (unsigned sid = 0; sid < 65536; sid++) {
		if ((sid & 0xff) == 0) {
			uint64_t rlo;
			if (!(f->gsts & G_SRTP) || !hw_read(f, f->root, 2 * (sid >> 8), &rlo) ||
			    !(rlo & 1)) {
				sid += 255;
				continue;
			}
		}
		struct cres c = ctx_fresh(f, (uint16_t)sid);
		if (c.fault || ((c.lo >> 2) & 3) == 2)
			continue;
		uint16_t did = (uint16_t)(c.hi >> 8);
		uint64_t root = c.lo & ADDR;
		uint8_t levels = (uint8_t)((c.hi & 7) + 2);
		if (f->did_gen[did] == f->gen &&
		    (f->did_root[did] != root || f->did_levels[did] != levels))
			fake_fail(f, "DID %u names two different tables (%#llx and %#llx, at "
				  "%02x:%02x.%u): one domain ID, one table", did,
				  (unsigned long long)f->did_root[did], (unsigned long long)root,
				  sid >> 8, (sid >> 3) & 31, sid & 7);
		f->did_gen[did] = f->gen;
		f->did_root[did] = root;
		f->did_levels[did] = levels;
	}
}

static void check_tlb(struct fake_vtd *f)
{
	unsigned reported = 0;

	map_dids(f);
	for (unsigned b = 0; b < TLB_BUCKETS; b++) {
		for (const struct fake_tlbe *e = f->tlb[b]; e; e = e->next) {
			char now[96] = "no present context entry names the DID";
			bool ok = false;
			if (f->did_gen[e->did] == f->gen && f->did_root[e->did] == e->root &&
			    f->did_levels[e->did] == e->levels) {
				struct slw w;
				struct fill nofill = { 0 };
				sl_walk(f, e->root, e->levels - 1u, 3, e->base, &nofill, &w);
				describe_slw(now, sizeof(now), &w);
				unsigned l = e->level;
				switch (e->kind) {
				case TLB_LEAF:
					ok = !w.fault && w.level == l && w.out == e->out &&
					     w.perm == e->perm;
					break;
				case TLB_TABLE:
					ok = w.seen[l] && w.perm_at[l] == e->perm &&
					     !(w.ent[l] & SL_PS) && (w.ent[l] & ADDR) == e->out;
					break;
				default:
					ok = w.fault == NOT_PRESENT && w.level >= l;
				}
			} else if (f->did_gen[e->did] == f->gen) {
				snprintf(now, sizeof(now), "the DID now names table %#llx",
					 (unsigned long long)f->did_root[e->did]);
			}
			if (!ok && reported++ < 4)
				fake_fail(f, "stale IOTLB %s entry: DID %u, level %u, IOVA %#llx: "
					  "cached -> %#llx perm %u from table %#llx; now: %s. A change "
					  "without the IOTLB invalidation it needs",
					  tlb_kind[e->kind], e->did, e->level,
					  (unsigned long long)e->base, (unsigned long long)e->out,
					  e->perm, (unsigned long long)e->root, now);
		}
	}
}

/* Caches every entry of a second-level table the hardware can reach. */
static void prefetch_sl(struct fake_vtd *f, const struct fill *fill, uint64_t table,
			unsigned level, unsigned perm, uint64_t base)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e, ebase = base + ((uint64_t)i << lshift(level));
		const struct fake_tlbe *c = tlb_find(f, fill->did, level, ebase);
		if (c) {
			/* The walk uses what is cached, stale or not. */
			if (c->kind == TLB_TABLE && level > 0 && page_find(f, c->out))
				prefetch_sl(f, fill, c->out, level - 1, c->perm, ebase);
			continue;
		}
		if (!hw_read(f, table, i, &e))
			return;
		if (!(e & (SL_R | SL_W))) {
			if (cm(f))
				tlb_put(f, fill->did, TLB_NEG, level, ebase, fill->root, fill->levels,
					0, 0);
			continue;
		}
		if (sl_reserved(f, level, e))
			continue;
		unsigned p = perm & (unsigned)(e & (SL_R | SL_W));
		if (level == 0 || (e & SL_PS)) {
			tlb_put(f, fill->did, TLB_LEAF, level, ebase, fill->root, fill->levels,
				e & ADDR & ~(lsize(level) - 1), p);
			continue;
		}
		tlb_put(f, fill->did, TLB_TABLE, level, ebase, fill->root, fill->levels,
			e & ADDR, p);
		prefetch_sl(f, fill, e & ADDR, level - 1, p, ebase);
	}
}

/* Hardware may cache anything it can reach at any time: so the fake does,
 * through its own (possibly stale) context cache, like hardware. */
static void prefetch(struct fake_vtd *f)
{
	if (!f->speculative || !(f->gsts & G_TE))
		return;
	f->prefetches++;
	f->gen++;
	for (unsigned sid = 0; sid < 65536; sid++) {
		uint64_t rlo = 0;
		if (!f->cc[sid].valid && !cm(f) &&
		    (!(f->gsts & G_SRTP) || !hw_read(f, f->root, 2 * (sid >> 8), &rlo) ||
		     !(rlo & 1))) {
			/* Nothing cached, nothing to cache on this bus. */
			continue;
		}
		struct cres c = ctx_cached(f, (uint16_t)sid);
		if (c.fault || ((c.lo >> 2) & 3) == 2)
			continue;
		uint16_t did = (uint16_t)(c.hi >> 8);
		struct fill fill = { .on = true, .did = did, .root = c.lo & ADDR,
				     .levels = (unsigned)(c.hi & 7) + 2 };
		if (f->did_gen[did] == f->gen && f->did_root[did] == fill.root)
			continue;
		f->did_gen[did] = f->gen;
		f->did_root[did] = fill.root;
		f->did_levels[did] = (uint8_t)fill.levels;
		if (page_find(f, fill.root))
			prefetch_sl(f, &fill, fill.root, fill.levels - 1, 3, 0);
	}
}

/* ---- interrupt remapping (5.1, 9.10) ------------------------------------------------ */

struct fake_iece {
	bool valid;
	uint64_t lo, hi;
};

static uint64_t irt_base(const struct fake_vtd *f)
{
	return f->irta_latched & ~0xfffull;
}

static uint32_t irt_size(const struct fake_vtd *f)
{
	return 2u << IRTA_S(f->irta_latched);
}

static uint64_t irt_bytes(const struct fake_vtd *f)
{
	return 16ull * irt_size(f);
}

static bool eime(const struct fake_vtd *f)
{
	return f->irta_latched & IRTA_EIME;
}

/* Entry `index` of the latched table as the hardware reads it now; false
 * when no live page holds it. */
static bool irte_read(const struct fake_vtd *f, uint32_t index, uint64_t e[2])
{
	uint64_t a = irt_base(f) + 16ull * index;

	return hw_read(f, a, (unsigned)(a & (PG - 1)) / 8, &e[0]) &&
	       hw_read(f, a, (unsigned)(a & (PG - 1)) / 8 + 1, &e[1]);
}

/* What the IEC may hold: present entries; with caching mode, any. */
static bool iec_cacheable(const struct fake_vtd *f, const uint64_t e[2])
{
	return (e[0] & IR_P) || cm(f);
}

static void iec_put(struct fake_vtd *f, uint32_t index, const uint64_t e[2])
{
	struct fake_iece *c = &f->iec[index];

	if (!c->valid)
		f->iec_count++;
	*c = (struct fake_iece){ .valid = true, .lo = e[0], .hi = e[1] };
}

unsigned fake_iec_entries(const struct fake_vtd *f)
{
	return f->iec_count;
}

bool fake_iec_lookup(const struct fake_vtd *f, uint32_t index, uint64_t e[2])
{
	if (index > 0xffff || !f->iec[index].valid)
		return false;
	e[0] = f->iec[index].lo;
	e[1] = f->iec[index].hi;
	return true;
}

/* Checked when SIRTP latches IRTA. */
static void irta_latch_check(struct fake_vtd *f)
{
	uint64_t v = f->irta_latched;

	if (v & IRTA_RSVD)
		fake_fail(f, "IRTA %#llx: reserved bits 10:4 set", (unsigned long long)v);
	if ((v & IRTA_EIME) && !cap_bit(f->ecap, ECAP_EIM))
		fake_fail(f, "IRTA %#llx: EIME set on a unit without ECAP.EIM",
			  (unsigned long long)v);
	for (uint64_t off = 0; off < irt_bytes(f); off += PG) {
		if (!page_find(f, irt_base(f) + off)) {
			fake_fail(f, "IRTA %#llx latched by SIRTP: the interrupt remapping table "
				  "(%u entries) at %#llx is not all live pages of the fake (first "
				  "missing: %#llx)", (unsigned long long)v, irt_size(f),
				  (unsigned long long)irt_base(f),
				  (unsigned long long)(irt_base(f) + off));
			return;
		}
	}
}

/* Every cached entry must be what the table holds now. `when`: NULL at a
 * check, else a moment that makes a stale entry an error by itself. */
static void check_iec(struct fake_vtd *f, const char *when)
{
	unsigned reported = 0;

	if (!f->iec_count)
		return;
	for (uint32_t i = 0; i < 65536 && i < irt_size(f); i++) {
		const struct fake_iece *c = &f->iec[i];
		uint64_t e[2];
		if (!c->valid)
			continue;
		bool readable = irte_read(f, i, e);
		if (readable && e[0] == c->lo && e[1] == c->hi)
			continue;
		if (reported++ < 4)
			fake_fail(f, "stale interrupt entry cache entry for index %u%s%s: cached "
				  "%#018llx %#018llx, the table now holds %s%#018llx %#018llx: an "
				  "IRTE changed without an interrupt entry cache invalidation of "
				  "its index", i, when ? " " : "", when ? when : "",
				  (unsigned long long)c->hi, (unsigned long long)c->lo,
				  readable ? "" : "(no live page) ",
				  readable ? (unsigned long long)e[1] : 0ull,
				  readable ? (unsigned long long)e[0] : 0ull);
	}
}

/* The table reads the same in the hardware's view as in the CPU's. */
static void check_irt_views(struct fake_vtd *f)
{
	struct visit v = { .mode = V_CHECK };

	for (uint64_t off = 0; off < irt_bytes(f); off += PG) {
		const struct fake_page *p = page_find(f, irt_base(f) + off);
		if (!p) {
			fake_fail(f, "the interrupt remapping table at %#llx reaches %#llx, which "
				  "is no live page", (unsigned long long)irt_base(f),
				  (unsigned long long)(irt_base(f) + off));
			return;
		}
		compare_views(f, p, "interrupt remapping table", -1, &v);
	}
}

/* Hardware may cache any entry of the table while remapping is on. */
static void iec_prefetch(struct fake_vtd *f)
{
	if (!f->speculative || !(f->gsts & G_IRE))
		return;
	f->iec_prefetches++;
	for (uint32_t i = 0; i < irt_size(f) && i < 65536; i++) {
		uint64_t e[2];
		if (!f->iec[i].valid && irte_read(f, i, e) && iec_cacheable(f, e))
			iec_put(f, i, e);
	}
}

/* The interrupt entry cache invalidate descriptor: every entry, or the
 * naturally aligned block of 2^im indexes holding `iidx`. */
static void iec_invalidate(struct fake_vtd *f, bool global, uint16_t iidx, unsigned im)
{
	uint32_t first = 0, count = 65536;

	write_buffer_flush(f);
	if (!global && im < 16) {
		count = 1u << im;
		first = iidx & ~(count - 1);
	}
	for (uint32_t i = first; i < first + count; i++) {
		if (f->iec[i].valid) {
			f->iec[i].valid = false;
			f->iec_count--;
		}
	}
	if (global)
		f->iec_global_since_sirtp = true;
	iec_prefetch(f);
}

/* Reserved bits of a present remapped-format IRTE, and reserved
 * encodings (conditionally reserved fields programmed wrongly). */
static bool irte_reserved(struct fake_vtd *f, const uint64_t e[2])
{
	uint64_t lo = e[0], hi = e[1];
	unsigned dlm = IR_DLM(lo);

	if ((lo & IR_LO_RSVD) || (hi & IR_HI_RSVD))
		return true;
	if (lo & IR_IM) {
		if (cap_bit(f->cap, CAP_PI))
			fake_fail(f, "posted-format IRTE: not modelled");
		return true;
	}
	if (!eime(f) && (lo & IR_DST_XAPIC_RSVD))
		return true;
	return dlm == 3 || dlm == 6 || IR_SVT(hi) == 3;
}

/* Source-id verification (9.10, SVT/SQ/SID). */
static bool irte_sid_ok(uint64_t hi, uint16_t requester)
{
	static const uint16_t sq_mask[4] = { 0xffff, 0xfffb, 0xfff9, 0xfff8 };
	uint16_t sid = IR_SID(hi);

	switch (IR_SVT(hi)) {
	case 0:
		return true;
	case 1:
		return ((sid ^ requester) & sq_mask[IR_SQ(hi)]) == 0;
	case 2: {
		unsigned bus = requester >> 8;
		return bus >= (unsigned)(sid >> 8) && bus <= (unsigned)(sid & 0xff);
	}
	default:
		return false;
	}
}

/* A compatibility-format request, as the platform sees it unremapped. */
static void compat_decode(uint64_t addr, uint32_t data, struct fake_irq *out)
{
	out->dest = (uint32_t)(addr >> 12) & 0xff;
	out->redir_hint = addr & (1u << 3);
	out->dest_logical = addr & (1u << 2);
	out->vector = (uint8_t)data;
	out->dlm = (data >> 8) & 7;
	out->level = data & (1u << 15);
}

unsigned fake_interrupt(struct fake_vtd *f, uint16_t sid, uint64_t addr, uint32_t data,
			struct fake_irq *out)
{
	bool qualified = false, fpd = false;
	uint64_t e[2];
	unsigned fault;

	memset(out, 0, sizeof(*out));
	f->interrupts++;
	if ((addr >> 20) != 0xfee) {
		fake_fail(f, "fake_interrupt(%#llx): not an interrupt request (0xFEEx_xxxx)",
			  (unsigned long long)addr);
		out->fault = IRF_REQ_RSVD;
		return out->fault;
	}
	if (!(f->gsts & G_IRE)) {
		compat_decode(addr, data, out); /* not remapped: the platform takes it as is */
		return 0;
	}
	if (!(addr & MSI_IF)) {
		if (!eime(f) && (f->gsts & G_CFI)) {
			compat_decode(addr, data, out);
			return 0;
		}
		fault = IRF_COMPAT;
		goto blocked;
	}
	uint32_t handle = ((uint32_t)(addr >> 5) & 0x7fff) | ((uint32_t)(addr >> 2) & 1) << 15;
	out->remapped = true;
	out->index = handle + ((addr & MSI_SHV) ? (data & 0xffff) : 0);
	if (data >> 16) {
		fault = IRF_REQ_RSVD;
		goto blocked;
	}
	if (out->index >= irt_size(f)) {
		fault = IRF_INDEX;
		goto blocked;
	}
	const struct fake_iece *c = &f->iec[out->index];
	if (c->valid) {
		e[0] = c->lo;
		e[1] = c->hi;
		out->cached = true;
		f->iec_hits++;
	} else if (!irte_read(f, out->index, e)) {
		fault = IRF_TABLE;
		goto blocked;
	} else if (iec_cacheable(f, e)) {
		iec_put(f, out->index, e);
	}
	qualified = true;
	fpd = e[0] & IR_FPD;
	if (!(e[0] & IR_P)) {
		fault = IRF_NOT_PRESENT;
		goto blocked;
	}
	if (irte_reserved(f, e)) {
		fault = IRF_IRTE_RSVD;
		goto blocked;
	}
	if (!irte_sid_ok(e[1], sid)) {
		fault = IRF_SID;
		goto blocked;
	}
	out->vector = IR_V(e[0]);
	out->dest = eime(f) ? IR_DST(e[0]) : (IR_DST(e[0]) >> 8) & 0xff;
	out->dlm = (uint8_t)IR_DLM(e[0]);
	out->level = e[0] & IR_TM;
	out->dest_logical = e[0] & IR_DM;
	out->redir_hint = e[0] & IR_RH;
	return 0;

blocked:
	out->fault = fault;
	if (f->record_faults && !(qualified && fpd))
		out->recorded = fake_record_fault(f, sid, (uint64_t)(out->index & 0xffff) << 48,
						  (uint8_t)fault, false);
	return fault;
}

unsigned fake_check_coherent(struct fake_vtd *f)
{
	unsigned before = f->errors;
	struct visit v = { .mode = V_CHECK };

	f->checks++;
	/* The code under test is synchronous: nothing may be left running. */
	if (f->gcmd_left || f->ccmd_left || f->iotlb_left || f->pmen_left ||
	    ((f->gsts & G_QIE) && (f->queue_left || f->iqh != f->iqt)))
		fake_fail(f, "an operation returned with a command still in progress (GCMD %d, "
			  "CCMD %d, IOTLB %d, PMEN %d, queue %d, IQH %#llx IQT %#llx): it did not "
			  "wait for completion", f->gcmd_left, f->ccmd_left, f->iotlb_left,
			  f->pmen_left, f->queue_left, (unsigned long long)f->iqh,
			  (unsigned long long)f->iqt);
	traverse(f, &v);
	check_context_cache(f);
	check_tlb(f);
	if ((f->gsts & G_IRE) && f->irta_latched) { /* not a table firmware left behind */
		check_irt_views(f);
		check_iec(f, NULL);
	}
	prefetch(f);
	iec_prefetch(f);
	return f->errors - before;
}

static void env_free_page(void *ctx, uint64_t phys)
{
	struct fake_vtd *f = ctx;
	struct fake_page *p = page_find(f, phys);

	if (!p || p->phys != phys) {
		fake_fail(f, "free_page(%#llx): not an allocated page (double free?)",
			  (unsigned long long)phys);
		return;
	}
	for (unsigned sid = 0; sid < 65536; sid++)
		if (f->cc[sid].valid && f->cc[sid].present && (f->cc[sid].lo & ADDR) == phys)
			fake_fail(f, "page %#llx freed while the context cache holds %02x:%02x.%u "
				  "pointing at it", (unsigned long long)phys, sid >> 8,
				  (sid >> 3) & 31, sid & 7);
	unsigned reported = 0;
	for (unsigned b = 0; b < TLB_BUCKETS; b++)
		for (const struct fake_tlbe *e = f->tlb[b]; e; e = e->next)
			if (((e->kind == TLB_TABLE && e->out == phys) || e->root == phys) &&
			    reported++ < 2)
				fake_fail(f, "page %#llx freed while the IOTLB still caches a %s "
					  "entry of DID %u (level %u, IOVA %#llx) that uses it: free "
					  "only after the IOTLB invalidation", (unsigned long long)phys,
					  tlb_kind[e->kind], e->did, e->level,
					  (unsigned long long)e->base);
	struct visit v = { .mode = V_FIND, .target = phys };
	traverse(f, &v);
	if (v.found)
		fake_fail(f, "page %#llx freed while the hardware can still reach it",
			  (unsigned long long)phys);
	if ((f->gsts & G_QIE) && (f->iqa & ADDR) == phys)
		fake_fail(f, "the invalidation queue page freed while QI is on");
	if ((f->gsts & G_IRE) && phys >= irt_base(f) && phys < irt_base(f) + irt_bytes(f))
		fake_fail(f, "page %#llx of the interrupt remapping table freed while interrupt "
			  "remapping is on", (unsigned long long)phys);
	f->frees++;
	page_release(f, p);
}

/* ---- invalidations ---------------------------------------------------------------- */

static void cc_invalidate(struct fake_vtd *f, unsigned gran, uint16_t did, uint16_t sid,
			  unsigned fm)
{
	write_buffer_flush(f);
	if (gran == 3) {
		/* FM masks the low 0, 1, 2 or 3 function bits (11.4.7). */
		unsigned mask = fm == 0 ? 0 : fm == 1 ? 4 : fm == 2 ? 6 : 7;
		for (unsigned j = 0; j <= mask; j++) {
			if (j & ~mask)
				continue;
			struct fake_cce *c = &f->cc[(sid & ~mask) | j];
			if (c->valid && cce_did(c) == did)
				c->valid = false;
		}
	} else {
		for (unsigned s = 0; s < 65536; s++)
			if (f->cc[s].valid && (gran == 1 || cce_did(&f->cc[s]) == did))
				f->cc[s].valid = false;
	}
	if (gran == 1) {
		f->cc_global_since_srtp = true;
		f->iotlb_global_since_cc = false;
	}
	prefetch(f);
}

static void iotlb_invalidate(struct fake_vtd *f, unsigned gran, uint16_t did, uint64_t addr,
			     unsigned am, bool ih)
{
	uint64_t end = addr + (PG << am);

	write_buffer_flush(f);
	for (unsigned b = 0; b < TLB_BUCKETS; b++) {
		struct fake_tlbe **pp = &f->tlb[b];
		while (*pp) {
			struct fake_tlbe *e = *pp;
			bool drop = gran == 1 || (e->did == did && gran == 2);
			if (gran == 3 && e->did == did) {
				bool overlap = e->base < end && addr < e->base + lsize(e->level);
				/* IH: only leaves changed; paging-structure caches may stay. */
				bool ps = e->kind == TLB_TABLE || (e->kind == TLB_NEG && e->level);
				drop = overlap && !(ih && ps);
			}
			if (drop) {
				*pp = e->next;
				free(e);
				f->tlb_entries--;
			} else {
				pp = &e->next;
			}
		}
	}
	if (gran == 1 && f->cc_global_since_srtp)
		f->iotlb_global_since_cc = true;
	prefetch(f);
}

/* Checks a page-selective request; false: the unit cannot do it. */
static bool psi_valid(struct fake_vtd *f, uint64_t addr, unsigned am, bool queued)
{
	const char *how = queued ? "queued" : "register-based";

	if (!cap_bit(f->cap, CAP_PSI)) {
		fake_fail(f, "%s page-selective IOTLB invalidation on a unit without CAP.PSI",
			  how);
		return false;
	}
	if (am > cap_mamv_(f->cap)) {
		fake_fail(f, "%s page-selective IOTLB invalidation with AM %u > CAP.MAMV %u", how,
			  am, cap_mamv_(f->cap));
		return false;
	}
	if (addr & ((PG << am) - 1))
		fake_fail(f, "%s page-selective IOTLB invalidation of %#llx not aligned to its "
			  "2^%u pages", how, (unsigned long long)addr, am);
	return true;
}

static void drain_bits(struct fake_vtd *f, bool dr, bool dw, const char *how)
{
	if ((dr && !cap_bit(f->cap, CAP_DRD)) || (dw && !cap_bit(f->cap, CAP_DWD)))
		fake_fail(f, "%s IOTLB invalidation asks for read/write draining the unit does "
			  "not offer (CAP.DRD/DWD)", how);
}

/* ---- queued invalidation (6.5.2) ----------------------------------------------------- */

enum { DESC_OK, DESC_ERROR, DESC_STALL };

static int desc_process(struct fake_vtd *f, uint64_t lo, uint64_t hi)
{
	unsigned type = lo & 0xf;

	if (f->fail_next_desc) {
		f->fail_next_desc = false;
		return DESC_ERROR;
	}
	if ((lo >> 9) & 7)
		return DESC_ERROR; /* type bits 11:9: not legacy descriptors */
	switch (type) {
	case 1: { /* context-cache invalidate */
		unsigned gran = (lo >> 4) & 3;
		if (!gran)
			return DESC_ERROR;
		struct fake_event ev = { .type = FEV_CC, .queued = true, .gran = gran,
					 .did = (uint16_t)(lo >> 16), .sid = (uint16_t)(lo >> 32),
					 .fm = (lo >> 48) & 3 };
		log_ev(f, &ev);
		cc_invalidate(f, gran, ev.did, ev.sid, ev.fm);
		return DESC_OK;
	}
	case 2: { /* IOTLB invalidate */
		unsigned gran = (lo >> 4) & 3;
		if (!gran)
			return DESC_ERROR;
		struct fake_event ev = { .type = FEV_IOTLB, .queued = true, .gran = gran,
					 .did = (uint16_t)(lo >> 16), .dw = (lo >> 6) & 1,
					 .dr = (lo >> 7) & 1, .addr = hi & ~0xfffull,
					 .am = hi & 0x3f, .ih = (hi >> 6) & 1 };
		log_ev(f, &ev);
		drain_bits(f, ev.dr, ev.dw, "queued");
		if (gran == 3 && !psi_valid(f, ev.addr, ev.am, true))
			return DESC_ERROR; /* QEMU: an AM beyond MAMV is a queue error */
		iotlb_invalidate(f, gran, ev.did, ev.addr, ev.am, ev.ih);
		return DESC_OK;
	}
	case 3:
		if (!cap_bit(f->ecap, ECAP_DT))
			return DESC_ERROR;
		return DESC_OK;
	case 4: { /* interrupt entry cache invalidate: G bit 4, IM 31:27, IIDX 47:32 */
		if (!cap_bit(f->ecap, ECAP_IR))
			return DESC_ERROR;
		struct fake_event ev = { .type = FEV_IEC, .queued = true, .gran = (lo >> 4) & 1,
					 .am = (lo >> 27) & 0x1f, .addr = (lo >> 32) & 0xffff };
		log_ev(f, &ev);
		/* Reserved: 8:5, 26:12, 63:48 and the high qword. */
		if ((lo & (0xfull << 5)) || (lo & (0x7fffull << 12)) || (lo >> 48) || hi)
			return DESC_ERROR;
		iec_invalidate(f, ev.gran == 0, (uint16_t)ev.addr, ev.am);
		return DESC_OK;
	}
	case 5: { /* invalidation wait */
		bool intr = (lo >> 4) & 1, sw = (lo >> 5) & 1;
		uint32_t data = (uint32_t)(lo >> 32);
		log_ev(f, &(struct fake_event){ .type = FEV_WAIT, .queued = true, .data = data,
						.addr = hi & ~3ull, .on = intr });
		if (intr && sw)
			fake_fail(f, "invalidation wait descriptor with both IF and SW: QEMU 7.2 "
				  "aborts on it");
		if (!intr && !sw) {
			fake_fail(f, "invalidation wait descriptor with neither IF nor SW: the QEMU "
				  "queue stalls on it");
			return DESC_STALL;
		}
		if (sw && !hw_write32(f, hi & ~3ull, data))
			fake_fail(f, "invalidation wait status address %#llx is no live page",
				  (unsigned long long)(hi & ~3ull));
		if (intr)
			f->ics |= ICS_IWC;
		return DESC_OK;
	}
	default:
		return DESC_ERROR;
	}
}

static void queue_process(struct fake_vtd *f)
{
	unsigned entries = 256u << (f->iqa & 7);

	f->queue_left = 0;
	if ((f->iqa & 7) || (f->iqa & (1u << 11))) {
		fake_fail(f, "IQA %#llx: only a one-page queue of 128-bit descriptors is modelled",
			  (unsigned long long)f->iqa);
		return;
	}
	while ((f->iqh >> 4) != (f->iqt >> 4) && !(f->fsts & FSTS_IQE)) {
		unsigned head = (unsigned)(f->iqh >> 4) % entries;
		uint64_t desc = (f->iqa & ADDR) + 16ull * head, d[2];
		struct fake_page *p = page_find(f, desc);
		int r = DESC_ERROR;
		if (p) {
			/* Descriptor fetches are snooped: ECAP.C covers the tables only. */
			memcpy(d, cpu_bytes(p) + (desc - p->phys), 16);
			r = desc_process(f, d[0], d[1]);
		}
		if (r == DESC_STALL) {
			f->queue_left = -1;
			return;
		}
		if (r == DESC_ERROR) {
			f->fsts |= FSTS_IQE;
			if (f->iqe_is_error)
				fake_fail(f, "invalidation queue error at descriptor %u (%#llx %#llx)",
					  head, p ? (unsigned long long)d[0] : 0ull,
					  p ? (unsigned long long)d[1] : 0ull);
			return;
		}
		f->queued_desc++;
		f->iqh = (uint64_t)((head + 1) % entries) << 4;
	}
}

/* ---- commands ------------------------------------------------------------------------- */

static void start(struct fake_vtd *f, int *left, unsigned stuck_bit, void (*done)(struct fake_vtd *))
{
	if (f->stuck & stuck_bit)
		*left = -1;
	else if (!f->latency)
		done(f);
	else
		*left = (int)f->latency;
}

static void gcmd_complete(struct fake_vtd *f)
{
	uint32_t bit = f->gcmd_bit;
	bool on = f->gcmd_on;

	f->gcmd_left = 0;
	switch (bit) {
	case G_SRTP:
		if (f->rtaddr & (3ull << 10))
			fake_fail(f, "RTADDR %#llx: TTM is not legacy mode",
				  (unsigned long long)f->rtaddr);
		f->root = f->rtaddr & ADDR;
		f->gsts |= G_SRTP;
		f->cc_global_since_srtp = f->iotlb_global_since_cc = false;
		break;
	case G_SIRTP:
		f->irta_latched = f->irta;
		f->gsts |= G_SIRTP;
		f->iec_global_since_sirtp = false;
		irta_latch_check(f);
		break;
	case G_WBF:
		write_buffer_flush(f);
		f->wbf_done++;
		f->gsts &= ~G_WBF;
		break;
	case G_QIE:
		if (on)
			f->iqh = 0;
		/* fall through */
	default:
		f->gsts = on ? f->gsts | bit : f->gsts & ~bit;
	}
}

static void gcmd_done(struct fake_vtd *f)
{
	gcmd_complete(f);
}

static const char *gcmd_name(uint32_t bit)
{
	switch (bit) {
	case G_TE: return "TE";
	case G_SRTP: return "SRTP";
	case G_SFL: return "SFL";
	case G_EAFL: return "EAFL";
	case G_WBF: return "WBF";
	case G_QIE: return "QIE";
	case G_IRE: return "IRE";
	case G_SIRTP: return "SIRTP";
	case G_CFI: return "CFI";
	default: return "?";
	}
}

static void gcmd_start(struct fake_vtd *f, uint32_t bit, bool on, bool immediate)
{
	log_ev(f, &(struct fake_event){ .type = FEV_GCMD, .cmd = bit, .on = on });
	switch (bit) {
	case G_TE:
		if (on && !(f->gsts & G_SRTP))
			fake_fail(f, "translation enabled before the root table pointer was set");
		if (on && !(f->cc_global_since_srtp && f->iotlb_global_since_cc))
			fake_fail(f, "translation enabled without a global context-cache and then a "
				  "global IOTLB invalidation since the root table pointer was set");
		break;
	case G_SFL:
	case G_EAFL:
		fake_fail(f, "GCMD.%s: advanced fault logging is not modelled", gcmd_name(bit));
		break;
	case G_WBF:
		if (!cap_bit(f->cap, CAP_RWBF))
			fake_fail(f, "write-buffer flush on a unit without CAP.RWBF");
		f->gsts |= G_WBF;
		break;
	case G_SRTP:
		f->gsts &= ~G_SRTP;
		break;
	case G_SIRTP:
		f->gsts &= ~G_SIRTP;
		break;
	case G_QIE:
		if (on && !cap_bit(f->ecap, ECAP_QI))
			fake_fail(f, "queued invalidation enabled on a unit without ECAP.QI");
		if (on && f->iqt)
			fake_fail(f, "queued invalidation enabled with IQT %#llx, not 0",
				  (unsigned long long)f->iqt);
		if (on && !page_find(f, f->iqa & ADDR))
			fake_fail(f, "queued invalidation enabled with IQA %#llx: no live page",
				  (unsigned long long)f->iqa);
		if (!on && (f->gsts & G_IRE))
			fake_fail(f, "queued invalidation disabled while interrupt remapping is on");
		if (!on && f->iqh != f->iqt)
			fake_fail(f, "queued invalidation disabled with descriptors pending");
		break;
	case G_IRE:
		if (on && !cap_bit(f->ecap, ECAP_IR))
			fake_fail(f, "interrupt remapping enabled on a unit without ECAP.IR");
		if (on && !(f->gsts & G_SIRTP))
			fake_fail(f, "interrupt remapping enabled before the table pointer was set");
		if (on && !(f->gsts & G_QIE))
			fake_fail(f, "interrupt remapping enabled without queued invalidation");
		if (on && (f->gsts & G_SIRTP) && !f->iec_global_since_sirtp)
			fake_fail(f, "interrupt remapping enabled without a global interrupt entry cache "
				  "invalidation since the table pointer was set (SIRTP)");
		if (on && (f->gsts & G_SIRTP))
			check_iec(f, "when interrupt remapping was enabled");
		break;
	default:
		break;
	}
	f->gcmd_bit = bit;
	f->gcmd_on = on;
	bool stuck = (f->stuck & FAKE_STUCK_GCMD) || (bit == G_WBF && (f->stuck & FAKE_STUCK_WBF));
	if (stuck)
		f->gcmd_left = -1;
	else if (immediate || !f->latency)
		gcmd_complete(f);
	else
		f->gcmd_left = (int)f->latency;
}

static void gcmd_write(struct fake_vtd *f, uint32_t v)
{
	if (f->gcmd_left)
		fake_fail(f, "GCMD %#x written while %s is still in progress", v,
			  gcmd_name(f->gcmd_bit));
	if (v & 0x7fffff)
		fake_fail(f, "GCMD %#x: reserved bits", v);
	uint32_t toggled = (v ^ f->gsts) & G_PERSIST, shots = v & G_ONESHOT;
	uint32_t cmds = toggled | shots;
	int n = __builtin_popcount(cmds);
	if (n == 0) {
		fake_fail(f, "GCMD %#x commands nothing (GSTS %#x)", v, f->gsts);
		return;
	}
	if (n > 1)
		fake_fail(f, "GCMD %#x carries %d commands at once (GSTS %#x): a one-shot command "
			  "must be written with GSTS's persistent bits, a persistent bit changed "
			  "alone", v, n, f->gsts);
	for (int b = 31; b >= 23; b--)
		if (cmds & (1u << b))
			gcmd_start(f, 1u << b, (shots >> b) & 1 ? true : (v >> b) & 1, n > 1);
}

static void ccmd_done(struct fake_vtd *f)
{
	unsigned gran = (f->ccmd >> 61) & 3;

	f->ccmd_left = 0;
	cc_invalidate(f, gran, (uint16_t)f->ccmd, (uint16_t)(f->ccmd >> 16), (f->ccmd >> 32) & 3);
	f->ccmd = (f->ccmd & ~(CCMD_ICC | (3ull << 59))) | (uint64_t)gran << 59;
}

static void ccmd_write(struct fake_vtd *f, uint64_t v)
{
	if (!(v & CCMD_ICC)) {
		f->ccmd = v;
		return;
	}
	if (f->gsts & G_QIE) {
		fake_fail(f, "register-based context-cache invalidation while queued invalidation "
			  "is on: QEMU ignores it and CCMD.ICC stays set");
		f->ccmd = v;
		f->ccmd_left = -1;
		return;
	}
	if (f->ccmd_left)
		fake_fail(f, "CCMD written while an invalidation is in progress");
	unsigned gran = (v >> 61) & 3;
	log_ev(f, &(struct fake_event){ .type = FEV_CC, .gran = gran, .did = (uint16_t)v,
					.sid = (uint16_t)(v >> 16), .fm = (v >> 32) & 3 });
	f->reg_cc++;
	f->ccmd = v;
	if (!gran) {
		fake_fail(f, "CCMD %#llx: granularity 0 is reserved", (unsigned long long)v);
		f->ccmd_left = -1;
		return;
	}
	start(f, &f->ccmd_left, FAKE_STUCK_CCMD, ccmd_done);
}

static void iotlb_done(struct fake_vtd *f)
{
	unsigned gran = (f->iotlb >> 60) & 3;

	f->iotlb_left = 0;
	iotlb_invalidate(f, gran, (uint16_t)(f->iotlb >> 32), f->iva & ~0xfffull, f->iva & 0x3f,
			 (f->iva >> 6) & 1);
	f->iotlb = (f->iotlb & ~(IOTLB_IVT | (3ull << 57))) | (uint64_t)gran << 57;
}

static void iotlb_write(struct fake_vtd *f, uint64_t v)
{
	if (!(v & IOTLB_IVT)) {
		f->iotlb = v;
		return;
	}
	if (f->gsts & G_QIE) {
		fake_fail(f, "register-based IOTLB invalidation while queued invalidation is on: "
			  "QEMU ignores it and IOTLB_REG.IVT stays set");
		f->iotlb = v;
		f->iotlb_left = -1;
		return;
	}
	if (f->iotlb_left)
		fake_fail(f, "IOTLB_REG written while an invalidation is in progress");
	if (f->ccmd_left)
		fake_fail(f, "IOTLB invalidation issued before the context-cache invalidation "
			  "completed");
	unsigned gran = (v >> 60) & 3;
	struct fake_event ev = { .type = FEV_IOTLB, .gran = gran, .did = (uint16_t)(v >> 32),
				 .dr = (v >> 49) & 1, .dw = (v >> 48) & 1 };
	if (gran == 3) {
		ev.addr = f->iva & ~0xfffull;
		ev.am = f->iva & 0x3f;
		ev.ih = (f->iva >> 6) & 1;
	}
	log_ev(f, &ev);
	f->reg_iotlb++;
	f->iotlb = v;
	drain_bits(f, ev.dr, ev.dw, "register-based");
	if (!gran) {
		fake_fail(f, "IOTLB_REG %#llx: granularity 0 is reserved", (unsigned long long)v);
		f->iotlb_left = -1;
		return;
	}
	if (gran == 3 && !psi_valid(f, ev.addr, ev.am, false)) {
		/* The unit does a domain-selective one instead (IAIG says so). */
		f->iotlb = (v & ~(3ull << 60)) | 2ull << 60;
	}
	start(f, &f->iotlb_left, FAKE_STUCK_IOTLB, iotlb_done);
}

static void iqt_write(struct fake_vtd *f, uint64_t v)
{
	if (v & ~0x7fff0ull)
		fake_fail(f, "IQT %#llx: reserved bits", (unsigned long long)v);
	f->iqt = v;
	if (!(f->gsts & G_QIE))
		return;
	if ((v >> 4) >= (256u << (f->iqa & 7)))
		fake_fail(f, "IQT %#llx beyond the queue", (unsigned long long)v);
	if (f->queue_left)
		return; /* already busy: fetched when it is done */
	start(f, &f->queue_left, FAKE_STUCK_QUEUE, queue_process);
}

static void pmen_done(struct fake_vtd *f)
{
	f->pmen_left = 0;
	f->pmen &= ~PMEN_PRS;
}

static void tick(struct fake_vtd *f)
{
	if (f->gcmd_left > 0 && --f->gcmd_left == 0)
		gcmd_done(f);
	if (f->ccmd_left > 0 && --f->ccmd_left == 0)
		ccmd_done(f);
	if (f->iotlb_left > 0 && --f->iotlb_left == 0)
		iotlb_done(f);
	if (f->queue_left > 0 && --f->queue_left == 0)
		queue_process(f);
	if (f->pmen_left > 0 && --f->pmen_left == 0)
		pmen_done(f);
}

void fake_resume(struct fake_vtd *f)
{
	f->stuck = 0;
	if (f->gcmd_left)
		gcmd_done(f);
	if (f->ccmd_left && !(f->gsts & G_QIE))
		ccmd_done(f);
	if (f->iotlb_left && !(f->gsts & G_QIE))
		iotlb_done(f);
	if (f->pmen_left)
		pmen_done(f);
	if (f->queue_left || ((f->gsts & G_QIE) && f->iqh != f->iqt))
		queue_process(f);
}

/* ---- register file --------------------------------------------------------------------- */

/* 4 or 8: the register's width; 16: a fault recording register; 0: none. */
static unsigned reg_width(const struct fake_vtd *f, unsigned off)
{
	unsigned fro = cap_fro_(f->cap), iro = ecap_iro_(f->ecap);

	if (off >= fro && off < fro + 16 * cap_nfr_(f->cap))
		return 16;
	if (off == iro || off == iro + 8)
		return 8;
	switch (off) {
	case R_VER: case R_GCMD: case R_GSTS: case R_FSTS: case R_FECTL: case R_FEDATA:
	case R_FEADDR: case R_FEUADDR: case R_PMEN: case R_PLMBASE: case R_PLMLIMIT:
	case R_ICS: case R_IECTL: case R_IEDATA: case R_IEADDR: case R_IEUADDR:
		return 4;
	case R_CAP: case R_ECAP: case R_RTADDR: case R_CCMD: case R_AFLOG: case R_PHMBASE:
	case R_PHMLIMIT: case R_IQH: case R_IQT: case R_IQA: case R_IQERCD: case R_IRTA:
		return 8;
	default:
		return 0;
	}
}

static bool check_access(struct fake_vtd *f, uint64_t base, unsigned off, unsigned width,
			 bool write)
{
	unsigned w = reg_width(f, off);

	if (base != FAKE_VTD_BASE) {
		fake_fail(f, "register access at base %#llx, not the unit's",
			  (unsigned long long)base);
		return false;
	}
	if (w == 16 && !(off & (width - 1)))
		return true;
	if (w == width)
		return true;
	fake_fail(f, "%u-bit %s of %s register %#x%s", width * 8, write ? "write" : "read",
		  w ? (w == 4 ? "32-bit" : "64-bit") : "unknown", off,
		  w == 4 && width == 8 ? " (QEMU aborts)" : "");
	return false;
}

static uint32_t fsts_value(const struct fake_vtd *f)
{
	bool ppf = false;

	for (unsigned i = 0; i < cap_nfr_(f->cap); i++)
		ppf |= f->frcd[i][1] >> 63;
	return (f->fsts & FSTS_W1C) | (ppf ? FSTS_PPF : 0) | (ppf ? f->fri << 8 : 0);
}

static uint32_t env_read32(void *ctx, uint64_t base, unsigned off)
{
	struct fake_vtd *f = ctx;

	tick(f);
	if (!check_access(f, base, off, 4, false))
		return 0;
	if (reg_width(f, off) == 16) {
		unsigned i = (off - cap_fro_(f->cap)) / 16, w = off % 16;
		return (uint32_t)(f->frcd[i][w / 8] >> (w % 8 ? 32 : 0));
	}
	switch (off) {
	case R_VER: return f->ver;
	case R_GCMD: return 0;
	case R_GSTS: return f->gsts;
	case R_FSTS: return fsts_value(f);
	case R_FECTL: return f->fectl & FECTL_IM;
	case R_FEDATA: return f->fedata;
	case R_FEADDR: return f->feaddr;
	case R_FEUADDR: return f->feuaddr;
	case R_PMEN: return f->pmen;
	case R_ICS: return f->ics;
	default: return 0;
	}
}

static uint64_t env_read64(void *ctx, uint64_t base, unsigned off)
{
	struct fake_vtd *f = ctx;

	tick(f);
	if (!check_access(f, base, off, 8, false))
		return 0;
	if (reg_width(f, off) == 16) {
		unsigned i = (off - cap_fro_(f->cap)) / 16;
		return f->frcd[i][(off % 16) / 8];
	}
	if (off == ecap_iro_(f->ecap))
		return f->iva;
	if (off == ecap_iro_(f->ecap) + 8)
		return f->iotlb;
	switch (off) {
	case R_CAP: return f->cap;
	case R_ECAP: return f->ecap;
	case R_RTADDR: return f->rtaddr;
	case R_CCMD: return f->ccmd;
	case R_IQH: return f->iqh;
	case R_IQT: return f->iqt;
	case R_IQA: return f->iqa;
	case R_IRTA: return f->irta;
	default: return 0;
	}
}

static void env_write32(void *ctx, uint64_t base, unsigned off, uint32_t v)
{
	struct fake_vtd *f = ctx;

	if (!check_access(f, base, off, 4, true))
		return;
	if (reg_width(f, off) == 16) {
		unsigned i = (off - cap_fro_(f->cap)) / 16;
		if (off % 16 != 12)
			fake_fail(f, "write to read-only word %u of fault record %u", off % 16 / 4, i);
		else if (v & (1u << 31))
			f->frcd[i][1] &= ~(1ull << 63); /* F is write-1-to-clear */
		return;
	}
	switch (off) {
	case R_GCMD:
		gcmd_write(f, v);
		break;
	case R_FSTS: {
		bool iqe = f->fsts & v & FSTS_IQE;
		f->fsts &= ~(v & FSTS_W1C);
		if (iqe && (f->gsts & G_QIE) && !f->queue_left)
			queue_process(f); /* fetching resumes at IQH */
		break;
	}
	case R_FECTL: f->fectl = v & FECTL_IM; break;
	case R_FEDATA: f->fedata = v; break;
	case R_FEADDR: f->feaddr = v; break;
	case R_FEUADDR: f->feuaddr = v; break;
	case R_ICS: f->ics &= ~(v & ICS_IWC); break;
	case R_PMEN:
		if (v & PMEN_EPM) {
			f->pmen = PMEN_EPM | PMEN_PRS;
		} else {
			f->pmen &= ~PMEN_EPM;
			start(f, &f->pmen_left, FAKE_STUCK_PMEN, pmen_done);
		}
		break;
	default:
		fake_fail(f, "write32 %#x to register %#x, which the fake does not expect", v, off);
	}
}

static void env_write64(void *ctx, uint64_t base, unsigned off, uint64_t v)
{
	struct fake_vtd *f = ctx;

	if (!check_access(f, base, off, 8, true))
		return;
	if (off == ecap_iro_(f->ecap)) {
		f->iva = v;
		return;
	}
	if (off == ecap_iro_(f->ecap) + 8) {
		iotlb_write(f, v);
		return;
	}
	switch (off) {
	case R_RTADDR: f->rtaddr = v; break;
	case R_CCMD: ccmd_write(f, v); break;
	case R_IQT: iqt_write(f, v); break;
	case R_IQA:
		if (f->gsts & G_QIE)
			fake_fail(f, "IQA written while queued invalidation is on");
		f->iqa = v;
		break;
	case R_IRTA: f->irta = v; break;
	default:
		fake_fail(f, "write64 %#llx to register %#x, which the fake does not expect",
			  (unsigned long long)v, off);
	}
}

/* ---- life cycle ------------------------------------------------------------------------- */

struct fake_vtd *fake_vtd_new(uint64_t cap, uint64_t ecap)
{
	struct fake_vtd *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	f->cap = cap;
	f->ecap = ecap;
	f->ver = 0x10;
	f->speculative = true;
	f->iqe_is_error = true;
	f->alloc_budget = -1;
	f->clock_step = 10;
	f->pages = calloc(PAGE_BUCKETS, sizeof(*f->pages));
	f->tlb = calloc(TLB_BUCKETS, sizeof(*f->tlb));
	f->cc = calloc(65536, sizeof(*f->cc));
	f->did_root = calloc(65536, sizeof(*f->did_root));
	f->did_levels = calloc(65536, sizeof(*f->did_levels));
	f->did_gen = calloc(65536, sizeof(*f->did_gen));
	f->iec = calloc(65536, sizeof(*f->iec));
	if (!f->pages || !f->tlb || !f->cc || !f->did_root || !f->did_levels || !f->did_gen ||
	    !f->iec)
		abort();
	f->env = (struct vtd_env){
		.read32 = env_read32,
		.read64 = env_read64,
		.write32 = env_write32,
		.write64 = env_write64,
		.alloc_page = env_alloc_page,
		.free_page = env_free_page,
		.ptr = env_ptr,
		.clflush = env_clflush,
		.now_us = env_now_us,
		.ctx = f,
	};
	return f;
}

void fake_vtd_free(struct fake_vtd *f)
{
	if (!f)
		return;
	for (unsigned b = 0; b < PAGE_BUCKETS; b++)
		while (f->pages[b])
			page_release(f, f->pages[b]);
	for (unsigned b = 0; b < TLB_BUCKETS; b++) {
		while (f->tlb[b]) {
			struct fake_tlbe *e = f->tlb[b];
			f->tlb[b] = e->next;
			free(e);
		}
	}
	free(f->pages);
	free(f->tlb);
	free(f->cc);
	free(f->did_root);
	free(f->did_levels);
	free(f->did_gen);
	free(f->iec);
	free(f->log);
	free(f);
}
