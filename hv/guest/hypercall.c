/* The hypercalls of hv/guest/abi.h (HV_HC_*): how a test guest reports its
 * result and reads its exit count, and how one guest stops or restarts
 * another. Only its kernel may make them. */
#include "arch/x86/exception.h"
#include "hv/guest/exits.h"
#include "hv/guest/guest_control.h"

#define HC_UNKNOWN ((uint64_t)-38) /* -ENOSYS */
/* Non-canonical: any access raises #GP. */
#define NON_CANONICAL_ADDRESS 0x8000000000000000ull

/* What a bug in an exit handler would do: fault in the hypervisor. */
static void fault_in_hypervisor(void)
{
	(void)*(volatile uint64_t *)(uintptr_t)NON_CANONICAL_ADDRESS;
}

void guest_hypercall_exit(struct guest_vcpu *gv)
{
	struct vcpu_regs *r = &gv->vcpu.regs;
	struct vcpu_state s;

	/* The guest's kernel talks to hv, not its user space. */
	vcpu_get_state(&gv->vcpu, &s);
	if (s.cpl != 0) {
		vcpu_inject_exception(&gv->vcpu, VEC_UD, false, 0);
		return;
	}
	r->rip += vcpu_hypercall_len(&gv->vcpu);
	switch (r->gpr[GPR_RAX]) {
	case HV_HC_SHUTDOWN:
		guest_stop(gv->guest, r->gpr[GPR_RBX] ? 1 : 0, false,
			   r->gpr[GPR_RBX] ? "shut down, its tests failed" :
					     "shut down, its tests passed");
		return;
	case HV_HC_EXITS:
		r->gpr[GPR_RAX] = gv->vcpu.exits;
		return;
	case HV_HC_TEST_FAULT:
		if (gv->guest->test_exit_fault)
			fault_in_hypervisor();
		r->gpr[GPR_RAX] = HC_UNKNOWN;
		return;
	case HV_HC_GUEST_CONTROL:
		r->gpr[GPR_RAX] = (uint64_t)guest_control(gv->guest, r->gpr[GPR_RBX],
							  r->gpr[GPR_RCX]);
		return;
	default:
		r->gpr[GPR_RAX] = HC_UNKNOWN;
		return;
	}
}
