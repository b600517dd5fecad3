/* Compiler words.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_COMPILER_TYPES_H
#define KSHIM_LINUX_COMPILER_TYPES_H
#include "kshim/base.h"
#endif
