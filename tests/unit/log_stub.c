/* See log_stub.h. */
#include "tests/unit/log_stub.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum log_level log_threshold = LOG_DEBUG;

char log_stub_last[LOG_STUB_MSG_MAX];
enum log_level log_stub_last_level;
unsigned log_stub_count[LOG_DEBUG + 1];
unsigned log_stub_raw_count;
char log_stub_raw_last[LOG_STUB_MSG_MAX];

void log_stub_reset(void)
{
	memset(log_stub_last, 0, sizeof(log_stub_last));
	log_stub_last_level = LOG_ERR;
	memset(log_stub_count, 0, sizeof(log_stub_count));
	log_stub_raw_count = 0;
	memset(log_stub_raw_last, 0, sizeof(log_stub_raw_last));
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log_stub_last, sizeof(log_stub_last), fmt, ap);
	va_end(ap);
	log_stub_last_level = level;
	if ((unsigned)level <= LOG_DEBUG)
		log_stub_count[level]++;
}

void log_raw(const char *fmt, ...)
{
	va_list ap;

	/* Formatted anyway, so the sanitizers see every argument used. */
	va_start(ap, fmt);
	vsnprintf(log_stub_raw_last, sizeof(log_stub_raw_last), fmt, ap);
	va_end(ap);
	log_stub_raw_count++;
}
