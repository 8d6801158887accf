/* Where hv puts what it synthesises for a Linux guest (the platform a PC's
 * firmware would leave), in guest-physical memory and port space. One place,
 * so the e820 builder, the ACPI tables and the device registrations agree.
 *
 * Guest RAM below 64 KiB holds hv's pages (reserved in the e820 map);
 * 0xA0000-0xBFFFF is the legacy hole (no VGA: nothing there); 0xC0000-0xFFFFF,
 * where a PC has its option ROMs and BIOS, is zeroed RAM mapped read-only:
 * Linux's ROM probe and DMI scan read it at full speed and find nothing
 * but a copy of the RSDP (for kernels that scan for it) and, at the reset
 * vector, code that resets (hv/guest/loader/linux_boot.c). */
#ifndef HV_GUEST_PLATFORM_LAYOUT_H
#define HV_GUEST_PLATFORM_LAYOUT_H

#include "hv/guest/abi.h"

/* Guest RAM hv fills for a Linux guest. */
#define LINUX_ZERO_PAGE      0x1000ull /* struct boot_params (4 KiB) */
#define LINUX_GDT            0x2000ull /* null, null, __BOOT_CS 0x10, __BOOT_DS 0x18 */
#define LINUX_TABLES         0x3000ull /* as for every guest (abi.h), to HV_GUEST_LOW_FREE */
#define LINUX_CMDLINE        0xd000ull
#define LINUX_CMDLINE_MAX    0x1000ull /* bytes, the NUL included */
#define LINUX_ACPI           0xe000ull /* RSDP first, then the other tables */
#define LINUX_ACPI_MAX       0x2000ull
#define LINUX_HV_PAGES_END   0x10000ull /* [0, here): hv's, reserved */

#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

/* The read-only ROM and BIOS area. */
#define GUEST_ROM_AREA       0xc0000ull
#define GUEST_ROM_AREA_END   0x100000ull
#define GUEST_RESET_VECTOR   0xffff0ull /* F000:FFF0: code that resets */
#define GUEST_RSDP_COPY      0xe0000ull /* where older kernels scan for it */

/* Ports of the synthesised devices. */
#define GUEST_PORT_PIT       0x40   /* 0x40-0x43: channel 2 counts, 0-1 idle */
#define GUEST_PORT_SYS_CTRL  0x61   /* PIT channel 2 gate and output */
#define GUEST_PORT_CMOS      0x70   /* 0x70 index, 0x71 data */
#define GUEST_PORT_ACPI      0x600  /* the block below, 16 ports */
#define GUEST_PORT_ACPI_COUNT 16
#define GUEST_PORT_SLEEP_CTL (GUEST_PORT_ACPI + 0) /* 8 bits: SLP_TYPx << 2 | SLP_EN */
#define GUEST_PORT_SLEEP_STS (GUEST_PORT_ACPI + 1) /* 8 bits: WAK_STS */
#define GUEST_PORT_RESET     (GUEST_PORT_ACPI + 2) /* 8 bits: write GUEST_RESET_VALUE */
#define GUEST_PORT_PM_TIMER  (GUEST_PORT_ACPI + 8) /* 32 bits, 3.579545 MHz */
#define GUEST_RESET_VALUE    0x01
#define GUEST_SLEEP_TYPE_S5  5      /* _S5's SLP_TYPa/b, as the DSDT says */
#define GUEST_CMOS_CENTURY   0x32   /* the FADT's century index */

#endif
