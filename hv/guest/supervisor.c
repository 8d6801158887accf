/* The guests of the configuration: validated against the machine as a
 * whole (nothing starts if anything is wrong), built, started on their
 * CPUs, and waited for on the service CPU, which reports how each ended. */
#include "hv/guest/supervisor.h"
#include "arch/x86/cpu.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/palloc.h"
#include "arch/x86/sizes.h"
#include "arch/x86/smp.h"
#include "arch/x86/time.h"
#include "hv/guest/guest_control.h"
#include "hv/guest/partition.h"
#include "hv/platform.h"
#include "hv/remap/audit.h"
#include "hv/remap/faults.h"
#include "hv/remap/units.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* From a guest's stop until its vCPUs must have left guest mode. */
#define VCPU_STOP_TIMEOUT_US 1000000
/* Kept for the hypervisor's own needs (tables, vCPU state) after guests. */
#define RESERVE_BYTES (64 * MIB)

static struct guest guests[GUEST_MAX];
static struct config_pci_function pci_view[PCI_MAX_FUNCTIONS];

/* The checks against the machine, even after parse errors (a bad value is
 * left empty, so the rest still validates): one boot shows every error. */
static int validate(const struct boot_info *bi)
{
	const struct hv_config *c = &bi->config;
	const struct pci_topology *t = platform.pci;
	struct config_errors errs = bi->config_errors;
	uint64_t free_bytes = page_allocator()->free_pages * PAGE_SIZE;
	struct config_platform p = {
		.cpu_count = smp_cpu_count(),
		.free_memory = free_bytes > RESERVE_BYTES ? free_bytes - RESERVE_BYTES : 0,
		.pci_count = t ? t->count : 0,
		.pci = pci_view,
	};

	for (unsigned i = 0; i < p.pci_count; i++) {
		const struct pci_function *f = &t->fn[i];
		pci_view[i] = (struct config_pci_function){
			.sbdf = pci_bdf_pack(f->bdf),
			.group = f->group,
			.class_code = f->class_code,
			.has_flr = f->has_flr,
		};
	}
	int err = config_validate(c, &p, &errs);
	config_errors_print(&errs);
	return err || !bi->config_ok ? -EINVAL : 0;
}

/* What config_validate() asks of a guest with on_reset/on_crash = restart,
 * asked at run time of a guest another restarts (HV_HC_GUEST_CONTROL):
 * every function it has offers a function-level reset. */
static bool functions_resettable(const struct config_guest *cg)
{
	unsigned count = platform.pci ? platform.pci->count : 0;

	for (unsigned i = 0; i < cg->pci_count; i++)
		for (unsigned k = 0; k < count; k++)
			if (pci_view[k].sbdf == cg->pci[i] && !config_function_resettable(&pci_view[k]))
				return false;
	return true;
}

/* Guest i's configuration as guest_create() takes it; cpus holds its CPUs. */
static struct guest_config_view view_of(const struct boot_info *bi, unsigned i,
					unsigned cpus[HV_GUEST_MAX_CPUS])
{
	const struct config_guest *cg = &bi->config.guest[i];

	for (unsigned k = 0; k < cg->cpu_count; k++)
		cpus[k] = cg->cpu[k];
	return (struct guest_config_view){
		.name = cg->name,
		.cpu_count = cg->cpu_count,
		.cpus = cpus,
		.mem_size = cg->memory,
		.cmdline = cg->cmdline,
		.uart_burst = cg->uart_burst,
		.uart_rate = cg->uart_rate,
		.image = bi->guest_image[i].data,
		.image_size = bi->guest_image[i].size,
		.initrd = bi->guest_initrd[i].data,
		.initrd_size = bi->guest_initrd[i].size,
		.on_reset = cg->on_reset,
		.on_crash = cg->on_crash,
		.restart_limit = cg->restart_limit,
		.restart_window = cg->restart_window,
		.control = cg->control,
		.restartable = functions_resettable(cg),
	};
}

static int give_devices(struct guest *g, const struct config_guest *cg)
{
	if (!cg->pci_count)
		return 0;
	return passthrough_assign(&g->pt, g, cg->pci, cg->pci_count);
}

/* A device that keeps faulting (hv/remap/faults.c counts) is quarantined:
 * blocked, its faults no longer reported, its guest and every other running
 * on. Its fault counter stays its own until its guest's release: records
 * queued before the block would otherwise start a fresh count and print
 * again. In the fault interrupt on the service CPU: the view lock is never
 * held there when it comes (spin_lock() and release() keep interrupts off),
 * and a vCPU holding it elsewhere waits on nothing of this CPU's. */
