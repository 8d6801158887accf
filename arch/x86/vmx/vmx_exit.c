/* Running a VT-x guest: VMLAUNCH/VMRESUME through vmx_entry.S, each exit
 * normalised into struct vcpu_exit as svm.c gives it, and what the
 * backend does itself without the guest layer seeing an exit: MOV to
 * CR0/CR4 that changes a bit VMX fixes (CR0.NE, CR4.VMXE: the guest's
 * value lives in the read shadow), XSETBV, and events whose delivery the
 * exit cut short. See vmx.c for the choices. */
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/log.h"
#include "arch/x86/vmx/vmx_exit_decode.h"
#include "arch/x86/vmx/vmx_names.h"
#include "arch/x86/vmx/vmx_vcpu.h"

#include <stdbool.h>
#include <stdint.h>

extern int vmx_enter(uint64_t *gpr, int launched);

static unsigned exit_insn_len(void)
{
	return vmread32(VMCS_EXIT_INSN_LEN);
}

static void skip_insn(struct vcpu *v)
{
	v->regs.rip += exit_insn_len();
}


static void error_exit(struct vcpu_exit *e, uint64_t code, uint64_t info1, uint64_t info2)
{
	e->kind = VCPU_EXIT_ERROR;
	e->error.code = code;
	e->error.info1 = info1;
	e->error.info2 = info2;
}

static void inject_gp(void)
{
	vmx_inject(INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION << 8 | INTR_INFO_ERROR_VALID | VEC_GP, 0);
}

/* MOV to CR0 or CR4 (qualification 27.2.1, table 28-3) that changed a bit
 * the host owns: the guest's value goes into the shadow, the CPU's with
 * the fixed bits on. Paging turned on or off under EFER.LME moves
 * EFER.LMA and the IA-32e entry control with it, as the CPU would. */
static bool guest_write_cr0(struct vcpu *v, uint64_t value)
{
	struct vmx_vcpu *s = vmx_hw(v);
	uint64_t efer = vmread64(VMCS_GUEST_EFER);
	uint32_t entry = vmread32(VMCS_ENTRY_CONTROLS);
	uint64_t old = vmx_guest_view(vmread_nat(VMCS_GUEST_CR0), s->img.ctl.cr0_mask,
				  s->img.ctl.cr0_shadow);
	uint64_t cr4 = vmx_guest_view(vmread_nat(VMCS_GUEST_CR4), s->img.ctl.cr4_mask,
				  s->img.ctl.cr4_shadow);
	bool cs_long = vmread32(VMCS_GUEST_CS_AR) & VMX_AR_L;

	/* The #GP cases of MOV to CR0 (SDM Vol. 2B, "MOV-Move to/from
	 * Control Registers"). */
	if (value >> 32 || ((value & CR0_PG) && !(value & CR0_PE)) ||
	    ((value & CR0_NW) && !(value & CR0_CD)) ||
	    ((value & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE)) ||
	    (!(value & CR0_PG) && (old & CR0_PG) && cs_long))
		return false;
	if ((value & CR0_PG) && (efer & EFER_LME)) {
		efer |= EFER_LMA;
		entry |= VMX_ENTRY_IA32E_GUEST;
	} else if (!(value & CR0_PG)) {
		efer &= ~EFER_LMA;
		entry &= ~VMX_ENTRY_IA32E_GUEST;
	}
	s->img.ctl.cr0_shadow = value;
	vmwrite_nat(VMCS_CR0_READ_SHADOW, value);
	vmwrite_nat(VMCS_GUEST_CR0, vmx_fixed(value | s->img.ctl.cr0_mask, 0, vmx_host_caps.cr0_fixed1));
	vmwrite64(VMCS_GUEST_EFER, efer);
	vmwrite32(VMCS_ENTRY_CONTROLS, entry);
	/* The CPU's own MOV to CR0 would have dropped these translations. */
	if ((old ^ value) & (CR0_PG | CR0_PE | CR0_WP | CR0_CD))
		vmx_flush_vpid(s);
	return true;
}

