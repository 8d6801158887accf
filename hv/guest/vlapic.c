/* The guest's LAPIC is the physical one, guarded (the guest owns its CPUs
 * but must not reach others): its xAPIC page is not mapped, so every access
 * exits and lands here.
 * Reads and writes go to the physical LAPIC except
 *  - ICR: a guest may send fixed IPIs to its own CPUs only; INIT and
 *    start-up IPIs to its own vCPUs are emulated (they would reset a
 *    physical CPU under the hypervisor); everything else is refused. A
 *    logical destination (flat model) is resolved over the LDRs the
 *    guest's vCPUs programmed (hv/guest/apic_logical.h) and sent to each
 *    vCPU it names, in physical mode;
 *  - LDR and DFR: kept per vCPU (the logical destinations above are
 *    judged by them, from any vCPU) and read back from there; in xAPIC
 *    mode written through too;
 *  - the APIC ID: the guest sees the physical one and may not change it;
 *  - LVT entries and the spurious vector: only fixed delivery of vectors
 *    32 and up (anything else is stored masked);
 *  - every value is cut to the bits its register defines, and goes
 *    through the fault-tolerant accessors: an x2APIC raises #GP on
 *    reserved bits, which must not become the hypervisor's exception;
 *  - what is not on the allow-list below reads 0 and drops writes;
 *  - with the physical LAPIC in x2APIC mode, a vCPU that has not switched
 *    to x2APIC mode itself (vlapic_x2apic.c) still sees an xAPIC: the ID
 *    in bits 31:24, LDR and DFR only kept here (an x2APIC has no writable
 *    LDR and no DFR), EOI and ESR written as 0. */
#include "hv/guest/vlapic.h"
#include "arch/x86/lapic.h"
#include "arch/x86/log.h"
#include "arch/x86/smp.h"
#include "hv/guest/apic_logical.h"
#include "hv/guest/partition.h"

#include <errno.h>

#define REG_ISR_FIRST LAPIC_ISR_BASE
#define REG_IRR_LAST  0x270
#define LVT_VECTOR    0xffu
#define LVT_DLM       (7u << 8)
#define LVT_PENDING   (1u << 12) /* delivery status, read-only */
#define LVT_LINT_BITS (1u << 13 | 1u << 15) /* polarity, trigger mode */
#define TIMER_MODE    (3u << 17)
#define TIMER_MODE_TSC_DEADLINE (2u << 17)
#define TIMER_MODE_RESERVED     (3u << 17)
#define SVR_VECTOR    0xffu
#define TDCR_BITS     0xbu
#define FIRST_ALLOWED_VECTOR 32
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_SHORTHAND(lo) (((lo) >> 18) & 3)
#define ICR_DLM(lo)   (((lo) >> 8) & 7)
#define ICR_DEST(hi)  ((hi) >> 24)
#define SHORTHAND_NONE 0
#define SHORTHAND_SELF 1
#define SHORTHAND_ALL  2
#define SHORTHAND_OTHERS 3
#define DLM_FIXED 0
#define DLM_LOWEST 1
#define DLM_NMI 4
#define DLM_INIT 5
#define DLM_STARTUP 6
#define BROADCAST_ID 0xff
#define X2APIC_BROADCAST_ID 0xffffffffu
#define REFUSALS_LOGGED 8

/* An ICR write being filtered: its low word and its destination, an
 * xAPIC's 8 bits or an x2APIC's 32 (SDM Vol. 3A 11.12.9). */
struct ipi {
	uint32_t lo;
	uint32_t dest;
	bool x2apic;
};

static void refuse(struct guest_vcpu *gv, const struct ipi *ipi, const char *why)
{
	struct guest *g = gv->guest;
	unsigned long n = __atomic_add_fetch(&g->refused_ipis, 1, __ATOMIC_RELAXED);

	if (n <= REFUSALS_LOGGED)
		log_warn("guest %s: vCPU %u: IPI refused (ICR %#x to %sAPIC ID %#x): %s\n", g->name,
			 gv->index, ipi->lo, ipi->x2apic ? "x2" : "", ipi->dest, why);
}

