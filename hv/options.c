#include "hv/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD_MAX 64

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcmp(s, "yes")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "0") || !strcmp(s, "no")) {
		*out = false;
		return true;
	}
	return false;
}

static bool lookup(const char *s, const char *const names[], unsigned n,
		   unsigned *out)
{
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return true;
		}
	}
	return false;
}

/* Applies one word; returns false when it is not understood. */
static bool apply(struct hv_options *o, const char *key, const char *value)
{
	static const char *const exit_names[] = { "halt", "qemu", "shutdown" };
	static const char *const level_names[] = { "error", "warning", "info", "debug" };
	unsigned idx;
	uint64_t n;

	if (!value)
		return !strcmp(key, "selftest") && (o->selftest = true);
	if (!strcmp(key, "exit") && lookup(value, exit_names, 3, &idx)) {
		o->exit = (enum exit_mode)idx;
		return true;
	}
	if (!strcmp(key, "loglevel") && lookup(value, level_names, 4, &idx)) {
		o->log_level = (enum log_level)idx;
		return true;
	}
	if (!strcmp(key, "expect.cpus") && parse_u64(value, &n) && n && n <= 4096) {
		o->expect.cpus = (unsigned)n;
		return (o->expect.cpus_set = true);
	}
	if (!strcmp(key, "expect.dmar") && parse_bool(value, &o->expect.dmar))
		return (o->expect.dmar_set = true);
	if (!strcmp(key, "expect.ecam") && parse_u64(value, &o->expect.ecam))
		return (o->expect.ecam_set = true);
	return false;
}

int options_parse(const char *s, struct hv_options *o, char error[OPTIONS_ERROR_MAX])
{
	int ret = 0;

	memset(o, 0, sizeof(*o));
	o->exit = EXIT_HALT;
	o->log_level = LOG_INFO;
	error[0] = '\0';

	while (*s) {
		char word[WORD_MAX];
		size_t len = 0;

		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		while (s[len] && s[len] != ' ' && s[len] != '\t' && s[len] != '\r' &&
		       s[len] != '\n')
			len++;
		if (!len)
			break;
		bool fits = len < WORD_MAX;
		if (fits) {
			memcpy(word, s, len);
			word[len] = '\0';
		}
		s += len;

		char *eq = fits ? strchr(word, '=') : NULL;
		if (eq)
			*eq = '\0';
		if (!fits || !apply(o, word, eq ? eq + 1 : NULL)) {
			if (!ret)
				snprintf(error, OPTIONS_ERROR_MAX,
					 "unknown or invalid option '%.*s'",
					 (int)(len < 48 ? len : 48), s - len);
			ret = -EINVAL;
		}
	}
	return ret;
}
