/* The kernel's drivers/virtio/virtio_ring.c, compiled as it is (from the
 * build tree's extracted copy, never from this repository), plus the few
 * looks inside that the adapter needs and no exported function gives: the
 * kernel's own vring_use_dma_api() decision and a consistency check of
 * the free list. Including the file keeps those static functions and
 * structures the kernel's. */
#include VRSIM_KERNEL_RING_C

#include <stdio.h>

#include "kernel_ring.h"

bool kring_use_dma_api(struct virtio_device *vdev)
{
	return vring_use_dma_api(vdev);
}

bool kring_queue_uses_dma_api(struct virtqueue *vq)
{
	return to_vvq(vq)->use_dma_api;
}

/* The free descriptors form a list of num_free distinct entries below
 * num, from free_head through desc_extra[].next: what every add and
 * detach keeps true. 0, or -EINVAL with the reason in why. */
int kring_check(struct virtqueue *_vq, char *why, size_t len)
{
	struct vring_virtqueue *vq = to_vvq(_vq);
	unsigned num = vq->packed_ring ? vq->packed.vring.num
				       : vq->split.vring.num;
	struct vring_desc_extra *extra = vq->packed_ring ? vq->packed.desc_extra
							 : vq->split.desc_extra;
	if (vq->vq.num_free > num) {
		snprintf(why, len, "num_free %u > num %u", vq->vq.num_free, num);
		return -EINVAL;
	}
	static uint64_t seen[32768 / 64];
	memset(seen, 0, (num + 63) / 64 * sizeof(seen[0]));
	unsigned i = vq->free_head;
	for (unsigned n = 0; n < vq->vq.num_free; n++) {
		if (i >= num) {
			snprintf(why, len, "free entry %u: index %u >= num %u",
				 n, i, num);
			return -EINVAL;
		}
		if (seen[i / 64] & (1ull << (i % 64))) {
			snprintf(why, len, "free list loops at %u", i);
			return -EINVAL;
		}
		seen[i / 64] |= 1ull << (i % 64);
		i = extra[i].next;
	}
	return 0;
}
