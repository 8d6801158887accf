/* The hypervisor's command line: the UEFI load options (a boot entry's
 * optional data, or the shell's command line), else the file hv.cmdline
 * beside hv.efi, since firmware passes nothing to a removable-media boot. */
#include "boot/efi_boot.h"

#include <string.h>

#define CMDLINE_FILE "hv.cmdline"
#define CMDLINE_FILE_MAX 4096

/* Copies printable ASCII, anything else becomes a space. */
static void utf16_to_ascii(const CHAR16 *src, size_t n, char *dst, size_t dst_size)
{
	size_t i;

	for (i = 0; i < n && i + 1 < dst_size && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : ' ';
	dst[i] = '\0';
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ')
			return false;
	return true;
}

/* The shell passes the image name as the first word. */
static void drop_image_name(char *start)
{
	char *s = start;

	while (*s == ' ')
		s++;
	size_t len = strcspn(s, " ");
	if (len >= 4 && !strncasecmp(s + len - 4, ".efi", 4))
		s += len;
	s += strspn(s, " ");
	memmove(start, s, strlen(s) + 1);
}

static bool read_cmdline_file(EFI_LOADED_IMAGE *li, char *out, size_t max)
{
	void *data;
	size_t size;

	if (efi_read_file(li, CMDLINE_FILE, CMDLINE_FILE_MAX, &data, &size) != EFI_SUCCESS)
		return false;
	char *buf = data;
	for (size_t i = 0; i < size; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
			buf[i] = ' ';
	strncpy(out, buf, max - 1);
	out[max - 1] = '\0';
	efi_bs->FreePages((EFI_PHYSICAL_ADDRESS)(uintptr_t)data, EFI_SIZE_TO_PAGES(size + 1));
	return true;
}

void efi_read_cmdline(EFI_LOADED_IMAGE *li, struct boot_info *bi)
{
	bi->cmdline[0] = '\0';
	bi->cmdline_source = "none";
	if (li->LoadOptions && li->LoadOptionsSize >= sizeof(CHAR16)) {
		utf16_to_ascii(li->LoadOptions, li->LoadOptionsSize / sizeof(CHAR16),
			       bi->cmdline, sizeof(bi->cmdline));
		drop_image_name(bi->cmdline);
		if (!blank(bi->cmdline)) {
			bi->cmdline_source = "load options";
			return;
		}
	}
	if (read_cmdline_file(li, bi->cmdline, sizeof(bi->cmdline)))
		bi->cmdline_source = "hv.cmdline";
}
