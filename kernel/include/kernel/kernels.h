/* Every Linux kernel this build compiled (kernel/CMakeLists.txt), for the
 * executables that run them side by side: vrsim matrix --driver linux and
 * the benchmark. Each kernel's symbols stay inside its own object; only
 * these entry points are visible. */
#ifndef VRSIM_KERNEL_KERNELS_H
#define VRSIM_KERNEL_KERNELS_H

#include "vrsim/device.h"
#include "vrsim/driver.h"

struct virtqueue;

struct vrs_linux_kernel {
	const char *version; /* "6.12": VERSION.PATCHLEVEL */
	const char *release; /* "6.12.117" */
	const struct vrs_driver_ops *(*ops)(void);
	struct virtqueue *(*virtqueue)(const struct vrs_driver_queue *q);
	/* Its vringh (NULL when the tree had none): _iotlb and _kern. */
	const struct vrs_device_ops *(*device)(void);
	const struct vrs_device_ops *(*device_kern)(void);
};

/* First source first (the plain-named fuzz targets' kernel); ends with a
 * zeroed entry. Only in executables linking vrsim_linux_all. */
extern const struct vrs_linux_kernel vrs_linux_kernels[];

#endif
