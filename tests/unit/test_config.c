/* hv/guest/config_parse.c and config_check.c: the guest configuration file,
 * parsed from text and validated against a fabricated machine.
 * Configurations are written as arrays of lines (PARSE("...", "...")) so
 * that line N of the file is the Nth string, and each refusal is checked
 * with its exact line number. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/sizes.h"
#include "hv/guest/config.h"
#include "tests/unit/log_stub.h"

#define FILE_NAME "hv.cfg"

static struct hv_config c;
static struct config_errors errs;
static char text[16384];

static int setup(void **state)
{
	(void)state;
	/* config_parse must set every field and clear the errors itself. */
	memset(&c, 0xa5, sizeof(c));
	memset(&errs, 0xa5, sizeof(errs));
	log_stub_reset();
	return 0;
}

static int parse_len(const char *t, size_t len)
{
	return config_parse(t, len, FILE_NAME, &c, &errs);
}

static int parse(const char *t)
{
	return parse_len(t, strlen(t));
}

/* Joins the lines with LF (and one after the last). */
static int parse_lines(const char *const lines[], size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(lines[i]);
		assert_true(len + l + 1 < sizeof(text));
		memcpy(text + len, lines[i], l);
		len += l;
		text[len++] = '\n';
	}
	text[len] = '\0';
	return parse_len(text, len);
}

#define LINES(...) ((const char *const[]){ __VA_ARGS__ })
#define PARSE(...) parse_lines(LINES(__VA_ARGS__), sizeof(LINES(__VA_ARGS__)) / sizeof(char *))

/* errs.msg[i] is "hv.cfg:LINE: ..." and contains `reason`. */
static void assert_error(unsigned i, unsigned line, const char *reason)
{
	char prefix[32];

	if (i >= errs.count)
		fail_msg("error %u wanted (line %u, '%s'), only %u", i, line, reason, errs.count);
	assert_non_null(memchr(errs.msg[i], '\0', CONFIG_ERROR_LEN));
	snprintf(prefix, sizeof(prefix), FILE_NAME ":%u: ", line);
	if (strncmp(errs.msg[i], prefix, strlen(prefix)) || !strstr(errs.msg[i], reason))
		fail_msg("error %u is '%s', wanted '%s...%s'", i, errs.msg[i], prefix, reason);
}

/* Exactly one error, at `line`. */
static void assert_only_error(unsigned line, const char *reason)
{
	if (errs.count != 1) {
		for (unsigned i = 0; i < errs.count && i < CONFIG_ERRORS_MAX; i++)
			print_message("  %s\n", errs.msg[i]);
		fail_msg("%u errors, wanted 1 (line %u, '%s')", errs.count, line, reason);
	}
	assert_int_equal(errs.dropped, 0);
	assert_error(0, line, reason);
}

static void assert_no_errors(void)
{
	for (unsigned i = 0; i < errs.count && i < CONFIG_ERRORS_MAX; i++)
		print_message("  %s\n", errs.msg[i]);
	assert_int_equal(errs.count, 0);
	assert_int_equal(errs.dropped, 0);
}

/* A parse that must fail with one error. */
#define REFUSED(line, reason, ...)                          \
	do {                                                \
		setup(NULL);                                \
		assert_int_equal(PARSE(__VA_ARGS__), -EINVAL); \
		assert_only_error(line, reason);            \
	} while (0)

/* The guest section most tests start from (lines 1-4). */
#define GUEST_A "[guest a]", "cpus = 1", "memory = 64M", "image = \\g.elf"

/* ---- the machine ------------------------------------------------------------ */

#define SBDF(s, b, d, f) ((pci_sbdf_t)((s) << 16 | (b) << 8 | (d) << 3 | (f)))

static const struct config_pci_function functions[] = {
	{ SBDF(0, 0, 0, 0), 0, 0x060000, false }, /* host bridge */
	{ SBDF(0, 0, 1, 0), 1, 0x030000, false }, /* VGA */
	{ SBDF(0, 0, 4, 0), 2, 0x00ff00, false }, /* edu */
	{ SBDF(0, 0, 5, 0), 3, 0x060400, false }, /* a bridge without ACS... */
	{ SBDF(0, 1, 0, 0), 3, 0x020000, true }, /* ...and two functions behind it, */
	{ SBDF(0, 1, 0, 1), 3, 0x020000, true }, /* both with FLR */
	{ SBDF(0, 0, 6, 0), 4, 0x0c0330, false }, /* a multifunction device */
	{ SBDF(0, 0, 6, 1), 4, 0x0c0320, false },
	{ SBDF(1, 2, 0, 0), 5, 0x010802, true }, /* segment 1, NVMe with FLR */
	{ SBDF(0, 0, 7, 0), 6, 0x00ff00, true },
};

static const struct config_platform machine = {
	.cpu_count = 4,
	.free_memory = 2 * GIB,
	.pci_count = sizeof(functions) / sizeof(functions[0]),
	.pci = functions,
};

static int validate(void)
{
	return config_validate(&c, &machine, &errs);
}

/* Parses, which must succeed, then validates. */
#define VALIDATE(...) (assert_int_equal(PARSE(__VA_ARGS__), 0), validate())

/* ---- parsing ---------------------------------------------------------------- */

