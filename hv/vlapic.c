/* The guest's LAPIC is the physical one, guarded (DESIGN.md decision 1):
 * its xAPIC page is not mapped, so every access exits and lands here.
 * Reads and writes go to the physical LAPIC except
 *  - ICR: a guest may send fixed IPIs to its own CPUs only; INIT and
 *    start-up IPIs to its own vCPUs are emulated (they would reset a
 *    physical CPU under the hypervisor); everything else is refused;
 *  - the APIC ID: the guest sees the physical one and may not change it;
 *  - LVT entries: only fixed and NMI delivery (no SMI, INIT or ExtINT). */
#include "hv/guest.h"
#include "arch/x86/lapic.h"
#include "arch/x86/smp.h"
#include "hv/log.h"

#define REG_ID        0x020
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
	 * pair finds the vCPU running and is dropped, as on hardware). */
	if (__atomic_load_n(&target->state, __ATOMIC_ACQUIRE) != GVCPU_WAIT_SIPI)
		return;
	target->sipi_vector = vector;
	__atomic_store_n(&target->state, GVCPU_RUNNING, __ATOMIC_RELEASE);
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
		if (lapic_send_ipi(target->apic_id, ICR_DELIVERY_FIXED | ICR_VECTOR(lo)))
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

uint32_t vlapic_read(struct guest_vcpu *gv, unsigned reg)
{
	if (reg == LAPIC_ICR_HIGH)
		return gv->icr_high;
	return lapic_read(reg);
}

void vlapic_write(struct guest_vcpu *gv, unsigned reg, uint32_t value)
{
	switch (reg) {
	case REG_ID:
		return;
	case LAPIC_ICR_HIGH:
		gv->icr_high = value;
		return;
	case LAPIC_ICR_LOW:
		icr_write(gv, value);
		return;
	default:
		break;
	}
	if ((reg == REG_LVT_CMCI || (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR)) &&
	    ICR_DLM(value) != DLM_FIXED && ICR_DLM(value) != DLM_NMI) {
		refuse(gv, value, "LVT delivery mode not allowed (masked)");
		value |= LVT_MASKED;
		value &= ~(7u << 8);
	}
	lapic_write(reg, value);
}
