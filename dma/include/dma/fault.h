/* Deterministic fault injection, like syzkaller's fail_nth: a wrapper that
 * fails the Nth map or coherent allocation (counting both, from 1). The
 * schedule comes from the input, never from rand(). */
#ifndef VRSIM_DMA_FAULT_H
#define VRSIM_DMA_FAULT_H

#include "vrsim/dma.h"

struct vrs_dma_fault {
	struct vrs_dma inner;
	uint32_t fail_nth;   /* 0: never fail */
	bool persistent;     /* fail every call from the Nth on */
	uint32_t calls;	     /* maps and allocations seen */
	uint32_t injected;   /* failures handed out */
};

void vrs_dma_fault_init(struct vrs_dma_fault *f, const struct vrs_dma *inner,
			uint32_t fail_nth, bool persistent);
void vrs_dma_fault_dma(struct vrs_dma_fault *f, struct vrs_dma *out);

#endif
