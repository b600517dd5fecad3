/* Split virtqueue, device side: reads the driver's descriptor table and
 * available ring through the bus, writes the used ring. */
#include "vqdev_internal.h"
#include "vrsim/guard.h"

static int read16(struct vrs_vqdev *d, vrs_dma_addr_t a, uint16_t *v)
{
	VRS_GUARD(vrs_bus_read(d->cfg.bus, a, v, 2));
	*v = vrs_from16(d->e, *v);
	return 0;
}

static int write16(struct vrs_vqdev *d, vrs_dma_addr_t a, uint16_t v)
{
	v = vrs_to16(d->e, v);
	return vrs_bus_write(d->cfg.bus, a, &v, 2);
}

/* Offsets inside the driver area (avail) and device area (used). */
#define AVAIL_FLAGS 0u
#define AVAIL_IDX 2u
#define AVAIL_RING(i) (4u + 2u * (i))
#define USED_FLAGS 0u
#define USED_IDX 2u
#define USED_ELEM(i) (4u + 8u * (i))

/* A split indirect table is a chain of its own, linked by next. */
static int walk_indirect(struct vrs_vqdev *d, struct vrs_vqdev_req *req,
			 uint64_t addr, uint32_t len)
{
	const uint32_t dsz = sizeof(struct vrs_vring_desc);
	uint32_t n, i = 0;
	VRS_GUARD(vrs_vqdev_indirect_entries(d, len, &n));
	for (uint32_t count = 0;; count++) {
		/* Each entry can be visited once: more is a loop. */
		if (count >= n)
			return vrs_vqdev_protocol_error(
				d, "loop in indirect table of chain %u",
				req->id);
		struct vrs_vring_desc desc;
		VRS_GUARD(vrs_bus_read(d->cfg.bus, addr + (uint64_t)i * dsz,
				       &desc, dsz));
		uint16_t flags = vrs_from16(d->e, desc.flags);
		if (flags & VRS_DESC_F_INDIRECT)
			return vrs_vqdev_protocol_error(
				d, "indirect descriptor inside an indirect "
				"table");
		VRS_GUARD(vrs_vqdev_push_iov(d, req,
					     vrs_from64(d->e, desc.addr),
					     vrs_from32(d->e, desc.len),
					     flags & VRS_DESC_F_WRITE));
		if (!(flags & VRS_DESC_F_NEXT))
			return 0;
		uint32_t prev = i;
		i = vrs_from16(d->e, desc.next);
		if (i >= n)
			return vrs_vqdev_protocol_error(
				d, "indirect next %u outside the table of %u",
				i, n);
		if (d->in_order && i != prev + 1)
			return vrs_vqdev_protocol_error(
				d, "IN_ORDER: indirect entry %u links to %u, not "
				"the next one", prev, i);
	}
}

static int split_pop(struct vrs_vqdev *d, struct vrs_vqdev_req *req)
{
	const unsigned num = d->cfg.num;
	uint16_t avail_idx, head;
	VRS_GUARD(read16(d, d->cfg.addrs.driver + AVAIL_IDX, &avail_idx));
	/* The driver never takes back what it offered (2.7.6.1): seen from
	 * our cursor, an index behind the one read before went backwards. */
	uint16_t ahead = (uint16_t)(avail_idx - d->last_avail);
	uint16_t before = (uint16_t)(d->seen_avail - d->last_avail);
	if (d->seen_valid && before <= num && ahead < before)
		return vrs_vqdev_protocol_error(
			d, "avail index went back from %u to %u", d->seen_avail,
			avail_idx);
	d->seen_avail = avail_idx;
	d->seen_valid = true;
	if (avail_idx == d->last_avail)
		return -EAGAIN;
	if ((uint16_t)(avail_idx - d->last_avail) > num)
		return vrs_vqdev_protocol_error(
			d, "avail index moved from %u to %u, more than the "
			"queue size %u", d->last_avail, avail_idx, num);
	VRS_GUARD(read16(d, d->cfg.addrs.driver +
			       AVAIL_RING(d->last_avail & (num - 1)), &head));
	if (head >= num)
		return vrs_vqdev_protocol_error(
			d, "avail head %u out of range (queue size %u)", head,
			num);
	req->id = head;
	uint16_t i = head;
	for (unsigned count = 0;; count++) {
		if (count >= num)
			return vrs_vqdev_protocol_error(
				d, "loop in the chain of head %u", head);
		struct vrs_vring_desc desc;
		VRS_GUARD(vrs_bus_read(d->cfg.bus, d->cfg.addrs.desc + 16u * i,
				       &desc, sizeof(desc)));
		uint16_t flags = vrs_from16(d->e, desc.flags);
		uint64_t addr = vrs_from64(d->e, desc.addr);
		uint32_t len = vrs_from32(d->e, desc.len);
		if (flags & VRS_DESC_F_INDIRECT) {
			if (flags & VRS_DESC_F_NEXT)
				return vrs_vqdev_protocol_error(
					d, "descriptor %u has both INDIRECT "
					"and NEXT", i);
			VRS_GUARD(walk_indirect(d, req, addr, len));
			break;
		}
		VRS_GUARD(vrs_vqdev_push_iov(d, req, addr, len,
					     flags & VRS_DESC_F_WRITE));
		if (!(flags & VRS_DESC_F_NEXT))
			break;
		uint16_t prev = i;
		i = vrs_from16(d->e, desc.next);
		if (i >= num)
			return vrs_vqdev_protocol_error(
				d, "next %u out of range in chain %u", i, head);
		if (d->in_order && i != ((prev + 1u) & (num - 1)))
			return vrs_vqdev_protocol_error(
				d, "IN_ORDER: descriptor %u links to %u, not the "
				"next one", prev, i);
	}
	req->ndesc = 1;
	d->last_avail++;
	return 0;
}

