/* libFuzzer target: hv/guest/loader/elf.c, the guest image loader. The input is the
 * image, copied into a buffer of exactly its size (a read past it is an
 * ASan report). Its byte 9 (EI_PAD, which the loader ignores), modulo four,
 * also picks the guest's RAM size, so that plans that fit and plans that
 * overflow are both explored while real ELF files stay good seeds. An
 * accepted plan must obey every rule of hv/guest/loader/elf.h, and is then copied into
 * a guest RAM buffer of exactly ram_size bytes: a segment placed outside
 * RAM would be an ASan report too. Seed: build/guest/test-guest.elf. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/sizes.h"
#include "hv/guest/abi.h"
#include "hv/guest/loader/elf.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)


static struct elf_plan plan;
static uint8_t *ram;
#define RAM_MAX (8 * MIB)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 0, what real ELF files have there, gives the most room. */
	static const uint64_t ram_sizes[4] = { 8 * MIB, 2 * MIB, 3 * MIB, 2 * MIB + 4096 };
	uint64_t ram_size = ram_sizes[size > 9 ? data[9] % 4 : 0];
	uint8_t *image;

	if (!ram) {
		ram = malloc(RAM_MAX);
		CHECK(ram);
	}
	image = malloc(size ? size : 1);
	CHECK(image);
	memcpy(image, data, size);

	int rc = elf_load_plan(image, size, ram_size, &plan);
	CHECK(memchr(plan.reason, 0, sizeof(plan.reason)));
	if (rc) {
		CHECK(rc < 0);
		CHECK(plan.reason[0]);
		free(image);
		return 0;
	}
	CHECK(!plan.reason[0]);
	CHECK(plan.count >= 1 && plan.count <= ELF_MAX_SEGMENTS);
	int entry_in_x = 0;
	for (unsigned k = 0; k < plan.count; k++) {
		const struct elf_segment *s = &plan.seg[k];
		CHECK(s->offset <= size && s->filesz <= size - s->offset);
		CHECK(s->filesz <= s->memsz && s->memsz > 0);
		CHECK(s->paddr >= HV_GUEST_IMAGE_MIN);
		CHECK(s->paddr + s->memsz > s->paddr);
		CHECK(s->paddr + s->memsz <= ram_size);
		CHECK(s->paddr >= plan.lowest && s->paddr + s->memsz <= plan.end);
		for (unsigned j = 0; j < k; j++) {
			const struct elf_segment *t = &plan.seg[j];
			CHECK(s->paddr >= t->paddr + t->memsz || t->paddr >= s->paddr + s->memsz);
		}
		if (plan.entry >= s->paddr && plan.entry < s->paddr + s->filesz &&
		    (s->flags & ELF_PF_X))
			entry_in_x = 1;
	}
	CHECK(entry_in_x);

	/* Guest RAM of exactly ram_size bytes: the end of the buffer. */
	elf_load_copy(&plan, image, ram + (RAM_MAX - ram_size));
	free(image);
	return 0;
}
