/* Defensive branches (VRS_ALWAYS / VRS_NEVER): taking one is a finding of
 * vrsim's own kind, not taking one is silent, and the branch is taken in
 * every build but the coverage one, where the conditions are constants. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "testing.h"
#include "vrsim/guard.h"

TestSuite(guard, .init = vrs_test_setup, .fini = vrs_test_teardown);

/* What a defensive branch guards: recover from a NULL that cannot be. */
static int length_of(const char *s)
{
	if (VRS_NEVER(s == NULL))
		return -1;
	return (int)strlen(s);
}

Test(guard, never_quiet_when_the_condition_is_false)
{
	cr_assert_eq(length_of("abc"), 3);
	cr_assert_eq(VRS_ALWAYS(1 + 1 == 2), 1);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}

#ifndef VRSIM_COVERAGE_BUILD
Test(guard, never_reports_an_internal_finding_and_recovers)
{
	cr_assert_eq(length_of(NULL), -1);
	cr_assert_eq(vrs_report_count(VRS_FIND_INTERNAL), 1);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_INTERNAL), "NEVER(s == NULL)"),
		  "message: %s", vrs_report_last(VRS_FIND_INTERNAL));
	cr_assert(strstr(vrs_report_last(VRS_FIND_INTERNAL), "test_guard.c:"));
}

Test(guard, always_reports_when_the_condition_fails)
{
	int zero = 0;
	cr_assert_eq(VRS_ALWAYS(zero == 1), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_INTERNAL), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_INTERNAL), "ALWAYS(zero == 1)"));
}

Test(guard, the_kind_is_its_own)
{
	cr_assert_str_eq(vrs_finding_name(VRS_FIND_INTERNAL), "vrsim-internal");
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++)
		if (k != VRS_FIND_INTERNAL)
			cr_assert_str_neq(vrs_finding_name(k), "vrsim-internal");
}

/* Under a fuzzer (ABORT mode) a broken invariant crashes, in a trap
 * function of its own kind. */
Test(guard, aborts_in_a_fuzz_run, .signal = SIGABRT)
{
	vrs_report_set_mode(VRS_REPORT_ABORT);
	vrs_report_set_armed(VRS_FIND_BIT(VRS_FIND_INTERNAL));
	length_of(NULL);
}
#else
Test(guard, constants_in_the_coverage_build)
{
	int zero = 0;
	cr_assert_eq(VRS_NEVER(zero == 0), 0);
	cr_assert_eq(VRS_ALWAYS(zero == 1), 1);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}
#endif
