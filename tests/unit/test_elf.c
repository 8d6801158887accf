/* hv/guest/loader/elf.c: the guest image loader. Synthetic ELF64 images built in memory
 * (with the host's <elf.h>, independent of the loader's own definitions):
 * a good two-segment image planned and copied, every refusal with its
 * reason, truncation at every length and header corruption under ASan, and
 * the real test guest (build/guest/test-guest.elf) when it has been built. */
#include <elf.h>
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
#include "hv/guest/loader/elf.h"
#include "tests/unit/watchdog.h"

#ifndef GUEST_IMAGE
#define GUEST_IMAGE "build/guest/test-guest.elf"
#endif

#define RAM (8 * MIB)
#define TEXT 0x200000ull
#define DATA 0x203000ull

/* ---- building images ------------------------------------------------------------- */

#define IMG_MAX 0x4000
#define PH_OFF sizeof(Elf64_Ehdr)

struct img {
	uint8_t buf[IMG_MAX];
	size_t size;
};

static struct img im;

static Elf64_Ehdr *eh(void)
{
	return (Elf64_Ehdr *)im.buf;
}

static Elf64_Phdr *ph(unsigned i)
{
	return (Elf64_Phdr *)(im.buf + PH_OFF) + i;
}

/* The good image: headers, then a text segment (R X, 0x200 bytes at file
 * offset 0x1000, loaded at TEXT) and a data segment (RW, 0x80 file bytes at
 * 0x2000, memory 0x3000 bytes at DATA: the rest is bss), a PT_GNU_STACK and
 * a PT_NOTE. The file ends with the data segment's last byte. */
static void build_good(void)
{
	memset(&im, 0, sizeof(im));
	Elf64_Ehdr *e = eh();
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_entry = TEXT + 0x10;
	e->e_phoff = PH_OFF;
	e->e_ehsize = sizeof(Elf64_Ehdr);
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = 4;
	*ph(0) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000,
			       .p_vaddr = TEXT, .p_paddr = TEXT, .p_filesz = 0x200,
			       .p_memsz = 0x200, .p_align = 0x1000 };
	*ph(1) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
			       .p_vaddr = DATA, .p_paddr = DATA, .p_filesz = 0x80,
			       .p_memsz = 0x3000, .p_align = 0x1000 };
	*ph(2) = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
	*ph(3) = (Elf64_Phdr){ .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = 0x400,
			       .p_filesz = 0x20, .p_memsz = 0x20 };
	for (unsigned i = 0; i < 0x200; i++)
		im.buf[0x1000 + i] = (uint8_t)(0x90 + i);
	for (unsigned i = 0; i < 0x80; i++)
		im.buf[0x2000 + i] = (uint8_t)(0x40 ^ i);
	im.size = 0x2080;
}

static struct elf_plan plan;

/* Plans a copy of exactly im.size bytes on the heap: ASan then sees any read
 * past the image. */
static int plan_exact(uint64_t ram_size)
{
	uint8_t *copy = malloc(im.size ? im.size : 1);
	assert_non_null(copy);
	memcpy(copy, im.buf, im.size);
	int rc = elf_load_plan(copy, im.size, ram_size, &plan);
	free(copy);
	return rc;
}

static void expect_ok(void)
{
	int rc = plan_exact(RAM);
	if (rc)
		fail_msg("refused: %s", plan.reason);
	assert_string_equal(plan.reason, "");
}

/* Refused with -EINVAL and a reason that contains `why`. */
static void expect_refused(uint64_t ram_size, const char *why)
{
	memset(&plan, 0x5a, sizeof(plan));
	int rc = plan_exact(ram_size);
	if (rc != -EINVAL)
		fail_msg("expected -EINVAL (\"%s\"), got %d", why, rc);
	assert_int_equal(plan.count, 0);
	assert_non_null(memchr(plan.reason, 0, sizeof(plan.reason)));
	if (!strstr(plan.reason, why))
		fail_msg("reason \"%s\" does not say \"%s\"", plan.reason, why);
}

static int setup(void **state)
{
	(void)state;
	build_good();
	return 0;
}

