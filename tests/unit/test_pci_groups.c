/* arch/x86/pci_enum.c, iommu/group.c and iommu/dmar_match.c over a
 * synthetic configuration space: enumeration through bridges, capability
 * lists (broken ones too), DMA aliases and IOMMU groups by Linux's rules,
 * and the remapping unit of each function. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/mcfg.h"
#include "arch/x86/pci_enum.h"
#include "iommu/dmar_match.h"
#include "iommu/group.h"
#include "tests/unit/log_stub.h"

#define MAX_FAKE 64

struct fake_fn {
	struct pci_bdf bdf;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t next_cap;     /* where the next standard capability goes */
	uint16_t next_ext_cap;
};

static struct fake_fn fake[MAX_FAKE];
static unsigned fake_count;
static struct pci_topology topo;
static struct mcfg_info windows = { 1, { { 0xb0000000, 0, 0, 0xff } } };

static bool same_bdf(struct pci_bdf a, struct pci_bdf b)
{
	return a.segment == b.segment && a.bus == b.bus && a.dev == b.dev && a.fn == b.fn;
}

static struct fake_fn *lookup(struct pci_bdf d)
{
	for (unsigned i = 0; i < fake_count; i++)
		if (same_bdf(fake[i].bdf, d))
			return &fake[i];
	return NULL;
}

static uint32_t fake_read32(void *ctx, struct pci_bdf d, uint16_t off)
{
	(void)ctx;
	struct fake_fn *f = lookup(d);
	uint32_t v;

	assert_true(off % 4 == 0 && off < PCI_CFG_SIZE);
	if (!f)
		return 0xffffffffu;
	memcpy(&v, f->cfg + off, 4);
	return v;
}

static void fake_write16(void *ctx, struct pci_bdf d, uint16_t off, uint16_t v)
{
	(void)ctx;
	struct fake_fn *f = lookup(d);

	assert_non_null(f);
	memcpy(f->cfg + off, &v, 2);
}

static const struct pci_config_ops ops = { fake_read32, fake_write16, NULL };

static void put16(struct fake_fn *f, uint16_t off, uint16_t v) { memcpy(f->cfg + off, &v, 2); }
static void put32(struct fake_fn *f, uint16_t off, uint32_t v) { memcpy(f->cfg + off, &v, 4); }

static struct pci_bdf bdf(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return (struct pci_bdf){ 0, bus, dev, fn };
}

static struct fake_fn *add_fn(struct pci_bdf d, uint32_t class_code, bool multifunction)
{
	assert_true(fake_count < MAX_FAKE);
	struct fake_fn *f = &fake[fake_count++];
	memset(f, 0, sizeof(*f));
	f->bdf = d;
	put16(f, PCI_VENDOR_ID, 0x1234);
	put16(f, PCI_DEVICE_ID, 0x11e8);
	put32(f, PCI_CLASS_REVISION, class_code << 8);
	f->cfg[PCI_HEADER_TYPE] = multifunction ? PCI_HEADER_MULTIFUNCTION : 0;
	f->next_cap = PCI_CAP_FIRST;
	f->next_ext_cap = PCI_EXT_CAP_FIRST;
	return f;
}

static struct fake_fn *add_bridge(struct pci_bdf d, uint8_t secondary, uint8_t subordinate)
{
	struct fake_fn *f = add_fn(d, 0x060400, false);
	f->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_BRIDGE;
	f->cfg[PCI_PRIMARY_BUS] = d.bus;
	f->cfg[PCI_SECONDARY_BUS] = secondary;
	f->cfg[PCI_SUBORDINATE_BUS] = subordinate;
	return f;
}

/* Prepends a standard capability to the list. */
static uint8_t add_cap(struct fake_fn *f, uint8_t id)
{
	uint8_t at = f->next_cap;
	f->next_cap += 0x10;
	f->cfg[at] = id;
	f->cfg[at + 1] = f->cfg[PCI_CAPABILITY_LIST];
	f->cfg[PCI_CAPABILITY_LIST] = at;
	put16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
	return at;
}

static void make_pcie(struct fake_fn *f, enum pcie_port_type type)
{
	uint8_t at = add_cap(f, PCI_CAP_ID_EXP);
	put16(f, at + PCI_EXP_FLAGS, (uint16_t)(type << 4 | 2));
}

