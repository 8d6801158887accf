/* What a CPU's VMX capability MSRs (Intel SDM Vol. 3D, appendix A; MSRs
 * 0x480-0x491) allow, as raw values and decoded, and the adjustment of a
 * control word to them. Pure: the backend reads the MSRs (vmx_caps_load()
 * with its RDMSR) and everything else works on the copy, so that host
 * tests can hand in any CPU's values. */
#ifndef ARCH_X86_VMX_VMX_CAPS_H
#define ARCH_X86_VMX_VMX_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSR_IA32_VMX_BASIC            0x480u
#define MSR_IA32_VMX_PINBASED_CTLS    0x481u
#define MSR_IA32_VMX_PROCBASED_CTLS   0x482u
#define MSR_IA32_VMX_EXIT_CTLS        0x483u
#define MSR_IA32_VMX_ENTRY_CTLS       0x484u
#define MSR_IA32_VMX_MISC             0x485u
#define MSR_IA32_VMX_CR0_FIXED0       0x486u
#define MSR_IA32_VMX_CR0_FIXED1       0x487u
#define MSR_IA32_VMX_CR4_FIXED0       0x488u
#define MSR_IA32_VMX_CR4_FIXED1       0x489u
#define MSR_IA32_VMX_PROCBASED_CTLS2  0x48bu
#define MSR_IA32_VMX_EPT_VPID_CAP     0x48cu
#define MSR_IA32_VMX_TRUE_PINBASED    0x48du
#define MSR_IA32_VMX_TRUE_PROCBASED   0x48eu
#define MSR_IA32_VMX_TRUE_EXIT        0x48fu
#define MSR_IA32_VMX_TRUE_ENTRY       0x490u

/* IA32_VMX_BASIC. */
#define VMX_BASIC_REVISION_MASK   0x7fffffffull
#define VMX_BASIC_ADDR_32BIT      (1ull << 48) /* VMCS, bitmaps: below 4 GiB */
#define VMX_BASIC_TRUE_CTLS       (1ull << 55)

/* Pin-based VM-execution controls (SDM Vol. 3C, 24.6.1). */
#define VMX_PIN_EXT_INT_EXITING   (1u << 0)
#define VMX_PIN_NMI_EXITING       (1u << 3)
#define VMX_PIN_VIRTUAL_NMIS      (1u << 5)
#define VMX_PIN_PREEMPTION_TIMER  (1u << 6)
#define VMX_PIN_POSTED_INTERRUPTS (1u << 7)

/* Primary processor-based VM-execution controls (24.6.2). */
#define VMX_PROC_INT_WINDOW       (1u << 2)
#define VMX_PROC_TSC_OFFSET       (1u << 3)
#define VMX_PROC_HLT_EXITING      (1u << 7)
#define VMX_PROC_INVLPG_EXITING   (1u << 9)
#define VMX_PROC_MWAIT_EXITING    (1u << 10)
#define VMX_PROC_RDPMC_EXITING    (1u << 11)
#define VMX_PROC_RDTSC_EXITING    (1u << 12)
#define VMX_PROC_CR3_LOAD_EXITING (1u << 15)
#define VMX_PROC_CR3_STORE_EXITING (1u << 16)
#define VMX_PROC_CR8_LOAD_EXITING (1u << 19)
#define VMX_PROC_CR8_STORE_EXITING (1u << 20)
#define VMX_PROC_TPR_SHADOW       (1u << 21)
#define VMX_PROC_NMI_WINDOW       (1u << 22)
#define VMX_PROC_MOV_DR_EXITING   (1u << 23)
#define VMX_PROC_UNCOND_IO        (1u << 24)
#define VMX_PROC_IO_BITMAPS       (1u << 25)
#define VMX_PROC_MTF              (1u << 27)
#define VMX_PROC_MSR_BITMAPS      (1u << 28)
#define VMX_PROC_MONITOR_EXITING  (1u << 29)
#define VMX_PROC_PAUSE_EXITING    (1u << 30)
#define VMX_PROC_SECONDARY        (1u << 31)

