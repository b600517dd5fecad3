/* fuzz_linux_driver: Linux's virtio_ring.c against the adversarial device
 * (forged ids, heads that are not heads, lengths, wrap bits, descriptors
 * rewritten between two reads); armed: dma-debug, DMA misuse, the API
 * contract, kernel BUG/WARN and leaks. BAD_RING is the kernel refusing
 * the device: a normal outcome here. */
#include "fuzz/simtarget.h"
#include "kernel/linux.h"

/* With the kernel version when the build names it (fuzz_linux_driver-6.1). */
#ifndef VRSIM_FUZZ_NAME
#define VRSIM_FUZZ_NAME "fuzz_linux_driver"
#endif

static int init(void)
{
	int rc = vrs_driver_register(VRS_DRIVER_LINUX, vrs_linux_driver_ops());
	return rc < 0 ? rc
		      : vrs_fuzz_sim_init(VRSIM_FUZZ_NAME,
					  VRS_ROLE_HOSTILE_DEV, VRS_DRIVER_LINUX);
}

static const struct vrs_fuzz_target target =
	VRS_FUZZ_SIM_TARGET(VRSIM_FUZZ_NAME, init);
VRS_FUZZ_TARGET(target);
