/* The DMA API.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_DMA_MAPPING_H
#define KSHIM_LINUX_DMA_MAPPING_H
#include "kshim/dma.h"
#endif
