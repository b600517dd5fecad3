/* Whether the virtio driver uses the DMA API: the policies the seeds argue
 * about, selectable per run (docs/design.md section 5). */
#ifndef VRSIM_SIM_POLICY_H
#define VRSIM_SIM_POLICY_H

#include "sim/platform.h"

enum vrs_policy {
	VRS_POLICY_NEVER = 0,	    /* before 2016: always physical addresses */
	VRS_POLICY_QUIRK_2016,	    /* seed 004: DMA API iff ACCESS_PLATFORM, or Xen */
	VRS_POLICY_DIRECT_OPS_2018, /* seeds 000/002 RFC: direct ops when !AP */
	VRS_POLICY_DIRECT_OPS_2018_XEN, /* the same with the Xen fix (seed 000) */
	VRS_POLICY_PROTECTED_2020,  /* seed 003: also when memory is protected */
	VRS_POLICY_TODAY,	    /* refuse a device without AP on a protected guest */
	VRS_POLICY_COUNT,
};

enum vrs_policy_decision {
	VRS_USE_DMA_API, /* the platform's DMA API */
	VRS_USE_PHYS,	 /* physical addresses (virt_to_phys / direct ops) */
	VRS_REFUSE,	 /* the driver fails FEATURES_OK */
};

const char *vrs_policy_name(enum vrs_policy p);
const char *vrs_policy_summary(enum vrs_policy p);
int vrs_policy_by_name(const char *name, enum vrs_policy *out);

/* access_platform: the feature was negotiated. */
enum vrs_policy_decision vrs_policy_decide(enum vrs_policy p,
					   const struct vrs_platform *plat,
					   bool access_platform);

/* What a driver that decides for itself (vrsim/driver.h, decide) does
 * with these negotiated features on this platform. */
struct vrs_driver_ops;
enum vrs_policy_decision vrs_driver_decision(const struct vrs_driver_ops *d,
					     uint64_t accepted,
					     const struct vrs_platform *plat);

/* What the seeds say about a path on a platform, independent of the
 * simulation: true when a driver taking that path and an honest device
 * should work. Tests and the honest sweep use it to know what must be
 * clean. */
bool vrs_platform_path_works(const struct vrs_platform *plat,
			     bool access_platform,
			     enum vrs_policy_decision path);

#endif
