/* fuzz_linux_sim: Linux's virtio_ring.c with honest model devices on every
 * platform, the kernel deciding on the DMA API, fault injection; every
 * oracle armed. */
#include "fuzz/simtarget.h"
#include "kernel/linux.h"

static int init(void)
{
	int rc = vrs_driver_register(VRS_DRIVER_LINUX, vrs_linux_driver_ops());
	return rc < 0 ? rc
		      : vrs_fuzz_sim_init("fuzz_linux_sim", VRS_ROLE_HONEST,
					  VRS_DRIVER_LINUX);
}

static const struct vrs_fuzz_target target =
	VRS_FUZZ_SIM_TARGET("fuzz_linux_sim", init);
VRS_FUZZ_TARGET(target);
