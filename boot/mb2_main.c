/* Entry from GRUB (multiboot2), in long mode on mb2_entry.S's stack: fill
 * the same struct boot_info efi_main does from the multiboot2 information,
 * and enter the hypervisor proper. There are no firmware services: the
 * configuration and guest images are GRUB's modules, named by their
 * strings; the memory map is the BIOS's e820 as GRUB passes it on. */
#include "arch/x86/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/log.h"
#include "arch/x86/pci.h"
#include "arch/x86/sizes.h"
#include "arch/x86/stack.h"
#include "arch/x86/time.h"
#include "arch/x86/trampoline.h"
#include "boot/cmos_clock.h"
#include "boot/config_load.h"
#include "boot/heap.h"
#include "boot/mb2_info.h"
#include "hv/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HV_STACK_BYTES (16 * PAGE_SIZE)
#define HEAP_BYTES (256 * PAGE_SIZE)
#define RSDP_V2_BYTES 36
/* Below this the real-mode IVT and BIOS data area stay untouched. */
#define TRAMPOLINE_MIN_ADDR 0x1000

/* boot_files statuses (printed as "module2 status N"). */
#define MODULE_NOT_FOUND 1
#define MODULE_TOO_LARGE 2
#define MODULE_NO_MEMORY 3

extern const char ImageBase[], __image_end[];

__attribute__((noreturn)) void mb2_main(uint32_t magic, uint64_t info_addr);
void mb2_mask_legacy_pic(void);

static struct boot_info boot_info;
static struct mb2_info mb2;
static _Alignas(PAGE_SIZE) uint8_t hv_stack[HV_STACK_BYTES];
static _Alignas(PAGE_SIZE) uint8_t heap[HEAP_BYTES];
/* The RSDP lives in the information structure, which is not kept. */
static _Alignas(16) uint8_t rsdp_copy[RSDP_V2_BYTES];

