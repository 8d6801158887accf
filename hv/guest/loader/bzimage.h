/* Linux guests: a bounds-checked loader of bzImage kernels for the 64-bit
 * entry of the x86 boot protocol (Linux's Documentation/x86/boot.rst). The
 * image is untrusted input (it comes from the ESP): bzimage_plan() reads
 * only inside [image, image + size), refuses what hv cannot boot and says
 * why; bzimage_load_copy() then places a plan in guest RAM and
 * bzimage_zero_page() writes the struct boot_params the kernel is entered
 * with (RSI).
 *
 * Accepted: boot_flag 0xAA55 and "HdrS", boot protocol 2.12 or later with
 * XLF_KERNEL_64 in xloadflags and LOADED_HIGH in loadflags (a bzImage, not
 * a zImage); the protected-mode kernel (syssize paragraphs after the setup
 * sectors) inside the file, longer than its 64-bit entry offset 0x200 and
 * no longer than init_size; kernel_alignment a power of two. Guest RAM is
 * [0, mem_size) less the legacy hole; mem_size page-aligned, above 1 MiB
 * and at most HV_GUEST_MEM_MAX. */
#ifndef HV_GUEST_LOADER_BZIMAGE_H
#define HV_GUEST_LOADER_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/guest/platform/e820.h"

#define BZIMAGE_REASON_MAX 96

/* "HdrS" at 0x202: a bzImage (or a zImage), which bzimage_plan() then
 * judges; false for anything else (an ELF guest image, say). */
bool bzimage_is(const void *image, size_t size);

struct bzimage_plan {
	uint16_t version;        /* boot protocol, e.g. 0x020f */
	uint64_t kernel_offset;  /* of the protected-mode kernel in the image: (setup_sects ?: 4) + 1 sectors */
	uint64_t kernel_size;    /* bytes copied from there: syssize * 16 */
	uint64_t load_addr;      /* its GPA */
	uint64_t init_size;      /* RAM it needs from load_addr */
	uint64_t entry;          /* 64-bit entry: load_addr + 0x200 */
	uint64_t initrd_addr, initrd_size; /* 0, 0 without one */
	uint32_t cmdline_max;    /* cmdline_size: bytes it takes, NUL excluded */
	/* Why the image was refused ("" when it was not). */
	char reason[BZIMAGE_REASON_MAX];
};

/* Checks the header (see above) and plans for a guest with mem_size bytes
 * of RAM, an initrd of initrd_size bytes (0: none) and a command line of
 * cmdline_len bytes (the NUL not counted):
 * - the kernel at pref_address when [pref_address, + init_size) lies in RAM
 *   above 1 MiB (and, for a relocatable kernel, pref_address is
 *   kernel_alignment-aligned); else, for a relocatable kernel only, at the
 *   lowest kernel_alignment-aligned address >= 1 MiB where it fits;
 * - the initrd page-aligned, as high as it fits below
 *   min(mem_size, initrd_addr_max + 1) and above load_addr + init_size;
 * - cmdline_len <= cmdline_size and < LINUX_CMDLINE_MAX.
 * Returns 0, or -EINVAL with out->reason naming the field (e.g. "kernel
 * needs 70 MiB from 0x1000000, guest has 64 MiB"); *out is then of no use
 * but the reason. The image need not be aligned. */
int bzimage_plan(const void *image, size_t size, uint64_t mem_size, uint64_t initrd_size,
		 size_t cmdline_len, struct bzimage_plan *out);

/* Copies the kernel of a plan from bzimage_plan() to guest_ram_base +
 * load_addr and the initrd (may be NULL when initrd_size is 0) to
 * guest_ram_base + initrd_addr. guest_ram_base maps guest RAM [0, mem_size)
 * contiguously; the image must be the one planned. */
void bzimage_load_copy(const struct bzimage_plan *p, const void *image, const void *initrd,
		       uint8_t *guest_ram_base);

struct bzimage_boot {
	uint64_t cmdline_gpa;          /* the NUL-terminated command line */
	uint64_t rsdp_gpa;             /* the ACPI RSDP, 0: none */
	const struct e820_map *e820;   /* NULL: no entries */
};

#define BZIMAGE_ZERO_PAGE_SIZE 4096

/* Writes the zero page (struct boot_params) for a plan from bzimage_plan()
 * of this image: zeroed; the image's setup header copied (0x1F1 up to
 * 0x202 + the jump's offset byte at 0x201, bounded by the header's room in
 * boot_params and by the image); then type_of_loader 0xFF (no assigned
 * id), loadflags as the kernel has them with CAN_USE_HEAP clear (hv runs
 * no real-mode setup code), code32_start the load address, no setup_data,
 * cmd_line_ptr and ramdisk_image/size (their high halves in the ext_
 * fields), acpi_rsdp_addr, the e820 table, hardware_subarch 0 (a PC). */
void bzimage_zero_page(const struct bzimage_plan *p, const void *image,
		       const struct bzimage_boot *b, uint8_t zero_page[BZIMAGE_ZERO_PAGE_SIZE]);

#endif
