/* Device-side address translation: what a bus address means to the device.
 *
 * Each DMA backend in dma/ that changes addresses (iommu, xen, direct with an
 * offset) also exports a translator, and sim/ composes the device's bus from
 * the platform's translator, the encryption check and guest memory. A
 * translation returns the GPA and how many bytes from there are contiguous;
 * the bus walks a longer access piece by piece. */
#ifndef VRSIM_XLATE_H
#define VRSIM_XLATE_H

#include "vrsim/types.h"

/* Why a translation failed; sim/ turns each into a DMA-fault event. */
enum vrs_xlate_fault {
	VRS_XLATE_OK = 0,
	VRS_XLATE_UNMAPPED,	/* no translation for this bus address */
	VRS_XLATE_NO_READ,	/* mapped, but not readable */
	VRS_XLATE_NO_WRITE,	/* mapped, but not writable */
	VRS_XLATE_OUTSIDE,	/* resulting GPA outside guest memory */
	VRS_XLATE_FAULT_COUNT,
};

const char *vrs_xlate_fault_name(enum vrs_xlate_fault fault);

struct vrs_xlate_result {
	vrs_gpa_t gpa;
	size_t contiguous;		/* bytes valid from gpa on, >= 1 */
	bool stale;			/* served by a stale device-IOTLB entry */
};

struct vrs_xlate {
	/* Returns VRS_XLATE_OK and fills *res, or a fault. */
	enum vrs_xlate_fault (*translate)(void *ctx, vrs_dma_addr_t addr,
					  bool write,
					  struct vrs_xlate_result *res);
	void *ctx;
};

/* A device that keeps its own copy of the translations (a vDPA device's
 * vhost IOTLB) is told of every mapping and of every invalidation: the
 * moment the device must stop using it (at unmap when strict, at the
 * flush when lazy). perm: VRS_XLATE_PERM_*. */
#define VRS_XLATE_PERM_READ 1u
#define VRS_XLATE_PERM_WRITE 2u

struct vrs_xlate_listener {
	void (*map)(void *ctx, vrs_dma_addr_t iova, vrs_gpa_t gpa, size_t size,
		    unsigned perm);
	void (*unmap)(void *ctx, vrs_dma_addr_t iova, size_t size);
	void *ctx;
};

struct vrs_xlate_mappings {
	/* on: call l->map for each live mapping, then l on every change;
	 * off: no more (the listener of the same l->ctx). Each queue of a
	 * device keeps its own copy, so several listen at once. */
	void (*watch)(void *ctx, const struct vrs_xlate_listener *l, bool on);
	void *ctx;
};

#endif
