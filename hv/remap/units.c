#include "hv/remap/units.h"
#include "arch/x86/cpu.h"
#include "arch/x86/irq.h"
#include "arch/x86/lapic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/time.h"
#include "hv/remap/irq_route.h"
#include "arch/x86/log.h"
#include "hv/options.h"
#include "arch/x86/page.h"
#include "hv/platform.h"
#include "iommu/dmar_match.h"
#include "iommu/vtd_caps.h"
#include "iommu/vtd_fault_reason.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Faults printed per requester before the log goes quiet about it. */
#define FAULT_PRINT_LIMIT 8
/* Faults of one requester that make it a storm (see iommu_set_fault_storm_handler). */
#define FAULT_STORM 16
#define FAULT_COUNTERS 64
#define CACHE_LINE 64

static struct vtd_unit *units[IOMMU_MAX_UNITS];
/* Per unit, an empty domain that quarantined devices are parked in. */
static struct vtd_domain blocking[IOMMU_MAX_UNITS];
static bool blocking_ready[IOMMU_MAX_UNITS];
static unsigned unit_count;
static struct iommu_fault_log fault_log;
/* Fault event interrupts taken, per CPU: all on the service CPU. */
#define FAULT_EVENT_CPUS 64
static unsigned long fault_events[FAULT_EVENT_CPUS];
static struct {
	uint16_t sid;
	unsigned long count;
} fault_counters[FAULT_COUNTERS];

/* ---- the environment the iommu/ code runs in ------------------------------ */

static uint32_t env_read32(void *ctx, uint64_t base, unsigned off)
{
	(void)ctx;
	return mmio_read32(base + off);
}

static uint64_t env_read64(void *ctx, uint64_t base, unsigned off)
{
	(void)ctx;
	return mmio_read64(base + off);
}

static void env_write32(void *ctx, uint64_t base, unsigned off, uint32_t v)
{
	(void)ctx;
	mmio_write32(base + off, v);
}

static void env_write64(void *ctx, uint64_t base, unsigned off, uint64_t v)
{
	(void)ctx;
	*(volatile uint64_t *)(uintptr_t)(base + off) = v;
}

static void *env_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

static void env_clflush(void *ctx, const void *p, size_t len)
{
	(void)ctx;
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(CACHE_LINE - 1);

	__asm__ volatile("mfence" ::: "memory");
	for (; a < (uintptr_t)p + len; a += CACHE_LINE)
		__asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
	__asm__ volatile("mfence" ::: "memory");
}

static uint64_t env_now_us(void *ctx)
{
	(void)ctx;
	return time_ns() / 1000;
}

static uint64_t env_lock(struct vtd_unit *u)
{
	return spin_lock((struct spinlock *)&u->queue_lock);
}

static void env_unlock(struct vtd_unit *u, uint64_t token)
{
	spin_unlock((struct spinlock *)&u->queue_lock, token);
}

static const struct vtd_env hv_vtd_env = {
	.lock = env_lock,
	.unlock = env_unlock,
	.read32 = env_read32,
	.read64 = env_read64,
	.write32 = env_write32,
	.write64 = env_write64,
	.alloc_page = page_table_alloc,
	.free_page = page_table_free,
	.ptr = env_ptr,
	.clflush = env_clflush,
	.now_us = env_now_us,
};

/* ---- faults --------------------------------------------------------------- */

static unsigned long *counter_of(uint16_t sid)
{
	for (unsigned i = 0; i < FAULT_COUNTERS; i++) {
		if (fault_counters[i].count && fault_counters[i].sid == sid)
			return &fault_counters[i].count;
		if (!fault_counters[i].count) {
			fault_counters[i].sid = sid;
			return &fault_counters[i].count;
		}
	}
	return NULL;
}

/* Requesters given to guests, by name, for the fault log. */
#define OWNERS_MAX 64
static struct {
	uint16_t sid;
	const char *name;
} owners[OWNERS_MAX];
static unsigned owner_count;

void iommu_set_owner(uint16_t sid, const char *guest)
{
	for (unsigned i = 0; i < owner_count; i++)
		if (owners[i].sid == sid) {
			owners[i].name = guest;
			return;
		}
	if (owner_count < OWNERS_MAX)
		owners[owner_count++] = (typeof(owners[0])){ sid, guest };
}

/* Who the requester belongs to: a guest it was given to, else a present
 * context entry means the hypervisor's own drivers took it. */
static const char *owner_of(const struct vtd_fault *f)
{
	struct vtd_unit *u = iommu_unit(f->unit);

	for (unsigned i = 0; i < owner_count; i++)
		if (owners[i].sid == f->sid && owners[i].name)
			return owners[i].name;
	return u && vtd_context_domain(u, f->sid) >= 0 ? "hypervisor" : "nobody";
}

