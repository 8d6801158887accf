/* A guest whose image is a Linux bzImage: the 64-bit boot protocol
 * (the kernel where its header asks, the initramfs, the command line and
 * a zero page) and the PC platform a firmware would leave it (an e820 map,
 * ACPI tables, the read-only ROM and BIOS area, the legacy devices of
 * hv/guest/platform/devices.h), laid out as hv/guest/platform/layout.h
 * says. */
#ifndef HV_GUEST_LOADER_LINUX_BOOT_H
#define HV_GUEST_LOADER_LINUX_BOOT_H

#include <stddef.h>

#include "hv/guest/loader/bzimage.h"
#include "hv/guest/platform/layout.h"

struct guest;
struct guest_config_view;

struct linux_boot {
	struct bzimage_plan plan;
	size_t cmdline_len;
	char cmdline[LINUX_CMDLINE_MAX]; /* the configuration's, and what hv appends */
};

/* Before the guest has RAM: the command line hv gives and the plan for
 * the image and initrd in cfg. 0, or -EINVAL with the reason logged. */
int linux_boot_plan(struct guest *g, const struct guest_config_view *cfg);

/* Into the guest's RAM (allocated, mapped): kernel, initrd, command line,
 * GDT; the ROM area mapped read-only; the legacy devices registered. */
int linux_boot_load(struct guest *g, const struct guest_config_view *cfg);

/* Once its PCI view is built: ACPI tables, e820 map and the zero page. */
int linux_boot_data(struct guest *g, const struct guest_config_view *cfg);

#endif
