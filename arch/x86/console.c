#include "arch/x86/console.h"
#include "arch/x86/uart16550.h"

static bool serial_present;
static console_sink_fn firmware_sink;
static bool firmware_sink_reaches_serial;

void console_init_serial(void)
{
	serial_present = uart16550_init(COM1_PORT);
}

void console_set_firmware_sink(console_sink_fn sink, bool sink_reaches_serial)
{
	firmware_sink = sink;
	firmware_sink_reaches_serial = sink_reaches_serial;
}

void console_clear_firmware_sink(void)
{
	firmware_sink = NULL;
}

void console_write(const char *s, size_t len)
{
	if (firmware_sink)
		firmware_sink(s, len);
	if (serial_present && !(firmware_sink && firmware_sink_reaches_serial))
		uart16550_write(s, len);
}
