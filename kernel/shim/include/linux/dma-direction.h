/* Words of the kernel's language (kshim/base.h).
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_DMA_DIRECTION_H
#define KSHIM_LINUX_DMA_DIRECTION_H
#include "kshim/dma.h"
#endif
