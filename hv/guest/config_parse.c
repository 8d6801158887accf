/* The guest configuration file, text to struct hv_config (config.h); the
 * checks against the machine are config_check.c's. The error list both
 * report into lives here, beside its first user. */
#include "arch/x86/sizes.h"
#include "hv/guest/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MEMORY_ALIGN (2 * MIB) /* guests are mapped with 2 MiB pages */

/* ---- errors ------------------------------------------------------------------ */

void config_errors_init(struct config_errors *e)
{
	memset(e, 0, sizeof(*e));
}

__attribute__((format(printf, 4, 5)))
void config_error_at(struct config_errors *e, const char *file, unsigned line,
		     const char *fmt, ...)
{
	va_list ap;

	if (e->count == CONFIG_ERRORS_MAX) {
		e->dropped++;
		return;
	}
	char *m = e->msg[e->count++];
	/* The file name is at most CONFIG_FILE_NAME_MAX - 1 characters, so the
	 * prefix always leaves room for the reason. */
	int n = snprintf(m, CONFIG_ERROR_LEN, "%s:%u: ", file, line);
	if (n < 0 || n >= CONFIG_ERROR_LEN)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(m + n, CONFIG_ERROR_LEN - (size_t)n, fmt, ap);
	va_end(ap);
}

void config_errors_print(const struct config_errors *e)
{
	for (unsigned i = 0; i < e->count && i < CONFIG_ERRORS_MAX; i++)
		log_err("%s\n", e->msg[i]);
	if (e->dropped)
		log_err("... and %u more errors in the configuration\n", e->dropped);
}

/* ---- characters and numbers (no <ctype.h>: the locale has no say here) ------ */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* Cuts the blanks at both ends of s, in place. */
static char *trim(char *s)
{
	s = (char *)skip_blanks(s);
	size_t n = strlen(s);
	while (n && is_blank(s[n - 1]))
		n--;
	s[n] = '\0';
	return s;
}

/* Decimal digits at *s. Values above `cap` come back as cap + 1, so no input
 * overflows (cap must stay below UINT64_MAX / 10). False when there is no
 * digit. */
