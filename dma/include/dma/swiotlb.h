/* SWIOTLB: bounce buffers in a pool of shared memory, as Linux's
 * kernel/dma/swiotlb.c. 2 KiB slots in 128-slot segments; a mapping never
 * crosses a segment; slot choice keeps the bits of the original address that
 * the device's min_align_mask covers; exhaustion is a mapping error.
 *
 * Copy semantics are Linux's since the CVE-2022-0854 fix: map always copies
 * the original into the slot (so a FROM_DEVICE buffer the device only
 * partly writes never exposes a previous user's data); unmap and
 * sync_for_cpu copy back for FROM_DEVICE and BIDIRECTIONAL; sync_for_device
 * copies out for TO_DEVICE and BIDIRECTIONAL; a partial sync at an offset
 * copies just the matching range. */
#ifndef VRSIM_DMA_SWIOTLB_H
#define VRSIM_DMA_SWIOTLB_H

#include "vrsim/gmem.h"

#define VRS_SWIOTLB_SLOT_SHIFT 11u
#define VRS_SWIOTLB_SLOT_SIZE (1u << VRS_SWIOTLB_SLOT_SHIFT)
#define VRS_SWIOTLB_SEGMENT_SLOTS 128u
/* Largest single mapping: one whole segment (Linux: IO_TLB_SEGSIZE slots). */
#define VRS_SWIOTLB_MAX_MAPPING                                                \
	((size_t)VRS_SWIOTLB_SLOT_SIZE * VRS_SWIOTLB_SEGMENT_SLOTS)

struct vrs_swiotlb;

/* Reserve a pool of pool_bytes (a multiple of one segment) at the top of
 * guest memory. Done once per process; the pool survives gmem resets. */
int vrs_swiotlb_create(struct vrs_gmem *gm, size_t pool_bytes,
		       struct vrs_swiotlb **out);
void vrs_swiotlb_destroy(struct vrs_swiotlb *sw);

/* Free every slot; cost is O(slots in the pool), a few hundred bytes. */
void vrs_swiotlb_reset(struct vrs_swiotlb *sw);

/* The device's dma_get_min_align_mask(); 0 when the device has none. */
void vrs_swiotlb_set_min_align_mask(struct vrs_swiotlb *sw, uint64_t mask);

vrs_gpa_t vrs_swiotlb_pool_start(const struct vrs_swiotlb *sw);
size_t vrs_swiotlb_pool_size(const struct vrs_swiotlb *sw);
bool vrs_swiotlb_owns(const struct vrs_swiotlb *sw, vrs_gpa_t gpa);
size_t vrs_swiotlb_slots_used(const struct vrs_swiotlb *sw);
size_t vrs_swiotlb_max_mapping_size(const struct vrs_swiotlb *sw);

/* Bounce [orig, orig+size) into the pool; *tlb is the bounce address whose
 * low bits under min_align_mask equal orig's. -ENOMEM when no room (the
 * caller turns that into a mapping error), -EINVAL for a size of 0 or above
 * the maximum, or orig outside guest memory. */
int vrs_swiotlb_map(struct vrs_swiotlb *sw, vrs_gpa_t orig, size_t size,
		    enum vrs_dma_dir dir, vrs_gpa_t *tlb);
/* Copy back (FROM_DEVICE, BIDIRECTIONAL) and free the slots. tlb must be
 * what map returned; size larger than the mapping is reported
 * (VRS_FIND_DMA_MISUSE) and clamped. -EINVAL for an address that is not a
 * live mapping. */
int vrs_swiotlb_unmap(struct vrs_swiotlb *sw, vrs_gpa_t tlb, size_t size,
		      enum vrs_dma_dir dir);
/* tlb may point anywhere inside a live mapping (a partial sync). */
int vrs_swiotlb_sync_for_cpu(struct vrs_swiotlb *sw, vrs_gpa_t tlb,
			     size_t size, enum vrs_dma_dir dir);
int vrs_swiotlb_sync_for_device(struct vrs_swiotlb *sw, vrs_gpa_t tlb,
				size_t size, enum vrs_dma_dir dir);

/* Pool allocation without an original (restricted DMA pool coherent
 * memory): slots come zeroed. */
int vrs_swiotlb_alloc(struct vrs_swiotlb *sw, size_t size, vrs_gpa_t *out);
int vrs_swiotlb_free(struct vrs_swiotlb *sw, vrs_gpa_t gpa, size_t size);

/* Validity check: slot bookkeeping consistent. 0 or -EINVAL. */
int vrs_swiotlb_check(const struct vrs_swiotlb *sw);

#endif
