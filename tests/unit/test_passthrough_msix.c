/* hv/pci/passthrough_msix.c (over the real hv/pci/vmsix.c) with the device,
 * the IRTE allocator and the router faked: each MSI-X entry takes an IRTE
 * of its own when the guest first enables it, whatever the table's size
 * (QEMU's nvme has 65 entries), keeps it while masked and retargeted, and
 * gives it back at release; nothing is taken for entries never enabled;
 * the physical table is only touched with memory decoding on. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/pci_regs.h"
#include "hv/guest/partition.h"
#include "hv/pci/passthrough.h"
#include "hv/remap/device_irq.h"
#include "iommu/irte.h"
#include "tests/unit/log_stub.h"

#define ENTRIES 65
#define MSIX_CAP 0x70
#define TABLE_BAR 0
#define BAR_ADDR 0xfe000000ull
#define BAR_SIZE 0x4000ull
#define PBA_OFF 0x2000u
#define POOL 128
#define NO_ENTRY 0xffffu

struct phys_entry {
	bool masked;
	bool written;
	uint32_t data;       /* the IRTE handle this fake encodes in it */
};

static struct {
	uint16_t cmd;
	uint16_t msix_ctrl;
	struct phys_entry entry[ENTRIES];
	unsigned pool;               /* IRTEs the fake unit has */
	uint32_t irte_owner[POOL];   /* 0: free */
	unsigned irte_vcpu[POOL], irte_vector[POOL];
	unsigned allocs, frees, routes, decode_off_touches;
	bool refuse_target;
} fake;

/* ---- what passthrough_msix.c reaches ------------------------------------- */

uint16_t pci_read16(struct pci_bdf d, uint16_t off)
{
	(void)d;
	if (off == PCI_COMMAND)
		return fake.cmd;
	if (off == MSIX_CAP + PCI_MSIX_FLAGS)
		return fake.msix_ctrl;
	fail_msg("read16 at %#x", off);
	return 0;
}

void pci_write16(struct pci_bdf d, uint16_t off, uint16_t value)
{
	(void)d;
	if (off == PCI_COMMAND)
		fake.cmd = value;
	else if (off == MSIX_CAP + PCI_MSIX_FLAGS)
		fake.msix_ctrl = value;
	else
		fail_msg("write16 at %#x", off);
}

uint32_t pci_read32(struct pci_bdf d, uint16_t off)
{
	(void)d;
	if (off == MSIX_CAP + PCI_MSIX_TABLE)
		return TABLE_BAR;
	if (off == MSIX_CAP + PCI_MSIX_PBA)
		return PBA_OFF | TABLE_BAR;
	fail_msg("read32 at %#x", off);
	return 0;
}

/* What setup() allocated, freed by the next one (or at the end). */
static void *allocated[4];
static unsigned allocated_count;

uint64_t page_alloc_zeroed(uint64_t pages, uint64_t align_pages)
{
	(void)align_pages;
	assert_true(allocated_count < 4);
	void *p = calloc(pages, 4096);
	allocated[allocated_count++] = p;
	return (uint64_t)(uintptr_t)p;
}

static void free_allocated(void)
{
	while (allocated_count)
		free(allocated[--allocated_count]);
}

void device_msix_handle(const struct pci_function *f, uint64_t table, struct pci_msix *x)
{
	(void)f;
	assert_int_equal(table, BAR_ADDR);
	memset(x, 0, sizeof(*x));
}

static struct phys_entry *touch(unsigned index)
{
	assert_true(index < ENTRIES);
	if (!(fake.cmd & PCI_COMMAND_MEMORY))
		fake.decode_off_touches++;
	return &fake.entry[index];
}

int pci_msix_entry_mask(const struct pci_msix *x, unsigned index)
{
	(void)x;
	touch(index)->masked = true;
	return 0;
}

int pci_msix_entry_unmask(const struct pci_msix *x, unsigned index)
{
	(void)x;
	touch(index)->masked = false;
	return 0;
}

int pci_msix_entry_write(const struct pci_msix *x, unsigned index, struct msi_msg msg,
			 bool masked)
{
	(void)x;
	struct phys_entry *e = touch(index);
	e->written = true;
	e->data = msg.data;
	e->masked = masked;
	return 0;
}

