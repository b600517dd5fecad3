/* The drivers under test the simulation can run, by name (--driver) and by
 * a fixed number (the fuzz input's driver byte, so an input means the same
 * driver in every build). */
#ifndef VRSIM_SIM_DRIVERS_H
#define VRSIM_SIM_DRIVERS_H

#include "vrsim/driver.h"

enum vrs_driver_id {
	VRS_DRIVER_VRSIM = 0, /* vrsim's own ring */
	VRS_DRIVER_COUNT,
};

/* NULL for an id this build does not have. */
const struct vrs_driver_ops *vrs_driver_get(enum vrs_driver_id id);
const char *vrs_driver_name(enum vrs_driver_id id);
/* 0 and *out, or -ENOENT for an unknown name. */
int vrs_driver_by_name(const char *name, enum vrs_driver_id *out);

#endif