static void fault_storm(uint16_t sid)
{
	for (unsigned i = 0; i < GUEST_MAX; i++) {
		struct passthrough *pt = &guests[i].pt;
		for (unsigned k = 0; k < pt->count; k++) {
			struct pt_device *dev = &pt->dev[k];
			if (dev->quarantined || dev->fn->alias[dev->fn->alias_count - 1] != sid)
				continue;
			log_warn("guest %s: %02x:%02x.%u quarantined: it keeps faulting\n",
				 guests[i].name, dev->fn->bdf.bus, dev->fn->bdf.dev, dev->fn->bdf.fn);
			/* Under the view's lock: the guest's own command writes
			 * must not turn bus mastering back on in between. */
			uint64_t flags = spin_lock(&pt->view_lock);
			pt->view.dev[k].bus_master_blocked = true;
			iommu_quarantine_function(dev->domain, dev->fn);
			spin_unlock(&pt->view_lock, flags);
			dev->quarantined = true;
		}
	}
}

/* test.peer_dma: each guest with devices learns where another guest's RAM
 * lies in host memory, when that address is outside its own RAM and inside
 * a 28-bit device's reach (QEMU's edu), so its isolation test can aim DMA
 * there. A test hook only: it tells a guest something about the host
 * (through the test guest's boot data: Linux guests are not told). */
#define PEER_DMA_LIMIT (1ull << 28)
#define PEER_DMA_OFFSET MIB

static void tell_peer_ram(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct guest *g = &guests[i];
		struct hv_guest_boot *boot = guest_ram_ptr(g, HV_GUEST_BOOT, sizeof(*boot));
		for (unsigned k = 0; !g->linux_image && g->pt.count && k < n; k++) {
			uint64_t peer = guests[k].ram + PEER_DMA_OFFSET;
			if (k == i || peer < g->mem_size || peer + PAGE_SIZE > PEER_DMA_LIMIT)
				continue;
			boot->test_peer_ram = peer;
			log_info("test.peer_dma: guest %s may aim at %#llx (guest %s's RAM)\n", g->name,
				 (unsigned long long)peer, guests[k].name);
			break;
		}
	}
}

static bool vcpus_stopped(const struct guest *g)
{
	for (unsigned i = 0; i < g->vcpu_count; i++)
		if (__atomic_load_n(&g->vcpu[i].state, __ATOMIC_ACQUIRE) != GVCPU_STOPPED)
			return false;
	return true;
}

/* Once its vCPUs left guest mode (kicked out, bounded), a stopped guest's
 * devices are blocked and their IRTEs freed, before the other guests
 * finish. A vCPU that did not leave in time is shut out by the view lock
 * (passthrough_release()): its later config or MSI-X writes do nothing. */
static void release(struct guest *g)
{
	uint64_t deadline = deadline_after_us(VCPU_STOP_TIMEOUT_US);

	while (!vcpus_stopped(g) && !deadline_passed(deadline))
		cpu_relax();
	if (!vcpus_stopped(g))
		log_warn("guest %s: a vCPU did not stop in time; its devices are blocked anyway\n",
			 g->name);
	passthrough_release(&g->pt, g);
	g->released = true;
}

/* What the restart needs beyond the guest: its configuration and image,
 * and the audit's inputs. */
struct restart_context {
	const struct boot_info *bi;
	const struct hv_options *o;
	unsigned n;
};

/* Why a restart did not happen goes after why it stopped, for the report. */
static void stays_stopped(struct guest *g, const char *why)
{
	size_t len = strlen(g->stop_reason);

	log_warn("guest %s: restart: %s: it stays stopped\n", g->name, why);
	snprintf(g->stop_reason + len, sizeof(g->stop_reason) - len, "; %s", why);
}

/* A rebuild that failed before its start: none of its vCPUs runs, and
 * the release that follows finds them so. */
static int never_started(struct guest *g, int err)
{
	for (unsigned i = 0; i < g->vcpu_count; i++)
		__atomic_store_n(&g->vcpu[i].state, GVCPU_STOPPED, __ATOMIC_RELEASE);
	return err;
}

/* Its functions released as at a stop, then reset and out of the blocking
 * domain, its old domains destroyed (config_validate() let only functions
 * with FLR through): guest_rebuild() clears the passthrough state with the
 * rest of the guest. */