static void full_example(void **state)
{
	(void)state;
	assert_int_equal(PARSE(
		"# hv.cfg: two guests",                            /* 1 */
		"[hv]",                                            /* 2 */
		"loglevel = debug",                                /* 3 */
		"selftest = irq,dma",                              /* 4 */
		"exit = qemu",                                     /* 5 */
		"",                                                /* 6 */
		"[guest linux1]",                                  /* 7 */
		"cpus = 1,2            # vCPU 0 on CPU 1",         /* 8 */
		"memory = 256M",                                   /* 9 */
		"image = \\EFI\\hv\\guest.elf",                    /* 10 */
		"cmdline = console=ttyS0 loglevel=7 root=/dev/vda", /* 11 */
		"pci = 00:04.0, 0000:00:06.0,00:06.1",             /* 12 */
		"",                                                /* 13 */
		"[guest test-2]",                                  /* 14 */
		"memory = 1G",                                     /* 15 */
		"cpus = 3",                                        /* 16 */
		"image = /EFI/hv/test.elf"), 0);                   /* 17 */
	assert_no_errors();
	assert_string_equal(c.file, FILE_NAME);

	assert_int_equal(c.hv.line, 2);
	assert_int_equal(c.hv.log_level_line, 3);
	assert_int_equal(c.hv.log_level, LOG_DEBUG);
	assert_int_equal(c.hv.selftest_line, 4);
	assert_string_equal(c.hv.selftest_suites, "irq,dma");
	assert_int_equal(c.hv.exit_line, 5);
	assert_int_equal(c.hv.exit, EXIT_QEMU);

	assert_int_equal(c.guest_count, 2);
	const struct config_guest *g = &c.guest[0];
	assert_string_equal(g->name, "linux1");
	assert_int_equal(g->line, 7);
	assert_int_equal(g->cpus_line, 8);
	assert_int_equal(g->cpu_count, 2);
	assert_int_equal(g->cpu[0], 1);
	assert_int_equal(g->cpu[1], 2);
	assert_int_equal(g->memory_line, 9);
	assert_int_equal(g->memory, 256 * MIB);
	assert_int_equal(g->image_line, 10);
	assert_string_equal(g->image, "\\EFI\\hv\\guest.elf");
	assert_int_equal(g->cmdline_line, 11);
	assert_string_equal(g->cmdline, "console=ttyS0 loglevel=7 root=/dev/vda");
	assert_int_equal(g->pci_line, 12);
	assert_int_equal(g->pci_count, 3);
	assert_int_equal(g->pci[0], SBDF(0, 0, 4, 0));
	assert_int_equal(g->pci[1], SBDF(0, 0, 6, 0));
	assert_int_equal(g->pci[2], SBDF(0, 0, 6, 1));

	g = &c.guest[1];
	assert_string_equal(g->name, "test-2");
	assert_int_equal(g->line, 14);
	assert_int_equal(g->memory_line, 15);
	assert_int_equal(g->memory, GIB);
	assert_int_equal(g->cpus_line, 16);
	assert_int_equal(g->cpu_count, 1);
	assert_int_equal(g->cpu[0], 3);
	assert_string_equal(g->image, "/EFI/hv/test.elf");
	/* Optional keys not given. */
	assert_int_equal(g->cmdline_line, 0);
	assert_string_equal(g->cmdline, "");
	assert_int_equal(g->pci_line, 0);
	assert_int_equal(g->pci_count, 0);

	/* And it fits the machine. */
	assert_int_equal(validate(), 0);
	assert_no_errors();
}

static void empty_and_comment_only(void **state)
{
	(void)state;
	static const char *const files[] = {
		"", "\n", "\n\n\r\n", "# nothing\n", "   # indented\n\t\n", "#", "  \t",
		"\xef\xbb\xbf", "\xef\xbb\xbf# BOM then a comment\r\n", "[hv]\n",
	};
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		setup(NULL);
		assert_int_equal(parse(files[i]), 0);
		assert_no_errors();
		assert_int_equal(c.guest_count, 0);
		assert_int_equal(c.hv.log_level_line, 0);
		assert_int_equal(c.hv.log_level, LOG_INFO);
		assert_int_equal(c.hv.selftest_line, 0);
		assert_int_equal(c.hv.exit_line, 0);
		assert_int_equal(c.hv.exit, EXIT_HALT);
		/* Nothing to check against the machine either. */
		assert_int_equal(validate(), 0);
	}
	/* NULL text of length 0, no file name. */
	setup(NULL);
	assert_int_equal(config_parse(NULL, 0, NULL, &c, &errs), 0);
	assert_string_equal(c.file, "config");
}

static void line_endings(void **state)
{
	(void)state;
	/* Written on Windows: CRLF, a byte order mark, no final line end; a CR
	 * must not stick to any value. */
	assert_int_equal(parse("\xef\xbb\xbf[hv]\r\nexit = shutdown\r\n\r\n[guest w]\r\n"
			       "cpus = 1-2\r\nmemory = 2M\r\nimage = \\x.elf\r\ncmdline = a b\r\n"
			       "pci = 00:04.0"), 0);
	assert_no_errors();
	assert_int_equal(c.hv.exit, EXIT_SHUTDOWN);
	assert_int_equal(c.guest[0].line, 4);
	assert_int_equal(c.guest[0].cpu_count, 2);
	assert_int_equal(c.guest[0].memory, 2 * MIB);
	assert_string_equal(c.guest[0].image, "\\x.elf");
	assert_string_equal(c.guest[0].cmdline, "a b");
	assert_int_equal(c.guest[0].pci_line, 9);
	assert_int_equal(c.guest[0].pci[0], SBDF(0, 0, 4, 0));

	/* Line numbers count LFs, CRLF or not, on the last line as well. */
	assert_int_equal(parse("\r\n\n\r\n[guest a]\r\nbogus = 1"), -EINVAL);
	assert_error(0, 5, "unknown key 'bogus'");
	assert_error(1, 4, "missing key 'cpus'");

	/* A CR anywhere else is not a line end. */
	assert_int_equal(parse("[hv]\rexit = qemu\n"), -EINVAL);
	assert_only_error(1, "control character 0x0d at column 5");
	/* A BOM only counts at the very start. */
	assert_int_equal(parse("\n\xef\xbb\xbf[hv]\n"), -EINVAL);
	assert_only_error(2, "non-ASCII byte 0xef at column 1");
}

static void comments_and_blanks(void **state)
{
	(void)state;
	assert_int_equal(PARSE(
		"  [ guest\ta ]  # the first",
		"\tcpus\t=\t1 # one",
		"memory=64M#not a comment: no blank before it",
		"memory2 = 1"), -EINVAL);
	/* '#' starts a comment only after a blank; here it belongs to the
	 * value, which is then no size. */
	assert_error(0, 3, "bad memory '64M#not a comment");
	assert_error(1, 4, "unknown key 'memory2' in [guest a]");

	assert_int_equal(PARSE(
		"  [ guest\ta ]  # the first",
		"\tcpus\t=\t1 # one",
		"memory=64M\t# 64 MiB",
		"  image   =   \\a b\\c#d.elf   ",
		"cmdline = x=1 #y=2",
		"cmdline2 = z # an unknown key: the comment does not hide it"), -EINVAL);
	assert_only_error(6, "unknown key 'cmdline2'");
	assert_string_equal(c.guest[0].name, "a");
	assert_int_equal(c.guest[0].cpu[0], 1);
	assert_int_equal(c.guest[0].memory, 64 * MIB);
	/* Inner blanks stay, outer ones go; "#" inside a word stays. */
	assert_string_equal(c.guest[0].image, "\\a b\\c#d.elf");
	assert_string_equal(c.guest[0].cmdline, "x=1");
}

