/* Xen: the device speaks machine addresses, and a guest frame number (pfn)
 * is not the machine frame number (mfn): the p2m table is a scrambled
 * permutation. Xen's DMA ops (xen-swiotlb) hand out machine addresses: a
 * buffer whose pages are machine-contiguous is mapped directly, any other is
 * bounced through a swiotlb pool that is machine-contiguous. A driver that
 * bypasses the DMA API passes a pfn-based address, which the device reads as
 * a machine address: the historical reason virtio must use the DMA API on
 * Xen (seeds 000, 002, 004). */
#ifndef VRSIM_DMA_XEN_H
#define VRSIM_DMA_XEN_H

#include "vrsim/dma.h"
#include "vrsim/gmem.h"
#include "vrsim/xlate.h"

/* Machine addresses start here, far above guest memory, so a pfn mistaken
 * for an mfn lands nowhere rather than on another guest page. */
#define VRS_XEN_MACHINE_BASE 0x4000000000ull

struct vrs_swiotlb;
struct vrs_xen;

/* Build the p2m/m2p tables from seed (deterministic); the swiotlb pool, if
 * any, stays machine-contiguous. */
int vrs_xen_create(struct vrs_gmem *gm, struct vrs_swiotlb *sw, uint64_t seed,
		   struct vrs_xen **out);
void vrs_xen_destroy(struct vrs_xen *x);
/* Re-scramble with another seed (cheap enough per run: O(pages)). */
void vrs_xen_reseed(struct vrs_xen *x, uint64_t seed);

vrs_dma_addr_t vrs_xen_phys_to_bus(const struct vrs_xen *x, vrs_gpa_t gpa);
int vrs_xen_bus_to_phys(const struct vrs_xen *x, vrs_dma_addr_t addr,
			vrs_gpa_t *gpa);
/* True when [gpa, gpa+size) is contiguous in machine space. */
bool vrs_xen_machine_contiguous(const struct vrs_xen *x, vrs_gpa_t gpa,
				size_t size);

void vrs_xen_dma(struct vrs_xen *x, struct vrs_dma *out);
void vrs_xen_xlate(struct vrs_xen *x, struct vrs_xlate *out);

int vrs_xen_check(const struct vrs_xen *x);

#endif
