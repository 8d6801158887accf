/* Self-tests that compare firmware's description of the machine with the
 * machine the boot test built (expect.* options) and with the hardware. */
#include "arch/x86/acpi.h"
#include "arch/x86/lapic.h"
#include "arch/x86/pci.h"
#include "arch/x86/sizes.h"
#include "hv/platform.h"
#include "hv/selftest/selftest.h"

static enum selftest_result acpi_checksums(struct selftest_ctx *ctx)
{
	const struct acpi_tables *a = &platform.acpi;
	(void)ctx;

	CHECK(platform.acpi_ok, "ACPI tables not found");
	CHECK(a->rsdp_checksum_ok, "RSDP checksum");
	CHECK(a->xsdt_checksum_ok, "%s checksum", a->rsdt ? "RSDT" : "XSDT");
	CHECK(a->count > 0, "XSDT lists no tables");
	for (unsigned i = 0; i < a->count; i++)
		CHECK(a->table[i].checksum_ok, "%.4s checksum",
		      a->table[i].header->signature);
	selftest_diag("%u tables, all checksums valid", a->count);
	return SELFTEST_PASS;
}

static enum selftest_result madt_cpu_count(struct selftest_ctx *ctx)
{
	const struct expectations *e = &ctx->opts->expect;

	CHECK(platform.madt_ok, "no readable MADT");
	if (!e->cpus_set)
		return selftest_skip(ctx, "no expect.cpus given");
	CHECK(platform.madt.cpu_count == e->cpus, "MADT lists %u CPUs, expected %u",
	      platform.madt.cpu_count, e->cpus);
	return SELFTEST_PASS;
}

static enum selftest_result lapic_is_in_madt(struct selftest_ctx *ctx)
{
	uint32_t id = lapic_id();
	(void)ctx;

	CHECK(platform.madt_ok, "no readable MADT");
	for (unsigned i = 0; i < platform.madt.cpu_count; i++)
		if (platform.madt.cpu_apic_id[i] == id)
			return SELFTEST_PASS;
	CHECK(false, "BSP APIC ID %u is not in the MADT", id);
}

static enum selftest_result mcfg_ecam_base(struct selftest_ctx *ctx)
{
	const struct expectations *e = &ctx->opts->expect;

	/* ACPI 1.0 machines (Bochs) have no MCFG; unless the scenario says
	 * where ECAM should be, that is their nature, not a fault. */
	if (!(platform.mcfg_ok && platform.mcfg.count) && !e->ecam_set && pci_through_ports())
		return selftest_skip(ctx, "no MCFG: PCI through ports 0xcf8/0xcfc");
	CHECK(platform.mcfg_ok && platform.mcfg.count, "no ECAM window in the MCFG");
	const struct ecam_window *w = &platform.mcfg.window[0];
	if (e->ecam_set)
		CHECK(w->base == e->ecam, "ECAM at %#llx, expected %#llx",
		      (unsigned long long)w->base, (unsigned long long)e->ecam);
	struct pci_bdf host_bridge = { w->segment, w->start_bus, 0, 0 };
	uint16_t vendor = pci_read16(host_bridge, PCI_VENDOR_ID);
	CHECK(vendor != PCI_VENDOR_NONE, "nothing answers at %02x:00.0 through ECAM",
	      w->start_bus);
	selftest_diag("ECAM %#llx, host bridge vendor %04x", (unsigned long long)w->base,
		      vendor);
	return SELFTEST_PASS;
}

static enum selftest_result dmar_presence(struct selftest_ctx *ctx)
{
	const struct expectations *e = &ctx->opts->expect;
	const struct dmar_table *d = platform.dmar;
	unsigned units = 0;

	if (!e->dmar_set)
		return selftest_skip(ctx, "no expect.dmar given");
	CHECK((d != NULL) == e->dmar, "DMAR %s, expected %s", d ? "present" : "absent",
	      e->dmar ? "present" : "absent");
	if (!d)
		return SELFTEST_PASS;
	CHECK(!d->refused, "DMAR refused");
	for (unsigned i = 0; i < d->structure_count; i++)
		units += d->structure[i].type == DMAR_DRHD && !d->structure[i].ignored;
	CHECK(units > 0, "DMAR lists no usable remapping unit");
	CHECK(d->host_address_width >= 32, "host address width %u", d->host_address_width);
	return SELFTEST_PASS;
}

/* A bus master the quiesce left on is a failure unless its enable bit is
 * hardwired (the i440FX host bridge's and the PIIX3 ISA bridge's are, in
 * Bochs as in their datasheets): clearing it here then changes nothing. */
struct bus_masters {
	unsigned on, hardwired;
};

static void count_bus_masters(void *ctx, struct pci_bdf d)
{
	struct bus_masters *m = ctx;

	if (!(pci_read16(d, PCI_COMMAND) & PCI_COMMAND_BUS_MASTER))
		return;
	pci_command_update(d, 0, PCI_COMMAND_BUS_MASTER);
	bool stuck = pci_read16(d, PCI_COMMAND) & PCI_COMMAND_BUS_MASTER;
	selftest_diag("%04x:%02x:%02x.%u %s", d.segment, d.bus, d.dev, d.fn,
		      stuck ? "has bus mastering hardwired on" : "still had bus mastering on");
	if (stuck)
		m->hardwired++;
	else
		m->on++;
}

static enum selftest_result firmware_dma_quiesced(struct selftest_ctx *ctx)
{
	struct bus_masters m = { 0, 0 };

	if (!pci_available())
		return selftest_skip(ctx, "no ECAM: PCI not reachable");
	unsigned n = pci_for_each_function(count_bus_masters, &m);
	CHECK(n > 0, "no PCI function found");
	CHECK(m.on == 0, "%u of %u functions could still master the bus", m.on, n);
	selftest_diag("%u functions, %u had bus mastering turned off, %u have it hardwired", n,
		      ctx->bi->bus_masters_quiesced, m.hardwired);
	return SELFTEST_PASS;
}

static const struct selftest tests[] = {
	{ "acpi_checksums", acpi_checksums },
	{ "madt_cpu_count", madt_cpu_count },
	{ "lapic_is_in_madt", lapic_is_in_madt },
	{ "mcfg_ecam_base", mcfg_ecam_base },
	{ "dmar_presence", dmar_presence },
	{ "firmware_dma_quiesced", firmware_dma_quiesced },
};

const struct selftest_suite selftest_suite_platform = { "platform", tests,
						       ARRAY_SIZE(tests) };
