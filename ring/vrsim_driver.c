/* vrsim's ring behind the driver-under-test interface (vrsim/driver.h):
 * each call is the vrs_vq_* function of the same name. */
#include <errno.h>
#include <stdlib.h>

#include "vrsim/guard.h"
#include "vrsim/virtio.h"
#include "vrsim/vq.h"

struct ring_queue {
	struct vrs_driver_queue dq; /* first: the interface's view */
	struct vrs_vq *vq;
};

static struct vrs_vq *vq_of(const struct vrs_driver_queue *q)
{
	return ((const struct ring_queue *)q)->vq;
}

struct vrs_vq *vrs_ring_driver_vq(const struct vrs_driver_queue *q)
{
	return q && q->ops == &vrs_ring_driver ? vq_of(q) : NULL;
}

static int ring_create(const struct vrs_driver_queue_config *cfg,
		       struct vrs_driver_queue **out)
{
	struct ring_queue *rq = calloc(1, sizeof(*rq));
	VRS_ENSURE(rq, ENOMEM);
	int rc = vrs_vq_create(cfg, &rq->vq);
	if (rc < 0) {
		free(rq);
		return rc;
	}
	rq->dq.ops = &vrs_ring_driver;
	*out = &rq->dq;
	return 0;
}

static void ring_destroy(struct vrs_driver_queue *q)
{
	if (!q)
		return;
	vrs_vq_destroy(vq_of(q));
	free(q);
}

static void ring_shutdown(struct vrs_driver_queue *q)
{
	vrs_vq_shutdown(vq_of(q));
}

static int ring_restart(struct vrs_driver_queue *q,
			const struct vrs_driver_queue_config *cfg)
{
	return vrs_vq_restart(vq_of(q), cfg);
}

static int ring_add(struct vrs_driver_queue *q, const struct vrs_sg *sg,
		    unsigned out, unsigned in, void *token)
{
	return vrs_vq_add(vq_of(q), sg, out, in, token);
}

static bool ring_kick(struct vrs_driver_queue *q)
{
	return vrs_vq_kick(vq_of(q));
}

static int ring_get_buf(struct vrs_driver_queue *q, uint32_t *len,
			void **token)
{
	return vrs_vq_get_buf(vq_of(q), len, token);
}

static void ring_disable_cb(struct vrs_driver_queue *q)
{
	vrs_vq_disable_cb(vq_of(q));
}

static bool ring_enable_cb(struct vrs_driver_queue *q)
{
	return vrs_vq_enable_cb(vq_of(q));
}

static int ring_detach_unused(struct vrs_driver_queue *q, void **token)
{
	return vrs_vq_detach_unused(vq_of(q), token);
}

static int ring_reset(struct vrs_driver_queue *q, unsigned new_num)
{
	return vrs_vq_reset(vq_of(q), new_num);
}

static unsigned ring_num(const struct vrs_driver_queue *q)
{
	return vrs_vq_num(vq_of(q));
}

static void ring_addrs(const struct vrs_driver_queue *q,
		       struct vrs_vq_addrs *out)
{
	vrs_vq_addrs(vq_of(q), out);
}

static bool ring_broken(const struct vrs_driver_queue *q)
{
	return vrs_vq_broken(vq_of(q));
}

static const char *ring_broken_reason(const struct vrs_driver_queue *q)
{
	return vrs_vq_broken_reason(vq_of(q));
}

static int ring_check(const struct vrs_driver_queue *q)
{
	return vrs_vq_check(vq_of(q));
}

static void *ring_memory(const struct vrs_driver_queue *q, size_t *size)
{
	return vrs_vq_ring(vq_of(q), size);
}

const struct vrs_driver_ops vrs_ring_driver = {
	.name = "vrsim",
	.summary = "vrsim's own ring (ring/): split and packed, every feature",
	.features = VRS_BIT(VRS_F_INDIRECT_DESC) | VRS_BIT(VRS_F_EVENT_IDX) |
		    VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_ACCESS_PLATFORM) |
		    VRS_BIT(VRS_F_RING_PACKED) | VRS_BIT(VRS_F_IN_ORDER) |
		    VRS_BIT(VRS_F_NOTIFICATION_DATA) |
		    VRS_BIT(VRS_F_RING_RESET),
	.create = ring_create,
	.destroy = ring_destroy,
	.shutdown = ring_shutdown,
	.restart = ring_restart,
	.add = ring_add,
	.kick = ring_kick,
	.get_buf = ring_get_buf,
	.disable_cb = ring_disable_cb,
	.enable_cb = ring_enable_cb,
	.detach_unused = ring_detach_unused,
	.reset = ring_reset,
	.num = ring_num,
	.addrs = ring_addrs,
	.broken = ring_broken,
	.broken_reason = ring_broken_reason,
	.check = ring_check,
	.ring = ring_memory,
};
