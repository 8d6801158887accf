/* A vCPU's life on its dedicated CPU: wait to be started, then run the
 * guest and hand each exit to its handler (hv/guest/exits.h) until the
 * guest stops. Exits are handled with interrupts held off
 * (vcpu_hold_interrupts): the CPU's interrupts are the guest's, and its
 * device vectors must not land in the hypervisor's IDT. */
#include "arch/x86/exception.h"
#include "arch/x86/lapic.h"
#include "arch/x86/log.h"
#include "arch/x86/smp.h"
#include "hv/guest/exits.h"

#include <stdio.h>

#define RFLAGS_RF (1ull << 16)

static void log_regs(const struct guest_vcpu *gv)
{
	const struct vcpu_regs *r = &gv->vcpu.regs;
	struct vcpu_state s;

	vcpu_get_state(&gv->vcpu, &s);
	log_raw("  %s vCPU %u: rip %016llx rsp %016llx rflags %016llx\n", gv->guest->name,
		gv->index, (unsigned long long)r->rip, (unsigned long long)r->gpr[GPR_RSP],
		(unsigned long long)r->rflags);
	log_raw("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
		(unsigned long long)r->gpr[GPR_RAX], (unsigned long long)r->gpr[GPR_RBX],
		(unsigned long long)r->gpr[GPR_RCX], (unsigned long long)r->gpr[GPR_RDX]);
	log_raw("  rsi %016llx rdi %016llx rbp %016llx\n", (unsigned long long)r->gpr[GPR_RSI],
		(unsigned long long)r->gpr[GPR_RDI], (unsigned long long)r->gpr[GPR_RBP]);
	log_raw("  cr0 %016llx cr3 %016llx cr4 %016llx efer %016llx\n",
		(unsigned long long)s.cr0, (unsigned long long)s.cr3, (unsigned long long)s.cr4,
		(unsigned long long)s.efer);
}

void guest_vcpu_stop_with_error(struct guest_vcpu *gv, const char *reason)
{
	log_err("guest %s: vCPU %u: %s\n", gv->guest->name, gv->index, reason);
	log_regs(gv);
	guest_stop(gv->guest, 1, true, reason);
}

void guest_vcpu_crash(struct guest_vcpu *gv, const char *reason)
{
	struct guest *g = gv->guest;

	log_err("guest %s: vCPU %u: %s\n", g->name, gv->index, reason);
	log_regs(gv);
	guest_stop_or_restart(g, 1, true, reason, g->on_crash == GUEST_ON_RESET_RESTART);
}

/* An exception intercepted only so that it cannot loop unseen inside
 * the CPU (#AC, #DB): it goes back to the guest as the CPU would have
 * delivered it. A fault's frame carries RFLAGS.RF, as the CPU pushes it,
 * so that the instruction's own breakpoint does not fire again when the
 * handler returns to it; #DB is left as it is (traps, and a debugger
 * sets RF itself on an instruction breakpoint). An event whose delivery
 * raised it (#AC pushing a frame on a misaligned stack) is replaced by it,
 * as the CPU would deliver the second one; a fault comes back when the
 * instruction runs again, but an external interrupt cut short so is lost
 * to the guest (hv queues no second event). */
static void reflect_exception(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	if (e->exception.vector == VEC_AC)
		gv->vcpu.regs.rflags |= RFLAGS_RF;
	vcpu_inject_exception(&gv->vcpu, e->exception.vector, e->exception.has_error,
			      e->exception.error_code);
}

static void handle_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	char why[96];

	gv->exits[e->kind]++;
	switch (e->kind) {
	case VCPU_EXIT_IO: guest_io_exit(gv, e); return;
	case VCPU_EXIT_MMIO: guest_mmio_exit(gv, e); return;
	case VCPU_EXIT_MSR: guest_msr_exit(gv, e); return;
	case VCPU_EXIT_CPUID: guest_cpuid_exit(gv); return;
	case VCPU_EXIT_HYPERCALL: guest_hypercall_exit(gv); return;
	case VCPU_EXIT_KICK: return; /* the loop looks at the guest's state */
	case VCPU_EXIT_HLT: return;
	case VCPU_EXIT_UD:
		vcpu_inject_exception(&gv->vcpu, VEC_UD, false, 0);
		return;
	case VCPU_EXIT_INVD: guest_invd_exit(gv); return;
	case VCPU_EXIT_WBINVD: guest_wbinvd_exit(gv, e); return;
	case VCPU_EXIT_EXCEPTION: reflect_exception(gv, e); return;
	case VCPU_EXIT_SHUTDOWN:
		guest_vcpu_crash(gv, "triple fault");
		return;
	case VCPU_EXIT_ERROR:
		snprintf(why, sizeof(why), "unhandled exit %#llx (info %#llx, %#llx)",
			 (unsigned long long)e->error.code, (unsigned long long)e->error.info1,
			 (unsigned long long)e->error.info2);
		guest_vcpu_stop_with_error(gv, why);
		return;
	}
}