static bool read_decimal(const char **s, uint64_t cap, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (!is_digit(*p))
		return false;
	for (; is_digit(*p); p++) {
		if (v <= cap)
			v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v > cap ? cap + 1 : v;
	*s = p;
	return true;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= HV_GUEST_NAME_MAX)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* ---- the parser ------------------------------------------------------------- */

struct parser {
	struct hv_config *c;
	struct config_errors *e;
	unsigned line;
	enum {
		IN_NONE,    /* before the first section */
		IN_HV,
		IN_GUEST,
		IN_SKIPPED, /* under a refused header: its keys would only add noise */
	} in;
	struct config_guest *g; /* IN_GUEST */
};

#define ERR(p, ...) config_error_at((p)->e, (p)->c->file, (p)->line, __VA_ARGS__)

static void parse_cpus(struct parser *p, struct config_guest *g, const char *value)
{
	uint16_t cpu[HV_GUEST_MAX_CPUS];
	unsigned n = 0;
	const char *s = value;

	for (;;) {
		uint64_t lo, hi;

		s = skip_blanks(s);
		if (!read_decimal(&s, CONFIG_CPU_INDEX_MAX, &lo))
			goto syntax;
		s = skip_blanks(s);
		hi = lo;
		if (*s == '-') {
			s = skip_blanks(s + 1);
			if (!read_decimal(&s, CONFIG_CPU_INDEX_MAX, &hi))
				goto syntax;
			s = skip_blanks(s);
		}
		if (lo > CONFIG_CPU_INDEX_MAX || hi > CONFIG_CPU_INDEX_MAX) {
			ERR(p, "cpus: CPU number too large (at most %u)", CONFIG_CPU_INDEX_MAX);
			return;
		}
		if (hi < lo) {
			ERR(p, "cpus: range %u-%u is backwards", (unsigned)lo, (unsigned)hi);
			return;
		}
		/* Checked before expanding, so a range like 1-4000 costs nothing. */
		if (hi - lo + 1 > HV_GUEST_MAX_CPUS - n) {
			ERR(p, "cpus: more than %u CPUs for one guest", HV_GUEST_MAX_CPUS);
			return;
		}
		for (uint64_t c = lo; c <= hi; c++) {
			for (unsigned i = 0; i < n; i++) {
				if (cpu[i] == c) {
					ERR(p, "cpus: CPU %u listed twice", (unsigned)c);
					return;
				}
			}
			cpu[n++] = (uint16_t)c;
		}
		if (!*s)
			break;
		if (*s++ != ',')
			goto syntax;
	}
	memcpy(g->cpu, cpu, sizeof(cpu));
	g->cpu_count = n;
	return;
syntax:
	ERR(p, "bad cpus '%.40s': expected CPU numbers or ranges, e.g. 1,2 or 1-3", value);
}

static void parse_memory(struct parser *p, struct config_guest *g, const char *value)
{
	const char *s = value;
	unsigned shift = 0;
	uint64_t v;

	if (!read_decimal(&s, HV_GUEST_MEM_MAX, &v))
		goto syntax;
	switch (*s) {
	case 'K': case 'k': shift = 10; s++; break;
	case 'M': case 'm': shift = 20; s++; break;
	case 'G': case 'g': shift = 30; s++; break;
	}
	if (*s)
		goto syntax;
	/* Compared before the shift, which could otherwise overflow. */
	if (v > HV_GUEST_MEM_MAX >> shift) {
		ERR(p, "memory %.40s is more than a guest can have (%lluM)", value,
		    HV_GUEST_MEM_MAX / MIB);
		return;
	}
	v <<= shift;
	if (!v || v % MEMORY_ALIGN) {
		ERR(p, "memory %.40s is not a multiple of 2M", value);
		return;
	}
	g->memory = v;
	return;
syntax:
	ERR(p, "bad memory '%.40s': expected a size such as 512M (suffix K, M or G)", value);
}

static void parse_pci(struct parser *p, struct config_guest *g, const char *value)
{
	pci_sbdf_t f[CONFIG_GUEST_PCI_MAX];
	unsigned n = 0;
	const char *s = value;

	for (;;) {
		struct pci_bdf d;

		s = skip_blanks(s);
		if (!pci_bdf_parse(s, &s, &d))
			goto syntax;
		s = skip_blanks(s);
		pci_sbdf_t x = pci_bdf_pack(d);
		if (n == CONFIG_GUEST_PCI_MAX) {
			ERR(p, "pci: more than %u functions for one guest", CONFIG_GUEST_PCI_MAX);
			return;
		}
		for (unsigned i = 0; i < n; i++) {
			if (f[i] == x) {
				ERR(p, "pci: %s listed twice", pci_sbdf_format(x).s);
				return;
			}
		}
		f[n++] = x;
		if (!*s)
			break;
		if (*s++ != ',')
			goto syntax;
	}
	memcpy(g->pci, f, sizeof(f));
	g->pci_count = n;
	return;
syntax:
	ERR(p, "bad pci '%.40s': expected functions such as 00:04.0 or 0000:00:04.0", value);
}

/* A count of lines for the UART budget: 1..LINE_BUDGET_MAX. */
static void parse_line_count(struct parser *p, const char *key, const char *value,
			     const char *unit, uint32_t *out)
{
	const char *s = value;
	uint64_t v;

	if (!read_decimal(&s, LINE_BUDGET_MAX, &v) || *s) {
		ERR(p, "bad %s '%.40s': expected a number of %s, 1 to %u", key, value, unit,
		    LINE_BUDGET_MAX);
		return;
	}
	if (!line_budget_valid(v)) {
		ERR(p, "%s %.40s is out of range: 1 to %u %s", key, value, LINE_BUDGET_MAX, unit);
		return;
	}
	*out = (uint32_t)v;
}

/* Copies a string value that must fit in `size` with its NUL. */
static void parse_string(struct parser *p, const char *key, const char *value, char *out,
			 size_t size)
{
	if (strlen(value) >= size) {
		ERR(p, "%s is longer than %zu characters", key, size - 1);
		return;
	}
	strcpy(out, value);
}

static bool lookup(const char *s, const char *const names[], unsigned n, unsigned *out)
{
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return true;
		}
	}
	return false;
}

/* "all", or suite names separated by commas, stored without blanks as the
 * command line's selftest=SUITE,... (the names are checked when they run). */
