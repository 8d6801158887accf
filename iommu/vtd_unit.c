#include "iommu/vtd_unit.h"
#include "arch/x86/log.h"
#include "iommu/vtd_caps.h"
#include "iommu/vtd_regs.h"

#include <errno.h>
#include <string.h>

/* GCMD bits that stay set once enabled; every GCMD write carries them from
 * GSTS, with the one-shot commands added one at a time (VT-d 11.4.4). */
#define GCMD_PERSISTENT (VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI)
/* One page of 16-byte descriptors: IQA.QS = 0. */
#define QUEUE_ENTRIES 256

void vtd_flush_cache(struct vtd_unit *u, const void *p, size_t len)
{
	if (!u->coherent)
		u->env->clflush(u->env->ctx, p, len);
}

void vtd_write_entry(struct vtd_unit *u, uint64_t *entry, uint64_t lo, uint64_t hi)
{
	volatile uint64_t *e = entry;

	if (lo & 1) {
		e[1] = hi;
		e[0] = lo;
	} else {
		e[0] = lo; /* not present first, then the rest */
		e[1] = hi;
	}
	vtd_flush_cache(u, entry, 16);
}

/* Every wait on the unit is bounded: a wait starts a deadline, and each
 * poll that finds the hardware not done asks whether it has passed. */
static uint64_t wait_start(const struct vtd_unit *u)
{
	return u->env->now_us(u->env->ctx);
}

static bool wait_expired(struct vtd_unit *u, uint64_t start, const char *step)
{
	if (u->env->now_us(u->env->ctx) - start <= VTD_TIMEOUT_US)
		return false;
	u->timeouts++;
	log_err("vt-d unit %u: timeout waiting for %s\n", u->index, step);
	return true;
}

/* Polls until (read() & mask) == want. */
static int wait_reg32(struct vtd_unit *u, vtd_reg32_t r, uint32_t mask, uint32_t want,
		      const char *step)
{
	uint64_t start = wait_start(u);

	while ((vtd_read32(u, r) & mask) != want)
		if (wait_expired(u, start, step))
			return -ETIMEDOUT;
	return 0;
}

static int wait_reg64_clear(struct vtd_unit *u, vtd_reg64_t r, uint64_t mask,
			    const char *step)
{
	uint64_t start = wait_start(u);

	while (vtd_read64(u, r) & mask)
		if (wait_expired(u, start, step))
			return -ETIMEDOUT;
	return 0;
}

static int wait_reg64_equal(struct vtd_unit *u, vtd_reg64_t a, vtd_reg64_t b,
			    const char *step)
{
	uint64_t start = wait_start(u);

	while (vtd_read64(u, a) != vtd_read64(u, b))
		if (wait_expired(u, start, step))
			return -ETIMEDOUT;
	return 0;
}

/* One-shot commands (SRTP, WBF, SIRTP) report completion by their status bit
 * being set (SRTP, SIRTP) or cleared (WBF). */
int vtd_global_command(struct vtd_unit *u, uint32_t bit, bool on, const char *step)
{
	uint32_t status = vtd_read32(u, VTD_GSTS) & GCMD_PERSISTENT;

	vtd_write32(u, VTD_GCMD, on ? status | bit : status & ~bit);
	if (bit == VTD_GCMD_WBF)
		return wait_reg32(u, VTD_GSTS, VTD_GSTS_WBFS, 0, step);
	return wait_reg32(u, VTD_GSTS, bit, on ? bit : 0, step);
}

int vtd_flush_write_buffer(struct vtd_unit *u)
{
	return cap_rwbf(u->cap) ? vtd_global_command(u, VTD_GCMD_WBF, true, "write buffer flush") : 0;
}

/* ---- queued invalidation (VT-d 6.5.2) ----------------------------------- */

static int queue_submit_locked(struct vtd_unit *u, const uint64_t (*desc)[2], unsigned n,
			       const char *what);

static int queue_submit(struct vtd_unit *u, const uint64_t (*desc)[2], unsigned n,
			const char *what)
{
	uint64_t token = u->env->lock ? u->env->lock(u) : 0;
	int err = queue_submit_locked(u, desc, n, what);

	if (u->env->unlock)
		u->env->unlock(u, token);
	return err;
}

/* The slot of the descriptor the unit fetches next. */
static unsigned queue_head(const struct vtd_unit *u)
{
	return (unsigned)(vtd_read64(u, VTD_IQH) >> VTD_IQ_TAIL_SHIFT) % u->queue_entries;
}

