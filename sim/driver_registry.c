/* The registry of drivers under test. vrsim's ring is always there; the
 * Linux ring (kernel/) is built per kernel version into the executables
 * that want it, which register it before the first run. */
#include "sim/driver_registry.h"

#include <errno.h>
#include <string.h>

#include "vrsim/vq.h"

static const struct vrs_driver_ops *drivers[VRS_DRIVER_COUNT] = {
	[VRS_DRIVER_VRSIM] = &vrs_ring_driver,
};

int vrs_driver_register(enum vrs_driver_id id, const struct vrs_driver_ops *d)
{
	/* The fixed name is what inputs and --driver say: the ops agree. */
	if ((unsigned)id >= VRS_DRIVER_COUNT || id == VRS_DRIVER_VRSIM || !d ||
	    strcmp(d->name, vrs_driver_name(id)) != 0)
		return -EINVAL;
	drivers[id] = d;
	return 0;
}

const struct vrs_driver_ops *vrs_driver_get(enum vrs_driver_id id)
{
	return (unsigned)id < VRS_DRIVER_COUNT ? drivers[id] : NULL;
}

const char *vrs_driver_name(enum vrs_driver_id id)
{
	static const char *const fixed[VRS_DRIVER_COUNT] = {
		[VRS_DRIVER_VRSIM] = "vrsim",
		[VRS_DRIVER_LINUX] = "linux",
	};
	return (unsigned)id < VRS_DRIVER_COUNT ? fixed[id] : "?";
}

int vrs_driver_by_name(const char *name, enum vrs_driver_id *out)
{
	for (unsigned i = 0; name && i < VRS_DRIVER_COUNT; i++) {
		if (strcmp(vrs_driver_name((enum vrs_driver_id)i), name) == 0) {
			*out = (enum vrs_driver_id)i;
			return 0;
		}
	}
	return -ENOENT;
}