static void add_acs(struct fake_fn *f, uint16_t caps, uint16_t ctrl)
{
	uint16_t at = f->next_ext_cap;
	f->next_ext_cap += 0x10;
	put32(f, at, PCI_EXT_CAP_ID_ACS | 1u << 16); /* last in the list */
	put16(f, at + PCI_ACS_CAP, caps);
	put16(f, at + PCI_ACS_CTRL, ctrl);
}

static const struct pci_function *fn_at(struct pci_bdf d)
{
	int i = pci_find(&topo, d);
	assert_true(i >= 0);
	return &topo.fn[i];
}

static void enumerate(bool enable_acs)
{
	pci_enumerate(&ops, &windows, enable_acs, &topo);
	iommu_groups_compute(&topo);
}

static uint16_t seen_as(struct pci_bdf d)
{
	const struct pci_function *f = fn_at(d);
	return f->alias[f->alias_count - 1];
}

static int reset(void **state)
{
	(void)state;
	fake_count = 0;
	log_stub_reset();
	return 0;
}

static void test_root_bus_devices_get_own_groups(void **state)
{
	(void)state;
	add_fn(bdf(0, 0, 0), 0x060000, false);
	add_fn(bdf(0, 4, 0), 0x00ff00, false);
	enumerate(false);
	assert_int_equal(topo.count, 2);
	assert_int_equal(topo.group_count, 2);
	assert_int_not_equal(fn_at(bdf(0, 0, 0))->group, fn_at(bdf(0, 4, 0))->group);
	assert_int_equal(fn_at(bdf(0, 4, 0))->alias_count, 1);
	assert_int_equal(seen_as(bdf(0, 4, 0)), 0x0020);
	assert_int_equal(fn_at(bdf(0, 4, 0))->parent, PCI_NO_PARENT);
}

static void root_port_with_device(uint16_t acs_caps)
{
	struct fake_fn *rp = add_bridge(bdf(0, 7, 0), 1, 1);
	make_pcie(rp, PCIE_ROOT_PORT);
	if (acs_caps)
		add_acs(rp, acs_caps, 0);
	struct fake_fn *ep = add_fn(bdf(1, 0, 0), 0x00ff00, false);
	make_pcie(ep, PCIE_ENDPOINT);
}

