/* Building a guest: its RAM, the nested table that maps exactly that RAM,
 * its image, and the state hv/guest/abi.h promises at entry. */
#include "hv/guest/partition.h"
#include "arch/x86/cpu.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/percpu.h"
#include "arch/x86/sizes.h"
#include "arch/x86/smp.h"
#include "arch/x86/time.h"
#include "hv/guest/loader/elf.h"
#include "hv/guest/loader/linux_boot.h"
#include "hv/guest/vlapic.h"
#include "hv/guest/vuart.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Entry-state tables (hv/guest/abi.h): 1 GiB leaves over the first 512 GiB. */
#define GPTE_P  (1ull << 0)
#define GPTE_W  (1ull << 1)
#define GPTE_PS (1ull << 7)

void *guest_ram_ptr(const struct guest *g, uint64_t gpa, uint64_t len)
{
	if (gpa >= g->mem_size || len > g->mem_size - gpa)
		return NULL;
	if (gpa < HV_GUEST_LEGACY_END && gpa + len > HV_GUEST_LEGACY_HOLE)
		return NULL;
	return (void *)(uintptr_t)(g->ram + gpa);
}

/* The largest leaves the table allows need the host range aligned like
 * the guest's: 1 GiB when the guest has that much, else 2 MiB. */
static uint64_t alloc_ram(uint64_t size)
{
	uint64_t align = size >= GIB ? GIB : 2 * MIB;
	uint64_t pa = page_alloc_zeroed(size / PAGE_SIZE, align / PAGE_SIZE);

	return pa ? pa : page_alloc_zeroed(size / PAGE_SIZE, 2 * MIB / PAGE_SIZE);
}

static int map_ram(struct guest *g)
{
	uint64_t flags = vcpu_npt_ram_flags();
	int err;

	if (!vcpu_npt_format())
		return -ENODEV; /* no SVM (nor VMX) on this machine */
	if ((err = pt_init(&g->npt, vcpu_npt_format(), &page_table_env)))
		return err;
	if ((err = pt_map(&g->npt, 0, g->ram, HV_GUEST_LEGACY_HOLE, flags)))
		return err;
	return pt_map(&g->npt, HV_GUEST_LEGACY_END, g->ram + HV_GUEST_LEGACY_END,
		      g->mem_size - HV_GUEST_LEGACY_END, flags);
}

/* What hv/guest/abi.h promises a guest ELF: boot data and a GDT. */
static void write_entry_state(struct guest *g, const struct guest_config_view *cfg)
{
	struct hv_guest_boot *boot = guest_ram_ptr(g, HV_GUEST_BOOT, sizeof(*boot));
	uint64_t *gdt = guest_ram_ptr(g, HV_GUEST_GDT, 3 * sizeof(uint64_t));

	*boot = (struct hv_guest_boot){
		.magic = HV_GUEST_BOOT_MAGIC,
		.version = 1,
		.cpu_count = g->vcpu_count,
		.mem_size = g->mem_size,
	};
	for (unsigned i = 0; i < g->vcpu_count; i++)
		boot->apic_id[i] = g->vcpu[i].apic_id;
	strncpy(boot->name, g->name, sizeof(boot->name) - 1);
	if (cfg->cmdline)
		strncpy(boot->cmdline, cfg->cmdline, sizeof(boot->cmdline) - 1);

	gdt[0] = 0;
	gdt[HV_GUEST_SEL_CODE64 / 8] = GUEST_GDT_CODE64;
	gdt[HV_GUEST_SEL_DATA / 8] = GUEST_GDT_DATA;
}

_Static_assert(HV_GUEST_TABLES + (2 + HV_GUEST_IDMAP_2M_GIB) * 0x1000 <= HV_GUEST_LOW_FREE,
	       "the entry tables fit below the guest's low area");

/* The guest's CPUID passes Page1GB through: its own tables may use 1 GiB
 * leaves only where the CPU has them. */
static bool cpu_has_1g_pages(void)
{
	return cpuid(0x80000001u, 0).edx & (1u << 26);
}

