/* Words of the kernel's language (kshim/base.h).
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_EXPORT_H
#define KSHIM_LINUX_EXPORT_H
#include "kshim/base.h"
#endif
