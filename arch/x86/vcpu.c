#include "arch/x86/vcpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/sizes.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/vcpu_backend.h"
#include "arch/x86/vmx/vmx.h"

#include <errno.h>
#include <string.h>

/* In order of preference; the first whose hardware is there is used. */
static const struct vcpu_backend *const backends[] = { &svm_backend, &vmx_backend };
static const struct vcpu_backend *backend;

/* Chosen once, on first use, from what the CPU offers: the service CPU
 * builds the guests before any vCPU's CPU gets here. */
static const struct vcpu_backend *pick(void)
{
	if (!backend)
		for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
			if (backends[i]->available() && backends[i]->global_init() == 0) {
				backend = backends[i];
				break;
			}
	return backend;
}

int vcpu_cpu_init(void)
{
	return pick() ? backend->cpu_init(this_cpu_index()) : -ENODEV;
}

const char *vcpu_backend_name(void)
{
	return pick() ? backend->name : NULL;
}

int vcpu_create(struct vcpu *v, uint64_t npt_root, unsigned tag)
{
	void *hw = v->hw;

	if (!pick())
		return -ENODEV;
	memset(v, 0, sizeof(*v));
	v->backend = backend;
	v->hw = hw;
	return backend->create(v, npt_root, tag);
}

const struct pt_format *vcpu_npt_format(void)
{
	return pick() ? backend->npt_format() : NULL;
}

uint64_t vcpu_npt_ram_flags(void)
{
	return pick() ? backend->npt_ram_flags() : 0;
}

int vcpu_allow_ports(struct vcpu *v, uint16_t first, unsigned count)
{
	return v->backend->allow_ports(v, first, count);
}

int vcpu_set_msr_exits(struct vcpu *v, uint32_t first, unsigned count, bool reads, bool writes)
{
	return v->backend->set_msr_exits(v, first, count, reads, writes);
}

uint64_t vcpu_npt_rom_flags(void)
{
	return pick() ? backend->npt_rom_flags() : 0;
}

uint64_t vcpu_npt_mmio_flags(void)
{
	return pick() ? backend->npt_mmio_flags() : 0;
}

void vcpu_reset_long_mode(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base,
			  uint16_t gdt_limit, uint16_t code_sel, uint16_t data_sel)
{
	memset(&v->regs, 0, sizeof(v->regs));
	v->backend->reset_long_mode(v, rip, cr3, gdt_base, gdt_limit, code_sel, data_sel);
	v->regs.rip = rip;
	v->regs.rflags = 0x2;
}

void vcpu_reset_startup(struct vcpu *v, uint8_t vector)
{
	memset(&v->regs, 0, sizeof(v->regs));
	v->backend->reset_startup(v, vector);
	v->regs.rflags = 0x2;
}

void vcpu_hold_interrupts(void)
{
	backend->hold_interrupts();
}

void vcpu_release_interrupts(void)
{
	backend->release_interrupts();
}

void vcpu_run(struct vcpu *v, struct vcpu_exit *exit)
{
	v->backend->run(v, exit);
	v->exits++;
}

void vcpu_get_state(const struct vcpu *v, struct vcpu_state *s)
{
	v->backend->get_state(v, s);
}

uint64_t vcpu_get_efer(const struct vcpu *v)
{
	return v->backend->get_efer(v);
}

int vcpu_set_efer(struct vcpu *v, uint64_t efer)
{
	return v->backend->set_efer(v, efer);
}

uint64_t vcpu_get_pat(const struct vcpu *v)
{
	return v->backend->get_pat(v);
}

void vcpu_set_pat(struct vcpu *v, uint64_t pat)
{
	v->backend->set_pat(v, pat);
}

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error_code)
{
	v->backend->inject_exception(v, vector, has_error, error_code);
}

void vcpu_set_cr2(struct vcpu *v, uint64_t cr2)
{
	v->backend->set_cr2(v, cr2);
}

unsigned vcpu_hypercall_len(const struct vcpu *v)
{
	return v->backend->hypercall_len;
}
