/* Packed virtqueue, driver side (VIRTIO 1.2 section 2.8).
 *
 * One descriptor ring both sides write: the driver makes descriptors
 * available (AVAIL == its wrap counter, USED != it), the device writes used
 * descriptors back in completion order (AVAIL == USED == its wrap counter),
 * carrying a buffer id and a length the driver checks against its shadow.
 * The driver event structure is ours, the device event structure is the
 * device's. Packed rings are always little endian (VERSION_1). */
#include <string.h>

#include "vq_internal.h"
#include "vrsim/guard.h"

#define F_AVAIL (1u << VRS_PACKED_DESC_F_AVAIL)
#define F_USED (1u << VRS_PACKED_DESC_F_USED)

static size_t packed_ring_size(unsigned num, bool legacy)
{
	return 16u * num + 2 * sizeof(struct vrs_packed_event);
}

static void packed_init(struct vrs_vq *vq)
{
	uint8_t *base = vq->ring_cpu;
	vq->pdesc = (struct vrs_packed_desc *)base;
	vq->driver_event = (struct vrs_packed_event *)(base + 16u * vq->num);
	vq->device_event = vq->driver_event + 1;
	vq->addrs.desc = vq->ring_dma;
	vq->addrs.driver = vq->ring_dma + 16u * vq->num;
	vq->addrs.device = vq->addrs.driver + sizeof(struct vrs_packed_event);

	uint16_t pos;
	bool wrap;
	vrs_packed_start(vq->cfg.start, vq->num, &pos, &wrap);
	vq->next_avail = vq->last_used = pos;
	vq->avail_wrap = vq->used_wrap = wrap;
	vq->avail_used_flags = wrap ? F_AVAIL : F_USED;
	/* Every slot reads as used by the lap that wrote it last: this lap
	 * before pos, the previous one from pos on. A start at zero is the
	 * zeroed ring reinit_ring already made: no pass over it per input. */
	if (pos || !wrap)
		for (unsigned i = 0; i < vq->num; i++)
			vq->pdesc[i].flags = (i < pos) == wrap
						     ? (uint16_t)(F_AVAIL | F_USED)
						     : 0;
	vq->event_flags_shadow = VRS_PACKED_EVENT_ENABLE;
	vq->num_added = 0;
	vq->free_head = 0;
	vq->free_tail = (uint16_t)(vq->num - 1);
	for (unsigned i = 0; i < vq->num; i++)
		vq->extra[i] = (struct vq_desc_extra){.next = (uint16_t)(i + 1)};
}

/* Undo the mappings of a chain's first n entries (ring or indirect). */
static void unwind(struct vrs_vq *vq, const struct vq_desc_extra *x0,
		   uint16_t id, unsigned n)
{
	uint16_t cur = id;
	for (unsigned k = 0; k < n; k++) {
		const struct vq_desc_extra *x = x0 ? &x0[k] : &vq->extra[cur];
		vrs_vq_unmap(vq, x->addr, x->len, x->flags & VRS_DESC_F_WRITE);
		cur = x->next;
	}
}

static int fill_indirect(struct vrs_vq *vq, const struct vrs_sg *sg,
			 unsigned total, unsigned out, uint16_t id)
{
	struct vq_desc_state *st = &vq->state[id];
	VRS_GUARD(vrs_vq_alloc_indirect(vq, st, total));
	struct vrs_packed_desc *table = (struct vrs_packed_desc *)st->indir;
	for (unsigned k = 0; k < total; k++) {
		bool write = k >= out;
		vrs_dma_addr_t a;
		int rc = vrs_vq_map_sg(vq, &sg[k], write, &a);
		if (rc < 0) {
			unwind(vq, st->indir_extra, 0, k);
			vrs_vq_free_indirect(vq, st);
			return rc;
		}
		uint16_t flags = write ? VRS_DESC_F_WRITE : 0;
		/* Indirect entries are read in order: no NEXT, no id. */
		table[k] = (struct vrs_packed_desc){.addr = a, .len = sg[k].len,
						    .flags = flags};
		st->indir_extra[k] = (struct vq_desc_extra){
			.addr = a, .len = sg[k].len, .flags = flags};
	}
	int rc = vrs_vq_map_indirect(vq, st);
	if (rc < 0) {
		unwind(vq, st->indir_extra, 0, total);
		vrs_vq_free_indirect(vq, st);
	}
	return rc;
}

