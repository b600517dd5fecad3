/* Guard macros in the s2n style: every check is one line and returns a
 * negative errno, so error paths stay uniform and greppable. */
#ifndef VRSIM_GUARD_H
#define VRSIM_GUARD_H

#include <errno.h>

/* Return -err from the enclosing function unless cond holds. */
#define VRS_ENSURE(cond, err)                                                  \
	do {                                                                   \
		if (__builtin_expect(!(cond), 0))                              \
			return -(err);                                         \
	} while (0)

/* Propagate a negative return value. */
#define VRS_GUARD(expr)                                                        \
	do {                                                                   \
		int vrs_guard_rc_ = (expr);                                    \
		if (__builtin_expect(vrs_guard_rc_ < 0, 0))                    \
			return vrs_guard_rc_;                                  \
	} while (0)

/* Defensive branches, as SQLite's ALWAYS() and NEVER(): a condition that
 * vrsim's own code never makes false (VRS_ALWAYS) or true (VRS_NEVER), with
 * a branch that recovers anyway. The branch stays in every build; taking
 * it reports a finding of the kind "vrsim-internal" (an invariant of vrsim
 * itself broke, not one of the code under test), so a fuzzer keeps such a
 * crash apart from the bugs it hunts. The coverage build (VRSIM_COVERAGE)
 * makes them constants, as SQLITE_COVERAGE_TEST does, so an unreachable
 * defensive branch does not count against branch coverage: the condition
 * must therefore have no side effects. ring/ links with the interfaces
 * alone, not with the reporter, and does not use them. */
void vrs_report_invariant(const char *what, const char *cond,
			  const char *file, int line);
#ifdef VRSIM_COVERAGE_BUILD
#define VRS_ALWAYS(cond) (1)
#define VRS_NEVER(cond) (0)
#else
#define VRS_ALWAYS(cond)                                                       \
	(__builtin_expect(!!(cond), 1)                                         \
		 ? 1                                                           \
		 : (vrs_report_invariant("ALWAYS", #cond, __FILE__, __LINE__), 0))
#define VRS_NEVER(cond)                                                        \
	(__builtin_expect(!!(cond), 0)                                         \
		 ? (vrs_report_invariant("NEVER", #cond, __FILE__, __LINE__), 1) \
		 : 0)
#endif

#define VRS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VRS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define VRS_MAX(a, b) ((a) > (b) ? (a) : (b))
#define VRS_ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define VRS_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))

#endif
