/* libFuzzer target: hv/guest/loader/bzimage.c, the Linux kernel loader (and
 * hv/guest/platform/e820.c for the zero page's map). The image is a good
 * small bzImage (protocol 2.15, one setup sector, 0x210 kernel bytes)
 * XORed with the input and cut to the input's length: an input of zeros
 * is a kernel that plans, every header field is a byte flip away, and as
 * XOR is a bijection every image of that length can still be reached. The
 * image lies in a buffer of exactly its size (a read past it is an ASan
 * report). Bytes 0x10-0x12 (in the legacy boot sector, which the loader
 * ignores) pick the guest's RAM size, the initrd's size and the command
 * line's length. An accepted plan must obey every rule of
 * hv/guest/loader/bzimage.h; it is then copied into guest RAM of exactly
 * mem_size bytes (a kernel or initrd outside it would be an ASan report
 * too) and given its zero page. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/sizes.h"
#include "hv/guest/abi.h"
#include "hv/guest/loader/bzimage.h"
#include "hv/guest/platform/e820.h"
#include "hv/guest/platform/layout.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define TEMPLATE_SIZE (2 * 512 + 0x210)
#define RAM_MAX (64 * MIB)
#define INITRD_MAX (1 * MIB)

static uint8_t template[TEMPLATE_SIZE];
static struct bzimage_plan plan;
static uint8_t *ram, *initrd;

static void put(size_t off, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++, v >>= 8)
		template[off + i] = (uint8_t)v;
}

static void build_template(void)
{
	put(0x1f1, 1, 1);             /* setup_sects */
	put(0x1f4, 4, 0x210 / 16);    /* syssize */
	put(0x1fe, 2, 0xaa55);
	put(0x200, 2, 0x6aeb);        /* jmp: the header ends at 0x26c */
	put(0x202, 4, 0x53726448);    /* "HdrS" */
	put(0x206, 2, 0x020f);
	put(0x211, 1, 0x01);          /* LOADED_HIGH */
	put(0x22c, 4, 0x7fffffff);    /* initrd_addr_max */
	put(0x230, 4, 2 * MIB);       /* kernel_alignment */
	put(0x234, 1, 1);             /* relocatable */
	put(0x236, 2, 0x7f);          /* xloadflags */
	put(0x238, 4, 2047);          /* cmdline_size */
	put(0x258, 8, 2 * MIB);       /* pref_address */
	put(0x260, 4, 1 * MIB);       /* init_size */
}

static void check_plan(size_t size, uint64_t mem, uint64_t initrd_size, size_t cmdline)
{
	CHECK(!plan.reason[0]);
	CHECK(plan.version >= 0x020c);
	CHECK(plan.kernel_offset <= size && plan.kernel_size <= size - plan.kernel_offset);
	CHECK(plan.kernel_size > 0x200);
	CHECK(plan.init_size >= plan.kernel_size);
	CHECK(plan.load_addr >= HV_GUEST_LEGACY_END);
	CHECK(plan.load_addr <= mem && plan.init_size <= mem - plan.load_addr);
	CHECK(plan.entry == plan.load_addr + 0x200);
	CHECK(plan.initrd_size == initrd_size);
	if (initrd_size) {
		CHECK(plan.initrd_addr % PAGE_SIZE == 0);
		CHECK(plan.initrd_addr >= plan.load_addr + plan.init_size);
		CHECK(plan.initrd_addr + initrd_size <= mem);
	} else {
		CHECK(plan.initrd_addr == 0);
	}
	CHECK(cmdline <= plan.cmdline_max && cmdline < LINUX_CMDLINE_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t mem_sizes[4] = { 4 * MIB, 3 * MIB, MIB + PAGE_SIZE, 64 * MIB };
	static const uint64_t initrd_sizes[4] = { 0, 1, 3 * PAGE_SIZE + 5, INITRD_MAX };
	static const size_t cmdlines[4] = { 0, 2047, 2048, LINUX_CMDLINE_MAX - 1 };

	if (!ram) {
		build_template();
		ram = malloc(RAM_MAX);
		initrd = calloc(1, INITRD_MAX);
		CHECK(ram && initrd);
	}
	uint8_t *image = malloc(size ? size : 1);
	CHECK(image);
	for (size_t i = 0; i < size; i++)
		image[i] = data[i] ^ (i < TEMPLATE_SIZE ? template[i] : 0);
	uint64_t mem = mem_sizes[size > 0x10 ? image[0x10] % 4 : 0];
	uint64_t initrd_size = initrd_sizes[size > 0x11 ? image[0x11] % 4 : 0];
	size_t cmdline = cmdlines[size > 0x12 ? image[0x12] % 4 : 0];

	int rc = bzimage_plan(image, size, mem, initrd_size, cmdline, &plan);
	CHECK(memchr(plan.reason, 0, sizeof(plan.reason)));
	if (rc) {
		CHECK(rc < 0);
		CHECK(plan.reason[0]);
		free(image);
		return 0;
	}
	CHECK(bzimage_is(image, size));
	check_plan(size, mem, initrd_size, cmdline);

	/* Guest RAM of exactly mem bytes: the end of the buffer. */
	uint8_t *guest = ram + (RAM_MAX - mem);
	bzimage_load_copy(&plan, image, initrd, guest);

	const struct e820_range hv_pages = { 0, LINUX_HV_PAGES_END, E820_TYPE_RESERVED };
	struct e820_map map;
	CHECK(e820_build(mem, &hv_pages, 1, &map) == 0);
	uint8_t *zp = malloc(BZIMAGE_ZERO_PAGE_SIZE);
	CHECK(zp);
	const struct bzimage_boot boot = { .cmdline_gpa = LINUX_CMDLINE, .rsdp_gpa = LINUX_ACPI,
					   .e820 = &map };
	bzimage_zero_page(&plan, image, &boot, zp);
	CHECK(zp[0x210] == 0xff && !(zp[0x211] & 0x80));
	CHECK(zp[0x1e8] == map.count);
	CHECK(!memcmp(zp + 0x2d0, map.entry, map.count * sizeof(map.entry[0])));
	free(zp);
	free(image);
	return 0;
}
