/* hv/options.c: the hypervisor command line (UEFI load options or
 * hv.cmdline), space-separated `switch` and `key=value` words. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hv/options.h"
#include "tests/unit/log_stub.h"

static struct hv_options o;
static char err[OPTIONS_ERROR_MAX];

static int setup(void **state)
{
	(void)state;
	/* options_parse must set every field and the error string itself. */
	memset(&o, 0xa5, sizeof(o));
	memset(err, 'x', sizeof(err));
	return 0;
}

static int parse(const char *line)
{
	return options_parse(line, &o, err);
}

/* The defaults: nothing set, halt on exit, info logging. */
static void assert_defaults(void)
{
	assert_false(o.selftest);
	assert_int_equal(o.exit, EXIT_HALT);
	assert_int_equal(o.log_level, LOG_INFO);
	assert_true(o.intremap);
	assert_int_equal(o.irt_entries, IRT_ENTRIES_DEFAULT);
	assert_int_equal(o.audit, AUDIT_ON);
	assert_false(o.expect.cpus_set);
	assert_false(o.expect.dmar_set);
	assert_false(o.expect.ecam_set);
	assert_string_equal(err, "");
}

static void empty_line(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_defaults();
}

static void whitespace_only(void **state)
{
	(void)state;
	static const char *const lines[] = { " ", "   ", "\t", "\r\n", "\n", " \t \r\n \t", "\r" };
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		setup(NULL);
		assert_int_equal(parse(lines[i]), 0);
		assert_defaults();
	}
}

static void switches(void **state)
{
	(void)state;
	assert_int_equal(parse("selftest"), 0);
	assert_true(o.selftest);
	assert_string_equal(err, "");
	/* Repeating it is harmless. */
	assert_int_equal(parse("selftest selftest"), 0);
	assert_true(o.selftest);
	/* selftest=SUITES picks suites (checked by name when they run); an
	 * empty list, or a key given no value, is not understood. */
	assert_int_equal(parse("selftest=dma,pci"), 0);
	assert_true(o.selftest);
	assert_string_equal(o.selftest_suites, "dma,pci");
	assert_int_equal(parse("selftest="), -EINVAL);
	assert_false(o.selftest);
	assert_int_equal(parse("exit"), -EINVAL);
	assert_int_equal(o.exit, EXIT_HALT);
	/* Case matters. */
	assert_int_equal(parse("SelfTest"), -EINVAL);
}

static void key_values(void **state)
{
	(void)state;
	assert_int_equal(parse("exit=qemu"), 0);
	assert_int_equal(o.exit, EXIT_QEMU);
	assert_int_equal(parse("exit=shutdown"), 0);
	assert_int_equal(o.exit, EXIT_SHUTDOWN);
	assert_int_equal(parse("exit=bochs"), 0);
	assert_int_equal(o.exit, EXIT_BOCHS);
	assert_int_equal(parse("exit=halt"), 0);
	assert_int_equal(o.exit, EXIT_HALT);

	static const struct { const char *word; enum log_level level; } levels[] = {
		{ "loglevel=error", LOG_ERR }, { "loglevel=warning", LOG_WARN },
		{ "loglevel=info", LOG_INFO }, { "loglevel=debug", LOG_DEBUG },
	};
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(parse(levels[i].word), 0);
		assert_int_equal(o.log_level, levels[i].level);
	}

	assert_int_equal(parse("expect.cpus=4 expect.dmar=yes expect.ecam=0xb0000000"), 0);
	assert_true(o.expect.cpus_set);
	assert_int_equal(o.expect.cpus, 4);
	assert_true(o.expect.dmar_set);
	assert_true(o.expect.dmar);
	assert_true(o.expect.ecam_set);
	assert_int_equal(o.expect.ecam, 0xb0000000);
	assert_false(o.selftest);
	assert_string_equal(err, "");

	/* expect.dmar: yes/no/1/0; "no" is set-and-false, not unset. */
	assert_int_equal(parse("expect.dmar=no"), 0);
	assert_true(o.expect.dmar_set);
	assert_false(o.expect.dmar);
	assert_int_equal(parse("expect.dmar=1"), 0);
	assert_true(o.expect.dmar);
	assert_int_equal(parse("expect.dmar=0"), 0);
	assert_true(o.expect.dmar_set);
	assert_false(o.expect.dmar);
	assert_int_equal(parse("expect.dmar=true"), -EINVAL);
	assert_false(o.expect.dmar_set);

	/* The last of repeated keys wins. */
	assert_int_equal(parse("exit=qemu exit=shutdown loglevel=debug loglevel=error"), 0);
	assert_int_equal(o.exit, EXIT_SHUTDOWN);
	assert_int_equal(o.log_level, LOG_ERR);

	/* Unknown values of known keys. */
	assert_int_equal(parse("exit=reboot"), -EINVAL);
	assert_int_equal(o.exit, EXIT_HALT);
	assert_int_equal(parse("loglevel=warn"), -EINVAL);
	assert_int_equal(parse("loglevel="), -EINVAL);
	assert_int_equal(parse("exit=QEMU"), -EINVAL);
	assert_int_equal(parse("=qemu"), -EINVAL);
}

