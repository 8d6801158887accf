/* arch/x86/pci_id.c: a PCI function's identity as text, [SSSS:]BB:DD.F in
 * hexadecimal (what the command line's expect.* words and the
 * configuration's pci key take), and packed into one integer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/pci_id.h"
#include "tests/unit/log_stub.h"

static void assert_bdf(struct pci_bdf d, unsigned seg, unsigned bus, unsigned dev, unsigned fn)
{
	assert_int_equal(d.segment, seg);
	assert_int_equal(d.bus, bus);
	assert_int_equal(d.dev, dev);
	assert_int_equal(d.fn, fn);
}

/* Parses s, which must be a function followed by `rest`. */
static struct pci_bdf parse_ok(const char *s, const char *rest)
{
	struct pci_bdf d;
	const char *end = NULL;

	if (!pci_bdf_parse(s, &end, &d))
		fail_msg("'%s' refused", s);
	assert_string_equal(end, rest);
	return d;
}

static void parses_both_forms(void **state)
{
	(void)state;
	assert_bdf(parse_ok("00:04.0", ""), 0, 0, 4, 0);
	assert_bdf(parse_ok("0000:00:1f.7", ""), 0, 0, 0x1f, 7);
	assert_bdf(parse_ok("0001:80:00.0", ""), 1, 0x80, 0, 0);
	/* 1 to 4 digits a part, either case. */
	assert_bdf(parse_ok("0:4.1", ""), 0, 0, 4, 1);
	assert_bdf(parse_ok("1:2:0.0", ""), 1, 2, 0, 0);
	assert_bdf(parse_ok("abcd:00:00.0", ""), 0xabcd, 0, 0, 0);
	assert_bdf(parse_ok("ff:1F.7", ""), 0, 0xff, 0x1f, 7);
	assert_bdf(parse_ok("0000:00ff:001f.7", ""), 0, 0xff, 0x1f, 7);
	/* The largest of every part. */
	assert_bdf(parse_ok("ffff:ff:1f.7", ""), 0xffff, 0xff, 0x1f, 7);
}

/* What follows the function is the caller's: a list's ',', an alias's '>',
 * a blank. */
static void stops_after_the_function(void **state)
{
	(void)state;
	assert_bdf(parse_ok("00:04.0,00:05.0", ",00:05.0"), 0, 0, 4, 0);
	assert_bdf(parse_ok("02:00.0>01:00.0", ">01:00.0"), 0, 2, 0, 0);
	assert_bdf(parse_ok("00:04.0 ", " "), 0, 0, 4, 0);
	assert_bdf(parse_ok("00:04.0;", ";"), 0, 0, 4, 0);
	assert_bdf(parse_ok("00:04.0:", ":"), 0, 0, 4, 0);
	assert_bdf(parse_ok("00:04.0.1", ".1"), 0, 0, 4, 0);
	assert_bdf(parse_ok("00:04.7x", "x"), 0, 0, 4, 7);
}

static void refuses_the_rest(void **state)
{
	static const char *const bad[] = {
		"", "00", "00:04", "00:04.", "04.0", ".0", ":00:04.0", "00::04.0", "00:.0",
		"00:20.0",          /* device above 1f */
		"00:1f.8",          /* function above 7 */
		"00:04.a",          /* the function is one hexadecimal digit too */
		"100:00.0",         /* bus above ff */
		"10000:00:00.0",    /* five digits of segment */
		"00000:00:04.0",    /* five digits, even of zeros */
		"0:00100:04.0",
		"1:2:3:4.0",        /* four parts */
		"00:04.00", "00:04.01", "00:04.0f", /* a second digit of function */
		"g0:04.0", "00:0g.0", "0x10:00.0", "+1:00.0", " 00:04.0", "-1:00.0",
		"00 :04.0", "00: 04.0", "00:04 .0", "00:04. 0",
	};
	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pci_bdf d = { 0x1234, 0x56, 0x07, 0x01 };
		const char *end = (const char *)&d;
		if (pci_bdf_parse(bad[i], &end, &d))
			fail_msg("'%s' accepted", bad[i]);
		/* Nothing written on failure. */
		assert_bdf(d, 0x1234, 0x56, 0x07, 0x01);
		assert_ptr_equal(end, (const char *)&d);
	}
}

static void packs_as_documented(void **state)
{
	(void)state;
	assert_int_equal(pci_bdf_pack((struct pci_bdf){ 0, 0, 0x1f, 0 }), 0x00f8);
	assert_int_equal(pci_bdf_pack((struct pci_bdf){ 1, 0x80, 0, 0 }), 0x18000);
	assert_int_equal(pci_bdf_pack((struct pci_bdf){ 0, 2, 0, 0 }), 0x0200);
	assert_int_equal(pci_bdf_pack((struct pci_bdf){ 0xffff, 0xff, 0x1f, 7 }), 0xffffffffu);
	assert_bdf(pci_bdf_unpack(0xfb), 0, 0, 0x1f, 3);
	assert_bdf(pci_bdf_unpack(0xffffffffu), 0xffff, 0xff, 0x1f, 7);
	assert_bdf(pci_bdf_unpack(0xabcd0215u), 0xabcd, 2, 2, 5);
	for (pci_sbdf_t s = 0; s < 0x40000; s += 0x3d)
		assert_int_equal(pci_bdf_pack(pci_bdf_unpack(s)), s);
}

static void formats_the_short_form_in_segment_0(void **state)
{
	(void)state;
	assert_string_equal(pci_bdf_format((struct pci_bdf){ 0, 0, 4, 0 }).s, "00:04.0");
	assert_string_equal(pci_bdf_format((struct pci_bdf){ 0, 0xff, 0x1f, 7 }).s, "ff:1f.7");
	assert_string_equal(pci_bdf_format((struct pci_bdf){ 1, 2, 0, 0 }).s, "0001:02:00.0");
	assert_string_equal(pci_bdf_format((struct pci_bdf){ 0xffff, 0xff, 0x1f, 7 }).s,
			    "ffff:ff:1f.7");
	assert_string_equal(pci_sbdf_format(0x18000).s, "0001:80:00.0");
	assert_string_equal(pci_sbdf_format(0xfb).s, "00:1f.3");
}

/* What pci_bdf_format() writes, pci_bdf_parse() reads back. */
static void format_parses_back(void **state)
{
	(void)state;
	for (uint64_t s = 0; s <= 0xffffffffu; s += 0x1d001d) {
		struct pci_bdf d = pci_bdf_unpack((pci_sbdf_t)s), back;
		struct pci_bdf_text t = pci_bdf_format(d);
		const char *end;
		assert_true(pci_bdf_parse(t.s, &end, &back));
		assert_string_equal(end, "");
		assert_int_equal(pci_bdf_pack(back), s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_both_forms),
		cmocka_unit_test(stops_after_the_function),
		cmocka_unit_test(refuses_the_rest),
		cmocka_unit_test(packs_as_documented),
		cmocka_unit_test(formats_the_short_form_in_segment_0),
		cmocka_unit_test(format_parses_back),
	};
	return cmocka_run_group_tests_name("pci_id", tests, NULL, NULL);
}
