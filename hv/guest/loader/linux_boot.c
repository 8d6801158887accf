/* Linux's 64-bit boot protocol for a bzImage guest, and the platform hv
 * synthesises for it in place of a firmware. */
#include "hv/guest/loader/linux_boot.h"
#include "arch/x86/log.h"
#include "arch/x86/page.h"
#include "arch/x86/sizes.h"
#include "arch/x86/time.h"
#include "hv/guest/partition.h"
#include "hv/guest/platform/acpi_tables.h"
#include "hv/guest/platform/devices.h"
#include "hv/guest/platform/e820.h"
#include "hv/platform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Linux needs no calibration of its own against hv's (FACTS.md: without
 * a timer it trusts, it hangs); hv says what it appended. */
static int build_cmdline(struct guest *g, const struct guest_config_view *cfg)
{
	struct linux_boot *lb = &g->linux_boot;
	const char *given = cfg->cmdline ? cfg->cmdline : "";
	unsigned long long khz = (unsigned long long)(time_tsc_hz() / 1000);
	char added[48];

	snprintf(added, sizeof(added), "tsc_early_khz=%llu", khz);
	int n = snprintf(lb->cmdline, sizeof(lb->cmdline), "%s%s%s", given, *given ? " " : "",
			 added);
	if (n < 0 || (size_t)n >= sizeof(lb->cmdline)) {
		log_err("guest %s: command line too long\n", g->name);
		return -EINVAL;
	}
	lb->cmdline_len = (size_t)n;
	log_info("guest %s: Linux command line += \"%s\" (hv's TSC calibration)\n", g->name,
		 added);
	return 0;
}

int linux_boot_plan(struct guest *g, const struct guest_config_view *cfg)
{
	struct linux_boot *lb = &g->linux_boot;
	int err;

	if ((err = build_cmdline(g, cfg)))
		return err;
	if (bzimage_plan(cfg->image, cfg->image_size, g->mem_size, cfg->initrd_size,
			 lb->cmdline_len, &lb->plan)) {
		log_err("guest %s: bzImage refused: %s\n", g->name, lb->plan.reason);
		return -EINVAL;
	}
	g->entry = lb->plan.entry;
	return 0;
}

/* The protocol's __BOOT_CS and __BOOT_DS, both flat. */
static void write_gdt(struct guest *g)
{
	uint64_t *gdt = guest_ram_ptr(g, LINUX_GDT, 4 * sizeof(uint64_t));

	gdt[0] = gdt[1] = 0;
	gdt[LINUX_BOOT_CS / 8] = GUEST_GDT_CODE64;
	gdt[LINUX_BOOT_DS / 8] = GUEST_GDT_DATA;
}

/* At the reset vector, what a PC's firmware does there in the end: reset
 * the machine (mov dx, port; mov al, value; out dx, al; then hlt for good).
 * Linux on hardware-reduced ACPI without EFI reboots by jumping here in
 * real mode (its BOOT_BIOS fallback), never through the reset register. */
static void write_reset_vector(struct guest *g)
{
	const uint8_t reset_code[] = { 0xba, GUEST_PORT_RESET & 0xff, GUEST_PORT_RESET >> 8, 0xb0,
				 GUEST_RESET_VALUE, 0xee, 0xf4, 0xeb, 0xfd };
	_Static_assert(sizeof(reset_code) <= GUEST_ROM_AREA_END - GUEST_RESET_VECTOR, "reset code");

	memcpy((uint8_t *)(uintptr_t)(g->ram + GUEST_RESET_VECTOR), reset_code, sizeof(reset_code));
}

/* Linux probes the ROM area page by page and its DMI scan copies the BIOS
 * area with MOVS: zeroed RAM (but for the reset vector) reads at full
 * speed, and writes exit (dropped, as no device claims them). */
