/* The Linux device side's fuzz targets (fuzz_linux_device*.c): register
 * this kernel's vringh (and its ring, for Linux on both ends) and start
 * the simulation target of the role. */
#ifndef VRSIM_KERNEL_DEVTARGET_H
#define VRSIM_KERNEL_DEVTARGET_H

#include <errno.h>
#include <stdio.h>

#include "fuzz/simtarget.h"
#include "kernel/linux.h"
#include "sim/devsides.h"
#include "vrsim/report.h"

static inline int vrs_linux_devtarget_init(const char *name,
					   enum vrs_input_role role,
					   enum vrs_driver_id driver)
{
	const struct vrs_device_ops *dev = vrs_linux_device_ops();
	if (!dev) {
		fprintf(stderr, "%s: this kernel (%s) was built without "
				"drivers/vhost/vringh.c\n", name,
			vrs_linux_release);
		return -ENOENT;
	}
	int rc = vrs_device_side_register(VRS_DEVSIDE_LINUX, dev);
	if (rc == 0)
		rc = vrs_device_side_register(VRS_DEVSIDE_LINUX_KERN,
					      vrs_linux_device_kern_ops());
	if (rc == 0 && driver == VRS_DRIVER_LINUX)
		rc = vrs_driver_register(VRS_DRIVER_LINUX,
					 vrs_linux_driver_ops());
	if (rc < 0)
		return rc;
	vrs_input_set_device_side(VRS_DEVSIDE_LINUX);
	rc = vrs_fuzz_sim_init(name, role, driver);
	/* A translation of vringh's that no live IOMMU mapping grants is
	 * the kernel's, whatever the driver did (kernel/device.c). */
	if (rc == 0)
		vrs_report_set_armed(vrs_report_armed() |
				     VRS_FIND_BIT(VRS_FIND_STALE_IOTLB));
	return rc;
}

#endif
