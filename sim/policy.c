/* The DMA-use policies, each as its patch had it. */
#include "sim/policy.h"

#include "vrsim/driver.h"

#include <errno.h>
#include <string.h>

static const struct {
	const char *name, *summary;
} policies[VRS_POLICY_COUNT] = {
	[VRS_POLICY_NEVER] = {"never", "virtio never uses the DMA API (before 2016)"},
	[VRS_POLICY_QUIRK_2016] = {"quirk-2016", "DMA API iff ACCESS_PLATFORM, or on Xen (2016, seed 004)"},
	[VRS_POLICY_DIRECT_OPS_2018] = {"direct-ops-2018", "always the DMA API; direct GPA ops when !ACCESS_PLATFORM (2018 RFC, seed 002)"},
	[VRS_POLICY_DIRECT_OPS_2018_XEN] = {"direct-ops-2018-xen", "the 2018 RFC with its Xen fix (seed 000)"},
	[VRS_POLICY_PROTECTED_2020] = {"protected-2020", "quirk-2016, plus the DMA API when guest memory is protected (2020, seed 003)"},
	[VRS_POLICY_TODAY] = {"today", "quirk-2016, and refuse a device without ACCESS_PLATFORM on a protected guest"},
};

const char *vrs_policy_name(enum vrs_policy p)
{
	return (unsigned)p < VRS_POLICY_COUNT ? policies[p].name : "?";
}

const char *vrs_policy_summary(enum vrs_policy p)
{
	return (unsigned)p < VRS_POLICY_COUNT ? policies[p].summary : "?";
}

int vrs_policy_by_name(const char *name, enum vrs_policy *out)
{
	for (unsigned i = 0; name && i < VRS_POLICY_COUNT; i++) {
		if (strcmp(policies[i].name, name) == 0) {
			*out = (enum vrs_policy)i;
			return 0;
		}
	}
	return -ENOENT;
}

/* vring_use_dma_api() as of the 2016 quirk. */
static enum vrs_policy_decision quirk(const struct vrs_platform *plat, bool ap)
{
	if (ap)
		return VRS_USE_DMA_API;
	/* "enable the DMA API if we're a Xen guest" */
	return plat->xen_domain ? VRS_USE_DMA_API : VRS_USE_PHYS;
}

enum vrs_policy_decision vrs_policy_decide(enum vrs_policy p,
					   const struct vrs_platform *plat,
					   bool ap)
{
	switch (p) {
	case VRS_POLICY_NEVER:
		return VRS_USE_PHYS;
	case VRS_POLICY_QUIRK_2016:
		return quirk(plat, ap);
	case VRS_POLICY_DIRECT_OPS_2018:
	case VRS_POLICY_DIRECT_OPS_2018_XEN:
		if (ap)
			return VRS_USE_DMA_API;
		/* Patch 4's platform hook: the POWER ultravisor swaps in
		 * swiotlb ops after the override. */
		if (plat->id == VRS_PLAT_PPC_ULTRAVISOR)
			return VRS_USE_DMA_API;
		/* The Xen fix skips the override on Xen. */
		if (p == VRS_POLICY_DIRECT_OPS_2018_XEN && plat->xen_domain)
			return VRS_USE_DMA_API;
		return VRS_USE_PHYS;
	case VRS_POLICY_PROTECTED_2020:
		/* force_dma_unencrypted() */
		if (plat->protected_memory)
			return VRS_USE_DMA_API;
		return quirk(plat, ap);
	case VRS_POLICY_TODAY:
		/* virtio_features_ok(): restricted memory access needs AP */
		if (plat->protected_memory && !ap)
			return VRS_REFUSE;
		return quirk(plat, ap);
	case VRS_POLICY_COUNT:
		break;
	}
	return VRS_REFUSE;
}

bool vrs_platform_path_works(const struct vrs_platform *plat, bool ap,
			     enum vrs_policy_decision path)
{
	if (path == VRS_REFUSE)
		return false;
	bool iommu = vrs_platform_device_uses_iommu(plat, ap);
	if (path == VRS_USE_PHYS)
		/* GPAs work where the device reads GPAs of plain memory: not
		 * through an IOMMU, a p2m, a pool window, a dma-ranges offset
		 * or a shared alias (why those need ACCESS_PLATFORM). */
		return (plat->view == VRS_VIEW_GPA ||
			(plat->view == VRS_VIEW_IOMMU_IF_AP && !iommu)) &&
		       !plat->protected_memory;
	/* The DMA API works unless it hands out IOVAs to a device that
	 * reads GPAs (the Q35 / PPC / SPARC quirk) or GPAs to a device that
	 * translates. */
	bool api_iova = plat->dma == VRS_PLAT_DMA_IOMMU;
	return api_iova == iommu;
}

enum vrs_policy_decision vrs_driver_decision(const struct vrs_driver_ops *d,
					     uint64_t accepted,
					     const struct vrs_platform *plat)
{
	int rc = d->decide(accepted, plat->xen_domain, plat->restricted_mem_acc);
	return rc < 0 ? VRS_REFUSE : rc ? VRS_USE_DMA_API : VRS_USE_PHYS;
}
