/* BUG and WARN as vrsim findings.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_BUG_H
#define KSHIM_LINUX_BUG_H
#include "kshim/base.h"
#endif
