/* hv/guest/vlapic.c over a fake LAPIC that behaves as an x2APIC does on
 * real hardware: a WRMSR with reserved bits set, to a read-only register,
 * or to an LVT entry the LAPIC lacks raises #GP (here: the accessor
 * returns -EFAULT and the fault is counted). Whatever a guest writes, no
 * access may fault, and no unmasked LVT may hold anything but fixed
 * delivery of a vector >= 32. The same in xAPIC mode, where nothing
 * faults but the filter must still hold. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/lapic.h"
#include "hv/guest/partition.h"
#include "hv/guest/vlapic.h"
#include "tests/unit/log_stub.h"

#define REGS 0x400
#define MASKED (1u << 16)

static struct {
	bool x2apic, tsc_deadline;
	unsigned max_lvt;
	uint32_t reg[REGS / 16];
	unsigned faults;      /* #GPs raised */
	uint32_t refuse_reg;  /* a register that faults whatever is written (0: none) */
	unsigned ipis;
	uint32_t last_ipi_dest, last_ipi_icr;
	/* The vCPU's MSR map over the x2APIC's MSRs (vcpu_set_msr_exits). */
	bool read_exits[0x100], write_exits[0x100];
	int map_error;        /* what vcpu_set_msr_exits returns (0: it works) */
	unsigned fail_after;  /* calls that work before it returns -ENOMEM (0: all) */
	unsigned map_calls;
} fake;

/* Reserved bits of each writable x2APIC register (SDM Vol. 3A 11.12.1.2
 * and the register figures of 11.5 and 11.9); read-only ones fault on
 * any write. */
static bool x2apic_write_faults(uint32_t reg, uint32_t v)
{
	const uint32_t lvt_common = 0xff | 1u << 12 | MASKED;

	switch (reg) {
	case LAPIC_TPR: return v & ~0xffu;
	case LAPIC_EOI: case LAPIC_ESR: return v != 0;
	case LAPIC_SVR: return v & ~(0xffu | 1u << 8 | 1u << 9 | 1u << 12);
	case LAPIC_LVT_CMCI: return fake.max_lvt < 6 || (v & ~(lvt_common | 7u << 8));
	case LAPIC_LVT_THERMAL: return fake.max_lvt < 5 || (v & ~(lvt_common | 7u << 8));
	case LAPIC_LVT_PERF: return fake.max_lvt < 4 || (v & ~(lvt_common | 7u << 8));
	case LAPIC_LVT_TIMER: return v & ~(lvt_common | 3u << 17);
	case LAPIC_LVT_LINT0: case LAPIC_LVT_LINT1:
		return v & ~(lvt_common | 7u << 8 | 7u << 13);
	case LAPIC_LVT_ERROR: return v & ~lvt_common;
	case LAPIC_TMICT: return false;
	case LAPIC_TDCR: return v & ~0xbu;
	default: return true; /* read-only, DFR, LDR, or nothing there */
	}
}

static bool x2apic_read_faults(uint32_t reg)
{
	switch (reg) {
	case LAPIC_LVT_CMCI: return fake.max_lvt < 6;
	case LAPIC_LVT_THERMAL: return fake.max_lvt < 5;
	case LAPIC_LVT_PERF: return fake.max_lvt < 4;
	case LAPIC_DFR: case LAPIC_EOI: return true;
	default: return reg >= REGS;
	}
}

/* ---- the LAPIC interface vlapic.c uses ---------------------------------- */

bool lapic_x2apic_mode(void) { return fake.x2apic; }
bool lapic_has_tsc_deadline(void) { return fake.tsc_deadline; }

uint32_t lapic_read(uint32_t reg)
{
	if (reg == LAPIC_VERSION)
		return 0x14 | fake.max_lvt << 16;
	return reg < REGS ? fake.reg[reg / 16] : 0;
}

void lapic_write(uint32_t reg, uint32_t value)
{
	assert_int_equal(lapic_write_checked(reg, value), 0);
}

int lapic_read_checked(uint32_t reg, uint32_t *value)
{
	if (fake.x2apic && x2apic_read_faults(reg)) {
		fake.faults++;
		*value = 0;
		return -EFAULT;
	}
	*value = lapic_read(reg);
	return 0;
}

