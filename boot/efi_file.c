/* Files of the EFI system partition hv.efi was loaded from, read while
 * boot services last: the configuration and the guests' images. */
#include "boot/efi_boot.h"

#include <string.h>

#define PATH_MAX_CHARS 256

/* hv.efi's directory on its volume, with its trailing backslash. */
static size_t image_dir(EFI_DEVICE_PATH *dp, CHAR16 *out, size_t max)
{
	size_t len = 0, dir_end = 0;

	for (; dp && !IsDevicePathEndType(dp); dp = NextDevicePathNode(dp)) {
		size_t node_len = DevicePathNodeLength(dp);
		if (node_len < 4)
			return 0;
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
	return dir_end;
}

/* `path` from '\' (the volume's root) or else from hv.efi's directory;
 * '/' is taken for '\'. */
static bool full_path(EFI_LOADED_IMAGE *li, const char *path, CHAR16 *out, size_t max)
{
	size_t len = 0;

	if (path[0] != '\\' && path[0] != '/')
		len = image_dir(li->FilePath, out, max);
	for (; *path; path++) {
		if (len + 1 >= max)
			return false;
		out[len++] = *path == '/' ? u'\\' : (CHAR16)(unsigned char)*path;
	}
	out[len] = 0;
	return true;
}

EFI_STATUS efi_read_file(EFI_LOADED_IMAGE *li, const char *path, size_t max_size,
			 void **data, size_t *size)
{
	EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID, info_guid = EFI_FILE_INFO_ID;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_FILE_HANDLE root, file;
	CHAR16 wide[PATH_MAX_CHARS];
	union {
		EFI_FILE_INFO info;
		uint8_t bytes[sizeof(EFI_FILE_INFO) + PATH_MAX_CHARS * sizeof(CHAR16)];
	} info;
	UINTN info_size = sizeof(info);
	EFI_STATUS st;

	if (!full_path(li, path, wide, PATH_MAX_CHARS))
		return EFI_INVALID_PARAMETER;
	if ((st = efi_bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs)) ||
	    (st = fs->OpenVolume(fs, &root)))
		return st;
	st = root->Open(root, &file, wide, EFI_FILE_MODE_READ, 0);
	root->Close(root);
	if (st)
		return st;
	if ((st = file->GetInfo(file, &info_guid, &info_size, &info)) == EFI_SUCCESS) {
		UINTN n = info.info.FileSize;
		EFI_PHYSICAL_ADDRESS buf = 0;
		if (n > max_size)
			st = EFI_BAD_BUFFER_SIZE;
		else if (!(st = efi_bs->AllocatePages(AllocateAnyPages, EfiLoaderData,
						      EFI_SIZE_TO_PAGES(n + 1), &buf)) &&
			 !(st = file->Read(file, &n, (void *)(uintptr_t)buf))) {
			((char *)(uintptr_t)buf)[n] = '\0'; /* text files end in a NUL */
			*data = (void *)(uintptr_t)buf;
			*size = n;
		}
	}
	file->Close(file);
	return st;
}
