/* The guest's LAPIC is the physical one, guarded (the guest owns its CPUs
 * but must not reach others): its xAPIC page is not mapped, so every access
 * exits and lands here.
 * Reads and writes go to the physical LAPIC except
 *  - ICR: a guest may send fixed IPIs to its own CPUs only; INIT and
 *    start-up IPIs to its own vCPUs are emulated (they would reset a
 *    physical CPU under the hypervisor); everything else is refused;
 *  - the APIC ID: the guest sees the physical one and may not change it;
 *  - LVT entries: only fixed and NMI delivery (no SMI, INIT or ExtINT);
 *  - what is not on the allow-list below reads 0 and drops writes;
 *  - with the physical LAPIC in x2APIC mode (real hardware), the guest
 *    still sees an xAPIC: the ID in bits 31:24, LDR and DFR kept here,
 *    EOI and ESR written as 0. */
#include "hv/guest/vlapic.h"
#include "arch/x86/lapic.h"
#include "arch/x86/log.h"
#include "arch/x86/smp.h"
#include "hv/guest/partition.h"

#include <errno.h>

#define REG_ID        0x020
#define REG_TPR       0x080
#define REG_PPR       0x0a0
#define REG_LDR       0x0d0
#define REG_DFR       0x0e0
#define REG_ISR_FIRST 0x100
#define REG_IRR_LAST  0x270
#define REG_ESR       0x280
#define REG_TMICT     0x380
#define REG_TMCCT     0x390
#define REG_TDCR      0x3e0
#define REG_LVT_CMCI  0x2f0
#define REG_LVT_TIMER 0x320
#define REG_LVT_ERROR 0x370
#define LVT_MASKED    (1u << 16)
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
#define REFUSALS_LOGGED 8

static void refuse(struct guest_vcpu *gv, uint32_t lo, const char *why)
{
	struct guest *g = gv->guest;
	unsigned long n = __atomic_add_fetch(&g->refused_ipis, 1, __ATOMIC_RELAXED);

	if (n <= REFUSALS_LOGGED)
		log_warn("guest %s: vCPU %u: IPI refused (ICR %#x to APIC ID %u): %s\n", g->name,
			 gv->index, lo, ICR_DEST(gv->icr_high), why);
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
static void send_one(struct guest_vcpu *gv, struct guest_vcpu *target, uint32_t lo)
{
	unsigned dlm = ICR_DLM(lo);

	if (!target) {
		refuse(gv, lo, "not one of the guest's CPUs");
		return;
	}
	switch (dlm) {
	case DLM_FIXED:
	case DLM_LOWEST:
		/* Vectors below 32 are exceptions' (and illegal for IPIs). */
		if (ICR_VECTOR(lo) < 32)
			refuse(gv, lo, "vector below 32");
		else if (lapic_send_ipi(target->apic_id, ICR_DELIVERY_FIXED | ICR_VECTOR(lo)))
			refuse(gv, lo, "the LAPIC did not accept it");
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
		refuse(gv, lo, "delivery mode not allowed");
		return;
	}
}

static void icr_write(struct guest_vcpu *gv, uint32_t lo)
{
	struct guest *g = gv->guest;
	unsigned shorthand = ICR_SHORTHAND(lo);
	uint32_t dest = ICR_DEST(gv->icr_high);

	if (shorthand == SHORTHAND_SELF) {
		send_one(gv, gv, lo);
		return;
	}
	if (shorthand == SHORTHAND_NONE && (lo & ICR_DEST_LOGICAL)) {
		refuse(gv, lo, "logical destinations are not supported");
		return;
	}
	/* A broadcast reaches the guest's own CPUs only. */
	if (shorthand != SHORTHAND_NONE || dest == BROADCAST_ID) {
		for (unsigned i = 0; i < g->vcpu_count; i++)
			if (shorthand != SHORTHAND_OTHERS || &g->vcpu[i] != gv)
				send_one(gv, &g->vcpu[i], lo);
		return;
	}
	send_one(gv, guest_vcpu_of_apic_id(g, dest), lo);
}

/* The registers a guest may reach (an allow-list: what is not here reads 0
 * and ignores writes, AMD's extended LVTs at 0x400+ included). */
static bool in_service_block(unsigned reg)
{
	return reg >= REG_ISR_FIRST && reg <= REG_IRR_LAST; /* ISR, TMR, IRR */
}

static bool is_lvt(unsigned reg)
{
	return reg == REG_LVT_CMCI || (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR);
}

uint32_t vlapic_read(struct guest_vcpu *gv, unsigned reg)
{
	bool x2 = lapic_x2apic_mode();

	switch (reg) {
	case LAPIC_ICR_HIGH:
		return gv->icr_high;
	case REG_ID:
		/* xAPIC format, whatever mode the physical LAPIC is in. */
		return x2 ? lapic_read(reg) << 24 : lapic_read(reg);
	case REG_LDR:
		return x2 ? gv->ldr : lapic_read(reg);
	case REG_DFR:
		return x2 ? gv->dfr : lapic_read(reg);
	case LAPIC_VERSION: case REG_TPR: case REG_PPR: case LAPIC_SVR: case REG_ESR:
	case LAPIC_ICR_LOW: case REG_TMICT: case REG_TMCCT: case REG_TDCR:
		return lapic_read(reg);
	default:
		return in_service_block(reg) || is_lvt(reg) ? lapic_read(reg) : 0;
	}
}

void vlapic_write(struct guest_vcpu *gv, unsigned reg, uint32_t value)
{
	bool x2 = lapic_x2apic_mode();

	switch (reg) {
	case LAPIC_ICR_HIGH:
		gv->icr_high = value;
		return;
	case LAPIC_ICR_LOW:
		icr_write(gv, value);
		return;
	case REG_LDR:
	case REG_DFR:
		/* x2APIC has no writable LDR and no DFR: kept for the guest. */
		if (!x2)
			lapic_write(reg, value);
		else if (reg == REG_LDR)
			gv->ldr = value;
		else
			gv->dfr = value;
		return;
	case LAPIC_EOI:
	case REG_ESR:
		lapic_write(reg, 0); /* x2APIC faults on anything else */
		return;
	case REG_TPR: case LAPIC_SVR: case REG_TMICT: case REG_TDCR:
		lapic_write(reg, value);
		return;
	default:
		break;
	}
	if (!is_lvt(reg))
		return; /* read-only or not the guest's */
	if (ICR_DLM(value) != DLM_FIXED && ICR_DLM(value) != DLM_NMI) {
		refuse(gv, value, "LVT delivery mode not allowed (masked)");
		value |= LVT_MASKED;
		value &= ~(7u << 8);
	}
	lapic_write(reg, value);
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
