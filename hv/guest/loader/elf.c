/* ELF64 guest images: see hv/guest/loader/elf.h. Every header is copied out of the image
 * with memcpy (the image need not be aligned) after its bounds are checked,
 * and every sum of two untrusted 64-bit values is checked for overflow. */
#include "hv/guest/loader/elf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/sizes.h"
#include "hv/guest/abi.h"

/* The ELF64 file format (System V gABI; the x86-64 psABI for EM_X86_64). */
#define EI_NIDENT     16
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC       2
#define EM_X86_64     62
#define PT_LOAD       1
#define PT_DYNAMIC    2
#define PT_INTERP     3
#define PN_XNUM       0xffff

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header size");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header size");

__attribute__((format(printf, 2, 3)))
static int refuse(struct elf_plan *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	out->count = 0;
	return -EINVAL;
}

static int check_header(const struct elf64_ehdr *eh, size_t size, uint64_t ram_size,
			struct elf_plan *out)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (memcmp(eh->e_ident, magic, sizeof(magic)))
		return refuse(out, "not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return refuse(out, "not ELFCLASS64 (class %u)", eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return refuse(out, "not little-endian (data %u)", eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return refuse(out, "unknown ELF version");
	if (eh->e_type != ET_EXEC)
		return refuse(out, "not an executable (ET_EXEC): type %u", eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return refuse(out, "not x86-64 (machine %u)", eh->e_machine);
	if (eh->e_ehsize < sizeof(*eh))
		return refuse(out, "header size %u too small", eh->e_ehsize);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return refuse(out, "program header size %u, not %zu", eh->e_phentsize,
			      sizeof(struct elf64_phdr));
	if (eh->e_phnum == 0)
		return refuse(out, "no program headers");
	if (eh->e_phnum == PN_XNUM || eh->e_phnum > ELF_MAX_PHDRS)
		return refuse(out, "%u program headers, at most %u", eh->e_phnum,
			      ELF_MAX_PHDRS);
	/* phnum <= 64 and phentsize == 56: the product cannot overflow. */
	uint64_t ph_bytes = (uint64_t)eh->e_phnum * eh->e_phentsize;
	if (eh->e_phoff < sizeof(*eh) || eh->e_phoff > size || ph_bytes > size - eh->e_phoff)
		return refuse(out, "program headers outside the file");
	if (ram_size % PAGE_SIZE || ram_size > HV_GUEST_MEM_MAX)
		return refuse(out, "guest RAM size 0x%llx not page-aligned or above 0x%llx",
			      (unsigned long long)ram_size,
			      (unsigned long long)HV_GUEST_MEM_MAX);
	return 0;
}

static int check_segment(const struct elf64_phdr *ph, unsigned i, size_t size,
			 uint64_t ram_size, struct elf_plan *out)
{
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return refuse(out, "segment %u: file bytes outside the file", i);
	if (ph->p_filesz > ph->p_memsz)
		return refuse(out, "segment %u: file size above memory size", i);
	if (ph->p_memsz > UINT64_MAX - ph->p_paddr)
		return refuse(out, "segment %u: address + size overflows", i);
	uint64_t start = ph->p_paddr, end = ph->p_paddr + ph->p_memsz;
	if (start < HV_GUEST_LEGACY_END && end > HV_GUEST_LEGACY_HOLE)
		return refuse(out, "segment %u overlaps the legacy hole 0xa0000-0xfffff", i);
	if (start < HV_GUEST_IMAGE_MIN)
		return refuse(out, "segment %u starts below 0x%llx", i,
			      (unsigned long long)HV_GUEST_IMAGE_MIN);
	if (end > ram_size)
		return refuse(out, "segment %u ends beyond RAM (0x%llx > 0x%llx)", i,
			      (unsigned long long)end, (unsigned long long)ram_size);
	for (unsigned k = 0; k < out->count; k++) {
		const struct elf_segment *s = &out->seg[k];
		if (start < s->paddr + s->memsz && s->paddr < end)
			return refuse(out, "segment %u overlaps segment %u", i, s->phdr);
	}
	if (out->count == ELF_MAX_SEGMENTS)
		return refuse(out, "more than %u loadable segments", ELF_MAX_SEGMENTS);
	return 0;
}

int elf_load_plan(const void *image, size_t size, uint64_t ram_size, struct elf_plan *out)
{
	const uint8_t *img = image;
	struct elf64_ehdr eh;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!image || size < sizeof(eh))
		return refuse(out, "shorter than an ELF64 header (%zu bytes)", size);
	memcpy(&eh, img, sizeof(eh));
	rc = check_header(&eh, size, ram_size, out);
	if (rc)
		return rc;

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_INTERP)
			return refuse(out, "segment %u: PT_INTERP (not a static executable)", i);
		if (ph.p_type == PT_DYNAMIC)
			return refuse(out, "segment %u: PT_DYNAMIC (not a static executable)", i);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		rc = check_segment(&ph, i, size, ram_size, out);
		if (rc)
			return rc;
		out->seg[out->count++] = (struct elf_segment){
			.offset = ph.p_offset,
			.filesz = ph.p_filesz,
			.paddr = ph.p_paddr,
			.memsz = ph.p_memsz,
			.flags = ph.p_flags,
			.phdr = i,
		};
	}
	if (!out->count)
		return refuse(out, "no loadable segment");

	out->lowest = UINT64_MAX;
	for (unsigned k = 0; k < out->count; k++) {
		const struct elf_segment *s = &out->seg[k];
		if (s->paddr < out->lowest)
			out->lowest = s->paddr;
		if (s->paddr + s->memsz > out->end)
			out->end = s->paddr + s->memsz;
	}

	const struct elf_segment *in = NULL;
	for (unsigned k = 0; k < out->count && !in; k++) {
		const struct elf_segment *s = &out->seg[k];
		if (eh.e_entry >= s->paddr && eh.e_entry - s->paddr < s->filesz)
			in = s;
	}
	if (!in)
		return refuse(out, "entry 0x%llx not in any segment's file bytes",
			      (unsigned long long)eh.e_entry);
	if (!(in->flags & ELF_PF_X))
		return refuse(out, "entry 0x%llx in segment %u, which is not executable",
			      (unsigned long long)eh.e_entry, in->phdr);
	out->entry = eh.e_entry;
	return 0;
}

void elf_load_copy(const struct elf_plan *p, const void *image, uint8_t *guest_ram_base)
{
	const uint8_t *img = image;

	for (unsigned k = 0; k < p->count && k < ELF_MAX_SEGMENTS; k++) {
		const struct elf_segment *s = &p->seg[k];
		uint8_t *dst = guest_ram_base + s->paddr;

		memcpy(dst, img + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
}