static void parse_selftest(struct parser *p, const char *value)
{
	char out[SELFTEST_SUITES_MAX];
	size_t n = 0;
	const char *s = value;

	if (!strcmp(value, "all")) {
		p->c->hv.selftest_suites[0] = '\0';
		return;
	}
	for (;;) {
		s = skip_blanks(s);
		size_t len = 0;
		while ((s[len] >= 'a' && s[len] <= 'z') || is_digit(s[len]) || s[len] == '_')
			len++;
		/* "all" alone means every suite; in a list it is a mistake. */
		if (!len || (len == 3 && !memcmp(s, "all", 3)))
			goto syntax;
		if (n + !!n + len >= sizeof(out)) {
			ERR(p, "selftest: the list is longer than %zu characters",
			    sizeof(out) - 1);
			return;
		}
		if (n)
			out[n++] = ',';
		memcpy(out + n, s, len);
		n += len;
		s = skip_blanks(s + len);
		if (!*s)
			break;
		if (*s++ != ',')
			goto syntax;
	}
	out[n] = '\0';
	strcpy(p->c->hv.selftest_suites, out);
	return;
syntax:
	ERR(p, "bad selftest '%.40s': expected 'all' or suites, e.g. irq,dma", value);
}

/* Records where `key` is given; false (and an error) when it already was in
 * this section. */
static bool first_time(struct parser *p, const char *key, unsigned *line)
{
	if (*line) {
		ERR(p, "duplicate key '%s' (first at line %u)", key, *line);
		return false;
	}
	*line = p->line;
	return true;
}

static void hv_key(struct parser *p, const char *key, const char *value)
{
	static const char *const exit_names[] = { "halt", "qemu", "shutdown", "bochs" };
	static const char *const level_names[] = { "error", "warning", "info", "debug" };
	static const char *const audit_names[] = { "on", "warn", "off" };
	typeof(p->c->hv) *hv = &p->c->hv;
	unsigned idx;

	if (!strcmp(key, "loglevel")) {
		if (!first_time(p, key, &hv->log_level_line))
			return;
		if (lookup(value, level_names, 4, &idx))
			hv->log_level = (enum log_level)idx;
		else
			ERR(p, "bad loglevel '%.40s': expected error, warning, info or debug",
			    value);
	} else if (!strcmp(key, "exit")) {
		if (!first_time(p, key, &hv->exit_line))
			return;
		if (lookup(value, exit_names, 4, &idx))
			hv->exit = (enum exit_mode)idx;
		else
			ERR(p, "bad exit '%.40s': expected halt, qemu, shutdown or bochs", value);
	} else if (!strcmp(key, "selftest")) {
		if (first_time(p, key, &hv->selftest_line))
			parse_selftest(p, value);
	} else if (!strcmp(key, "audit")) {
		if (!first_time(p, key, &hv->audit_line))
			return;
		if (lookup(value, audit_names, 3, &idx))
			hv->audit = (enum audit_mode)idx;
		else
			ERR(p, "bad audit '%.40s': expected on, warn or off", value);
	} else {
		ERR(p, "unknown key '%.40s' in [hv]", key);
	}
}

/* on_reset and on_crash: whether the guest stops or is rebuilt. */
static void parse_on_event(struct parser *p, const char *key, const char *value,
			   enum guest_on_reset *out)
{
	static const char *const names[] = { "stop", "restart" };
	unsigned idx;

	if (!lookup(value, names, 2, &idx))
		ERR(p, "bad %s '%.40s': expected stop or restart", key, value);
	else
		*out = (enum guest_on_reset)idx;
}

static void parse_restart_limit(struct parser *p, const char *value, unsigned *out)
{
	const char *s = value;
	uint64_t v;

	if (!read_decimal(&s, UINT32_MAX, &v) || *s) {
		ERR(p, "bad restart_limit '%.40s': expected a number of restarts a minute, 0 to %u",
		    value, RESTART_LIMIT_MAX);
		return;
	}
	if (v > RESTART_LIMIT_MAX) {
		ERR(p, "restart_limit %.40s is out of range: 0 to %u restarts a minute", value,
		    RESTART_LIMIT_MAX);
		return;
	}
	*out = (unsigned)v;
}

static void parse_restart_window(struct parser *p, const char *value, unsigned *out)
{
	const char *s = value;
	uint64_t v;

	if (!read_decimal(&s, UINT32_MAX, &v) || *s || v < 1 || v > RESTART_WINDOW_MAX_S) {
		ERR(p, "bad restart_window '%.40s': expected seconds, 1 to %u", value,
		    RESTART_WINDOW_MAX_S);
		return;
	}
	*out = (unsigned)v;
}

