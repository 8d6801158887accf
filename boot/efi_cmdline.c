/* The hypervisor's command line: the UEFI load options (a boot entry's
 * optional data, or the shell's command line), else the file hv.cmdline
 * beside hv.efi, since firmware passes nothing to a removable-media boot. */
#include "boot/efi_boot.h"

#include <string.h>

#define CMDLINE_FILE u"hv.cmdline"
#define PATH_MAX_CHARS 256

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

/* The directory of the image's file path, with CMDLINE_FILE appended. */
static bool cmdline_file_path(EFI_DEVICE_PATH *dp, CHAR16 *out, size_t max)
{
	size_t len = 0, dir_end = 0;

	for (; dp && !IsDevicePathEndType(dp); dp = NextDevicePathNode(dp)) {
		size_t node_len = DevicePathNodeLength(dp);
		if (node_len < 4)
			return false;
		if (DevicePathType(dp) != MEDIA_DEVICE_PATH ||
		    DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		const CHAR16 *name = ((FILEPATH_DEVICE_PATH *)dp)->PathName;
		size_t chars = (node_len - 4) / sizeof(CHAR16);
		if (len && out[len - 1] != u'\\' && len + 1 < max)
			out[len++] = u'\\';
		for (size_t i = 0; i < chars && name[i] && len + 1 < max; i++)
			out[len++] = name[i];
	}
	for (size_t i = 0; i < len; i++)
		if (out[i] == u'\\')
			dir_end = i + 1;
	const CHAR16 file[] = CMDLINE_FILE;
	size_t file_chars = sizeof(file) / sizeof(file[0]);
	if (dir_end + file_chars > max)
		return false;
	memcpy(out + dir_end, file, sizeof(file));
	return true;
}

static bool read_cmdline_file(EFI_LOADED_IMAGE *li, char *out, size_t max)
{
	EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_FILE_HANDLE root, file;
	CHAR16 path[PATH_MAX_CHARS];
	char buf[CMDLINE_MAX];
	UINTN size = sizeof(buf) - 1;

	if (!cmdline_file_path(li->FilePath, path, PATH_MAX_CHARS))
		return false;
	if (efi_bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs) != EFI_SUCCESS ||
	    fs->OpenVolume(fs, &root) != EFI_SUCCESS)
		return false;
	EFI_STATUS st = root->Open(root, &file, path, EFI_FILE_MODE_READ, 0);
	root->Close(root);
	if (st != EFI_SUCCESS)
		return false;
	st = file->Read(file, &size, buf);
	file->Close(file);
	if (st != EFI_SUCCESS)
		return false;
	buf[size] = '\0';
	for (size_t i = 0; i < size; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
			buf[i] = ' ';
	strncpy(out, buf, max - 1);
	out[max - 1] = '\0';
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
