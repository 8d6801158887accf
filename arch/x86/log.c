#include "arch/x86/log.h"
#include "arch/x86/console.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/time.h"

#include <stdarg.h>
#include <stdio.h>

enum log_level log_threshold = LOG_INFO;

/* One line at a time from every CPU, in the order they asked. The wait is
 * bounded: a CPU that faults while it holds the lock (its exception
 * report) or stops holding it must not silence the others for good, so
 * a holder that makes no progress for this long is taken over. Printing
 * one line at 115200 baud takes milliseconds; this is far longer. */
#define CONSOLE_LOCK_PATIENCE 50000000ul
static struct spinlock console_lock;

static void console_write_locked(const char *buf, size_t n)
{
	struct spin_hold h = spin_lock_bounded(&console_lock, CONSOLE_LOCK_PATIENCE);

	console_write(buf, n);
	spin_unlock_bounded(&console_lock, h);
}

static void log_vwrite(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	int n = 0;

	if (prefix)
		n = snprintf(buf, sizeof(buf), "%s", prefix);
	int m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1; /* truncated, still printed */
	console_write_locked(buf, n);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char prefix[48];
	va_list ap;

	if (level > log_threshold)
		return;
	if (time_ready()) {
		uint64_t us = time_ns() / 1000;
		snprintf(prefix, sizeof(prefix), "[%5llu.%06llu] %s",
			 (unsigned long long)(us / 1000000),
			 (unsigned long long)(us % 1000000), log_level_tag(level));
	} else {
		snprintf(prefix, sizeof(prefix), "[    ?.??????] %s",
			 log_level_tag(level));
	}
	va_start(ap, fmt);
	log_vwrite(prefix, fmt, ap);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(NULL, fmt, ap);
	va_end(ap);
}