static int queue_submit_locked(struct vtd_unit *u, const uint64_t (*desc)[2], unsigned n,
			       const char *what)
{
	volatile uint32_t *status = u->env->ptr(u->env->ctx, u->wait_page);
	uint64_t *queue = u->env->ptr(u->env->ctx, u->queue);
	/* The status word is cleared to 0 before each wait: 0 is never a
	 * sequence number, or a wrapped counter would not wait at all. */
	uint32_t seq = ++u->wait_seq ? u->wait_seq : ++u->wait_seq;
	unsigned head = queue_head(u);
	unsigned free_slots = (head + u->queue_entries - u->queue_tail - 1) % u->queue_entries;

	/* Every submission waits for its completion, so the queue is empty
	 * here unless an earlier one timed out: then nothing may overwrite
	 * descriptors the unit has yet to fetch. */
	if (free_slots < n + 1) {
		log_err("vt-d unit %u: invalidation queue full (stuck?) at %s\n", u->index, what);
		return -EBUSY;
	}

	for (unsigned i = 0; i <= n; i++) {
		uint64_t *slot = &queue[2 * u->queue_tail];
		if (i < n) {
			slot[0] = desc[i][0];
			slot[1] = desc[i][1];
		} else {
			/* Status write only: with the interrupt flag too QEMU aborts,
			 * with neither the queue stalls (QEMU 7.2). */
			slot[0] = VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_DATA(seq);
			slot[1] = u->wait_page;
		}
		vtd_flush_cache(u, slot, VTD_IQ_DESC_SIZE);
		u->queue_tail = (u->queue_tail + 1) % u->queue_entries;
	}
	*status = 0;
	vtd_flush_cache(u, (const void *)status, sizeof(*status));
	vtd_write64(u, VTD_IQT, (uint64_t)u->queue_tail << VTD_IQ_TAIL_SHIFT);

	uint64_t start = wait_start(u);
	while (*status != seq) {
		uint32_t fsts = vtd_read32(u, VTD_FSTS);
		if (fsts & VTD_FSTS_IQE) {
			/* The unit stops at the bad descriptor and fetches it again
			 * once IQE is cleared: put our wait there instead (as Linux's
			 * qi_check_fault does) so the queue moves on. */
			unsigned head = queue_head(u);
			log_err("vt-d unit %u: invalidation queue error at descriptor %u during %s\n",
				u->index, head, what);
			queue[2 * head] = VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_DATA(seq);
			queue[2 * head + 1] = u->wait_page;
			vtd_flush_cache(u, &queue[2 * head], VTD_IQ_DESC_SIZE);
			vtd_write32(u, VTD_FSTS, VTD_FSTS_IQE);
			return -EIO;
		}
		if (wait_expired(u, start, what))
			return -ETIMEDOUT;
	}
	return 0;
}

/* ---- register-based invalidation (VT-d 6.5.1) --------------------------- */

static int context_command(struct vtd_unit *u, uint64_t cmd)
{
	vtd_write64(u, VTD_CCMD, VTD_CCMD_ICC | cmd);
	return wait_reg64_clear(u, VTD_CCMD, VTD_CCMD_ICC, "context-cache invalidation");
}

/* The IOTLB registers sit where the unit says, at ECAP.IRO (11.4.8). */
static vtd_reg64_t iva_reg(const struct vtd_unit *u)
{
	return vtd_reg64_at(ecap_iro(u->ecap) + VTD_IOTLB_IVA_OFFSET);
}

static vtd_reg64_t iotlb_reg(const struct vtd_unit *u)
{
	return vtd_reg64_at(ecap_iro(u->ecap) + VTD_IOTLB_REG_OFFSET);
}

static int iotlb_command(struct vtd_unit *u, uint64_t cmd, uint64_t iva, bool page_selective)
{
	if (page_selective)
		vtd_write64(u, iva_reg(u), iva);
	/* Drain reads and writes when the unit offers it (CAP.DRD, CAP.DWD). */
	if (cap_drd(u->cap))
		cmd |= VTD_IOTLB_DR;
	if (cap_dwd(u->cap))
		cmd |= VTD_IOTLB_DW;
	vtd_write64(u, iotlb_reg(u), VTD_IOTLB_IVT | cmd);
	return wait_reg64_clear(u, iotlb_reg(u), VTD_IOTLB_IVT, "IOTLB invalidation");
}

/* ---- the invalidations the rest of the code asks for --------------------- */

