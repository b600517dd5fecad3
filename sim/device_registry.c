/* The registry of device sides under test. vrsim's is always there; the
 * Linux ones (kernel/) are built per kernel version into the executables
 * that want them, which register them before the first run. */
#include "sim/device_registry.h"

#include <errno.h>
#include <string.h>

static const struct vrs_device_ops *sides[VRS_DEVSIDE_COUNT] = {
	[VRS_DEVSIDE_VRSIM] = &vrs_ring_device,
};

int vrs_device_side_register(enum vrs_device_side_id id,
			     const struct vrs_device_ops *d)
{
	/* The fixed name is what --device-side says: the ops agree. */
	if ((unsigned)id >= VRS_DEVSIDE_COUNT || id == VRS_DEVSIDE_VRSIM ||
	    !d || !d->name || strcmp(d->name, vrs_device_side_name(id)) != 0)
		return -EINVAL;
	sides[id] = d;
	return 0;
}

const struct vrs_device_ops *vrs_device_side_get(enum vrs_device_side_id id)
{
	return (unsigned)id < VRS_DEVSIDE_COUNT ? sides[id] : NULL;
}

const char *vrs_device_side_name(enum vrs_device_side_id id)
{
	static const char *const fixed[VRS_DEVSIDE_COUNT] = {
		[VRS_DEVSIDE_VRSIM] = "vrsim",
		[VRS_DEVSIDE_LINUX] = "linux",
		[VRS_DEVSIDE_LINUX_KERN] = "linux-kern",
	};
	return (unsigned)id < VRS_DEVSIDE_COUNT ? fixed[id] : "?";
}

int vrs_device_side_by_name(const char *name, enum vrs_device_side_id *out)
{
	for (unsigned i = 0; name && i < VRS_DEVSIDE_COUNT; i++) {
		if (strcmp(vrs_device_side_name((enum vrs_device_side_id)i),
			   name) == 0) {
			*out = (enum vrs_device_side_id)i;
			return 0;
		}
	}
	return -ENOENT;
}