static bool guest_write_cr4(struct vcpu *v, uint64_t value)
{
	struct vmx_vcpu *s = vmx_hw(v);

	/* VMXE is the host's; the rest as CR4_FIXED1 allows. */
	if (value & (CR4_VMXE | ~vmx_host_caps.cr4_fixed1))
		return false;
	s->img.ctl.cr4_shadow = value;
	vmwrite_nat(VMCS_CR4_READ_SHADOW, value);
	vmwrite_nat(VMCS_GUEST_CR4, value | s->img.ctl.cr4_mask);
	return true;
}

/* A control-register access that exited: true when handled here (the
 * guest runs on), false for an error exit. */
static bool cr_access(struct vcpu *v, uint64_t qual)
{
	unsigned cr = qual & 0xf, type = (qual >> 4) & 3, reg = (qual >> 8) & 0xf;
	uint64_t cr0 = vmx_guest_view(vmread_nat(VMCS_GUEST_CR0), vmx_hw(v)->img.ctl.cr0_mask,
				  vmx_hw(v)->img.ctl.cr0_shadow);
	bool ok;

	switch (type) {
	case 0: /* MOV to CR */
		if (cr == 0)
			ok = guest_write_cr0(v, v->regs.gpr[reg]);
		else if (cr == 4)
			ok = guest_write_cr4(v, v->regs.gpr[reg]);
		else
			return false;
		break;
	case 2: /* CLTS */
		ok = guest_write_cr0(v, cr0 & ~CR0_TS);
		break;
	case 3: /* LMSW: PE, MP, EM, TS; PE is not cleared by it */
		ok = guest_write_cr0(v, (cr0 & ~0xeull) | ((qual >> 16) & 0xf));
		break;
	default:
		return false;
	}
	if (ok)
		skip_insn(v);
	else
		inject_gp();
	return true;
}

/* XSETBV (always exits): XCR0 takes what the CPU supports (CPUID.0DH.0
 * EDX:EAX) with x87 on and AVX only beside SSE; else #GP, as the CPU
 * would raise it. The register is the physical one, the guest's on a CPU
 * it owns; hv needs CR4.OSXSAVE to write it. */
static void xsetbv(struct vcpu *v)
{
	uint32_t index = (uint32_t)v->regs.gpr[GPR_RCX];
	uint64_t value = (uint32_t)v->regs.gpr[GPR_RAX] | v->regs.gpr[GPR_RDX] << 32;
	struct cpuid_regs d = cpuid(0xd, 0);
	uint64_t supported = d.eax | (uint64_t)d.edx << 32;

	const struct vmx_vcpu *s = vmx_hw(v);
	uint64_t cr4 = vmx_guest_view(vmread_nat(VMCS_GUEST_CR4), s->img.ctl.cr4_mask,
				  s->img.ctl.cr4_shadow);

	/* #UD and the CPL check come before the exit on hardware; Bochs's
	 * order is not promised. */
	if (!(cr4 & CR4_OSXSAVE) || !(cpuid(1, 0).ecx & (1u << 26))) {
		vmx_inject(INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION << 8 | VEC_UD, 0);
		return;
	}
	/* x87 always; AVX with SSE; the AVX-512 state (bits 7:5) all or
	 * none, and with AVX; the AMX state (bits 18:17) both or none. */
	if (VMX_AR_DPL(vmread32(VMCS_GUEST_SS_AR)) != 0 || index != 0 || !(value & 1) ||
	    (value & ~supported) || ((value & 4) && !(value & 2)) ||
	    ((value & 0xe0) && ((value & 0xe0) != 0xe0 || !(value & 4))) ||
	    ((value >> 17 & 3) == 1 || (value >> 17 & 3) == 2)) {
		inject_gp();
		return;
	}
	uint64_t host_cr4 = read_cr4();
	if (!(host_cr4 & CR4_OSXSAVE)) {
		write_cr4(host_cr4 | CR4_OSXSAVE);
		vmwrite_nat(VMCS_HOST_CR4, host_cr4 | CR4_OSXSAVE);
		vmx_hw(v)->img.host.cr4 = host_cr4 | CR4_OSXSAVE;
	}
	__asm__ volatile("xsetbv" ::"c"(0u), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
	skip_insn(v);
}

static void exception_exit(struct vcpu *v, struct vcpu_exit *e, uint32_t info)
{
	unsigned vector = info & 0xff;

	if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI) {
		e->kind = VCPU_EXIT_KICK;
		return;
	}
	/* ICEBP (a privileged software exception) and INT3/INTO exit at the
	 * instruction; the CPU would have delivered them after it, as a trap. */
	if (INTR_INFO_TYPE(info) == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    INTR_INFO_TYPE(info) == INTR_TYPE_SW_EXCEPTION)
		skip_insn(v);
	e->kind = VCPU_EXIT_EXCEPTION;
	e->exception.vector = (uint8_t)vector;
	e->exception.has_error = (info & INTR_INFO_ERROR_VALID) != 0;
	e->exception.error_code = e->exception.has_error ? vmread32(VMCS_EXIT_INTR_ERROR) : 0;
	/* A #DB exit leaves DR6 alone (27.1): its bits are in the
	 * qualification, where its handler reads them in DR6. */
	if (vector == VEC_DB) {
		uint64_t dr6 = DR6_INIT | (vmread_nat(VMCS_EXIT_QUALIFICATION) & 0x600full);
		__asm__ volatile("mov %0, %%dr6" ::"r"(dr6));
	}
}

