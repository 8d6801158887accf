/* See irte.h. */
#include "iommu/irte.h"

#include <errno.h>

/* IRTE bit positions (VT-d 4.1, 9.10). Low qword: */
#define LO_P        (1ull << 0)
#define LO_FPD      (1ull << 1)
#define LO_DM       (1ull << 2)
#define LO_RH       (1ull << 3)
#define LO_TM       (1ull << 4)
#define LO_DLM_SHIFT 5
#define LO_DLM_MASK (7ull << LO_DLM_SHIFT)
#define LO_AVAIL_SHIFT 8
#define LO_AVAIL_MASK (0xfull << LO_AVAIL_SHIFT)
#define LO_IM       (1ull << 15)
#define LO_V_SHIFT  16
#define LO_V_MASK   (0xffull << LO_V_SHIFT)
#define LO_DST_SHIFT 32
#define LO_RSVD     ((7ull << 12) | (0xffull << 24))
/* Without EIM only DST bits 15:8 (entry bits 47:40) hold the APIC ID. */
#define DST_XAPIC_MASK 0x0000ff00u
/* High qword: */
#define HI_SID_MASK 0xffffull
#define HI_SQ_SHIFT 16
#define HI_SQ_MASK  (3ull << HI_SQ_SHIFT)
#define HI_SVT_SHIFT 18
#define HI_SVT_MASK (3ull << HI_SVT_SHIFT)
#define HI_RSVD     (~0ull << 20)

static bool fields_fit(const struct irte_fields *f)
{
	return f->dlm <= 7 && f->avail <= 0xf && f->sq <= 3 && f->svt <= 3;
}

int irte_encode(const struct irte_fields *f, uint64_t out[2])
{
	if (!fields_fit(f))
		return -EINVAL;
	uint64_t lo = 0, hi = 0;

	if (f->present)
		lo |= LO_P;
	if (f->fpd)
		lo |= LO_FPD;
	if (f->dest_logical)
		lo |= LO_DM;
	if (f->redir_hint)
		lo |= LO_RH;
	if (f->level)
		lo |= LO_TM;
	lo |= (uint64_t)f->dlm << LO_DLM_SHIFT;
	lo |= (uint64_t)f->avail << LO_AVAIL_SHIFT;
	if (f->posted)
		lo |= LO_IM;
	lo |= (uint64_t)f->vector << LO_V_SHIFT;
	lo |= (uint64_t)f->dest << LO_DST_SHIFT;
	hi |= f->sid;
	hi |= (uint64_t)f->sq << HI_SQ_SHIFT;
	hi |= (uint64_t)f->svt << HI_SVT_SHIFT;
	out[0] = lo;
	out[1] = hi;
	return 0;
}

void irte_decode(const uint64_t in[2], struct irte_fields *f)
{
	uint64_t lo = in[0], hi = in[1];

	f->present = lo & LO_P;
	f->fpd = lo & LO_FPD;
	f->dest_logical = lo & LO_DM;
	f->redir_hint = lo & LO_RH;
	f->level = lo & LO_TM;
	f->dlm = (lo & LO_DLM_MASK) >> LO_DLM_SHIFT;
	f->avail = (lo & LO_AVAIL_MASK) >> LO_AVAIL_SHIFT;
	f->posted = lo & LO_IM;
	f->vector = (lo & LO_V_MASK) >> LO_V_SHIFT;
	f->dest = (uint32_t)(lo >> LO_DST_SHIFT);
	f->sid = hi & HI_SID_MASK;
	f->sq = (hi & HI_SQ_MASK) >> HI_SQ_SHIFT;
	f->svt = (hi & HI_SVT_MASK) >> HI_SVT_SHIFT;
}