static int packed_add(struct vrs_vq *vq, const struct vrs_sg *sg, unsigned out,
		      unsigned in, void *token)
{
	unsigned total = out + in;
	bool indirect = vq->indirect && total > 1;
	unsigned need = indirect ? 1 : total;
	VRS_ENSURE(vq->num_free >= need, ENOSPC);
	const uint16_t id = vq->free_head, head = vq->next_avail;
	uint16_t head_flags = 0, pos = head, cur = id, prev = id;
	uint16_t avail_used = vq->avail_used_flags;
	vq_touch_state(vq, id);

	if (indirect) {
		VRS_GUARD(fill_indirect(vq, sg, total, out, id));
		struct vq_desc_state *st = &vq->state[id];
		uint32_t len = total * (uint32_t)sizeof(struct vrs_packed_desc);
		vq->pdesc[pos].addr = st->indir_addr;
		vq->pdesc[pos].len = len;
		vq->pdesc[pos].id = id;
		head_flags = (uint16_t)(avail_used | VRS_DESC_F_INDIRECT);
		vq->extra[cur] = (struct vq_desc_extra){
			.addr = st->indir_addr, .len = len,
			.flags = VRS_DESC_F_INDIRECT, .next = vq->extra[cur].next};
		cur = vq->extra[cur].next;
		if (++pos >= vq->num) {
			pos = 0;
			avail_used ^= F_AVAIL | F_USED;
		}
	} else {
		for (unsigned k = 0; k < total; k++) {
			bool write = k >= out;
			vrs_dma_addr_t a;
			int rc = vrs_vq_map_sg(vq, &sg[k], write, &a);
			if (rc < 0) {
				/* Nothing is visible yet: the head's flags
				 * are written last. */
				unwind(vq, NULL, id, k);
				return rc;
			}
			uint16_t f = (uint16_t)((write ? VRS_DESC_F_WRITE : 0) |
						(k + 1 < total ? VRS_DESC_F_NEXT : 0));
			vq->pdesc[pos].addr = a;
			vq->pdesc[pos].len = sg[k].len;
			vq->pdesc[pos].id = id;
			if (pos == head)
				head_flags = (uint16_t)(f | avail_used);
			else
				vq->pdesc[pos].flags = (uint16_t)(f | avail_used);
			vq->extra[cur].addr = a;
			vq->extra[cur].len = sg[k].len;
			vq->extra[cur].flags = f;
			prev = cur;
			cur = vq->extra[cur].next;
			if (++pos >= vq->num) {
				pos = 0;
				avail_used ^= F_AVAIL | F_USED;
			}
		}
	}

	uint64_t in_len = 0;
	for (unsigned k = out; k < total; k++)
		in_len += sg[k].len;
	vq->state[id].ndescs = (uint16_t)need;
	vq->state[id].last = prev;
	vrs_vq_posted(vq, id, token, in_len);
	vq->num_free -= need;
	vq->free_head = cur;
	if (avail_used != vq->avail_used_flags) /* we crossed the end */
		vq->avail_wrap = !vq->avail_wrap;
	vq->next_avail = pos;
	vq->avail_used_flags = avail_used;
	vq->num_added = (uint16_t)(vq->num_added + need);
	/* Every other descriptor before the head makes the chain visible. */
	VQ_WMB();
	VQ_WRITE_ONCE(vq->pdesc[head].flags, head_flags);
	return 0;
}

