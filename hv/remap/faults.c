/* VT-d faults on the service CPU: drained from every unit, logged with
 * the requester's owner named, rate-limited per requester and as a whole,
 * and counted so that a device that keeps faulting can be quarantined. */
#include "hv/remap/faults.h"
#include "arch/x86/cpu.h"
#include "arch/x86/irq.h"
#include "arch/x86/log.h"
#include "arch/x86/percpu.h"
#include "arch/x86/time.h"
#include "hv/remap/fault_counts.h"
#include "hv/remap/units.h"
#include "iommu/vtd_fault_reason.h"

/* Faults printed per requester before the log goes quiet about it. */
#define FAULT_PRINT_LIMIT 8
/* Faults of one requester that make it a storm (see iommu_set_fault_storm_handler). */
#define FAULT_STORM 16

static struct iommu_fault_log fault_log;
/* Fault event interrupts taken, per CPU: all on the service CPU. */
#define FAULT_EVENT_CPUS 64
static unsigned long fault_events[FAULT_EVENT_CPUS];
/* The service CPU's alone: the fault interrupt and the owners' updates. */
static struct fault_counts counts;
static struct fault_budget budget;

int iommu_set_owner(uint16_t sid, const char *guest)
{
	/* The fault interrupt reads the slots: it must not see one half set. */
	uint64_t flags = cpu_irq_save();
	int err = 0;

	if (guest)
		err = fault_counts_own(&counts, sid, guest);
	else
		fault_counts_forget(&counts, sid);
	cpu_irq_restore(flags);
	return err;
}

/* Who the requester belongs to: a guest it was given to, else a present
 * context entry means the hypervisor's own drivers took it. */
static const char *owner_of(const struct vtd_fault *f, const struct fault_slot *s)
{
	struct vtd_unit *u = iommu_unit(f->unit);

	if (s->owner)
		return s->owner;
	return u && vtd_context_domain(u, f->sid) >= 0 ? "hypervisor" : "nobody";
}

/* Every fault message passes here: however many requesters fault, the
 * console gets a bounded number of lines, and learns how many it missed. */
static bool may_print(void)
{
	unsigned long dropped;

	if (!fault_budget_take(&budget, time_ready() ? time_ns() : 0, &dropped))
		return false;
	if (dropped)
		log_warn("vt-d: %lu fault message%s suppressed\n", dropped, dropped == 1 ? "" : "s");
	return true;
}

static void (*storm_handler)(uint16_t sid);

void iommu_set_fault_storm_handler(void (*fn)(uint16_t sid))
{
	storm_handler = fn;
}

static void record_fault(const struct vtd_fault *f, void *ctx)
{
	(void)ctx;
	const struct fault_slot *s = fault_counts_hit(&counts, f->sid);
	bool shared = s == &counts.shared;
	unsigned long n = s->count;
	const char *owner = owner_of(f, s);

	fault_log.entry[fault_log.total++ % IOMMU_FAULT_LOG] = *f;
	/* The shared slot's requesters are nobody's: nothing to quarantine. */
	if (!shared && n == FAULT_STORM && storm_handler)
		storm_handler(f->sid);
	if (n > FAULT_PRINT_LIMIT || !may_print())
		return;
	log_warn("vt-d unit %u: %s fault from %02x:%02x.%u (owner %s) at %#llx: %s (%#x)%s\n",
		 f->unit, f->read ? "read" : "write", f->sid >> 8, (f->sid >> 3) & 0x1f,
		 f->sid & 7, owner, (unsigned long long)f->address,
		 vtd_fault_reason(f->reason), f->reason,
		 n < FAULT_PRINT_LIMIT ? "" : shared ? "; further faults of requesters without a "
						       "slot counted only"
						     : "; further faults of this device counted only");
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
			if (may_print())
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
	const struct fault_slot *s = fault_counts_find(&counts, sid);

	return s ? s->count : 0;
}

void iommu_faults_init(void)
{
	irq_register(IRQ_VECTOR_VTD_FAULT, fault_interrupt, NULL);
}
