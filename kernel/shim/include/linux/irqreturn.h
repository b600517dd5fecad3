/* irqreturn_t.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_IRQRETURN_H
#define KSHIM_LINUX_IRQRETURN_H
#include "kshim/base.h"
#endif