static int invalidate_context(struct vtd_unit *u, uint64_t qi_granularity,
			      uint64_t reg_granularity, uint16_t did, uint16_t sid)
{
	u->context_invalidations++;
	if (u->queued) {
		const uint64_t d[1][2] = { { VTD_QI_CC | qi_granularity | VTD_QI_CC_DID(did) |
					     VTD_QI_CC_SID(sid), 0 } };
		return queue_submit(u, d, 1, "context-cache invalidation");
	}
	return context_command(u, reg_granularity | VTD_CCMD_DID(did) | VTD_CCMD_SID(sid));
}

int vtd_invalidate_context_global(struct vtd_unit *u)
{
	return invalidate_context(u, VTD_QI_CC_GLOBAL, VTD_CCMD_CIRG_GLOBAL, 0, 0);
}

int vtd_invalidate_context_device(struct vtd_unit *u, uint16_t did, uint16_t sid)
{
	return invalidate_context(u, VTD_QI_CC_DEVICE, VTD_CCMD_CIRG_DEVICE, did, sid);
}

static int invalidate_iotlb(struct vtd_unit *u, uint64_t qi_granularity,
			    uint64_t reg_granularity, uint16_t did, uint64_t addr, unsigned am)
{
	u->iotlb_invalidations++;
	if (u->queued) {
		uint64_t lo = VTD_QI_IOTLB | qi_granularity | VTD_QI_IOTLB_DID(did);
		if (cap_drd(u->cap))
			lo |= VTD_QI_IOTLB_DR;
		if (cap_dwd(u->cap))
			lo |= VTD_QI_IOTLB_DW;
		const uint64_t d[1][2] = { { lo, addr | VTD_QI_IOTLB_AM(am) } };
		return queue_submit(u, d, 1, "IOTLB invalidation");
	}
	return iotlb_command(u, reg_granularity | VTD_IOTLB_DID(did), addr | VTD_IVA_AM(am),
			     qi_granularity == VTD_QI_IOTLB_PAGE);
}

int vtd_invalidate_iotlb_global(struct vtd_unit *u)
{
	return invalidate_iotlb(u, VTD_QI_IOTLB_GLOBAL, VTD_IOTLB_IIRG_GLOBAL, 0, 0, 0);
}

int vtd_invalidate_iotlb_domain(struct vtd_unit *u, uint16_t did)
{
	return invalidate_iotlb(u, VTD_QI_IOTLB_DOMAIN, VTD_IOTLB_IIRG_DOMAIN, did, 0, 0);
}

int vtd_invalidate_iotlb_range(struct vtd_unit *u, uint16_t did, uint64_t iova,
			       uint64_t size)
{
	uint64_t first = iova >> 12, last = (iova + size - 1) >> 12;
	unsigned am = 0;

	/* The smallest naturally aligned block of 2^am pages holding both. */
	while ((first >> am) != (last >> am))
		am++;
	if (!cap_psi(u->cap) || am > cap_mamv(u->cap))
		return vtd_invalidate_iotlb_domain(u, did);
	return invalidate_iotlb(u, VTD_QI_IOTLB_PAGE, VTD_IOTLB_IIRG_PAGE, did,
				(first >> am) << (am + 12), am);
}

int vtd_invalidate_iec_global(struct vtd_unit *u)
{
	const uint64_t d[1][2] = { { VTD_QI_IEC | VTD_QI_IEC_GLOBAL, 0 } };

	if (!u->queued)
		return -EOPNOTSUPP;
	u->iec_invalidations++;
	return queue_submit(u, d, 1, "interrupt entry cache invalidation");
}

int vtd_invalidate_iec_index(struct vtd_unit *u, uint16_t index, unsigned index_mask)
{
	const uint64_t d[1][2] = { { VTD_QI_IEC | VTD_QI_IEC_INDEX | VTD_QI_IEC_IM(index_mask) |
				     VTD_QI_IEC_IIDX(index), 0 } };

	if (!u->queued)
		return -EOPNOTSUPP;
	if (index_mask > 16 || (index & ((1u << index_mask) - 1)))
		return -EINVAL;
	u->iec_invalidations++;
	return queue_submit(u, d, 1, "interrupt entry cache invalidation");
}

/* ---- bring-up ------------------------------------------------------------ */

/* Firmware may hand over a unit with translation, interrupt remapping,
 * queued invalidation or protected memory regions still on (pre-boot DMA
 * protection): everything goes off before the hypervisor's tables go in. */
