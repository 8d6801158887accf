/* The SVM vCPU backend (AMD64 APM Vol. 2, chapter 15): a VMCB per vCPU with
 * nested paging, every port and MSR intercepted unless listed below, and
 * external interrupts left to the guest, which owns its CPU: a device MSI
 * reaches the guest's IDT without an exit. Under QEMU TCG there is no
 * next-RIP save and no decode assist: exits that skip an instruction
 * advance RIP by its known length, or hv decodes it (WBINVD).
 *
 * #DB and #AC are intercepted, though hv only hands them back: each can
 * re-raise itself while it is being delivered (#AC on a misaligned stack at
 * CPL 3, #DB on a data breakpoint over the IDT or the stack), and the CPU
 * then loops in microcode, never at an instruction boundary, wedged for
 * good (CVE-2015-5307, CVE-2015-8104). Intercepted, each round exits. */
#include "arch/x86/svm/svm.h"
#include "arch/x86/svm/svm_msrpm.h"
#include "arch/x86/vcpu_msrs.h"
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/page.h"
#include "arch/x86/percpu.h"
#include "arch/x86/sizes.h"
#include "arch/x86/svm/vmcb.h"
#include "arch/x86/vcpu_backend.h"

#include <errno.h>
#include <string.h>

#define MSR_VM_CR        0xc0010114u
#define MSR_VM_HSAVE_PA  0xc0010117u
#define VM_CR_SVMDIS     (1ull << 4)
#define EFER_SVME        (1ull << 12)
#define CPUID_8000_0001_ECX_SVM (1u << 2)
#define CPUID_8000_000A_EDX_NP  (1u << 0)
#define CPUID_8000_000A_EDX_NRIPS (1u << 3)

#define PAT_DEFAULT 0x0007040600070406ull
#define DR6_INIT 0xffff0ff0ull
#define DR7_INIT 0x400ull
#define DR7_GD (1ull << 13)
#define RFLAGS_FIXED 0x2ull

/* Segment attributes (VMCB format): type, S, DPL, P, AVL, L, D/B, G. */
#define SEG_CODE64   0xa9b /* execute/read accessed, S, P, L, G */
#define SEG_DATA     0xc93 /* read/write accessed, S, P, D/B, G */
#define SEG_TSS64    0x08b /* busy 64-bit TSS, P */
#define SEG_LDT      0x082
#define SEG_REAL_CODE 0x09b
#define SEG_REAL_DATA 0x093

#define VCPU_OPCODE_VMMCALL_LEN 3


struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	uint64_t own_iopm_pa; /* its own I/O map once svm_allow_ports() made one */
	uint64_t own_msrpm_pa; /* its own MSR map once svm_set_msr_exits() made one */
};

struct svm_cpu {
	uint64_t hsave_pa;
	uint64_t host_vmcb_pa; /* VMSAVE/VMLOAD of the host's own state */
};

/* Shared by every vCPU: all ones, but for what vcpu_passthrough_msrs lists (a
 * vCPU allowed ports of its own gets a copy of the I/O map). */
static uint64_t iopm_pa, msrpm_pa;
/* The CPU saves the next RIP of an intercepted instruction (NRIPS). */
static bool next_rip_saved;
static struct svm_cpu cpu_state[256];

extern void svm_run(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_vmcb_pa);