static void io_exit(struct vcpu *v, struct vcpu_exit *e, uint64_t qual)
{
	/* The address size of INS/OUTS is in the instruction information
	 * where VMX_BASIC bit 54 says the CPU fills it in. */
	bool info_valid = vmx_host_caps.basic & (1ull << 54);

	vmx_decode_io_exit(qual, info_valid ? vmread32(VMCS_EXIT_INSN_INFO) : 0, info_valid,
			   v->regs.rip, exit_insn_len(), e);
}

/* Decodes one exit into *e: false where the backend handled it itself
 * and the guest just runs on. */
static bool decode_exit(struct vcpu *v, struct vcpu_exit *e, uint32_t reason)
{
	uint64_t qual = vmread_nat(VMCS_EXIT_QUALIFICATION);

	if (reason & EXIT_REASON_ENTRY_FAILED) {
		log_err("vmx: CPU %u: VM entry failed: %s (qualification %#llx)\n", vmx_hw(v)->cpu,
			vmx_exit_reason_name(reason), (unsigned long long)qual);
		error_exit(e, reason, qual, 0);
		return true;
	}
	switch (reason & 0xffff) {
	case EXIT_EXCEPTION_NMI:
		exception_exit(v, e, vmread32(VMCS_EXIT_INTR_INFO));
		return true;
	case EXIT_TRIPLE_FAULT: e->kind = VCPU_EXIT_SHUTDOWN; return true;
	case EXIT_CPUID: e->kind = VCPU_EXIT_CPUID; return true;
	case EXIT_HLT: e->kind = VCPU_EXIT_HLT; return true;
	case EXIT_INVD: e->kind = VCPU_EXIT_INVD; return true;
	case EXIT_VMCALL: e->kind = VCPU_EXIT_HYPERCALL; return true;
	case EXIT_IO: io_exit(v, e, qual); return true;
	case EXIT_RDMSR: case EXIT_WRMSR:
		e->kind = VCPU_EXIT_MSR;
		e->msr.write = (reason & 0xffff) == EXIT_WRMSR;
		return true;
	case EXIT_EPT_VIOLATION:
		/* Bochs's exit instruction length is unreliable here: the
		 * guest layer decodes the instruction (io_exit.c). */
		e->kind = VCPU_EXIT_MMIO;
		e->mmio.gpa = vmread64(VMCS_GUEST_PHYSICAL_ADDRESS);
		e->mmio.write = qual & (1u << 1);
		e->mmio.fetch = qual & (1u << 2);
		return true;
	case EXIT_WBINVD:
		e->kind = VCPU_EXIT_WBINVD;
		e->wbinvd.len = exit_insn_len();
		if (e->wbinvd.len == 0 || e->wbinvd.len > 15)
			e->wbinvd.len = 0;
		return true;
	case EXIT_XSETBV:
		xsetbv(v);
		return false;
	case EXIT_PREEMPTION_TIMER:
		/* Zeroed by a kick (vmx.c): the loop looks at the guest's state. */
		vmwrite32(VMCS_PREEMPTION_TIMER, VMX_PREEMPTION_IDLE);
		e->kind = VCPU_EXIT_KICK;
		return true;
	case EXIT_CR_ACCESS:
		if (cr_access(v, qual))
			return false;
		break;
	case EXIT_VMCLEAR ... EXIT_VMXON:
	case EXIT_INVEPT: case EXIT_INVVPID: case EXIT_VMFUNC:
		e->kind = VCPU_EXIT_UD;
		return true;
	default:
		break;
	}
	log_err("vmx: CPU %u: unexpected exit %u (%s), qualification %#llx\n", vmx_hw(v)->cpu,
		reason & 0xffff, vmx_exit_reason_name(reason), (unsigned long long)qual);
	error_exit(e, reason, qual, vmread64(VMCS_GUEST_PHYSICAL_ADDRESS));
	return true;
}

