/* Split virtqueue, driver side (VIRTIO 1.2 section 2.7).
 *
 * Who writes what: the descriptor table and the available ring belong to
 * the driver; the used ring, its index and avail_event belong to the
 * device. The driver reads device-written fields once each and checks them
 * against its shadow (vq->extra, vq->state) before acting. */
#include <string.h>

#include "vq_internal.h"
#include "vrsim/guard.h"

static size_t split_used_offset(unsigned num, bool legacy)
{
	size_t avail_end = vrs_split_desc_size(num) + vrs_split_avail_size(num);
	/* Legacy devices compute the used ring's place from the page-aligned
	 * layout; modern ones are told each address. */
	return VRS_ALIGN_UP(avail_end, legacy ? (size_t)VRS_LEGACY_ALIGN : 4);
}

static size_t split_ring_size(unsigned num, bool legacy)
{
	return split_used_offset(num, legacy) + vrs_split_used_size(num);
}

static void split_init(struct vrs_vq *vq)
{
	bool legacy = !vrs_has_feature(vq->cfg.features, VRS_F_VERSION_1);
	uint8_t *base = vq->ring_cpu;
	size_t avail = vrs_split_desc_size(vq->num);
	size_t used = split_used_offset(vq->num, legacy);

	vq->desc = (struct vrs_vring_desc *)base;
	vq->avail_flags = (uint16_t *)(base + avail);
	vq->avail_idx = vq->avail_flags + 1;
	vq->avail_ring = vq->avail_flags + 2;
	vq->used_event = vq->avail_ring + vq->num;
	vq->used_flags = (uint16_t *)(base + used);
	vq->used_idx = vq->used_flags + 1;
	vq->used_ring = (struct vrs_vring_used_elem *)(base + used + 4);
	vq->avail_event = (uint16_t *)(vq->used_ring + vq->num);

	vq->addrs.desc = vq->ring_dma;
	vq->addrs.driver = vq->ring_dma + avail;
	vq->addrs.device = vq->ring_dma + used;

	/* Set-up writes both sides' indices at the agreed start, as a
	 * zeroed ring does for a start of 0 (the device is not live yet). */
	uint16_t start = vq->cfg.start;
	vq->avail_flags_shadow = 0;
	vq->avail_idx_shadow = vq->last_used_idx = start;
	vq->num_added = 0;
	*vq->avail_idx = *vq->used_idx = vrs_to16(vq->e, start);
	*vq->used_event = *vq->avail_event = vrs_to16(vq->e, start);
	vq->free_head = 0;
	vq->free_tail = (uint16_t)(vq->num - 1);
	for (unsigned i = 0; i < vq->num; i++)
		vq->extra[i] = (struct vq_desc_extra){.next = (uint16_t)(i + 1)};
}

static void write_desc(struct vrs_vq *vq, struct vrs_vring_desc *d,
		       struct vq_desc_extra *x, vrs_dma_addr_t addr,
		       uint32_t len, uint16_t flags, uint16_t next)
{
	d->addr = vrs_to64(vq->e, addr);
	d->len = vrs_to32(vq->e, len);
	d->flags = vrs_to16(vq->e, flags);
	d->next = vrs_to16(vq->e, next);
	x->addr = addr;
	x->len = len;
	x->flags = flags;
	x->next = next;
}

/* Undo the mappings of the first n entries of a chain being built. */
static void unwind(struct vrs_vq *vq, const struct vq_desc_extra *x0,
		   uint16_t head, unsigned n, bool indirect)
{
	uint16_t i = head;
	for (unsigned k = 0; k < n; k++) {
		const struct vq_desc_extra *x = indirect ? &x0[k] : &vq->extra[i];
		vrs_vq_unmap(vq, x->addr, x->len, x->flags & VRS_DESC_F_WRITE);
		i = x->next;
	}
}

