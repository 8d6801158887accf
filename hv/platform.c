#include "hv/platform.h"
#include "arch/x86/log.h"
#include "hv/pci_tree.h"
#include "iommu/dmar_match.h"
#include "iommu/group.h"

#include <stdlib.h>

struct platform platform;

static void parse_dmar(struct platform *p, const struct acpi_table *t)
{
	uint8_t ioapic_ids[MADT_MAX_IOAPICS];
	struct dmar_madt_view view = { 0, ioapic_ids };

	p->dmar = malloc(sizeof(*p->dmar));
	if (!p->dmar) {
		log_err("vt-d: no memory for the DMAR model\n");
		return;
	}
	for (unsigned i = 0; p->madt_ok && i < p->madt.ioapic_count; i++)
		ioapic_ids[view.ioapic_count++] = p->madt.ioapic[i].id;
	dmar_parse(t->header, t->header->length, &view, p->dmar);
}

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
	if ((t = acpi_find(&p->acpi, "DMAR", 0)))
		parse_dmar(p, t);
	return 0;
}

bool platform_has_vtd(void)
{
	return platform.dmar && !platform.dmar->refused;
}

void platform_enumerate_pci(void)
{
	static const struct pci_config_ops ecam_ops = { pci_cfg_read32, pci_cfg_write16, NULL };
	struct platform *p = &platform;

	if (!pci_available())
		return;
	if (!p->pci && !(p->pci = malloc(sizeof(*p->pci)))) {
		log_err("pci: no memory for the topology\n");
		return;
	}
	/* With an IOMMU in charge, ports must not let peers talk past it. */
	pci_enumerate(&ecam_ops, pci_windows(), platform_has_vtd(), p->pci);
	iommu_groups_compute(p->pci);
	if (platform_has_vtd())
		dmar_assign_units(p->dmar, p->pci);
}

static void print_tables(const struct acpi_tables *a)
{
	log_info("acpi: RSDP rev %u, %s with %u tables:", a->rsdp_revision,
		 a->rsdt ? "RSDT" : "XSDT", a->count);
	for (unsigned i = 0; i < a->count; i++)
		log_raw(" %.4s%s", a->table[i].header->signature,
			a->table[i].checksum_ok ? "" : "(bad checksum)");
	log_raw("\n");
}

static void print_dmar(const struct dmar_table *d)
{
	unsigned counts[DMAR_SIDP + 2] = { 0 }, units = 0;

	if (!d) {
		log_info("vt-d: absent (no DMAR table): passthrough unavailable\n");
		return;
	}
	for (unsigned i = 0; i < d->structure_count; i++) {
		const struct dmar_structure *s = &d->structure[i];
		counts[s->type <= DMAR_SIDP ? s->type : DMAR_SIDP + 1]++;
		if (s->type != DMAR_DRHD)
			continue;
		log_info("vt-d: unit %u at %#llx segment %u, %u scopes%s%s\n", units++,
			 (unsigned long long)s->drhd.address, s->drhd.segment, s->scope_count,
			 s->drhd.flags & DRHD_FLAG_INCLUDE_PCI_ALL ? ", all other PCI devices" : "",
			 s->ignored ? " (ignored)" : "");
	}
	log_info("vt-d: DMAR rev %u, host address width %u, flags %#x%s%s%s; "
		 "%u RMRR %u ATSR %u RHSA %u ANDD %u SATC %u SIDP %u unknown\n",
		 d->revision, d->host_address_width, d->flags,
		 d->flags & DMAR_FLAG_INTR_REMAP ? " intr-remap" : "",
		 d->flags & DMAR_FLAG_X2APIC_OPT_OUT ? " x2apic-opt-out" : "",
		 d->flags & DMAR_FLAG_DMA_CTRL_OPT_IN ? " dma-ctrl-opt-in" : "",
		 counts[DMAR_RMRR], counts[DMAR_ATSR], counts[DMAR_RHSA], counts[DMAR_ANDD],
		 counts[DMAR_SATC], counts[DMAR_SIDP], counts[DMAR_SIDP + 1]);
	for (unsigned i = 0; i < d->diagnostic_count; i++)
		log_raw("  DMAR %s at offset %#x: %s\n", dmar_severity_name(d->diagnostic[i].severity),
			d->diagnostic[i].offset, d->diagnostic[i].message);
	if (d->diagnostics_dropped)
		log_raw("  DMAR: %u more diagnostics\n", d->diagnostics_dropped);
	if (d->refused)
		log_err("vt-d: DMAR refused: passthrough unavailable\n");
	else if (d->intr_remap_unsafe)
		log_warn("vt-d: interrupt remapping unsafe on this platform\n");
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
	if ((!p->mcfg_ok || !p->mcfg.count) && pci_through_ports())
		log_info("mcfg: no ECAM window: PCI through ports 0xcf8/0xcfc\n");
	else if (!p->mcfg_ok || !p->mcfg.count)
		log_warn("mcfg: no ECAM window: PCI unavailable\n");
	log_info("timers: PM timer %s%#x%s, HPET %s%#llx\n",
		 p->timers.pm_timer_port ? "at port " : "absent ", p->timers.pm_timer_port,
		 p->timers.pm_timer_32bit ? " (32-bit)" : "",
		 p->timers.hpet_base ? "at " : "absent ",
		 (unsigned long long)p->timers.hpet_base);
	print_dmar(p->dmar);
	if (p->pci)
		pci_tree_print(p->pci);
}
