/* What a vCPU backend (svm/, later vmx/) implements for arch/x86/vcpu.c. */
#ifndef ARCH_X86_VCPU_BACKEND_H
#define ARCH_X86_VCPU_BACKEND_H

#include "arch/x86/vcpu.h"

struct vcpu_backend {
	const char *name;
	bool (*available)(void);
	int (*global_init)(void);   /* once, on the CPU that picks the backend */
	int (*cpu_init)(unsigned cpu);
	int (*create)(struct vcpu *v, uint64_t npt_root, unsigned tag);
	void (*reset_long_mode)(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base,
				uint16_t gdt_limit, uint16_t code_sel, uint16_t data_sel);
	void (*reset_startup)(struct vcpu *v, uint8_t vector);
	void (*run)(struct vcpu *v, struct vcpu_exit *exit);
	void (*hold_interrupts)(void);
	void (*release_interrupts)(void);
	void (*get_state)(const struct vcpu *v, struct vcpu_state *s);
	uint64_t (*get_efer)(const struct vcpu *v);
	int (*set_efer)(struct vcpu *v, uint64_t efer);
	uint64_t (*get_pat)(const struct vcpu *v);
	void (*set_pat)(struct vcpu *v, uint64_t pat);
	void (*inject_exception)(struct vcpu *v, uint8_t vector, bool has_error,
				 uint32_t error_code);
	void (*set_cr2)(struct vcpu *v, uint64_t cr2);
	const struct pt_format *(*npt_format)(void);
	uint64_t (*npt_ram_flags)(void);
	uint64_t (*npt_rom_flags)(void);
	uint64_t (*npt_mmio_flags)(void);
	int (*allow_ports)(struct vcpu *v, uint16_t first, unsigned count);
	int (*set_msr_exits)(struct vcpu *v, uint32_t first, unsigned count, bool reads,
			     bool writes);
	unsigned hypercall_len; /* VMMCALL/VMCALL: 3 bytes */
};

#endif