/* Every guest enters in 64-bit mode on these (hv/guest/abi.h). */
static void write_identity_map(struct guest *g)
{
	uint64_t pdpt_gpa = HV_GUEST_TABLES + PAGE_SIZE, pd_gpa = pdpt_gpa + PAGE_SIZE;
	uint64_t *pml4 = guest_ram_ptr(g, HV_GUEST_TABLES, PAGE_SIZE);
	uint64_t *pdpt = guest_ram_ptr(g, pdpt_gpa, PAGE_SIZE);

	pml4[0] = pdpt_gpa | GPTE_P | GPTE_W;
	if (cpu_has_1g_pages()) {
		for (unsigned i = 0; i < 512; i++)
			pdpt[i] = (uint64_t)i * GIB | GPTE_P | GPTE_W | GPTE_PS;
		return;
	}
	for (unsigned i = 0; i < HV_GUEST_IDMAP_2M_GIB; i++) {
		uint64_t *pd = guest_ram_ptr(g, pd_gpa + i * PAGE_SIZE, PAGE_SIZE);
		pdpt[i] = (pd_gpa + i * PAGE_SIZE) | GPTE_P | GPTE_W;
		for (unsigned k = 0; k < 512; k++)
			pd[k] = ((uint64_t)i * GIB + (uint64_t)k * 2 * MIB) | GPTE_P | GPTE_W | GPTE_PS;
	}
}

/* The devices every guest has; its PCI view registers its own
 * (hv/pci/passthrough.c) when functions are assigned to it. */
static int attach_devices(struct guest *g, const struct guest_config_view *cfg)
{
	int err = vlapic_attach(g);

	return err ? err : vuart_attach(g, cfg->uart_burst, cfg->uart_rate);
}

static int check_config(const struct guest_config_view *cfg)
{
	if (!cfg->cpu_count || cfg->cpu_count > HV_GUEST_MAX_CPUS)
		return -EINVAL;
	if (cfg->mem_size < 2 * MIB || cfg->mem_size > HV_GUEST_MEM_MAX ||
	    cfg->mem_size % (2 * MIB))
		return -EINVAL;
	for (unsigned i = 0; i < cfg->cpu_count; i++)
		if (cfg->cpus[i] == 0 || !smp_cpu_online(cfg->cpus[i]))
			return -EINVAL;
	if (!line_budget_valid(cfg->uart_burst) || !line_budget_valid(cfg->uart_rate))
		return -EINVAL;
	return 0;
}

/* The image's format decides how it is planned and loaded: a bzImage by
 * Linux's boot protocol, anything else as a guest ELF. */
static int plan_image(struct guest *g, const struct guest_config_view *cfg, struct elf_plan *elf)
{
	g->linux_image = bzimage_is(cfg->image, cfg->image_size);
	if (g->linux_image)
		return linux_boot_plan(g, cfg);
	if (cfg->initrd_size) {
		log_err("guest %s: an initrd is for a Linux image; this image is not a bzImage\n",
			g->name);
		return -EINVAL;
	}
	if (elf_load_plan(cfg->image, cfg->image_size, g->mem_size, elf)) {
		log_err("guest %s: image refused: %s\n", g->name, elf->reason);
		return -EINVAL;
	}
	g->entry = elf->entry;
	return 0;
}

static int load_image(struct guest *g, const struct guest_config_view *cfg,
		      const struct elf_plan *elf)
{
	write_identity_map(g);
	if (g->linux_image)
		return linux_boot_load(g, cfg);
	elf_load_copy(elf, cfg->image, (uint8_t *)(uintptr_t)g->ram);
	write_entry_state(g, cfg);
	return 0;
}

static void init_vcpus(struct guest *g, const struct guest_config_view *cfg)
{
	g->vcpu_count = cfg->cpu_count;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct guest_vcpu *gv = &g->vcpu[i];
		gv->guest = g;
		gv->index = i;
		gv->cpu = cfg->cpus[i];
		gv->apic_id = smp_apic_id(gv->cpu);
		gv->sipi_vector = -1;
		gv->dfr = 0xffffffffu; /* flat model, as after reset */
		gv->state = i == 0 ? GVCPU_RUNNING : GVCPU_WAIT_INIT;
	}
}

