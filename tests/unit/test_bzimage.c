/* hv/guest/loader/bzimage.c: the bzImage loader of Linux guests. Synthetic
 * images (a setup header written here at the offsets of Linux's
 * Documentation/x86/boot.rst, independent of the loader's table): a good
 * one planned, copied and given its zero page; kernel and initrd
 * placement; every refusal with its reason; truncation at every length
 * under ASan; and, when HV_TEST_BZIMAGE names one, a real kernel. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/sizes.h"
#include "hv/guest/abi.h"
#include "hv/guest/loader/bzimage.h"
#include "hv/guest/platform/e820.h"
#include "hv/guest/platform/layout.h"
#include "tests/unit/watchdog.h"

#define MEM        (64 * MIB)
#define PREF       0x1000000ull
#define INIT_SIZE  (32 * MIB)
#define SETUP_SECTS 4
#define KOFF       ((SETUP_SECTS + 1) * 512)
#define KSIZE      0x1000
#define IMG_SIZE   (KOFF + KSIZE)
#define IMG_MAX    0x4000

static uint8_t img[IMG_MAX];
static size_t img_size;
static struct bzimage_plan plan;

static void put8(size_t off, uint8_t v) { img[off] = v; }
static void put16(size_t off, uint16_t v) { for (int i = 0; i < 2; i++) img[off + i] = (uint8_t)(v >> 8 * i); }
static void put32(size_t off, uint32_t v) { for (int i = 0; i < 4; i++) img[off + i] = (uint8_t)(v >> 8 * i); }
static void put64(size_t off, uint64_t v) { for (int i = 0; i < 8; i++) img[off + i] = (uint8_t)(v >> 8 * i); }

static uint64_t zp_get(const uint8_t *zp, size_t off, unsigned width)
{
	uint64_t v = 0;
	for (unsigned i = width; i-- > 0;)
		v = v << 8 | zp[off + i];
	return v;
}

/* A protocol 2.15 relocatable kernel like Debian's (FACTS.md), smaller:
 * 4 setup sectors, 0x1000 bytes of protected-mode kernel, 32 MiB init_size. */
static void build_good(void)
{
	memset(img, 0, sizeof(img));
	for (size_t i = 0; i < IMG_MAX; i++)
		img[i] = (uint8_t)(i * 7 + 3);
	memset(img + 0x1f1, 0, 0x290 - 0x1f1);
	put8(0x1f1, SETUP_SECTS);
	put32(0x1f4, KSIZE / 16);        /* syssize */
	put16(0x1fa, 0xffff);            /* vid_mode */
	put16(0x1fe, 0xaa55);            /* boot_flag */
	put8(0x200, 0xeb);
	put8(0x201, 0x6a);               /* header ends at 0x26c */
	put32(0x202, 0x53726448);        /* "HdrS" */
	put16(0x206, 0x020f);
	put8(0x211, 0x01);               /* loadflags: LOADED_HIGH */
	put32(0x214, 0x100000);          /* code32_start */
	put32(0x22c, 0x7fffffff);        /* initrd_addr_max */
	put32(0x230, 2 * MIB);           /* kernel_alignment */
	put8(0x234, 1);                  /* relocatable_kernel */
	put8(0x235, 21);                 /* min_alignment */
	put16(0x236, 0x7f);              /* xloadflags */
	put32(0x238, 2047);              /* cmdline_size */
	put64(0x258, PREF);              /* pref_address */
	put32(0x260, INIT_SIZE);         /* init_size */
	put32(0x264, 0x1234);            /* handover_offset */
	put32(0x268, 0x5678);            /* kernel_info_offset */
	img_size = IMG_SIZE;
}

static int setup(void **state)
{
	(void)state;
	build_good();
	return 0;
}

