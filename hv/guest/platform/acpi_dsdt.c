#include "hv/guest/platform/acpi_dsdt.h"
#include "hv/guest/platform/acpi_tables.h"
#include "hv/guest/platform/aml.h"
#include "hv/guest/platform/layout.h"

/* PC configuration mechanism #1's ports: the root bridge consumes them. */
#define PCI_CONFIG_PORT   0xcf8
#define PCI_CONFIG_PORTS  8
#define COM1_PORT         0x3f8
#define COM1_PORTS        8

static void name_integer(struct aml_writer *w, const char *name, uint64_t v)
{
	aml_name(w, name);
	aml_integer(w, v);
}

static void name_eisa_id(struct aml_writer *w, const char *name, const char *id)
{
	aml_name(w, name);
	aml_eisa_id(w, id);
}

/* The root bridge's windows: buses, then memory (a DWord descriptor where
 * the window lies below 4 GiB), then I/O, then the config ports. */
static void root_bridge_crs(struct aml_writer *w, const struct acpi_guest_desc *d)
{
	aml_name(w, "_CRS");
	aml_mark buf = aml_buffer_open(w);
	aml_res_word_bus_number(w, 0, d->bus_last);
	for (unsigned i = 0; i < d->mmio_count; i++) {
		uint64_t min = d->mmio[i].base, max = min + d->mmio[i].size - 1;

		if (max <= UINT32_MAX)
			aml_res_dword_memory(w, (uint32_t)min, (uint32_t)max);
		else
			aml_res_qword_memory(w, min, max);
	}
	for (unsigned i = 0; i < d->io_count; i++)
		aml_res_word_io(w, (uint16_t)d->io[i].base,
				(uint16_t)(d->io[i].base + d->io[i].size - 1));
	aml_res_io(w, PCI_CONFIG_PORT, PCI_CONFIG_PORTS);
	aml_res_end(w);
	aml_buffer_close(w, buf);
}

/* PNP0A08 (PCI Express) with PNP0A03 compatible: without a root bridge
 * Linux scans no PCI at all. */
static void root_bridge(struct aml_writer *w, const struct acpi_guest_desc *d)
{
	aml_mark dev = aml_device_open(w, "PCI0");
	name_eisa_id(w, "_HID", "PNP0A08");
	name_eisa_id(w, "_CID", "PNP0A03");
	name_integer(w, "_SEG", 0);
	name_integer(w, "_BBN", 0);
	name_integer(w, "_UID", 0);
	root_bridge_crs(w, d);
	aml_close(w, dev);
}

/* A legacy device at its ports, with no IRQ in _CRS: hv has no interrupt
 * for it (the 8250 driver then polls; the RTC driver runs without alarms). */
static void legacy_device(struct aml_writer *w, const char *name, const char *hid,
			  uint16_t port, uint16_t ports)
{
	aml_mark dev = aml_device_open(w, name);
	name_eisa_id(w, "_HID", hid);
	name_integer(w, "_UID", 1);
	aml_name(w, "_CRS");
	aml_mark buf = aml_buffer_open(w);
	aml_res_io(w, port, ports);
	aml_res_end(w);
	aml_buffer_close(w, buf);
	aml_close(w, dev);
}

/* _S5: SLP_TYPa, SLP_TYPb and two reserved elements. */
static void sleep_state_s5(struct aml_writer *w)
{
	aml_name(w, "_S5");
	aml_mark pkg = aml_package_open(w, 4);
	aml_integer(w, GUEST_SLEEP_TYPE_S5);
	aml_integer(w, GUEST_SLEEP_TYPE_S5);
	aml_integer(w, 0);
	aml_integer(w, 0);
	aml_close(w, pkg);
}

size_t acpi_dsdt_body(const struct acpi_guest_desc *d, void *buf, size_t size)
{
	struct aml_writer w;

	aml_init(&w, buf, size);
	aml_mark sb = aml_scope_open(&w, "\\_SB");
	if (d->pci)
		root_bridge(&w, d);
	legacy_device(&w, "COM1", "PNP0501", COM1_PORT, COM1_PORTS);
	/* Without it Linux registers the RTC with IRQ 8, which has no route. */
	legacy_device(&w, "RTC0", "PNP0B00", GUEST_PORT_CMOS, 2);
	aml_close(&w, sb);
	sleep_state_s5(&w);
	return aml_failed(&w) ? 0 : aml_length(&w);
}