/* ---- accepted images -------------------------------------------------------------- */

static void good_two_segments(void **state)
{
	(void)state;
	expect_ok();
	assert_int_equal(plan.count, 2);
	assert_int_equal(plan.entry, TEXT + 0x10);
	assert_int_equal(plan.lowest, TEXT);
	assert_int_equal(plan.end, DATA + 0x3000);
	assert_int_equal(plan.seg[0].offset, 0x1000);
	assert_int_equal(plan.seg[0].filesz, 0x200);
	assert_int_equal(plan.seg[0].paddr, TEXT);
	assert_int_equal(plan.seg[0].memsz, 0x200);
	assert_int_equal(plan.seg[0].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(plan.seg[0].phdr, 0);
	assert_int_equal(plan.seg[1].offset, 0x2000);
	assert_int_equal(plan.seg[1].filesz, 0x80);
	assert_int_equal(plan.seg[1].paddr, DATA);
	assert_int_equal(plan.seg[1].memsz, 0x3000);
	assert_int_equal(plan.seg[1].flags, ELF_PF_R | ELF_PF_W);
	assert_int_equal(plan.seg[1].phdr, 1);
}

static void good_copy(void **state)
{
	(void)state;
	expect_ok();
	uint8_t *ram = malloc(RAM);
	assert_non_null(ram);
	memset(ram, 0xee, RAM);
	elf_load_copy(&plan, im.buf, ram);
	assert_memory_equal(ram + TEXT, im.buf + 0x1000, 0x200);
	assert_memory_equal(ram + DATA, im.buf + 0x2000, 0x80);
	for (uint64_t a = DATA + 0x80; a < DATA + 0x3000; a++)
		if (ram[a])
			fail_msg("bss byte at 0x%llx is 0x%x", (unsigned long long)a, ram[a]);
	/* Nothing outside the segments is written. */
	assert_int_equal(ram[TEXT - 1], 0xee);
	assert_int_equal(ram[TEXT + 0x200], 0xee);
	assert_int_equal(ram[DATA - 1], 0xee);
	assert_int_equal(ram[DATA + 0x3000], 0xee);
	for (uint64_t a = 0; a < TEXT; a++)
		if (ram[a] != 0xee)
			fail_msg("byte at 0x%llx written", (unsigned long long)a);
	for (uint64_t a = DATA + 0x3000; a < RAM; a++)
		if (ram[a] != 0xee)
			fail_msg("byte at 0x%llx written", (unsigned long long)a);
	free(ram);
}

/* A segment of bss only (no file bytes), one at the very bottom of the
 * image area and one ending exactly at the end of RAM. */
static void good_edges(void **state)
{
	(void)state;
	ph(0)->p_paddr = HV_GUEST_IMAGE_MIN;
	eh()->e_entry = HV_GUEST_IMAGE_MIN;
	ph(1)->p_filesz = 0;
	ph(1)->p_paddr = RAM - 0x3000;
	expect_ok();
	assert_int_equal(plan.count, 2);
	assert_int_equal(plan.lowest, HV_GUEST_IMAGE_MIN);
	assert_int_equal(plan.end, RAM);

	uint8_t *ram = malloc(RAM);
	assert_non_null(ram);
	memset(ram, 0xee, RAM);
	elf_load_copy(&plan, im.buf, ram);
	assert_memory_equal(ram + HV_GUEST_IMAGE_MIN, im.buf + 0x1000, 0x200);
	for (uint64_t a = RAM - 0x3000; a < RAM; a++)
		assert_int_equal(ram[a], 0);
	free(ram);
	/* The last byte of the text segment may be the entry. */
	eh()->e_entry = HV_GUEST_IMAGE_MIN + 0x1ff;
	expect_ok();
}

/* Segments in any address order; adjacent ones do not overlap; a PT_LOAD
 * with no memory is ignored wherever it claims to be. */
static void good_order_adjacent_empty(void **state)
{
	(void)state;
	ph(1)->p_paddr = TEXT - 0x3000; /* ends where the text starts */
	*ph(2) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0xffffffff,
			       .p_paddr = 0x1000, .p_filesz = 0, .p_memsz = 0 };
	expect_ok();
	assert_int_equal(plan.count, 2);
	assert_int_equal(plan.lowest, TEXT - 0x3000);
	assert_int_equal(plan.end, TEXT + 0x200);
}