/* Secondary processor-based VM-execution controls. */
#define VMX_PROC2_VIRT_APIC_ACCESS (1u << 0)
#define VMX_PROC2_EPT             (1u << 1)
#define VMX_PROC2_DESC_TABLE_EXITING (1u << 2)
#define VMX_PROC2_RDTSCP          (1u << 3)
#define VMX_PROC2_VIRT_X2APIC     (1u << 4)
#define VMX_PROC2_VPID            (1u << 5)
#define VMX_PROC2_WBINVD_EXITING  (1u << 6)
#define VMX_PROC2_UNRESTRICTED    (1u << 7)
#define VMX_PROC2_APIC_REG_VIRT   (1u << 8)
#define VMX_PROC2_VIRT_INT_DELIVERY (1u << 9)
#define VMX_PROC2_PAUSE_LOOP_EXITING (1u << 10)
#define VMX_PROC2_INVPCID         (1u << 12)
#define VMX_PROC2_VMFUNC          (1u << 13)
#define VMX_PROC2_VMCS_SHADOWING  (1u << 14)
#define VMX_PROC2_PML             (1u << 17)
#define VMX_PROC2_EPT_VE          (1u << 18)
#define VMX_PROC2_XSAVES          (1u << 20)
#define VMX_PROC2_TSC_SCALING     (1u << 25)

/* VM-exit controls (24.7.1). */
#define VMX_EXIT_SAVE_DEBUG       (1u << 2)
#define VMX_EXIT_HOST_64BIT       (1u << 9)
#define VMX_EXIT_LOAD_PERF_GLOBAL (1u << 12)
#define VMX_EXIT_ACK_INTERRUPT    (1u << 15)
#define VMX_EXIT_SAVE_PAT         (1u << 18)
#define VMX_EXIT_LOAD_PAT         (1u << 19)
#define VMX_EXIT_SAVE_EFER        (1u << 20)
#define VMX_EXIT_LOAD_EFER        (1u << 21)
#define VMX_EXIT_SAVE_PREEMPTION  (1u << 22)

/* VM-entry controls (24.8.1). */
#define VMX_ENTRY_LOAD_DEBUG      (1u << 2)
#define VMX_ENTRY_IA32E_GUEST     (1u << 9)
#define VMX_ENTRY_SMM             (1u << 10)
#define VMX_ENTRY_DEACT_DUAL_MONITOR (1u << 11)
#define VMX_ENTRY_LOAD_PERF_GLOBAL (1u << 13)
#define VMX_ENTRY_LOAD_PAT        (1u << 14)
#define VMX_ENTRY_LOAD_EFER       (1u << 15)

/* IA32_VMX_EPT_VPID_CAP (A.10). */
#define VMX_EPT_EXEC_ONLY         (1ull << 0)
#define VMX_EPT_WALK_4            (1ull << 6)
#define VMX_EPT_WALK_5            (1ull << 7)
#define VMX_EPT_MEMTYPE_UC        (1ull << 8)
#define VMX_EPT_MEMTYPE_WB        (1ull << 14)
#define VMX_EPT_LEAF_2M           (1ull << 16)
#define VMX_EPT_LEAF_1G           (1ull << 17)
#define VMX_EPT_INVEPT            (1ull << 20)
#define VMX_EPT_AD_FLAGS          (1ull << 21)
#define VMX_EPT_INVEPT_SINGLE     (1ull << 25)
#define VMX_EPT_INVEPT_ALL        (1ull << 26)
#define VMX_VPID_INVVPID          (1ull << 32)
#define VMX_VPID_INVVPID_ADDR     (1ull << 40)
#define VMX_VPID_INVVPID_SINGLE   (1ull << 41)
#define VMX_VPID_INVVPID_ALL      (1ull << 42)
#define VMX_VPID_INVVPID_SINGLE_NONGLOBAL (1ull << 43)

/* IA32_VMX_MISC (A.6). */
#define VMX_MISC_PREEMPTION_RATE_MASK 0x1full
#define VMX_MISC_STORES_LMA       (1ull << 5)
#define VMX_MISC_ACTIVITY_HLT     (1ull << 6)
#define VMX_MISC_ACTIVITY_SHUTDOWN (1ull << 7)
#define VMX_MISC_ACTIVITY_SIPI    (1ull << 8)
#define VMX_MISC_CR3_TARGETS_SHIFT 16
#define VMX_MISC_CR3_TARGETS_MASK 0x1ffull

/* The capability MSRs of one CPU. pin/proc/exit/entry hold the TRUE_*
 * MSRs (0x48d-0x490) where BASIC bit 55 says they exist, the older ones
 * (0x481-0x484) otherwise, whose default1 bits must then stay 1. Each is
 * allowed-0 settings (bits that must be 1) in the low half and allowed-1
 * settings (bits that may be 1) in the high half. proc2 and ept_vpid are
 * 0 where the CPU has no secondary controls, EPT nor VPID. The address
 * widths come from CPUID 8000_0008h (EAX[7:0], EAX[15:8]). */
