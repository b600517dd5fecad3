/* The targets vrsim_fuzz defines, by name: vrsim decode reads any of
 * their inputs. Its own object, so that only what names a target by
 * string links them all in. */
#include <errno.h>
#include <string.h>

#include "fuzz/target.h"

const struct vrs_fuzz_target *const vrs_fuzz_targets[] = {
	&vrs_fuzz_sim_target,	  &vrs_fuzz_driver_target,
	&vrs_fuzz_device_target,  &vrs_fuzz_swiotlb_target,
	&vrs_fuzz_iommu_target,	  NULL,
};

int vrs_fuzz_target_find(const char *name, const struct vrs_fuzz_target **t)
{
	for (unsigned i = 0; vrs_fuzz_targets[i]; i++) {
		if (strcmp(vrs_fuzz_targets[i]->name, name) == 0) {
			*t = vrs_fuzz_targets[i];
			return 0;
		}
	}
	return -ENOENT;
}