/* The image may sit at any alignment in memory (it comes from a file). */
static void good_unaligned(void **state)
{
	(void)state;
	uint8_t *buf = malloc(im.size + 8);
	assert_non_null(buf);
	for (size_t shift = 1; shift < 8; shift++) {
		memcpy(buf + shift, im.buf, im.size);
		assert_int_equal(elf_load_plan(buf + shift, im.size, RAM, &plan), 0);
		assert_int_equal(plan.count, 2);
	}
	free(buf);
}

/* Program headers somewhere else than right after the ELF header, and a
 * larger ELF header (e_ehsize above 64 is allowed). */
static void good_phdrs_elsewhere(void **state)
{
	(void)state;
	memcpy(im.buf + 0x800, ph(0), 4 * sizeof(Elf64_Phdr));
	memset(ph(0), 0xff, 4 * sizeof(Elf64_Phdr));
	eh()->e_phoff = 0x800;
	eh()->e_ehsize = 0x80;
	expect_ok();
	assert_int_equal(plan.count, 2);
}

/* ---- refusals: the ELF header ------------------------------------------------------------ */

static void refuse_short(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof(Elf64_Ehdr); n++) {
		im.size = n;
		expect_refused(RAM, "shorter than an ELF64 header");
	}
	assert_int_equal(elf_load_plan(NULL, 4096, RAM, &plan), -EINVAL);
	assert_non_null(strstr(plan.reason, "shorter"));
}

static void refuse_magic(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SELFMAG; i++) {
		build_good();
		im.buf[i] ^= 0x20;
		expect_refused(RAM, "bad magic");
	}
}

static void refuse_class(void **state)
{
	(void)state;
	eh()->e_ident[EI_CLASS] = ELFCLASS32;
	expect_refused(RAM, "not ELFCLASS64");
	eh()->e_ident[EI_CLASS] = ELFCLASSNONE;
	expect_refused(RAM, "not ELFCLASS64");
}

static void refuse_big_endian(void **state)
{
	(void)state;
	eh()->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_refused(RAM, "not little-endian");
}

static void refuse_version(void **state)
{
	(void)state;
	eh()->e_ident[EI_VERSION] = 2;
	expect_refused(RAM, "ELF version");
	build_good();
	eh()->e_version = 0;
	expect_refused(RAM, "ELF version");
}

static void refuse_type(void **state)
{
	(void)state;
	static const uint16_t types[] = { ET_NONE, ET_REL, ET_DYN, ET_CORE, 0xfe00 };
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		eh()->e_type = types[i];
		expect_refused(RAM, "not an executable (ET_EXEC)");
	}
}

static void refuse_machine(void **state)
{
	(void)state;
	eh()->e_machine = EM_386;
	expect_refused(RAM, "not x86-64");
	eh()->e_machine = EM_AARCH64;
	expect_refused(RAM, "not x86-64");
}

static void refuse_ehsize(void **state)
{
	(void)state;
	eh()->e_ehsize = sizeof(Elf64_Ehdr) - 1;
	expect_refused(RAM, "header size");
}

static void refuse_phentsize(void **state)
{
	(void)state;
	static const uint16_t sizes[] = { 0, 32, 55, 57, 64, 0xffff };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		eh()->e_phentsize = sizes[i];
		expect_refused(RAM, "program header size");
	}
}

static void refuse_phnum(void **state)
{
	(void)state;
	eh()->e_phnum = 0;
	expect_refused(RAM, "no program headers");
	eh()->e_phnum = PN_XNUM;
	expect_refused(RAM, "program headers, at most");
	eh()->e_phnum = ELF_MAX_PHDRS + 1;
	expect_refused(RAM, "program headers, at most");
}

