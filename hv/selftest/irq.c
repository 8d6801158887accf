/* Boot self-tests of interrupt remapping with QEMU's edu devices (issue:
 * "Interrupt remapping"). edu 0 and 1 (dma_mask lifted: their DMA engines
 * write interrupt requests to 0xFEEx_xxxx) each get an IRTE block with
 * source validation; edu's MSI capability is programmed in remappable
 * format. Every delivery is counted per CPU and vector, so "arrived there
 * and nowhere else" is checked, not assumed. */
#include "arch/x86/cpu.h"
#include "arch/x86/irq.h"
#include "arch/x86/page.h"
#include "arch/x86/percpu.h"
#include "arch/x86/sizes.h"
#include "arch/x86/smp.h"
#include "arch/x86/time.h"
#include "hv/platform.h"
#include "hv/remap/device_irq.h"
#include "hv/remap/dma.h"
#include "hv/remap/faults.h"
#include "hv/remap/ioapic_route.h"
#include "hv/remap/irq_route.h"
#include "hv/remap/units.h"
#include "hv/selftest/edu.h"
#include "hv/selftest/selftest.h"
#include "iommu/irte.h"
#include "iommu/vtd_ir.h"

#include <errno.h>
#include <string.h>

#define TEST_VECTOR_BASE 0x40
#define TEST_VECTORS 8
#define TEST_CPUS 64
#define ARRIVAL_WAIT_US 200000
/* After an interrupt arrived (or a request was made), how long anything
 * else would have had to arrive. */
#define SETTLE_US 20000
#define EDU_IRQ_BIT 0x1
#define DMA_ALL ~0ull

struct irq_rig {
	bool ready, tried;
	struct edu edu[2];
	struct dma_device dev[2];
	struct irq_route route[2];
	uint64_t page[2], iova[2]; /* a page each can DMA from */
};

static struct irq_rig rig;
static unsigned long arrivals[TEST_CPUS][TEST_VECTORS];
static uint64_t arrival_tsc;

static void count_arrival(uint8_t vector, void *ctx)
{
	(void)ctx;
	arrival_tsc = rdtsc();
	unsigned cpu = this_cpu_index();
	if (cpu < TEST_CPUS)
		__atomic_add_fetch(&arrivals[cpu][vector - TEST_VECTOR_BASE], 1, __ATOMIC_RELAXED);
}

static uint8_t test_vector(unsigned i)
{
	return (uint8_t)(TEST_VECTOR_BASE + i);
}

static unsigned long total_arrivals(void)
{
	unsigned long n = 0;

	for (unsigned c = 0; c < TEST_CPUS; c++)
		for (unsigned v = 0; v < TEST_VECTORS; v++)
			n += __atomic_load_n(&arrivals[c][v], __ATOMIC_RELAXED);
	return n;
}

