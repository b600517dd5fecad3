/* A simulated IOMMU: an IOVA allocator, a 4 KiB two-level page table with
 * read/write permissions, and the device's IOTLB (ATS cache) with explicit
 * invalidation.
 *
 * Strict mode invalidates the device IOTLB on every unmap; lazy mode (Linux's
 * flush queue) defers it to vrs_iommu_flush(), which is exactly the window in
 * which a device can still reach a freed page through a stale entry. The
 * translator reports such a hit as stale so sim/ can flag it. */
#ifndef VRSIM_DMA_IOMMU_H
#define VRSIM_DMA_IOMMU_H

#include "vrsim/dma.h"
#include "vrsim/gmem.h"
#include "vrsim/xlate.h"

/* Device permissions on a page. */
#define VRS_IOMMU_READ 1u  /* the device may read (TO_DEVICE) */
#define VRS_IOMMU_WRITE 2u /* the device may write (FROM_DEVICE) */

struct vrs_iommu_config {
	vrs_dma_addr_t iova_base; /* first IOVA, page aligned, != 0 */
	size_t aperture;	  /* bytes of IOVA space, page multiple */
	unsigned iotlb_entries;	  /* device IOTLB size; 0 = no device cache */
	bool lazy;		  /* defer invalidation to vrs_iommu_flush() */
};

struct vrs_iommu_stats {
	uint64_t iotlb_hits, iotlb_misses, invalidations, stale_hits;
};

struct vrs_iommu;

int vrs_iommu_create(struct vrs_gmem *gm, const struct vrs_iommu_config *cfg,
		     struct vrs_iommu **out);
void vrs_iommu_destroy(struct vrs_iommu *io);
/* Forget every mapping and IOTLB entry; O(tables and entries touched). */
void vrs_iommu_reset(struct vrs_iommu *io);
/* Change strict/lazy between runs. */
void vrs_iommu_set_lazy(struct vrs_iommu *io, bool lazy);

/* Allocate IOVA space for [gpa, gpa+size) and map its pages with prot.
 * *iova keeps gpa's offset in the page. -ENOMEM when IOVA space is
 * exhausted, -EINVAL for bad arguments. */
int vrs_iommu_map_range(struct vrs_iommu *io, vrs_gpa_t gpa, size_t size,
			unsigned prot, vrs_dma_addr_t *iova);
/* Unmap and free what map_range returned (same iova and size); invalidates
 * the device IOTLB for the range unless lazy. -EINVAL if not mapped. */
int vrs_iommu_unmap_range(struct vrs_iommu *io, vrs_dma_addr_t iova,
			  size_t size);
/* Process deferred invalidations (lazy mode's flush queue). */
void vrs_iommu_flush(struct vrs_iommu *io);
/* Drop every device IOTLB entry (a global invalidation). */
void vrs_iommu_invalidate_all(struct vrs_iommu *io);

/* Page-table walk without the IOTLB; -ENOENT when unmapped. */
int vrs_iommu_lookup(const struct vrs_iommu *io, vrs_dma_addr_t iova,
		     vrs_gpa_t *gpa, unsigned *prot);
size_t vrs_iommu_mapped_pages(const struct vrs_iommu *io);
void vrs_iommu_get_stats(const struct vrs_iommu *io,
			 struct vrs_iommu_stats *st);

/* The DMA API on top (Linux's iommu-dma): prot from the direction,
 * coherent memory allocated from guest memory and mapped read-write. */
void vrs_iommu_dma(struct vrs_iommu *io, struct vrs_dma *out);
/* The device's view: IOTLB first, then a walk that fills it. */
void vrs_iommu_xlate(struct vrs_iommu *io, struct vrs_xlate *out);

/* The mappings as a device with its own IOTLB copy sees them (a vDPA
 * device's vhost IOTLB): each map, each invalidation (at unmap when
 * strict, at the flush when lazy) and a reset as one unmap of the whole
 * aperture. VRS_IOMMU_READ/WRITE are VRS_XLATE_PERM_READ/WRITE. */
const struct vrs_xlate_mappings *vrs_iommu_mappings(struct vrs_iommu *io);

/* Validity check: page table, allocator and IOTLB agree. 0 or -EINVAL. */
int vrs_iommu_check(const struct vrs_iommu *io);

#endif
