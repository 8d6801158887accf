/* arch/x86/insn_wbinvd.c: the length of a WBINVD or WBNOINVD that exited
 * without one, from the guest's bytes. Each decode runs on an exact-size
 * heap copy, so a read beyond the bytes given is one ASan reports. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/insn_wbinvd.h"

static int len_of(const char *bytes, size_t n, enum insn_mode mode)
{
	uint8_t *copy = malloc(n ? n : 1);

	assert_non_null(copy);
	memcpy(copy, bytes, n);
	int len = insn_wbinvd_len(copy, n, mode);
	free(copy);
	return len;
}

static void plain_forms(void **state)
{
	(void)state;
	assert_int_equal(len_of("\x0f\x09", 2, INSN_MODE_64), 2);
	assert_int_equal(len_of("\xf3\x0f\x09", 3, INSN_MODE_64), 3); /* WBNOINVD */
	assert_int_equal(len_of("\x0f\x09", 2, INSN_MODE_16), 2);
	/* What follows the instruction is not read as part of it. */
	assert_int_equal(len_of("\x0f\x09\x0f\x09\x90", 5, INSN_MODE_32), 2);
}

static void prefixes_counted(void **state)
{
	(void)state;
	assert_int_equal(len_of("\x66\x2e\xf3\x0f\x09", 5, INSN_MODE_32), 5);
	assert_int_equal(len_of("\xf3\x48\x0f\x09", 4, INSN_MODE_64), 4);
	/* Outside 64-bit mode 0x48 is DEC EAX, not a prefix. */
	assert_int_equal(len_of("\x48\x0f\x09", 3, INSN_MODE_32), -EINVAL);
	/* 14 prefixes and the opcode: one byte too many. */
	char longest[16];
	memset(longest, 0x66, sizeof(longest));
	memcpy(longest + 13, "\x0f\x09", 2);
	assert_int_equal(len_of(longest, 15, INSN_MODE_64), 15);
	memset(longest, 0x66, sizeof(longest));
	memcpy(longest + 14, "\x0f\x09", 2);
	assert_int_equal(len_of(longest, 16, INSN_MODE_64), -EINVAL);
}

static void other_bytes_refused(void **state)
{
	(void)state;
	assert_int_equal(len_of("\x0f\x08", 2, INSN_MODE_64), -EINVAL); /* INVD */
	assert_int_equal(len_of("\xf0\x0f\x09", 3, INSN_MODE_64), -EINVAL); /* LOCK: #UD */
	assert_int_equal(len_of("\x90", 1, INSN_MODE_64), -EINVAL);
	assert_int_equal(len_of("", 0, INSN_MODE_64), -EINVAL);
}

static void truncated_refused(void **state)
{
	(void)state;
	assert_int_equal(len_of("\x0f", 1, INSN_MODE_64), -EINVAL);
	assert_int_equal(len_of("\xf3\x0f", 2, INSN_MODE_64), -EINVAL);
	assert_int_equal(len_of("\xf3\xf3\xf3", 3, INSN_MODE_64), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_forms),
		cmocka_unit_test(prefixes_counted),
		cmocka_unit_test(other_bytes_refused),
		cmocka_unit_test(truncated_refused),
	};

	return cmocka_run_group_tests_name("insn_wbinvd", tests, NULL, NULL);
}