static void *va(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

bool svm_available(void)
{
	if (cpuid(0x80000000u, 0).eax < 0x8000000au)
		return false;
	if (!(cpuid(0x80000001u, 0).ecx & CPUID_8000_0001_ECX_SVM))
		return false;
	if (!(cpuid(0x8000000au, 0).edx & CPUID_8000_000A_EDX_NP))
		return false;
	return !(rdmsr(MSR_VM_CR) & VM_CR_SVMDIS);
}

/* Nested page tables are long-mode tables walked as user accesses: every
 * entry needs U/S. 1G leaves only where the CPU has them
 * (CPUID 8000_0001h EDX[26], Page1GB): svm_global_init() adds them. */
static struct pt_format npt_format = {
	.levels = 4,
	.present = PTE_P,
	.table_flags = PTE_P | PTE_W | PTE_U,
	.leaf_flags_allowed = PTE_W | PTE_U | PTE_NX | PTE_PWT | PTE_PCD,
	.leaf_always = PTE_P | PTE_U,
	.large_leaf = PTE_PS,
	.large_levels = 1u << 1,
	.addr_mask = PTE_ADDR_MASK,
};

/* TSC reads run at full speed; a write would move the physical TSC. */
#define MSR_TSC 0x10u

static int svm_global_init(void)
{
	if (cpuid(0x80000001u, 0).edx & (1u << 26))
		npt_format.large_levels |= 1u << 2;
	uint64_t io = page_alloc_zeroed(SVM_IOPM_BYTES / PAGE_SIZE, 1);
	uint64_t msr = page_alloc_zeroed(SVM_MSRPM_BYTES / PAGE_SIZE, 1);
	if (!io || !msr)
		return -ENOMEM;
	memset(va(io), 0xff, SVM_IOPM_BYTES);
	memset(va(msr), 0xff, SVM_MSRPM_BYTES);
	for (size_t i = 0; i < ARRAY_SIZE(vcpu_passthrough_msrs); i++)
		svm_msrpm_set(va(msr), vcpu_passthrough_msrs[i], false, false);
	svm_msrpm_set(va(msr), MSR_TSC, false, true);
	next_rip_saved = cpuid(0x8000000au, 0).edx & CPUID_8000_000A_EDX_NRIPS;
	msrpm_pa = msr;
	iopm_pa = io;
	return 0;
}

static int svm_cpu_init(unsigned cpu)
{
	struct svm_cpu *c = &cpu_state[cpu];

	if (cpu >= ARRAY_SIZE(cpu_state) || !iopm_pa)
		return -EINVAL;
	if (!c->hsave_pa) {
		c->hsave_pa = page_alloc_zeroed(1, 1);
		c->host_vmcb_pa = page_alloc_zeroed(1, 1);
		if (!c->hsave_pa || !c->host_vmcb_pa)
			return -ENOMEM;
	}
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, c->hsave_pa);
	return 0;
}

static struct svm_vcpu *hw(const struct vcpu *v)
{
	return v->hw;
}

/* The map of `bytes` at `now` if it is the vCPU's own, else a copy of the
 * shared one in *own (kept for the vCPU made again, which svm_create
 * points at the shared map): 0 when out of memory. */
static uint64_t own_map(uint64_t now, uint64_t shared, uint64_t *own, size_t bytes)
{
	if (now != shared)
		return now;
	if (!*own && !(*own = page_alloc_zeroed(bytes / PAGE_SIZE, 1)))
		return 0;
	memcpy(va(*own), va(shared), bytes);
	return *own;
}

/* The I/O permission map (15.10.1): one bit per port, set = intercepted;
 * an access of N bytes runs only when all N of its ports' bits are clear. */
static int svm_allow_ports(struct vcpu *v, uint16_t first, unsigned count)
{
	struct vmcb_control *c = &hw(v)->vmcb->control;

	if (!count || first + count > 0x10000u)
		return -EINVAL;
	uint64_t pa = own_map(c->iopm_base_pa, iopm_pa, &hw(v)->own_iopm_pa, SVM_IOPM_BYTES);
	if (!pa)
		return -ENOMEM;
	c->iopm_base_pa = pa;
	uint8_t *map = va(pa);
	for (unsigned p = first; p < first + count; p++)
		map[p / 8] &= (uint8_t)~(1u << (p % 8));
	return 0;
}

