/* The ACPI tables hv synthesises for a Linux guest: what a PC's firmware
 * would leave, for the platform hv/guest/platform/layout.h lays out. A
 * hardware-reduced FADT (no PIC, PIT, SCI or fixed-feature hardware), a
 * MADT of the guest's vCPUs without an IOAPIC, a DSDT with COM1, the S5
 * sleep type and (with a PCI view) the root bridge, and then an MCFG of
 * the guest's buses only. */
#ifndef HV_GUEST_PLATFORM_ACPI_TABLES_H
#define HV_GUEST_PLATFORM_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_GUEST_WINDOWS_MAX 8

struct acpi_guest_window { uint64_t base, size; };

/* The RSDP's bytes (revision 2), at the start of what acpi_tables_build writes. */
#define ACPI_RSDP_SIZE 36

struct acpi_guest_desc {
	unsigned cpu_count;
	const uint32_t *apic_id;    /* vCPU i's APIC ID; [0] the BSP */
	bool pci;                   /* a PCI view: an MCFG and the root bridge */
	uint64_t ecam_base;         /* bus 0's ECAM (GUEST_PCI_ECAM in hv/guest/partition.h) */
	uint8_t bus_last;           /* buses 0..bus_last */
	unsigned mmio_count;        /* the root bridge's memory windows: its devices' BARs */
	struct acpi_guest_window mmio[ACPI_GUEST_WINDOWS_MAX];
	unsigned io_count;          /* its I/O windows (I/O BARs) */
	struct acpi_guest_window io[ACPI_GUEST_WINDOWS_MAX];
	/* The PM timer the FADT names: 0 for hv's (GUEST_PORT_PM_TIMER, 32
	 * bits), else a port the guest reads directly, 24 bits wide or 32. */
	uint16_t pm_timer_port;
	bool pm_timer_24bit;
};

/* Writes the tables for guest-physical address gpa (16-byte aligned) into
 * buf[0, size): the RSDP (revision 2) at offset 0, then XSDT, FADT, DSDT,
 * MADT, MCFG (only with pci). Returns the bytes used, -EINVAL for a bad
 * description (no CPUs, more than HV_GUEST_MAX_CPUS, gpa misaligned),
 * -ENOSPC when buf is too small.
 *
 * Also refused with -EINVAL: an APIC ID above 254 or used twice (the MADT
 * entries hold 8-bit IDs, 255 is the broadcast), a window count above
 * ACPI_GUEST_WINDOWS_MAX, an empty or wrapping window, an I/O window past
 * port 0xffff, an ECAM base not 1 MiB aligned or whose buses wrap, tables
 * that would wrap the guest-physical space. The PCI fields are ignored
 * without pci. On an error buf's contents are unspecified. */
long acpi_tables_build(const struct acpi_guest_desc *d, uint64_t gpa, void *buf, size_t size);

#endif
