/* The audit's expectation built from the guests as hv built them and the
 * units as their registers say, and what the audit found, printed. */
#include "hv/remap/audit.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/time.h"
#include "hv/guest/partition.h"
#include "hv/remap/audit_check.h"
#include "hv/remap/units.h"
#include "iommu/dmar_model.h"

#include <errno.h>

/* Violations printed in full at boot (the rest are counted), and at run
 * time over the whole run. */
#define BOOT_LINES_MAX 32
#define RUNTIME_LINES_MAX 8
/* Table pages one walk may read: 256 MiB of tables, 128 GiB in 4K leaves. */
#define WALK_TABLES_MAX 65536

_Static_assert(GUEST_MAX <= AUDIT_GUESTS_MAX, "every guest audited");
_Static_assert(CONFIG_GUEST_PCI_MAX <= AUDIT_DEVICES_MAX, "every device audited");
_Static_assert(HV_GUEST_MAX_CPUS <= AUDIT_CPUS_MAX, "every vCPU audited");
_Static_assert(PCI_MAX_ALIASES <= AUDIT_SIDS_MAX, "every alias audited");
_Static_assert(IOMMU_MAX_UNITS <= AUDIT_UNITS_MAX, "every unit audited");

static struct audit_expect expect;
static const struct memmap *memory;
static enum audit_mode audit_mode = AUDIT_OFF;
static unsigned lines_left;
/* Run-time checks, counted on whichever guest CPU made them. */
static unsigned long runtime_checked, runtime_violations;

static bool readable_type(enum mem_type t)
{
	return t == MEM_USABLE || t == MEM_HYPERVISOR || t == MEM_BOOT_SERVICES;
}

/* RAM only: a stray pointer into MMIO must not be read (reads there may
 * have side effects). Memory is identity-mapped. */
static const uint64_t *read_page(void *ctx, uint64_t phys)
{
	(void)ctx;
	if (!readable_type(memmap_type_of(memory, phys, PAGE_SIZE)))
		return NULL;
	return (const uint64_t *)(uintptr_t)phys;
}

/* RAM that is not a guest's is hv's: merged into at most AUDIT_HV_MEM_MAX
 * ranges, only to name what a stray mapping reaches. */
static void expect_hv_memory(struct audit_expect *e, const struct memmap *map)
{
	for (unsigned i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->region[i];
		if (!readable_type(r->type))
			continue;
		unsigned n = e->hv_mem_count;
		if (n && (e->hv_mem[n - 1].base + e->hv_mem[n - 1].size == r->base ||
			  n == AUDIT_HV_MEM_MAX)) {
			e->hv_mem[n - 1].size = mem_region_end(r) - e->hv_mem[n - 1].base;
			continue;
		}
		e->hv_mem[n].base = r->base;
		e->hv_mem[n].size = r->pages * PAGE_SIZE;
		e->hv_mem_count++;
	}
}

static void expect_units(struct audit_expect *e)
{
	e->unit_count = iommu_unit_count();
	for (unsigned i = 0; i < e->unit_count; i++) {
		struct vtd_unit *u = iommu_unit(i);
		if (!u)
			continue;
		e->unit[i] = (struct audit_unit){
			.translating = u->enabled,
			.rtaddr = vtd_read64(u, VTD_RTADDR),
			.aw = u->levels - 2,
			.remapping = u->ir_enabled,
			.irta = u->ir_enabled ? vtd_read64(u, VTD_IRTA) : 0,
		};
	}
}

static int add_rmrr(void *ctx, const struct dmar_structure *s, uint64_t base, uint64_t size)
{
	struct audit_device *d = ctx;

	(void)s;
	if (d->rmrr_count == AUDIT_RMRRS_MAX)
		return -ENOSPC;
	d->rmrr[d->rmrr_count++] = (struct audit_window){
		.iova = base, .hpa = base, .size = size, .read = true, .write = true };
	return 0;
}

static void expect_device(struct audit_device *d, const struct pt_device *dev)
{
	const struct pci_function *f = dev->fn;

	*d = (struct audit_device){
		.unit = (unsigned)f->unit,
		.bdf = (uint16_t)(f->bdf.bus << 8 | f->bdf.dev << 3 | f->bdf.fn),
		.sid_count = f->alias_count,
		.did = dev->domain->did,
		.table = dev->domain->pt.root,
	};
	for (unsigned k = 0; k < f->alias_count; k++)
		d->sid[k] = f->alias[k];
	if (iommu_for_each_rmrr(f, add_rmrr, d) < 0)
		log_warn("audit: %02x:%02x.%u has more RMRRs than the audit allows; the rest count "
			 "as violations\n", f->bdf.bus, f->bdf.dev, f->bdf.fn);
}