static void refuse_phoff(void **state)
{
	(void)state;
	/* Beyond the file; partly beyond it; inside the ELF header; huge
	 * values whose sums with the table size overflow. */
	static const uint64_t offs[] = { 0x3000, 0x2080, 0x2080 - 4 * 56 + 1, 0, 8, 63,
					 UINT64_MAX, UINT64_MAX - 55, 1ull << 63 };
	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		eh()->e_phoff = offs[i];
		expect_refused(RAM, "program headers outside the file");
	}
	/* Exactly at the end of the file is fine when it fits. */
	memcpy(im.buf + 0x2080, ph(0), 4 * sizeof(Elf64_Phdr));
	im.size = 0x2080 + 4 * sizeof(Elf64_Phdr);
	eh()->e_phoff = 0x2080;
	expect_ok();
	im.size--;
	expect_refused(RAM, "program headers outside the file");
}

static void refuse_ram_size(void **state)
{
	(void)state;
	expect_refused(RAM + 1, "guest RAM size");
	expect_refused(HV_GUEST_MEM_MAX + 0x1000, "guest RAM size");
	expect_refused(UINT64_MAX, "guest RAM size");
}

/* ---- refusals: program headers ---------------------------------------------------------- */

static void refuse_interp_dynamic(void **state)
{
	(void)state;
	ph(3)->p_type = PT_INTERP;
	expect_refused(RAM, "segment 3: PT_INTERP");
	ph(3)->p_type = PT_DYNAMIC;
	expect_refused(RAM, "segment 3: PT_DYNAMIC");
}

static void refuse_file_bytes(void **state)
{
	(void)state;
	ph(1)->p_offset = 0x2081; /* beyond the file */
	expect_refused(RAM, "segment 1: file bytes outside the file");
	ph(1)->p_offset = 0x2001; /* ends one byte beyond */
	expect_refused(RAM, "segment 1: file bytes outside the file");
	ph(1)->p_offset = UINT64_MAX; /* offset + size overflows */
	expect_refused(RAM, "segment 1: file bytes outside the file");
	ph(1)->p_offset = 0x10;
	ph(1)->p_filesz = UINT64_MAX - 0xf;
	ph(1)->p_memsz = UINT64_MAX - 0xf;
	expect_refused(RAM, "segment 1: file bytes outside the file");
}

static void refuse_filesz_above_memsz(void **state)
{
	(void)state;
	ph(0)->p_memsz = 0x1ff;
	expect_refused(RAM, "segment 0: file size above memory size");
}

static void refuse_address_overflow(void **state)
{
	(void)state;
	ph(1)->p_paddr = UINT64_MAX - 0x1000;
	expect_refused(RAM, "segment 1: address + size overflows");
	ph(1)->p_paddr = 0x300000;
	ph(1)->p_memsz = UINT64_MAX;
	expect_refused(RAM, "segment 1: address + size overflows");
}

static void refuse_legacy_hole(void **state)
{
	(void)state;
	static const uint64_t starts[] = { HV_GUEST_LEGACY_HOLE, HV_GUEST_LEGACY_HOLE - 0x1000,
					   0xb8000, HV_GUEST_LEGACY_END - 1, 0x1000 };
	for (unsigned i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		build_good();
		ph(1)->p_paddr = starts[i];
		ph(1)->p_memsz = i == 4 ? 0x100000 : 0x3000;
		expect_refused(RAM, "segment 1 overlaps the legacy hole");
	}
}

static void refuse_below_image_min(void **state)
{
	(void)state;
	ph(1)->p_paddr = HV_GUEST_LOW_FREE; /* the guest's low area: not for images */
	expect_refused(RAM, "segment 1 starts below 0x100000");
	ph(1)->p_paddr = 0;
	expect_refused(RAM, "segment 1 starts below 0x100000");
	ph(1)->p_paddr = HV_GUEST_LEGACY_HOLE - 0x3000; /* ends right at the hole */
	expect_refused(RAM, "segment 1 starts below 0x100000");
}