/* Plans a heap copy of exactly img_size bytes: ASan sees reads past it. */
static int plan_exact(uint64_t mem, uint64_t initrd, size_t cmdline)
{
	uint8_t *copy = malloc(img_size ? img_size : 1);
	assert_non_null(copy);
	memcpy(copy, img, img_size);
	memset(&plan, 0x5a, sizeof(plan));
	int rc = bzimage_plan(copy, img_size, mem, initrd, cmdline, &plan);
	free(copy);
	assert_non_null(memchr(plan.reason, 0, sizeof(plan.reason)));
	return rc;
}

static void expect_ok(uint64_t mem, uint64_t initrd, size_t cmdline)
{
	if (plan_exact(mem, initrd, cmdline))
		fail_msg("refused: %s", plan.reason);
	assert_string_equal(plan.reason, "");
}

static void expect_refused(uint64_t mem, uint64_t initrd, size_t cmdline, const char *why)
{
	int rc = plan_exact(mem, initrd, cmdline);
	if (rc != -EINVAL)
		fail_msg("expected -EINVAL (\"%s\"), got %d", why, rc);
	if (!strstr(plan.reason, why))
		fail_msg("reason \"%s\" does not say \"%s\"", plan.reason, why);
}

/* ---- accepted images ----------------------------------------------------------- */

static void good_plan(void **state)
{
	(void)state;
	expect_ok(MEM, 0, 100);
	assert_int_equal(plan.version, 0x020f);
	assert_int_equal(plan.kernel_offset, KOFF);
	assert_int_equal(plan.kernel_size, KSIZE);
	assert_int_equal(plan.load_addr, PREF);
	assert_int_equal(plan.init_size, INIT_SIZE);
	assert_int_equal(plan.entry, PREF + 0x200);
	assert_int_equal(plan.initrd_addr, 0);
	assert_int_equal(plan.initrd_size, 0);
	assert_int_equal(plan.cmdline_max, 2047);
}

static void is_bzimage(void **state)
{
	(void)state;
	assert_true(bzimage_is(img, img_size));
	assert_true(bzimage_is(img, 0x206));
	assert_false(bzimage_is(img, 0x205));
	assert_false(bzimage_is(NULL, 4096));
	static const uint8_t elf[0x300] = { 0x7f, 'E', 'L', 'F' };
	assert_false(bzimage_is(elf, sizeof(elf)));
	img[0x205] = 'T';
	assert_false(bzimage_is(img, img_size));
}

/* setup_sects 0 means 4; another count moves the kernel. */
static void setup_sects(void **state)
{
	(void)state;
	put8(0x1f1, 0);
	expect_ok(MEM, 0, 0);
	assert_int_equal(plan.kernel_offset, 5 * 512);
	put8(0x1f1, 2);
	expect_ok(MEM, 0, 0);
	assert_int_equal(plan.kernel_offset, 3 * 512);
	put8(0x1f1, 5); /* the kernel would end 0x200 beyond the file */
	expect_refused(MEM, 0, 0, "syssize");
}

/* Where pref_address does not do, a relocatable kernel goes to the lowest
 * aligned address at or above 1 MiB. */