static void (*storm_handler)(uint16_t sid);

void iommu_set_fault_storm_handler(void (*fn)(uint16_t sid))
{
	storm_handler = fn;
}

static void record_fault(const struct vtd_fault *f, void *ctx)
{
	(void)ctx;
	unsigned long *count = counter_of(f->sid);
	unsigned long n = count ? ++*count : 0;

	fault_log.entry[fault_log.total++ % IOMMU_FAULT_LOG] = *f;
	if (n == FAULT_STORM && storm_handler)
		storm_handler(f->sid);
	if (n > FAULT_PRINT_LIMIT)
		return;
	log_warn("vt-d unit %u: %s fault from %02x:%02x.%u (owner %s) at %#llx: %s (%#x)%s\n",
		 f->unit, f->read ? "read" : "write", f->sid >> 8, (f->sid >> 3) & 0x1f,
		 f->sid & 7, owner_of(f), (unsigned long long)f->address,
		 vtd_fault_reason(f->reason), f->reason,
		 n == FAULT_PRINT_LIMIT ? "; further faults of this device counted only" : "");
}

void iommu_poll_faults(void)
{
	for (unsigned i = 0; i < unit_count; i++) {
		bool overflowed;
		vtd_drain_faults(units[i], record_fault, NULL, &overflowed);
		if (overflowed) {
			fault_log.overflows++;
			log_warn("vt-d unit %u: fault records overflowed, faults lost\n", i);
		}
	}
}

static void fault_interrupt(uint8_t vector, void *ctx)
{
	(void)vector, (void)ctx;
	unsigned cpu = this_cpu_index();

	if (cpu < FAULT_EVENT_CPUS)
		__atomic_add_fetch(&fault_events[cpu], 1, __ATOMIC_RELAXED);
	/* Fault events go to the service CPU; the same vector elsewhere is a
	 * guest's IPI or MSI that landed in the hypervisor: the records stay
	 * the service CPU's alone. */
	if (cpu == 0)
		iommu_poll_faults();
}

unsigned long iommu_fault_events(unsigned cpu)
{
	return cpu < FAULT_EVENT_CPUS ? __atomic_load_n(&fault_events[cpu], __ATOMIC_RELAXED) : 0;
}

const struct iommu_fault_log *iommu_faults(void)
{
	return &fault_log;
}

unsigned long iommu_fault_count(uint16_t sid)
{
	for (unsigned i = 0; i < FAULT_COUNTERS; i++)
		if (fault_counters[i].count && fault_counters[i].sid == sid)
			return fault_counters[i].count;
	return 0;
}

/* ---- bring-up ------------------------------------------------------------- */

/* Interrupt remapping as the DMAR allows it: its INTR_REMAP flag set, and
 * no IOAPIC outside every unit's scope (whose interrupts could not be
 * remapped). A unit that cannot remap leaves its devices' interrupts
 * unremapped; nothing else depends on it. */
static void enable_interrupt_remapping(struct vtd_unit *u, const struct hv_options *o)
{
	const struct dmar_table *t = platform.dmar;

	if (!o->intremap)
		log_info("vt-d unit %u: interrupt remapping off (intremap=off)\n", u->index);
	else if (!(t->flags & DMAR_FLAG_INTR_REMAP))
		log_warn("vt-d unit %u: the DMAR does not offer interrupt remapping\n", u->index);
	else if (t->intr_remap_unsafe)
		log_warn("vt-d unit %u: an IOAPIC has no DMAR scope; interrupt remapping off\n",
			 u->index);
	else if (!ecap_ir(u->ecap))
		log_warn("vt-d unit %u: no interrupt remapping (ECAP.IR = 0)\n", u->index);
	else
		irq_route_enable_unit(u, o->irt_entries, t->flags & DMAR_FLAG_X2APIC_OPT_OUT);
}

static int bring_up(const struct dmar_structure *s, unsigned ordinal,
		    const struct hv_options *o)
{
	struct vtd_unit *u = malloc(sizeof(*u));
	char prefix[32];
	int err;

	if (!u)
		return -ENOMEM;
	err = vtd_unit_init(u, &hv_vtd_env, ordinal, s->drhd.address, s->drhd.segment,
			    platform.dmar->host_address_width);
	if (!err) {
		log_info("vt-d unit %u at %#llx: version %u.%u, %u-level tables (%u-bit), %s invalidation\n",
			 ordinal, (unsigned long long)u->base, (u->version >> 4) & 0xf,
			 u->version & 0xf, u->levels, u->aw_bits,
			 u->queued ? "queued" : "register-based");
		snprintf(prefix, sizeof(prefix), "vt-d unit %u: ", ordinal);
		vtd_caps_log(prefix, u->cap, u->ecap);
		vtd_unit_setup_fault_event(u, IRQ_VECTOR_VTD_FAULT, lapic_id());
		err = vtd_unit_enable_translation(u);
	}
	if (!err)
		enable_interrupt_remapping(u, o);
	if (err) {
		log_err("vt-d unit %u: bring-up failed (%d); its devices stay unprotected\n",
			ordinal, err);
		free(u);
		return err;
	}
	units[ordinal] = u;
	return 0;
}

