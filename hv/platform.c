#include "hv/platform.h"
#include "hv/log.h"

struct platform platform;

int platform_discover(const void *rsdp)
{
	struct platform *p = &platform;
	const struct acpi_table *t;
	int err = acpi_tables_init(&p->acpi, rsdp);

	if (err)
		return err;
	p->acpi_ok = true;
	acpi_find_timers(&p->acpi, &p->timers);
	if ((t = acpi_find(&p->acpi, "APIC", 0)))
		p->madt_ok = madt_parse(t->header, &p->madt) == 0;
	if ((t = acpi_find(&p->acpi, "MCFG", 0)))
		p->mcfg_ok = mcfg_parse(t->header, &p->mcfg) == 0;
	if ((t = acpi_find(&p->acpi, "DMAR", 0))) {
		p->dmar_present = true;
		p->dmar_ok = dmar_summarize(t->header, &p->dmar) == 0;
	}
	return 0;
}

static void print_tables(const struct acpi_tables *a)
{
	log_info("acpi: RSDP rev %u, XSDT with %u tables:", a->rsdp_revision, a->count);
	for (unsigned i = 0; i < a->count; i++)
		log_raw(" %.4s%s", a->table[i].header->signature,
			a->table[i].checksum_ok ? "" : "(bad checksum)");
	log_raw("\n");
}

static void print_dmar(const struct platform *p)
{
	const struct dmar_summary *d = &p->dmar;

	if (!p->dmar_present) {
		log_info("vt-d: absent (no DMAR table): passthrough unavailable\n");
		return;
	}
	if (!p->dmar_ok) {
		log_err("vt-d: DMAR table unreadable: passthrough unavailable\n");
		return;
	}
	log_info("vt-d: DMAR host address width %u, flags %#x%s%s%s, %u units, %u other structures\n",
		 d->host_address_width, d->flags,
		 d->flags & DMAR_FLAG_INTR_REMAP ? " intr-remap" : "",
		 d->flags & DMAR_FLAG_X2APIC_OPT_OUT ? " x2apic-opt-out" : "",
		 d->flags & DMAR_FLAG_DMA_CTRL_OPT_IN ? " dma-ctrl-opt-in" : "",
		 d->unit_count, d->other_structures);
	for (unsigned i = 0; i < d->unit_count; i++)
		log_info("vt-d: unit %u at %#llx segment %u%s\n", i,
			 (unsigned long long)d->unit[i].register_base, d->unit[i].segment,
			 d->unit[i].flags & DRHD_FLAG_INCLUDE_PCI_ALL ? " (all PCI devices)" : "");
}

void platform_print(void)
{
	const struct platform *p = &platform;

	if (!p->acpi_ok) {
		log_err("acpi: no usable tables\n");
		return;
	}
	print_tables(&p->acpi);
	if (p->madt_ok)
		log_info("madt: %u CPUs, %u IOAPICs, %u overrides, LAPIC at %#x\n",
			 p->madt.cpu_count, p->madt.ioapic_count, p->madt.override_count,
			 p->madt.lapic_address);
	else
		log_warn("madt: absent or unreadable\n");
	for (unsigned i = 0; p->mcfg_ok && i < p->mcfg.count; i++)
		log_info("mcfg: segment %u buses %02x-%02x ECAM at %#llx\n",
			 p->mcfg.window[i].segment, p->mcfg.window[i].start_bus,
			 p->mcfg.window[i].end_bus,
			 (unsigned long long)p->mcfg.window[i].base);
	if (!p->mcfg_ok || !p->mcfg.count)
		log_warn("mcfg: no ECAM window: PCI unavailable\n");
	log_info("timers: PM timer %s%#x%s, HPET %s%#llx\n",
		 p->timers.pm_timer_port ? "at port " : "absent ", p->timers.pm_timer_port,
		 p->timers.pm_timer_32bit ? " (32-bit)" : "",
		 p->timers.hpet_base ? "at " : "absent ",
		 (unsigned long long)p->timers.hpet_base);
	print_dmar(p);
}