int pci_msix_function_mask(const struct pci_msix *x, bool masked)
{
	(void)x;
	fake.msix_ctrl = (uint16_t)((fake.msix_ctrl & ~PCI_MSIX_FLAGS_MASKALL) |
				    (masked ? PCI_MSIX_FLAGS_MASKALL : 0));
	return 0;
}

int pci_msix_disable(const struct pci_msix *x)
{
	(void)x;
	fake.msix_ctrl &= (uint16_t)~PCI_MSIX_FLAGS_ENABLE;
	return 0;
}

/* The handle goes in the data here, so the tests can read it back. */
void msi_remappable_encode(uint16_t handle, bool shv, uint32_t *addr_lo, uint32_t *data)
{
	assert_false(shv);
	*addr_lo = 0xfee00010u;
	*data = handle;
}

int irq_route_alloc(const struct pci_function *f, unsigned count, uint32_t owner,
		    struct irq_route *r)
{
	(void)f;
	assert_int_equal(count, 1);
	assert_int_not_equal(owner, 0);
	for (unsigned i = 0; i < fake.pool; i++)
		if (!fake.irte_owner[i]) {
			fake.irte_owner[i] = owner;
			fake.allocs++;
			*r = (struct irq_route){ .first = (uint16_t)i, .count = 1, .owner = owner };
			return 0;
		}
	return -ENOSPC;
}

int irq_route_free(struct irq_route *r)
{
	assert_int_equal(r->count, 1);
	assert_true(r->first < fake.pool);
	assert_int_equal(fake.irte_owner[r->first], r->owner);
	fake.irte_owner[r->first] = 0;
	fake.frees++;
	r->count = 0;
	return 0;
}

/* Data's vector 32 and up, the address' destination byte a vCPU index. */
struct guest_vcpu *passthrough_msi_target(struct guest *g, const struct pt_device *dev,
					   uint64_t addr, uint32_t data, unsigned vectors,
					   uint8_t *vector)
{
	unsigned dest = (unsigned)(addr >> 12) & 0xff;

	(void)dev;
	assert_int_equal(vectors, 1);
	if (fake.refuse_target || (data & 0xff) < 32 || dest >= g->vcpu_count)
		return NULL;
	*vector = (uint8_t)data;
	return &g->vcpu[dest];
}

int passthrough_route(struct guest *g, const struct pt_device *dev, struct irq_route *route,
		      unsigned index, const struct guest_vcpu *target, uint8_t vector)
{
	(void)g; (void)dev;
	assert_int_equal(index, 0);
	assert_true(route->count == 1 && route->first < fake.pool);
	assert_int_not_equal(fake.irte_owner[route->first], 0);
	fake.irte_vcpu[route->first] = target->index;
	fake.irte_vector[route->first] = vector;
	fake.routes++;
	return 0;
}

int guest_mmio_register(struct guest_io_table *t, uint64_t first, uint64_t size,
			guest_io_fn fn, void *ctx)
{
	(void)t; (void)first; (void)size; (void)fn; (void)ctx;
	return 0;
}


/* The trapped pages' handler takes the view lock; not called here. */
void spin_unlock_unrecorded(const struct spinlock *l)
{
	(void)l;
	fail_msg("the view lock is not taken in these tests");
}

/* ---- the guest side -------------------------------------------------------- */

static struct guest guest;
static struct pci_function fn;
static struct vpci_dev vd;
static struct pt_device dev;

static void setup(unsigned pool)
{
	free_allocated();
	memset(&fake, 0, sizeof(fake));
	fake.pool = pool;
	fake.cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER;
	fake.msix_ctrl = ENTRIES - 1;
	memset(&guest, 0, sizeof(guest));
	strcpy(guest.name, "g");
	guest.index = 1;
	guest.vcpu_count = 2;
	for (unsigned i = 0; i < 2; i++) {
		guest.vcpu[i].guest = &guest;
		guest.vcpu[i].index = i;
	}
	memset(&fn, 0, sizeof(fn));
	fn.msix_cap = MSIX_CAP;
	memset(&vd, 0, sizeof(vd));
	vd.bar[TABLE_BAR] = (struct vpci_bar){ .kind = VPCI_BAR_MEM32, .addr = BAR_ADDR,
					       .size = BAR_SIZE };
	memset(&dev, 0, sizeof(dev));
	dev.fn = &fn;
	log_stub_reset();
	assert_int_equal(passthrough_msix_setup(&guest, &dev, &vd), 0);
	assert_int_equal(dev.msix.table_size, ENTRIES);
}

