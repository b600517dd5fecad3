/* The drivers under test the simulation can run, by name (--driver) and by
 * a fixed number (the fuzz input's driver byte, so an input means the same
 * driver in every build). */
#ifndef VRSIM_SIM_DRIVER_REGISTRY_H
#define VRSIM_SIM_DRIVER_REGISTRY_H

#include "vrsim/driver.h"

enum vrs_driver_id {
	VRS_DRIVER_VRSIM = 0, /* vrsim's own ring */
	VRS_DRIVER_LINUX,     /* Linux's virtio_ring.c (kernel/), if built in */
	VRS_DRIVER_COUNT,
};

/* Make a driver available under its fixed id (not vrsim's): 0 or
 * -EINVAL. An executable linking a Linux ring registers it at start. */
int vrs_driver_register(enum vrs_driver_id id, const struct vrs_driver_ops *d);
/* NULL for an id this build does not have. */
const struct vrs_driver_ops *vrs_driver_get(enum vrs_driver_id id);
/* The id's name, whether or not this build has the driver. */
const char *vrs_driver_name(enum vrs_driver_id id);
/* 0 and *out, or -ENOENT for an unknown name (known names resolve even
 * when this build lacks the driver: vrs_driver_get says so). */
int vrs_driver_by_name(const char *name, enum vrs_driver_id *out);

#endif
