/* The device side under test: the code that parses a driver's ring.
 *
 * sim/ reaches a device side only through this table, as it reaches a
 * driver through vrsim/driver.h, so the model devices (blk, net,
 * adversarial), the referee and every oracle meet any ring parser alike:
 * vrsim's own (ring/vqdev*.c, vrs_ring_device) and Linux's vringh
 * (kernel/linux_device.c, drivers/vhost/vringh.c under the vhost IOTLB). The
 * calls are vrsim/vqdev.h's one for one; a request's iov entries are bus
 * addresses the model devices reach through the bus.
 *
 * An implementation embeds struct vrs_device_queue first in its own
 * queue object. */
#ifndef VRSIM_DEVICE_H
#define VRSIM_DEVICE_H

#include "vrsim/vqdev.h"

struct vrs_device_queue {
	const struct vrs_device_ops *ops;
};

struct vrs_device_ops {
	const char *name; /* what --device-side takes */
	const char *summary;
	/* The ring feature bits it can serve (vringh: no RING_PACKED). */
	uint64_t features;
	/* Whether it reads a big-endian guest's legacy ring (vringh reads a
	 * legacy ring in the host's order: it has no VHOST_SET_VRING_ENDIAN). */
	bool legacy_big_endian;

	int (*create)(const struct vrs_vqdev_config *cfg,
		      struct vrs_device_queue **out);
	void (*destroy)(struct vrs_device_queue *d);
	/* Re-read the configuration (queue reset or resize, a new run). */
	int (*reset)(struct vrs_device_queue *d,
		     const struct vrs_vqdev_config *cfg);
	/* As vrs_vqdev_pop: 0, -EAGAIN none, -EPROTO refused (see error),
	 * -EFAULT the bus refused an access, -ENOSPC iov_cap too small. */
	int (*pop)(struct vrs_device_queue *d, struct vrs_vqdev_req *req);
	int (*push)(struct vrs_device_queue *d,
		    const struct vrs_vqdev_req *req, uint32_t len);
	bool (*need_interrupt)(struct vrs_device_queue *d);
	int (*set_kicks)(struct vrs_device_queue *d, bool wanted);
	void (*position)(const struct vrs_device_queue *d,
			 struct vrs_vqdev_position *out);
	unsigned (*inflight)(const struct vrs_device_queue *d);
	bool (*needs_reset)(const struct vrs_device_queue *d);
	const char *(*error)(const struct vrs_device_queue *d);
	/* Validity check of its own state: 0 or -EINVAL (NULL: none). */
	int (*check)(const struct vrs_device_queue *d);
};

/* vrsim's own device side (ring/vqdev*.c). */
extern const struct vrs_device_ops vrs_ring_device;
/* Its vrsim/vqdev.h queue, for tests and benchmarks that look inside;
 * NULL when d is another device side's (as vrs_ring_driver_vq). */
struct vrs_vqdev *vrs_ring_device_vqdev(const struct vrs_device_queue *d);

#endif
