/* VT-d faults on the service CPU: drained from every unit, logged with
 * the requester's owner named, rate-limited per requester, and counted so
 * that a device that keeps faulting can be quarantined. */
#include "hv/remap/faults.h"
#include "arch/x86/irq.h"
#include "arch/x86/log.h"
#include "arch/x86/percpu.h"
#include "hv/remap/units.h"
#include "iommu/vtd_fault_reason.h"

/* Faults printed per requester before the log goes quiet about it. */
#define FAULT_PRINT_LIMIT 8
/* Faults of one requester that make it a storm (see iommu_set_fault_storm_handler). */
#define FAULT_STORM 16
#define FAULT_COUNTERS 64

static struct iommu_fault_log fault_log;
/* Fault event interrupts taken, per CPU: all on the service CPU. */
#define FAULT_EVENT_CPUS 64
static unsigned long fault_events[FAULT_EVENT_CPUS];
static struct {
	uint16_t sid;
	unsigned long count;
} fault_counters[FAULT_COUNTERS];

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
	for (unsigned i = 0; i < iommu_unit_count(); i++) {
		struct vtd_unit *u = iommu_unit(i);
		bool overflowed;
		/* A unit that failed bring-up (or that the DMAR ignores) has none. */
		if (!u)
			continue;
		vtd_drain_faults(u, record_fault, NULL, &overflowed);
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

void iommu_faults_init(void)
{
	irq_register(IRQ_VECTOR_VTD_FAULT, fault_interrupt, NULL);
}