static int reclaim_devices(struct guest *g)
{
	if (!g->pt.count)
		return 0;
	uint64_t start = time_ns();
	passthrough_release(&g->pt, g);
	log_info("guest %s: restart: %u PCI function%s released in %llu ms\n", g->name,
		 g->pt.count, g->pt.count == 1 ? "" : "s",
		 (unsigned long long)((time_ns() - start) / 1000000));
	return passthrough_reclaim(&g->pt, g);
}

/* Through the same path as at boot; the audit that follows reads back
 * its new domains and IRTEs too. */
static int give_devices_again(struct guest *g, const struct config_guest *cg)
{
	if (!cg->pci_count)
		return 0;
	uint64_t start = time_ns();
	int err = give_devices(g, cg);
	if (!err)
		log_info("guest %s: restart: %u PCI function%s given again in %llu ms\n", g->name,
			 g->pt.count, g->pt.count == 1 ? "" : "s",
			 (unsigned long long)((time_ns() - start) / 1000000));
	return err;
}

/* Built again (guest_rebuild), its boot data written, the audit run over
 * every guest's VT-d state as at boot, and started on the same CPUs. */
static int rebuild_and_start(struct guest *g, unsigned i, const struct restart_context *rc)
{
	unsigned cpus[HV_GUEST_MAX_CPUS];
	struct guest_config_view view = view_of(rc->bi, i, cpus);
	uint64_t start = time_ns();
	int err;

	if ((err = reclaim_devices(g)) || (err = guest_rebuild(g, &view)) ||
	    (err = give_devices_again(g, &rc->bi->config.guest[i])) ||
	    (err = guest_write_boot_data(g, &view)))
		return never_started(g, err);
	uint64_t audit_start = time_ns();
	if ((err = audit_guests(rc->bi, guests, rc->n, rc->o->audit)))
		return never_started(g, err);
	log_info("guest %s: restart: audited in %llu ms; restart %lu, %llu ms in all\n",
		 g->name, (unsigned long long)((time_ns() - audit_start) / 1000000),
		 g->restarts.total, (unsigned long long)((time_ns() - start) / 1000000));
	return guest_start(g);
}

/* On the service CPU, which waits for stops anyway and whose work takes no
 * other guest's CPU: a guest's own vCPU 0 could not rebuild it while its
 * other vCPUs, and its own loop's state, are part of what is rebuilt.
 * true when the guest runs again. */
static bool restart(struct guest *g, unsigned i, const struct restart_context *rc)
{
	uint64_t deadline = deadline_after_us(VCPU_STOP_TIMEOUT_US);

	while (!vcpus_stopped(g) && !deadline_passed(deadline))
		cpu_relax();
	if (!vcpus_stopped(g)) {
		stays_stopped(g, "a vCPU did not stop in time");
		return false;
	}
	if (!restart_budget_take(&g->restarts, time_ns())) {
		stays_stopped(g, "restart budget spent");
		return false;
	}
	log_info("guest %s: restart %lu (at most %u in %llu s)\n", g->name, g->restarts.total,
		 g->restarts.limit, (unsigned long long)(g->restarts.window_ns / 1000000000ull));
	int err = rebuild_and_start(g, i, rc);
	if (err) {
		/* Half built: nothing of it may run; the report says so. */
		__atomic_store_n(&g->state, GUEST_STOPPED, __ATOMIC_RELEASE);
		g->failed = true;
		snprintf(g->stop_reason, sizeof(g->stop_reason), "its restart failed (%d)", err);
		log_err("guest %s: restart failed (%d): it stays stopped\n", g->name, err);
		return false;
	}
	return true;
}

/* The service CPU sleeps until every guest stopped, releasing each as it
 * does (or building it again, on_reset/on_crash = restart): every stop,
 * and every vCPU that ends, wakes it. */
static void wait_all_stopped(const struct restart_context *rc)
{
	unsigned n = rc->n;

	for (;;) {
		bool all = true;
		__asm__ volatile("cli" ::: "memory");
		for (unsigned i = 0; i < n; i++) {
			struct guest *g = &guests[i];
			/* With interrupts off: the fault-storm handler must not
			 * quarantine a device halfway through its release. */
			if (!g->released &&
			    __atomic_load_n(&g->state, __ATOMIC_ACQUIRE) == GUEST_STOPPED &&
			    !(g->restart_pending && restart(g, i, rc)))
				release(g);
			all &= g->released;
		}
		if (all)
			break;
		__asm__ volatile("sti; hlt" ::: "memory");
	}
	__asm__ volatile("sti" ::: "memory");
}

