/* fuzz_linux_device: Linux's vringh (drivers/vhost/vringh.c, _iotlb
 * flavour, the vhost IOTLB mirroring the IOMMU) against vrsim's hostile
 * driver writing raw ring memory: loops, nested and malformed indirect
 * tables, out-of-range heads, chains longer than the queue, descriptors
 * rewritten between reads. Armed: the spec's referee on what vringh
 * accepts, its liveness, kernel BUG/WARN, the sanitizers; DMA faults are
 * the hostile driver's doing here. */
#include "devtarget.h"

#ifndef VRSIM_FUZZ_NAME
#define VRSIM_FUZZ_NAME "fuzz_linux_device"
#endif

static int init(void)
{
	return vrs_linux_devtarget_init(VRSIM_FUZZ_NAME, VRS_ROLE_HOSTILE_DRV,
					VRS_DRIVER_VRSIM);
}

static const struct vrs_fuzz_target target =
	VRS_FUZZ_SIM_TARGET(VRSIM_FUZZ_NAME, init);
VRS_FUZZ_TARGET(target);