static int svm_set_msr_exits(struct vcpu *v, uint32_t first, unsigned count, bool reads,
			     bool writes)
{
	struct vmcb_control *c = &hw(v)->vmcb->control;

	if (!svm_msrpm_covers(first, count))
		return -EINVAL;
	uint64_t pa = own_map(c->msrpm_base_pa, msrpm_pa, &hw(v)->own_msrpm_pa, SVM_MSRPM_BYTES);
	if (!pa)
		return -ENOMEM;
	c->msrpm_base_pa = pa;
	for (unsigned i = 0; i < count; i++)
		svm_msrpm_set(va(pa), first + i, reads, writes);
	return 0;
}

static int svm_create(struct vcpu *v, uint64_t npt_root, unsigned tag)
{
	static struct svm_vcpu pool[64];
	static unsigned used;

	struct svm_vcpu *s = v->hw;

	if (tag == 0)
		return -EINVAL;
	if (s) {
		/* Made again (a guest's restart): its VMCB as if new. */
		memset(s->vmcb, 0, PAGE_SIZE);
	} else {
		/* The vCPUs of all guests are created at once, each on its CPU. */
		unsigned slot = __atomic_fetch_add(&used, 1, __ATOMIC_RELAXED);
		if (slot >= ARRAY_SIZE(pool))
			return -ENOMEM;
		uint64_t pa = page_alloc_zeroed(1, 1);
		if (!pa)
			return -ENOMEM;
		s = &pool[slot];
		s->vmcb_pa = pa;
		s->vmcb = va(pa);
		v->hw = s;
	}

	struct vmcb_control *c = &s->vmcb->control;
	/* NMIs are how the hypervisor reaches a CPU running a guest; INIT
	 * must not reset the physical CPU under the hypervisor. */
	/* INVD would drop the hypervisor's stores still in this CPU's cache. */
	c->intercept_misc1 = SVM_INTERCEPT_NMI | SVM_INTERCEPT_INIT | SVM_INTERCEPT_CPUID |
			     SVM_INTERCEPT_INVD |
			     SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR |
			     SVM_INTERCEPT_SHUTDOWN;
	/* WBINVD would flush caches other guests share. */
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
			     SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_WBINVD;
	c->intercept_exceptions = 1u << VEC_DB | 1u << VEC_AC;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->asid = tag;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	c->np_enable = SVM_NP_ENABLE;
	c->n_cr3 = npt_root;
	return 0;
}

static void set_segment(struct vmcb_segment *s, uint16_t sel, uint16_t attrib, uint32_t limit,
			uint64_t base)
{
	*s = (struct vmcb_segment){ sel, attrib, limit, base };
}

static void reset_common(struct vmcb_save *s)
{
	set_segment(&s->ldtr, 0, SEG_LDT, 0xffff, 0);
	set_segment(&s->tr, 0, SEG_TSS64, 0xffff, 0);
	set_segment(&s->idtr, 0, 0, 0xffff, 0);
	s->dr6 = DR6_INIT;
	s->dr7 = DR7_INIT;
	s->rflags = RFLAGS_FIXED;
	s->g_pat = PAT_DEFAULT;
	s->rsp = 0;
	s->rax = 0;
}

static void svm_reset_long_mode(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base,
				uint16_t gdt_limit, uint16_t code_sel, uint16_t data_sel)
{
	struct vmcb_save *s = &hw(v)->vmcb->save;

	memset(s, 0, sizeof(*s));
	reset_common(s);
	set_segment(&s->cs, code_sel, SEG_CODE64, 0xffffffff, 0);
	set_segment(&s->ds, data_sel, SEG_DATA, 0xffffffff, 0);
	s->es = s->ss = s->fs = s->gs = s->ds;
	set_segment(&s->gdtr, 0, 0, gdt_limit, gdt_base);
	s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG | 0x2 /* MP */;
	s->cr3 = cr3;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | (1ull << 10) /* LMA */ | EFER_NXE | EFER_SVME;
	s->rip = rip;
	hw(v)->vmcb->control.event_inj = 0;
	hw(v)->vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
}

