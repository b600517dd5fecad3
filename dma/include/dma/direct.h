/* dma-direct: bus address = GPA + a fixed offset (some platforms place RAM at
 * a different bus address: Linux's dma_range_map). Bus addresses of
 * decrypted memory (bounce slots, decrypted coherent pages) also carry
 * shared_alias when set (Arm CCA: dma_addr_unencrypted() sets the top IPA
 * bit, dma_addr_canonical() clears it). With a swiotlb attached and
 * force_bounce set it bounces every streaming mapping (SEV, TDX, s390 PV,
 * POWER ultravisor, CCA, restricted pools: Linux's
 * is_swiotlb_force_bounce()); with decrypt_coherent set, coherent memory is
 * shared pages (force_dma_unencrypted()). */
#ifndef VRSIM_DMA_DIRECT_H
#define VRSIM_DMA_DIRECT_H

#include "vrsim/dma.h"
#include "vrsim/gmem.h"
#include "vrsim/xlate.h"

struct vrs_swiotlb;

struct vrs_direct_config {
	uint64_t offset;	      /* bus = gpa + offset */
	uint64_t shared_alias;	      /* set in bus addresses of decrypted
				       * memory; 0: none */
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
/* Device view: gpa = bus - offset; every address maps, read and write.
 * With shared_alias, only addresses carrying it translate (gpa = bus
 * without it, minus offset): the canonical alias is the protected IPA,
 * which is not the host's to reach (VRS_XLATE_UNMAPPED). */
void vrs_direct_xlate(struct vrs_direct *d, struct vrs_xlate *out);

#endif
