/* Entry from UEFI firmware: gather what only boot services can give, quiesce
 * firmware DMA, leave boot services, and enter the hypervisor proper. */
#include "arch/x86/console.h"
#include "arch/x86/log.h"
#include "arch/x86/pci.h"
#include "arch/x86/stack.h"
#include "arch/x86/time.h"
#include "arch/x86/trampoline.h"
#include "boot/config_load.h"
#include "boot/efi_boot.h"
#include "boot/heap.h"
#include "hv/platform.h"

#include <string.h>

#define HV_STACK_PAGES 16
#define HEAP_PAGES 256
#define EBS_MAX_TRIES 4
/* ExitBootServices may grow the map a little between tries. */
#define MEMMAP_SLACK_DESCRIPTORS 64

EFI_BOOT_SERVICES *efi_bs;
EFI_RUNTIME_SERVICES *efi_rt;

static struct boot_info boot_info;

static void firmware_shutdown(void)
{
	efi_rt->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
}

static const void *find_rsdp(EFI_SYSTEM_TABLE *st)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;

	for (UINTN i = 0; i < st->NumberOfTableEntries; i++)
		if (!memcmp(&st->ConfigurationTable[i].VendorGuid, &acpi20, sizeof(acpi20)))
			return st->ConfigurationTable[i].VendorTable;
	return NULL;
}

static void *alloc_pages(UINTN pages)
{
	EFI_PHYSICAL_ADDRESS addr = 0;

	if (efi_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &addr) !=
	    EFI_SUCCESS)
		return NULL;
	return (void *)(uintptr_t)addr;
}

/* Pages below 1 MiB for the AP startup trampoline: a SIPI can only start a
 * CPU there, and after ExitBootServices nothing hands out memory by
 * address. EfiLoaderData becomes MEM_HYPERVISOR, which the page allocator
 * never takes (nor anything below 1 MiB). */
static uint64_t alloc_trampoline(void)
{
	EFI_PHYSICAL_ADDRESS addr = TRAMPOLINE_MAX_ADDR;

	if (efi_bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, TRAMPOLINE_PAGES,
				  &addr) != EFI_SUCCESS) {
		log_warn("boot: no free pages below 1 MiB: SMP unavailable, the BSP runs alone\n");
		return 0;
	}
	return addr;
}

/* Leaves boot services. Between GetMemoryMap and ExitBootServices nothing
 * may allocate, so nothing logs there. */
static EFI_STATUS exit_boot_services(EFI_HANDLE image, struct boot_info *bi)
{
	UINTN size = 0, key, desc_size;
	UINT32 desc_version;
	void *map;

	efi_bs->GetMemoryMap(&size, NULL, &key, &desc_size, &desc_version);
	size += MEMMAP_SLACK_DESCRIPTORS * desc_size;
	UINTN capacity = size;
	if (efi_bs->AllocatePool(EfiLoaderData, capacity, &map) != EFI_SUCCESS)
		return EFI_OUT_OF_RESOURCES;

	log_info("boot: quiescing firmware DMA and leaving boot services\n");
	if (pci_available())
		bi->bus_masters_quiesced = pci_disable_bus_mastering_all();
	else
		log_warn("boot: no ECAM, firmware DMA left running\n");

	EFI_STATUS st = EFI_LOAD_ERROR;
	for (unsigned tries = 1; tries <= EBS_MAX_TRIES; tries++) {
		size = capacity;
		st = efi_bs->GetMemoryMap(&size, map, &key, &desc_size, &desc_version);
		if (st != EFI_SUCCESS)
			break;
		st = efi_bs->ExitBootServices(image, key);
		bi->exit_boot_services_tries = tries;
		if (st == EFI_SUCCESS)
			break;
	}
	if (st != EFI_SUCCESS)
		return st;
	console_clear_firmware_sink();
	efi_convert_memmap(map, size, desc_size, &bi->memmap);
	return EFI_SUCCESS;
}

