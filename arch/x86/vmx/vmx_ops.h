/* The VMX instructions, each reporting how it ended (Intel SDM Vol. 3C,
 * 31.2 "Conventions"): VMsucceed, VMfailInvalid (CF = 1: no current VMCS
 * or a bad operand) or VMfailValid (ZF = 1: the current VMCS's
 * VM-instruction error field says why). */
#ifndef ARCH_X86_VMX_VMX_OPS_H
#define ARCH_X86_VMX_VMX_OPS_H

#include <stdint.h>

#include "arch/x86/vmx/vmcs_fields.h"

enum vmx_status { VMX_OK, VMX_FAIL_INVALID, VMX_FAIL_VALID };

#define VMX_STATUS_FROM_FLAGS(cf, zf) \
	((cf) ? VMX_FAIL_INVALID : (zf) ? VMX_FAIL_VALID : VMX_OK)

/* Every failed VMREAD and VMWRITE of the accessors below is reported
 * here (the backend logs it), whether or not the caller looks at the
 * status. */
void vmx_access_failed(const char *insn, uint16_t enc, enum vmx_status st);

static inline enum vmx_status vmx_on(uint64_t region_pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmxon %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(region_pa) : "cc", "memory");
	return VMX_STATUS_FROM_FLAGS(cf, zf);
}

static inline enum vmx_status vmx_clear(uint64_t vmcs_pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmclear %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(vmcs_pa) : "cc", "memory");
	return VMX_STATUS_FROM_FLAGS(cf, zf);
}

static inline enum vmx_status vmx_ptrld(uint64_t vmcs_pa)
{
	uint8_t cf, zf;
	__asm__ volatile("vmptrld %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(vmcs_pa) : "cc", "memory");
	return VMX_STATUS_FROM_FLAGS(cf, zf);
}

/* Without a report: for an NMI handler, which must not take the console. */
static inline enum vmx_status vmx_write_quiet(uint64_t enc, uint64_t value)
{
	uint8_t cf, zf;
	__asm__ volatile("vmwrite %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "rm"(value), "r"(enc) : "cc", "memory");
	return VMX_STATUS_FROM_FLAGS(cf, zf);
}

static inline enum vmx_status vmx_write_raw(uint64_t enc, uint64_t value)
{
	enum vmx_status st = vmx_write_quiet(enc, value);
	if (st != VMX_OK)
		vmx_access_failed("VMWRITE", (uint16_t)enc, st);
	return st;
}

/* 0 where the read fails (only a field the CPU lacks, or no current VMCS). */
static inline uint64_t vmx_read_raw(uint64_t enc)
{
	uint64_t value = 0;
	uint8_t cf, zf;
	__asm__ volatile("vmread %3, %0; setc %1; setz %2"
			 : "+rm"(value), "=qm"(cf), "=qm"(zf) : "r"(enc) : "cc", "memory");
	enum vmx_status st = VMX_STATUS_FROM_FLAGS(cf, zf);
	if (st != VMX_OK)
		vmx_access_failed("VMREAD", (uint16_t)enc, st);
	return st == VMX_OK ? value : 0;
}

static inline uint16_t vmread16(struct vmcs_field16 f) { return (uint16_t)vmx_read_raw(f.enc); }
static inline uint32_t vmread32(struct vmcs_field32 f) { return (uint32_t)vmx_read_raw(f.enc); }
static inline uint64_t vmread64(struct vmcs_field64 f) { return vmx_read_raw(f.enc); }
static inline uint64_t vmread_nat(struct vmcs_field_natural f) { return vmx_read_raw(f.enc); }

static inline enum vmx_status vmwrite16(struct vmcs_field16 f, uint16_t v)
{
	return vmx_write_raw(f.enc, v);
}
static inline enum vmx_status vmwrite32(struct vmcs_field32 f, uint32_t v)
{
	return vmx_write_raw(f.enc, v);
}
static inline enum vmx_status vmwrite64(struct vmcs_field64 f, uint64_t v)
{
	return vmx_write_raw(f.enc, v);
}
static inline enum vmx_status vmwrite_nat(struct vmcs_field_natural f, uint64_t v)
{
	return vmx_write_raw(f.enc, v);
}

/* INVEPT/INVVPID types (31.3). */
#define VMX_INV_SINGLE 1ull
#define VMX_INV_ALL    2ull

static inline enum vmx_status vmx_invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, reserved; } desc = { eptp, 0 };
	uint8_t cf, zf;
	__asm__ volatile("invept %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(desc), "r"(type) : "cc", "memory");
	return VMX_STATUS_FROM_FLAGS(cf, zf);
}

static inline enum vmx_status vmx_invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, linear; } desc = { vpid, 0 };
	uint8_t cf, zf;
	__asm__ volatile("invvpid %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(desc), "r"(type) : "cc", "memory");
	return VMX_STATUS_FROM_FLAGS(cf, zf);
}

#endif
