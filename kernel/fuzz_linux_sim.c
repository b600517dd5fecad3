/* fuzz_linux_sim: Linux's virtio_ring.c with honest model devices on every
 * platform, the kernel deciding on the DMA API, fault injection; every
 * oracle armed. */
#include "fuzz/simtarget.h"
#include "kernel/linux.h"

/* With the kernel version when the build names it (fuzz_linux_sim-6.1). */
#ifndef VRSIM_FUZZ_NAME
#define VRSIM_FUZZ_NAME "fuzz_linux_sim"
#endif

static int init(void)
{
	int rc = vrs_driver_register(VRS_DRIVER_LINUX, vrs_linux_driver_ops());
	return rc < 0 ? rc
		      : vrs_fuzz_sim_init(VRSIM_FUZZ_NAME, VRS_ROLE_HONEST,
					  VRS_DRIVER_LINUX);
}

static const struct vrs_fuzz_target target =
	VRS_FUZZ_SIM_TARGET(VRSIM_FUZZ_NAME, init);
VRS_FUZZ_TARGET(target);
