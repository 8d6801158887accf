/* Host stand-in for arch/x86/log.c: the code under test logs through log_msg(), and
 * the unit tests look at what it said instead of printing it (TAP on stdout
 * must stay clean). Every message is recorded whatever log_threshold says. */
#ifndef TESTS_UNIT_LOG_STUB_H
#define TESTS_UNIT_LOG_STUB_H

#include "arch/x86/log.h"

#define LOG_STUB_MSG_MAX 512

/* The last log_msg() text (formatted, without prefix) and its level. */
extern char log_stub_last[LOG_STUB_MSG_MAX];
extern enum log_level log_stub_last_level;
/* log_msg() calls per level, and log_raw() calls. */
extern unsigned log_stub_count[LOG_DEBUG + 1];
extern unsigned log_stub_raw_count;
/* The last log_raw() text. */
extern char log_stub_raw_last[LOG_STUB_MSG_MAX];

/* Forgets everything recorded so far. */
void log_stub_reset(void);

#endif