static void relocation(void **state)
{
	(void)state;
	expect_ok(40 * MIB, 0, 0);        /* 16 + 32 > 40 */
	assert_int_equal(plan.load_addr, 2 * MIB);
	assert_int_equal(plan.entry, 2 * MIB + 0x200);
	expect_ok(34 * MIB, 0, 0);        /* exactly */
	assert_int_equal(plan.load_addr, 2 * MIB);
	expect_refused(34 * MIB - PAGE_SIZE, 0, 0, "kernel needs 32 MiB from 0x200000, guest has 33 MiB");

	put32(0x230, PAGE_SIZE);
	expect_ok(40 * MIB, 0, 0);
	assert_int_equal(plan.load_addr, 1 * MIB);
	put32(0x230, 16 * MIB);
	expect_refused(40 * MIB, 0, 0, "kernel needs 32 MiB from 0x1000000, guest has 40 MiB");
	put32(0x230, 1u << 31);
	expect_refused(40 * MIB, 0, 0, "kernel needs 32 MiB from 0x80000000");
	put32(0x230, 2 * MIB);

	/* pref_address off the alignment, or below 1 MiB, or 0. */
	put64(0x258, PREF + PAGE_SIZE);
	expect_ok(MEM, 0, 0);
	assert_int_equal(plan.load_addr, 2 * MIB);
	put64(0x258, 0xf0000);
	expect_ok(MEM, 0, 0);
	assert_int_equal(plan.load_addr, 2 * MIB);
	put64(0x258, 0);
	expect_ok(MEM, 0, 0);
	assert_int_equal(plan.load_addr, 2 * MIB);
	put64(0x258, UINT64_MAX - PAGE_SIZE + 1);
	expect_ok(MEM, 0, 0);
	assert_int_equal(plan.load_addr, 2 * MIB);
	/* pref_address ending exactly at the end of RAM. */
	put64(0x258, MEM - INIT_SIZE);
	expect_ok(MEM, 0, 0);
	assert_int_equal(plan.load_addr, MEM - INIT_SIZE);
}

static void not_relocatable(void **state)
{
	(void)state;
	put8(0x234, 0);
	expect_ok(MEM, 0, 0);
	assert_int_equal(plan.load_addr, PREF);
	expect_refused(40 * MIB, 0, 0, "kernel needs 32 MiB from 0x1000000, guest has 40 MiB");
	/* It runs where pref_address says, aligned or not. */
	put64(0x258, PREF + PAGE_SIZE);
	expect_ok(MEM, 0, 0);
	assert_int_equal(plan.load_addr, PREF + PAGE_SIZE);
	put64(0x258, 0x10000);
	expect_refused(MEM, 0, 0, "kernel needs 32 MiB from 0x10000");
	put64(0x258, UINT64_MAX - PAGE_SIZE + 1);
	expect_refused(MEM, 0, 0, "kernel needs 32 MiB from 0xfffffffffffff000");
}

/* The initrd as high as it goes, page-aligned, below initrd_addr_max + 1
 * and RAM's end, above the kernel's init_size. */
static void initrd_placement(void **state)
{
	(void)state;
	expect_ok(MEM, MIB + 123, 0);
	assert_int_equal(plan.initrd_size, MIB + 123);
	assert_int_equal(plan.initrd_addr, (MEM - MIB - 123) & ~(PAGE_SIZE - 1));
	expect_ok(MEM, PAGE_SIZE, 0);
	assert_int_equal(plan.initrd_addr, MEM - PAGE_SIZE);
	expect_ok(MEM, 1, 0);
	assert_int_equal(plan.initrd_addr, MEM - PAGE_SIZE);

	put32(0x22c, 60 * MIB - 1);
	expect_ok(MEM, 2 * MIB, 0);
	assert_int_equal(plan.initrd_addr, 58 * MIB);
	/* Exactly from the kernel's end to the limit; a byte more is too much. */
	expect_ok(MEM, 60 * MIB - (PREF + INIT_SIZE), 0);
	assert_int_equal(plan.initrd_addr, PREF + INIT_SIZE);
	expect_refused(MEM, 60 * MIB - (PREF + INIT_SIZE) + 1, 0,
		       "initrd of 13 MiB does not fit below 0x3c00000 above the kernel (0x3000000)");
	expect_refused(MEM, 61 * MIB, 0, "initrd of 61 MiB does not fit");
	expect_refused(MEM, UINT64_MAX, 0, "initrd of");
	/* A limit inside the kernel. */
	put32(0x22c, 0x1ffffff);
	expect_refused(MEM, PAGE_SIZE, 0, "initrd of 1 MiB does not fit below 0x2000000");
	/* A relocated kernel leaves room above it. */
	put32(0x22c, 0xffffffff);
	expect_ok(40 * MIB, 4 * MIB, 0);
	assert_int_equal(plan.load_addr, 2 * MIB);
	assert_int_equal(plan.initrd_addr, 36 * MIB);
}