/* What a guest is before anything is built: its name, index and policies. */
static void set_identity(struct guest *g, unsigned index, const struct guest_config_view *cfg)
{
	/* Its vCPUs' exits take it: an exception there gives up only this
	 * guest, whose UART state it guards. */
	spin_lock_init_recoverable(&g->uart_lock);
	strncpy(g->name, cfg->name, sizeof(g->name) - 1);
	g->index = index;
	g->mem_size = cfg->mem_size;
	g->on_reset = cfg->on_reset;
	g->on_crash = cfg->on_crash;
	g->control = cfg->control;
	g->restartable = cfg->restartable;
}

/* Everything in its RAM and its emulated devices, on RAM and a nested
 * table already there. */
static int build_contents(struct guest *g, const struct guest_config_view *cfg)
{
	struct elf_plan elf;
	int err;

	if ((err = plan_image(g, cfg, &elf)))
		return err;
	if ((err = attach_devices(g, cfg))) {
		log_err("guest %s: its LAPIC and UART cannot be registered (%d)\n", g->name, err);
		return err;
	}
	init_vcpus(g, cfg);
	return load_image(g, cfg, &elf);
}

int guest_create(struct guest *g, unsigned index, const struct guest_config_view *cfg)
{
	int err;

	memset(g, 0, sizeof(*g));
	set_identity(g, index, cfg);
	if ((err = check_config(cfg))) {
		log_err("guest %s: CPUs, memory or UART budget unusable\n", g->name);
		return err;
	}
	restart_budget_init(&g->restarts, cfg->restart_limit, cfg->restart_window);
	if (!(g->ram = alloc_ram(g->mem_size))) {
		log_err("guest %s: no %llu MiB of RAM\n", g->name,
			(unsigned long long)(g->mem_size / MIB));
		return -ENOMEM;
	}
	if ((err = map_ram(g))) {
		log_err("guest %s: %s (%d)\n", g->name, err == -ENODEV ?
			"no vCPU backend for this CPU (neither SVM nor VMX usable)" : "nested page table",
			err);
		return err;
	}
	if ((err = build_contents(g, cfg)))
		return err;
	log_info("guest %s: %u vCPU%s on CPU", g->name, g->vcpu_count,
		 g->vcpu_count == 1 ? "" : "s");
	for (unsigned i = 0; i < g->vcpu_count; i++)
		log_raw(" %u", g->vcpu[i].cpu);
	log_raw(", %llu MiB at %#llx, %s entry %#llx, %u nested table pages\n",
		(unsigned long long)(g->mem_size / MIB), (unsigned long long)g->ram,
		g->linux_image ? "bzImage" : "ELF", (unsigned long long)g->entry, g->npt.tables);
	g->state = GUEST_CREATED;
	return 0;
}

/* What outlives a rebuild: the allocations (RAM, its nested table, each
 * vCPU's backend state, reused by vcpu_create()), the restart budget and
 * hv's test options. */
struct kept {
	uint64_t ram;
	struct pt npt;
	void *vcpu_hw[HV_GUEST_MAX_CPUS];
	struct restart_budget restarts;
	bool test_exit_fault;
};

