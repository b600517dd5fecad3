/* GFP flags and pages.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_GFP_H
#define KSHIM_LINUX_GFP_H
#include "kshim/mm.h"
#endif
