/* The driver under test: the ring code whose queues the simulation drives.
 *
 * sim/ reaches a driver only through this table, so any ring that fits
 * behind it meets the same model devices, platforms, scheduler and
 * oracles. vrsim's own ring (ring/vrsim_driver.c) is the first implementation;
 * Linux's virtio_ring.c, whose API wants struct scatterlist, tokens and
 * callbacks, is meant to be the second: the calls mirror Linux's
 * virtqueue_* functions one for one, buffers are described as an array of
 * out then in segments (one scatterlist chain each for add_sgs), a token
 * is any non-NULL pointer handed back once, and notify is the callback a
 * transport gives vring_create_virtqueue().
 *
 * An implementation embeds struct vrs_driver_queue first in its own
 * queue object (as Linux's vring_virtqueue embeds struct virtqueue). */
#ifndef VRSIM_DRIVER_H
#define VRSIM_DRIVER_H

#include "vrsim/dma.h"
#include "vrsim/kmem.h"

/* One segment of a buffer: guest memory by its kernel virtual address. */
struct vrs_sg {
	void *buf;    /* kernel virtual address in guest memory */
	uint32_t len; /* > 0 */
};

/* The bus addresses the device is told (queue_desc/driver/device). */
struct vrs_vq_addrs {
	vrs_dma_addr_t desc, driver, device;
};

/* What creating one queue needs: what the transport and the device
 * negotiated, the DMA API (the platform's, or the physical path when
 * the driver bypasses it) and the driver's allocator. */
struct vrs_driver_queue_config {
	unsigned index;		/* queue index, for NOTIFICATION_DATA */
	unsigned num;		/* split: power of two; packed: any; <= 32768 */
	uint64_t features;	/* negotiated: RING_PACKED picks the layout */
	bool big_endian_guest;	/* legacy rings use the guest's byte order */
	const struct vrs_dma *dma;
	const struct vrs_kmem *kmem;
	/* The kick: data is the NOTIFICATION_DATA value (queue index in the
	 * low 16 bits, next avail index and wrap in the high 16). */
	void (*notify)(void *ctx, uint32_t data);
	void *notify_ctx;
	/* For a driver that decides on the DMA API itself, as Linux's
	 * vring_use_dma_api() does: the physical path (virt_to_phys, the
	 * machine's GPA view) beside the DMA API, and the platform's answer
	 * to xen_domain(). NULL phys: the driver has only dma. */
	const struct vrs_dma *phys;
	bool xen_domain;
	/* For a driver with several ways to make one call (Linux's add_sgs,
	 * add_outbuf, add_inbuf_ctx, ...): the input's pick, one byte at a
	 * time, 0 once the input has run out. NULL: always the first way. */
	uint8_t (*choose)(void *ctx);
	void *choose_ctx;
	/* The device is honest: what it reports may be held to the spec
	 * (used lengths within what was offered). */
	bool device_honest;
	/* Where the ring's indices start (vrs_packed_start in
	 * vrsim/virtio.h), on every set-up: create, restart and reset. The
	 * device is told the same. */
	uint16_t start;
};

struct vrs_driver_queue {
	const struct vrs_driver_ops *ops;
};

struct vrs_driver_ops {
	const char *name;	/* what --driver takes */
	const char *summary;
	/* The ring and transport feature bits the driver can negotiate. */
	uint64_t features;

	/* A queue on a fresh ring. */
	int (*create)(const struct vrs_driver_queue_config *cfg,
		      struct vrs_driver_queue **out);
	/* Free the ring, every mapping still held and the queue itself. */
	void (*destroy)(struct vrs_driver_queue *q);
	/* What destroy does to the ring and its mappings, keeping the
	 * queue's host memory for restart, so a harness running one queue
	 * per input allocates nothing per input; a driver that cannot keep
	 * it may free and allocate. The queue is unusable until restart. */
	void (*shutdown)(struct vrs_driver_queue *q);
	/* Start over as create(cfg) would. On failure the queue stays
	 * unusable (broken) but may still be destroyed. */
	int (*restart)(struct vrs_driver_queue *q,
		       const struct vrs_driver_queue_config *cfg);

