/* The registry of drivers under test. */
#include "sim/drivers.h"

#include <errno.h>
#include <string.h>

#include "vrsim/vq.h"

static const struct vrs_driver_ops *const drivers[VRS_DRIVER_COUNT] = {
	[VRS_DRIVER_VRSIM] = &vrs_ring_driver,
};

const struct vrs_driver_ops *vrs_driver_get(enum vrs_driver_id id)
{
	return (unsigned)id < VRS_DRIVER_COUNT ? drivers[id] : NULL;
}

const char *vrs_driver_name(enum vrs_driver_id id)
{
	const struct vrs_driver_ops *d = vrs_driver_get(id);
	return d ? d->name : "?";
}

int vrs_driver_by_name(const char *name, enum vrs_driver_id *out)
{
	for (unsigned i = 0; name && i < VRS_DRIVER_COUNT; i++) {
		if (drivers[i] && strcmp(drivers[i]->name, name) == 0) {
			*out = (enum vrs_driver_id)i;
			return 0;
		}
	}
	return -ENOENT;
}