int iommu_init(const struct hv_options *o)
{
	const struct dmar_table *t = platform.dmar;
	unsigned ordinal = 0, failed = 0;

	if (!platform_has_vtd())
		return 0;
	irq_register(IRQ_VECTOR_VTD_FAULT, fault_interrupt, NULL);
	for (unsigned i = 0; i < t->structure_count; i++) {
		const struct dmar_structure *s = &t->structure[i];
		if (s->type != DMAR_DRHD)
			continue;
		if (ordinal < IOMMU_MAX_UNITS && !s->ignored && bring_up(s, ordinal, o))
			failed++;
		ordinal++;
	}
	unit_count = ordinal < IOMMU_MAX_UNITS ? ordinal : IOMMU_MAX_UNITS;
	log_info("vt-d: %u units, translation on%s; devices without an owner are blocked\n",
		 unit_count - failed, failed ? " (some failed)" : "");
	return failed ? -EIO : 0;
}

bool iommu_active(void)
{
	for (unsigned i = 0; i < unit_count; i++)
		if (units[i])
			return true;
	return false;
}

unsigned iommu_unit_count(void)
{
	return unit_count;
}

struct vtd_unit *iommu_unit(unsigned ordinal)
{
	return ordinal < unit_count ? units[ordinal] : NULL;
}

struct vtd_unit *iommu_unit_of(const struct pci_function *f)
{
	return f->unit >= 0 ? iommu_unit((unsigned)f->unit) : NULL;
}

int iommu_attach_function(struct vtd_domain *d, const struct pci_function *f)
{
	for (unsigned a = 0; a < f->alias_count; a++) {
		int err = vtd_domain_attach(d, f->alias[a], false);
		if (err) {
			while (a--)
				vtd_domain_detach(d, f->alias[a]);
			return err;
		}
	}
	return 0;
}

int iommu_detach_function(struct vtd_domain *d, const struct pci_function *f)
{
	int err = 0;

	for (unsigned a = 0; a < f->alias_count; a++) {
		int e = vtd_domain_detach(d, f->alias[a]);
		err = err ? err : e;
	}
	return err;
}

int iommu_map_rmrrs(struct vtd_domain *d, const struct pci_function *f)
{
	const struct dmar_table *t = platform.dmar;
	int self = (int)(f - platform.pci->fn), mapped = 0;

	for (unsigned i = 0; t && i < t->structure_count; i++) {
		const struct dmar_structure *s = &t->structure[i];
		if (s->type != DMAR_RMRR || s->ignored || s->rmrr.segment != f->bdf.segment)
			continue;
		const struct dmar_scope *scope = dmar_scopes_of(t, s);
		for (unsigned j = 0; j < s->scope_count; j++) {
			if (scope[j].ignored ||
			    dmar_scope_resolve(&scope[j], s->rmrr.segment, platform.pci) != self)
				continue;
			uint64_t base = s->rmrr.base & ~0xfffull;
			uint64_t size = ((s->rmrr.limit | 0xfff) + 1) - base;
			int err = vtd_domain_map(d, base, base, size, VTD_SL_R | VTD_SL_W);
			if (err)
				return err;
			log_warn("vt-d: RMRR %#llx-%#llx identity-mapped for %02x:%02x.%u: firmware may DMA there\n",
				 (unsigned long long)s->rmrr.base, (unsigned long long)s->rmrr.limit,
				 f->bdf.bus, f->bdf.dev, f->bdf.fn);
			mapped++;
		}
	}
	return mapped;
}

int iommu_quarantine_function(struct vtd_domain *from, const struct pci_function *f)
{
	struct vtd_unit *u = iommu_unit_of(f);
	int err = 0;

	pci_command_update(f->bdf, 0, PCI_COMMAND_BUS_MASTER);
	if (!u)
		return -ENODEV;
	if (!blocking_ready[u->index]) {
		if ((err = vtd_domain_create(u, &blocking[u->index])))
			return err;
		blocking_ready[u->index] = true;
	}
	if (from)
		err = iommu_detach_function(from, f);
	for (unsigned a = 0; a < f->alias_count && !err; a++)
		err = vtd_domain_attach(&blocking[u->index], f->alias[a], true);
	log_warn("vt-d: %02x:%02x.%u quarantined%s\n", f->bdf.bus, f->bdf.dev, f->bdf.fn,
		 err ? " (context update failed; bus mastering is off)" : "");
	return err;
}
