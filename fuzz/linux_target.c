/* The Linux fuzz targets: one file, one executable per target, kernel
 * version and front end (fuzz/CMakeLists.txt), which names the target
 * with VRSIM_LINUX_TARGET and the name its messages give with
 * VRSIM_FUZZ_NAME (fuzz_linux_driver-6.1, or plain for the first kernel
 * source). The kernel's ring and vringh come from the kernel/ library
 * the executable links; this file registers them with the simulation
 * and starts the simulation target of the role.
 *
 * LINUX_DRIVER (fuzz_linux_driver): Linux's virtio_ring.c against the
 *   adversarial device (forged ids, heads that are not heads, lengths,
 *   wrap bits, descriptors rewritten between two reads); armed:
 *   dma-debug, DMA misuse, the API contract, kernel BUG/WARN and leaks.
 *   BAD_RING is the kernel refusing the device: a normal outcome here.
 * LINUX_SIM (fuzz_linux_sim): Linux's virtio_ring.c with honest model
 *   devices on every platform, the kernel deciding on the DMA API, fault
 *   injection; every oracle armed.
 * LINUX_DEVICE (fuzz_linux_device): Linux's vringh (drivers/vhost/
 *   vringh.c, _iotlb flavour, the vhost IOTLB mirroring the IOMMU)
 *   against vrsim's hostile driver writing raw ring memory: loops, nested
 *   and malformed indirect tables, out-of-range heads, chains longer than
 *   the queue, descriptors rewritten between reads. Armed: the spec's
 *   referee on what vringh accepts, its liveness, kernel BUG/WARN, the
 *   sanitizers; DMA faults are the hostile driver's doing here.
 * LINUX_DEVSIM (fuzz_linux_devsim): Linux on both ends, honest: the
 *   kernel's virtio_ring.c driving the kernel's vringh (_iotlb flavour,
 *   the vhost IOTLB fed from the IOMMU's maps and invalidations) with the
 *   model devices on every platform; every oracle armed. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "fuzz/simtarget.h"
#include "kernel/linux.h"
#include "sim/device_registry.h"
#include "vrsim/report.h"

#if !defined(VRSIM_LINUX_TARGET) || !defined(VRSIM_FUZZ_NAME)
#error "VRSIM_LINUX_TARGET and VRSIM_FUZZ_NAME come from fuzz/CMakeLists.txt"
#endif

enum { LINUX_DRIVER, LINUX_SIM, LINUX_DEVICE, LINUX_DEVSIM };

static const struct linux_role {
	enum vrs_input_role role;
	enum vrs_driver_id driver;
	bool vringh; /* Linux's vringh is the device side */
} roles[] = {
	[LINUX_DRIVER] = {VRS_ROLE_HOSTILE_DEV, VRS_DRIVER_LINUX, false},
	[LINUX_SIM] = {VRS_ROLE_HONEST, VRS_DRIVER_LINUX, false},
	[LINUX_DEVICE] = {VRS_ROLE_HOSTILE_DRV, VRS_DRIVER_VRSIM, true},
	[LINUX_DEVSIM] = {VRS_ROLE_HONEST, VRS_DRIVER_LINUX, true},
};

/* This kernel's vringh, under both its accessor flavours. */
static int register_vringh(void)
{
	const struct vrs_device_ops *dev = vrs_linux_device_ops();
	if (!dev) {
		fprintf(stderr, "%s: this kernel (%s) was built without "
				"drivers/vhost/vringh.c\n", VRSIM_FUZZ_NAME,
			vrs_linux_release);
		return -ENOENT;
	}
	int rc = vrs_device_side_register(VRS_DEVSIDE_LINUX, dev);
	return rc < 0 ? rc
		      : vrs_device_side_register(VRS_DEVSIDE_LINUX_KERN,
						 vrs_linux_device_kern_ops());
}

static int init(void)
{
	const struct linux_role *r = &roles[VRSIM_LINUX_TARGET];
	int rc = r->vringh ? register_vringh() : 0;
	if (rc == 0 && r->driver == VRS_DRIVER_LINUX)
		rc = vrs_driver_register(VRS_DRIVER_LINUX,
					 vrs_linux_driver_ops());
	if (rc < 0)
		return rc;
	if (r->vringh)
		vrs_input_set_device_side(VRS_DEVSIDE_LINUX);
	rc = vrs_fuzz_sim_init(VRSIM_FUZZ_NAME, r->role, r->driver);
	/* A translation of vringh's that no live IOMMU mapping grants is
	 * the kernel's, whatever the driver did (kernel/linux_device.c). */
	if (rc == 0 && r->vringh)
		vrs_report_set_armed(vrs_report_armed() |
				     VRS_FIND_BIT(VRS_FIND_STALE_IOTLB));
	return rc;
}

static const struct vrs_fuzz_target target =
	VRS_FUZZ_SIM_TARGET(VRSIM_FUZZ_NAME, init);
VRS_FUZZ_TARGET(target);
