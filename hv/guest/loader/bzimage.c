/* bzImage guest kernels: see hv/guest/loader/bzimage.h. Every field is read
 * through one table of offsets and widths, little-endian, byte by byte and
 * never past the image's end; every sum of untrusted values is checked
 * for overflow. */
#include "hv/guest/loader/bzimage.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/sizes.h"
#include "hv/guest/abi.h"
#include "hv/guest/platform/layout.h"

/* Fields of struct boot_params (the zero page): the setup header from 0x1F1
 * (at the same offsets in the image) and the few others hv writes. */
enum bp_field {
	BP_ACPI_RSDP_ADDR, BP_EXT_RAMDISK_IMAGE, BP_EXT_RAMDISK_SIZE, BP_EXT_CMD_LINE_PTR,
	BP_E820_ENTRIES,
	SH_SETUP_SECTS, SH_SYSSIZE, SH_BOOT_FLAG, SH_JUMP_OFFSET, SH_HEADER, SH_VERSION,
	SH_TYPE_OF_LOADER, SH_LOADFLAGS, SH_CODE32_START, SH_RAMDISK_IMAGE, SH_RAMDISK_SIZE,
	SH_CMD_LINE_PTR, SH_INITRD_ADDR_MAX, SH_KERNEL_ALIGNMENT, SH_RELOCATABLE_KERNEL,
	SH_XLOADFLAGS, SH_CMDLINE_SIZE, SH_HARDWARE_SUBARCH, SH_SETUP_DATA, SH_PREF_ADDRESS,
	SH_INIT_SIZE,
	BP_FIELD_COUNT
};

static const struct {
	uint16_t offset;
	uint8_t width;
} bp_fields[BP_FIELD_COUNT] = {
	[BP_ACPI_RSDP_ADDR]     = { 0x070, 8 },
	[BP_EXT_RAMDISK_IMAGE]  = { 0x0c0, 4 },
	[BP_EXT_RAMDISK_SIZE]   = { 0x0c4, 4 },
	[BP_EXT_CMD_LINE_PTR]   = { 0x0c8, 4 },
	[BP_E820_ENTRIES]       = { 0x1e8, 1 },
	[SH_SETUP_SECTS]        = { 0x1f1, 1 },
	[SH_SYSSIZE]            = { 0x1f4, 4 },
	[SH_BOOT_FLAG]          = { 0x1fe, 2 },
	[SH_JUMP_OFFSET]        = { 0x201, 1 }, /* the jump's offset: the header ends at 0x202 + it */
	[SH_HEADER]             = { 0x202, 4 },
	[SH_VERSION]            = { 0x206, 2 },
	[SH_TYPE_OF_LOADER]     = { 0x210, 1 },
	[SH_LOADFLAGS]          = { 0x211, 1 },
	[SH_CODE32_START]       = { 0x214, 4 },
	[SH_RAMDISK_IMAGE]      = { 0x218, 4 },
	[SH_RAMDISK_SIZE]       = { 0x21c, 4 },
	[SH_CMD_LINE_PTR]       = { 0x228, 4 },
	[SH_INITRD_ADDR_MAX]    = { 0x22c, 4 },
	[SH_KERNEL_ALIGNMENT]   = { 0x230, 4 },
	[SH_RELOCATABLE_KERNEL] = { 0x234, 1 },
	[SH_XLOADFLAGS]         = { 0x236, 2 },
	[SH_CMDLINE_SIZE]       = { 0x238, 4 },
	[SH_HARDWARE_SUBARCH]   = { 0x23c, 4 },
	[SH_SETUP_DATA]         = { 0x250, 8 },
	[SH_PREF_ADDRESS]       = { 0x258, 8 },
	[SH_INIT_SIZE]          = { 0x260, 4 },
};