static void cpus(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		unsigned count;
		uint16_t cpu[HV_GUEST_MAX_CPUS];
	} good[] = {
		{ "1", 1, { 1 } },
		{ "0", 1, { 0 } },                 /* refused by config_validate */
		{ "3,1,2", 3, { 3, 1, 2 } },       /* the order is kept: vCPU i */
		{ "1-3", 3, { 1, 2, 3 } },
		{ "5-5", 1, { 5 } },
		{ " 1 - 2 , 7 ,9-10 ", 5, { 1, 2, 7, 9, 10 } },
		{ "1-8", 8, { 1, 2, 3, 4, 5, 6, 7, 8 } },
		{ "8,1-7", 8, { 8, 1, 2, 3, 4, 5, 6, 7 } },
		{ "007", 1, { 7 } },
		{ "4095", 1, { 4095 } },
	};
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "cpus = %s", good[i].value);
		setup(NULL);
		assert_int_equal(PARSE("[guest a]", line, "memory = 2M", "image = x"), 0);
		assert_no_errors();
		assert_int_equal(c.guest[0].cpu_count, good[i].count);
		assert_memory_equal(c.guest[0].cpu, good[i].cpu, good[i].count * sizeof(uint16_t));
	}

	static const struct {
		const char *value, *reason;
	} bad[] = {
		{ "one", "bad cpus 'one'" },
		{ "1,", "bad cpus '1,'" },
		{ ",1", "bad cpus" },
		{ "1,,2", "bad cpus" },
		{ "1 2", "bad cpus" },
		{ "1-", "bad cpus" },
		{ "-1", "bad cpus" },
		{ "1-2-3", "bad cpus" },
		{ "1;2", "bad cpus" },
		{ "0x1", "bad cpus" },
		{ "+1", "bad cpus" },
		{ "3-1", "range 3-1 is backwards" },
		{ "4096", "CPU number too large (at most 4095)" },
		{ "1-99999999999999999999999", "CPU number too large" },
		{ "1-9", "more than 8 CPUs" },
		{ "1-8,9", "more than 8 CPUs" },
		{ "1,2,3,4,5,6,7,8,9", "more than 8 CPUs" },
		{ "1-4000", "more than 8 CPUs" },
		{ "2,2", "CPU 2 listed twice" },
		{ "1-3,2", "CPU 2 listed twice" },
		{ "4,1-5", "CPU 4 listed twice" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "cpus = %s", bad[i].value);
		REFUSED(2, bad[i].reason, "[guest a]", line, "memory = 2M", "image = x");
		/* Nothing half-parsed is left behind; the key still counts as
		 * given (no "missing key" on top). */
		assert_int_equal(c.guest[0].cpu_count, 0);
		assert_int_equal(c.guest[0].cpus_line, 2);
	}
}

static void memory_sizes(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		uint64_t bytes;
	} good[] = {
		{ "2M", 2 * MIB }, { "2m", 2 * MIB }, { "256M", 256 * MIB },
		{ "2048K", 2 * MIB }, { "4096k", 4 * MIB }, { "2097152", 2 * MIB },
		{ "1G", GIB }, { "3g", 3 * GIB }, { "3072M", 3 * GIB },
		{ "3070M", 3070 * MIB }, { "3221225472", 3 * GIB }, { "0003G", 3 * GIB },
	};
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "memory = %s", good[i].value);
		setup(NULL);
		assert_int_equal(PARSE("[guest a]", "cpus = 1", line, "image = x"), 0);
		assert_no_errors();
		assert_int_equal(c.guest[0].memory, good[i].bytes);
	}

	static const struct {
		const char *value, *reason;
	} bad[] = {
		{ "0", "memory 0 is not a multiple of 2M" },
		{ "0G", "not a multiple of 2M" },
		{ "1M", "memory 1M is not a multiple of 2M" },
		{ "3M", "not a multiple of 2M" },
		{ "1023K", "not a multiple of 2M" },
		{ "2097153", "not a multiple of 2M" },
		{ "3074M", "memory 3074M is more than a guest can have (3072M)" },
		{ "4G", "more than a guest can have" },
		{ "3221225473", "more than a guest can have" },
		{ "3145730K", "more than a guest can have" },
		{ "99999999999G", "memory 99999999999G is more than a guest can have" },
		{ "18446744073709551616", "more than a guest can have" },  /* 2^64 */
		{ "17179869184G", "more than a guest can have" },          /* 2^64 once shifted */
		{ "99999999999999999999999999999999999999K", "more than a guest can have" },
		{ "256MB", "bad memory '256MB': expected a size such as 512M" },
		{ "256MiB", "bad memory" },
		{ "256 M", "bad memory" },
		{ "1.5G", "bad memory" },
		{ "-2M", "bad memory" },
		{ "0x200000", "bad memory" },
		{ "M", "bad memory" },
		{ "2T", "bad memory" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[96];
		snprintf(line, sizeof(line), "memory = %s", bad[i].value);
		REFUSED(3, bad[i].reason, "[guest a]", "cpus = 1", line, "image = x");
		assert_int_equal(c.guest[0].memory, 0);
	}
}

