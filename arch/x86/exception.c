#include "arch/x86/exception.h"
#include "arch/x86/cpu.h"
#include "arch/x86/irq.h"
#include "arch/x86/lapic.h"
#include "arch/x86/log.h"
#include "arch/x86/percpu.h"
#include "arch/x86/recovery_decision.h"
#include "arch/x86/sizes.h"
#include "arch/x86/spinlock.h"

#include <stddef.h>

static const char *const vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD exception", "#VE virtualization exception",
	"#CP control protection", "reserved 22", "reserved 23", "reserved 24",
	"reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security exception", "reserved 31",
};

static struct fault_expectation *expected;

extern const char rdmsr_safe_insn[], rdmsr_safe_fault[], wrmsr_safe_insn[],
	wrmsr_safe_fault[];

/* Instructions whose #GP is an answer, not an error: where each resumes. */
static const struct {
	const char *insn, *resume;
} gp_fixups[] = {
	{ rdmsr_safe_insn, rdmsr_safe_fault },
	{ wrmsr_safe_insn, wrmsr_safe_fault },
};

static bool fix_up_gp(struct exception_frame *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(gp_fixups); i++)
		if (f->rip == (uintptr_t)gp_fixups[i].insn) {
			f->rip = (uintptr_t)gp_fixups[i].resume;
			return true;
		}
	return false;
}

void exception_recovery_arm(struct exception_recovery *r)
{
	r->locks_held = this_cpu()->locks.count;
	this_cpu()->recovery = r;
}

void exception_recovery_disarm(void)
{
	this_cpu()->recovery = NULL;
}

static unsigned long nmis_in_hypervisor;
static unsigned cpus_halted;

unsigned exception_cpus_halted(void)
{
	return __atomic_load_n(&cpus_halted, __ATOMIC_ACQUIRE);
}

void exception_expect(struct fault_expectation *e)
{
	e->taken = false;
	expected = e;
}

void exception_expect_clear(void)
{
	expected = NULL;
}

/* Prints the frame; each line starts with `lead` ("# " makes the lines
 * KTAP diagnostics when a self-test provoked the exception). */
static void dump(const struct exception_frame *f, const char *lead)
{
	log_raw("%sexception %llu (%s), error code %#llx\n", lead,
		(unsigned long long)f->vector,
		f->vector < 32 ? vector_names[f->vector] : "?",
		(unsigned long long)f->error);
	log_raw("%s  rip %016llx cs %04llx rflags %016llx rsp %016llx ss %04llx\n", lead,
		(unsigned long long)f->rip, (unsigned long long)f->cs,
		(unsigned long long)f->rflags, (unsigned long long)f->rsp,
		(unsigned long long)f->ss);
	log_raw("%s  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", lead,
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx, (unsigned long long)f->rdx);
	log_raw("%s  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", lead,
		(unsigned long long)f->rsi, (unsigned long long)f->rdi,
		(unsigned long long)f->rbp, (unsigned long long)f->r8);
	log_raw("%s  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n", lead,
		(unsigned long long)f->r9, (unsigned long long)f->r10,
		(unsigned long long)f->r11, (unsigned long long)f->r12);
	log_raw("%s  r13 %016llx r14 %016llx r15 %016llx\n", lead,
		(unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15);
	log_raw("%s  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n", lead,
		(unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

/* recovery_save() returns again, 1, when the handler returns. */
static void resume_at(struct exception_frame *f, const struct recovery_point *p)
{
	f->rbx = p->rbx;
	f->rbp = p->rbp;
	f->r12 = p->r12;
	f->r13 = p->r13;
	f->r14 = p->r14;
	f->r15 = p->r15;
	f->rsp = p->rsp;
	f->rip = p->rip;
	f->rflags = p->rflags;
	f->rax = 1;
}

/* false: refused, and logged why; the caller halts. */
static bool recover(struct exception_recovery *r, struct exception_frame *f, unsigned depth)
{
	struct percpu *pc = this_cpu();
	enum recovery_decision d = recovery_decide((unsigned)f->vector, depth, f->rsp,
						   pc->stack_bottom, r->point.rsp);
	const struct spinlock *culprit = NULL;

	if (d != RECOVERY_RESUME) {
		log_err("exception on APIC ID %u not recovered: %s\n", lapic_id(),
			recovery_decision_reason(d));
		dump(f, "  ");
		return false;
	}
	if (!spin_record_recoverable(&pc->locks, r->locks_held, &culprit)) {
		if (culprit)
			log_err("exception on APIC ID %u not recovered: it holds spin lock %p, "
				"whose data may be half-updated\n", lapic_id(), (const void *)culprit);
		else
			log_err("exception on APIC ID %u not recovered: it holds spin locks "
				"past its record\n", lapic_id());
		dump(f, "  ");
		return false;
	}
	log_err("exception on APIC ID %u, recovered: the work it interrupted is given up\n",
		lapic_id());
	dump(f, "  ");
	exception_recovery_disarm();
	unsigned released = spin_record_release_since(&pc->locks, r->locks_held);
	if (released)
		log_err("  %u spin lock%s it held released\n", released, released == 1 ? "" : "s");
	r->report(r->ctx, f);
	resume_at(f, &r->point);
	return true;
}

static void handle(struct exception_frame *f, unsigned depth)
{
	struct fault_expectation *e = expected;

	if (f->vector >= IRQ_FIRST_VECTOR) {
		irq_dispatch((uint8_t)f->vector);
		return;
	}
	/* The hypervisor's NMIs are kicks for CPUs running guests; one that
	 * lands while the CPU is in the hypervisor is the backend's to pass
	 * on to the next entry, if it must (without GIF, VMX must). */
	if (f->vector == VEC_NMI) {
		__atomic_add_fetch(&nmis_in_hypervisor, 1, __ATOMIC_RELAXED);
		void (*host_nmi)(void) = this_cpu()->host_nmi;
		if (host_nmi)
			host_nmi();
		return;
	}
	if (f->vector == VEC_GP && fix_up_gp(f))
		return;
	if (e && e->vector == f->vector) {
		dump(f, "# expected ");
		e->taken = true;
		e->error = f->error;
		e->cr2 = read_cr2();
		e->rip = f->rip;
		f->rip = e->resume_rip;
		expected = NULL;
		return;
	}
	struct exception_recovery *r = this_cpu()->recovery;
	if (!r) {
		log_err("unexpected exception on APIC ID %u\n", lapic_id());
		dump(f, "  ");
	} else if (recover(r, f, depth)) {
		return;
	}
	log_err("halting this CPU\n");
	__atomic_add_fetch(&cpus_halted, 1, __ATOMIC_RELEASE);
	cpu_halt_forever();
}

/* Every vector comes through here: the depth counts the handlers this
 * CPU is in, so that recovery knows one interrupted another. */
void exception_dispatch(struct exception_frame *f)
{
	struct percpu *pc = this_cpu();
	unsigned depth = pc->exception_depth++;

	handle(f, depth);
	pc->exception_depth--;
}