static bool packed_kick_prepare(struct vrs_vq *vq)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint16_t new_idx = vq->next_avail;
	uint16_t old_idx = (uint16_t)(new_idx - vq->num_added);
	vq->num_added = 0;
	uint16_t off_wrap = VQ_READ_ONCE(vq->device_event->off_wrap);
	uint16_t flags = VQ_READ_ONCE(vq->device_event->flags);
	if (flags != VRS_PACKED_EVENT_DESC)
		return flags != VRS_PACKED_EVENT_DISABLE;
	uint16_t event_idx = off_wrap & (uint16_t)~(1u << VRS_PACKED_WRAP_SHIFT);
	bool wrap = off_wrap >> VRS_PACKED_WRAP_SHIFT;
	if (wrap != vq->avail_wrap)
		event_idx = (uint16_t)(event_idx - vq->num);
	return vrs_need_event(event_idx, new_idx, old_idx);
}

static bool packed_more_used(struct vrs_vq *vq)
{
	uint16_t flags = VQ_READ_ONCE(vq->pdesc[vq->last_used].flags);
	bool avail = flags & F_AVAIL, used = flags & F_USED;
	return avail == used && used == vq->used_wrap;
}

static int packed_get_buf(struct vrs_vq *vq, uint32_t *len, void **token)
{
	if (!packed_more_used(vq))
		return -EAGAIN;
	if (vq->inflight == 0) {
		vrs_vq_bad_ring(vq, "used descriptor at %u with no buffer in "
				"flight", vq->last_used);
		return -EIO;
	}
	/* Only after the flags say used may id and len be read. */
	VQ_RMB();
	const struct vrs_packed_desc *d = &vq->pdesc[vq->last_used];
	uint16_t id = VQ_READ_ONCE(d->id);
	uint32_t ulen = VQ_READ_ONCE(d->len);
	if (!vrs_vq_check_used(vq, id, ulen))
		return -EIO;
	uint16_t n = vq->state[id].ndescs;
	vq->last_used = (uint16_t)(vq->last_used + n);
	if (vq->last_used >= vq->num) {
		vq->last_used = (uint16_t)(vq->last_used - vq->num);
		vq->used_wrap = !vq->used_wrap;
	}
	*token = vrs_vq_detach_buf(vq, id);
	*len = ulen;
	if (vq->event_flags_shadow == VRS_PACKED_EVENT_DESC) {
		VQ_WRITE_ONCE(vq->driver_event->off_wrap,
			      (uint16_t)(vq->last_used |
					 (vq->used_wrap << VRS_PACKED_WRAP_SHIFT)));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return 0;
}

static void packed_disable_cb(struct vrs_vq *vq)
{
	if (vq->event_flags_shadow == VRS_PACKED_EVENT_DISABLE)
		return;
	vq->event_flags_shadow = VRS_PACKED_EVENT_DISABLE;
	VQ_WRITE_ONCE(vq->driver_event->flags, vq->event_flags_shadow);
}

static bool packed_enable_cb(struct vrs_vq *vq)
{
	if (vq->event_idx) {
		VQ_WRITE_ONCE(vq->driver_event->off_wrap,
			      (uint16_t)(vq->last_used |
					 (vq->used_wrap << VRS_PACKED_WRAP_SHIFT)));
		/* off_wrap before the flags that make it count. */
		VQ_WMB();
	}
	if (vq->event_flags_shadow == VRS_PACKED_EVENT_DISABLE) {
		vq->event_flags_shadow = vq->event_idx ? VRS_PACKED_EVENT_DESC
						       : VRS_PACKED_EVENT_ENABLE;
		VQ_WRITE_ONCE(vq->driver_event->flags, vq->event_flags_shadow);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !packed_more_used(vq);
}

/* The next slot and, in bit 15, the wrap counter it will be made
 * available with. */
static uint32_t packed_notify_data(const struct vrs_vq *vq)
{
	return (uint32_t)vq->next_avail | ((uint32_t)vq->avail_wrap << 15);
}

const struct vq_layout_ops vrs_vq_packed_ops = {
	.packed = true,
	.num_pow2 = false,
	.ring_size = packed_ring_size,
	.init = packed_init,
	.add = packed_add,
	.kick_prepare = packed_kick_prepare,
	.get_buf = packed_get_buf,
	.more_used = packed_more_used,
	.disable_cb = packed_disable_cb,
	.enable_cb = packed_enable_cb,
	.notify_data = packed_notify_data,
};
