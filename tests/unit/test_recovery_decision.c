/* arch/x86/recovery_decision.c: which exceptions hv may recover from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86/exception.h"
#include "arch/x86/recovery_decision.h"

#define LOW  0x100000u
#define HIGH 0x104000u
#define MID  0x103000u

static void resumes_faults_of_the_interrupted_code(void **state)
{
	(void)state;
	static const unsigned vectors[] = { VEC_DE, VEC_BR, VEC_UD, VEC_SS, VEC_GP, VEC_PF };

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		assert_int_equal(recovery_decide(vectors[i], 0, MID, LOW, HIGH), RECOVERY_RESUME);
}

/* Every other exception vector halts: #DF, #MC and NMI say nothing of the
 * code they interrupted; #DB and #AC hv never raises from a guest's doing. */
static void halts_on_any_other_vector(void **state)
{
	(void)state;
	unsigned resumed = 0;

	for (unsigned v = 0; v < 256; v++) {
		enum recovery_decision d = recovery_decide(v, 0, MID, LOW, HIGH);
		if (d == RECOVERY_RESUME)
			resumed++;
		else
			assert_int_equal(d, RECOVERY_HALT_VECTOR);
	}
	assert_int_equal(resumed, 6);
	assert_int_equal(recovery_decide(VEC_MC, 0, MID, LOW, HIGH), RECOVERY_HALT_VECTOR);
	assert_int_equal(recovery_decide(VEC_DF, 0, MID, LOW, HIGH), RECOVERY_HALT_VECTOR);
	assert_int_equal(recovery_decide(VEC_NMI, 0, MID, LOW, HIGH), RECOVERY_HALT_VECTOR);
	assert_int_equal(recovery_decide(VEC_DB, 0, MID, LOW, HIGH), RECOVERY_HALT_VECTOR);
	assert_int_equal(recovery_decide(VEC_AC, 0, MID, LOW, HIGH), RECOVERY_HALT_VECTOR);
}

/* A fault inside another handler (an NMI's, an interrupt's) halts. */
static void halts_when_nested(void **state)
{
	(void)state;
	assert_int_equal(recovery_decide(VEC_GP, 1, MID, LOW, HIGH), RECOVERY_HALT_NESTED);
	assert_int_equal(recovery_decide(VEC_PF, 2, MID, LOW, HIGH), RECOVERY_HALT_NESTED);
}

/* Only an RSP between the stack's bottom and the recovery point, both ends
 * included (a fault in the function that saved the point itself). */
static void halts_off_the_recovery_stack(void **state)
{
	(void)state;
	assert_int_equal(recovery_decide(VEC_GP, 0, LOW, LOW, HIGH), RECOVERY_RESUME);
	assert_int_equal(recovery_decide(VEC_GP, 0, HIGH, LOW, HIGH), RECOVERY_RESUME);
	assert_int_equal(recovery_decide(VEC_GP, 0, LOW - 8, LOW, HIGH), RECOVERY_HALT_STACK);
	assert_int_equal(recovery_decide(VEC_GP, 0, HIGH + 8, LOW, HIGH), RECOVERY_HALT_STACK);
	assert_int_equal(recovery_decide(VEC_GP, 0, 0, LOW, HIGH), RECOVERY_HALT_STACK);
	/* No stack known (the BSP's bottom is 0 and so is its range). */
	assert_int_equal(recovery_decide(VEC_GP, 0, 0, 0, 0), RECOVERY_HALT_STACK);
	assert_int_equal(recovery_decide(VEC_GP, 0, MID, HIGH, LOW), RECOVERY_HALT_STACK);
}

static void every_decision_has_a_reason(void **state)
{
	(void)state;
	for (int d = RECOVERY_RESUME; d <= RECOVERY_HALT_STACK; d++)
		assert_string_not_equal(recovery_decision_reason((enum recovery_decision)d), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resumes_faults_of_the_interrupted_code),
		cmocka_unit_test(halts_on_any_other_vector),
		cmocka_unit_test(halts_when_nested),
		cmocka_unit_test(halts_off_the_recovery_stack),
		cmocka_unit_test(every_decision_has_a_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
