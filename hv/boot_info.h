/* What the boot front end (boot/: UEFI or multiboot2) hands to the
 * hypervisor proper (hv/), which cannot tell which one ran. */
#ifndef HV_BOOT_INFO_H
#define HV_BOOT_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/memmap.h"
#include "hv/guest/config.h"

#define CMDLINE_MAX 512

/* A file read from the ESP before ExitBootServices (loader-data pages,
 * the hypervisor's afterwards). */
struct boot_file {
	const void *data;
	size_t size;
};

/* The firmware's clock (UEFI GetTime()) as read before ExitBootServices,
 * at at_ns on the boot timeline (time_ns()): what the RTC holds, its time
 * zone not applied, as a PC's CMOS clock shows it. valid: GetTime()
 * answered with a date in range. */
struct wall_clock {
	bool valid;
	uint16_t year;
	uint8_t month, day, hour, minute, second;
	uint64_t at_ns;
};

struct boot_info {
	char cmdline[CMDLINE_MAX];
	const char *cmdline_source; /* "load options", the file's name, or "none" */
	const void *rsdp;
	struct memmap memmap;       /* as of ExitBootServices */
	unsigned exit_boot_services_tries; /* 0: there were none (multiboot2) */
	unsigned bus_masters_quiesced;
	uint64_t ebs_done_ns;
	/* TRAMPOLINE_PAGES (arch/x86/trampoline.h) below 1 MiB for starting
	 * the APs, typed loader data so the page allocator never takes them;
	 * 0 when firmware had none (the BSP then runs alone). */
	uint64_t smp_trampoline;
	/* The guest configuration, parsed while the images it names could
	 * still be read. config_present: a file was found; config_ok: it
	 * parsed and every image was read (else its errors were printed and
	 * nothing may run). */
	char config_path[OPTIONS_PATH_MAX];
	bool config_present, config_ok;
	struct hv_config config;
	struct config_errors config_errors; /* parse and image errors, to print */
	struct boot_file guest_image[HV_CONFIG_MAX_GUESTS];
	struct wall_clock wall_clock;
	struct boot_file guest_initrd[HV_CONFIG_MAX_GUESTS]; /* size 0: none */
	/* Firmware's ResetSystem(shutdown), usable after ExitBootServices. */
	void (*firmware_shutdown)(void);
};

/* Entered on the hypervisor's own stack once firmware is gone. */
__attribute__((noreturn)) void hv_main(struct boot_info *bi);

#endif