static void clear_arrivals(void)
{
	memset(arrivals, 0, sizeof(arrivals));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void wait_us(uint64_t us)
{
	uint64_t deadline = deadline_after_us(us);

	while (!deadline_passed(deadline))
		cpu_relax();
}

/* Waits (bounded) for any arrival, then lets stragglers land. */
static void await_arrival(void)
{
	uint64_t deadline = deadline_after_us(ARRIVAL_WAIT_US);

	while (!total_arrivals() && !deadline_passed(deadline))
		cpu_relax();
	wait_us(SETTLE_US);
}

/* Exactly one interrupt arrived since clear_arrivals(): on `cpu` with
 * test vector `v`; with `v` < 0, none arrived anywhere. Diagnoses where
 * they went otherwise. */
static bool arrived_only(int cpu, int v)
{
	bool ok = true;

	for (unsigned c = 0; c < TEST_CPUS; c++)
		for (unsigned i = 0; i < TEST_VECTORS; i++) {
			unsigned long want = ((int)c == cpu && (int)i == v) ? 1 : 0;
			unsigned long got = __atomic_load_n(&arrivals[c][i], __ATOMIC_RELAXED);
			if (got != want) {
				selftest_diag("CPU %u vector %#x: %lu interrupts, expected %lu", c,
					      test_vector(i), got, want);
				ok = false;
			}
		}
	return ok;
}

static enum selftest_result need_rig(struct selftest_ctx *ctx)
{
	if (rig.ready)
		return SELFTEST_PASS;
	CHECK(!rig.tried, "the edu set-up failed in an earlier test");
	rig.tried = true;
	if (!iommu_active())
		return selftest_skip(ctx, "VT-d not active");
	if (!edu_find(1))
		return selftest_skip(ctx, "needs two edu devices");
	for (unsigned i = 0; i < TEST_VECTORS; i++)
		CHECK(irq_register(test_vector(i), count_arrival, NULL) == 0,
		      "vector %#x taken", test_vector(i));
	for (unsigned i = 0; i < 2; i++) {
		const struct pci_function *f = edu_find(i);
		CHECK(edu_open(&rig.edu[i], f) == 0, "edu %u has no usable BAR", i);
		CHECK(dma_device_init(&rig.dev[i], f, DMA_ALL) == 0, "edu %u: no DMA domain", i);
		CHECK(irq_route_unit_enabled(iommu_unit_of(f)),
		      "edu %u: its unit does not remap interrupts", i);
		CHECK(irq_route_alloc(f, 1, IRQ_OWNER_HV, &rig.route[i]) == 0,
		      "edu %u: no IRTE", i);
		CHECK((rig.page[i] = page_alloc_zeroed(1, 1)) != 0, "out of memory");
		CHECK(dma_map(&rig.dev[i], rig.page[i], PAGE_SIZE, DMA_TO_DEVICE, &rig.iova[i]) == 0,
		      "edu %u: map", i);
		/* Parked on the service CPU until a test routes it. */
		CHECK(irq_route_set(&rig.route[i], 0, smp_apic_id(0), test_vector(7)) == 0,
		      "edu %u: route", i);
		uint32_t addr, data;
		irq_route_msi(&rig.route[i], &addr, &data);
		CHECK(device_msi_enable(f, addr, data, 1) == 0, "edu %u: MSI", i);
		selftest_diag("edu %u (%02x:%02x.%u): IRTE %u, source-id %04x, MSI %#x/%#x", i,
			      f->bdf.bus, f->bdf.dev, f->bdf.fn, rig.route[i].first,
			      rig.route[i].sid, addr, data);
	}
	rig.ready = true;
	return SELFTEST_PASS;
}

/* edu `i` raises its MSI once. */
static void raise_msi(unsigned i)
{
	edu_raise(&rig.edu[i], EDU_IRQ_BIT);
	await_arrival();
	edu_ack(&rig.edu[i], EDU_IRQ_BIT);
}

/* edu `i`'s DMA engine writes `data` to the interrupt address `addr`, as
 * any device can: the unit treats it as an interrupt request from edu i. */
static bool dma_interrupt_request(unsigned i, uint32_t addr, uint32_t data)
{
	memcpy((void *)(uintptr_t)rig.page[i], &data, sizeof(data));
	if (edu_dma(&rig.edu[i], rig.iova[i], 0, sizeof(data), false) ||
	    edu_dma(&rig.edu[i], addr, 0, sizeof(data), true))
		return false;
	await_arrival();
	return true;
}

static bool platform_is_qemu(void)
{
	return platform.dmar && !memcmp(platform.dmar->oem_id, "BOCHS ", 6);
}

static unsigned last_cpu(void)
{
	unsigned last = 0;

	for (unsigned c = 1; c < smp_cpu_count_max(); c++)
		if (smp_cpu_online(c))
			last = c;
	return last;
}

static enum selftest_result msi_arrives_on_chosen_cpu(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	unsigned ap = last_cpu();

	CHECK(ap != 0, "needs an application processor online (boot with -smp 4)");
	CHECK(irq_route_set(&rig.route[0], 0, smp_apic_id(0), test_vector(0)) == 0, "route");
	clear_arrivals();
	raise_msi(0);
	CHECK(arrived_only(0, 0), "MSI routed to the service CPU, vector %#x", test_vector(0));

	CHECK(irq_route_set(&rig.route[0], 0, smp_apic_id(ap), test_vector(1)) == 0, "route");
	clear_arrivals();
	raise_msi(0);
	CHECK(arrived_only((int)ap, 1), "MSI routed to CPU %u, vector %#x", ap, test_vector(1));
	return SELFTEST_PASS;
}

/* Routes the API refuses, each leaving the entry as it was. */
static enum selftest_result route_refuses_bad_destinations(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	struct irte_fields before, after;
	uint32_t offline = 0xfe;

	while (smp_cpu_of_apic_id(offline) >= 0)
		offline--;
	CHECK(vtd_ir_get(rig.route[0].unit, rig.route[0].first, &before) == 0, "read IRTE");
	CHECK(irq_route_set(&rig.route[0], 0, offline, test_vector(0)) == -EINVAL,
	      "APIC ID %u is no online CPU's", offline);
	CHECK(irq_route_set(&rig.route[0], 0, smp_apic_id(0), 0x1f) == -EINVAL,
	      "vector 0x1f is an exception's");
	CHECK(irq_route_set(&rig.route[0], 1, smp_apic_id(0), test_vector(0)) == -EINVAL,
	      "entry 1 of a block of 1");
	CHECK(vtd_ir_get(rig.route[0].unit, rig.route[0].first, &after) == 0, "read IRTE");
	uint64_t raw_before[2], raw_after[2];
	CHECK(irte_encode(&before, raw_before) == 0 && irte_encode(&after, raw_after) == 0 &&
	      raw_before[0] == raw_after[0] && raw_before[1] == raw_after[1],
	      "a refused route changed the IRTE");
	CHECK(before.present && before.svt == IRTE_SVT_SID && before.sid == rig.route[0].sid,
	      "the entry is not source-validated");
	return SELFTEST_PASS;
}

static enum selftest_result msi_migrates(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	unsigned from = 1, to = last_cpu();

	CHECK(to > from, "needs two application processors (boot with -smp 4)");
	CHECK(irq_route_set(&rig.route[0], 0, smp_apic_id(from), test_vector(2)) == 0, "route");
	clear_arrivals();
	raise_msi(0);
	CHECK(arrived_only((int)from, 2), "before the move");

	/* The device is not touched: only its IRTE changes. */
	CHECK(irq_route_set(&rig.route[0], 0, smp_apic_id(to), test_vector(3)) == 0, "retarget");
	clear_arrivals();
	raise_msi(0);
	CHECK(arrived_only((int)to, 3), "after the move to CPU %u vector %#x", to, test_vector(3));
	return SELFTEST_PASS;
}

/* edu 1's own MSI, programmed with edu 0's handle: the entry's source-ID
 * check names edu 0, so the unit refuses it. */
static enum selftest_result foreign_handle_msi_not_delivered(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	uint32_t addr0, data0, addr1, data1;
	const struct pci_function *edu1 = edu_find(1);

	CHECK(irq_route_set(&rig.route[0], 0, smp_apic_id(0), test_vector(4)) == 0, "route 0");
	CHECK(irq_route_set(&rig.route[1], 0, smp_apic_id(0), test_vector(5)) == 0, "route 1");
	irq_route_msi(&rig.route[0], &addr0, &data0);
	irq_route_msi(&rig.route[1], &addr1, &data1);

	clear_arrivals();
	raise_msi(0);
	CHECK(arrived_only(0, 4), "control: edu 0's MSI through its own entry");

	CHECK(device_msi_enable(edu1, addr0, data0, 1) == 0, "reprogram edu 1");
	clear_arrivals();
	raise_msi(1);
	bool refused = arrived_only(-1, -1);
	CHECK(device_msi_enable(edu1, addr1, data1, 1) == 0, "restore edu 1");
	CHECK(refused, "edu 1's MSI naming edu 0's entry %u", rig.route[0].first);

	clear_arrivals();
	raise_msi(1);
	CHECK(arrived_only(0, 5), "edu 1's MSI through its own entry again");
	return SELFTEST_PASS;
}

/* A request written by DMA naming another device's entry: refused the
 * same way, where the platform says who made the request. */
static enum selftest_result forged_handle_dma_not_delivered(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	uint32_t own_addr, own_data, other_addr, other_data;

	CHECK(irq_route_set(&rig.route[0], 0, smp_apic_id(0), test_vector(4)) == 0, "route 0");
	CHECK(irq_route_set(&rig.route[1], 0, smp_apic_id(0), test_vector(5)) == 0, "route 1");
	irq_route_msi(&rig.route[0], &own_addr, &own_data);
	irq_route_msi(&rig.route[1], &other_addr, &other_data);

	clear_arrivals();
	CHECK(dma_interrupt_request(0, own_addr, own_data), "DMA failed");
	CHECK(arrived_only(0, 4), "control: edu 0 writing its own handle by DMA");

	clear_arrivals();
	CHECK(dma_interrupt_request(0, other_addr, other_data), "DMA failed");
	if (total_arrivals() && platform_is_qemu())
		return selftest_skip(ctx, "QEMU 7.2: device DMA carries no requester ID to "
					  "validate");
	CHECK(arrived_only(-1, -1), "edu 0 forging edu 1's handle %u", rig.route[1].first);
	return SELFTEST_PASS;
}

static enum selftest_result bad_handles_not_delivered(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	const struct pci_function *f = edu_find(0);
	struct vtd_unit *u = iommu_unit_of(f);
	struct irq_route spare;
	uint32_t addr, data;
	unsigned long spurious = irq_spurious_count();

	/* A handle one past the table's end. */
	msi_remappable_encode((uint16_t)u->irt_entries, true, &addr, &data);
	if (u->irt_entries < 0x10000) {
		clear_arrivals();
		CHECK(dma_interrupt_request(0, addr, data), "DMA failed");
		CHECK(arrived_only(-1, -1), "handle %u past the table's end", u->irt_entries);
	}

	/* An entry of edu 0's that works, then is made not present. */
	CHECK(irq_route_alloc(f, 1, IRQ_OWNER_HV, &spare) == 0, "no spare IRTE");
	CHECK(irq_route_set(&spare, 0, smp_apic_id(0), test_vector(6)) == 0, "route");
	irq_route_msi(&spare, &addr, &data);
	clear_arrivals();
	CHECK(dma_interrupt_request(0, addr, data), "DMA failed");
	CHECK(arrived_only(0, 6), "control: the entry while present");
	CHECK(irq_route_mask(&spare, 0) == 0, "mask");
	clear_arrivals();
	CHECK(dma_interrupt_request(0, addr, data), "DMA failed");
	CHECK(arrived_only(-1, -1), "not-present entry %u", spare.first);
	CHECK(irq_route_free(&spare) == 0, "free");
	CHECK(irq_spurious_count() == spurious, "%lu interrupts on vectors nobody registered",
	      irq_spurious_count() - spurious);
	return SELFTEST_PASS;
}

static enum selftest_result compat_format_blocked(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	struct msi_compat m = { .dest = (uint8_t)smp_apic_id(0), .vector = test_vector(6) };
	uint32_t addr, data;

	CHECK(msi_compat_encode(&m, &addr, &data) == 0, "encode");
	clear_arrivals();
	CHECK(dma_interrupt_request(0, addr, data), "DMA failed");
	if (total_arrivals() && platform_is_qemu())
		return selftest_skip(ctx, "QEMU 7.2 delivers compatibility-format interrupts "
					  "although they are blocked");
	CHECK(arrived_only(-1, -1), "compatibility-format request %#x/%#x", addr, data);
	return SELFTEST_PASS;
}

static enum selftest_result fault_event_on_service_cpu(struct selftest_ctx *ctx)
{
	SELFTEST_REQUIRE(need_rig(ctx));
	unsigned long before[TEST_CPUS], total = iommu_faults()->total;
	/* An IOVA edu 1's domain does not map: its DMA faults. */
	uint64_t unmapped = rig.iova[1] + 64 * PAGE_SIZE;

	for (unsigned c = 0; c < TEST_CPUS; c++)
		before[c] = iommu_fault_events(c);
	CHECK(edu_dma(&rig.edu[1], unmapped, 0, 64, true) == 0, "DMA did not complete");
	uint64_t deadline = deadline_after_us(ARRIVAL_WAIT_US);
	while (iommu_fault_events(0) == before[0] && !deadline_passed(deadline))
		cpu_relax();
	wait_us(SETTLE_US);
	CHECK(iommu_faults()->total > total, "the fault was not recorded");
	CHECK(iommu_fault_events(0) > before[0], "no fault event on the service CPU");
	for (unsigned c = 1; c < TEST_CPUS; c++)
		CHECK(iommu_fault_events(c) == before[c], "fault event on CPU %u", c);
	return SELFTEST_PASS;
}

/* The 8254 PIT (channel 0, mode 0: one interrupt at terminal count) on
 * ISA IRQ 0, through the I/O APIC pin the MADT says, in remappable format
 * to an application processor. The 8259s stay masked, so the interrupt
 * can only come through the I/O APIC. */
#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_CH0_LOHI_MODE0 0x30
#define PIT_COUNT 0x1000 /* ~3.4 ms */
#define PIC_MASTER_IMR 0x21
#define PIC_SLAVE_IMR 0xa1

static enum selftest_result ioapic_pin_remapped(struct selftest_ctx *ctx)
{
	unsigned ap = last_cpu();
	uint16_t flags;
	struct ioapic_pin pin;

	if (!platform.madt_ok || !platform.madt.ioapic_count)
		return selftest_skip(ctx, "no I/O APIC");
	if (!platform.madt.pcat_compat)
		return selftest_skip(ctx, "no PC-AT compatible 8254/8259");
	uint32_t gsi = madt_isa_gsi(&platform.madt, 0, &flags);
	int err = ioapic_route_gsi(gsi, (flags & MADT_INTI_TRIGGER_MASK) == MADT_INTI_LEVEL,
				   (flags & MADT_INTI_POLARITY_MASK) == MADT_INTI_ACTIVE_LOW,
				   smp_apic_id(ap), test_vector(6), &pin);
	if (err == -ENODEV)
		return selftest_skip(ctx, "the I/O APIC's interrupts are not remapped");
	CHECK(err == 0, "routing GSI %u: %d", gsi, err);
	selftest_diag("IRQ 0 is GSI %u: I/O APIC %u pin %u, IRTE %u, source-id %04x", gsi,
		      pin.ioapic, pin.pin, pin.route.first, pin.route.sid);
	outb(PIC_MASTER_IMR, 0xff);
	outb(PIC_SLAVE_IMR, 0xff);

	clear_arrivals();
	outb(PIT_MODE, PIT_CH0_LOHI_MODE0);
	outb(PIT_CH0, PIT_COUNT & 0xff);
	outb(PIT_CH0, PIT_COUNT >> 8);
	await_arrival();
	bool ok = arrived_only((int)ap, 6);
	CHECK(ioapic_route_free(&pin) == 0, "free");
	CHECK(ok, "the PIT's interrupt through I/O APIC pin %u to CPU %u", pin.pin, ap);
	return SELFTEST_PASS;
}

static const struct selftest tests[] = {
	{ "irq_msi_arrives_on_chosen_cpu", msi_arrives_on_chosen_cpu },
	{ "irq_route_refuses_bad_destinations", route_refuses_bad_destinations },
	{ "irq_msi_migrates", msi_migrates },
	{ "irq_foreign_handle_msi_not_delivered", foreign_handle_msi_not_delivered },
	{ "irq_forged_handle_dma_not_delivered", forged_handle_dma_not_delivered },
	{ "irq_bad_handles_not_delivered", bad_handles_not_delivered },
	{ "irq_compat_format_blocked", compat_format_blocked },
	{ "irq_fault_event_on_service_cpu", fault_event_on_service_cpu },
	{ "irq_ioapic_pin_remapped", ioapic_pin_remapped },
};

const struct selftest_suite selftest_suite_irq = { "irq", tests,
						   ARRAY_SIZE(tests) };