static void svm_reset_startup(struct vcpu *v, uint8_t vector)
{
	struct vmcb_save *s = &hw(v)->vmcb->save;

	memset(s, 0, sizeof(*s));
	reset_common(s);
	set_segment(&s->cs, (uint16_t)(vector << 8), SEG_REAL_CODE, 0xffff,
		    (uint64_t)vector << 12);
	set_segment(&s->ds, 0, SEG_REAL_DATA, 0xffff, 0);
	s->es = s->ss = s->fs = s->gs = s->ds;
	set_segment(&s->gdtr, 0, 0, 0xffff, 0);
	s->cr0 = CR0_ET;
	/* VMRUN refuses EFER.SVME = 0 in the guest; its reads hide it. */
	s->efer = EFER_SVME;
	s->rip = 0;
	hw(v)->vmcb->control.event_inj = 0;
	hw(v)->vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
}

/* #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC and #SX push one. */
static bool exception_has_error_code(unsigned vector)
{
	return vector < 32 && ((1u << vector) & 0x60227d00u);
}

/* The length of the intercepted instruction where the CPU says (NRIPS);
 * 0 when it does not, or when what it says is no instruction's length. */
static unsigned saved_insn_len(const struct vmcb *vmcb)
{
	uint64_t len = vmcb->control.next_rip - vmcb->save.rip;

	if (!next_rip_saved || len == 0 || len > 15)
		return 0;
	return (unsigned)len;
}

static void decode_exception(const struct vmcb *vmcb, struct vcpu_exit *e)
{
	unsigned vector = (uint32_t)vmcb->control.exit_code - SVM_EXIT_EXCP_BASE;

	e->kind = VCPU_EXIT_EXCEPTION;
	e->exception.vector = (uint8_t)vector;
	e->exception.has_error = exception_has_error_code(vector);
	/* EXITINFO1 holds the error code the exception would have pushed. */
	e->exception.error_code = e->exception.has_error ? (uint32_t)vmcb->control.exit_info1 : 0;
}

static void decode_exit(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmcb *vmcb = hw(v)->vmcb;
	uint64_t info1 = vmcb->control.exit_info1, info2 = vmcb->control.exit_info2;

	uint32_t code = (uint32_t)vmcb->control.exit_code;

	if (code >= SVM_EXIT_EXCP_BASE && code <= SVM_EXIT_EXCP_LAST) {
		decode_exception(vmcb, e);
		return;
	}
	switch (code) {
	case SVM_EXIT_IOIO:
		e->kind = VCPU_EXIT_IO;
		e->io.port = SVM_IOIO_PORT(info1);
		e->io.size = (info1 & SVM_IOIO_SZ8) ? 1 : (info1 & SVM_IOIO_SZ16) ? 2 : 4;
		e->io.in = info1 & SVM_IOIO_IN;
		e->io.string = info1 & SVM_IOIO_STR;
		e->io.rep = info1 & SVM_IOIO_REP;
		/* QEMU TCG sets none of A16/A32/A64. */
		e->io.addr_size = (info1 & SVM_IOIO_A64) ? 8 : (info1 & SVM_IOIO_A32) ? 4 :
				  (info1 & SVM_IOIO_A16) ? 2 : 0;
		e->io.next_rip = info2;
		return;
	case SVM_EXIT_NPF:
		e->kind = VCPU_EXIT_MMIO;
		e->mmio.gpa = info2;
		e->mmio.write = info1 & SVM_NPF_WRITE;
		e->mmio.fetch = info1 & SVM_NPF_FETCH;
		return;
	case SVM_EXIT_MSR:
		e->kind = VCPU_EXIT_MSR;
		e->msr.write = info1 & 1;
		return;
	case SVM_EXIT_CPUID:
		e->kind = VCPU_EXIT_CPUID;
		return;
	case SVM_EXIT_HLT:
		e->kind = VCPU_EXIT_HLT;
		return;
	case SVM_EXIT_VMMCALL:
		e->kind = VCPU_EXIT_HYPERCALL;
		return;
	case SVM_EXIT_SHUTDOWN:
		e->kind = VCPU_EXIT_SHUTDOWN;
		return;
	case SVM_EXIT_NMI:
		e->kind = VCPU_EXIT_KICK;
		return;
	case SVM_EXIT_INVD:
		e->kind = VCPU_EXIT_INVD;
		return;
	case SVM_EXIT_WBINVD:
		e->kind = VCPU_EXIT_WBINVD;
		e->wbinvd.len = saved_insn_len(vmcb);
		return;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE: case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT: case SVM_EXIT_INVLPGA:
		e->kind = VCPU_EXIT_UD;
		return;
	default:
		e->kind = VCPU_EXIT_ERROR;
		e->error.code = vmcb->control.exit_code;
		e->error.info1 = info1;
		e->error.info2 = info2;
		return;
	}
}