static void cmdline_limits(void **state)
{
	(void)state;
	expect_ok(MEM, 0, 2047);
	expect_refused(MEM, 0, 2048, "command line of 2048 bytes, cmdline_size 2047");
	put32(0x238, 0xffffffff);
	expect_ok(MEM, 0, LINUX_CMDLINE_MAX - 1);
	expect_refused(MEM, 0, LINUX_CMDLINE_MAX, "hv's page holds 4095");
	put32(0x238, 0);
	expect_ok(MEM, 0, 0);
	expect_refused(MEM, 0, 1, "cmdline_size 0");
}

/* The image may sit at any alignment (it comes from a file). */
static void unaligned(void **state)
{
	(void)state;
	uint8_t *buf = malloc(img_size + 8);
	assert_non_null(buf);
	for (size_t shift = 1; shift < 8; shift++) {
		memcpy(buf + shift, img, img_size);
		assert_int_equal(bzimage_plan(buf + shift, img_size, MEM, 0, 0, &plan), 0);
		assert_int_equal(plan.load_addr, PREF);
	}
	free(buf);
}

/* ---- refusals ------------------------------------------------------------------- */

static void refuse_magic(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		build_good();
		img[0x202 + i] ^= 0x20;
		expect_refused(MEM, 0, 0, "not a bzImage (no \"HdrS\" at 0x202)");
	}
	build_good();
	put16(0x1fe, 0x55aa);
	expect_refused(MEM, 0, 0, "boot_flag 0x55aa, not 0xaa55");
	assert_int_equal(bzimage_plan(NULL, 4096, MEM, 0, 0, &plan), -EINVAL);
	assert_non_null(strstr(plan.reason, "not a bzImage"));
}

static void refuse_protocol(void **state)
{
	(void)state;
	put16(0x206, 0x0206);
	expect_refused(MEM, 0, 0, "boot protocol 2.06 has no 64-bit entry");
	put16(0x206, 0x020b);
	expect_refused(MEM, 0, 0, "boot protocol 2.11 has no 64-bit entry");
	put16(0x206, 0x020c);
	expect_ok(MEM, 0, 0);
	put16(0x236, 0x7e);
	expect_refused(MEM, 0, 0, "xloadflags 0x7e: no XLF_KERNEL_64");
	put16(0x236, 0x01);
	expect_ok(MEM, 0, 0);
	put8(0x211, 0x80);
	expect_refused(MEM, 0, 0, "loadflags without LOADED_HIGH");
}

static void refuse_kernel_fields(void **state)
{
	(void)state;
	put32(0x1f4, KSIZE / 16 + 1);
	expect_refused(MEM, 0, 0, "syssize: kernel of 0x1010 bytes at 0xa00 ends beyond the file");
	put32(0x1f4, 0xffffffff);
	expect_refused(MEM, 0, 0, "ends beyond the file");
	put32(0x1f4, 0);
	expect_refused(MEM, 0, 0, "syssize: kernel of 0x0 bytes has no 64-bit entry at 0x200");
	put32(0x1f4, 0x200 / 16);
	expect_refused(MEM, 0, 0, "has no 64-bit entry at 0x200");
	put32(0x1f4, 0x210 / 16);
	expect_ok(MEM, 0, 0);
	build_good();
	put32(0x260, KSIZE - 1);
	expect_refused(MEM, 0, 0, "init_size 0xfff below the kernel's 0x1000 bytes");
	put32(0x260, KSIZE);
	expect_ok(MEM, 0, 0);
	build_good();
	static const uint32_t aligns[] = { 0, 3, 0x300000, 0xffffffff, 0x80000001 };
	for (unsigned i = 0; i < ARRAY_SIZE(aligns); i++) {
		put32(0x230, aligns[i]);
		expect_refused(MEM, 0, 0, "kernel_alignment");
		assert_non_null(strstr(plan.reason, "not a power of two"));
	}
}

