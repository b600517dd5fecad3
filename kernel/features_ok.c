/* virtio_features_ok(), the FEATURES_OK step of drivers/virtio/virtio.c,
 * re-implemented from each version's text (virtio.c is not compiled: the
 * rest of it is the driver core). The rule is the same in both:
 *   6.1.192  drivers/virtio/virtio.c:171-202
 *   6.12.117 drivers/virtio/virtio.c:204-235
 * If virtio_check_mem_acc_cb(dev) (set by SEV/TDX memory encryption set-up,
 * s390 PV and Xen grant set-ups: sim/platform.c restricted_mem_acc), the
 * device must offer VERSION_1 (-ENODEV, "device must provide
 * VIRTIO_F_VERSION_1") and ACCESS_PLATFORM (-ENODEV, "device must provide
 * VIRTIO_F_ACCESS_PLATFORM"); a legacy device then needs nothing more,
 * and a modern one gets FEATURES_OK, which vrsim's devices never refuse. */
#include <errno.h>

#include "contract.h"
#include "vrsim/virtio.h"

int kring_features_ok(uint64_t accepted, bool restricted_mem_acc)
{
	if (restricted_mem_acc) {
		if (!vrs_has_feature(accepted, VRS_F_VERSION_1))
			return -ENODEV;
		if (!vrs_has_feature(accepted, VRS_F_ACCESS_PLATFORM))
			return -ENODEV;
	}
	return 0;
}