static void svm_run_vcpu(struct vcpu *v, struct vcpu_exit *e)
{
	struct svm_vcpu *s = hw(v);
	struct vmcb_save *save = &s->vmcb->save;
	unsigned cpu = this_cpu_index();

	save->rax = v->regs.gpr[GPR_RAX];
	save->rsp = v->regs.gpr[GPR_RSP];
	save->rip = v->regs.rip;
	save->rflags = v->regs.rflags;
	svm_run(s->vmcb_pa, v->regs.gpr, cpu_state[cpu].host_vmcb_pa);
	struct vmcb_control *c = &s->vmcb->control;
	c->tlb_control = 0;
	v->regs.gpr[GPR_RAX] = save->rax;
	v->regs.gpr[GPR_RSP] = save->rsp;
	v->regs.rip = save->rip;
	v->regs.rflags = save->rflags;
	/* An event the exit cut short (an interrupt or exception being
	 * delivered when, say, the IDT walk faulted) goes in again. */
	c->event_inj = (c->exit_int_info & SVM_EXITINTINFO_VALID) ? c->exit_int_info : 0;
	/* An intercepted NMI stays pending until GIF is set (15.21.4): taken
	 * now, in the hypervisor's NMI handler, it does not exit again. */
	if ((uint32_t)c->exit_code == SVM_EXIT_NMI)
		__asm__ volatile("stgi; clgi" ::: "memory");
	decode_exit(v, e);
}

/* GIF = 0: nothing, NMIs included, is taken in the hypervisor between
 * runs; VMRUN sets GIF for the guest and #VMEXIT clears it again. */
static void svm_hold_interrupts(void)
{
	__asm__ volatile("cli; clgi" ::: "memory");
}

static void svm_release_interrupts(void)
{
	__asm__ volatile("stgi" ::: "memory");
}

static void svm_get_state(const struct vcpu *v, struct vcpu_state *st)
{
	const struct vmcb_save *s = &hw(v)->vmcb->save;

	st->cr0 = s->cr0;
	st->cr3 = s->cr3;
	st->cr4 = s->cr4;
	st->efer = s->efer & ~EFER_SVME;
	st->cs_base = s->cs.base;
	st->seg_base[0] = s->es.base;
	st->seg_base[1] = s->cs.base;
	st->seg_base[2] = s->ss.base;
	st->seg_base[3] = s->ds.base;
	st->seg_base[4] = s->fs.base;
	st->seg_base[5] = s->gs.base;
	st->cs_long = (s->cs.attrib >> 9) & 1;
	st->cs_db = (s->cs.attrib >> 10) & 1;
	st->cpl = s->cpl;
}

static uint64_t svm_get_efer(const struct vcpu *v)
{
	return hw(v)->vmcb->save.efer & ~EFER_SVME;
}

