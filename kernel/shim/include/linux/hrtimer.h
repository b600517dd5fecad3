/* ktime, for DEBUG builds only.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_HRTIMER_H
#define KSHIM_LINUX_HRTIMER_H
#include "kshim/base.h"
#endif
