/* kmalloc and kfree.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_SLAB_H
#define KSHIM_LINUX_SLAB_H
#include "kshim/mm.h"
#endif
