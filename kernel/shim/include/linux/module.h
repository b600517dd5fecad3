/* Module words, compiled to nothing.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_MODULE_H
#define KSHIM_LINUX_MODULE_H
#include "kshim/base.h"
#endif
