/* fuzz_linux_devsim: Linux on both ends, honest: the kernel's
 * virtio_ring.c driving the kernel's vringh (_iotlb flavour, the vhost
 * IOTLB fed from the IOMMU's maps and invalidations) with the model
 * devices on every platform; every oracle armed. */
#include "devtarget.h"

#ifndef VRSIM_FUZZ_NAME
#define VRSIM_FUZZ_NAME "fuzz_linux_devsim"
#endif

static int init(void)
{
	return vrs_linux_devtarget_init(VRSIM_FUZZ_NAME, VRS_ROLE_HONEST,
					VRS_DRIVER_LINUX);
}

static const struct vrs_fuzz_target target =
	VRS_FUZZ_SIM_TARGET(VRSIM_FUZZ_NAME, init);
VRS_FUZZ_TARGET(target);