/* A fault the hypervisor takes while it runs the guest or handles its
 * exit is the guest's end, not the CPU's, when only this guest's locks are
 * held (arch/x86/exception.h says which faults): the CPU goes back to the
 * loop, which gives it back. */
static void report_exit_exception(void *ctx, const struct exception_frame *f)
{
	struct guest_vcpu *gv = ctx;
	char why[96];

	snprintf(why, sizeof(why), "hv took exception %llu at %#llx handling its exit",
		 (unsigned long long)f->vector, (unsigned long long)f->rip);
	guest_vcpu_stop_with_error(gv, why);
}

static void run_until_stopped(struct guest_vcpu *gv)
{
	struct exception_recovery recovery = { .report = report_exit_exception, .ctx = gv };
	struct vcpu_exit exit;

	/* 1: report_exit_exception() stopped the guest, and the exit it was
	 * handling is not to be finished. */
	if (recovery_save(&recovery.point))
		return;
	exception_recovery_arm(&recovery);
	while (__atomic_load_n(&gv->guest->state, __ATOMIC_ACQUIRE) == GUEST_RUNNING) {
		vcpu_run(&gv->vcpu, &exit);
		handle_exit(gv, &exit);
	}
	exception_recovery_disarm();
}

/* Whatever the guest left in this CPU's LAPIC (armed timers and LVTs,
 * vectors in service or pending) must not reach the hypervisor once the
 * CPU is its own again. */
static void give_cpu_back(struct guest_vcpu *gv)
{
	lapic_quiesce();
	vcpu_release_interrupts();
	unsigned left = lapic_drain_requests();
	if (left)
		log_warn("guest %s: vCPU %u: %u interrupt requests still pending on CPU %u\n",
			 gv->guest->name, gv->index, left, gv->cpu);
}

/* A vCPU other than the first waits (interrupts on, halted) for INIT and
 * a start-up IPI from its guest. false when the guest stopped first. */
static bool wait_for_startup(struct guest_vcpu *gv)
{
	for (;;) {
		__asm__ volatile("cli" ::: "memory");
		if (__atomic_load_n(&gv->guest->state, __ATOMIC_ACQUIRE) != GUEST_RUNNING)
			return false;
		if (__atomic_load_n(&gv->state, __ATOMIC_ACQUIRE) == GVCPU_RUNNING &&
		    gv->sipi_vector >= 0)
			return true;
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}

void guest_vcpu_main(void *arg)
{
	struct guest_vcpu *gv = arg;
	struct guest *g = gv->guest;
	struct vcpu *v = &gv->vcpu;
	int err;

	if ((err = vcpu_cpu_init()) || (err = vcpu_create(v, g->npt.root, g->index + 1))) {
		/* No vCPU state to log. */
		log_err("guest %s: vCPU %u: no virtualisation on CPU %u (%d)\n", g->name, gv->index,
			gv->cpu, err);
		guest_stop(g, 1, true, "no virtualisation on one of its CPUs");
		goto stopped;
	}
	/* Every start is an xAPIC's, with the backend's shared MSR map again. */
	gv->x2apic = false;
	if (g->direct_port_count && (err = vcpu_allow_ports(v, g->direct_port,
							      g->direct_port_count))) {
		guest_vcpu_stop_with_error(gv, "its direct ports cannot be set up");
		goto stopped;
	}
	if (gv->index == 0 && g->linux_image) {
		/* Linux's 64-bit boot protocol: __BOOT_CS/__BOOT_DS, RSI = the zero page. */
		vcpu_reset_long_mode(v, g->entry, HV_GUEST_TABLES, LINUX_GDT, 4 * 8 - 1,
				     LINUX_BOOT_CS, LINUX_BOOT_DS);
		v->regs.gpr[GPR_RSI] = LINUX_ZERO_PAGE;
	} else if (gv->index == 0) {
		vcpu_reset_long_mode(v, g->entry, HV_GUEST_TABLES, HV_GUEST_GDT, 3 * 8 - 1,
				     HV_GUEST_SEL_CODE64, HV_GUEST_SEL_DATA);
		v->regs.gpr[GPR_RDI] = HV_GUEST_BOOT;
	} else {
		if (!wait_for_startup(gv))
			goto stopped;
		vcpu_reset_startup(v, (uint8_t)gv->sipi_vector);
	}
	vcpu_hold_interrupts();
	run_until_stopped(gv);
	give_cpu_back(gv);
stopped:
	__atomic_store_n(&gv->state, GVCPU_STOPPED, __ATOMIC_RELEASE);
	smp_wake_service_cpu();
}