static int add_indirect(struct vrs_vq *vq, const struct vrs_sg *sg,
			unsigned total, unsigned out, uint16_t head)
{
	struct vq_desc_state *st = &vq->state[head];
	VRS_GUARD(vrs_vq_alloc_indirect(vq, st, total));
	for (unsigned k = 0; k < total; k++) {
		bool write = k >= out;
		vrs_dma_addr_t a;
		int rc = vrs_vq_map_sg(vq, &sg[k], write, &a);
		if (rc < 0) {
			unwind(vq, st->indir_extra, 0, k, true);
			vrs_vq_free_indirect(vq, st);
			return rc;
		}
		uint16_t flags = (uint16_t)((write ? VRS_DESC_F_WRITE : 0) |
					    (k + 1 < total ? VRS_DESC_F_NEXT : 0));
		write_desc(vq, &st->indir[k], &st->indir_extra[k], a, sg[k].len,
			   flags, (uint16_t)(k + 1));
	}
	int rc = vrs_vq_map_indirect(vq, st);
	if (rc < 0) {
		unwind(vq, st->indir_extra, 0, total, true);
		vrs_vq_free_indirect(vq, st);
		return rc;
	}
	write_desc(vq, &vq->desc[head], &vq->extra[head], st->indir_addr,
		   total * (uint32_t)sizeof(struct vrs_vring_desc),
		   VRS_DESC_F_INDIRECT, vq->extra[head].next);
	vq->free_head = vq->extra[head].next;
	return 1;
}

static int add_direct(struct vrs_vq *vq, const struct vrs_sg *sg,
		      unsigned total, unsigned out, uint16_t head)
{
	uint16_t i = head, prev = head;
	for (unsigned k = 0; k < total; k++) {
		bool write = k >= out;
		vrs_dma_addr_t a;
		int rc = vrs_vq_map_sg(vq, &sg[k], write, &a);
		if (rc < 0) {
			unwind(vq, NULL, head, k, false);
			return rc;
		}
		uint16_t flags = (uint16_t)((write ? VRS_DESC_F_WRITE : 0) |
					    VRS_DESC_F_NEXT);
		write_desc(vq, &vq->desc[i], &vq->extra[i], a, sg[k].len, flags,
			   vq->extra[i].next);
		prev = i;
		i = vq->extra[i].next;
	}
	/* The chain ends here: clear NEXT, keep every other flag. */
	vq->extra[prev].flags &= (uint16_t)~VRS_DESC_F_NEXT;
	vq->desc[prev].flags = vrs_to16(vq->e, vq->extra[prev].flags);
	vq->free_head = i;
	return (int)total;
}

static int split_add(struct vrs_vq *vq, const struct vrs_sg *sg, unsigned out,
		     unsigned in, void *token)
{
	unsigned total = out + in;
	bool indirect = vq->indirect && total > 1;
	unsigned need = indirect ? 1 : total;
	VRS_ENSURE(vq->num_free >= need, ENOSPC);
	uint16_t head = vq->free_head;
	vq_touch_state(vq, head);
	int used = indirect ? add_indirect(vq, sg, total, out, head)
			    : add_direct(vq, sg, total, out, head);
	VRS_GUARD(used);

	uint64_t in_len = 0;
	for (unsigned k = out; k < total; k++)
		in_len += sg[k].len;
	vq->num_free -= (unsigned)used;
	vq->state[head].ndescs = (uint16_t)used;
	vrs_vq_posted(vq, head, token, in_len);

	vq->avail_ring[vq->avail_idx_shadow & (vq->num - 1)] =
		vrs_to16(vq->e, head);
	/* The descriptors and the ring entry before the index moves. */
	VQ_WMB();
	vq->avail_idx_shadow++;
	VQ_WRITE_ONCE(*vq->avail_idx, vrs_to16(vq->e, vq->avail_idx_shadow));
	vq->num_added++;
	return 0;
}

