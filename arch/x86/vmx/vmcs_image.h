/* A software VMCS: the fields hv's VT-x backend writes, as plain values,
 * built for the entry states arch/x86/vcpu.h offers and checked by
 * vmcs_check() before any VMLAUNCH. The backend copies an image into the
 * CPU's VMCS with vmcs_image_write() and its typed VMWRITEs.
 *
 * The controls mirror the SVM backend (arch/x86/svm/svm.c):
 * - external interrupts do not exit: a device's interrupt reaches the
 *   guest's IDT directly while the guest runs with RFLAGS.IF=1, as on SVM
 *   where hv intercepts no INTR. Between runs the host holds them off by
 *   RFLAGS.IF=0 (a VM exit clears it), where SVM holds them with GIF=0;
 *   one arriving then stays pending at the LAPIC and reaches the guest at
 *   the next entry. It also keeps hv off Bochs's bug with
 *   external-interrupt exiting and IF=0 (/work/shared/FACTS.md).
 * - NMIs exit (the kick, VCPU_EXIT_KICK); virtual NMIs stay off. VMX has
 *   no GIF: an NMI landing between runs is taken by hv's own handler, not
 *   held for the next entry as on SVM.
 * - HLT, MWAIT, RDTSC, RDPMC, INVLPG, MOV DR do not exit; WBINVD does
 *   (secondary control); INVD, CPUID, XSETBV, VMCALL, the VMX
 *   instructions, INIT, SIPI (in wait-for-SIPI) and triple fault always
 *   exit on VMX. Where the CPU has no TRUE controls (IA32_VMX_BASIC bit
 *   55 clear) CR3-load and CR3-store exiting are forced on too.
 * - every port exits through the I/O bitmaps and every MSR through the
 *   MSR bitmap but for what the backend clears in them.
 * - EPT (write-back, 4-level) with the vCPU's tag as VPID; unrestricted
 *   guest, for real mode after INIT/SIPI.
 * - #DB and #AC exit (the microcode loops of CVE-2015-5307/8104).
 * - guest EFER, PAT and debug controls load on entry and save on exit;
 *   the host's EFER and PAT load on exit, into 64-bit mode.
 * - RDTSCP, INVPCID and XSAVES are enabled where the CPU allows them:
 *   without the control they raise #UD in the guest. */
#ifndef ARCH_X86_VMX_VMCS_IMAGE_H
#define ARCH_X86_VMX_VMCS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx_caps.h"

/* Segment access rights (SDM Vol. 3C, 24.4.1): descriptor bits 40-47 at
 * bits 0-7 and bits 52-55 at 12-15; bit 16 marks an unusable register. */
#define VMX_AR_TYPE(ar)      ((ar) & 0xfu)
#define VMX_AR_S             (1u << 4)
#define VMX_AR_DPL(ar)       (((ar) >> 5) & 3u)
#define VMX_AR_P             (1u << 7)
#define VMX_AR_L             (1u << 13)
#define VMX_AR_DB            (1u << 14)
#define VMX_AR_G             (1u << 15)
#define VMX_AR_UNUSABLE      (1u << 16)
#define VMX_AR_RESERVED      0xfffe0f00u
#define VMX_AR_CODE64        0xa09bu /* execute/read accessed, S, P, L, G */
#define VMX_AR_DATA_FLAT     0xc093u /* read/write accessed, S, P, D/B, G */
#define VMX_AR_TSS64_BUSY    0x008bu
#define VMX_AR_LDT           0x0082u
#define VMX_AR_REAL_CODE     0x009bu
#define VMX_AR_REAL_DATA     0x0093u

#define VMX_EPTP_MEMTYPE_WB  6ull
#define VMX_EPTP_WALK4       (3ull << 3)
#define VMX_EPTP_AD          (1ull << 6)
#define VMX_LINK_POINTER_NONE 0xffffffffffffffffull
#define VMX_PAT_DEFAULT      0x0007040600070406ull

enum vmcs_seg {
	VMCS_ES, VMCS_CS, VMCS_SS, VMCS_DS, VMCS_FS, VMCS_GS, VMCS_LDTR, VMCS_TR,
	VMCS_SEG_COUNT
};

struct vmcs_segment {
	uint16_t selector;
	uint32_t limit;
	uint32_t ar;
	uint64_t base;
};

struct vmcs_controls {
	uint16_t vpid;
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t exception_bitmap, pf_error_mask, pf_error_match, cr3_target_count;
	uint32_t exit_msr_store_count, exit_msr_load_count, entry_msr_load_count;
	uint32_t entry_intr_info, entry_exception_error, entry_insn_len;
	uint64_t io_bitmap_a, io_bitmap_b, msr_bitmap;
	uint64_t exit_msr_store_addr, exit_msr_load_addr, entry_msr_load_addr;
	uint64_t eptp, xss_exit_bitmap;
	/* Bits set in a mask are the host's: the guest reads the shadow's
	 * and a write that changes them exits. */
	uint64_t cr0_mask, cr4_mask, cr0_shadow, cr4_shadow;
};