int lapic_write_checked(uint32_t reg, uint32_t value)
{
	if (reg == fake.refuse_reg || (fake.x2apic && x2apic_write_faults(reg, value))) {
		fake.faults++;
		return -EFAULT;
	}
	if (reg < REGS)
		fake.reg[reg / 16] = value;
	return 0;
}

bool lapic_has_lvt(uint32_t reg)
{
	switch (reg) {
	case LAPIC_LVT_TIMER: case LAPIC_LVT_LINT0: case LAPIC_LVT_LINT1: case LAPIC_LVT_ERROR:
		return true;
	case LAPIC_LVT_PERF: return fake.max_lvt >= 4;
	case LAPIC_LVT_THERMAL: return fake.max_lvt >= 5;
	case LAPIC_LVT_CMCI: return fake.max_lvt >= 6;
	default: return false;
	}
}

int lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	fake.ipis++;
	fake.last_ipi_dest = apic_id;
	fake.last_ipi_icr = icr_low;
	return 0;
}

/* ---- the rest of hv vlapic.c reaches -------------------------------------- */

int vcpu_set_msr_exits(struct vcpu *v, uint32_t first, unsigned count, bool reads, bool writes)
{
	(void)v;
	assert_true(first >= 0x800 && first + count <= 0x900);
	if (fake.map_error)
		return fake.map_error;
	if (fake.fail_after && ++fake.map_calls > fake.fail_after && !(reads && writes))
		return -ENOMEM;
	for (unsigned i = first - 0x800; i < first - 0x800 + count; i++) {
		fake.read_exits[i] = reads;
		fake.write_exits[i] = writes;
	}
	return 0;
}

void smp_wake(unsigned cpu) { (void)cpu; }

int guest_mmio_register(struct guest_io_table *t, uint64_t first, uint64_t size,
			guest_io_fn fn, void *ctx)
{
	(void)t; (void)first; (void)size; (void)fn; (void)ctx;
	return 0;
}

struct guest_vcpu *guest_vcpu_of_apic_id(struct guest *g, uint32_t apic_id)
{
	for (unsigned i = 0; i < g->vcpu_count; i++)
		if (g->vcpu[i].apic_id == apic_id)
			return &g->vcpu[i];
	return NULL;
}

void guest_vcpu_stop_with_error(struct guest_vcpu *gv, const char *reason)
{
	(void)gv; (void)reason;
	fail_msg("no vlapic_write/read path stops the guest");
}

/* ---- tests ------------------------------------------------------------------ */

static struct guest guest;
static struct guest_vcpu *gv;

static const uint32_t lvts[] = { LAPIC_LVT_CMCI, LAPIC_LVT_TIMER, LAPIC_LVT_THERMAL,
				 LAPIC_LVT_PERF, LAPIC_LVT_LINT0, LAPIC_LVT_LINT1,
				 LAPIC_LVT_ERROR };