static int map_rom_area(struct guest *g)
{
	write_reset_vector(g);
	return pt_map(&g->npt, GUEST_ROM_AREA, g->ram + GUEST_ROM_AREA,
		      GUEST_ROM_AREA_END - GUEST_ROM_AREA, vcpu_npt_rom_flags());
}

int linux_boot_load(struct guest *g, const struct guest_config_view *cfg)
{
	struct linux_boot *lb = &g->linux_boot;
	int err;

	bzimage_load_copy(&lb->plan, cfg->image, cfg->initrd, (uint8_t *)(uintptr_t)g->ram);
	memcpy(guest_ram_ptr(g, LINUX_CMDLINE, LINUX_CMDLINE_MAX), lb->cmdline,
	       lb->cmdline_len + 1);
	write_gdt(g);
	if ((err = map_rom_area(g))) {
		log_err("guest %s: ROM area not mapped (%d)\n", g->name, err);
		return err;
	}
	if ((err = guest_platform_attach(g))) {
		log_err("guest %s: its platform devices cannot be registered (%d)\n", g->name, err);
		return err;
	}
	log_info("guest %s: bzImage protocol %u.%02u, kernel %#llx-%#llx, initrd %llu KiB at "
		 "%#llx\n", g->name, lb->plan.version >> 8, lb->plan.version & 0xff,
		 (unsigned long long)lb->plan.load_addr,
		 (unsigned long long)(lb->plan.load_addr + lb->plan.init_size),
		 (unsigned long long)(lb->plan.initrd_size / 1024),
		 (unsigned long long)lb->plan.initrd_addr);
	return 0;
}

/* A window of the root bridge for each memory or I/O BAR of its view;
 * false when more BARs than windows (merging them could cover another
 * guest's device). */
static bool add_window(struct acpi_guest_window *w, unsigned *count, uint64_t base,
		       uint64_t size)
{
	for (unsigned i = 0; i < *count; i++) {
		if (w[i].base + w[i].size == base) {
			w[i].size += size;
			return true;
		}
	}
	if (*count == ACPI_GUEST_WINDOWS_MAX)
		return false;
	w[(*count)++] = (struct acpi_guest_window){ base, size };
	return true;
}

static int describe_pci(const struct guest *g, struct acpi_guest_desc *d)
{
	const struct vpci *view = &g->pt.view;

	d->pci = g->pt.count != 0;
	d->ecam_base = GUEST_PCI_ECAM;
	d->bus_last = 0; /* the view is bus 0 only */
	for (unsigned i = 0; i < g->pt.count; i++) {
		for (unsigned k = 0; k < VPCI_BARS; k++) {
			const struct vpci_bar *bar = &view->dev[i].bar[k];
			bool ok = true;
			if (!bar->addr || !bar->size)
				continue;
			if (bar->kind == VPCI_BAR_MEM32 || bar->kind == VPCI_BAR_MEM64)
				ok = add_window(d->mmio, &d->mmio_count, bar->addr, bar->size);
			else if (bar->kind == VPCI_BAR_IO)
				ok = add_window(d->io, &d->io_count, bar->addr, bar->size);
			if (!ok) {
				log_err("guest %s: more BARs than %u root bridge windows\n", g->name,
					ACPI_GUEST_WINDOWS_MAX);
				return -ENOSPC;
			}
		}
	}
	return 0;
}

/* Ports no guest may reach whatever the firmware's tables say: the ISA
 * range (PIC, PIT, keyboard controller, RTC, DMA), PCI configuration and
 * reset (0xCF8-0xCFF), the serial ports (hv's console among them). */
static bool port_is_shared(uint16_t port, unsigned width)
{
	static const struct { uint16_t first, last; } shared[] = {
		{ 0x0000, 0x00ff }, { 0x02e8, 0x02ff }, { 0x03e8, 0x03ff }, { 0x0cf8, 0x0cff },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(shared); i++)
		if (port <= shared[i].last && port + width - 1 >= shared[i].first)
			return true;
	return false;
}

