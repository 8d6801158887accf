/* A virtual CPU, whatever the hardware: one interface that hv/ drives and
 * a backend per vendor behind it (svm/ now; vmx/ later). Nothing here
 * names a VMCB or a VMCS; exits come out normalised.
 *
 * A vCPU is pinned to the physical CPU that created it and only that CPU
 * runs it. Guest-physical memory is described by a nested page table the
 * caller builds (vcpu_npt_*). */
#ifndef ARCH_X86_VCPU_H
#define ARCH_X86_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pt.h"

/* General-purpose registers in instruction-encoding order, so a decoded
 * register number indexes them directly. */
enum vcpu_gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_COUNT
};

struct vcpu_regs {
	uint64_t gpr[GPR_COUNT];
	uint64_t rip, rflags;
};

/* What instruction decoding and address translation need to know. */
struct vcpu_state {
	uint64_t cr0, cr3, cr4, efer;
	uint64_t cs_base;
	/* Every segment's base, in the order instructions encode them: ES,
	 * CS, SS, DS, FS, GS. In 64-bit mode the CPU uses only FS's and GS's
	 * (the others count as 0, whatever these say). */
	uint64_t seg_base[6];
	bool cs_long, cs_db; /* CS.L, CS.D */
	unsigned cpl;
};

enum vcpu_exit_kind {
	VCPU_EXIT_IO,        /* port I/O; the hypervisor emulates it */
	VCPU_EXIT_MMIO,      /* a guest-physical address nothing maps */
	VCPU_EXIT_MSR,       /* RDMSR/WRMSR of an intercepted MSR (RCX) */
	VCPU_EXIT_CPUID,
	VCPU_EXIT_HLT,
	VCPU_EXIT_HYPERCALL, /* VMMCALL/VMCALL */
	VCPU_EXIT_SHUTDOWN,  /* triple fault */
	VCPU_EXIT_KICK,      /* an NMI from the hypervisor: look at the mailbox */
	VCPU_EXIT_UD,        /* an instruction the guest may not use (VMRUN, ...) */
	VCPU_EXIT_INVD,      /* INVD: done as WBINVD would (nothing lost) */
	VCPU_EXIT_WBINVD,    /* WBINVD or WBNOINVD (F3 0F 09) */
	VCPU_EXIT_EXCEPTION, /* an exception the guest raised, not yet delivered */
	VCPU_EXIT_ERROR,     /* the entry failed or an exit nobody expects */
};

struct vcpu_exit {
	enum vcpu_exit_kind kind;
	union {
		struct {
			uint16_t port;
			uint8_t size;          /* 1, 2, 4 */
			uint8_t addr_size;     /* 2, 4, 8: of rSI/rDI/rCX (string);
						* 0: unknown, decode the bytes */
			bool in, string, rep;
			uint64_t next_rip;
		} io;
		struct {
			uint64_t gpa;
			bool write, fetch;
		} mmio;
		struct {
			bool write;
		} msr;
		struct {
			unsigned len;          /* 0: unknown, decode the bytes at RIP */
		} wbinvd;
		/* Nothing of it reached the guest: RIP and the registers are as
		 * the CPU would have delivered it (a fault at the instruction, a
		 * trap after it), and for #DB the guest's DR6 already holds the
		 * status bits its handler reads. */
		struct {
			uint8_t vector;
			bool has_error;
			uint32_t error_code;
		} exception;
		struct {
			uint64_t code, info1, info2; /* the backend's own words */
		} error;
	};
};

struct vcpu_backend;

struct vcpu {
	const struct vcpu_backend *backend;
	void *hw;                /* the backend's state (VMCB and friends) */
	struct vcpu_regs regs;   /* valid between vcpu_run() calls */
	unsigned long exits;     /* every exit since creation */
};

/* Sets up virtualisation on the calling physical CPU. -ENODEV when it
 * has neither backend's hardware. Called once per CPU that runs vCPUs. */