static void refuse_beyond_ram(void **state)
{
	(void)state;
	ph(1)->p_paddr = RAM - 0x2fff;
	expect_refused(RAM, "segment 1 ends beyond RAM");
	ph(1)->p_paddr = RAM;
	expect_refused(RAM, "segment 1 ends beyond RAM (0x803000 > 0x800000)");
	ph(1)->p_paddr = 0x100000000ull;
	expect_refused(RAM, "segment 1 ends beyond RAM");
	/* The same image fits in more RAM. */
	ph(1)->p_paddr = RAM;
	assert_int_equal(plan_exact(2 * RAM), 0);
}

static void refuse_overlap(void **state)
{
	(void)state;
	/* Partly, exactly, one inside the other, either order. */
	static const struct { uint64_t paddr, memsz; } cases[] = {
		{ TEXT + 0x1ff, 0x3000 }, { TEXT, 0x200 }, { TEXT + 0x10, 0x10 },
		{ TEXT - 0x1000, 0x3000 }, { TEXT - 0x1000, 0x1001 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build_good();
		ph(1)->p_paddr = cases[i].paddr;
		ph(1)->p_memsz = cases[i].memsz;
		ph(1)->p_filesz = 0;
		expect_refused(RAM, "segment 1 overlaps segment 0");
	}
	/* The same with the segments' headers swapped. */
	build_good();
	Elf64_Phdr t = *ph(0);
	*ph(0) = *ph(1);
	*ph(1) = t;
	ph(0)->p_paddr = TEXT + 0x100;
	expect_refused(RAM, "segment 1 overlaps segment 0");
}

static void refuse_too_many_segments(void **state)
{
	(void)state;
	/* ELF_MAX_SEGMENTS + 1 one-page bss segments after the text. */
	unsigned n = ELF_MAX_SEGMENTS + 1;
	eh()->e_phnum = (uint16_t)(1 + n);
	for (unsigned i = 1; i <= n; i++)
		*ph(i) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W,
				       .p_paddr = 0x400000 + 0x1000ull * i, .p_memsz = 0x1000 };
	expect_refused(RAM, "more than 16 loadable segments");
	eh()->e_phnum = ELF_MAX_SEGMENTS; /* the text and 15 more: exactly the limit */
	expect_ok();
	assert_int_equal(plan.count, ELF_MAX_SEGMENTS);
}

static void refuse_no_loadable_segment(void **state)
{
	(void)state;
	ph(0)->p_type = PT_NOTE;
	ph(1)->p_memsz = 0;
	ph(1)->p_filesz = 0;
	expect_refused(RAM, "no loadable segment");
}

static void refuse_entry(void **state)
{
	(void)state;
	static const uint64_t bad[] = { 0, TEXT - 1, TEXT + 0x200, DATA - 1, UINT64_MAX };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		eh()->e_entry = bad[i];
		expect_refused(RAM, "not in any segment's file bytes");
	}
	eh()->e_entry = DATA + 0x80; /* in bss */
	expect_refused(RAM, "not in any segment's file bytes");
	eh()->e_entry = DATA + 0x10; /* in data, not executable */
	expect_refused(RAM, "in segment 1, which is not executable");
	build_good();
	ph(0)->p_flags = PF_R;
	expect_refused(RAM, "in segment 0, which is not executable");
}

/* ---- robustness ------------------------------------------------------------------ */

/* Every length short of the whole image is refused, and nothing is read
 * past it (plan_exact gives the loader exactly that many bytes). */
static void truncated_everywhere(void **state)
{
	(void)state;
	size_t full = im.size;
	for (size_t n = 0; n < full; n++) {
		im.size = n;
		memset(&plan, 0, sizeof(plan));
		if (plan_exact(RAM) != -EINVAL)
			fail_msg("accepted truncated to %zu of %zu bytes", n, full);
		assert_true(plan.reason[0] != 0);
	}
	im.size = full;
	expect_ok();
}

/* Each byte of the headers set to a few values: whatever the verdict, no
 * sanitizer report, and an accepted plan obeys every rule. */
