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

/* The kernel cannot start a ring anywhere but at zero, so a queue the
 * harness starts elsewhere is fast-forwarded right after set-up (create,
 * reset or resize), with nothing in flight: the state it would have after
 * `start` single-descriptor buffers went round, less the order of its free
 * list, which no add depends on. What virtqueue_reinit_split/_packed
 * zero, this sets; the device is told the same start. */
void kring_fast_forward(struct virtqueue *_vq, uint16_t start)
{
	struct vring_virtqueue *vq = to_vvq(_vq);
	if (!start)
		return;
	if (!vq->packed_ring) {
		struct vring *vr = &vq->split.vring;
		__virtio16 v = cpu_to_virtio16(_vq->vdev, start);
		vq->split.avail_idx_shadow = start;
		vq->last_used_idx = start;
		vr->avail->idx = v;
		vr->used->idx = v;
		vr->avail->ring[vr->num] = v;			 /* used_event */
		*(__virtio16 *)&vr->used->ring[vr->num] = v; /* avail_event */
		return;
	}
	unsigned num = vq->packed.vring.num;
	unsigned t = start % (2 * num), pos = t % num;
	bool wrap = t < num;
	vq->packed.next_avail_idx = pos;
	vq->packed.avail_wrap_counter = wrap;
	vq->packed.avail_used_flags = wrap ? 1 << VRING_PACKED_DESC_F_AVAIL
					   : 1 << VRING_PACKED_DESC_F_USED;
	vq->last_used_idx = pos | wrap << VRING_PACKED_EVENT_F_WRAP_CTR;
	/* Each slot as the lap that wrote it last left it: used. */
	__le16 used = cpu_to_le16(1 << VRING_PACKED_DESC_F_AVAIL |
				  1 << VRING_PACKED_DESC_F_USED);
	for (unsigned i = 0; i < num; i++)
		vq->packed.vring.desc[i].flags = (i < pos) == wrap ? used : 0;
}
