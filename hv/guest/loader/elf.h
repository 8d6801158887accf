/* Guest images: a bounds-checked ELF64 loader. The image is untrusted input
 * (it comes from the ESP): elf_load_plan() reads only inside [image,
 * image + size), refuses anything hv/guest/abi.h does not allow, and says
 * why; elf_load_copy() then places a validated plan in guest RAM.
 *
 * Accepted: ELFCLASS64, little-endian, EV_CURRENT, ET_EXEC, EM_X86_64;
 * program headers of the ELF64 size inside the file, at most
 * ELF_MAX_PHDRS of them; no PT_INTERP or PT_DYNAMIC (nothing would run
 * the dynamic linker); 1..ELF_MAX_SEGMENTS PT_LOAD segments with memory
 * (those with p_memsz == 0 are ignored), each with its file bytes inside
 * the file, p_filesz <= p_memsz, placed at p_paddr inside guest RAM:
 * [HV_GUEST_IMAGE_MIN, ram_size), clear of the legacy hole, no two
 * overlapping; the entry inside the file-backed part of an executable
 * (PF_X) segment. ram_size itself must be page-aligned and at most
 * HV_GUEST_MEM_MAX. p_vaddr is not looked at: the guest starts on an
 * identity map, so its entry and segments are physical addresses. */
#ifndef HV_GUEST_LOADER_ELF_H
#define HV_GUEST_LOADER_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_PHDRS    64
#define ELF_MAX_SEGMENTS 16
#define ELF_REASON_MAX   96

/* Segment flags (p_flags). */
#define ELF_PF_X 0x1u
#define ELF_PF_W 0x2u
#define ELF_PF_R 0x4u

struct elf_segment {
	uint64_t offset;  /* of its bytes in the image */
	uint64_t filesz;  /* bytes copied from the image */
	uint64_t paddr;   /* guest-physical address */
	uint64_t memsz;   /* bytes in guest RAM: filesz, then zeros */
	uint32_t flags;   /* ELF_PF_* */
	unsigned phdr;    /* its program header's index ("segment N") */
};

struct elf_plan {
	uint64_t entry;
	uint64_t lowest;   /* lowest paddr of any segment */
	uint64_t end;      /* highest paddr + memsz of any segment */
	unsigned count;    /* segments in seg[] */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	/* Why the image was refused ("" when it was not). */
	char reason[ELF_REASON_MAX];
};

/* Validates the ELF64 image [image, image + size) for a guest with RAM
 * [0, ram_size) and fills *out with the segments to load. Returns 0, or
 * -EINVAL with out->reason saying why (e.g. "segment 2 ends beyond RAM");
 * *out is then of no use but the reason. Reads nothing outside the image;
 * the image need not be aligned. */
int elf_load_plan(const void *image, size_t size, uint64_t ram_size, struct elf_plan *out);

/* Copies each segment of a plan from elf_load_plan() to guest_ram_base +
 * paddr and zeroes its bss part (memsz beyond filesz). guest_ram_base maps
 * guest RAM [0, ram_size) contiguously; the image must be the one planned. */
void elf_load_copy(const struct elf_plan *p, const void *image, uint8_t *guest_ram_base);

#endif