static int split_push(struct vrs_vqdev *d, const struct vrs_vqdev_req *req,
		      uint32_t len)
{
	struct vrs_vring_used_elem u = {
		.id = vrs_to32(d->e, req->id),
		.len = vrs_to32(d->e, len),
	};
	vrs_dma_addr_t dev = d->cfg.addrs.device;
	VRS_GUARD(vrs_bus_write(d->cfg.bus,
				dev + USED_ELEM(d->used_idx & (d->cfg.num - 1)),
				&u, sizeof(u)));
	/* The entry before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	VRS_GUARD(write16(d, dev + USED_IDX, (uint16_t)(d->used_idx + 1)));
	d->used_idx++;
	return 0;
}

static bool split_need_interrupt(struct vrs_vqdev *d)
{
	uint16_t old = d->signalled, now = d->used_idx, v;
	if (old == now)
		return false;
	d->signalled = now;
	if (d->event_idx) {
		if (read16(d, d->cfg.addrs.driver + AVAIL_RING(d->cfg.num), &v) < 0)
			return true; /* cannot read the wish: interrupt */
		return vrs_need_event(v, now, old);
	}
	if (read16(d, d->cfg.addrs.driver + AVAIL_FLAGS, &v) < 0)
		return true;
	return !(v & VRS_AVAIL_F_NO_INTERRUPT);
}

static int split_set_kicks(struct vrs_vqdev *d, bool wanted)
{
	vrs_dma_addr_t dev = d->cfg.addrs.device;
	if (d->event_idx) {
		/* Kick me when you publish entry last_avail; when kicks are
		 * unwanted, point the event one full lap away. */
		uint16_t ev = wanted ? d->last_avail
				     : (uint16_t)(d->last_avail - 1);
		return write16(d, dev + USED_ELEM(d->cfg.num), ev);
	}
	return write16(d, dev + USED_FLAGS,
		       wanted ? 0 : VRS_USED_F_NO_NOTIFY);
}

static int split_check(const struct vrs_vqdev *d)
{
	/* last_avail and used_idx move only when a pop or a push succeeds,
	 * in step with inflight, whatever the driver wrote. */
	VRS_ENSURE((uint16_t)(d->last_avail - d->used_idx) ==
			   (uint16_t)d->inflight, EINVAL);
	/* The packed fields keep the values configure gave them. */
	VRS_ENSURE(!d->next_avail && !d->next_used && !d->used_count &&
			   !d->signalled_count && d->avail_wrap && d->used_wrap,
		   EINVAL);
	return 0;
}

const struct vrs_vqdev_layout_ops vrs_vqdev_split_ops = {
	.num_pow2 = true,
	.pop = split_pop,
	.push = split_push,
	.need_interrupt = split_need_interrupt,
	.set_kicks = split_set_kicks,
	.check = split_check,
};
