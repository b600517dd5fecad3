/* Scatterlists.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_SCATTERLIST_H
#define KSHIM_LINUX_SCATTERLIST_H
#include "kshim/scatterlist.h"
#endif
