/* Spinlocks.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_SPINLOCK_H
#define KSHIM_LINUX_SPINLOCK_H
#include "kshim/base.h"
#endif