#define SETUP_HEADER_START   0x1f1
#define SETUP_HEADER_MIN_END 0x264  /* through init_size: every field hv reads (2.12+) */
#define BP_SETUP_HEADER_END  0x290  /* the header's room in boot_params */
#define BP_E820_TABLE        0x2d0
#define BP_E820_TABLE_MAX    128
#define BOOT_FLAG_MAGIC      0xaa55
#define HEADER_MAGIC         0x53726448 /* "HdrS" */
#define PROTOCOL_MIN         0x020c     /* 2.12: xloadflags */
#define SECTOR_SIZE          512
#define SETUP_SECTS_DEFAULT  4          /* what setup_sects 0 means */
#define SYSSIZE_UNIT         16         /* syssize counts paragraphs */
#define ENTRY_64_OFFSET      0x200
#define LOADER_UNDEFINED     0xff       /* type_of_loader: no assigned id */
#define LOADED_HIGH          0x01
#define CAN_USE_HEAP         0x80
#define XLF_KERNEL_64        0x0001

_Static_assert(BP_E820_TABLE + BP_E820_TABLE_MAX * sizeof(struct e820_entry) <=
	       BZIMAGE_ZERO_PAGE_SIZE, "the e820 table fits the zero page");
_Static_assert(E820_MAX_ENTRIES <= BP_E820_TABLE_MAX, "an e820 map fits boot_params");

/* The field's value; bytes beyond size read as zero. */
static uint64_t get(const uint8_t *buf, size_t size, enum bp_field f)
{
	uint64_t v = 0;

	for (unsigned i = bp_fields[f].width; i-- > 0;) {
		size_t at = bp_fields[f].offset + i;
		v = v << 8 | (at < size ? buf[at] : 0);
	}
	return v;
}

static void put(uint8_t *zero_page, enum bp_field f, uint64_t v)
{
	for (unsigned i = 0; i < bp_fields[f].width; i++, v >>= 8)
		zero_page[bp_fields[f].offset + i] = (uint8_t)v;
}