/* control: whether the guest may stop or restart the others. */
static void parse_control(struct parser *p, const char *value, bool *out)
{
	static const char *const names[] = { "no", "yes" };
	unsigned idx;

	if (!lookup(value, names, 2, &idx))
		ERR(p, "bad control '%.40s': expected yes or no", value);
	else
		*out = idx == 1;
}

static void guest_key(struct parser *p, const char *key, const char *value)
{
	struct config_guest *g = p->g;

	if (!strcmp(key, "cpus")) {
		if (first_time(p, key, &g->cpus_line))
			parse_cpus(p, g, value);
	} else if (!strcmp(key, "memory")) {
		if (first_time(p, key, &g->memory_line))
			parse_memory(p, g, value);
	} else if (!strcmp(key, "image")) {
		if (first_time(p, key, &g->image_line))
			parse_string(p, key, value, g->image, sizeof(g->image));
	} else if (!strcmp(key, "initrd")) {
		if (first_time(p, key, &g->initrd_line))
			parse_string(p, key, value, g->initrd, sizeof(g->initrd));
	} else if (!strcmp(key, "cmdline")) {
		if (first_time(p, key, &g->cmdline_line))
			parse_string(p, key, value, g->cmdline, sizeof(g->cmdline));
	} else if (!strcmp(key, "on_reset")) {
		if (first_time(p, key, &g->on_reset_line))
			parse_on_event(p, key, value, &g->on_reset);
	} else if (!strcmp(key, "on_crash")) {
		if (first_time(p, key, &g->on_crash_line))
			parse_on_event(p, key, value, &g->on_crash);
	} else if (!strcmp(key, "restart_limit")) {
		if (first_time(p, key, &g->restart_limit_line))
			parse_restart_limit(p, value, &g->restart_limit);
	} else if (!strcmp(key, "restart_window")) {
		if (first_time(p, key, &g->restart_window_line))
			parse_restart_window(p, value, &g->restart_window);
	} else if (!strcmp(key, "control")) {
		if (first_time(p, key, &g->control_line))
			parse_control(p, value, &g->control);
	} else if (!strcmp(key, "pci")) {
		if (first_time(p, key, &g->pci_line))
			parse_pci(p, g, value);
	} else if (!strcmp(key, "uart_burst")) {
		if (first_time(p, key, &g->uart_burst_line))
			parse_line_count(p, key, value, "lines", &g->uart_burst);
	} else if (!strcmp(key, "uart_rate")) {
		if (first_time(p, key, &g->uart_rate_line))
			parse_line_count(p, key, value, "lines per second", &g->uart_rate);
	} else {
		ERR(p, "unknown key '%.40s' in [guest %s]", key, g->name);
	}
}

/* A guest's required keys, checked when its section ends and reported at
 * its header. A key given with a bad value counts as given: its error is
 * already out. */
static void end_section(struct parser *p)
{
	static const char *const required[] = { "cpus", "memory", "image" };
	struct config_guest *g = p->g;

	if (p->in != IN_GUEST)
		return;
	const unsigned lines[] = { g->cpus_line, g->memory_line, g->image_line };
	for (unsigned i = 0; i < 3; i++) {
		if (!lines[i])
			config_error_at(p->e, p->c->file, g->line, "missing key '%s' in [guest %s]",
				 required[i], g->name);
	}
}

static struct config_guest *find_guest(struct hv_config *c, const char *name)
{
	for (unsigned i = 0; i < c->guest_count; i++) {
		if (!strcmp(c->guest[i].name, name))
			return &c->guest[i];
	}
	return NULL;
}

