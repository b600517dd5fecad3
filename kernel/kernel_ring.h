/* Looks inside the kernel's ring (ring_unit.c) for the adapter. */
#ifndef VRSIM_KERNEL_RING_H
#define VRSIM_KERNEL_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct virtio_device;
struct virtqueue;

/* The kernel's vring_use_dma_api() for this device. */
bool kring_use_dma_api(struct virtio_device *vdev);
/* What the queue latched when it was made. */
bool kring_queue_uses_dma_api(struct virtqueue *vq);
int kring_check(struct virtqueue *vq, char *why, size_t len);
/* Move a queue with nothing in flight to start (vrs_packed_start's
 * meaning), as if that many buffers had gone round. */
void kring_fast_forward(struct virtqueue *vq, uint16_t start);

#endif