static void table_write(unsigned index, unsigned reg, uint32_t v)
{
	uint64_t value = v;
	assert_int_equal(vmsix_access(&dev.msix, TABLE_BAR, index * 16u + reg, true, 4, &value),
			 0);
}

/* Entry `index` to vCPU `vcpu` with `vector`, unmasked. */
static void program(unsigned index, unsigned vcpu, unsigned vector)
{
	table_write(index, 0, 0xfee00000u | vcpu << 12);
	table_write(index, 4, 0);
	table_write(index, 8, vector);
	table_write(index, 12, 0);
}

static unsigned held(void)
{
	return fake.allocs - fake.frees;
}

static void irte_per_entry_enabled_only(void **state)
{
	(void)state;
	setup(POOL);
	assert_int_equal(held(), 0);       /* none at setup */
	for (unsigned i = 0; i < ENTRIES; i++)
		assert_true(fake.entry[i].masked);
	assert_int_equal(passthrough_msix_control(&dev, true, false), 0);
	assert_int_equal(held(), 0);       /* enabling MSI-X takes none */
	/* Every entry of 65, the last ones beyond 32 included. */
	for (unsigned i = 0; i < ENTRIES; i++)
		program(i, i % 2, 0x40 + i);
	assert_int_equal(held(), ENTRIES);
	assert_int_equal(dev.msix.stats.refused, 0);
	for (unsigned i = 0; i < ENTRIES; i++) {
		struct phys_entry *e = &fake.entry[i];
		assert_false(e->masked);
		assert_true(e->data < POOL);
		assert_int_equal(fake.irte_vector[e->data], 0x40 + i);
		assert_int_equal(fake.irte_vcpu[e->data], i % 2);
		for (unsigned k = 0; k < i; k++)
			assert_int_not_equal(fake.entry[k].data, e->data);
	}
	assert_int_equal(fake.decode_off_touches, 0);
	passthrough_msix_release(&dev);
	assert_int_equal(held(), 0);
	assert_int_equal(fake.frees, ENTRIES);
	assert_false(dev.has_msix);
	assert_true(fake.msix_ctrl & PCI_MSIX_FLAGS_MASKALL);
	assert_false(fake.msix_ctrl & PCI_MSIX_FLAGS_ENABLE);
}

static void only_the_used_entries_hold_irtes(void **state)
{
	(void)state;
	setup(POOL);
	passthrough_msix_control(&dev, true, false);
	program(0, 0, 0x50);
	program(64, 1, 0x51);
	table_write(10, 0, 0xfee00000u);   /* written but left masked */
	table_write(10, 8, 0x52);
	assert_int_equal(held(), 2);
	assert_true(fake.entry[10].masked);
	assert_false(fake.entry[10].written);
	passthrough_msix_release(&dev);
	assert_int_equal(held(), 0);
}

/* Masked and unmasked again, Function Mask toggled, retargeted: the IRTE
 * stays the entry's; a retarget of an unmasked entry is the IRTE's alone. */
static void irte_kept_across_mask_and_retarget(void **state)
{
	(void)state;
	setup(POOL);
	passthrough_msix_control(&dev, true, false);
	program(3, 0, 0x60);
	uint32_t handle = fake.entry[3].data;
	table_write(3, 12, 1);
	assert_true(fake.entry[3].masked);
	table_write(3, 12, 0);
	assert_false(fake.entry[3].masked);
	assert_int_equal(fake.entry[3].data, handle);
	passthrough_msix_control(&dev, true, true);
	assert_true(fake.entry[3].masked);
	passthrough_msix_control(&dev, true, false);
	assert_false(fake.entry[3].masked);
	assert_int_equal(held(), 1);
	/* Retarget while unmasked: vCPU 1, vector 0x61. */
	fake.entry[3].written = false;
	table_write(3, 0, 0xfee01000u);
	table_write(3, 8, 0x61);
	assert_false(fake.entry[3].written);      /* the physical entry untouched */
	assert_int_equal(fake.irte_vcpu[handle], 1);
	assert_int_equal(fake.irte_vector[handle], 0x61);
	assert_int_equal(held(), 1);
	passthrough_msix_release(&dev);
	assert_int_equal(held(), 0);
}