static void refuse_mem_size(void **state)
{
	(void)state;
	static const uint64_t sizes[] = { 0, MIB, MEM + 1, MEM - 1, HV_GUEST_MEM_MAX + PAGE_SIZE,
					  UINT64_MAX };
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++)
		expect_refused(sizes[i], 0, 0, "guest RAM size");
	expect_refused(MIB + PAGE_SIZE, 0, 0, "kernel needs 32 MiB from 0x200000, guest has 1 MiB");
}

/* Every cut of the good image is refused without a read past it. */
static void refuse_truncated(void **state)
{
	(void)state;
	for (size_t n = 0; n < IMG_SIZE; n++) {
		img_size = n;
		int rc = plan_exact(MEM, 0, 0);
		if (rc != -EINVAL)
			fail_msg("a cut at %zu bytes: %d", n, rc);
		assert_true(plan.reason[0]);
	}
	img_size = 0x263;
	expect_refused(MEM, 0, 0, "setup header cut short: 611 bytes");
	img_size = 0x205;
	expect_refused(MEM, 0, 0, "not a bzImage");
	img_size = IMG_SIZE;
	expect_ok(MEM, 0, 0);
}

/* ---- copying and the zero page -------------------------------------------------- */

static void copy(void **state)
{
	(void)state;
	uint8_t initrd[5000];
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0xa5);
	expect_ok(MEM, sizeof(initrd), 0);
	uint8_t *ram = malloc(MEM);
	assert_non_null(ram);
	memset(ram, 0xee, MEM);
	bzimage_load_copy(&plan, img, initrd, ram);
	assert_memory_equal(ram + PREF, img + KOFF, KSIZE);
	assert_memory_equal(ram + plan.initrd_addr, initrd, sizeof(initrd));
	for (uint64_t a = 0; a < MEM; a++) {
		bool kernel = a >= PREF && a < PREF + KSIZE;
		bool rd = a >= plan.initrd_addr && a < plan.initrd_addr + sizeof(initrd);
		if (!kernel && !rd && ram[a] != 0xee)
			fail_msg("byte at 0x%llx written", (unsigned long long)a);
	}
	/* No initrd: NULL is fine, nothing else written. */
	expect_ok(MEM, 0, 0);
	memset(ram, 0xee, MEM);
	bzimage_load_copy(&plan, img, NULL, ram);
	assert_memory_equal(ram + PREF, img + KOFF, KSIZE);
	assert_int_equal(ram[PREF + KSIZE], 0xee);
	assert_int_equal(ram[PREF - 1], 0xee);
	free(ram);
}

static struct e820_map e820 = {
	.count = 3,
	.entry = {
		{ 0, 0x10000, E820_TYPE_RESERVED },
		{ 0x10000, 0x90000, E820_TYPE_RAM },
		{ 0x100000, MEM - 0x100000, E820_TYPE_RAM },
	},
};

#define CMDLINE_HIGH 0x123455000ull