static void setup_lapic(bool x2apic, unsigned max_lvt)
{
	memset(&fake, 0, sizeof(fake));
	memset(fake.read_exits, 1, sizeof(fake.read_exits));
	memset(fake.write_exits, 1, sizeof(fake.write_exits));
	fake.x2apic = x2apic;
	fake.max_lvt = max_lvt;
	for (size_t i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		fake.reg[lvts[i] / 16] = MASKED;
	fake.reg[LAPIC_SVR / 16] = 0x1ff;
	memset(&guest, 0, sizeof(guest));
	strcpy(guest.name, "hostile");
	guest.vcpu_count = 2;
	for (unsigned i = 0; i < 2; i++) {
		guest.vcpu[i].guest = &guest;
		guest.vcpu[i].index = i;
		guest.vcpu[i].apic_id = 4 + i;
	}
	gv = &guest.vcpu[0];
	log_stub_reset();
}

/* What the hypervisor needs of the LAPIC whatever the guest wrote. */
static void assert_lapic_safe(void)
{
	for (size_t i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++) {
		uint32_t v = fake.reg[lvts[i] / 16];
		if (v & MASKED)
			continue;
		assert_true((v & 0xff) >= 32);
		assert_int_equal(v & (7u << 8), 0);
		assert_int_not_equal(v & (3u << 17), 3u << 17);
	}
	assert_true((fake.reg[LAPIC_SVR / 16] & 0xff) >= 32);
}

static uint32_t random_word(void)
{
	return (uint32_t)rand() << 16 ^ (uint32_t)rand();
}

/* Every offset of the page, written with values that set every bit
 * somewhere: no access faults, and the LAPIC stays safe. */
static void fuzz_every_register(bool x2apic, unsigned max_lvt)
{
	setup_lapic(x2apic, max_lvt);
	srand(12345);
	for (unsigned reg = 0; reg < 0x1000; reg += 16) {
		if (reg == LAPIC_ICR_LOW)
			continue; /* IPIs: their own tests */
		uint32_t values[40] = { 0, ~0u, MASKED, 0x12, 0x400, 0x500, 0x700, 0x2 << 17 };
		for (unsigned i = 8; i < 40; i++)
			values[i] = i < 8 + 32 - 8 ? 1u << (i - 8) : random_word();
		for (unsigned i = 0; i < 40; i++) {
			vlapic_write(gv, reg, values[i]);
			(void)vlapic_read(gv, reg);
			assert_int_equal(fake.faults, 0);
			assert_lapic_safe();
		}
		for (unsigned i = 0; i < 500; i++) {
			vlapic_write(gv, reg, random_word());
			assert_int_equal(fake.faults, 0);
			assert_lapic_safe();
		}
	}
}

static void x2apic_guest_writes_never_fault(void **state)
{
	(void)state;
	fuzz_every_register(true, 6);
	fuzz_every_register(true, 5); /* no CMCI: AMD, older Intel */
	fuzz_every_register(true, 3);
}

static void xapic_guest_writes_keep_lapic_safe(void **state)
{
	(void)state;
	fuzz_every_register(false, 6);
	fuzz_every_register(false, 3);
}

/* The original bug: an LVT armed with vector 0x12 (#MC once the CPU is
 * the hypervisor's). Stored masked, on every LVT, and logged. */
static void lvt_vectors_below_32_stored_masked(void **state)
{
	(void)state;
	setup_lapic(true, 6);
	for (size_t i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		for (uint32_t vector = 0; vector < 32; vector++) {
			vlapic_write(gv, lvts[i], vector);
			assert_true(vlapic_read(gv, lvts[i]) & MASKED);
		}
	assert_int_equal(fake.faults, 0);
	assert_int_equal(guest.refused_lapic_writes, 7 * 32);
	assert_non_null(strstr(log_stub_last, "not logged"));
}

static void lvt_legal_vector_passes(void **state)
{
	(void)state;
	setup_lapic(true, 6);
	for (size_t i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++) {
		vlapic_write(gv, lvts[i], 0x40);
		assert_int_equal(vlapic_read(gv, lvts[i]), 0x40);
	}
	vlapic_write(gv, LAPIC_LVT_TIMER, 0x41 | 1u << 17); /* periodic */
	assert_int_equal(vlapic_read(gv, LAPIC_LVT_TIMER), 0x41 | 1u << 17);
	/* Refused for its vector, it stays periodic (masked). */
	vlapic_write(gv, LAPIC_LVT_TIMER, 0x12 | 1u << 17);
	assert_int_equal(vlapic_read(gv, LAPIC_LVT_TIMER), 0x12 | 1u << 17 | MASKED);
	assert_int_equal(guest.refused_lapic_writes, 1);
}

/* NMI (the hypervisor's kick), SMI, INIT and ExtINT: never a guest's. */
static void lvt_delivery_modes_other_than_fixed_refused(void **state)
{
	static const uint32_t modes[] = { 2u << 8, 4u << 8, 5u << 8, 7u << 8 };

	(void)state;
	setup_lapic(true, 6);
	for (size_t m = 0; m < 4; m++) {
		vlapic_write(gv, LAPIC_LVT_LINT0, 0x40 | modes[m]);
		assert_int_equal(vlapic_read(gv, LAPIC_LVT_LINT0), 0x40 | MASKED);
		vlapic_write(gv, LAPIC_LVT_LINT1, 0x40 | modes[m]);
		assert_int_equal(vlapic_read(gv, LAPIC_LVT_LINT1), 0x40 | MASKED);
	}
	/* Masked, a mode is kept: it delivers nothing until unmasked. */
	vlapic_write(gv, LAPIC_LVT_LINT1, 4u << 8 | MASKED);
	assert_int_equal(vlapic_read(gv, LAPIC_LVT_LINT1), 4u << 8 | MASKED);
	assert_int_equal(fake.faults, 0);
}

static void tsc_deadline_mode_only_where_present(void **state)
{
	(void)state;
	setup_lapic(true, 6);
	vlapic_write(gv, LAPIC_LVT_TIMER, 0x40 | 2u << 17);
	assert_int_equal(vlapic_read(gv, LAPIC_LVT_TIMER), 0x40 | MASKED);
	fake.tsc_deadline = true;
	vlapic_write(gv, LAPIC_LVT_TIMER, 0x40 | 2u << 17);
	assert_int_equal(vlapic_read(gv, LAPIC_LVT_TIMER), 0x40 | 2u << 17);
	vlapic_write(gv, LAPIC_LVT_TIMER, 0x40 | 3u << 17);
	assert_true(vlapic_read(gv, LAPIC_LVT_TIMER) & MASKED);
	assert_int_equal(fake.faults, 0);
}

/* AMD has no CMCI at 0x2F0: it reads 0 and writes go nowhere. */
static void absent_cmci_reads_zero(void **state)
{
	(void)state;
	setup_lapic(true, 5);
	vlapic_write(gv, LAPIC_LVT_CMCI, 0x40);
	assert_int_equal(vlapic_read(gv, LAPIC_LVT_CMCI), 0);
	assert_int_equal(fake.faults, 0);
}

static void spurious_vector_below_32_refused(void **state)
{
	(void)state;
	setup_lapic(true, 6);
	vlapic_write(gv, LAPIC_SVR, 0x100 | 0x0f);
	assert_int_equal(vlapic_read(gv, LAPIC_SVR), 0x1ff);
	vlapic_write(gv, LAPIC_SVR, 0x100 | 0x3f);
	assert_int_equal(vlapic_read(gv, LAPIC_SVR), 0x13f);
	assert_int_equal(fake.faults, 0);
}

/* A LAPIC that faults anyway (a register hv did not expect to refuse):
 * the guest's write is refused and logged, the hypervisor goes on. */
static void fault_from_the_lapic_is_a_refusal(void **state)
{
	(void)state;
	setup_lapic(true, 6);
	fake.refuse_reg = LAPIC_TMICT;
	vlapic_write(gv, LAPIC_TMICT, 1000);
	assert_int_equal(fake.faults, 1);
	assert_int_equal(guest.refused_lapic_writes, 1);
	assert_non_null(strstr(log_stub_last, "#GP"));
}

static void icr_write(uint32_t dest, uint32_t lo)
{
	vlapic_write(gv, LAPIC_ICR_HIGH, dest << 24);
	vlapic_write(gv, LAPIC_ICR_LOW, lo);
}

/* Fixed IPIs reach the guest's own CPUs only; NMI, SMI, ExtINT, logical
 * destinations in the cluster model (DFR 0: these vCPUs' here) and
 * vectors below 32 never reach the LAPIC. */
static void ipis_filtered(void **state)
{
	(void)state;
	setup_lapic(true, 6);
	icr_write(5, 0x40);
	assert_int_equal(fake.ipis, 1);
	assert_int_equal(fake.last_ipi_dest, 5);
	icr_write(6, 0x40);           /* not the guest's */
	icr_write(5, 0x12);           /* exception vector */
	icr_write(5, 0x40 | 2u << 8); /* SMI */
	icr_write(5, 0x40 | 4u << 8); /* NMI */
	icr_write(5, 0x40 | 7u << 8); /* ExtINT */
	icr_write(1, 0x40 | 1u << 11); /* logical, cluster model */
	icr_write(0, 0x40 | 3u << 18); /* all but self: vCPU 1 only */
	assert_int_equal(fake.ipis, 2);
	assert_int_equal(fake.last_ipi_dest, 5);
	assert_int_equal(guest.refused_ipis, 6);
}

#define LOGICAL (1u << 11)

/* Flat logical destinations, by the LDRs each vCPU wrote (in either LAPIC
 * mode: in xAPIC mode both write the one fake LAPIC, so only the vCPUs'
 * own records can tell them apart): each vCPU named gets the IPI in
 * physical mode; a bit naming no vCPU of the guest, or a vCPU switched to
 * the cluster model, refuses the whole IPI. */
static void logical_ipis_by_the_vcpus_ldrs(bool x2apic)
{
	setup_lapic(x2apic, 6);
	for (unsigned i = 0; i < 2; i++) {
		vlapic_write(&guest.vcpu[i], LAPIC_DFR, 0xffffffffu);
		vlapic_write(&guest.vcpu[i], LAPIC_LDR, (0x10u << i) << 24 | 0xabc);
	}
	assert_int_equal(vlapic_read(&guest.vcpu[1], LAPIC_LDR), 0x20u << 24);
	assert_int_equal(vlapic_read(&guest.vcpu[0], LAPIC_DFR), 0xffffffffu);
	icr_write(0x20, 0x40 | LOGICAL);
	assert_int_equal(fake.ipis, 1);
	assert_int_equal(fake.last_ipi_dest, 5);
	assert_int_equal(fake.last_ipi_icr & (LOGICAL | 0xff), 0x40);
	icr_write(0x10, 0x41 | LOGICAL);
	assert_int_equal(fake.ipis, 2);
	assert_int_equal(fake.last_ipi_dest, 4);
	icr_write(0x30, 0x42 | LOGICAL);
	assert_int_equal(fake.ipis, 4);
	assert_int_equal(guest.refused_ipis, 0);
	icr_write(0x31, 0x43 | LOGICAL);   /* bit 0: a CPU outside the guest */
	icr_write(0x00, 0x43 | LOGICAL);   /* no CPU */
	icr_write(0x20, 0x12 | LOGICAL);   /* exception vector */
	assert_int_equal(fake.ipis, 4);
	assert_int_equal(guest.refused_ipis, 3);
	/* The logical broadcast reaches the guest's CPUs only, as the physical. */
	icr_write(0xff, 0x44 | LOGICAL);
	assert_int_equal(fake.ipis, 6);
	vlapic_write(&guest.vcpu[1], LAPIC_DFR, 0x0fffffffu);
	icr_write(0x10, 0x45 | LOGICAL);
	assert_int_equal(fake.ipis, 6);
	assert_int_equal(guest.refused_ipis, 4);
	assert_int_equal(fake.faults, 0);
}

static void logical_ipis_xapic(void **state)
{
	(void)state;
	logical_ipis_by_the_vcpus_ldrs(false);
}

static void logical_ipis_x2apic(void **state)
{
	(void)state;
	logical_ipis_by_the_vcpus_ldrs(true);
}

/* ---- the guest's own x2APIC (vlapic_x2apic.c) ------------------------------ */

#define APIC_BASE_XAPIC 0xfee00900ull /* BSP, enabled */
#define EXTD (1ull << 10)

static bool switch_to_x2apic(void)
{
	return vlapic_set_apic_base(gv, APIC_BASE_XAPIC | EXTD);
}

/* Not offered where hv's LAPIC is an xAPIC; where offered, every x2APIC
 * MSR #GPs until the vCPU sets EXTD, and the way back, a move or a
 * disable are refused. */
static void x2apic_mode_only_where_offered(void **state)
{
	uint64_t v;

	(void)state;
	setup_lapic(false, 6);
	assert_false(vlapic_x2apic_offered());
	assert_false(switch_to_x2apic());
	assert_int_equal(vlapic_apic_base(gv), APIC_BASE_XAPIC);
	setup_lapic(true, 6);
	assert_true(vlapic_x2apic_offered());
	assert_false(vlapic_msr_read(gv, 0x803, &v));
	assert_false(vlapic_msr_write(gv, 0x808, 0));
	assert_true(vlapic_set_apic_base(gv, APIC_BASE_XAPIC));
	assert_false(vlapic_set_apic_base(gv, 0xfed00900ull | EXTD)); /* moved */
	assert_false(vlapic_set_apic_base(gv, 0xfee00100ull | EXTD)); /* disabled */
	assert_int_equal(fake.read_exits[0x08] + fake.write_exits[0x08], 2); /* nothing opened */
	assert_true(switch_to_x2apic());
	assert_int_equal(vlapic_apic_base(gv), APIC_BASE_XAPIC | EXTD);
	assert_int_equal(vlapic_apic_base(&guest.vcpu[1]), 0xfee00800ull); /* not the BSP, xAPIC */
	assert_true(switch_to_x2apic());
	assert_false(vlapic_set_apic_base(gv, APIC_BASE_XAPIC)); /* x2APIC -> xAPIC */
	assert_non_null(strstr(log_stub_last, "vCPU 0: x2APIC mode"));
	assert_null(strstr(log_stub_last, "refused"));
}

/* What goes to the hardware without an exit: every read, and the writes
 * of TPR, EOI, ESR, the timer's count and divider; nothing else. */
static void x2apic_direct_msrs(void **state)
{
	static const uint32_t direct[] = { 0x808, 0x80b, 0x828, 0x838, 0x83e };

	(void)state;
	setup_lapic(true, 6);
	assert_true(switch_to_x2apic());
	for (unsigned msr = 0x800; msr < 0x900; msr++) {
		bool is_direct = false;
		for (size_t i = 0; i < sizeof(direct) / sizeof(direct[0]); i++)
			is_direct |= direct[i] == msr;
		assert_false(fake.read_exits[msr - 0x800]);
		assert_int_equal(fake.write_exits[msr - 0x800], !is_direct);
	}
	/* No map: the switch is refused, the vCPU stays an xAPIC. */
	setup_lapic(true, 6);
	fake.map_error = -12;
	assert_false(switch_to_x2apic());
	assert_int_equal(vlapic_apic_base(gv), APIC_BASE_XAPIC);
	assert_non_null(strstr(log_stub_last, "MSR map"));
	/* A map that fails halfway is closed again: nothing reaches the hardware. */
	setup_lapic(true, 6);
	fake.fail_after = 2;
	assert_false(switch_to_x2apic());
	for (unsigned i = 0; i < 0x100; i++)
		assert_true(fake.read_exits[i] && fake.write_exits[i]);
}

static void x2apic_icr(uint32_t dest, uint32_t lo)
{
	assert_true(vlapic_msr_write(gv, 0x830, (uint64_t)dest << 32 | lo));
}

/* ICR writes with 32-bit destinations, filtered as the page's; logical
 * ones in the cluster format, by the vCPUs' APIC IDs (4 and 5: bits 4 and
 * 5 of cluster 0); the SELF IPI register as a self IPI. */
static void x2apic_ipis_filtered(void **state)
{
	(void)state;
	setup_lapic(true, 6);
	assert_true(switch_to_x2apic());
	x2apic_icr(5, 0x40);
	assert_int_equal(fake.ipis, 1);
	assert_int_equal(fake.last_ipi_dest, 5);
	x2apic_icr(0x105, 0x40);       /* an ID an xAPIC could not name: not the guest's */
	x2apic_icr(5, 0x40 | 4u << 8); /* NMI */
	x2apic_icr(5, 0x12);           /* exception vector */
	x2apic_icr(0x30, 0x41 | LOGICAL);
	assert_int_equal(fake.ipis, 3);
	x2apic_icr(0x10020, 0x41 | LOGICAL); /* cluster 1: none of the guest's */
	x2apic_icr(0x70, 0x41 | LOGICAL);    /* bit 6: APIC ID 6, another guest's */
	assert_int_equal(fake.ipis, 3);
	x2apic_icr(0xffffffffu, 0x42);       /* broadcast: the guest's two CPUs */
	assert_int_equal(fake.ipis, 5);
	x2apic_icr(0xff, 0x42);              /* an xAPIC's broadcast is an x2APIC's ID 255 */
	assert_int_equal(fake.ipis, 5);
	assert_int_equal(guest.refused_ipis, 6);
	/* Reserved ICR bits: #GP, nothing sent nor counted. */
	assert_false(vlapic_msr_write(gv, 0x830, 5ull << 32 | 1u << 12 | 0x40));
	assert_false(vlapic_msr_write(gv, 0x830, 5ull << 32 | 1u << 20 | 0x40));
	assert_int_equal(fake.ipis, 5);
	assert_int_equal(guest.refused_ipis, 6);
	assert_true(vlapic_msr_write(gv, 0x83f, 0x43));
	assert_int_equal(fake.ipis, 6);
	assert_false(vlapic_msr_write(gv, 0x80b, 1));   /* a non-zero EOI */
	assert_int_equal(fake.last_ipi_dest, 4);
	assert_int_equal(fake.last_ipi_icr & 0xff, 0x43);
	assert_true(vlapic_msr_write(gv, 0x83f, 0x13)); /* taken, and refused by the filter */
	assert_int_equal(fake.ipis, 6);
	assert_false(vlapic_msr_write(gv, 0x83f, 0x100));
	/* INIT and SIPI to its own other vCPU start it, as through the page. */
	guest.vcpu[1].state = GVCPU_WAIT_INIT;
	x2apic_icr(5, 0x4500);
	x2apic_icr(5, 0x4610);
	assert_int_equal(guest.vcpu[1].state, GVCPU_RUNNING);
	assert_int_equal(guest.vcpu[1].sipi_vector, 0x10);
	assert_int_equal(fake.ipis, 6);
}

/* LVT and SVR writes that exit are the page's filter; a read-only
 * register, reserved upper bits or nothing there raise #GP. */
static void x2apic_lvt_svr_and_read_only(void **state)
{
	(void)state;
	setup_lapic(true, 6);
	assert_true(switch_to_x2apic());
	assert_true(vlapic_msr_write(gv, 0x835, 0x40 | 4u << 8)); /* LINT0, NMI */
	assert_int_equal(fake.reg[LAPIC_LVT_LINT0 / 16], 0x40 | MASKED);
	assert_true(vlapic_msr_write(gv, 0x832, 0x12));           /* timer, #MC */
	assert_true(fake.reg[LAPIC_LVT_TIMER / 16] & MASKED);
	assert_true(vlapic_msr_write(gv, 0x80f, 0x10f));
	assert_int_equal(fake.reg[LAPIC_SVR / 16], 0x1ff);
	assert_true(vlapic_msr_write(gv, 0x832, 0x41));
	assert_int_equal(fake.reg[LAPIC_LVT_TIMER / 16], 0x41);
	assert_false(vlapic_msr_write(gv, 0x802, 7));              /* ID */
	assert_false(vlapic_msr_write(gv, 0x80d, 1));              /* LDR */
	assert_false(vlapic_msr_write(gv, 0x832, 1ull << 32 | 0x41));
	assert_false(vlapic_msr_write(gv, 0x8ff, 0));
	setup_lapic(true, 5);
	assert_true(switch_to_x2apic());
	assert_false(vlapic_msr_write(gv, 0x82f, 0x40));           /* no CMCI here */
	assert_lapic_safe();
	assert_int_equal(fake.faults, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(x2apic_guest_writes_never_fault),
		cmocka_unit_test(xapic_guest_writes_keep_lapic_safe),
		cmocka_unit_test(lvt_vectors_below_32_stored_masked),
		cmocka_unit_test(lvt_legal_vector_passes),
		cmocka_unit_test(lvt_delivery_modes_other_than_fixed_refused),
		cmocka_unit_test(tsc_deadline_mode_only_where_present),
		cmocka_unit_test(absent_cmci_reads_zero),
		cmocka_unit_test(spurious_vector_below_32_refused),
		cmocka_unit_test(fault_from_the_lapic_is_a_refusal),
		cmocka_unit_test(ipis_filtered),
		cmocka_unit_test(logical_ipis_xapic),
		cmocka_unit_test(logical_ipis_x2apic),
		cmocka_unit_test(x2apic_mode_only_where_offered),
		cmocka_unit_test(x2apic_direct_msrs),
		cmocka_unit_test(x2apic_ipis_filtered),
		cmocka_unit_test(x2apic_lvt_svr_and_read_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
