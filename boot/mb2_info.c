/* Reading GRUB's multiboot2 information structure: every size is checked
 * against the structure's own bounds before anything is read through it. */
#include "boot/mb2_info.h"

#include <errno.h>
#include <string.h>

#define TAG_HEADER_BYTES 8
#define MODULE_FIXED_BYTES 16 /* type, size, mod_start, mod_end */
#define MMAP_FIXED_BYTES 16   /* type, size, entry_size, entry_version */

static uint32_t read32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A NUL-terminated string filling at most [p, end). */
static const char *string_in(const uint8_t *p, const uint8_t *end)
{
	return p < end && memchr(p, '\0', (size_t)(end - p)) ? (const char *)p : NULL;
}

static int module_tag(const uint8_t *tag, uint32_t size, struct mb2_info *out,
		      const char **error)
{
	if (size < MODULE_FIXED_BYTES + 1) {
		*error = "module tag too short";
		return -EINVAL;
	}
	const char *string = string_in(tag + MODULE_FIXED_BYTES, tag + size);
	uint32_t start = read32(tag + 8), end = read32(tag + 12);
	if (!string || end < start) {
		*error = !string ? "module string without its NUL" : "module ends before it starts";
		return -EINVAL;
	}
	if (out->module_count == MB2_MAX_MODULES) {
		out->modules_dropped++;
		return 0;
	}
	out->module[out->module_count++] = (struct mb2_module){ start, end, string };
	return 0;
}

static int mmap_tag(const uint8_t *tag, uint32_t size, struct mb2_info *out,
		    const char **error)
{
	uint32_t entry_size = size >= MMAP_FIXED_BYTES ? read32(tag + 8) : 0;

	if (entry_size < sizeof(struct mb2_mmap_entry) || entry_size % 8) {
		*error = "memory map tag with a bad entry size";
		return -EINVAL;
	}
	out->mmap = tag + MMAP_FIXED_BYTES;
	out->mmap_entry_size = entry_size;
	out->mmap_entries = (size - MMAP_FIXED_BYTES) / entry_size;
	return 0;
}

static int one_tag(const uint8_t *tag, uint32_t type, uint32_t size, struct mb2_info *out,
		   const char **error)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		if (!(out->cmdline = string_in(tag + TAG_HEADER_BYTES, tag + size))) {
			*error = "command line without its NUL";
			return -EINVAL;
		}
		return 0;
	case MB2_TAG_MODULE:
		return module_tag(tag, size, out, error);
	case MB2_TAG_MMAP:
		return mmap_tag(tag, size, out, error);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		/* The new RSDP (with the XSDT) wins whichever comes first. */
		if (out->rsdp_tag != MB2_TAG_ACPI_NEW) {
			out->rsdp = tag + TAG_HEADER_BYTES;
			out->rsdp_size = size - TAG_HEADER_BYTES;
			out->rsdp_tag = type;
		}
		return 0;
	default:
		out->tags_ignored++;
		return 0;
	}
}

int mb2_parse(const void *mbi, struct mb2_info *out, const char **error)
{
	const uint8_t *base = mbi;

	memset(out, 0, sizeof(*out));
	*error = NULL;
	if (!base) {
		*error = "no information structure";
		return -EINVAL;
	}
	uint32_t total = read32(base);
	if (total < 2 * TAG_HEADER_BYTES || total > MB2_INFO_MAX_BYTES) {
		*error = "total size out of bounds";
		return -EINVAL;
	}
	out->total_size = total;
	/* Tags start after the 8-byte fixed part, each 8-byte aligned. */
	for (uint32_t off = TAG_HEADER_BYTES; off + TAG_HEADER_BYTES <= total;) {
		const uint8_t *tag = base + off;
		uint32_t type = read32(tag), size = read32(tag + 4);

		if (size < TAG_HEADER_BYTES || size > total - off) {
			*error = "tag size out of bounds";
			return -EINVAL;
		}
		if (type == MB2_TAG_END)
			return 0;
		int err = one_tag(tag, type, size, out, error);
		if (err)
			return err;
		off += (size + 7) & ~7u;
	}
	*error = "no end tag";
	return -EINVAL;
}

const struct mb2_module *mb2_find_module(const struct mb2_info *info, const char *name)
{
	size_t len = strlen(name);

	for (unsigned i = 0; i < info->module_count; i++) {
		const char *s = info->module[i].string;
		s += strspn(s, " ");
		if (!strncmp(s, name, len) && (s[len] == '\0' || s[len] == ' '))
			return &info->module[i];
	}
	return NULL;
}