static void print_exits(const struct guest *g)
{
	static const char *const names[] = { "io", "mmio", "msr", "cpuid", "hlt", "hypercall",
					     "shutdown", "kick", "ud", "invd", "wbinvd",
					     "exception", "error" };
	_Static_assert(ARRAY_SIZE(names) == VCPU_EXIT_ERROR + 1, "exit names");

	for (unsigned i = 0; i < g->vcpu_count; i++) {
		const struct guest_vcpu *gv = &g->vcpu[i];
		log_raw("# guest %s vCPU %u: %lu exits:", g->name, i, gv->vcpu.exits);
		for (unsigned k = 0; k <= VCPU_EXIT_ERROR; k++)
			if (gv->exits[k])
				log_raw(" %s %lu", names[k], gv->exits[k]);
		if (gv->wbinvd_flushes)
			log_raw(" (wbinvd run %lu)", gv->wbinvd_flushes);
		log_raw("\n");
	}
	if (g->logical_ipis)
		log_raw("# guest %s: %lu IPIs to flat logical destinations\n", g->name,
			g->logical_ipis);
}

/* Without the UART lock: the guest has stopped, so at worst a vCPU that
 * was late to stop makes a count one line off. */
static void print_console(const struct guest *g)
{
	const struct line_budget *b = &g->uart.budget;

	log_raw("# guest %s: console: %llu lines printed, %llu dropped\n", g->name,
		(unsigned long long)b->printed, (unsigned long long)b->dropped);

}

static bool judge(const struct guest *g, const struct hv_options *o)
{
	if (!strcmp(o->expect.guest_failure, g->name))
		return g->failed;
	return !g->failed && g->status == 0;
}

int guests_run(const struct boot_info *bi, const struct hv_options *o, bool ktap,
	       bool *all_passed)
{
	const struct hv_config *c = &bi->config;
	unsigned n = c->guest_count;
	int err;

	*all_passed = false;
	guest_platform_set_wall_clock(&bi->wall_clock);
	if (validate(bi)) {
		log_err("guests: the configuration %s is refused; nothing runs\n", bi->config_path);
		if (ktap)
			log_raw("KTAP version 1\n1..1\nnot ok 1 guest_config # %s refused\n",
				bi->config_path);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct config_guest *cg = &c->guest[i];
		unsigned cpus[HV_GUEST_MAX_CPUS];
		struct guest_config_view view = view_of(bi, i, cpus);
		if ((err = guest_create(&guests[i], i, &view)) ||
		    (err = give_devices(&guests[i], cg)) ||
		    (err = guest_write_boot_data(&guests[i], &view))) {
			log_err("guests: guest %s could not be built; nothing runs\n", cg->name);
			if (ktap)
				log_raw("KTAP version 1\n1..1\nnot ok 1 guest_config # guest %s "
					"could not be built\n", cg->name);
			return err;
		}
	}
	/* Read back and judged before anything runs: a guest started on tables
	 * that break isolation could use the flaw before anyone noticed. */
	if ((err = audit_guests(bi, guests, n, o->audit))) {
		if (ktap)
			log_raw("KTAP version 1\n1..1\nnot ok 1 guest_audit # the VT-d tables "
				"break isolation\n");
		return err;
	}
	if (o->test_peer_dma)
		tell_peer_ram(n);
	for (unsigned i = 0; i < n; i++)
		guests[i].test_exit_fault = o->test_exit_fault;
	iommu_set_fault_storm_handler(fault_storm);
	guest_control_set_guests(guests, n);
	log_info("guests: starting %u (vCPU backend %s)\n", n, vcpu_backend_name());
	for (unsigned i = 0; i < n; i++)
		if ((err = guest_start(&guests[i])))
			log_err("guests: guest %s did not start (%d)\n", guests[i].name, err);
	wait_all_stopped(&(struct restart_context){ .bi = bi, .o = o, .n = n });
	audit_print_runtime();

	bool ok = true;
	if (ktap)
		log_raw("KTAP version 1\n1..%u\n", n);
	for (unsigned i = 0; i < n; i++) {
		const struct guest *g = &guests[i];
		bool passed = judge(g, o);
		print_exits(g);
		print_console(g);
		if (ktap)
			log_raw("%s %u guest_%s # %s\n", passed ? "ok" : "not ok", i + 1, g->name,
				g->stop_reason);
		else
			log_raw("# guest %s: %s (%s)\n", g->name, passed ? "as expected" : "FAILED",
				g->stop_reason);
		ok &= passed;
	}
	*all_passed = ok;
	return 0;
}
