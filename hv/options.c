#include "hv/options.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD_MAX 128

/* Decimal, or hexadecimal after 0x: a leading zero is not octal here. */
static bool parse_u64(const char *s, uint64_t *out)
{
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "on")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "0") || !strcmp(s, "no") || !strcmp(s, "off")) {
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

/* A function as pci_bdf_parse() reads it; *s moves past it. */
static bool parse_function(const char **s, pci_sbdf_t *out)
{
	struct pci_bdf d;

	if (!pci_bdf_parse(*s, s, &d))
		return false;
	*out = pci_bdf_pack(d);
	return true;
}

static bool parse_group(struct expectations *e, const char *s)
{
	if (e->group_count == EXPECT_LIST_MAX)
		return false;
	typeof(e->group[0]) *g = &e->group[e->group_count];
	g->count = 0;
	for (;;) {
		if (g->count == EXPECT_GROUP_MAX || !parse_function(&s, &g->member[g->count++]))
			return false;
		if (!*s)
			break;
		if (*s++ != ',')
			return false;
	}
	e->group_count++;
	return true;
}

static bool parse_alias(struct expectations *e, const char *s)
{
	if (e->alias_count == EXPECT_LIST_MAX)
		return false;
	typeof(e->alias[0]) *a = &e->alias[e->alias_count];
	if (!parse_function(&s, &a->function) || *s++ != '>' ||
	    !parse_function(&s, &a->requester) || *s)
		return false;
	e->alias_count++;
	return true;
}

/* Applies one word; returns false when it is not understood. */
static bool apply(struct hv_options *o, const char *key, const char *value)
{
	static const char *const exit_names[] = { "halt", "qemu", "shutdown", "bochs" };
	static const char *const level_names[] = { "error", "warning", "info", "debug" };
	static const char *const audit_names[] = { "on", "warn", "off" };
	unsigned idx;
	uint64_t n;

	if (!strcmp(key, "selftest")) {
		if (value && (!*value || strlen(value) >= sizeof(o->selftest_suites)))
			return false;
		strcpy(o->selftest_suites, value ? value : "");
		return (o->selftest = true);
	}
	if (!strcmp(key, "test.peer_dma") && !value)
		return (o->test_peer_dma = true);
	if (!strcmp(key, "test.exit_fault") && !value)
		return (o->test_exit_fault = true);
	if (!value)
		return false;
	if (!strcmp(key, "exit") && lookup(value, exit_names, 4, &idx)) {
		o->exit = (enum exit_mode)idx;
		return true;
	}
	if (!strcmp(key, "loglevel") && lookup(value, level_names, 4, &idx)) {
		o->log_level = (enum log_level)idx;
		return true;
	}
	if (!strcmp(key, "audit") && lookup(value, audit_names, 3, &idx)) {
		o->audit = (enum audit_mode)idx;
		return true;
	}
	if (!strcmp(key, "config") && *value && strlen(value) < sizeof(o->config)) {
		strcpy(o->config, value);
		return true;
	}
	if (!strcmp(key, "expect.guest_failure") && *value &&
	    strlen(value) < sizeof(o->expect.guest_failure)) {
		strcpy(o->expect.guest_failure, value);
		return true;
	}
	if (!strcmp(key, "intremap") && parse_bool(value, &o->intremap))
		return true;
	if (!strcmp(key, "irt.entries") && parse_u64(value, &n) && n >= 2 && n <= 65536 &&
	    !(n & (n - 1))) {
		o->irt_entries = (unsigned)n;
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
	if (!strcmp(key, "expect.units") && !strcmp(value, "all"))
		return (o->expect.units_all = true);
	if (!strcmp(key, "expect.group"))
		return parse_group(&o->expect, value);
	if (!strcmp(key, "expect.alias"))
		return parse_alias(&o->expect, value);
	return false;
}

void options_defaults(struct hv_options *o)
{
	memset(o, 0, sizeof(*o));
	o->exit = EXIT_HALT;
	o->log_level = LOG_INFO;
	o->intremap = true;
	o->irt_entries = IRT_ENTRIES_DEFAULT;
	o->audit = AUDIT_ON;
}

int options_parse(const char *s, struct hv_options *o, char error[OPTIONS_ERROR_MAX])
{
	options_defaults(o);
	return options_apply(s, o, error);
}

int options_apply(const char *s, struct hv_options *o, char error[OPTIONS_ERROR_MAX])
{
	int ret = 0;

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