/* The UART's console budget: defaults unless given, then 1..LINE_BUDGET_MAX. */
static void uart_budget(void **state)
{
	(void)state;
	assert_int_equal(PARSE(GUEST_A, "[guest b]", "cpus = 2", "memory = 64M", "image = x",
			       "uart_burst = 20", "uart_rate = 1000000"), 0);
	assert_no_errors();
	assert_int_equal(c.guest[0].uart_burst_line, 0);
	assert_int_equal(c.guest[0].uart_burst, LINE_BUDGET_BURST_DEFAULT);
	assert_int_equal(c.guest[0].uart_rate_line, 0);
	assert_int_equal(c.guest[0].uart_rate, LINE_BUDGET_RATE_DEFAULT);
	assert_int_equal(c.guest[1].uart_burst_line, 9);
	assert_int_equal(c.guest[1].uart_burst, 20);
	assert_int_equal(c.guest[1].uart_rate_line, 10);
	assert_int_equal(c.guest[1].uart_rate, 1000000);

	setup(NULL);
	assert_int_equal(PARSE(GUEST_A, "uart_rate = 1", "uart_burst = 0001"), 0);
	assert_no_errors();
	assert_int_equal(c.guest[0].uart_rate, 1);
	assert_int_equal(c.guest[0].uart_burst, 1);

	static const struct {
		const char *line, *reason;
	} bad[] = {
		{ "uart_burst = 0", "uart_burst 0 is out of range: 1 to 1000000 lines" },
		{ "uart_burst = 1000001", "uart_burst 1000001 is out of range" },
		{ "uart_burst = 99999999999999999999999", "out of range" },
		{ "uart_rate = 0", "uart_rate 0 is out of range: 1 to 1000000 lines per second" },
		{ "uart_rate = 18446744073709551617", "uart_rate 18446744073709551617 is out of range" },
		{ "uart_burst = many", "bad uart_burst 'many': expected a number of lines, 1 to 1000000" },
		{ "uart_burst = -1", "bad uart_burst" },
		{ "uart_burst = 10 lines", "bad uart_burst '10 lines'" },
		{ "uart_rate = 1.5", "bad uart_rate '1.5': expected a number of lines per second" },
		{ "uart_rate = 0x10", "bad uart_rate" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		REFUSED(5, bad[i].reason, GUEST_A, bad[i].line);
		/* A refused value leaves the default. */
		assert_int_equal(c.guest[0].uart_burst, LINE_BUDGET_BURST_DEFAULT);
		assert_int_equal(c.guest[0].uart_rate, LINE_BUDGET_RATE_DEFAULT);
	}
	REFUSED(6, "duplicate key 'uart_rate' (first at line 5)", GUEST_A, "uart_rate = 5",
		"uart_rate = 6");
	assert_int_equal(c.guest[0].uart_rate, 5);
	REFUSED(2, "unknown key 'uart_burst' in [hv]", "[hv]", "uart_burst = 5");
}

static void pci_lists(void **state)
{
	(void)state;
	assert_int_equal(PARSE(GUEST_A, "pci = 00:04.0,0000:00:1f.7 , ff:1F.7,ffff:ff:1f.7,0:4.1,"
			       "0001:02:00.0, 00:00.0,  abcd:00:00.0"), 0);
	assert_no_errors();
	assert_int_equal(c.guest[0].pci_count, CONFIG_GUEST_PCI_MAX);
	static const pci_sbdf_t want[] = {
		SBDF(0, 0, 4, 0), SBDF(0, 0, 0x1f, 7), SBDF(0, 0xff, 0x1f, 7),
		SBDF(0xffff, 0xff, 0x1f, 7), SBDF(0, 0, 4, 1), SBDF(1, 2, 0, 0),
		SBDF(0, 0, 0, 0), SBDF(0xabcd, 0, 0, 0),
	};
	assert_memory_equal(c.guest[0].pci, want, sizeof(want));

	static const struct {
		const char *value, *reason;
	} bad[] = {
		{ "00:04", "bad pci '00:04': expected functions such as 00:04.0" },
		{ "04.0", "bad pci" },
		{ "00:20.0", "bad pci" },            /* device above 0x1f */
		{ "00:1f.8", "bad pci" },
		{ "100:00.0", "bad pci" },           /* bus above 0xff */
		{ "10000:00:00.0", "bad pci" },      /* five digits of segment */
		{ "1:2:3:4.0", "bad pci" },
		{ "00:04.0,", "bad pci" },
		{ "00:04.0;00:05.0", "bad pci" },
		{ "00:04.0 00:05.0", "bad pci" },
		{ "00:04.00", "bad pci" },
		{ "g0:04.0", "bad pci" },
		{ "00:04.0,00:04.0", "pci: 00:04.0 listed twice" },
		{ "0001:02:00.0,1:2:0.0", "pci: 0001:02:00.0 listed twice" },
		{ "00:04.0,0000:00:04.0", "00:04.0 listed twice" },
		{ "0:1.0,0:2.0,0:3.0,0:4.0,0:5.0,0:6.0,0:7.0,0:8.0,0:9.0",
		  "pci: more than 8 functions" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128];
		snprintf(line, sizeof(line), "pci = %s", bad[i].value);
		REFUSED(5, bad[i].reason, GUEST_A, line);
		assert_int_equal(c.guest[0].pci_count, 0);
	}
}

/* A Linux guest's keys: its initramfs, and what a reset does. */
static void linux_keys(void **state)
{
	(void)state;
	assert_int_equal(PARSE(GUEST_A, "initrd = \\initrd.gz", "on_reset = stop"), 0);
	assert_no_errors();
	assert_int_equal(c.guest[0].initrd_line, 5);
	assert_string_equal(c.guest[0].initrd, "\\initrd.gz");
	assert_int_equal(c.guest[0].on_reset_line, 6);
	assert_int_equal(c.guest[0].on_reset, GUEST_ON_RESET_STOP);

	setup(NULL);
	assert_int_equal(PARSE(GUEST_A), 0);
	assert_int_equal(c.guest[0].initrd_line, 0);
	assert_string_equal(c.guest[0].initrd, "");
	assert_int_equal(c.guest[0].on_reset, GUEST_ON_RESET_STOP);

	REFUSED(5, "bad on_reset 'reboot': expected stop or restart", GUEST_A, "on_reset = reboot");
	REFUSED(6, "duplicate key 'initrd' (first at line 5)", GUEST_A, "initrd = a", "initrd = b");
}

/* What a reset and a crash do, and how many restarts a minute. */
static void restart_keys(void **state)
{
	(void)state;
	assert_int_equal(PARSE(GUEST_A), 0);
	assert_int_equal(c.guest[0].on_reset, GUEST_ON_RESET_STOP);
	assert_int_equal(c.guest[0].on_crash, GUEST_ON_RESET_STOP);
	assert_int_equal(c.guest[0].restart_limit, RESTART_LIMIT_DEFAULT);
	assert_int_equal(c.guest[0].restart_limit_line, 0);
	assert_int_equal(c.guest[0].restart_window, RESTART_WINDOW_DEFAULT_S);

	setup(NULL);
	assert_int_equal(PARSE(GUEST_A, "on_reset = restart", "on_crash = restart",
			       "restart_limit = 3"), 0);
	assert_no_errors();
	assert_int_equal(c.guest[0].on_reset, GUEST_ON_RESET_RESTART);
	assert_int_equal(c.guest[0].on_reset_line, 5);
	assert_int_equal(c.guest[0].on_crash, GUEST_ON_RESET_RESTART);
	assert_int_equal(c.guest[0].on_crash_line, 6);
	assert_int_equal(c.guest[0].restart_limit, 3);
	assert_int_equal(c.guest[0].restart_limit_line, 7);

	setup(NULL);
	assert_int_equal(PARSE(GUEST_A, "restart_limit = 0", "on_crash = stop"), 0);
	assert_int_equal(c.guest[0].restart_limit, 0);
	assert_int_equal(c.guest[0].on_crash, GUEST_ON_RESET_STOP);
	setup(NULL);
	assert_int_equal(PARSE(GUEST_A, "restart_limit = 64"), 0);
	assert_int_equal(c.guest[0].restart_limit, 64);

	setup(NULL);
	assert_int_equal(PARSE(GUEST_A, "restart_window = 3600"), 0);
	assert_int_equal(c.guest[0].restart_window, 3600);
	assert_int_equal(c.guest[0].restart_window_line, 5);
	REFUSED(5, "bad restart_window '0': expected seconds, 1 to 86400", GUEST_A,
		"restart_window = 0");
	REFUSED(5, "bad restart_window '86401'", GUEST_A, "restart_window = 86401");
	REFUSED(5, "bad on_crash 'reboot': expected stop or restart", GUEST_A, "on_crash = reboot");
	REFUSED(5, "restart_limit 65 is out of range: 0 to 64", GUEST_A, "restart_limit = 65");
	REFUSED(5, "restart_limit 99999999999999999999 is out of range", GUEST_A,
		"restart_limit = 99999999999999999999");
	REFUSED(5, "bad restart_limit '-1'", GUEST_A, "restart_limit = -1");
	REFUSED(5, "bad restart_limit '3x'", GUEST_A, "restart_limit = 3x");
	REFUSED(5, "empty value for 'restart_limit'", GUEST_A, "restart_limit =");
	REFUSED(6, "duplicate key 'on_crash' (first at line 5)", GUEST_A, "on_crash = stop",
		"on_crash = restart");
	REFUSED(6, "duplicate key 'restart_limit' (first at line 5)", GUEST_A,
		"restart_limit = 1", "restart_limit = 2");
}

/* Whether the guest may stop or restart the others: no unless it says yes. */
static void control_key(void **state)
{
	(void)state;
	assert_int_equal(PARSE(GUEST_A), 0);
	assert_false(c.guest[0].control);
	assert_int_equal(c.guest[0].control_line, 0);

	setup(NULL);
	assert_int_equal(PARSE(GUEST_A, "control = yes"), 0);
	assert_no_errors();
	assert_true(c.guest[0].control);
	assert_int_equal(c.guest[0].control_line, 5);

	setup(NULL);
	assert_int_equal(PARSE(GUEST_A, "control = no"), 0);
	assert_no_errors();
	assert_false(c.guest[0].control);
	assert_int_equal(c.guest[0].control_line, 5);

	REFUSED(5, "bad control 'true': expected yes or no", GUEST_A, "control = true");
	REFUSED(5, "bad control 'YES': expected yes or no", GUEST_A, "control = YES");
	REFUSED(5, "empty value for 'control'", GUEST_A, "control =");
	REFUSED(6, "duplicate key 'control' (first at line 5)", GUEST_A, "control = yes",
		"control = no");
}

static void strings_and_names(void **state)
{
	(void)state;
	char image[CONFIG_PATH_MAX + 16], cmdline[HV_GUEST_CMDLINE_MAX + 16];
	char header[64];

	/* The longest image path, command line and name. */
	memset(image, 'i', sizeof(image));
	memcpy(image, "image = ", 8);
	image[8 + CONFIG_PATH_MAX - 1] = '\0';
	memset(cmdline, 'c', sizeof(cmdline));
	memcpy(cmdline, "cmdline = a = b ", 16);
	cmdline[10 + HV_GUEST_CMDLINE_MAX - 1] = '\0';
	snprintf(header, sizeof(header), "[guest %.*s]", HV_GUEST_NAME_MAX - 1,
		 "Az09_-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(PARSE(header, "cpus = 1", "memory = 2M", image, cmdline), 0);
	assert_no_errors();
	assert_int_equal(strlen(c.guest[0].name), HV_GUEST_NAME_MAX - 1);
	assert_int_equal(strlen(c.guest[0].image), CONFIG_PATH_MAX - 1);
	assert_int_equal(strlen(c.guest[0].cmdline), HV_GUEST_CMDLINE_MAX - 1);
	assert_memory_equal(c.guest[0].cmdline, "a = b c", 7);

	/* One character more of each. */
	image[8 + CONFIG_PATH_MAX - 1] = 'i';
	image[8 + CONFIG_PATH_MAX] = '\0';
	REFUSED(4, "image is longer than 255 characters", header, "cpus = 1", "memory = 2M",
		image);
	cmdline[10 + HV_GUEST_CMDLINE_MAX - 1] = 'c';
	cmdline[10 + HV_GUEST_CMDLINE_MAX] = '\0';
	REFUSED(5, "cmdline is longer than 255 characters", GUEST_A, cmdline);
	snprintf(header, sizeof(header), "[guest %.*s]", HV_GUEST_NAME_MAX,
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	REFUSED(1, "bad guest name 'aaaaaaaa", header, "cpus = 1");

	static const char *const bad_names[] = {
		"[guest a.b]", "[guest a/b]", "[guest a b]", "[guest a:b]", "[guest \"a\"]",
		"[guest a=b]",
	};
	for (unsigned i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		/* The keys under a refused header are ignored, not reported. */
		REFUSED(2, "bad guest name", "", bad_names[i], "cpus = 1", "nonsense = 1");
		assert_int_equal(c.guest_count, 0);
	}
	REFUSED(1, "[guest] needs a name", "[guest]", "cpus = 1");
	REFUSED(1, "[guest] needs a name", "[ guest  ]");
}

static void hv_section(void **state)
{
	(void)state;
	static const struct {
		const char *value, *suites;
	} suites[] = {
		{ "all", "" }, { "irq", "irq" }, { "irq,dma", "irq,dma" },
		{ " dma , irq_bench ,pci2 ", "dma,irq_bench,pci2" },
		/* Exactly SELFTEST_SUITES_MAX - 1 characters once blanks go. */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" },
	};
	for (unsigned i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		char line[128];
		snprintf(line, sizeof(line), "selftest = %s", suites[i].value);
		setup(NULL);
		assert_int_equal(PARSE("[hv]", line), 0);
		assert_no_errors();
		assert_int_equal(c.hv.selftest_line, 2);
		assert_string_equal(c.hv.selftest_suites, suites[i].suites);
	}

	static const struct { const char *value; enum log_level level; } levels[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARN }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	for (unsigned i = 0; i < 4; i++) {
		char line[64];
		snprintf(line, sizeof(line), "loglevel = %s", levels[i].value);
		setup(NULL);
		assert_int_equal(PARSE("[hv]", line, "exit = halt"), 0);
		assert_int_equal(c.hv.log_level, levels[i].level);
		assert_int_equal(c.hv.exit, EXIT_HALT);
		assert_int_equal(c.hv.exit_line, 3);
	}

	setup(NULL);
	assert_int_equal(PARSE("[hv]", "audit = warn"), 0);
	assert_int_equal(c.hv.audit, AUDIT_WARN);
	assert_int_equal(c.hv.audit_line, 2);
	setup(NULL);
	assert_int_equal(PARSE("[hv]", "audit = off"), 0);
	assert_int_equal(c.hv.audit, AUDIT_OFF);

	static const struct {
		const char *line, *reason;
	} bad[] = {
		{ "loglevel = warn", "bad loglevel 'warn': expected error, warning, info or debug" },
		{ "loglevel = DEBUG", "bad loglevel" },
		{ "exit = reboot", "bad exit 'reboot': expected halt, qemu, shutdown or bochs" },
		{ "exit = qemu now", "bad exit 'qemu now'" },
		{ "audit = yes", "bad audit 'yes': expected on, warn or off" },
		{ "audit = Warn", "bad audit 'Warn'" },
		{ "selftest = irq,", "bad selftest 'irq,'" },
		{ "selftest = irq dma", "bad selftest" },
		{ "selftest = ,irq", "bad selftest" },
		{ "selftest = IRQ", "bad selftest" },
		{ "selftest = all,irq", "bad selftest" },
		{ "selftest = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		  "selftest: the list is longer than 63 characters" },
		{ "cpus = 1", "unknown key 'cpus' in [hv]" },
		{ "exit=", "empty value for 'exit'" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		REFUSED(3, bad[i].reason, "# options", "[hv]", bad[i].line);

	REFUSED(4, "duplicate key 'exit' (first at line 2)", "[hv]", "exit = qemu", "",
		"exit = halt");
	REFUSED(1, "[hv] takes no name", "[hv main]", "exit = qemu");
	REFUSED(5, "second [hv] section (the first is at line 1)", "[hv]", "exit = qemu", "",
		"", "[hv]", "exit = halt");
	assert_int_equal(c.hv.exit, EXIT_QEMU);
}

static void structure_errors(void **state)
{
	(void)state;
	/* The issue's example message, exactly. */
	setup(NULL);
	assert_int_equal(PARSE("# guests", "", "[guest a]", "cpus = 1", "memory = 2M",
			       "image = x", "cpu = 2"), -EINVAL);
	assert_only_error(7, "");
	assert_string_equal(errs.msg[0], "hv.cfg:7: unknown key 'cpu' in [guest a]");

	REFUSED(2, "key 'cpus' outside any section", "# no header yet", "cpus = 1", GUEST_A);
	REFUSED(3, "duplicate key 'cpus' (first at line 2)", "[guest a]", "cpus = 1",
		"cpus = 2", "memory = 2M", "image = x");
	REFUSED(5, "duplicate key 'memory' (first at line 3)", GUEST_A, "memory=4M");
	REFUSED(5, "empty value for 'cmdline'", GUEST_A, "cmdline =   # nothing");
	REFUSED(5, "empty value for 'pci'", GUEST_A, "pci=");
	REFUSED(5, "expected 'key = value' or a section header", GUEST_A, "pci");
	REFUSED(5, "missing key before '='", GUEST_A, " = 1");
	REFUSED(5, "unknown key 'Memory' in [guest a]", GUEST_A, "Memory = 2M");
	REFUSED(1, "unknown section 'guests': expected [hv] or [guest NAME]", "[guests a]",
		"cpus = 1");
	REFUSED(1, "unknown section 'HV'", "[HV]");
	REFUSED(1, "expected ']' at the end of the section header", "[guest a", "cpus = 1");
	REFUSED(1, "expected ']'", "[guest a] junk", "cpus = 1");
	REFUSED(5, "guest 'a' already defined at line 1", GUEST_A, "[guest a]", "cpus = 2",
		"memory = 2M", "image = y");
	/* Names are case sensitive: A and a are two guests. */
	setup(NULL);
	assert_int_equal(PARSE(GUEST_A, "[guest A]", "cpus = 2", "memory = 2M", "image = y"), 0);
	assert_int_equal(c.guest_count, 2);

	/* Missing required keys, each at the section's header, when the
	 * section ends: at the next header or at the end of the file. */
	setup(NULL);
	assert_int_equal(PARSE("[guest a]", "cmdline = x", "", "[guest b]", "cpus = 2",
			       "[hv]"), -EINVAL);
	assert_int_equal(errs.count, 5);
	assert_error(0, 1, "missing key 'cpus' in [guest a]");
	assert_error(1, 1, "missing key 'memory' in [guest a]");
	assert_error(2, 1, "missing key 'image' in [guest a]");
	assert_error(3, 4, "missing key 'memory' in [guest b]");
	assert_error(4, 4, "missing key 'image' in [guest b]");
	REFUSED(1, "missing key 'image' in [guest z]", "[guest z]", "cpus = 1", "memory = 2M");
}

static void guest_limit(void **state)
{
	(void)state;
	char lines[HV_CONFIG_MAX_GUESTS + 1][4][32];
	const char *l[(HV_CONFIG_MAX_GUESTS + 1) * 4 + 1];
	unsigned n = 0;

	for (unsigned i = 0; i <= HV_CONFIG_MAX_GUESTS; i++) {
		snprintf(lines[i][0], 32, "[guest g%u]", i);
		snprintf(lines[i][1], 32, "cpus = %u", i + 1);
		snprintf(lines[i][2], 32, "memory = 2M");
		snprintf(lines[i][3], 32, "image = g%u.elf", i);
		for (unsigned j = 0; j < 4; j++)
			l[n++] = lines[i][j];
	}
	/* Eight guests are fine... */
	setup(NULL);
	assert_int_equal(parse_lines(l, n - 4), 0);
	assert_int_equal(c.guest_count, HV_CONFIG_MAX_GUESTS);
	assert_string_equal(c.guest[7].image, "g7.elf");
	/* ...a ninth is refused at its header, and its keys are ignored. */
	l[n++] = "bogus = 1";
	setup(NULL);
	assert_int_equal(parse_lines(l, n), -EINVAL);
	assert_only_error(HV_CONFIG_MAX_GUESTS * 4 + 1, "more than 8 guests");
	assert_int_equal(c.guest_count, HV_CONFIG_MAX_GUESTS);
}

static void bad_bytes(void **state)
{
	(void)state;
	char line[CONFIG_LINE_MAX + 2];

	/* NUL, non-ASCII and control characters: named with line and column,
	 * the line ignored, the lines after it still parsed. */
	setup(NULL);
	static const char nul[] = "[guest a]\ncpus = 1\nmemory = 2M\ncmdline = x\0y\nimage = ok\n";
	assert_int_equal(parse_len(nul, sizeof(nul) - 1), -EINVAL);
	assert_only_error(4, "NUL byte at column 12");
	assert_string_equal(c.guest[0].image, "ok");
	assert_int_equal(c.guest[0].cmdline_line, 0);

	REFUSED(5, "non-ASCII byte 0xc3 at column 14", GUEST_A, "cmdline = caf\xc3\xa9");
	REFUSED(5, "non-ASCII byte 0xff at column 1", GUEST_A, "\xff");
	REFUSED(5, "control character 0x1b at column 11", GUEST_A, "cmdline = \x1b[0m");
	REFUSED(5, "control character 0x7f", GUEST_A, "cmdline = \x7f");
	REFUSED(5, "control character 0x0c", GUEST_A, "\f");
	/* Even in a comment. */
	REFUSED(5, "non-ASCII byte 0xe2", GUEST_A, "# \xe2\x80\x94");

	/* CONFIG_LINE_MAX characters are a line (here mostly a comment); one
	 * more is an error; a CR before the LF does not count. */
	memset(line, 'y', sizeof(line));
	memcpy(line, "cmdline = x #", 13);
	line[CONFIG_LINE_MAX] = '\0';
	setup(NULL);
	assert_int_equal(PARSE(GUEST_A, line), 0);
	assert_string_equal(c.guest[0].cmdline, "x");
	snprintf(text, sizeof(text), "[guest a]\r\ncpus = 1\r\nmemory = 2M\r\nimage = x\r\n%s\r\n",
		 line);
	setup(NULL);
	assert_int_equal(parse(text), 0);
	assert_string_equal(c.guest[0].cmdline, "x");
	line[CONFIG_LINE_MAX] = 'y';
	line[CONFIG_LINE_MAX + 1] = '\0';
	REFUSED(5, "line longer than 512 characters", GUEST_A, line, "");
	/* A very long line, and no line end at all. */
	static char huge[8192];
	memset(huge, '#', sizeof(huge));
	setup(NULL);
	assert_int_equal(parse_len(huge, sizeof(huge)), -EINVAL);
	assert_only_error(1, "line longer than 512 characters");
}

static void error_collection(void **state)
{
	(void)state;
	/* Every error is collected, not just the first, in line order. */
	assert_int_equal(PARSE("[guest a]", "cpus = x", "memory = 1M", "image = x",
			       "pci = 00:04", "bogus = 1"), -EINVAL);
	assert_int_equal(errs.count, 4);
	assert_error(0, 2, "bad cpus");
	assert_error(1, 3, "not a multiple of 2M");
	assert_error(2, 5, "bad pci");
	assert_error(3, 6, "unknown key 'bogus'");

	/* Past CONFIG_ERRORS_MAX they are only counted. */
	char *t = text;
	strcpy(t, "[guest a]\ncpus = 1\nmemory = 2M\nimage = x\n");
	for (unsigned i = 0; i < CONFIG_ERRORS_MAX + 5; i++) {
		t += strlen(t);
		sprintf(t, "bad%u = 1\n", i);
	}
	setup(NULL);
	assert_int_equal(parse(text), -EINVAL);
	assert_int_equal(errs.count, CONFIG_ERRORS_MAX);
	assert_int_equal(errs.dropped, 5);
	assert_error(CONFIG_ERRORS_MAX - 1, 4 + CONFIG_ERRORS_MAX, "unknown key 'bad15'");

	/* Long keys, values and file names are cut short, never overrun. */
	char name[300], line[CONFIG_LINE_MAX + 1];
	memset(name, 'f', sizeof(name));
	name[sizeof(name) - 1] = '\0';
	memset(line, 'k', CONFIG_LINE_MAX);
	line[CONFIG_LINE_MAX] = '\0';
	snprintf(text, sizeof(text), "[guest %s]\n%s\n", line + 300, line);
	setup(NULL);
	assert_int_equal(config_parse(text, strlen(text), name, &c, &errs), -EINVAL);
	assert_int_equal(strlen(c.file), CONFIG_FILE_NAME_MAX - 1);
	assert_int_equal(errs.count, 2);
	for (unsigned i = 0; i < errs.count; i++) {
		assert_true(strlen(errs.msg[i]) < CONFIG_ERROR_LEN);
		assert_non_null(strstr(errs.msg[i], "ffff:"));
	}
	assert_non_null(strstr(errs.msg[0], ":1: bad guest name 'kkkk"));
	assert_non_null(strstr(errs.msg[1], ":2: expected 'key = value'"));

	/* A clean parse after a bad one leaves no errors behind. */
	assert_int_equal(PARSE(GUEST_A), 0);
	assert_no_errors();
}

/* ---- against the machine ---------------------------------------------------- */

static void validate_cpus(void **state)
{
	(void)state;
	assert_int_equal(VALIDATE("[guest a]", "cpus = 1-3", "memory = 2M", "image = x"), 0);
	assert_no_errors();

	assert_int_equal(VALIDATE("[guest a]", "cpus = 0,1", "memory = 2M", "image = x"),
			 -EINVAL);
	assert_only_error(2, "CPU 0 is the service CPU: it cannot be given to guest 'a'");

	assert_int_equal(VALIDATE("[guest a]", "cpus = 3,4", "memory = 2M", "image = x"),
			 -EINVAL);
	assert_only_error(2, "CPU 4 does not exist (4 online)");

	/* A CPU in two guests: both named, the first one's line too, the error
	 * at the second's. */
	assert_int_equal(VALIDATE(GUEST_A, "", "[guest b]", "memory = 2M", "image = y",
				  "cpus = 2-3,1"), -EINVAL);
	assert_only_error(9, "CPU 1 is given to both guest 'a' (line 2) and guest 'b'");

	assert_int_equal(VALIDATE(GUEST_A, "[guest b]", "cpus = 2", "memory = 2M", "image = y",
				  "[guest c]", "cpus = 1-2", "memory = 2M", "image = z"), -EINVAL);
	assert_int_equal(errs.count, 2);
	assert_error(0, 10, "CPU 1 is given to both guest 'a' (line 2) and guest 'c'");
	assert_error(1, 10, "CPU 2 is given to both guest 'b' (line 6) and guest 'c'");

	/* The edges of the machine: one CPU leaves none to give. */
	static const struct config_platform one = { .cpu_count = 1, .free_memory = GIB };
	assert_int_equal(PARSE(GUEST_A), 0);
	assert_int_equal(config_validate(&c, &one, &errs), -EINVAL);
	assert_only_error(2, "CPU 1 does not exist (1 online)");
}

static void validate_memory(void **state)
{
	(void)state;
	/* Exactly the free memory fits. */
	assert_int_equal(VALIDATE("[guest a]", "cpus = 1", "memory = 1G", "image = x",
				  "[guest b]", "cpus = 2", "memory = 1G", "image = y"), 0);
	assert_no_errors();

	/* 2 MiB more does not, named at the guest that no longer fits. */
	assert_int_equal(VALIDATE("[guest a]", "cpus = 1", "memory = 1G", "image = x",
				  "[guest b]", "cpus = 2", "memory = 1026M", "image = y",
				  "[guest c]", "cpus = 3", "memory = 2M", "image = z"), -EINVAL);
	assert_only_error(7, "guest 'b' does not fit in memory: the guests need 2052M in all, "
			  "2048M is free");

	/* One guest alone too big for this machine (though within the ABI). */
	assert_int_equal(VALIDATE("[guest a]", "cpus = 1", "memory = 3G", "image = x"),
			 -EINVAL);
	assert_only_error(3, "guest 'a' does not fit in memory");

	/* No free memory at all. */
	static const struct config_platform none = { .cpu_count = 4 };
	assert_int_equal(PARSE(GUEST_A), 0);
	assert_int_equal(config_validate(&c, &none, &errs), -EINVAL);
	assert_only_error(3, "the guests need 64M in all, 0M is free");
}

static void validate_pci(void **state)
{
	(void)state;
	/* Whole groups: alone (00:04.0), all three of a bridge's group, both
	 * functions of a device, another segment. */
	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:04.0, 01:00.1, 00:05.0, 01:00.0",
				  "[guest b]", "cpus = 2", "memory = 2M", "image = y",
				  "pci = 00:06.1,00:06.0,0001:02:00.0"), 0);
	assert_no_errors();

	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:04.0, 00:09.0, 0002:00:04.0"), -EINVAL);
	assert_int_equal(errs.count, 2);
	assert_error(0, 5, "no PCI function 00:09.0 on this machine");
	assert_error(1, 5, "no PCI function 0002:00:04.0 on this machine");

	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:00.0"), -EINVAL);
	assert_only_error(5, "00:00.0 is a host bridge: it cannot be given to a guest");

	/* A function in two guests. */
	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:04.0", "[guest b]", "cpus = 2",
				  "memory = 2M", "pci = 00:07.0,00:04.0", "image = y"), -EINVAL);
	assert_only_error(9, "00:04.0 is given to both guest 'a' (line 5) and guest 'b'");

	/* Splitting a group: one member left out... */
	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:06.0"), -EINVAL);
	assert_only_error(5, "00:06.0 splits IOMMU group 4: 00:06.1 is not given to guest 'a'");
	/* ...two left out, reported once for the group... */
	assert_int_equal(VALIDATE(GUEST_A, "pci = 01:00.0"), -EINVAL);
	assert_only_error(5, "01:00.0 splits IOMMU group 3: 00:05.0 and 1 more are not given "
			  "to guest 'a'");
	assert_int_equal(VALIDATE(GUEST_A, "pci = 01:00.1, 01:00.0"), -EINVAL);
	assert_only_error(5, "01:00.1 splits IOMMU group 3: 00:05.0 is not given to guest 'a'");
	/* ...or a group shared between guests: each side splits it. */
	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:06.0", "[guest b]", "cpus = 2",
				  "memory = 2M", "image = y", "pci = 00:06.1"), -EINVAL);
	assert_int_equal(errs.count, 2);
	assert_error(0, 5, "00:06.0 splits IOMMU group 4: 00:06.1 is not given to guest 'a'");
	assert_error(1, 10, "00:06.1 splits IOMMU group 4: 00:06.0 is not given to guest 'b'");
}