static void zero_page(void **state)
{
	(void)state;
	uint8_t zp[BZIMAGE_ZERO_PAGE_SIZE];
	/* What the kernel has in fields the loader writes. */
	put8(0x211, 0x01 | 0x20 | 0x80); /* LOADED_HIGH, QUIET, CAN_USE_HEAP */
	put8(0x210, 0x42);
	put64(0x250, 0xdeadbeef);        /* setup_data */
	put32(0x23c, 2);                 /* hardware_subarch */
	put32(0x218, 0x777);
	expect_ok(MEM, 0x12345, 10);
	memset(zp, 0x5a, sizeof(zp));
	const struct bzimage_boot boot = { .cmdline_gpa = CMDLINE_HIGH, .rsdp_gpa = LINUX_ACPI,
					   .e820 = &e820 };
	bzimage_zero_page(&plan, img, &boot, zp);

	assert_int_equal(zp_get(zp, 0x210, 1), 0xff);
	assert_int_equal(zp_get(zp, 0x211, 1), 0x21);
	assert_int_equal(zp_get(zp, 0x214, 4), PREF);
	assert_int_equal(zp_get(zp, 0x250, 8), 0);
	assert_int_equal(zp_get(zp, 0x23c, 4), 0);
	assert_int_equal(zp_get(zp, 0x228, 4), (uint32_t)CMDLINE_HIGH);
	assert_int_equal(zp_get(zp, 0x0c8, 4), CMDLINE_HIGH >> 32);
	assert_int_equal(zp_get(zp, 0x218, 4), plan.initrd_addr);
	assert_int_equal(zp_get(zp, 0x21c, 4), 0x12345);
	assert_int_equal(zp_get(zp, 0x0c0, 4), 0);
	assert_int_equal(zp_get(zp, 0x0c4, 4), 0);
	assert_int_equal(zp_get(zp, 0x070, 8), LINUX_ACPI);
	assert_int_equal(zp_get(zp, 0x1e8, 1), 3);
	assert_memory_equal(zp + 0x2d0, e820.entry, 3 * 20);
	assert_int_equal(zp_get(zp, 0x2d0 + 20 + 8, 8), 0x90000);

	/* The rest of the header as the image has it, up to its end 0x26c. */
	static const struct { size_t off, len; } written[] = {
		{ 0x210, 2 }, { 0x214, 4 }, { 0x218, 8 }, { 0x228, 4 }, { 0x23c, 4 }, { 0x250, 8 },
	};
	for (size_t off = 0x1f1; off < 0x26c; off++) {
		bool w = false;
		for (unsigned k = 0; k < ARRAY_SIZE(written); k++)
			w |= off >= written[k].off && off < written[k].off + written[k].len;
		if (!w && zp[off] != img[off])
			fail_msg("header byte 0x%zx: 0x%x, image 0x%x", off, zp[off], img[off]);
	}
	/* Everything else zero. */
	for (size_t off = 0; off < sizeof(zp); off++) {
		bool set = (off >= 0x1f1 && off < 0x26c) || (off >= 0x070 && off < 0x078) ||
			   off == 0x1e8 || (off >= 0x2d0 && off < 0x2d0 + 60) ||
			   (off >= 0x0c0 && off < 0x0cc);
		if (!set && zp[off])
			fail_msg("byte 0x%zx is 0x%x", off, zp[off]);
	}
}

/* The jump's offset says where the header ends; the copy stops at the
 * header's room in boot_params (0x290) whatever it says. */
static void zero_page_header_end(void **state)
{
	(void)state;
	uint8_t zp[BZIMAGE_ZERO_PAGE_SIZE];
	for (size_t off = 0x26c; off < 0x400; off++)
		img[off] = 0x33;
	expect_ok(MEM, 0, 0);
	bzimage_zero_page(&plan, img, &(struct bzimage_boot){ 0 }, zp);
	assert_int_equal(zp[0x26b], img[0x26b]);
	assert_int_equal(zp[0x26c], 0);
	assert_int_equal(zp[0x1e8], 0); /* no e820 map: no entries */

	put8(0x201, 0xff);
	expect_ok(MEM, 0, 0);
	bzimage_zero_page(&plan, img, &(struct bzimage_boot){ 0 }, zp);
	assert_int_equal(zp[0x28f], 0x33);
	for (size_t off = 0x290; off < sizeof(zp); off++)
		assert_int_equal(zp[off], 0);

	put8(0x201, 0x10);               /* a short header: up to 0x212 */
	expect_ok(MEM, 0, 0);
	bzimage_zero_page(&plan, img, &(struct bzimage_boot){ 0 }, zp);
	assert_int_equal(zp[0x211], 0x01);
	assert_int_equal(zp_get(zp, 0x22c, 4), 0);
}

