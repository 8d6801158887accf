/* The hypervisor proper, after ExitBootServices: own CPU tables, memory and
 * paging, then the work the command line asks for. */
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/exception.h"
#include "arch/x86/irq.h"
#include "arch/x86/lapic.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "hv/boot_info.h"
#include "hv/guest/supervisor.h"
#include "hv/options.h"
#include "hv/platform.h"
#include "hv/remap/faults.h"
#include "hv/remap/ioapic_route.h"
#include "hv/remap/irq_route.h"
#include "hv/remap/units.h"
#include "hv/selftest/selftest.h"

#include <string.h>

static void print_memmap(const struct memmap *map)
{
	uint64_t usable = 0;

	log_info("memmap: %u regions\n", map->count);
	for (unsigned i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->region[i];
		log_raw("  %016llx-%016llx %-13s %8llu KiB\n", (unsigned long long)r->base,
			(unsigned long long)mem_region_end(r) - 1, mem_type_name(r->type),
			(unsigned long long)(r->pages * 4));
		if (r->type == MEM_USABLE)
			usable += r->pages;
	}
	log_info("memmap: %llu MiB usable\n", (unsigned long long)(usable * PAGE_SIZE >> 20));
}

static void apply_config_options(const struct hv_config *c, struct hv_options *o)
{
	if (c->hv.log_level_line)
		o->log_level = c->hv.log_level;
	if (c->hv.exit_line)
		o->exit = c->hv.exit;
	if (c->hv.audit_line)
		o->audit = c->hv.audit;
	if (c->hv.selftest_line) {
		o->selftest = true;
		memcpy(o->selftest_suites, c->hv.selftest_suites, sizeof(o->selftest_suites));
	}
}

static void bochs_exit(bool ok)
{
	if (ok) {
		outb(BOCHS_DEBUG_PORT, BOCHS_DEBUG_BREAK);
		return;
	}
	for (const char *s = BOCHS_DEBUG_SHUTDOWN; *s; s++)
		outb(BOCHS_DEBUG_PORT, (uint8_t)*s);
}

static __attribute__((noreturn)) void finish(const struct boot_info *bi,
					     const struct hv_options *o, bool ok)
{
	/* Whatever passed, a CPU lost to an exception is a failure. */
	unsigned halted = exception_cpus_halted();
	if (halted) {
		log_err("hv: %u CPU%s halted by an exception\n", halted, halted == 1 ? "" : "s");
		ok = false;
	}
	log_info("hv: finished, %s\n", ok ? "success" : "FAILURE");
	switch (o->exit) {
	case EXIT_QEMU:
		outb(QEMU_EXIT_PORT, ok ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
		log_err("hv: exit=qemu but no isa-debug-exit device answered\n");
		break;
	case EXIT_BOCHS:
		bochs_exit(ok);
		log_err("hv: exit=bochs but Bochs's debug port did not end the run\n");
		break;
	case EXIT_SHUTDOWN:
		bi->firmware_shutdown();
		log_err("hv: firmware shutdown returned\n");
		break;
	case EXIT_HALT:
		break;
	}
	log_info("hv: halted\n");
	cpu_halt_forever();
}

void hv_main(struct boot_info *bi)
{
	struct hv_options opts;
	char error[OPTIONS_ERROR_MAX];

	desc_init_cpu(percpu_bsp());
	if (bi->exit_boot_services_tries)
		log_info("boot: left boot services (%u %s), %u PCI bus masters quiesced\n",
			 bi->exit_boot_services_tries,
			 bi->exit_boot_services_tries == 1 ? "try" : "tries",
			 bi->bus_masters_quiesced);
	else
		log_info("boot: no boot services to leave, %u PCI bus masters quiesced\n",
			 bi->bus_masters_quiesced);
	/* The configuration's [hv] section, then the command line over it. */
	options_defaults(&opts);
	if (bi->config_present)
		apply_config_options(&bi->config, &opts);
	if (options_apply(bi->cmdline, &opts, error))
		log_err("options: %s (ignored)\n", error);
	log_threshold = opts.log_level;

	print_memmap(&bi->memmap);
	page_init(&bi->memmap);
	if (paging_init(&bi->memmap))
		finish(bi, &opts, false);
	lapic_init();
	log_info("lapic: BSP APIC ID %u, %s mode\n", lapic_id(),
		 lapic_x2apic_mode() ? "x2APIC" : "xAPIC");
	int err = smp_init(bi->smp_trampoline, platform.madt_ok ? &platform.madt : NULL);
	if (err)
		log_warn("smp: continuing on %u CPU%s (%d)\n", smp_cpu_count(),
			 smp_cpu_count() == 1 ? "" : "s", err);
	platform_enumerate_pci();
	platform_print();
	/* Nothing firmware left armed may fire into the hypervisor's IDT. */
	unsigned armed = ioapic_route_init();
	log_info("ioapic: %u I/O APIC%s, every pin masked (%u were armed)\n",
		 platform.madt.ioapic_count, platform.madt.ioapic_count == 1 ? "" : "s", armed);
	iommu_faults_init();
	iommu_init();
	irq_route_init(&opts);
	irq_enable(); /* VT-d fault events reach the service CPU */

	bool ok = true;
	if (opts.selftest)
		ok = selftest_run_all(bi, &opts) == 0;
	if (bi->config_present) {
		bool passed;
		ok &= guests_run(bi, &opts, !opts.selftest, &passed) == 0 && passed;
	} else if (!opts.selftest) {
		log_info("hv: no %s, no guests: nothing more to run\n", bi->config_path);
	}
	finish(bi, &opts, ok);
}