struct vmx_caps {
	uint64_t basic;
	uint64_t pin, proc, exit, entry;
	uint64_t proc2;
	uint64_t ept_vpid;
	uint64_t misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned phys_addr_bits;
	unsigned linear_addr_bits;
};

/* Fills `c` through `rdmsr`, reading only the MSRs that BASIC and the
 * allowed-1 settings say exist (reading any other one faults). */
void vmx_caps_load(struct vmx_caps *c, uint64_t (*rdmsr)(uint32_t msr, void *ctx), void *ctx,
		   unsigned phys_addr_bits, unsigned linear_addr_bits);

/* The control word a VMCS gets: every bit `allowed_msr` forces, every bit
 * of `wanted_required` and of `wanted_optional` it allows. 0, or -1 with
 * *missing the required bits it does not allow (*out then holds the rest). */
int vmx_adjust_control(uint64_t allowed_msr, uint32_t wanted_required, uint32_t wanted_optional,
		       uint32_t *out, uint32_t *missing);

/* Whether `value` is a setting the allowed_msr permits: a forced bit
 * clear gives its number in *bit and false, as does a disallowed bit set;
 * *must_be_one says which of the two. */
bool vmx_control_fits(uint64_t allowed_msr, uint32_t value, unsigned *bit, bool *must_be_one);

enum vmx_control_word {
	VMX_CTL_PIN, VMX_CTL_PROC, VMX_CTL_PROC2, VMX_CTL_EXIT, VMX_CTL_ENTRY,
};

/* "pin-based" ... "VM-entry": the word's name in messages. */
const char *vmx_control_word_name(enum vmx_control_word w);
/* The SDM's name of a control bit, or "bit N" for one without a name
 * here. Returns `buf` or a constant string. */
const char *vmx_control_bit_name(enum vmx_control_word w, unsigned bit, char *buf, size_t len);
/* The allowed settings of a control word in `c`. */
uint64_t vmx_caps_allowed(const struct vmx_caps *c, enum vmx_control_word w);

/* Decoded capabilities. */
bool vmx_caps_true_controls(const struct vmx_caps *c);
uint32_t vmx_caps_revision(const struct vmx_caps *c);
bool vmx_caps_may_set(const struct vmx_caps *c, enum vmx_control_word w, uint32_t bits);
bool vmx_caps_ept(const struct vmx_caps *c);
bool vmx_caps_vpid(const struct vmx_caps *c);
bool vmx_caps_unrestricted_guest(const struct vmx_caps *c);
bool vmx_caps_preemption_timer(const struct vmx_caps *c);
/* TSC bits per preemption-timer tick: the timer counts down every
 * 2^rate TSC ticks. */
unsigned vmx_caps_preemption_rate(const struct vmx_caps *c);
bool vmx_caps_ept_walk4(const struct vmx_caps *c);
bool vmx_caps_ept_wb(const struct vmx_caps *c);
bool vmx_caps_ept_uc(const struct vmx_caps *c);
bool vmx_caps_ept_2m(const struct vmx_caps *c);
bool vmx_caps_ept_1g(const struct vmx_caps *c);
bool vmx_caps_ept_ad(const struct vmx_caps *c);
bool vmx_caps_invept_single(const struct vmx_caps *c);
bool vmx_caps_invept_all(const struct vmx_caps *c);
bool vmx_caps_invvpid_addr(const struct vmx_caps *c);
bool vmx_caps_invvpid_single(const struct vmx_caps *c);
bool vmx_caps_invvpid_all(const struct vmx_caps *c);
unsigned vmx_caps_cr3_targets(const struct vmx_caps *c);
/* Activity state 0 (active) always; 1 HLT, 2 shutdown, 3 wait-for-SIPI
 * where MISC says. */
bool vmx_caps_activity_state(const struct vmx_caps *c, unsigned state);
/* The widest physical address a VMCS pointer, bitmap or EPT root may
 * have: 32 bits where BASIC bit 48 says so, the CPU's width otherwise. */
unsigned vmx_caps_struct_addr_bits(const struct vmx_caps *c);

/* What IA32_FEATURE_CONTROL (SDM Vol. 3C 24.7) lets VMXON outside SMX do:
 * run (locked with VMX on), run once hv sets VMX on and locks it
 * (unlocked), or never until a reset (locked with VMX off: firmware's
 * setting). */
enum vmx_feature_control { VMX_FC_READY, VMX_FC_ENABLE_AND_LOCK, VMX_FC_LOCKED_OFF };
#define VMX_FC_LOCK (1ull << 0)
#define VMX_FC_VMX_OUTSIDE_SMX (1ull << 2)
enum vmx_feature_control vmx_feature_control_state(uint64_t msr);

#endif
