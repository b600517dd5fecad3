/* The device sides under test the simulation can run, by name
 * (--device-side) and by a fixed number, as sim/driver_registry.h does
 * for the drivers under test. No input byte names one (the format is unchanged):
 * a fuzz target of one device side says so with vrs_input_set_device_side. */
#ifndef VRSIM_SIM_DEVICE_REGISTRY_H
#define VRSIM_SIM_DEVICE_REGISTRY_H

#include "vrsim/device.h"

enum vrs_device_side_id {
	VRS_DEVSIDE_VRSIM = 0,	 /* vrsim's own (ring/vqdev*.c) */
	VRS_DEVSIDE_LINUX,	 /* Linux's vringh under the vhost IOTLB
				  * (kernel/linux_device.c), if built in */
	VRS_DEVSIDE_LINUX_KERN,	 /* Linux's vringh, _kern accessors */
	VRS_DEVSIDE_COUNT,
};

/* Make a device side available under its fixed id (not vrsim's): 0 or
 * -EINVAL (an unknown id, or ops whose name is not the id's). */
int vrs_device_side_register(enum vrs_device_side_id id,
			     const struct vrs_device_ops *d);
/* NULL for an id this build does not have. */
const struct vrs_device_ops *vrs_device_side_get(enum vrs_device_side_id id);
/* The id's name, whether or not this build has the device side. */
const char *vrs_device_side_name(enum vrs_device_side_id id);
/* 0 and *out, or -ENOENT for an unknown name (known names resolve even
 * when this build lacks the device side: vrs_device_side_get says so). */
int vrs_device_side_by_name(const char *name, enum vrs_device_side_id *out);

#endif
