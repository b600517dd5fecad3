/* The driver side of a virtqueue: one front end over the split and packed
 * layouts, as Linux's struct virtqueue.
 *
 * The driver reaches memory only through the DMA API it is given (the
 * platform's, or the physical path when the DMA-use policy says so) and the
 * kmem allocator. It keeps a private shadow of every descriptor it posted
 * and trusts nothing the device can write: a forged used id, an oversized
 * used length, a wrap-counter lie or a descriptor rewritten behind its back
 * marks the queue broken, and every later call fails with -EIO (Linux's
 * BAD_RING discipline), in every build. */
#ifndef VRSIM_VQ_H
#define VRSIM_VQ_H

#include "vrsim/driver.h"

struct vrs_vq;

/* This ring as a driver under test (ring/vrsim_driver.c): the calls below
 * behind the simulation's driver interface. */
extern const struct vrs_driver_ops vrs_ring_driver;
/* The ring queue behind one of its driver queues (NULL for another
 * driver's), for tests and benchmarks that look inside. */
struct vrs_vq *vrs_ring_driver_vq(const struct vrs_driver_queue *q);

/* A queue is made from the driver interface's queue configuration
 * (vrsim/driver.h): the same fields whoever the driver is. */
int vrs_vq_create(const struct vrs_driver_queue_config *cfg,
		  struct vrs_vq **out);
/* Frees the ring and every mapping still held; tokens of unused buffers
 * are lost, so detach them first. */
void vrs_vq_destroy(struct vrs_vq *vq);
/* What vrs_vq_destroy does to the ring and its mappings, keeping the
 * queue's host memory for vrs_vq_restart, so a harness running one queue
 * per input allocates nothing per input. The queue is broken until then. */
void vrs_vq_shutdown(struct vrs_vq *vq);
/* The queue starts over as vrs_vq_create(cfg) would make it (a live ring
 * is freed first, as by vrs_vq_shutdown). On failure it stays broken. */
int vrs_vq_restart(struct vrs_vq *vq,
		   const struct vrs_driver_queue_config *cfg);

/* Expose out readable buffers then in writable ones as one chain.
 * -ENOSPC: no room; -ENOMEM: a mapping failed (everything undone); -EINVAL:
 * bad arguments; -EIO: the queue is broken. token must be non-NULL. */
int vrs_vq_add(struct vrs_vq *vq, const struct vrs_sg *sg, unsigned out,
	       unsigned in, void *token);
/* Publish and decide whether the device wants a notification. */
bool vrs_vq_kick_prepare(struct vrs_vq *vq);
/* kick_prepare, then notify if needed; returns whether it notified. */
bool vrs_vq_kick(struct vrs_vq *vq);

/* Next used buffer: 0 with *token and *len (bytes the device wrote),
 * -EAGAIN when none, -EIO when broken (this call may be the one that finds
 * the device's lie). */
int vrs_vq_get_buf(struct vrs_vq *vq, uint32_t *len, void **token);
bool vrs_vq_more_used(struct vrs_vq *vq);
/* Callback (interrupt) suppression. enable_cb returns false when buffers
 * are already pending, so the caller must poll again. */
void vrs_vq_disable_cb(struct vrs_vq *vq);
bool vrs_vq_enable_cb(struct vrs_vq *vq);

/* Teardown: hand back one buffer the device never used; -ENOENT when none.
 * Works on a broken queue too, so nothing leaks. */
int vrs_vq_detach_unused(struct vrs_vq *vq, void **token);
/* Per-queue reset (RING_RESET): every buffer must have been detached;
 * the ring starts over, optionally with a new size (resize). */
int vrs_vq_reset(struct vrs_vq *vq, unsigned new_num);

void vrs_vq_addrs(const struct vrs_vq *vq, struct vrs_vq_addrs *out);
unsigned vrs_vq_num(const struct vrs_vq *vq);
unsigned vrs_vq_num_free(const struct vrs_vq *vq);
bool vrs_vq_packed(const struct vrs_vq *vq);
bool vrs_vq_broken(const struct vrs_vq *vq);
/* Why the queue is broken ("" when it is not). */
const char *vrs_vq_broken_reason(const struct vrs_vq *vq);
/* Mark broken from outside (device reset, surprise removal). */
void vrs_vq_break(struct vrs_vq *vq, const char *why);

/* The raw ring memory (CPU view) and its size: for a hostile driver that
 * writes the ring by hand when fuzzing the device side. */
void *vrs_vq_ring(const struct vrs_vq *vq, size_t *size);

/* Validity check of the shadow state. 0 or -EINVAL. */
int vrs_vq_check(const struct vrs_vq *vq);

#endif
