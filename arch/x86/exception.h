/* Exception reporting, and recovery from faults a self-test provokes. */
#ifndef ARCH_X86_EXCEPTION_H
#define ARCH_X86_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

#define VEC_DE 0
#define VEC_DB 1
#define VEC_NMI 2
#define VEC_BR 5
#define VEC_UD 6
#define VEC_DF 8
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14
#define VEC_AC 17
#define VEC_MC 18

/* #PF error code bits (SDM Vol. 3A, 4.7). */
#define PF_ERR_PRESENT (1u << 0)
#define PF_ERR_WRITE   (1u << 1)
#define PF_ERR_FETCH   (1u << 4)

/* Saved by arch/x86/isr.S, lowest address first. */
struct exception_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* One fault the running code expects: when it arrives, it is recorded and
 * execution resumes at `resume_rip` instead of the hypervisor halting. */
struct fault_expectation {
	uint8_t vector;
	uintptr_t resume_rip;
	bool taken;
	uint64_t error, cr2, rip;
};

void exception_expect(struct fault_expectation *e);
void exception_expect_clear(void);

/* Where an unexpected exception goes instead of halting the CPU, while
 * the CPU works for someone it can give up on (a guest's exit): the
 * exception is reported through `report`, then recovery_save() returns
 * again, with 1, through the handler's IRET (RFLAGS as recovery_save()
 * found them). Only a fault the interrupted code raised, in no other
 * handler, on the stack below the point (arch/x86/recovery_decision.h), and
 * only when every spin lock taken since the point was armed is recoverable
 * (arch/x86/spinlock.h): those are released first, what they guard
 * belongs to the work given up. Anything else halts the CPU. Armed per
 * CPU; disarmed before `report` runs, so an exception in the report
 * itself halts. */
struct recovery_point {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags;
};

struct exception_recovery {
	struct recovery_point point;
	void (*report)(void *ctx, const struct exception_frame *f);
	void *ctx;
	unsigned locks_held; /* this CPU's when armed */
};

/* Returns 0 when called, 1 when an exception resumed here; `point` must
 * stay valid and its caller's frame live while armed. */
int recovery_save(struct recovery_point *point) __attribute__((returns_twice));
void exception_recovery_arm(struct exception_recovery *r);
void exception_recovery_disarm(void);

void exception_dispatch(struct exception_frame *f);

/* CPUs an exception halted (no recovery armed, or it was refused): any
 * makes the run a failure, whatever else passed. */
unsigned exception_cpus_halted(void);

/* Probes in arch/x86/fault_probe.S; each has a resume label for
 * fault_expectation.resume_rip. */
uint64_t fault_probe_read(uintptr_t addr);
void fault_probe_write(uintptr_t addr, uint8_t value);
void fault_probe_exec(uintptr_t addr);
void fault_probe_ud(void);
extern const char fault_probe_read_resume[], fault_probe_write_resume[],
	fault_probe_exec_resume[], fault_probe_ud_resume[];

/* RDMSR/WRMSR that give -EFAULT where the instruction raises #GP (an MSR
 * the CPU lacks, reserved bits set), for MSRs and values a guest chose. */
int rdmsr_safe(uint32_t msr, uint64_t *value);
int wrmsr_safe(uint32_t msr, uint64_t value);

#endif
