/* Firmware ConOut as a console sink while boot services last. On machines
 * where ConOut already drives the serial port (OVMF does), the hypervisor's
 * own COM1 output is held back until ExitBootServices, or every line would
 * arrive twice. */
#include "arch/x86/console.h"
#include "boot/efi_boot.h"

#define CONOUT_CHUNK 128

static SIMPLE_TEXT_OUTPUT_INTERFACE *conout;

static void conout_write(const char *s, size_t len)
{
	CHAR16 buf[CONOUT_CHUNK + 2];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			buf[n++] = u'\r';
		buf[n++] = (unsigned char)s[i];
		if (n >= CONOUT_CHUNK || i + 1 == len) {
			buf[n] = 0;
			conout->OutputString(conout, buf);
			n = 0;
		}
	}
}

/* Whether the ConOut variable names a UART device path (UEFI 2.10, 10.3.4.8). */
static bool conout_reaches_serial(void)
{
	EFI_GUID global = EFI_GLOBAL_VARIABLE;
	UINT8 buf[1024];
	UINTN size = sizeof(buf);

	if (efi_rt->GetVariable(u"ConOut", &global, NULL, &size, buf) != EFI_SUCCESS)
		return false;
	for (UINTN off = 0; off + 4 <= size;) {
		EFI_DEVICE_PATH *node = (EFI_DEVICE_PATH *)(buf + off);
		UINTN len = DevicePathNodeLength(node);
		if (len < 4 || len > size - off)
			return false;
		if (DevicePathType(node) == MESSAGING_DEVICE_PATH &&
		    DevicePathSubType(node) == MSG_UART_DP)
			return true;
		off += len;
	}
	return false;
}

void efi_console_attach(EFI_SYSTEM_TABLE *st)
{
	conout = st->ConOut;
	if (conout)
		console_set_firmware_sink(conout_write, conout_reaches_serial());
}