struct vmcs_guest {
	uint64_t cr0, cr3, cr4, dr7, rsp, rip, rflags, pending_dbg;
	uint64_t sysenter_esp, sysenter_eip, gdtr_base, idtr_base;
	struct vmcs_segment seg[VMCS_SEG_COUNT];
	uint32_t gdtr_limit, idtr_limit, interruptibility, activity, sysenter_cs;
	uint64_t link_pointer, debugctl, pat, efer;
};

struct vmcs_host {
	uint64_t cr0, cr3, cr4, fs_base, gs_base, tr_base, gdtr_base, idtr_base;
	uint64_t sysenter_esp, sysenter_eip, rsp, rip;
	uint16_t es, cs, ss, ds, fs, gs, tr;
	uint32_t sysenter_cs;
	uint64_t pat, efer;
};

struct vmcs_image {
	struct vmcs_controls ctl;
	struct vmcs_guest guest;
	struct vmcs_host host;
};

/* What one vCPU's controls point at: physical addresses of its EPT root
 * (4 KiB aligned), its I/O bitmaps A (ports 0-0x7fff) and B, its MSR
 * bitmap (one page each), and its VPID (1..0xffff: hv's guest tag). */
struct vmcs_vcpu_params {
	uint64_t ept_root, io_bitmap_a, io_bitmap_b, msr_bitmap;
	uint16_t vpid;
};

/* The host state a VM exit loads: hv's own, with RIP/RSP where the
 * backend's exit path runs. Selectors with RPL and TI 0; TR not 0. */
struct vmcs_host_state {
	uint64_t cr0, cr3, cr4;
	uint16_t cs, ss, ds, es, fs, gs, tr;
	uint64_t fs_base, gs_base, tr_base, gdtr_base, idtr_base;
	uint64_t efer, pat;
	uint64_t rip, rsp;
};

enum vmcs_entry_kind {
	VMCS_ENTRY_LONG_MODE, /* vcpu_reset_long_mode() */
	VMCS_ENTRY_STARTUP,   /* vcpu_reset_startup() */
};

struct vmcs_entry {
	enum vmcs_entry_kind kind;
	/* VMCS_ENTRY_LONG_MODE: 64-bit mode at rip, paging through cr3 (an
	 * identity map, say), flat selectors of the GDT at gdt_base. */
	uint64_t rip, cr3, gdt_base;
	uint16_t gdt_limit, code_sel, data_sel;
	/* VMCS_ENTRY_STARTUP: real mode at CS = vector << 8, IP 0. */
	uint8_t vector;
};

/* The whole image: controls for `caps` and `vcpu`, the host state, and the
 * guest in the entry state. 0, or -ENODEV when the CPU lacks a control hv
 * needs and -EINVAL for a VPID of 0, naming it in `why`. */
int vmcs_build(const struct vmx_caps *caps, const struct vmcs_entry *entry,
	       const struct vmcs_vcpu_params *vcpu, const struct vmcs_host_state *host,
	       struct vmcs_image *img, char *why, size_t len);

/* The parts of it: controls first, which the guest state's CR0/CR4 masks
 * follow; the guest part again at every vcpu_reset_*. */
int vmcs_build_controls(const struct vmx_caps *caps, const struct vmcs_vcpu_params *vcpu,
			struct vmcs_controls *ctl, char *why, size_t len);
void vmcs_build_host(const struct vmcs_host_state *host, struct vmcs_host *out);
void vmcs_build_guest(const struct vmcs_entry *entry, struct vmcs_controls *ctl,
		      struct vmcs_guest *guest);

/* The VMWRITEs of an image, one callback per width. */
struct vmcs_writer {
	void *ctx;
	void (*write16)(void *ctx, struct vmcs_field16 f, uint16_t v);
	void (*write32)(void *ctx, struct vmcs_field32 f, uint32_t v);
	void (*write64)(void *ctx, struct vmcs_field64 f, uint64_t v);
	void (*write_natural)(void *ctx, struct vmcs_field_natural f, uint64_t v);
};

enum vmcs_part {
	VMCS_PART_CONTROLS = 1u << 0,
	VMCS_PART_GUEST = 1u << 1,
	VMCS_PART_HOST = 1u << 2,
	VMCS_PART_ALL = 7u,
};

/* Writes every field of the parts in `parts`, but those the CPU may not
 * have and the controls leave unused (VPID without VPID, the EPT pointer
 * without EPT, PAT and EFER fields without their load/save controls, the
 * XSS-exiting bitmap without XSAVES, the secondary controls without
 * activating them): a VMWRITE of a field the CPU lacks fails. */
void vmcs_image_write(const struct vmcs_image *img, unsigned parts, const struct vmcs_writer *w);

#endif