__attribute__((format(printf, 2, 3)))
static int refuse(struct bzimage_plan *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static unsigned long long mib_up(uint64_t bytes)
{
	return (unsigned long long)(bytes / MIB + (bytes % MIB != 0));
}

bool bzimage_is(const void *image, size_t size)
{
	return image && get(image, size, SH_HEADER) == HEADER_MAGIC;
}

/* The header fields, and the kernel's place in the file. */
static int check_header(const uint8_t *img, size_t size, struct bzimage_plan *out)
{
	if (!bzimage_is(img, size))
		return refuse(out, "not a bzImage (no \"HdrS\" at 0x202)");
	if (get(img, size, SH_BOOT_FLAG) != BOOT_FLAG_MAGIC)
		return refuse(out, "boot_flag 0x%llx, not 0xaa55",
			      (unsigned long long)get(img, size, SH_BOOT_FLAG));
	out->version = (uint16_t)get(img, size, SH_VERSION);
	if (out->version < PROTOCOL_MIN)
		return refuse(out, "boot protocol %u.%02u has no 64-bit entry (2.12+ needed)",
			      out->version >> 8, out->version & 0xff);
	if (size < SETUP_HEADER_MIN_END)
		return refuse(out, "setup header cut short: %zu bytes", size);
	if (!(get(img, size, SH_XLOADFLAGS) & XLF_KERNEL_64))
		return refuse(out, "xloadflags 0x%llx: no XLF_KERNEL_64 (64-bit entry)",
			      (unsigned long long)get(img, size, SH_XLOADFLAGS));
	if (!(get(img, size, SH_LOADFLAGS) & LOADED_HIGH))
		return refuse(out, "loadflags without LOADED_HIGH (a zImage)");

	uint64_t sects = get(img, size, SH_SETUP_SECTS);
	out->kernel_offset = ((sects ? sects : SETUP_SECTS_DEFAULT) + 1) * SECTOR_SIZE;
	out->kernel_size = get(img, size, SH_SYSSIZE) * SYSSIZE_UNIT;
	if (out->kernel_offset > size || out->kernel_size > size - out->kernel_offset)
		return refuse(out, "syssize: kernel of 0x%llx bytes at 0x%llx ends beyond the file",
			      (unsigned long long)out->kernel_size,
			      (unsigned long long)out->kernel_offset);
	if (out->kernel_size <= ENTRY_64_OFFSET)
		return refuse(out, "syssize: kernel of 0x%llx bytes has no 64-bit entry at 0x200",
			      (unsigned long long)out->kernel_size);
	out->init_size = get(img, size, SH_INIT_SIZE);
	if (out->init_size < out->kernel_size)
		return refuse(out, "init_size 0x%llx below the kernel's 0x%llx bytes",
			      (unsigned long long)out->init_size,
			      (unsigned long long)out->kernel_size);
	uint64_t align = get(img, size, SH_KERNEL_ALIGNMENT);
	if (!align || (align & (align - 1)))
		return refuse(out, "kernel_alignment 0x%llx not a power of two",
			      (unsigned long long)align);
	out->cmdline_max = (uint32_t)get(img, size, SH_CMDLINE_SIZE);
	return 0;
}

/* Whether [addr, addr + size) lies in RAM above 1 MiB. */
static bool fits(uint64_t addr, uint64_t size, uint64_t mem_size)
{
	return addr >= HV_GUEST_LEGACY_END && addr <= mem_size && size <= mem_size - addr;
}

static int place_kernel(const uint8_t *img, size_t size, uint64_t mem_size,
			struct bzimage_plan *out)
{
	uint64_t pref = get(img, size, SH_PREF_ADDRESS);
	uint64_t align = get(img, size, SH_KERNEL_ALIGNMENT);
	bool relocatable = get(img, size, SH_RELOCATABLE_KERNEL) != 0;

	/* A relocatable kernel runs from its load address rounded up to
	 * kernel_alignment: off that alignment it would need more than
	 * init_size from there. */
	if (fits(pref, out->init_size, mem_size) && (!relocatable || pref % align == 0)) {
		out->load_addr = pref;
		return 0;
	}
	if (!relocatable)
		return refuse(out, "kernel needs %llu MiB from 0x%llx, guest has %llu MiB",
			      mib_up(out->init_size), (unsigned long long)pref,
			      (unsigned long long)(mem_size / MIB));
	/* The lowest candidate: RAM above 1 MiB is one range, so if it does
	 * not fit, no higher one does. align <= 2^31: no overflow. */
	uint64_t low = (HV_GUEST_LEGACY_END + align - 1) & ~(align - 1);
	if (!fits(low, out->init_size, mem_size))
		return refuse(out, "kernel needs %llu MiB from 0x%llx, guest has %llu MiB",
			      mib_up(out->init_size), (unsigned long long)low,
			      (unsigned long long)(mem_size / MIB));
	out->load_addr = low;
	return 0;
}

static int place_initrd(const uint8_t *img, size_t size, uint64_t mem_size,
			uint64_t initrd_size, struct bzimage_plan *out)
{
	uint64_t limit = get(img, size, SH_INITRD_ADDR_MAX) + 1;
	uint64_t floor = out->load_addr + out->init_size;

	if (!initrd_size)
		return 0;
	if (limit > mem_size)
		limit = mem_size;
	if (initrd_size > limit || ((limit - initrd_size) & ~(PAGE_SIZE - 1)) < floor)
		return refuse(out, "initrd of %llu MiB does not fit below 0x%llx above the kernel (0x%llx)",
			      mib_up(initrd_size), (unsigned long long)limit,
			      (unsigned long long)floor);
	out->initrd_addr = (limit - initrd_size) & ~(PAGE_SIZE - 1);
	out->initrd_size = initrd_size;
	return 0;
}

int bzimage_plan(const void *image, size_t size, uint64_t mem_size, uint64_t initrd_size,
		 size_t cmdline_len, struct bzimage_plan *out)
{
	const uint8_t *img = image;
	int rc;

	memset(out, 0, sizeof(*out));
	if (mem_size <= HV_GUEST_LEGACY_END || mem_size % PAGE_SIZE || mem_size > HV_GUEST_MEM_MAX)
		return refuse(out, "guest RAM size 0x%llx not page-aligned in (1 MiB, 0x%llx]",
			      (unsigned long long)mem_size,
			      (unsigned long long)HV_GUEST_MEM_MAX);
	rc = check_header(img, size, out);
	if (rc)
		return rc;
	if (cmdline_len > out->cmdline_max)
		return refuse(out, "command line of %zu bytes, cmdline_size %u",
			      cmdline_len, out->cmdline_max);
	if (cmdline_len >= LINUX_CMDLINE_MAX)
		return refuse(out, "command line of %zu bytes, hv's page holds %llu",
			      cmdline_len, LINUX_CMDLINE_MAX - 1);
	rc = place_kernel(img, size, mem_size, out);
	if (rc)
		return rc;
	out->entry = out->load_addr + ENTRY_64_OFFSET;
	return place_initrd(img, size, mem_size, initrd_size, out);
}

void bzimage_load_copy(const struct bzimage_plan *p, const void *image, const void *initrd,
		       uint8_t *guest_ram_base)
{
	memcpy(guest_ram_base + p->load_addr, (const uint8_t *)image + p->kernel_offset,
	       p->kernel_size);
	if (p->initrd_size)
		memcpy(guest_ram_base + p->initrd_addr, initrd, p->initrd_size);
}

void bzimage_zero_page(const struct bzimage_plan *p, const void *image,
		       const struct bzimage_boot *b, uint8_t zero_page[BZIMAGE_ZERO_PAGE_SIZE])
{
	const uint8_t *img = image;
	/* The plan checked the image runs at least to the kernel's end. */
	uint64_t size = p->kernel_offset + p->kernel_size;
	/* The jump at 0x200 leads past the header: its offset counts from 0x202. */
	uint64_t end = bp_fields[SH_HEADER].offset + get(img, size, SH_JUMP_OFFSET);

	memset(zero_page, 0, BZIMAGE_ZERO_PAGE_SIZE);
	if (end > BP_SETUP_HEADER_END)
		end = BP_SETUP_HEADER_END;
	if (end > size)
		end = size;
	if (end > SETUP_HEADER_START)
		memcpy(zero_page + SETUP_HEADER_START, img + SETUP_HEADER_START,
		       end - SETUP_HEADER_START);

	put(zero_page, SH_TYPE_OF_LOADER, LOADER_UNDEFINED);
	put(zero_page, SH_LOADFLAGS, get(img, size, SH_LOADFLAGS) & ~(uint64_t)CAN_USE_HEAP);
	put(zero_page, SH_CODE32_START, p->load_addr);
	put(zero_page, SH_SETUP_DATA, 0);
	put(zero_page, SH_HARDWARE_SUBARCH, 0);
	put(zero_page, SH_CMD_LINE_PTR, b->cmdline_gpa);
	put(zero_page, BP_EXT_CMD_LINE_PTR, b->cmdline_gpa >> 32);
	put(zero_page, SH_RAMDISK_IMAGE, p->initrd_addr);
	put(zero_page, BP_EXT_RAMDISK_IMAGE, p->initrd_addr >> 32);
	put(zero_page, SH_RAMDISK_SIZE, p->initrd_size);
	put(zero_page, BP_EXT_RAMDISK_SIZE, p->initrd_size >> 32);
	put(zero_page, BP_ACPI_RSDP_ADDR, b->rsdp_gpa);

	unsigned count = b->e820 ? b->e820->count : 0;
	if (count > E820_MAX_ENTRIES)
		count = E820_MAX_ENTRIES;
	put(zero_page, BP_E820_ENTRIES, count);
	if (count)
		memcpy(zero_page + BP_E820_TABLE, b->e820->entry, count * sizeof(struct e820_entry));
}