int guest_rebuild(struct guest *g, const struct guest_config_view *cfg)
{
	struct kept k = { .ram = g->ram, .npt = g->npt, .restarts = g->restarts,
			  .test_exit_fault = g->test_exit_fault };
	unsigned index = g->index;
	int err;

	/* The same CPUs and RAM size: what was allocated fits exactly. */
	if (check_config(cfg) || cfg->mem_size != g->mem_size || cfg->cpu_count != g->vcpu_count)
		return -EINVAL;
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		if (cfg->cpus[i] != g->vcpu[i].cpu)
			return -EINVAL;
		k.vcpu_hw[i] = g->vcpu[i].vcpu.hw;
	}
	uint64_t start = time_ns();
	/* Nothing of the last run may reach the next one. */
	memset((void *)(uintptr_t)g->ram, 0, g->mem_size);
	log_info("guest %s: restart: scrubbed %llu MiB in %llu ms\n", cfg->name,
		 (unsigned long long)(g->mem_size / MIB),
		 (unsigned long long)((time_ns() - start) / 1000000));

	start = time_ns();
	memset(g, 0, sizeof(*g));
	set_identity(g, index, cfg);
	g->ram = k.ram;
	g->npt = k.npt;
	g->restarts = k.restarts;
	g->test_exit_fault = k.test_exit_fault;
	if ((err = build_contents(g, cfg)))
		return err;
	for (unsigned i = 0; i < g->vcpu_count; i++)
		g->vcpu[i].vcpu.hw = k.vcpu_hw[i];
	log_info("guest %s: restart: %s image loaded again in %llu ms, %u nested table pages\n",
		 g->name, g->linux_image ? "bzImage" : "ELF",
		 (unsigned long long)((time_ns() - start) / 1000000), g->npt.tables);
	g->state = GUEST_CREATED;
	return 0;
}

int guest_write_boot_data(struct guest *g, const struct guest_config_view *cfg)
{
	if (g->linux_image)
		return linux_boot_data(g, cfg);
	struct hv_guest_boot *boot = guest_ram_ptr(g, HV_GUEST_BOOT, sizeof(*boot));
	boot->pci_ecam = g->pt.count ? GUEST_PCI_ECAM : 0;
	return 0;
}

int guest_start(struct guest *g)
{
	__atomic_store_n(&g->state, GUEST_RUNNING, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		int err = smp_call(g->vcpu[i].cpu, guest_vcpu_main, &g->vcpu[i]);
		if (err) {
			guest_stop(g, 1, true, "a vCPU could not be started");
			return err;
		}
	}
	return 0;
}

bool guest_stop_or_restart(struct guest *g, int status, bool failed, const char *reason, bool restart)
{
	int running = GUEST_RUNNING;

	/* The winner fills in why before anyone may read it (STOPPED). */
	if (!__atomic_compare_exchange_n(&g->state, &running, GUEST_STOPPING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return false;
	g->status = status;
	g->failed = failed;
	strncpy(g->stop_reason, reason, sizeof(g->stop_reason) - 1);
	g->restart_pending = restart;
	__atomic_store_n(&g->state, GUEST_STOPPED, __ATOMIC_RELEASE);
	log_info("guest %s: stopped: %s\n", g->name, reason);
	if (this_cpu_index() != 0)
		smp_wake_service_cpu();
	/* The others leave guest mode (NMI) or their wait (wake). */
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct guest_vcpu *gv = &g->vcpu[i];
		if (gv->cpu == this_cpu_index())
			continue;
		if (__atomic_load_n(&gv->state, __ATOMIC_ACQUIRE) == GVCPU_RUNNING)
			smp_kick(gv->cpu);
		else
			smp_wake(gv->cpu);
	}
	return true;
}

void guest_stop(struct guest *g, int status, bool failed, const char *reason)
{
	guest_stop_or_restart(g, status, failed, reason, false);
}

struct guest_vcpu *guest_vcpu_of_apic_id(struct guest *g, uint32_t apic_id)
{
	for (unsigned i = 0; i < g->vcpu_count; i++)
		if (g->vcpu[i].apic_id == apic_id)
			return &g->vcpu[i];
	return NULL;
}

/* A reset is not a power-off, so the guest has not stopped cleanly (a
 * Linux panic with panic=-1 ends here); on_reset = restart has the
 * service CPU build it again. */
void guest_reset(struct guest_vcpu *gv, const char *source)
{
	struct guest *g = gv->guest;
	bool restart = g->on_reset == GUEST_ON_RESET_RESTART;
	char reason[sizeof(g->stop_reason)];

	snprintf(reason, sizeof(reason), "reset by the guest (%s; on_reset = %s)", source,
		 restart ? "restart" : "stop");
	guest_stop_or_restart(g, 1, true, reason, restart);
}
