/* KMSAN's DMA hook (empty).
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_KMSAN_H
#define KSHIM_LINUX_KMSAN_H
#include "kshim/dma.h"
#endif