	/* virtqueue_add_sgs: out readable segments then in writable ones as
	 * one buffer. 0; -ENOSPC no room; -ENOMEM a mapping or allocation
	 * failed (everything undone); -EINVAL bad arguments; -EIO broken. */
	int (*add)(struct vrs_driver_queue *q, const struct vrs_sg *sg,
		   unsigned out, unsigned in, void *token);
	/* virtqueue_kick: publish, and notify if the device wants it;
	 * returns whether it notified. */
	bool (*kick)(struct vrs_driver_queue *q);
	/* virtqueue_get_buf: 0 with *token and *len (bytes the device
	 * wrote), -EAGAIN when none, -EIO when broken. */
	int (*get_buf)(struct vrs_driver_queue *q, uint32_t *len, void **token);
	void (*disable_cb)(struct vrs_driver_queue *q);
	/* false when buffers are already pending: the caller polls again. */
	bool (*enable_cb)(struct vrs_driver_queue *q);
	/* virtqueue_detach_unused_buf: one buffer the device never used, 0
	 * or -ENOENT; works on a broken queue too. */
	int (*detach_unused)(struct vrs_driver_queue *q, void **token);
	/* virtqueue_reset / virtqueue_resize: every buffer detached first;
	 * the ring starts over with new_num entries. */
	int (*reset)(struct vrs_driver_queue *q, unsigned new_num);

	unsigned (*num)(const struct vrs_driver_queue *q);
	void (*addrs)(const struct vrs_driver_queue *q,
		      struct vrs_vq_addrs *out);
	bool (*broken)(const struct vrs_driver_queue *q);
	/* Why it is broken ("" when it is not). */
	const char *(*broken_reason)(const struct vrs_driver_queue *q);
	/* Validity check of the driver's own state: 0 or -EINVAL. NULL when
	 * the driver has none to offer. */
	int (*check)(const struct vrs_driver_queue *q);
	/* Why the last check failed, in the driver's own words ("free list
	 * loops at 5"); NULL, or "", when it cannot say. */
	const char *(*check_reason)(const struct vrs_driver_queue *q);
	/* The state check() judges is a kernel's, which the kernel builds in
	 * part from what it reads back from device-writable memory (Linux's
	 * detach_buf_split follows the NEXT flags of the shared descriptor
	 * table), so a device can make it fail: the simulation reports a
	 * failure as the kernel's (kernel-state-corrupt, with
	 * check_reason), never as a vrsim protocol violation. */
	bool kernel_state;
	/* The ring memory (CPU view) and its size, for the hostile driver
	 * of fuzz_device that writes rings by hand; NULL when the driver
	 * cannot lend it. */
	void *(*ring)(const struct vrs_driver_queue *q, size_t *size);

	/* The driver hands the device's used length to its caller unchecked,
	 * by contract (Linux: the check of 5.16-rc1 was reverted; its
	 * drivers validate lengths themselves), so a device's lie about it
	 * is no finding against the ring. */
	bool passes_used_len;
	/* A driver that decides on the DMA API itself, as Linux does, sets
	 * this (NULL: vrsim's DMA-use policy decides for it): its
	 * FEATURES_OK step and its choice of path for what was negotiated
	 * on a platform. -ENODEV: it refuses the device; 1: it maps through
	 * the DMA API; 0: it hands out physical addresses. */
	int (*decide)(uint64_t accepted, bool xen_domain,
		      bool restricted_mem_acc);
};

/* Calls in the virtqueue_* style, so sim/ reads like a Linux driver. */
static inline int vrs_dq_add(struct vrs_driver_queue *q,
			     const struct vrs_sg *sg, unsigned out,
			     unsigned in, void *token)
{
	return q->ops->add(q, sg, out, in, token);
}

static inline bool vrs_dq_kick(struct vrs_driver_queue *q)
{
	return q->ops->kick(q);
}

static inline int vrs_dq_get_buf(struct vrs_driver_queue *q, uint32_t *len,
				 void **token)
{
	return q->ops->get_buf(q, len, token);
}

static inline void vrs_dq_disable_cb(struct vrs_driver_queue *q)
{
	q->ops->disable_cb(q);
}

static inline bool vrs_dq_enable_cb(struct vrs_driver_queue *q)
{
	return q->ops->enable_cb(q);
}

static inline int vrs_dq_detach_unused(struct vrs_driver_queue *q,
				       void **token)
{
	return q->ops->detach_unused(q, token);
}

static inline int vrs_dq_reset(struct vrs_driver_queue *q, unsigned new_num)
{
	return q->ops->reset(q, new_num);
}

static inline unsigned vrs_dq_num(const struct vrs_driver_queue *q)
{
	return q->ops->num(q);
}

static inline void vrs_dq_addrs(const struct vrs_driver_queue *q,
				struct vrs_vq_addrs *out)
{
	q->ops->addrs(q, out);
}

static inline bool vrs_dq_broken(const struct vrs_driver_queue *q)
{
	return q->ops->broken(q);
}

static inline const char *vrs_dq_broken_reason(const struct vrs_driver_queue *q)
{
	return q->ops->broken_reason(q);
}

static inline int vrs_dq_check(const struct vrs_driver_queue *q)
{
	return q->ops->check ? q->ops->check(q) : 0;
}

static inline const char *vrs_dq_check_reason(const struct vrs_driver_queue *q)
{
	const char *why = q->ops->check_reason ? q->ops->check_reason(q) : NULL;
	return why ? why : "";
}

#endif