static void header_bytes_corrupted(void **state)
{
	(void)state;
	static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	size_t headers = PH_OFF + 4 * sizeof(Elf64_Phdr);
	for (size_t at = 0; at < headers; at++) {
		for (unsigned v = 0; v < sizeof(values); v++) {
			build_good();
			im.buf[at] = values[v];
			int rc = plan_exact(RAM);
			if (rc) {
				assert_int_equal(rc, -EINVAL);
				assert_true(plan.reason[0] != 0);
				continue;
			}
			assert_true(plan.count >= 1 && plan.count <= ELF_MAX_SEGMENTS);
			for (unsigned k = 0; k < plan.count; k++) {
				const struct elf_segment *s = &plan.seg[k];
				assert_true(s->offset + s->filesz <= im.size);
				assert_true(s->filesz <= s->memsz);
				assert_true(s->paddr >= HV_GUEST_IMAGE_MIN);
				assert_true(s->paddr + s->memsz <= RAM);
			}
		}
	}
}

/* ---- the real test guest ------------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	uint8_t *p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return p;
}

static void test_guest_image(void **state)
{
	(void)state;
	size_t size;
	uint8_t *img = read_file(GUEST_IMAGE, &size);
	if (!img) {
		fprintf(stderr, "skipped: %s not built (make %s)\n", GUEST_IMAGE, GUEST_IMAGE);
		skip();
	}
	const uint64_t ram = 64 * MIB;
	int rc = elf_load_plan(img, size, ram, &plan);
	if (rc)
		fail_msg("%s refused: %s", GUEST_IMAGE, plan.reason);
	assert_true(plan.count >= 1);
	assert_int_equal(plan.lowest, 0x200000);
	assert_true(plan.end > plan.entry);
	bool exec = false;
	for (unsigned k = 0; k < plan.count; k++)
		if (plan.seg[k].flags & ELF_PF_X)
			exec = true;
	assert_true(exec);

	uint8_t *mem = calloc(1, ram);
	assert_non_null(mem);
	elf_load_copy(&plan, img, mem);
	/* The entry's first bytes are those in the file. */
	for (unsigned k = 0; k < plan.count; k++) {
		const struct elf_segment *s = &plan.seg[k];
		assert_memory_equal(mem + s->paddr, img + s->offset, s->filesz);
	}
	free(mem);
	free(img);
}

/* cmocka's skip() takes no reason; tap2results.py reads what follows a
 * skipped test's name as one, so the name carries it when the image is
 * absent. */
static const char *guest_name(const char *name)
{
	static char buf[200];
	FILE *f = fopen(GUEST_IMAGE, "rb");

	if (f) {
		fclose(f);
		return name;
	}
	snprintf(buf, sizeof(buf), "%s %s not built (make %s)", name, GUEST_IMAGE, GUEST_IMAGE);
	return buf;
}

int main(void)
{
	watchdog_arm("test_elf", 60);
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(good_two_segments),
		T(good_copy),
		T(good_edges),
		T(good_order_adjacent_empty),
		T(good_unaligned),
		T(good_phdrs_elsewhere),
		T(refuse_short),
		T(refuse_magic),
		T(refuse_class),
		T(refuse_big_endian),
		T(refuse_version),
		T(refuse_type),
		T(refuse_machine),
		T(refuse_ehsize),
		T(refuse_phentsize),
		T(refuse_phnum),
		T(refuse_phoff),
		T(refuse_ram_size),
		T(refuse_interp_dynamic),
		T(refuse_file_bytes),
		T(refuse_filesz_above_memsz),
		T(refuse_address_overflow),
		T(refuse_legacy_hole),
		T(refuse_below_image_min),
		T(refuse_beyond_ram),
		T(refuse_overlap),
		T(refuse_too_many_segments),
		T(refuse_no_loadable_segment),
		T(refuse_entry),
		T(truncated_everywhere),
		T(header_bytes_corrupted),
		{ guest_name("test_guest_image"), test_guest_image, setup, NULL, NULL },
	};
#undef T
	int rc = cmocka_run_group_tests_name("elf", tests, NULL, NULL);
	watchdog_disarm();
	return rc;
}