/* What hv/pci/passthrough.c maps: the guest's RAM without the legacy hole. */
static void expect_guest(struct audit_guest *ag, const struct guest *g)
{
	*ag = (struct audit_guest){
		.name = g->name, .ram = g->ram, .ram_size = g->mem_size, .window_count = 2,
		.window = {
			{ 0, g->ram, HV_GUEST_LEGACY_HOLE, true, true },
			{ HV_GUEST_LEGACY_END, g->ram + HV_GUEST_LEGACY_END,
			  g->mem_size - HV_GUEST_LEGACY_END, true, true } },
		.cpu_count = g->vcpu_count,
		.device_count = g->pt.count,
	};
	for (unsigned i = 0; i < g->vcpu_count; i++)
		ag->apic_id[i] = g->vcpu[i].apic_id;
	for (unsigned k = 0; k < g->pt.count; k++)
		expect_device(&ag->device[k], &g->pt.dev[k]);
}

static void print_violation(void *ctx, const char *text)
{
	(void)ctx;
	if (lines_left) {
		lines_left--;
		log_err("audit: %s\n", text);
	}
}

static void print_tallies(const struct audit_report *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct audit_tally *t = &r->guest[i];
		log_info("audit: guest %s: %u device%s, %u domain%s, %llu pages mapped, %u IRTE%s, "
			 "%u violation%s\n", expect.guest[i].name, t->devices,
			 t->devices == 1 ? "" : "s", t->domains, t->domains == 1 ? "" : "s",
			 (unsigned long long)t->pages, t->irtes, t->irtes == 1 ? "" : "s",
			 t->violations, t->violations == 1 ? "" : "s");
	}
	log_info("audit: hv: %u IRTE%s, %u violation%s outside the guests\n", r->hv.irtes,
		 r->hv.irtes == 1 ? "" : "s", r->hv.violations, r->hv.violations == 1 ? "" : "s");
}

int audit_guests(const struct boot_info *bi, struct guest *guests, unsigned n,
		 enum audit_mode mode)
{
	struct audit_report r = { .violation = print_violation };

	if (mode == AUDIT_OFF || !iommu_active()) {
		log_info("audit: %s: the VT-d tables are not read back\n",
			 mode == AUDIT_OFF ? "off (audit=off)" : "no VT-d unit is up");
		return 0;
	}
	memory = &bi->memmap;
	expect = (struct audit_expect){ .mem = { read_page, NULL }, .guest_count = n,
					.max_tables = WALK_TABLES_MAX };
	expect_units(&expect);
	expect_hv_memory(&expect, &bi->memmap);
	for (unsigned i = 0; i < n; i++)
		expect_guest(&expect.guest[i], &guests[i]);
	lines_left = BOOT_LINES_MAX;
	uint64_t start = time_ns();
	unsigned violations = audit_check(&expect, &r);
	uint64_t took = time_ns() - start;
	print_tallies(&r, n);
	audit_mode = mode;
	lines_left = RUNTIME_LINES_MAX;
	if (!violations) {
		log_info("audit: %u unit%s read back in %llu us: 0 violations\n", expect.unit_count,
			 expect.unit_count == 1 ? "" : "s", (unsigned long long)(took / 1000));
		return 0;
	}
	if (mode == AUDIT_WARN) {
		log_warn("audit: %u violations; audit=warn: the guests start anyway\n", violations);
		return 0;
	}
	log_err("audit: %u violations; no guest starts\n", violations);
	return -EPERM;
}

int audit_route_entry(struct guest *g, const struct irq_route *r, unsigned sub)
{
	struct audit_report rep = { .violation = print_violation };

	if (audit_mode == AUDIT_OFF || !r->unit || sub >= r->count)
		return 0;
	__atomic_add_fetch(&runtime_checked, 1, __ATOMIC_RELAXED);
	if (!audit_check_irte(&expect, r->unit->index, r->first + sub, &rep))
		return 0;
	__atomic_add_fetch(&runtime_violations, 1, __ATOMIC_RELAXED);
	if (audit_mode == AUDIT_WARN)
		return 0;
	irq_route_mask(r, sub);
	guest_stop(g, -1, true, "audit: an IRTE hv wrote for it breaks isolation");
	return -EPERM;
}

void audit_print_runtime(void)
{
	if (audit_mode == AUDIT_OFF)
		return;
	log_info("audit: %lu IRTE%s rewritten for guests and audited at run time, %lu with "
		 "violations\n", __atomic_load_n(&runtime_checked, __ATOMIC_RELAXED),
		 runtime_checked == 1 ? "" : "s",
		 __atomic_load_n(&runtime_violations, __ATOMIC_RELAXED));
}
