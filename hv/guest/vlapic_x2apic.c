/* The guest's x2APIC (SDM Vol. 3A 11.12), offered where hv's own LAPIC is
 * in x2APIC mode, so that the guest's MSR accesses reach the physical
 * x2APIC with no page to decode.
 *
 * A vCPU starts as an xAPIC (APIC_BASE EXTD clear: vlapic.c's guarded
 * page, and every x2APIC MSR raises #GP). Once it sets EXTD, its reads of
 * 0x800-0x8ff and its writes of TPR, EOI, ESR and the timer's initial
 * count and divider go to the hardware without an exit: they reach only
 * its own CPU's interrupt state, and an EOI or a timer re-arm costs
 * nothing. The other writes exit and are filtered as vlapic.c filters
 * the page: ICR (the guest's own CPUs only, x2APIC destinations), SELF
 * IPI (as a self IPI through that filter), SVR and the LVTs; a write to a
 * read-only register raises #GP, as on hardware. Back to xAPIC mode only
 * through a reset: the SDM's way back leads through a disabled LAPIC
 * (11.12.5), which hv does not offer. */
#include "arch/x86/lapic.h"
#include "arch/x86/log.h"
#include "arch/x86/sizes.h"
#include "hv/guest/partition.h"
#include "hv/guest/vlapic.h"

#define X2APIC_MSR(reg) (X2APIC_MSR_BASE + (reg) / 16)
#define X2APIC_MSR_COUNT 0x100u
#define X2APIC_SELF_IPI 0x83fu
#define ICR_SELF (1u << 18)
/* Reserved in an x2APIC's ICR low word (SDM Vol. 3A 11.12.9): delivery
 * status, bit 13, 17:16, 31:20. A write with any set raises #GP. */
#define X2APIC_ICR_RESERVED 0xfff33000u

/* The writes that reach nothing but the vCPU's own CPU, and are cut to
 * their defined bits by the hardware's own #GP. */
static const uint32_t direct_writes[] = {
	X2APIC_MSR(LAPIC_TPR), X2APIC_MSR(LAPIC_EOI), X2APIC_MSR(LAPIC_ESR),
	X2APIC_MSR(LAPIC_TMICT), X2APIC_MSR(LAPIC_TDCR),
};

bool vlapic_x2apic_offered(void)
{
	return lapic_x2apic_mode();
}

uint64_t vlapic_apic_base(const struct guest_vcpu *gv)
{
	return XAPIC_BASE | APIC_BASE_ENABLE | (gv->index == 0 ? APIC_BASE_BSP : 0) |
	       (gv->x2apic ? APIC_BASE_X2APIC : 0);
}

/* All of it, or (closed again) none. */
static int open_x2apic_msrs(struct guest_vcpu *gv)
{
	int err = vcpu_set_msr_exits(&gv->vcpu, X2APIC_MSR_BASE, X2APIC_MSR_COUNT, false, true);

	for (size_t i = 0; !err && i < ARRAY_SIZE(direct_writes); i++)
		err = vcpu_set_msr_exits(&gv->vcpu, direct_writes[i], 1, false, false);
	if (err)
		(void)vcpu_set_msr_exits(&gv->vcpu, X2APIC_MSR_BASE, X2APIC_MSR_COUNT, true, true);
	return err;
}

/* The base stays where it is and the LAPIC enabled (BSP is read-only):
 * what may change is EXTD, from 0 to 1. */
bool vlapic_set_apic_base(struct guest_vcpu *gv, uint64_t value)
{
	bool x2apic = value & APIC_BASE_X2APIC;

	if ((value & ~(APIC_BASE_BSP | APIC_BASE_X2APIC)) != (XAPIC_BASE | APIC_BASE_ENABLE))
		return false;
	if (x2apic == gv->x2apic)
		return true;
	if (!x2apic || !vlapic_x2apic_offered())
		return false;
	int err = open_x2apic_msrs(gv);
	if (err) {
		log_warn("guest %s: vCPU %u: x2APIC mode refused: its MSR map cannot be set up (%d)\n",
			 gv->guest->name, gv->index, err);
		return false;
	}
	gv->x2apic = true;
	log_info("guest %s: vCPU %u: x2APIC mode\n", gv->guest->name, gv->index);
	return true;
}

/* Reads exit only while the vCPU is an xAPIC, which has no such MSRs. */
bool vlapic_msr_read(struct guest_vcpu *gv, uint32_t msr, uint64_t *value)
{
	uint32_t v;

	if (!gv->x2apic || lapic_read_checked((msr - X2APIC_MSR_BASE) * 16, &v))
		return false;
	*value = v;
	return true;
}

bool vlapic_msr_write(struct guest_vcpu *gv, uint32_t msr, uint64_t value)
{
	unsigned reg = (msr - X2APIC_MSR_BASE) * 16;

	if (!gv->x2apic)
		return false;
	if (reg == LAPIC_ICR_LOW) {
		if ((uint32_t)value & X2APIC_ICR_RESERVED)
			return false;
		vlapic_send_ipi(gv, (uint32_t)value, (uint32_t)(value >> 32), true);
		return true;
	}
	/* Bits 63:32 are reserved in every other register. */
	if (value >> 32)
		return false;
	if (msr == X2APIC_SELF_IPI) {
		if (value > 0xff)
			return false;
		vlapic_send_ipi(gv, ICR_SELF | (uint32_t)value, 0, true);
		return true;
	}
	switch (reg) {
	case LAPIC_EOI: case LAPIC_ESR:
		/* Direct (direct_writes), unless the map could not say so. */
		if (value)
			return false;
		/* fall through */
	case LAPIC_SVR: case LAPIC_TPR: case LAPIC_TMICT: case LAPIC_TDCR:
		vlapic_write(gv, reg, (uint32_t)value);
		return true;
	default:
		if (!lapic_has_lvt(reg))
			return false; /* read-only, or nothing there */
		vlapic_write(gv, reg, (uint32_t)value);
		return true;
	}
}