static void start_vcpu(struct guest_vcpu *target, unsigned dlm, uint8_t vector)
{
	if (dlm == DLM_INIT) {
		int waiting = GVCPU_WAIT_INIT;
		__atomic_compare_exchange_n(&target->state, &waiting, GVCPU_WAIT_SIPI, false,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		return;
	}
	/* A start-up IPI counts only after INIT (the second one of the usual
	 * pair finds the vCPU running and is dropped, as on hardware). The
	 * vector goes in before the state that publishes it. */
	int waiting = GVCPU_WAIT_SIPI;
	if (__atomic_load_n(&target->state, __ATOMIC_ACQUIRE) != GVCPU_WAIT_SIPI)
		return;
	target->sipi_vector = vector;
	if (__atomic_compare_exchange_n(&target->state, &waiting, GVCPU_RUNNING, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		smp_wake(target->cpu);
}

/* Sends to one vCPU of the guest; `target` NULL means the destination is
 * not the guest's. */
static void send_one(struct guest_vcpu *gv, struct guest_vcpu *target, const struct ipi *ipi)
{
	uint32_t lo = ipi->lo;
	unsigned dlm = ICR_DLM(lo);

	if (!target) {
		refuse(gv, ipi, "not one of the guest's CPUs");
		return;
	}
	switch (dlm) {
	case DLM_FIXED:
	case DLM_LOWEST:
		/* Vectors below 32 are exceptions' (and illegal for IPIs). */
		if (ICR_VECTOR(lo) < 32)
			refuse(gv, ipi, "vector below 32");
		else if (lapic_send_ipi(target->apic_id, ICR_DELIVERY_FIXED | ICR_VECTOR(lo)))
			refuse(gv, ipi, "the LAPIC did not accept it");
		return;
	case DLM_INIT:
		/* INIT level de-assert (a no-op since the P4) is dropped. */
		if ((lo & ICR_LEVEL_ASSERT) && target != gv)
			start_vcpu(target, dlm, 0);
		return;
	case DLM_STARTUP:
		if (target != gv)
			start_vcpu(target, dlm, (uint8_t)lo);
		return;
	default:
		/* NMIs are the hypervisor's kicks; SMIs are never a guest's. */
		refuse(gv, ipi, "delivery mode not allowed");
		return;
	}
}

/* Which vCPUs a logical destination names: an xAPIC's by the vCPUs'
 * LDR/DFR as they are now (another vCPU may be rewriting its own: the IPI
 * goes by what it had or what it has, as on hardware), an x2APIC's by
 * their APIC IDs, from which its LDRs follow. */
static const char *logical_targets(const struct guest *g, const struct ipi *ipi, uint32_t *named)
{
	uint32_t ids[HV_GUEST_MAX_CPUS], ldr[HV_GUEST_MAX_CPUS], dfr[HV_GUEST_MAX_CPUS];

	if (ipi->x2apic) {
		for (unsigned i = 0; i < g->vcpu_count; i++)
			ids[i] = g->vcpu[i].apic_id;
		return apic_x2apic_logical_targets(ipi->dest, ids, g->vcpu_count, named);
	}
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		ldr[i] = __atomic_load_n(&g->vcpu[i].ldr, __ATOMIC_RELAXED);
		dfr[i] = __atomic_load_n(&g->vcpu[i].dfr, __ATOMIC_RELAXED);
	}
	return apic_logical_targets((uint8_t)ipi->dest, ldr, dfr, g->vcpu_count, named);
}

static void send_logical(struct guest_vcpu *gv, const struct ipi *ipi)
{
	struct guest *g = gv->guest;
	uint32_t named;
	const char *why = logical_targets(g, ipi, &named);

	if (why) {
		refuse(gv, ipi, why);
		return;
	}
	__atomic_fetch_add(&g->logical_ipis, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < g->vcpu_count; i++)
		if (named & (1u << i))
			send_one(gv, &g->vcpu[i], ipi);
}

void vlapic_send_ipi(struct guest_vcpu *gv, uint32_t lo, uint32_t dest, bool x2apic)
{
	struct guest *g = gv->guest;
	const struct ipi ipi = { lo, dest, x2apic };
	unsigned shorthand = ICR_SHORTHAND(lo);
	bool broadcast = dest == (x2apic ? X2APIC_BROADCAST_ID : BROADCAST_ID);

	if (shorthand == SHORTHAND_SELF) {
		send_one(gv, gv, &ipi);
		return;
	}
	if (shorthand == SHORTHAND_NONE && (lo & ICR_DEST_LOGICAL) && !broadcast) {
		send_logical(gv, &ipi);
		return;
	}
	/* A broadcast reaches the guest's own CPUs only. */
	if (shorthand != SHORTHAND_NONE || broadcast) {
		for (unsigned i = 0; i < g->vcpu_count; i++)
			if (shorthand != SHORTHAND_OTHERS || &g->vcpu[i] != gv)
				send_one(gv, &g->vcpu[i], &ipi);
		return;
	}
	send_one(gv, guest_vcpu_of_apic_id(g, dest), &ipi);
}

static void refuse_write(struct guest_vcpu *gv, unsigned reg, uint32_t value, const char *why)
{
	struct guest *g = gv->guest;
	unsigned long n = __atomic_add_fetch(&g->refused_lapic_writes, 1, __ATOMIC_RELAXED);

	if (n <= REFUSALS_LOGGED)
		log_warn("guest %s: vCPU %u: LAPIC write %#x to %#x refused: %s%s\n", g->name,
			 gv->index, value, reg, why,
			 n == REFUSALS_LOGGED ? " (further refusals not logged)" : "");
}

/* ISR, TMR and IRR: read-only. */
static bool in_service_block(unsigned reg)
{
	return reg >= REG_ISR_FIRST && reg <= REG_IRR_LAST;
}

/* The bits of an LVT entry software defines (SDM 11.5.1); the rest are
 * reserved, and an x2APIC raises #GP on them. */
static uint32_t lvt_defined_bits(unsigned reg)
{
	switch (reg) {
	case LAPIC_LVT_TIMER:
		return LVT_VECTOR | LAPIC_LVT_MASKED | TIMER_MODE;
	case LAPIC_LVT_ERROR:
		return LVT_VECTOR | LAPIC_LVT_MASKED;
	case LAPIC_LVT_LINT0: case LAPIC_LVT_LINT1:
		return LVT_VECTOR | LVT_DLM | LVT_LINT_BITS | LAPIC_LVT_MASKED;
	default: /* CMCI, thermal, performance */
		return LVT_VECTOR | LVT_DLM | LAPIC_LVT_MASKED;
	}
}

/* Why an LVT value may not reach the LAPIC, or NULL. Only fixed delivery
 * of a vector >= 32 to this CPU: NMIs are the hypervisor's kicks, SMI,
 * INIT and ExtINT are never a guest's, and a vector below 32 would be
 * taken as an exception once the CPU is the hypervisor's again. A masked
 * entry delivers nothing until the write that unmasks it, which is
 * checked in turn. */
static const char *timer_mode_refusal(unsigned reg, uint32_t value)
{
	uint32_t mode = value & TIMER_MODE;

	if (reg != LAPIC_LVT_TIMER)
		return NULL;
	if (mode == TIMER_MODE_RESERVED)
		return "reserved timer mode";
	if (mode == TIMER_MODE_TSC_DEADLINE && !lapic_has_tsc_deadline())
		return "no TSC-deadline mode on this CPU";
	return NULL;
}

static const char *lvt_refusal(unsigned reg, uint32_t value)
{
	const char *why = timer_mode_refusal(reg, value);

	if (why)
		return why;
	if (value & LAPIC_LVT_MASKED)
		return NULL;
	if (value & LVT_DLM)
		return "LVT delivery mode other than fixed";
	if ((value & LVT_VECTOR) < FIRST_ALLOWED_VECTOR)
		return "LVT vector below 32";
	return NULL;
}

static void lvt_write(struct guest_vcpu *gv, unsigned reg, uint32_t value)
{
	uint32_t v = value & lvt_defined_bits(reg);
	const char *why = lvt_refusal(reg, v);

	if (why) {
		refuse_write(gv, reg, value, why);
		/* Stored masked, as fixed delivery in a mode that exists. */
		if (timer_mode_refusal(reg, v))
			v &= ~TIMER_MODE;
		v = (v & ~LVT_DLM) | LAPIC_LVT_MASKED;
	}
	if (lapic_write_checked(reg, v))
		refuse_write(gv, reg, value, "the LAPIC raised #GP");
}

static uint32_t svr_defined_bits(void)
{
	uint32_t bits = SVR_VECTOR | LAPIC_SVR_ENABLE;

	if (lapic_read(LAPIC_VERSION) & LAPIC_VERSION_EOI_SUPPRESS)
		bits |= LAPIC_SVR_EOI_SUPPRESS;
	return bits;
}

static void svr_write(struct guest_vcpu *gv, uint32_t value)
{
	uint32_t v = value & svr_defined_bits();

	/* The spurious vector is delivered without IRR or ISR, in whatever
	 * runs: below 32 it would be an exception. */
	if ((v & SVR_VECTOR) < FIRST_ALLOWED_VECTOR) {
		refuse_write(gv, LAPIC_SVR, value, "spurious vector below 32 (0xff kept)");
		v = (v & ~SVR_VECTOR) | LAPIC_SPURIOUS_VECTOR;
	}
	if (lapic_write_checked(LAPIC_SVR, v))
		refuse_write(gv, LAPIC_SVR, value, "the LAPIC raised #GP");
}

/* A register the guest reads from the LAPIC as it is; what is not listed
 * reads 0 (AMD's extended LVTs at 0x400 and up included). */
static bool readable(unsigned reg)
{
	switch (reg) {
	case LAPIC_VERSION: case LAPIC_TPR: case LAPIC_PPR: case LAPIC_SVR: case LAPIC_ESR:
	case LAPIC_ICR_LOW: case LAPIC_TMICT: case LAPIC_TMCCT: case LAPIC_TDCR:
		return true;
	default:
		return in_service_block(reg) || lapic_has_lvt(reg);
	}
}

uint32_t vlapic_read(struct guest_vcpu *gv, unsigned reg)
{
	bool x2 = lapic_x2apic_mode();
	uint32_t v = 0;

	switch (reg) {
	case LAPIC_ICR_HIGH:
		return gv->icr_high;
	case LAPIC_ID:
		/* xAPIC format, whatever mode the physical LAPIC is in. */
		return x2 ? lapic_read(reg) << 24 : lapic_read(reg);
	case LAPIC_LDR:
		return __atomic_load_n(&gv->ldr, __ATOMIC_RELAXED);
	case LAPIC_DFR:
		return __atomic_load_n(&gv->dfr, __ATOMIC_RELAXED);
	default:
		if (readable(reg))
			lapic_read_checked(reg, &v); /* 0 where the x2APIC refused */
		return v;
	}
}

/* The registers a guest writes straight through, each cut to the bits it
 * defines (what an x2APIC does not raise #GP on). */
static bool plain_write_bits(unsigned reg, uint32_t *bits)
{
	switch (reg) {
	case LAPIC_TPR: *bits = 0xff; return true;
	case LAPIC_TMICT: *bits = 0xffffffffu; return true;
	case LAPIC_TDCR: *bits = TDCR_BITS; return true;
	/* Writes of anything but 0 raise #GP on an x2APIC. */
	case LAPIC_EOI: case LAPIC_ESR: *bits = 0; return true;
	default: return false;
	}
}

void vlapic_write(struct guest_vcpu *gv, unsigned reg, uint32_t value)
{
	bool x2 = lapic_x2apic_mode();
	uint32_t bits;

	switch (reg) {
	case LAPIC_ICR_HIGH:
		gv->icr_high = value;
		return;
	case LAPIC_ICR_LOW:
		vlapic_send_ipi(gv, value, ICR_DEST(gv->icr_high), false);
		return;
	case LAPIC_LDR:
		/* x2APIC has no writable LDR and no DFR: kept only here. */
		__atomic_store_n(&gv->ldr, value & 0xff000000u, __ATOMIC_RELAXED);
		if (!x2)
			lapic_write(reg, value & 0xff000000u);
		return;
	case LAPIC_DFR:
		__atomic_store_n(&gv->dfr, value | 0x0fffffffu, __ATOMIC_RELAXED);
		if (!x2)
			lapic_write(reg, value | 0x0fffffffu);
		return;
	case LAPIC_SVR:
		svr_write(gv, value);
		return;
	default:
		break;
	}
	if (plain_write_bits(reg, &bits)) {
		if (lapic_write_checked(reg, value & bits))
			refuse_write(gv, reg, value, "the LAPIC raised #GP");
	} else if (lapic_has_lvt(reg)) {
		lvt_write(gv, reg, value);
	}
	/* Anything else is read-only or not the guest's: dropped. */
}

/* The page holds 32-bit registers on 16-byte boundaries, which the SDM
 * lets software reach with aligned 32-bit loads and stores only: anything
 * else has no meaning to pass on, and the guest stops. */
static int lapic_page_access(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
			     unsigned size, uint64_t *value)
{
	unsigned reg = (unsigned)offset;

	(void)ctx;
	if (size != 4 || (reg & 0xf)) {
		guest_vcpu_stop_with_error(gv, "LAPIC access that is not an aligned 32-bit one");
		return -EINVAL;
	}
	if (write)
		vlapic_write(gv, reg, (uint32_t)*value);
	else
		*value = vlapic_read(gv, reg);
	return 0;
}

int vlapic_attach(struct guest *g)
{
	return guest_mmio_register(&g->io, XAPIC_BASE, XAPIC_SIZE, lapic_page_access, NULL);
}
