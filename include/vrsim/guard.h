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

/* A defensive branch that should never be taken by correct code (SQLite's
 * NEVER()): it stays compiled in every build. */
#define VRS_NEVER(cond) __builtin_expect(!!(cond), 0)

#define VRS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VRS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define VRS_MAX(a, b) ((a) > (b) ? (a) : (b))
#define VRS_ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define VRS_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))

#endif