static void numbers(void **state)
{
	(void)state;
	/* Hex and decimal. */
	assert_int_equal(parse("expect.cpus=16"), 0);
	assert_int_equal(o.expect.cpus, 16);
	assert_int_equal(parse("expect.cpus=0x10"), 0);
	assert_int_equal(o.expect.cpus, 16);
	assert_int_equal(parse("expect.cpus=0X1f"), 0);
	assert_int_equal(o.expect.cpus, 31);
	assert_int_equal(parse("expect.ecam=3758096384"), 0);
	assert_int_equal(o.expect.ecam, 0xe0000000);
	assert_int_equal(parse("expect.ecam=0xffffffffffffffff"), 0);
	assert_int_equal(o.expect.ecam, UINT64_MAX);
	assert_int_equal(parse("expect.ecam=0"), 0);
	assert_true(o.expect.ecam_set);
	assert_int_equal(o.expect.ecam, 0);

	/* The CPU count's range is 1..4096. */
	assert_int_equal(parse("expect.cpus=1"), 0);
	assert_int_equal(parse("expect.cpus=4096"), 0);
	assert_int_equal(o.expect.cpus, 4096);
	assert_int_equal(parse("expect.cpus=0"), -EINVAL);
	assert_false(o.expect.cpus_set);
	assert_int_equal(parse("expect.cpus=4097"), -EINVAL);
	/* Would be 1 if truncated to 32 bits. */
	assert_int_equal(parse("expect.cpus=0x100000001"), -EINVAL);
	assert_false(o.expect.cpus_set);

	/* Not numbers. */
	static const char *const bad[] = {
		"expect.cpus=", "expect.cpus=-1", "expect.cpus=12abc", "expect.cpus=0x",
		"expect.cpus=four", "expect.ecam=0x1ffffffffffffffff", /* 65 bits */
		"expect.ecam=18446744073709551616",                     /* 2^64 */
		"expect.ecam=-0x1000", "expect.ecam=0xg",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(NULL);
		if (parse(bad[i]) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_false(o.expect.cpus_set);
		assert_false(o.expect.ecam_set);
	}
}

static void unknown_word_named_others_applied(void **state)
{
	(void)state;
	assert_int_equal(parse("selftest bogus exit=qemu"), -EINVAL);
	/* The message names the word... */
	assert_non_null(strstr(err, "'bogus'"));
	/* ...and the words around it still took effect. */
	assert_true(o.selftest);
	assert_int_equal(o.exit, EXIT_QEMU);

	/* Only the first bad word is named; everything good is applied. */
	assert_int_equal(parse("first=1 loglevel=debug second expect.cpus=2"), -EINVAL);
	assert_non_null(strstr(err, "'first=1'"));
	assert_null(strstr(err, "second"));
	assert_int_equal(o.log_level, LOG_DEBUG);
	assert_int_equal(o.expect.cpus, 2);

	/* A bad value is named with its key. */
	assert_int_equal(parse("exit=reboot"), -EINVAL);
	assert_non_null(strstr(err, "'exit=reboot'"));

	/* A clean parse after a bad one clears the error. */
	assert_int_equal(parse("selftest"), 0);
	assert_string_equal(err, "");
}

/* A word of `len` characters that would be valid if it fitted:
 * "expect.ecam=0x000...01234". */
static void long_ecam_word(char *buf, size_t len)
{
	assert_true(len > 20);
	snprintf(buf, len + 1, "expect.ecam=0x%0*x", (int)(len - 14), 0x1234);
	assert_int_equal(strlen(buf), len);
}

static void over_long_words(void **state)
{
	(void)state;
	char line[1024], word[512];

	/* Words up to some limit are taken, every longer one is refused even
	 * though valid: find the limit and check both sides of it. (It is
	 * private to options.c; boot scenarios pass words like expect.group
	 * lists, so it must be comfortably above 63.) */
	size_t limit = 0;
	for (size_t len = 21; len < 400; len++) {
		long_ecam_word(word, len);
		setup(NULL);
		int rc = parse(word);
		if (rc == 0) {
			assert_int_equal(o.expect.ecam, 0x1234);
			if (limit)
				fail_msg("%zu accepted after %zu refused", len, limit + 1);
			continue;
		}
		assert_int_equal(rc, -EINVAL);
		assert_false(o.expect.ecam_set);
		if (!limit)
			limit = len - 1;
	}
	assert_true(limit >= 63);
	assert_true(limit < 399);

	/* Just over the limit, between good words: those still apply, and the
	 * error names the word, cut short, within its buffer. */
	long_ecam_word(word, limit + 1);
	snprintf(line, sizeof(line), "selftest %s exit=qemu", word);
	assert_int_equal(parse(line), -EINVAL);
	assert_false(o.expect.ecam_set);
	assert_true(o.selftest);
	assert_int_equal(o.exit, EXIT_QEMU);
	assert_non_null(strstr(err, "'expect.ecam=0x000"));
	assert_true(strlen(err) < OPTIONS_ERROR_MAX);

	/* A very long unknown word: the message is truncated, never overrun. */
	memset(line, 'z', 1000);
	line[1000] = '\0';
	assert_int_equal(parse(line), -EINVAL);
	assert_true(strlen(err) < OPTIONS_ERROR_MAX);
	assert_non_null(strstr(err, "zzzz"));
	assert_false(o.selftest);
}

/* expect.units=all, expect.group=SBDF,... and expect.alias=SBDF>SBDF: PCI
 * functions as [SSSS:]BB:DD.F in hex, packed as seg << 16 | bus << 8 |
 * dev << 3 | fn. */
static void pci_expectations(void **state)
{
	(void)state;
	assert_int_equal(parse("expect.units=all expect.group=00:1f.0,00:1f.2,00:1f.3 "
			       "expect.group=0001:80:00.0 expect.alias=02:00.0>01:00.0"), 0);
	assert_string_equal(err, "");
	assert_true(o.expect.units_all);
	assert_int_equal(o.expect.group_count, 2);
	assert_int_equal(o.expect.group[0].count, 3);
	assert_int_equal(o.expect.group[0].member[0], 0x00f8);
	assert_int_equal(o.expect.group[0].member[1], 0x00fa);
	assert_int_equal(o.expect.group[0].member[2], 0x00fb);
	assert_int_equal(o.expect.group[1].count, 1);
	assert_int_equal(o.expect.group[1].member[0], 0x18000);
	assert_int_equal(o.expect.alias_count, 1);
	assert_int_equal(o.expect.alias[0].function, 0x0200);
	assert_int_equal(o.expect.alias[0].requester, 0x0100);

	/* Largest values of each part. */
	assert_int_equal(parse("expect.group=ffff:ff:1f.7"), 0);
	assert_int_equal(o.expect.group[0].member[0], 0xffffffffu);

	/* Malformed ones are refused, named, and do not count. */
	static const char *const bad[] = {
		"expect.units=some", "expect.units=", "expect.group=", "expect.group=00:1f",
		"expect.group=00:20.0", "expect.group=00:1f.8", "expect.group=100:00.0",
		"expect.group=10000:00:00.0", "expect.group=1:2:3:4.0", "expect.group=00:1f.0,",
		"expect.group=00:1f.0;00:1f.1", "expect.group=00:1f.01", "expect.group=g0:00.0",
		"expect.alias=02:00.0", "expect.alias=02:00.0>", "expect.alias=02:00.0>01:00.0>00:00.0",
		"expect.alias=02:00.0<01:00.0",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(NULL);
		if (parse(bad[i]) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err, bad[i]));
		assert_false(o.expect.units_all);
		assert_int_equal(o.expect.group_count, 0);
		assert_int_equal(o.expect.alias_count, 0);
	}

	/* Lists have room for EXPECT_LIST_MAX entries, groups for
	 * EXPECT_GROUP_MAX members; beyond that the word is refused. */
	char line[2048] = "";
	for (unsigned i = 0; i <= EXPECT_LIST_MAX; i++) {
		char w[64];
		snprintf(w, sizeof(w), "expect.group=00:%02x.0 expect.alias=01:%02x.0>01:00.0 ", i, i);
		strcat(line, w);
	}
	assert_int_equal(parse(line), -EINVAL);
	assert_int_equal(o.expect.group_count, EXPECT_LIST_MAX);
	assert_int_equal(o.expect.alias_count, EXPECT_LIST_MAX);
	strcpy(line, "expect.group=");
	for (unsigned i = 0; i <= EXPECT_GROUP_MAX; i++) {
		char w[16];
		snprintf(w, sizeof(w), "%s00:00.%u", i ? "," : "", i % 8);
		strcat(line, w);
	}
	assert_int_equal(parse(line), -EINVAL);
	assert_int_equal(o.expect.group_count, 0);
}