static void test_root_port_with_acs_isolates(void **state)
{
	(void)state;
	root_port_with_device(PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	enumerate(true);
	const struct pci_function *rp = fn_at(bdf(0, 7, 0)), *ep = fn_at(bdf(1, 0, 0));
	assert_int_equal(topo.acs_enabled, 1);
	assert_int_equal(rp->acs_control & PCI_ACS_ISOLATION, PCI_ACS_ISOLATION);
	assert_int_not_equal(rp->group, ep->group);
	assert_int_equal(ep->parent, pci_find(&topo, bdf(0, 7, 0)));
	assert_int_equal(seen_as(bdf(1, 0, 0)), 0x0100); /* ports forward the ID */
}

static void test_acs_left_off_groups_with_port(void **state)
{
	(void)state;
	root_port_with_device(PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	enumerate(false);
	assert_int_equal(topo.acs_enabled, 0);
	assert_int_equal(fn_at(bdf(0, 7, 0))->group, fn_at(bdf(1, 0, 0))->group);
}

static void test_root_port_without_acs_groups_with_port(void **state)
{
	(void)state;
	root_port_with_device(0);
	enumerate(true);
	assert_int_equal(fn_at(bdf(0, 7, 0))->group, fn_at(bdf(1, 0, 0))->group);
}

/* ACS capability bits the port does not implement count as enabled. */
static void test_acs_unimplemented_bits_are_hardwired(void **state)
{
	(void)state;
	root_port_with_device(PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR); /* no UF */
	enumerate(true);
	assert_int_not_equal(fn_at(bdf(0, 7, 0))->group, fn_at(bdf(1, 0, 0))->group);
}

static void test_pcie_to_pci_bridge_aliases_secondary_bus(void **state)
{
	(void)state;
	struct fake_fn *br = add_bridge(bdf(0, 5, 0), 1, 1);
	make_pcie(br, PCIE_TO_PCI_BRIDGE);
	add_fn(bdf(1, 0, 0), 0x00ff00, false);
	add_fn(bdf(1, 1, 0), 0x00ff00, false);
	add_fn(bdf(0, 4, 0), 0x00ff00, false);
	enumerate(true);
	const struct pci_function *a = fn_at(bdf(1, 0, 0)), *b = fn_at(bdf(1, 1, 0));
	assert_int_equal(a->group, b->group);
	assert_int_equal(a->group, fn_at(bdf(0, 5, 0))->group);
	assert_int_not_equal(a->group, fn_at(bdf(0, 4, 0))->group);
	/* 01:00.0's own ID is the alias; 01:01.0 has two. */
	assert_int_equal(a->alias_count, 1);
	assert_int_equal(b->alias_count, 2);
	assert_int_equal(b->alias[0], 0x0108);
	assert_int_equal(seen_as(bdf(1, 0, 0)), 0x0100); /* (secondary bus, 00.0) */
	assert_int_equal(seen_as(bdf(1, 1, 0)), 0x0100);
	assert_int_equal(topo.group_count, 2);
}

static void test_conventional_bridge_aliases_itself(void **state)
{
	(void)state;
	add_bridge(bdf(0, 0x1e, 0), 2, 2); /* no PCIe capability */
	add_fn(bdf(2, 3, 0), 0x020000, false);
	enumerate(true);
	assert_int_equal(seen_as(bdf(2, 3, 0)), 0x00f0); /* 00:1e.0 */
	assert_int_equal(fn_at(bdf(2, 3, 0))->group, fn_at(bdf(0, 0x1e, 0))->group);
}

static void test_multifunction_without_acs_is_one_group(void **state)
{
	(void)state;
	add_fn(bdf(0, 6, 0), 0x00ff00, true);
	add_fn(bdf(0, 6, 1), 0x00ff00, true);
	add_fn(bdf(0, 6, 2), 0x00ff00, true);
	enumerate(true);
	assert_int_equal(topo.count, 3);
	assert_true(fn_at(bdf(0, 6, 1))->multifunction);
	assert_int_equal(fn_at(bdf(0, 6, 0))->group, fn_at(bdf(0, 6, 1))->group);
	assert_int_equal(fn_at(bdf(0, 6, 0))->group, fn_at(bdf(0, 6, 2))->group);
	assert_int_equal(topo.group_count, 1);
}

static void test_multifunction_with_acs_is_split(void **state)
{
	(void)state;
	for (uint8_t fn = 0; fn < 2; fn++) {
		struct fake_fn *f = add_fn(bdf(0, 6, fn), 0x020000, true);
		make_pcie(f, PCIE_ENDPOINT);
		add_acs(f, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF, 0);
	}
	enumerate(true);
	assert_int_not_equal(fn_at(bdf(0, 6, 0))->group, fn_at(bdf(0, 6, 1))->group);
}

static void test_functions_after_gap_are_found_only_if_multifunction(void **state)
{
	(void)state;
	add_fn(bdf(0, 3, 0), 0x00ff00, false);
	add_fn(bdf(0, 3, 2), 0x00ff00, false); /* fn 0 says single function */
	add_fn(bdf(0, 8, 0), 0x00ff00, true);
	add_fn(bdf(0, 8, 3), 0x00ff00, true); /* gap at 1-2 is fine */
	enumerate(false);
	assert_int_equal(pci_find(&topo, bdf(0, 3, 2)), -1);
	assert_true(pci_find(&topo, bdf(0, 8, 3)) >= 0);
}

static void test_capability_loop_terminates(void **state)
{
	(void)state;
	struct fake_fn *f = add_fn(bdf(0, 4, 0), 0x00ff00, false);
	uint8_t msi = add_cap(f, PCI_CAP_ID_MSI);
	f->cfg[msi + 1] = msi; /* points at itself */
	struct fake_fn *g = add_fn(bdf(0, 5, 0), 0x00ff00, false);
	uint8_t x = add_cap(g, PCI_CAP_ID_MSIX);
	g->cfg[x + 1] = 0x20; /* into the header */
	enumerate(false);
	assert_true(fn_at(bdf(0, 4, 0))->bad_capability_list);
	assert_int_equal(fn_at(bdf(0, 4, 0))->msi_cap, msi);
	assert_true(fn_at(bdf(0, 5, 0))->bad_capability_list);
	assert_int_equal(fn_at(bdf(0, 5, 0))->msix_cap, x);
}

static void test_extended_capability_loop_terminates(void **state)
{
	(void)state;
	struct fake_fn *f = add_fn(bdf(0, 4, 0), 0x00ff00, false);
	make_pcie(f, PCIE_ENDPOINT);
	put32(f, 0x100, 0x0001 | 0x100u << 20); /* AER pointing at itself */
	enumerate(true);
	assert_true(fn_at(bdf(0, 4, 0))->bad_capability_list);
	assert_int_equal(fn_at(bdf(0, 4, 0))->acs_cap, 0);
}

static void test_capabilities_found(void **state)
{
	(void)state;
	struct fake_fn *f = add_fn(bdf(0, 4, 0), 0x00ff00, false);
	uint8_t msi = add_cap(f, PCI_CAP_ID_MSI);
	uint8_t msix = add_cap(f, PCI_CAP_ID_MSIX);
	make_pcie(f, PCIE_RC_INTEGRATED_ENDPOINT);
	put32(f, 0x100, 0x0001 | 1u << 16 | 0x140u << 20); /* AER, then ACS */
	f->next_ext_cap = 0x140;
	add_acs(f, PCI_ACS_SV, 0);
	enumerate(false);
	const struct pci_function *p = fn_at(bdf(0, 4, 0));
	assert_int_equal(p->msi_cap, msi);
	assert_int_equal(p->msix_cap, msix);
	assert_int_equal(p->pcie_type, PCIE_RC_INTEGRATED_ENDPOINT);
	assert_int_equal(p->acs_cap, 0x140);
	assert_false(p->bad_capability_list);
}

/* Only a PCIe function whose Device Capabilities say so offers FLR. */
static void test_flr_found(void **state)
{
	(void)state;
	struct fake_fn *with = add_fn(bdf(0, 4, 0), 0x010802, false);
	make_pcie(with, PCIE_ENDPOINT);
	put32(with, with->cfg[PCI_CAPABILITY_LIST] + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_FLR | 0x1f);
	struct fake_fn *without = add_fn(bdf(0, 5, 0), 0x010802, false);
	make_pcie(without, PCIE_ENDPOINT);
	put32(without, without->cfg[PCI_CAPABILITY_LIST] + PCI_EXP_DEVCAP, ~PCI_EXP_DEVCAP_FLR);
	struct fake_fn *conventional = add_fn(bdf(0, 6, 0), 0x00ff00, false);
	put32(conventional, 0x44, PCI_EXP_DEVCAP_FLR); /* no capability points here */
	enumerate(false);
	assert_true(fn_at(bdf(0, 4, 0))->has_flr);
	assert_false(fn_at(bdf(0, 5, 0))->has_flr);
	assert_false(fn_at(bdf(0, 6, 0))->has_flr);
}

static void test_bad_bridge_range_not_followed(void **state)
{
	(void)state;
	add_bridge(bdf(1, 0, 0), 1, 1);        /* on a bus it would loop to */
	add_bridge(bdf(0, 2, 0), 1, 1);
	add_bridge(bdf(0, 3, 0), 0, 4);        /* secondary below its own bus */
	enumerate(false);
	assert_true(topo.bad_bridges >= 2);
	assert_int_equal(fn_at(bdf(1, 0, 0))->parent, pci_find(&topo, bdf(0, 2, 0)));
}

static void test_unreachable_root_bus_scanned(void **state)
{
	(void)state;
	add_fn(bdf(0, 0, 0), 0x060000, false);
	add_fn(bdf(0x80, 1, 0), 0x00ff00, false); /* a second host bridge's bus */
	enumerate(false);
	assert_int_equal(topo.count, 2);
	assert_int_equal(fn_at(bdf(0x80, 1, 0))->parent, PCI_NO_PARENT);
}

/* A DMAR with an endpoint-scope unit, a bridge-scope unit, an ignored unit
 * and the INCLUDE_PCI_ALL unit, built directly in the model. */
static struct dmar_table *dmar_with_units(void)
{
	struct dmar_table *dt = calloc(1, sizeof(*dt));
	assert_non_null(dt);
	struct dmar_scope *sc = dt->scope;
	sc[0] = (struct dmar_scope){ .type = DMAR_SCOPE_ENDPOINT, .start_bus = 0,
				     .path_len = 1, .path = { { 4, 0 } } };
	sc[1] = (struct dmar_scope){ .type = DMAR_SCOPE_BRIDGE, .start_bus = 0,
				     .path_len = 1, .path = { { 5, 0 } } };
	sc[2] = (struct dmar_scope){ .type = DMAR_SCOPE_ENDPOINT, .start_bus = 0,
				     .path_len = 2, .path = { { 5, 0 }, { 1, 0 } } };
	dt->scope_count = 3;
	struct dmar_structure *s = dt->structure;
	s[0] = (struct dmar_structure){ .type = DMAR_DRHD, .first_scope = 0, .scope_count = 1 };
	s[1] = (struct dmar_structure){ .type = DMAR_RMRR, .first_scope = 2, .scope_count = 1 };
	s[2] = (struct dmar_structure){ .type = DMAR_DRHD, .ignored = true, .first_scope = 2,
					.scope_count = 1 };
	s[3] = (struct dmar_structure){ .type = DMAR_DRHD, .first_scope = 1, .scope_count = 1 };
	s[4] = (struct dmar_structure){ .type = DMAR_DRHD };
	s[4].drhd.flags = DRHD_FLAG_INCLUDE_PCI_ALL;
	dt->structure_count = 5;
	return dt;
}

static void test_units_from_scopes_then_include_all(void **state)
{
	(void)state;
	add_fn(bdf(0, 0, 0), 0x060000, false);
	add_fn(bdf(0, 4, 0), 0x00ff00, false);
	struct fake_fn *br = add_bridge(bdf(0, 5, 0), 1, 2);
	make_pcie(br, PCIE_TO_PCI_BRIDGE);
	add_fn(bdf(1, 0, 0), 0x00ff00, false);
	add_fn(bdf(1, 1, 0), 0x00ff00, false);
	enumerate(true);
	struct dmar_table *dt = dmar_with_units();
	dmar_assign_units(dt, &topo);
	assert_int_equal(fn_at(bdf(0, 4, 0))->unit, 0);  /* endpoint scope */
	assert_int_equal(fn_at(bdf(0, 5, 0))->unit, 2);  /* the bridge itself */
	assert_int_equal(fn_at(bdf(1, 0, 0))->unit, 2);  /* below it; ignored unit skipped */
	assert_int_equal(fn_at(bdf(1, 1, 0))->unit, 2);
	assert_int_equal(fn_at(bdf(0, 0, 0))->unit, 3);  /* INCLUDE_PCI_ALL */
	assert_int_equal(dmar_scope_resolve(&dt->scope[2], 0, &topo), pci_find(&topo, bdf(1, 1, 0)));

	/* A path through a non-bridge or to an absent function resolves to nothing. */
	struct dmar_scope through_endpoint = { .type = DMAR_SCOPE_ENDPOINT, .path_len = 2,
					       .path = { { 4, 0 }, { 0, 0 } } };
	struct dmar_scope absent = { .type = DMAR_SCOPE_ENDPOINT, .path_len = 1,
				     .path = { { 9, 0 } } };
	assert_int_equal(dmar_scope_resolve(&through_endpoint, 0, &topo), -1);
	assert_int_equal(dmar_scope_resolve(&absent, 0, &topo), -1);

	/* Without an INCLUDE_PCI_ALL unit, an unscoped function has none. */
	dt->structure_count = 4;
	assert_int_equal(dmar_unit_of(dt, &topo, (unsigned)pci_find(&topo, bdf(0, 0, 0))), -1);
	free(dt);
}

/* An IOAPIC's source ID: QEMU's one-hop FF:00.0, and one behind a bridge
 * whose secondary bus gives the last hop's bus; no scope, a duplicate
 * marked ignored, or an absent bridge give nothing. */
static void test_ioapic_source_from_scope(void **state)
{
	(void)state;
	add_fn(bdf(0, 0, 0), 0x060000, false);
	add_bridge(bdf(0, 0x1c, 0), 3, 3);
	enumerate(true);
	struct dmar_table *dt = calloc(1, sizeof(*dt));
	assert_non_null(dt);
	struct dmar_scope *sc = dt->scope;
	sc[0] = (struct dmar_scope){ .type = DMAR_SCOPE_ENDPOINT, .path_len = 1,
				     .path = { { 4, 0 } } };
	sc[1] = (struct dmar_scope){ .type = DMAR_SCOPE_IOAPIC, .enumeration_id = 0,
				     .start_bus = 0xff, .path_len = 1, .path = { { 0, 0 } } };
	sc[2] = (struct dmar_scope){ .type = DMAR_SCOPE_IOAPIC, .enumeration_id = 8,
				     .start_bus = 0, .path_len = 2,
				     .path = { { 0x1c, 0 }, { 0, 7 } } };
	sc[3] = (struct dmar_scope){ .type = DMAR_SCOPE_IOAPIC, .enumeration_id = 9,
				     .start_bus = 0, .path_len = 2,
				     .path = { { 0x1d, 0 }, { 0, 0 } } };
	sc[4] = (struct dmar_scope){ .type = DMAR_SCOPE_IOAPIC, .enumeration_id = 10,
				     .ignored = true, .path_len = 1, .path = { { 1, 0 } } };
	dt->scope_count = 5;
	dt->structure[0] = (struct dmar_structure){ .type = DMAR_DRHD, .first_scope = 0,
						    .scope_count = 1 };
	dt->structure[1] = (struct dmar_structure){ .type = DMAR_DRHD, .first_scope = 1,
						    .scope_count = 4 };
	dt->structure_count = 2;

	int unit = -1;
	uint16_t sid = 0;
	assert_int_equal(dmar_ioapic_source(dt, &topo, 0, &unit, &sid), 0);
	assert_int_equal(unit, 1);
	assert_int_equal(sid, 0xff00);
	assert_int_equal(dmar_ioapic_source(dt, &topo, 8, &unit, &sid), 0);
	assert_int_equal(sid, 0x0307); /* bus 3 (the bridge's secondary), 00.7 */
	assert_int_equal(dmar_ioapic_source(dt, &topo, 9, &unit, &sid), -ENODEV);
	assert_int_equal(dmar_ioapic_source(dt, &topo, 10, &unit, &sid), -ENOENT);
	assert_int_equal(dmar_ioapic_source(dt, &topo, 1, &unit, &sid), -ENOENT);
	dt->structure[1].ignored = true;
	assert_int_equal(dmar_ioapic_source(dt, &topo, 0, &unit, &sid), -ENOENT);
	free(dt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_root_bus_devices_get_own_groups, reset),
		cmocka_unit_test_setup(test_root_port_with_acs_isolates, reset),
		cmocka_unit_test_setup(test_acs_left_off_groups_with_port, reset),
		cmocka_unit_test_setup(test_root_port_without_acs_groups_with_port, reset),
		cmocka_unit_test_setup(test_acs_unimplemented_bits_are_hardwired, reset),
		cmocka_unit_test_setup(test_pcie_to_pci_bridge_aliases_secondary_bus, reset),
		cmocka_unit_test_setup(test_conventional_bridge_aliases_itself, reset),
		cmocka_unit_test_setup(test_multifunction_without_acs_is_one_group, reset),
		cmocka_unit_test_setup(test_multifunction_with_acs_is_split, reset),
		cmocka_unit_test_setup(test_functions_after_gap_are_found_only_if_multifunction, reset),
		cmocka_unit_test_setup(test_capability_loop_terminates, reset),
		cmocka_unit_test_setup(test_extended_capability_loop_terminates, reset),
		cmocka_unit_test_setup(test_capabilities_found, reset),
		cmocka_unit_test_setup(test_flr_found, reset),
		cmocka_unit_test_setup(test_bad_bridge_range_not_followed, reset),
		cmocka_unit_test_setup(test_unreachable_root_bus_scanned, reset),
		cmocka_unit_test_setup(test_units_from_scopes_then_include_all, reset),
		cmocka_unit_test_setup(test_ioapic_source_from_scope, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