/* An event the exit cut short (its delivery faulted into EPT, say) goes
 * in again at the next entry (27.2.4, 26.6.1.1). */
static void reinject_vectoring(void)
{
	uint32_t info = vmread32(VMCS_IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	vmwrite32(VMCS_ENTRY_INTR_INFO, info & ~(1u << 12));
	if (info & INTR_INFO_ERROR_VALID)
		vmwrite32(VMCS_ENTRY_EXCEPTION_ERROR, vmread32(VMCS_IDT_VECTORING_ERROR));
	unsigned type = INTR_INFO_TYPE(info);
	if (type == INTR_TYPE_SW_INT || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    type == INTR_TYPE_SW_EXCEPTION)
		vmwrite32(VMCS_ENTRY_INSN_LEN, exit_insn_len());
}

/* Entering failed without an exit (VMfailInvalid/VMfailValid). */
static void entry_failed(struct vmx_vcpu *s, struct vcpu_exit *e, int rc)
{
	uint32_t err = rc == 2 ? vmx_insn_error() : 0;

	if (rc == 2)
		log_err("vmx: CPU %u: %s failed: VM-instruction error %u (%s)\n", s->cpu,
			s->launched ? "VMRESUME" : "VMLAUNCH", err, vmx_insn_error_name(err));
	else
		log_err("vmx: CPU %u: %s failed (%s)\n", s->cpu,
			s->launched ? "VMRESUME" : "VMLAUNCH",
			rc == 1 ? "VMfailInvalid" : "host RSP not written");
	error_exit(e, 1ull << 32 | err, (uint64_t)rc, 0);
}

void vmx_run_vcpu(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmx_vcpu *s = vmx_hw(v);

	if (s->refused || vmx_make_current(s)) {
		error_exit(e, 1ull << 33, 0, 0);
		return;
	}
	for (unsigned rounds = 0; rounds < 1000000u; rounds++) {
		vmwrite_nat(VMCS_GUEST_RSP, v->regs.gpr[GPR_RSP]);
		vmwrite_nat(VMCS_GUEST_RIP, v->regs.rip);
		vmwrite_nat(VMCS_GUEST_RFLAGS, v->regs.rflags);
		int rc = vmx_enter(v->regs.gpr, s->launched);
		if (rc) {
			entry_failed(s, e, rc);
			return;
		}
		s->launched = true;
		v->regs.gpr[GPR_RSP] = vmread_nat(VMCS_GUEST_RSP);
		v->regs.rip = vmread_nat(VMCS_GUEST_RIP);
		v->regs.rflags = vmread_nat(VMCS_GUEST_RFLAGS);
		uint32_t reason = vmread32(VMCS_EXIT_REASON);
		if (!(reason & EXIT_REASON_ENTRY_FAILED))
			reinject_vectoring();
		if (decode_exit(v, e, reason))
			return;
	}
	/* Only exits handled here, a million of them: give the loop a look. */
	e->kind = VCPU_EXIT_KICK;
}