static bool split_kick_prepare(struct vrs_vq *vq)
{
	/* The new index must be visible before we read the device's wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint16_t new_idx = vq->avail_idx_shadow;
	uint16_t old_idx = (uint16_t)(new_idx - vq->num_added);
	vq->num_added = 0;
	if (vq->event_idx)
		return vrs_need_event(
			vrs_from16(vq->e, VQ_READ_ONCE(*vq->avail_event)),
			new_idx, old_idx);
	return !(vrs_from16(vq->e, VQ_READ_ONCE(*vq->used_flags)) &
		 VRS_USED_F_NO_NOTIFY);
}

/* The device must not touch the descriptor table of a split ring: compare
 * each descriptor of the chain with what we wrote. */
static bool chain_intact(struct vrs_vq *vq, uint16_t head)
{
	uint16_t i = head;
	for (unsigned k = 0; k < vq->state[head].ndescs; k++) {
		const struct vrs_vring_desc *d = &vq->desc[i];
		const struct vq_desc_extra *x = &vq->extra[i];
		if (vrs_from64(vq->e, VQ_READ_ONCE(d->addr)) != x->addr ||
		    vrs_from32(vq->e, VQ_READ_ONCE(d->len)) != x->len ||
		    vrs_from16(vq->e, VQ_READ_ONCE(d->flags)) != x->flags) {
			vrs_vq_bad_ring(vq, "descriptor %u of chain %u was "
					"rewritten by the device", i, head);
			return false;
		}
		i = x->next;
	}
	return true;
}

static bool split_more_used(struct vrs_vq *vq)
{
	return vq->last_used_idx !=
	       vrs_from16(vq->e, VQ_READ_ONCE(*vq->used_idx));
}

static int split_get_buf(struct vrs_vq *vq, uint32_t *len, void **token)
{
	uint16_t used_idx = vrs_from16(vq->e, VQ_READ_ONCE(*vq->used_idx));
	if (used_idx == vq->last_used_idx)
		return -EAGAIN;
	if ((uint16_t)(used_idx - vq->last_used_idx) > vq->inflight) {
		vrs_vq_bad_ring(vq, "used index %u is %u ahead, but only %u "
				"buffers are in flight", used_idx,
				(uint16_t)(used_idx - vq->last_used_idx),
				vq->inflight);
		return -EIO;
	}
	/* Read the entry only after seeing the index move. */
	VQ_RMB();
	const struct vrs_vring_used_elem *u =
		&vq->used_ring[vq->last_used_idx & (vq->num - 1)];
	uint32_t id = vrs_from32(vq->e, VQ_READ_ONCE(u->id));
	uint32_t ulen = vrs_from32(vq->e, VQ_READ_ONCE(u->len));
	if (!vrs_vq_check_used(vq, id, ulen) || !chain_intact(vq, (uint16_t)id))
		return -EIO;
	*token = vrs_vq_detach_buf(vq, (uint16_t)id);
	*len = ulen;
	vq->last_used_idx++;
	/* Tell the device how far we got, unless callbacks are off. */
	if (vq->event_idx &&
	    !(vq->avail_flags_shadow & VRS_AVAIL_F_NO_INTERRUPT)) {
		VQ_WRITE_ONCE(*vq->used_event,
			      vrs_to16(vq->e, vq->last_used_idx));
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return 0;
}

static void split_disable_cb(struct vrs_vq *vq)
{
	if (vq->avail_flags_shadow & VRS_AVAIL_F_NO_INTERRUPT)
		return;
	vq->avail_flags_shadow |= VRS_AVAIL_F_NO_INTERRUPT;
	/* With EVENT_IDX the flag is only a hint; Linux leaves the device's
	 * view of it alone and parks used_event instead. */
	if (vq->event_idx)
		VQ_WRITE_ONCE(*vq->used_event, 0);
	else
		VQ_WRITE_ONCE(*vq->avail_flags,
			      vrs_to16(vq->e, vq->avail_flags_shadow));
}

static bool split_enable_cb(struct vrs_vq *vq)
{
	if (vq->avail_flags_shadow & VRS_AVAIL_F_NO_INTERRUPT) {
		vq->avail_flags_shadow &= (uint16_t)~VRS_AVAIL_F_NO_INTERRUPT;
		if (!vq->event_idx)
			VQ_WRITE_ONCE(*vq->avail_flags,
				      vrs_to16(vq->e, vq->avail_flags_shadow));
	}
	VQ_WRITE_ONCE(*vq->used_event, vrs_to16(vq->e, vq->last_used_idx));
	/* used_event must be visible before we look for more work. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !split_more_used(vq);
}

static uint32_t split_notify_data(const struct vrs_vq *vq)
{
	return vq->avail_idx_shadow;
}

const struct vq_layout_ops vrs_vq_split_ops = {
	.packed = false,
	.num_pow2 = true,
	.ring_size = split_ring_size,
	.init = split_init,
	.add = split_add,
	.kick_prepare = split_kick_prepare,
	.get_buf = split_get_buf,
	.more_used = split_more_used,
	.disable_cb = split_disable_cb,
	.enable_cb = split_enable_cb,
	.notify_data = split_notify_data,
};