static __attribute__((noreturn)) void stop(const char *why)
{
	log_err("boot: %s, cannot continue\n", why);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void no_firmware_shutdown(void)
{
	log_err("boot: multiboot2 leaves no firmware to power off with\n");
}

/* A module by its string. Images are used where GRUB loaded them; small
 * (text) files are copied to the heap to end in a NUL. */
static unsigned long long read_module(void *ctx, const char *name, size_t max_size,
				      void **data, size_t *size)
{
	const struct mb2_module *m = mb2_find_module(ctx, name);

	if (!m)
		return MODULE_NOT_FOUND;
	uint64_t n = m->end - m->start;
	if (n > max_size)
		return MODULE_TOO_LARGE;
	*data = (void *)(uintptr_t)m->start;
	*size = n;
	if (max_size > CONFIG_MAX_BYTES)
		return 0;
	char *copy = malloc(n + 1);
	if (!copy)
		return MODULE_NO_MEMORY;
	memcpy(copy, *data, n);
	copy[n] = '\0';
	*data = copy;
	return 0;
}

static void read_cmdline(struct boot_info *bi)
{
	bi->cmdline_source = mb2.cmdline ? "multiboot2" : "none";
	snprintf(bi->cmdline, sizeof(bi->cmdline), "%s", mb2.cmdline ? mb2.cmdline : "");
	for (char *c = bi->cmdline; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = ' ';
}

static const void *copy_rsdp(void)
{
	if (!mb2.rsdp)
		return NULL;
	memcpy(rsdp_copy, mb2.rsdp, mb2.rsdp_size < sizeof(rsdp_copy) ? mb2.rsdp_size
								       : sizeof(rsdp_copy));
	return rsdp_copy;
}

static void claim(struct memmap *map, uint64_t base, uint64_t len, const char *what)
{
	if (memmap_set_range(map, base, len, MEM_HYPERVISOR))
		stop(what); /* unclaimed, the page allocator would hand it out */
}

/* The e820 map with what must outlive the boot marked the hypervisor's:
 * its image (stack and heap inside), the modules, the information
 * structure; then the AP trampoline from what is left below 640 KiB. */
static void build_memmap(struct boot_info *bi, uint64_t info_addr)
{
	struct memmap *map = &bi->memmap;

	if (!mb2.mmap)
		stop("no multiboot2 memory map");
	unsigned dropped = mb2_build_memmap(&mb2, map);
	if (dropped)
		log_warn("memmap: %u e820 entries beyond %u regions ignored\n", dropped,
			 MEMMAP_MAX_REGIONS);
	claim(map, (uintptr_t)ImageBase, (uintptr_t)__image_end - (uintptr_t)ImageBase,
	      "no room in the memory map for the image");
	for (unsigned i = 0; i < mb2.module_count; i++)
		claim(map, mb2.module[i].start, mb2.module[i].end - mb2.module[i].start,
		      "no room in the memory map for a module");
	claim(map, info_addr, mb2.total_size, "no room in the memory map for the boot information");
	bi->smp_trampoline = memmap_take_below(map, TRAMPOLINE_PAGES, TRAMPOLINE_MIN_ADDR,
					       TRAMPOLINE_MAX_ADDR + 1);
	if (!bi->smp_trampoline)
		log_warn("boot: no free pages below 640 KiB: SMP unavailable, the BSP runs alone\n");
}

static void print_modules(void)
{
	for (unsigned i = 0; i < mb2.module_count; i++)
		log_info("boot: module %#llx-%#llx '%s'\n", (unsigned long long)mb2.module[i].start,
			 (unsigned long long)mb2.module[i].end, mb2.module[i].string);
	if (mb2.modules_dropped)
		log_warn("boot: %u modules beyond %u ignored\n", mb2.modules_dropped,
			 MB2_MAX_MODULES);
}

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static uint8_t cmos_read(void *ctx, uint8_t reg)
{
	(void)ctx;
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

/* The date for the guests' CMOS clocks, from the host's: no firmware
 * service tells it here. */
static void read_wall_clock(struct wall_clock *wc)
{
	wc->at_ns = time_ns();
	if (!cmos_clock_read(cmos_read, NULL, wc)) {
		log_warn("boot: no wall clock from the CMOS RTC\n");
		return;
	}
	log_info("boot: wall clock %04u-%02u-%02u %02u:%02u:%02u (CMOS RTC)\n", wc->year,
		 wc->month, wc->day, wc->hour, wc->minute, wc->second);
}

static void enter_hv(void *bi)
{
	hv_main(bi);
}

void mb2_main(uint32_t magic, uint64_t info_addr)
{
	struct boot_info *bi = &boot_info;
	const char *error;

	time_start();
	console_init_serial();
	log_raw("\nhv: a minimal type-1 hypervisor with Intel VT-d (built " __DATE__ ")\n");
	if (magic != MB2_BOOTLOADER_MAGIC)
		stop("not started by a multiboot2 boot loader (bad magic)");
	mb2_mask_legacy_pic();
	heap_init(heap, sizeof(heap));
	if (mb2_parse((const void *)(uintptr_t)info_addr, &mb2, &error)) {
		log_err("boot: multiboot2 information at %#llx: %s\n",
			(unsigned long long)info_addr, error);
		stop("unreadable boot information");
	}
	bi->rsdp = copy_rsdp();
	if (!bi->rsdp || platform_discover(bi->rsdp))
		stop("no usable ACPI tables");
	enum tsc_source src = time_calibrate(&platform.timers);
	log_info("time: TSC at %llu kHz, from %s\n",
		 (unsigned long long)(time_tsc_hz() / 1000), tsc_source_name(src));
	read_cmdline(bi);
	log_info("boot: multiboot2, loaded at %p, RSDP from tag %u, command line from %s: '%s'\n",
		 (const void *)ImageBase, mb2.rsdp_tag, bi->cmdline_source, bi->cmdline);
	print_modules();
	pci_init(&platform.mcfg);
	/* The BIOS's and GRUB's drivers are done; their devices' DMA must
	 * not outlive them (as efi_main does before ExitBootServices). */
	if (pci_available())
		bi->bus_masters_quiesced = pci_disable_bus_mastering_all();
	else
		log_warn("boot: no PCI configuration access, firmware DMA left running\n");

	const struct boot_files modules = { read_module, &mb2, "module2 status" };
	boot_load_config(bi, &modules);
	build_memmap(bi, info_addr);
	bi->firmware_shutdown = no_firmware_shutdown;
	read_wall_clock(&bi->wall_clock);
	bi->ebs_done_ns = time_ns();
	call_on_stack(hv_stack + sizeof(hv_stack), enter_hv, bi);
}