static int take_over(struct vtd_unit *u)
{
	uint32_t status = vtd_read32(u, VTD_GSTS);
	int err = 0;

	if (status & VTD_GSTS_TES) {
		log_warn("vt-d unit %u: firmware left translation on; turning it off\n", u->index);
		err = vtd_global_command(u, VTD_GCMD_TE, false, "translation disable");
	}
	if (!err && (status & VTD_GSTS_IRES))
		err = vtd_global_command(u, VTD_GCMD_IRE, false, "interrupt remapping disable");
	/* The spec asks for the queue to be drained (IQH == IQT) first. */
	if (!err && (status & VTD_GSTS_QIES) &&
	    !(err = wait_reg64_equal(u, VTD_IQH, VTD_IQT, "firmware's invalidation queue")))
		err = vtd_global_command(u, VTD_GCMD_QIE, false, "queued invalidation disable");
	if (!err && (cap_plmr(u->cap) || cap_phmr(u->cap)) &&
	    (vtd_read32(u, VTD_PMEN) & VTD_PMEN_EPM)) {
		vtd_write32(u, VTD_PMEN, 0);
		err = wait_reg32(u, VTD_PMEN, VTD_PMEN_PRS, 0, "protected memory disable");
	}
	return err;
}

static int set_root_table(struct vtd_unit *u)
{
	if (!(u->root = u->env->alloc_page(u->env->ctx)))
		return -ENOMEM;
	vtd_flush_cache(u, u->env->ptr(u->env->ctx, u->root), 4096);
	vtd_write64(u, VTD_RTADDR, u->root | VTD_RTADDR_TTM_LEGACY);
	return vtd_global_command(u, VTD_GCMD_SRTP, true, "root table pointer");
}

static int enable_queue(struct vtd_unit *u)
{
	if (!(u->queue = u->env->alloc_page(u->env->ctx)) ||
	    !(u->wait_page = u->env->alloc_page(u->env->ctx)))
		return -ENOMEM;
	u->queue_entries = QUEUE_ENTRIES;
	u->queue_tail = 0;
	vtd_flush_cache(u, u->env->ptr(u->env->ctx, u->queue), 4096);
	vtd_write64(u, VTD_IQT, 0);
	vtd_write64(u, VTD_IQA, u->queue | VTD_IQA_QS(0));
	int err = vtd_global_command(u, VTD_GCMD_QIE, true, "queued invalidation enable");
	if (!err)
		u->queued = true;
	return err;
}

int vtd_unit_init(struct vtd_unit *u, const struct vtd_env *env, unsigned index,
		  uint64_t base, uint16_t segment, unsigned haw_bits)
{
	int err;

	memset(u, 0, sizeof(*u));
	u->env = env;
	u->index = index;
	u->base = base;
	u->segment = segment;
	u->version = vtd_read32(u, VTD_VER);
	u->cap = vtd_read64(u, VTD_CAP);
	u->ecap = vtd_read64(u, VTD_ECAP);
	u->coherent = ecap_c(u->ecap);
	if ((err = vtd_choose_levels(u->cap, haw_bits, &u->levels, &u->aw_bits))) {
		log_err("vt-d unit %u: no supported second-level table depth (SAGAW %#x)\n",
			index, (unsigned)cap_sagaw(u->cap));
		return err;
	}
	domain_ids_init(&u->ids, u->cap);
	if ((err = take_over(u)) || (err = set_root_table(u)))
		return err;
	if (ecap_qi(u->ecap) && (err = enable_queue(u)))
		return err;
	if ((err = vtd_flush_write_buffer(u)) || (err = vtd_invalidate_context_global(u)) ||
	    (err = vtd_invalidate_iotlb_global(u)))
		return err;
	return 0;
}

void vtd_unit_setup_fault_event(struct vtd_unit *u, uint8_t vector, uint32_t apic_id)
{
	/* MSI address and data as for any interrupt to a fixed destination
	 * (VT-d 5.1.1; SDM 11.11): the unit's own events are never remapped. */
	vtd_write32(u, VTD_FECTL, VTD_FECTL_IM);
	vtd_write32(u, VTD_FEDATA, vector);
	vtd_write32(u, VTD_FEADDR, 0xfee00000u | (apic_id & 0xff) << 12);
	vtd_write32(u, VTD_FEUADDR, apic_id & 0xffffff00u);
	vtd_write32(u, VTD_FECTL, 0);
}

int vtd_unit_enable_translation(struct vtd_unit *u)
{
	int err = vtd_global_command(u, VTD_GCMD_TE, true, "translation enable");

	u->enabled = !err;
	return err;
}