/* A refused message leaves the entry masked and takes no IRTE; an IRTE
 * table run dry refuses the entries beyond it, the others work. */
static void refusals_and_a_full_table(void **state)
{
	(void)state;
	setup(POOL);
	passthrough_msix_control(&dev, true, false);
	program(0, 5, 0x40);                /* not a vCPU of the guest */
	program(1, 0, 0x10);                /* exception vector */
	assert_int_equal(held(), 0);
	assert_true(fake.entry[0].masked && fake.entry[1].masked);
	assert_int_equal(dev.msix.stats.refused, 2);
	passthrough_msix_release(&dev);

	setup(4);
	passthrough_msix_control(&dev, true, false);
	for (unsigned i = 0; i < 6; i++)
		program(i, 0, 0x40 + i);
	assert_int_equal(held(), 4);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(fake.entry[i].masked, i >= 4);
	assert_int_equal(dev.msix.stats.refused, 2);
	passthrough_msix_release(&dev);
	assert_int_equal(held(), 0);
}

/* The guest turned memory decoding off: hv's table writes still land (a
 * mask dropped by the device would leave an entry live), and the command
 * register is the guest's again afterwards. */
static void table_reached_with_decoding_off(void **state)
{
	(void)state;
	setup(POOL);
	passthrough_msix_control(&dev, true, false);
	program(2, 0, 0x70);
	fake.cmd = PCI_COMMAND_BUS_MASTER;
	table_write(2, 12, 1);
	assert_true(fake.entry[2].masked);
	program(7, 1, 0x71);
	assert_false(fake.entry[7].masked);
	assert_int_equal(fake.decode_off_touches, 0);
	assert_int_equal(fake.cmd, PCI_COMMAND_BUS_MASTER);
	passthrough_msix_release(&dev);
	assert_int_equal(held(), 0);
}

/* The guest reset the function: every entry masked, in its view and
 * physically, MSI-X off; the IRTEs stay the entries' and each entry's
 * next unmasking writes its message whole again (the FLR cleared it). */
static void reset_masks_and_keeps_irtes(void **state)
{
	(void)state;
	setup(POOL);
	passthrough_msix_control(&dev, true, false);
	program(2, 1, 0x70);
	program(7, 0, 0x71);
	uint32_t handle = fake.entry[2].data;
	assert_int_equal(held(), 2);

	passthrough_msix_reset(&dev);
	for (unsigned i = 0; i < ENTRIES; i++) {
		uint64_t ctrl = 0;
		assert_true(fake.entry[i].masked);
		assert_false(dev.msix_vector[i].unmasked);
		assert_int_equal(vmsix_access(&dev.msix, TABLE_BAR, i * 16u + 12, false, 4, &ctrl),
				 0);
		assert_int_equal(ctrl, 1);
	}
	assert_true(fake.msix_ctrl & PCI_MSIX_FLAGS_MASKALL);
	assert_false(fake.msix_ctrl & PCI_MSIX_FLAGS_ENABLE);
	assert_false(dev.msix.enabled);
	assert_int_equal(held(), 2);
	assert_int_equal(fake.frees, 0);
	assert_int_equal(fake.decode_off_touches, 0);

	/* As the guest's driver sets it up again: the same IRTE, rewritten. */
	fake.entry[2].written = false;
	passthrough_msix_control(&dev, true, false);
	program(2, 0, 0x72);
	assert_true(fake.entry[2].written);
	assert_false(fake.entry[2].masked);
	assert_int_equal(fake.entry[2].data, handle);
	assert_int_equal(fake.irte_vcpu[handle], 0);
	assert_int_equal(fake.irte_vector[handle], 0x72);
	assert_int_equal(held(), 2);
	passthrough_msix_release(&dev);
	assert_int_equal(held(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(irte_per_entry_enabled_only),
		cmocka_unit_test(only_the_used_entries_hold_irtes),
		cmocka_unit_test(irte_kept_across_mask_and_retarget),
		cmocka_unit_test(reset_masks_and_keeps_irtes),
		cmocka_unit_test(refusals_and_a_full_table),
		cmocka_unit_test(table_reached_with_decoding_off),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	free_allocated();
	return failed;
}