static int svm_set_efer(struct vcpu *v, uint64_t efer)
{
	struct vmcb_save *s = &hw(v)->vmcb->save;
	/* SCE, LME, LMA (kept by the CPU), NXE; SVME is the hypervisor's. */
	const uint64_t allowed = 1ull << 0 | EFER_LME | 1ull << 10 | EFER_NXE;

	if (efer & ~allowed)
		return -EINVAL;
	/* LMA follows LME and CR0.PG; the CPU sets it, not WRMSR. */
	s->efer = (efer & ~(1ull << 10)) | (s->efer & (1ull << 10)) | EFER_SVME;
	return 0;
}

static uint64_t svm_get_pat(const struct vcpu *v)
{
	return hw(v)->vmcb->save.g_pat;
}

static void svm_set_pat(struct vcpu *v, uint64_t pat)
{
	hw(v)->vmcb->save.g_pat = pat;
}

static void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
				 uint32_t error_code)
{
	struct vmcb *vmcb = hw(v)->vmcb;

	vmcb->control.event_inj = SVM_EVENT_VALID | SVM_EVENT_EXCEPTION | vector |
				  (has_error ? SVM_EVENT_ERROR | (uint64_t)error_code << 32 : 0);
	/* Entering a #DB handler clears DR7.GD, so that the handler may
	 * read the debug registers; an injected #DB is entered as if the
	 * CPU had delivered it. */
	if (vector == VEC_DB)
		vmcb->save.dr7 &= ~DR7_GD;
}

static void svm_set_cr2(struct vcpu *v, uint64_t cr2)
{
	hw(v)->vmcb->save.cr2 = cr2;
}

static const struct pt_format *svm_npt_format(void)
{
	return &npt_format;
}

static uint64_t svm_npt_ram_flags(void)
{
	return PTE_W | PTE_U;
}

static uint64_t svm_npt_rom_flags(void)
{
	return PTE_U;
}

/* A passthrough BAR through the host PAT's entry 3 (PCD|PWT) where it is
 * UC, as at reset, or entry 2 (PCD) where that is UC- (UC under any MTRR
 * type but WC): uncached whatever the firmware's MTRRs say of the BAR's
 * range (a 64-bit BAR above 4 GiB may be left write-back there). Else the
 * MTRRs alone. */
#define PAT_TYPE(pat, i) (((pat) >> (8 * (i))) & 7)
#define PAT_UC 0
#define PAT_UC_MINUS 7

static uint64_t svm_npt_mmio_flags(void)
{
	uint64_t pat = rdmsr(MSR_IA32_PAT);

	if (PAT_TYPE(pat, 3) == PAT_UC)
		return PTE_W | PTE_U | PTE_PCD | PTE_PWT;
	if (PAT_TYPE(pat, 2) == PAT_UC_MINUS || PAT_TYPE(pat, 2) == PAT_UC)
		return PTE_W | PTE_U | PTE_PCD;
	return PTE_W | PTE_U;
}

const struct vcpu_backend svm_backend = {
	.name = "svm",
	.available = svm_available,
	.global_init = svm_global_init,
	.cpu_init = svm_cpu_init,
	.create = svm_create,
	.reset_long_mode = svm_reset_long_mode,
	.reset_startup = svm_reset_startup,
	.run = svm_run_vcpu,
	.hold_interrupts = svm_hold_interrupts,
	.release_interrupts = svm_release_interrupts,
	.get_state = svm_get_state,
	.get_efer = svm_get_efer,
	.set_efer = svm_set_efer,
	.get_pat = svm_get_pat,
	.set_pat = svm_set_pat,
	.inject_exception = svm_inject_exception,
	.set_cr2 = svm_set_cr2,
	.npt_format = svm_npt_format,
	.npt_ram_flags = svm_npt_ram_flags,
	.npt_rom_flags = svm_npt_rom_flags,
	.npt_mmio_flags = svm_npt_mmio_flags,
	.allow_ports = svm_allow_ports,
	.set_msr_exits = svm_set_msr_exits,
	.hypercall_len = VCPU_OPCODE_VMMCALL_LEN,
};