static unsigned long long read_esp_file(void *li, const char *path, size_t max_size,
					 void **data, size_t *size)
{
	return efi_read_file(li, path, max_size, data, size);
}

/* The configuration and the images it names: only boot services can read
 * the ESP. */
static void read_config(EFI_LOADED_IMAGE *li, struct boot_info *bi)
{
	const struct boot_files esp = { read_esp_file, li, "EFI status" };

	boot_load_config(bi, &esp);
}

/* The date for the guests' CMOS clocks: after ExitBootServices only
 * runtime services could tell it, from a CPU the guests may be using. */
static void read_wall_clock(struct wall_clock *wc)
{
	EFI_TIME t;

	*wc = (struct wall_clock){ 0 };
	EFI_STATUS st = efi_rt->GetTime(&t, NULL);
	wc->at_ns = time_ns();
	if (st != EFI_SUCCESS || t.Year < 1970 || t.Year > 9999 || t.Month < 1 || t.Month > 12 ||
	    t.Day < 1 || t.Day > 31 || t.Hour > 23 || t.Minute > 59 || t.Second > 59) {
		log_warn("boot: no wall clock from firmware (GetTime status %#llx)\n",
			 (unsigned long long)st);
		return;
	}
	*wc = (struct wall_clock){ true, t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second,
				   wc->at_ns };
	log_info("boot: wall clock %04u-%02u-%02u %02u:%02u:%02u\n", t.Year, t.Month, t.Day,
		 t.Hour, t.Minute, t.Second);
}

static void enter_hv(void *bi)
{
	hv_main(bi);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li = NULL;
	struct boot_info *bi = &boot_info;

	time_start();
	efi_bs = st->BootServices;
	efi_rt = st->RuntimeServices;
	console_init_serial();
	efi_console_attach(st);
	log_raw("\nhv: a minimal type-1 hypervisor with Intel VT-d (built " __DATE__ ")\n");

	if (efi_bs->HandleProtocol(image, &loaded_image_guid, (void **)&li) != EFI_SUCCESS) {
		log_err("boot: no loaded-image protocol\n");
		return EFI_LOAD_ERROR;
	}
	void *stack = alloc_pages(HV_STACK_PAGES);
	void *heap = alloc_pages(HEAP_PAGES);
	if (!stack || !heap) {
		log_err("boot: cannot allocate the hypervisor stack and heap\n");
		return EFI_OUT_OF_RESOURCES;
	}
	heap_init(heap, HEAP_PAGES * EFI_PAGE_SIZE);

	bi->rsdp = find_rsdp(st);
	if (!bi->rsdp || platform_discover(bi->rsdp)) {
		log_err("boot: no ACPI 2.0 tables, cannot continue\n");
		return EFI_UNSUPPORTED;
	}
	enum tsc_source src = time_calibrate(&platform.timers);
	log_info("time: TSC at %llu kHz, from %s\n",
		 (unsigned long long)(time_tsc_hz() / 1000), tsc_source_name(src));
	efi_read_cmdline(li, bi);
	log_info("boot: loaded at %p, command line from %s: '%s'\n", li->ImageBase,
		 bi->cmdline_source, bi->cmdline);
	pci_init(&platform.mcfg);
	read_config(li, bi);

	bi->firmware_shutdown = firmware_shutdown;
	bi->smp_trampoline = alloc_trampoline();
	read_wall_clock(&bi->wall_clock);

	EFI_STATUS status = exit_boot_services(image, bi);
	if (status != EFI_SUCCESS) {
		log_err("boot: ExitBootServices failed (%#llx)\n", (unsigned long long)status);
		return status;
	}
	bi->ebs_done_ns = time_ns();
	call_on_stack((uint8_t *)stack + HV_STACK_PAGES * EFI_PAGE_SIZE, enter_hv, bi);
}
