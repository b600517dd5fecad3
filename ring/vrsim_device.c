/* vrsim's device side behind the device-under-test interface
 * (vrsim/device.h): each call is the vrs_vqdev_* function of the same
 * name. The fields of struct vrs_vqdev_config for a device side that
 * translates by itself (mappings, phys, gm, bus_is_gpa) mean nothing
 * here: every access goes through cfg->bus. */
#include <errno.h>
#include <stdlib.h>

#include "vrsim/device.h"
#include "vrsim/guard.h"
#include "vrsim/virtio.h"

struct ring_device_queue {
	struct vrs_device_queue dq; /* first: the interface's view */
	struct vrs_vqdev *dev;
};

static struct vrs_vqdev *dev_of(const struct vrs_device_queue *d)
{
	return ((const struct ring_device_queue *)d)->dev;
}

struct vrs_vqdev *vrs_ring_device_vqdev(const struct vrs_device_queue *d)
{
	return d && d->ops == &vrs_ring_device ? dev_of(d) : NULL;
}

static int ring_dev_create(const struct vrs_vqdev_config *cfg,
			   struct vrs_device_queue **out)
{
	struct ring_device_queue *rq = calloc(1, sizeof(*rq));
	VRS_ENSURE(rq, ENOMEM);
	int rc = vrs_vqdev_create(cfg, &rq->dev);
	if (rc < 0) {
		free(rq);
		return rc;
	}
	rq->dq.ops = &vrs_ring_device;
	*out = &rq->dq;
	return 0;
}

static void ring_dev_destroy(struct vrs_device_queue *d)
{
	if (!d)
		return;
	vrs_vqdev_destroy(dev_of(d));
	free(d);
}

static int ring_dev_reset(struct vrs_device_queue *d,
			  const struct vrs_vqdev_config *cfg)
{
	return vrs_vqdev_reset(dev_of(d), cfg);
}

static int ring_dev_pop(struct vrs_device_queue *d, struct vrs_vqdev_req *req)
{
	return vrs_vqdev_pop(dev_of(d), req);
}

static int ring_dev_push(struct vrs_device_queue *d,
			 const struct vrs_vqdev_req *req, uint32_t len)
{
	return vrs_vqdev_push(dev_of(d), req, len);
}

static bool ring_dev_need_interrupt(struct vrs_device_queue *d)
{
	return vrs_vqdev_need_interrupt(dev_of(d));
}

static int ring_dev_set_kicks(struct vrs_device_queue *d, bool wanted)
{
	return vrs_vqdev_set_kicks(dev_of(d), wanted);
}

static void ring_dev_position(const struct vrs_device_queue *d,
			      struct vrs_vqdev_position *out)
{
	vrs_vqdev_position(dev_of(d), out);
}

static unsigned ring_dev_inflight(const struct vrs_device_queue *d)
{
	return vrs_vqdev_inflight(dev_of(d));
}

static bool ring_dev_needs_reset(const struct vrs_device_queue *d)
{
	return vrs_vqdev_needs_reset(dev_of(d));
}

static const char *ring_dev_error(const struct vrs_device_queue *d)
{
	return vrs_vqdev_error(dev_of(d));
}

static int ring_dev_check(const struct vrs_device_queue *d)
{
	return vrs_vqdev_check(dev_of(d));
}

const struct vrs_device_ops vrs_ring_device = {
	.name = "vrsim",
	.summary = "vrsim's own device side (ring/vqdev*.c): split and "
		   "packed, every feature",
	/* What vrs_ring_driver advertises: ring/vqdev*.c serves each. */
	.features = VRS_BIT(VRS_F_INDIRECT_DESC) | VRS_BIT(VRS_F_EVENT_IDX) |
		    VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_ACCESS_PLATFORM) |
		    VRS_BIT(VRS_F_RING_PACKED) | VRS_BIT(VRS_F_IN_ORDER) |
		    VRS_BIT(VRS_F_NOTIFICATION_DATA) |
		    VRS_BIT(VRS_F_RING_RESET),
	.legacy_big_endian = true,
	.create = ring_dev_create,
	.destroy = ring_dev_destroy,
	.reset = ring_dev_reset,
	.pop = ring_dev_pop,
	.push = ring_dev_push,
	.need_interrupt = ring_dev_need_interrupt,
	.set_kicks = ring_dev_set_kicks,
	.position = ring_dev_position,
	.inflight = ring_dev_inflight,
	.needs_reset = ring_dev_needs_reset,
	.error = ring_dev_error,
	.check = ring_dev_check,
};