/* intremap=on|off and irt.entries, a power of two from 2 to 65536. */
static void interrupt_remapping(void **state)
{
	(void)state;
	assert_int_equal(parse("intremap=off irt.entries=256"), 0);
	assert_false(o.intremap);
	assert_int_equal(o.irt_entries, 256);
	assert_int_equal(parse("intremap=on irt.entries=65536"), 0);
	assert_true(o.intremap);
	assert_int_equal(o.irt_entries, 65536);
	assert_int_equal(parse("irt.entries=2"), 0);
	assert_int_equal(o.irt_entries, 2);

	static const char *const bad[] = { "irt.entries=0", "irt.entries=1", "irt.entries=3",
					   "irt.entries=131072", "irt.entries=", "intremap",
					   "intremap=maybe", "irt.entries=-2" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i]), -EINVAL);
		assert_true(o.intremap);
		assert_int_equal(o.irt_entries, IRT_ENTRIES_DEFAULT);
	}
}

/* audit=on|warn|off; anything else is refused and leaves it on. */
static void audit_modes(void **state)
{
	(void)state;
	assert_int_equal(parse("audit=warn"), 0);
	assert_int_equal(o.audit, AUDIT_WARN);
	assert_int_equal(parse("audit=off"), 0);
	assert_int_equal(o.audit, AUDIT_OFF);
	assert_int_equal(parse("audit=warn audit=on"), 0);
	assert_int_equal(o.audit, AUDIT_ON);

	static const char *const bad[] = { "audit", "audit=", "audit=yes", "audit=WARN",
					   "audit=offf" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i]), -EINVAL);
		assert_int_equal(o.audit, AUDIT_ON);
		assert_non_null(strstr(err, bad[i]));
	}
}