void irte_reserved_bits(const uint64_t in[2], bool x2apic_mode, uint64_t out[2])
{
	uint64_t lo_rsvd = LO_RSVD;

	if (!x2apic_mode)
		lo_rsvd |= (uint64_t)(uint32_t)~DST_XAPIC_MASK << LO_DST_SHIFT;
	out[0] = in[0] & lo_rsvd;
	out[1] = in[1] & HI_RSVD;
}

static bool dlm_reserved(unsigned dlm)
{
	return dlm == 3 || dlm == 6;
}

int irte_validate(const struct irte_fields *f, bool x2apic_mode)
{
	if (!fields_fit(f) || f->posted || dlm_reserved(f->dlm))
		return -EINVAL;
	if ((f->dlm == IRTE_DLM_FIXED || f->dlm == IRTE_DLM_LOWEST) && f->vector < 16)
		return -EINVAL;
	if (!x2apic_mode && (f->dest & ~DST_XAPIC_MASK))
		return -EINVAL;
	switch (f->svt) {
	case IRTE_SVT_NONE:
		if (f->sid || f->sq)
			return -EINVAL;
		break;
	case IRTE_SVT_SID:
		break;
	case IRTE_SVT_BUS:
		if (f->sq || (f->sid >> 8) > (f->sid & 0xff))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

bool irte_dlm_allowed_for_device_msi(unsigned dlm)
{
	return dlm == IRTE_DLM_FIXED || dlm == IRTE_DLM_LOWEST;
}

int irte_validate_device_msi(const struct irte_fields *f, bool x2apic_mode)
{
	int rc = irte_validate(f, x2apic_mode);

	if (rc)
		return rc;
	if (!f->present || !irte_dlm_allowed_for_device_msi(f->dlm) || f->level ||
	    f->svt == IRTE_SVT_NONE)
		return -EINVAL;
	return 0;
}

struct u128 {
	uint64_t q[2];
} __attribute__((aligned(16)));

/* Replaces the 16 bytes at `slot` in one locked access: cmpxchg16b stores
 * rcx:rbx when the memory equals rdx:rax, else loads the memory into
 * rdx:rax, and we retry with it. Nothing else writes the table, so the
 * first try succeeds unless the caller raced itself. */
static void store128(volatile uint64_t *slot, uint64_t lo, uint64_t hi)
{
	volatile struct u128 *m = (volatile struct u128 *)slot;
	uint64_t old_lo = slot[0], old_hi = slot[1];
	bool done;

	do {
		__asm__ volatile("lock cmpxchg16b %[mem]"
				 : [mem] "+m"(*m), "+a"(old_lo), "+d"(old_hi), "=@ccz"(done)
				 : "b"(lo), "c"(hi)
				 : "memory");
	} while (!done);
}

void irte_write(volatile uint64_t *slot, const uint64_t entry[2])
{
	uint64_t lo = entry[0], hi = entry[1];
	bool was_present = slot[0] & LO_P;

	if (!(lo & LO_P)) {
		/* Not present first: the unit then ignores the high qword. */
		slot[0] = lo;
		slot[1] = hi;
	} else if (!was_present) {
		/* The high qword while not present, then P with the low one.
		 * Volatile accesses stay in program order, and x86 makes
		 * stores visible in that order. */
		slot[1] = hi;
		slot[0] = lo;
	} else {
		store128(slot, lo, hi);
	}
}

/* ---- MSI address/data ------------------------------------------------- */

#define MSI_REMAP_HANDLE_LO_SHIFT 5
#define MSI_REMAP_HANDLE_LO_MASK  (0x7fffu << MSI_REMAP_HANDLE_LO_SHIFT)
#define MSI_REMAP_SHV             (1u << 3)
#define MSI_REMAP_HANDLE_15       (1u << 2)
#define MSI_REMAP_DATA_SUBHANDLE  0xffffu

#define MSI_COMPAT_DEST_SHIFT     12
#define MSI_COMPAT_DEST_MASK      (0xffu << MSI_COMPAT_DEST_SHIFT)
#define MSI_COMPAT_ADDR_RSVD      (0x7fu << 5)
#define MSI_COMPAT_RH             (1u << 3)
#define MSI_COMPAT_DM             (1u << 2)
#define MSI_DATA_VECTOR_MASK      0xffu
#define MSI_DATA_DLM_SHIFT        8
#define MSI_DATA_DLM_MASK         (7u << MSI_DATA_DLM_SHIFT)
#define MSI_DATA_ASSERT           (1u << 14)
#define MSI_DATA_TM               (1u << 15)
#define MSI_COMPAT_DATA_RSVD      (0xffff0000u | (7u << 11))

void msi_remappable_encode(uint16_t handle, bool shv, uint32_t *addr_lo, uint32_t *data)
{
	uint32_t a = MSI_ADDR_BASE | MSI_ADDR_IF_REMAP;

	a |= (uint32_t)(handle & 0x7fff) << MSI_REMAP_HANDLE_LO_SHIFT;
	if (handle & 0x8000)
		a |= MSI_REMAP_HANDLE_15;
	if (shv)
		a |= MSI_REMAP_SHV;
	*addr_lo = a;
	*data = 0;
}

int msi_remappable_decode(uint64_t addr, uint32_t data, uint16_t *handle, bool *shv,
			  uint32_t *index)
{
	if ((addr >> 32) || (addr & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE ||
	    !(addr & MSI_ADDR_IF_REMAP) || (data & ~MSI_REMAP_DATA_SUBHANDLE))
		return -EINVAL;
	uint32_t a = (uint32_t)addr;
	uint16_t h = (uint16_t)((a & MSI_REMAP_HANDLE_LO_MASK) >> MSI_REMAP_HANDLE_LO_SHIFT);

	if (a & MSI_REMAP_HANDLE_15)
		h |= 0x8000;
	bool s = a & MSI_REMAP_SHV;
	*handle = h;
	*shv = s;
	*index = s ? (uint32_t)h + (data & MSI_REMAP_DATA_SUBHANDLE) : h;
	return 0;
}

int msi_compat_encode(const struct msi_compat *m, uint32_t *addr_lo, uint32_t *data)
{
	if (m->dlm > 7)
		return -EINVAL;
	uint32_t a = MSI_ADDR_BASE | (uint32_t)m->dest << MSI_COMPAT_DEST_SHIFT;
	uint32_t d = m->vector | (uint32_t)m->dlm << MSI_DATA_DLM_SHIFT;

	if (m->redir_hint)
		a |= MSI_COMPAT_RH;
	if (m->dest_logical)
		a |= MSI_COMPAT_DM;
	if (m->level_assert)
		d |= MSI_DATA_ASSERT;
	if (m->trigger_level)
		d |= MSI_DATA_TM;
	*addr_lo = a;
	*data = d;
	return 0;
}

int msi_compat_decode(uint64_t addr, uint32_t data, struct msi_compat *m)
{
	if ((addr >> 32) || (addr & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE ||
	    (addr & (MSI_ADDR_IF_REMAP | MSI_COMPAT_ADDR_RSVD)) ||
	    (data & MSI_COMPAT_DATA_RSVD))
		return -EINVAL;
	unsigned dlm = (data & MSI_DATA_DLM_MASK) >> MSI_DATA_DLM_SHIFT;

	if (dlm_reserved(dlm))
		return -EINVAL;
	m->dest = (uint8_t)((addr & MSI_COMPAT_DEST_MASK) >> MSI_COMPAT_DEST_SHIFT);
	m->vector = data & MSI_DATA_VECTOR_MASK;
	m->dlm = (uint8_t)dlm;
	m->dest_logical = addr & MSI_COMPAT_DM;
	m->redir_hint = addr & MSI_COMPAT_RH;
	m->trigger_level = data & MSI_DATA_TM;
	m->level_assert = data & MSI_DATA_ASSERT;
	return 0;
}