/* ---- a real kernel -------------------------------------------------------------- */

static void real_kernel(void **state)
{
	(void)state;
	const char *path = getenv("HV_TEST_BZIMAGE");
	if (!path || !*path)
		skip();
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("HV_TEST_BZIMAGE=%s: cannot open", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	uint8_t *k = malloc((size_t)n);
	assert_non_null(k);
	assert_int_equal(fread(k, 1, (size_t)n, f), (size_t)n);
	fclose(f);

	assert_true(bzimage_is(k, (size_t)n));
	const uint64_t mem = 512 * MIB, initrd = 8 * MIB + 77;
	int rc = bzimage_plan(k, (size_t)n, mem, initrd, 200, &plan);
	if (rc)
		fail_msg("refused: %s", plan.reason);
	print_message("# version %#x, kernel %#llx bytes at %#llx, load %#llx, init_size %#llx, "
		      "initrd at %#llx, cmdline_max %u\n", plan.version,
		      (unsigned long long)plan.kernel_size, (unsigned long long)plan.kernel_offset,
		      (unsigned long long)plan.load_addr, (unsigned long long)plan.init_size,
		      (unsigned long long)plan.initrd_addr, plan.cmdline_max);
	assert_true(plan.version >= 0x020c);
	assert_int_equal(plan.kernel_offset, ((k[0x1f1] ? k[0x1f1] : 4) + 1) * 512ull);
	assert_true(plan.kernel_offset + plan.kernel_size <= (uint64_t)n);
	assert_true(plan.kernel_size > (uint64_t)n / 2);
	assert_true(plan.init_size >= plan.kernel_size);
	assert_true(plan.load_addr >= MIB && plan.load_addr % (2 * MIB) == 0);
	assert_int_equal(plan.entry, plan.load_addr + 0x200);
	assert_true(plan.initrd_addr >= plan.load_addr + plan.init_size);
	assert_true(plan.initrd_addr + initrd <= mem && plan.initrd_addr % PAGE_SIZE == 0);
	assert_true(plan.initrd_addr + initrd > mem - PAGE_SIZE);
	assert_true(plan.cmdline_max >= 255);

	uint8_t zp[BZIMAGE_ZERO_PAGE_SIZE];
	bzimage_zero_page(&plan, k, &(struct bzimage_boot){ .cmdline_gpa = LINUX_CMDLINE,
							       .e820 = &e820 }, zp);
	assert_memory_equal(zp + 0x1f1, k + 0x1f1, 0x210 - 0x1f1);
	assert_memory_equal(zp + 0x22c, k + 0x22c, 0x23c - 0x22c);
	assert_int_equal(zp[0x210], 0xff);
	assert_int_equal(zp_get(zp, 0x228, 4), LINUX_CMDLINE);

	/* A kernel of ~64 MiB init_size (FACTS.md) does not fit 64 MiB. */
	rc = bzimage_plan(k, (size_t)n, 64 * MIB, 0, 0, &plan);
	if (plan.init_size > 62 * MIB) {
		assert_int_equal(rc, -EINVAL);
		assert_non_null(strstr(plan.reason, "kernel needs"));
		print_message("# 64 MiB: %s\n", plan.reason);
	}
	free(k);
}

int main(void)
{
	watchdog_arm("test_bzimage", 60);
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(good_plan), T(is_bzimage), T(setup_sects), T(relocation), T(not_relocatable),
		T(initrd_placement), T(cmdline_limits), T(unaligned),
		T(refuse_magic), T(refuse_protocol), T(refuse_kernel_fields), T(refuse_mem_size),
		T(refuse_truncated),
		T(copy), T(zero_page), T(zero_page_header_end),
		T(real_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