/* s: "[...]", comment and surrounding blanks gone. */
static void section(struct parser *p, char *s)
{
	struct hv_config *c = p->c;
	size_t n = strlen(s);

	end_section(p);
	p->in = IN_SKIPPED;
	if (s[n - 1] != ']') {
		ERR(p, "expected ']' at the end of the section header");
		return;
	}
	s[n - 1] = '\0';
	char *kind = trim(s + 1), *name = kind;
	while (*name && !is_blank(*name))
		name++;
	if (*name)
		*name++ = '\0';
	name = trim(name);

	if (!strcmp(kind, "hv")) {
		if (*name)
			ERR(p, "[hv] takes no name");
		else if (c->hv.line)
			ERR(p, "second [hv] section (the first is at line %u)", c->hv.line);
		else {
			c->hv.line = p->line;
			p->in = IN_HV;
		}
		return;
	}
	if (strcmp(kind, "guest")) {
		ERR(p, "unknown section '%.40s': expected [hv] or [guest NAME]", kind);
		return;
	}
	struct config_guest *other = find_guest(c, name);
	if (!*name)
		ERR(p, "[guest] needs a name: [guest NAME]");
	else if (!valid_name(name))
		ERR(p, "bad guest name '%.40s': 1 to %u letters, digits, '_' or '-'", name,
		    HV_GUEST_NAME_MAX - 1);
	else if (other)
		ERR(p, "guest '%s' already defined at line %u", name, other->line);
	else if (c->guest_count == HV_CONFIG_MAX_GUESTS)
		ERR(p, "more than %u guests", HV_CONFIG_MAX_GUESTS);
	else {
		p->g = &c->guest[c->guest_count++];
		strcpy(p->g->name, name);
		p->g->line = p->line;
		p->g->uart_burst = LINE_BUDGET_BURST_DEFAULT;
		p->g->uart_rate = LINE_BUDGET_RATE_DEFAULT;
		p->g->restart_limit = RESTART_LIMIT_DEFAULT;
		p->g->restart_window = RESTART_WINDOW_DEFAULT_S;
		p->in = IN_GUEST;
	}
}

/* One line, without its end (LF or CRLF). */
static void parse_line(struct parser *p, const char *text, size_t len)
{
	char buf[CONFIG_LINE_MAX + 1];

	if (len > CONFIG_LINE_MAX) {
		ERR(p, "line longer than %u characters", CONFIG_LINE_MAX);
		return;
	}
	/* Printable ASCII and tabs only: anything else is a binary or
	 * mis-encoded file, and would end up in messages and guest names. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch == 0)
			ERR(p, "NUL byte at column %zu", i + 1);
		else if (ch >= 0x80)
			ERR(p, "non-ASCII byte 0x%02x at column %zu", ch, i + 1);
		else if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			ERR(p, "control character 0x%02x at column %zu", ch, i + 1);
		else
			continue;
		return;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';

	/* A comment starts with '#' at the start of the line or after a blank,
	 * so values such as a command line may still contain "a#b". */
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '#' && (i == 0 || is_blank(buf[i - 1]))) {
			buf[i] = '\0';
			break;
		}
	}
	char *s = trim(buf);
	if (!*s)
		return;
	if (*s == '[') {
		section(p, s);
		return;
	}

	char *eq = strchr(s, '=');
	if (!eq) {
		ERR(p, "expected 'key = value' or a section header");
		return;
	}
	*eq = '\0';
	char *key = trim(s), *value = trim(eq + 1);
	if (!*key) {
		ERR(p, "missing key before '='");
		return;
	}
	switch (p->in) {
	case IN_NONE:
		ERR(p, "key '%.40s' outside any section", key);
		return;
	case IN_SKIPPED:
		return;
	case IN_HV:
	case IN_GUEST:
		break;
	}
	if (!*value) {
		ERR(p, "empty value for '%.40s'", key);
		return;
	}
	if (p->in == IN_HV)
		hv_key(p, key, value);
	else
		guest_key(p, key, value);
}

int config_parse(const char *text, size_t len, const char *file_name,
		 struct hv_config *c, struct config_errors *e)
{
	struct parser p = { .c = c, .e = e, .in = IN_NONE };
	size_t pos = 0;

	memset(c, 0, sizeof(*c));
	c->hv.log_level = LOG_INFO;
	c->hv.exit = EXIT_HALT;
	snprintf(c->file, sizeof(c->file), "%s", file_name ? file_name : "config");
	config_errors_init(e);

	/* The UTF-8 byte order mark some Windows editors write. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t next = nl ? end + 1 : len;

		p.line++;
		if (end > pos && text[end - 1] == '\r')
			end--;
		parse_line(&p, text + pos, end - pos);
		pos = next;
	}
	end_section(&p);
	return e->count || e->dropped ? -EINVAL : 0;
}
