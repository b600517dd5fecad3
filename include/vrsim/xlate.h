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

#endif