int vcpu_cpu_init(void);

/* The name of the backend in use ("svm"), or NULL before vcpu_cpu_init. */
const char *vcpu_backend_name(void);

/* A vCPU whose guest-physical space is the nested table at `npt_root`
 * (see vcpu_npt_format()), with address-space tag `tag` (1..n, one per
 * guest). Not runnable until one of the vcpu_reset_* calls. `v` comes
 * zeroed, or as an earlier vcpu_create() on this same CPU left it, hw
 * kept: that vCPU is made again in place, its backend state reused
 * (nothing allocated), so that a guest's restart exhausts nothing. */
int vcpu_create(struct vcpu *v, uint64_t npt_root, unsigned tag);

/* The nested page-table format: leaves map guest RAM with
 * vcpu_npt_ram_flags(). */
const struct pt_format *vcpu_npt_format(void);
uint64_t vcpu_npt_ram_flags(void);
/* Guest RAM that reads but does not take writes (they exit as MMIO). */
uint64_t vcpu_npt_rom_flags(void);
/* A passthrough device's memory BAR: uncached (or write-combining where
 * the guest's PAT asks for WC), whatever the firmware's MTRRs say of its
 * range (EPT ignores them; under NPT the host PAT's UC entry overrides
 * them). */
uint64_t vcpu_npt_mmio_flags(void);

/* 64-bit mode at `rip` with paging through `cr3`, the flat code/data
 * selectors of a GDT at `gdt_base` (limit `gdt_limit`). */
void vcpu_reset_long_mode(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base,
			  uint16_t gdt_limit, uint16_t code_sel, uint16_t data_sel);

/* Ports [first, first + count) reached by the guest directly, without an
 * exit (for a read-only counter such as the ACPI PM timer). 0, -EINVAL,
 * -ENOMEM. */
int vcpu_allow_ports(struct vcpu *v, uint16_t first, unsigned count);

/* Whether RDMSR (`reads`) and WRMSR (`writes`) of MSRs [first, first +
 * count) exit for this vCPU; those that do not reach the CPU's own. Until
 * the first call a vCPU has the backend's shared map, and a vCPU made
 * again (vcpu_create) has it again. 0, -EINVAL (a range the map does not
 * cover), -ENOMEM. */
int vcpu_set_msr_exits(struct vcpu *v, uint32_t first, unsigned count, bool reads, bool writes);

/* Real mode at CS = vector << 8, IP = 0: the state after INIT and a
 * start-up IPI. */
void vcpu_reset_startup(struct vcpu *v, uint8_t vector);

/* Around a vCPU loop: from hold to release, interrupts and NMIs reaching
 * this CPU wait (SVM: GIF = 0) and are delivered to the guest when it runs
 * (NMIs exit as VCPU_EXIT_KICK). */
void vcpu_hold_interrupts(void);
void vcpu_release_interrupts(void);

/* Runs the guest until its next exit. Interrupts stay held off in the
 * hypervisor between runs (they are the guest's). */
void vcpu_run(struct vcpu *v, struct vcpu_exit *exit);

void vcpu_get_state(const struct vcpu *v, struct vcpu_state *s);

/* The guest's view of EFER (what RDMSR returns) and its writes. */
uint64_t vcpu_get_efer(const struct vcpu *v);
int vcpu_set_efer(struct vcpu *v, uint64_t efer);
uint64_t vcpu_get_pat(const struct vcpu *v);
void vcpu_set_pat(struct vcpu *v, uint64_t pat);

/* Delivers exception `vector` (with `error_code` where it has one) at
 * the next run. */
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			   uint32_t error_code);

/* The guest's CR2, as a #PF the hypervisor injects must leave it. */
void vcpu_set_cr2(struct vcpu *v, uint64_t cr2);

/* The length of the hypercall instruction, which the caller skips. */
unsigned vcpu_hypercall_len(const struct vcpu *v);

#endif