/* The guests' options: config=PATH, expect.guest_failure=NAME, the
 * test.peer_dma switch; options_apply() keeps what the line does not name. */
static void guest_options(void **state)
{
	(void)state;
	assert_int_equal(parse("config=\\EFI\\hv\\two.cfg expect.guest_failure=bad test.peer_dma "
			       "test.exit_fault"), 0);
	assert_string_equal(o.config, "\\EFI\\hv\\two.cfg");
	assert_string_equal(o.expect.guest_failure, "bad");
	assert_true(o.test_peer_dma);
	assert_true(o.test_exit_fault);
	assert_int_equal(parse("config= expect.guest_failure= test.peer_dma=1"), -EINVAL);
	assert_string_equal(o.config, "");
	assert_false(o.test_peer_dma);

	struct hv_options base;
	options_defaults(&base);
	base.log_level = LOG_DEBUG;
	base.exit = EXIT_QEMU;
	assert_int_equal(options_apply("loglevel=error", &base, err), 0);
	assert_int_equal(base.log_level, LOG_ERR);
	assert_int_equal(base.exit, EXIT_QEMU);
}

static void line_endings_and_separators(void **state)
{
	(void)state;
	/* hv.cmdline written on Windows: CRLF, tabs, runs of blanks. */
	assert_int_equal(parse("selftest\r\nexit=qemu\r\n"), 0);
	assert_true(o.selftest);
	assert_int_equal(o.exit, EXIT_QEMU);
	assert_string_equal(err, "");

	assert_int_equal(parse("  \tloglevel=debug\t\t expect.cpus=8 \r\n\r\n"), 0);
	assert_int_equal(o.log_level, LOG_DEBUG);
	assert_int_equal(o.expect.cpus, 8);

	/* A CR must not stick to the value ("qemu\r" is no exit mode). */
	assert_int_equal(parse("exit=shutdown\r"), 0);
	assert_int_equal(o.exit, EXIT_SHUTDOWN);
	assert_int_equal(parse("expect.cpus=3\r\n"), 0);
	assert_int_equal(o.expect.cpus, 3);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(empty_line),
		T(whitespace_only),
		T(switches),
		T(key_values),
		T(numbers),
		T(unknown_word_named_others_applied),
		T(over_long_words),
		T(pci_expectations),
		T(interrupt_remapping),
		T(audit_modes),
		T(guest_options),
		T(line_endings_and_separators),
	};
#undef T
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