/* A restart needs every passed-through function to have FLR: one without
 * is named at the key (each key on its own line); bridges, never reset,
 * do not count. */
static void validate_restart(void **state)
{
	(void)state;
	assert_int_equal(VALIDATE(GUEST_A, "on_reset = restart", "on_crash = restart"), 0);
	assert_no_errors();
	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:04.0", "on_reset = stop"), 0);
	assert_no_errors();

	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:04.0", "on_reset = restart"), -EINVAL);
	assert_only_error(6, "on_reset = restart: guest 'a' has 00:04.0, which offers no "
			  "function-level reset, so a restart could not reset it");
	assert_int_equal(VALIDATE(GUEST_A, "on_crash = restart", "pci = 00:04.0"), -EINVAL);
	assert_only_error(5, "on_crash = restart: guest 'a' has 00:04.0, which offers no");

	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:07.0,00:04.0", "on_reset = restart",
				  "on_crash = restart"), -EINVAL);
	assert_int_equal(errs.count, 2);
	assert_error(0, 6, "on_reset = restart: guest 'a' has 00:04.0, which");
	assert_error(1, 7, "on_crash = restart: guest 'a' has 00:04.0, which");

	assert_int_equal(VALIDATE(GUEST_A, "pci = 0001:02:00.0", "on_reset = restart"), 0);
	assert_no_errors();
	assert_int_equal(VALIDATE(GUEST_A, "pci = 00:05.0,01:00.0,01:00.1", "on_crash = restart",
				  "on_reset = restart"), 0);
	assert_no_errors();
}

