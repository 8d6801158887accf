/* arch/x86/log.h for the host tools: what the shared parsers log goes to stderr,
 * so that stdout stays the tool's output. */
#include "arch/x86/log.h"

#include <stdarg.h>
#include <stdio.h>

enum log_level log_threshold = LOG_WARN;

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_threshold)
		return;
	fputs(log_level_tag(level), stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
