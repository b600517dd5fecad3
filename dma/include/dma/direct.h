/* dma-direct: bus address = GPA + a fixed offset (some platforms place RAM at
 * a different bus address). With a swiotlb attached and force_bounce set it
 * bounces every streaming mapping (SEV, TDX, s390 PV, POWER ultravisor,
 * restricted pools: Linux's is_swiotlb_force_bounce()); with
 * decrypt_coherent set, coherent memory is shared pages
 * (force_dma_unencrypted()). */
#ifndef VRSIM_DMA_DIRECT_H
#define VRSIM_DMA_DIRECT_H

#include "vrsim/dma.h"
#include "vrsim/gmem.h"
#include "vrsim/xlate.h"

struct vrs_swiotlb;

struct vrs_direct_config {
	uint64_t offset;	      /* bus = gpa + offset */
	struct vrs_swiotlb *swiotlb;  /* NULL: never bounce */
	bool force_bounce;	      /* bounce every streaming mapping */
	bool coherent_from_pool;      /* restricted pool: coherent from swiotlb */
	bool decrypt_coherent;	      /* coherent pages set decrypted */
};

struct vrs_direct {
	struct vrs_gmem *gm;
	struct vrs_direct_config cfg;
};

void vrs_direct_init(struct vrs_direct *d, struct vrs_gmem *gm,
		     const struct vrs_direct_config *cfg);
void vrs_direct_dma(struct vrs_direct *d, struct vrs_dma *out);
/* Device view: gpa = bus - offset; every address maps, read and write. */
void vrs_direct_xlate(struct vrs_direct *d, struct vrs_xlate *out);

#endif