static void validate_collects_everything(void **state)
{
	(void)state;
	/* Parse errors and machine errors together, as hv prints them: the
	 * parse's first, then validation's appended. */
	assert_int_equal(PARSE("[guest a]", "cpus = 0,9", "memory = 4G", "image = x",
			       "pci = 00:00.0", "[guest b]", "cpus = 9", "memory = 2G",
			       "image = y"), -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_int_equal(validate(), -EINVAL);
	assert_int_equal(errs.count, 5);
	assert_error(0, 3, "more than a guest can have");
	assert_error(1, 2, "CPU 0 is the service CPU");
	assert_error(2, 2, "CPU 9 does not exist");
	assert_error(3, 5, "00:00.0 is a host bridge");
	assert_error(4, 7, "CPU 9 does not exist");
	/* Guest a's refused memory counts as none: b's 2G fits. */

	/* config_validate's result is about its own findings only. */
	assert_int_equal(PARSE(GUEST_A, "bogus = 1"), -EINVAL);
	assert_int_equal(validate(), 0);
	assert_int_equal(errs.count, 1);

	/* Printing: one LOG_ERR line each, and the count of dropped ones. */
	log_stub_reset();
	config_errors_print(&errs);
	assert_int_equal(log_stub_count[LOG_ERR], 1);
	assert_string_equal(log_stub_last, "hv.cfg:5: unknown key 'bogus' in [guest a]\n");
	errs.dropped = 3;
	config_errors_print(&errs);
	assert_int_equal(log_stub_count[LOG_ERR], 3);
	assert_non_null(strstr(log_stub_last, "3 more errors"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(full_example),
		T(empty_and_comment_only),
		T(line_endings),
		T(comments_and_blanks),
		T(cpus),
		T(memory_sizes),
		T(pci_lists),
		T(uart_budget),
		T(strings_and_names),
		T(linux_keys),
		T(restart_keys),
		T(control_key),
		T(hv_section),
		T(structure_errors),
		T(guest_limit),
		T(bad_bytes),
		T(error_collection),
		T(validate_cpus),
		T(validate_memory),
		T(validate_pci),
		T(validate_restart),
		T(validate_collects_everything),
	};
#undef T
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
