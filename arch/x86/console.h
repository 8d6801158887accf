/* The hypervisor console: COM1, plus firmware ConOut while boot services last. */
#ifndef ARCH_X86_CONSOLE_H
#define ARCH_X86_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

typedef void (*console_sink_fn)(const char *s, size_t len);

void console_init_serial(void);

/* While a firmware sink is set, output goes to it; it also goes to COM1
 * unless the firmware console already echoes to the serial port. */
void console_set_firmware_sink(console_sink_fn sink, bool sink_reaches_serial);
void console_clear_firmware_sink(void);

void console_write(const char *s, size_t len);

#endif