/* Linux refines its TSC frequency against the PM timer and throws away
 * every reading that took longer than an SMI would (1/32 ms): behind an
 * exit under an emulator none is fast enough, and the TSC never becomes
 * its clocksource. The host's timer is a read-only counter, so the guest
 * reads it directly where the FADT's port (untrusted) is aligned, no
 * shared port, free of the guest's devices and seen to count like a PM
 * timer; else hv's (hv/guest/platform/acpi_pm.c) answers. */
static void choose_pm_timer(struct guest *g, struct acpi_guest_desc *d)
{
	uint16_t port = platform.timers.pm_timer_port;
	const unsigned width = 4;

	if (!port || port % width || port > 0x10000 - width || port_is_shared(port, width) ||
	    !time_pm_timer_counts(&platform.timers))
		return;
	/* Where hv's timer is (as under QEMU) the direct reads replace it. */
	for (unsigned i = 0; port != GUEST_PORT_PM_TIMER && i < width; i++)
		if (guest_port_lookup(&g->io, (uint16_t)(port + i)))
			return;
	d->pm_timer_port = port;
	d->pm_timer_24bit = !platform.timers.pm_timer_32bit;
	g->direct_port = port;
	g->direct_port_count = width;
	log_info("guest %s: PM timer: the host's at port %#x, read directly (%u bits)\n", g->name,
		 port, platform.timers.pm_timer_32bit ? 32 : 24);
}

static int write_acpi(struct guest *g)
{
	uint32_t apic_id[HV_GUEST_MAX_CPUS];
	struct acpi_guest_desc d = { .cpu_count = g->vcpu_count, .apic_id = apic_id };
	int err;

	choose_pm_timer(g, &d);
	for (unsigned i = 0; i < g->vcpu_count; i++)
		apic_id[i] = g->vcpu[i].apic_id;
	if ((err = describe_pci(g, &d)))
		return err;
	uint8_t *tables = guest_ram_ptr(g, LINUX_ACPI, LINUX_ACPI_MAX);
	long used = acpi_tables_build(&d, LINUX_ACPI, tables, LINUX_ACPI_MAX);
	if (used < 0) {
		log_err("guest %s: ACPI tables not built (%ld)\n", g->name, used);
		return (int)used;
	}
	/* Kernels before 4.20 read no acpi_rsdp_addr: they scan the BIOS area. */
	memcpy((uint8_t *)(uintptr_t)(g->ram + GUEST_RSDP_COPY), tables, ACPI_RSDP_SIZE);
	return 0;
}

static int write_e820(struct guest *g, struct e820_map *map)
{
	const struct e820_range ranges[] = {
		{ 0, LINUX_ACPI, E820_TYPE_RESERVED },
		{ LINUX_ACPI, LINUX_ACPI_MAX, E820_TYPE_ACPI },
		{ GUEST_ROM_AREA, GUEST_ROM_AREA_END - GUEST_ROM_AREA, E820_TYPE_RESERVED },
		/* Linux uses an ECAM window only where the map reserves it. */
		{ GUEST_PCI_ECAM, GUEST_PCI_ECAM_SIZE, E820_TYPE_RESERVED },
	};
	unsigned n = g->pt.count ? 4 : 3;
	int err = e820_build(g->mem_size, ranges, n, map);

	if (err)
		log_err("guest %s: e820 map not built (%d)\n", g->name, err);
	return err;
}

int linux_boot_data(struct guest *g, const struct guest_config_view *cfg)
{
	struct e820_map map;
	int err;

	if ((err = write_acpi(g)) || (err = write_e820(g, &map)))
		return err;
	struct bzimage_boot b = { .cmdline_gpa = LINUX_CMDLINE, .rsdp_gpa = LINUX_ACPI,
				  .e820 = &map };
	bzimage_zero_page(&g->linux_boot.plan, cfg->image, &b,
			  guest_ram_ptr(g, LINUX_ZERO_PAGE, PAGE_SIZE));
	return 0;
}
