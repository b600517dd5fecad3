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

int vqdev_split_pop(struct vrs_vqdev *d, struct vrs_vqdev_req *req)
{
	const unsigned num = d->cfg.num;
	uint16_t avail_idx, head;
	VRS_GUARD(read16(d, d->cfg.addrs.driver + AVAIL_IDX, &avail_idx));
	if (avail_idx == d->last_avail)
		return -EAGAIN;
	if ((uint16_t)(avail_idx - d->last_avail) > num)
		return vqdev_protocol_error(d, "avail index moved from %u to "
					    "%u, more than the queue size %u",
					    d->last_avail, avail_idx, num);
	VRS_GUARD(read16(d, d->cfg.addrs.driver +
			       AVAIL_RING(d->last_avail & (num - 1)), &head));
	if (head >= num)
		return vqdev_protocol_error(d, "avail head %u out of range "
					    "(queue size %u)", head, num);
	req->id = head;
	uint16_t i = head;
	for (unsigned count = 0;; count++) {
		if (count >= num)
			return vqdev_protocol_error(d, "loop in the chain of "
						    "head %u", head);
		struct vrs_vring_desc desc;
		VRS_GUARD(vrs_bus_read(d->cfg.bus, d->cfg.addrs.desc + 16u * i,
				       &desc, sizeof(desc)));
		uint16_t flags = vrs_from16(d->e, desc.flags);
		uint64_t addr = vrs_from64(d->e, desc.addr);
		uint32_t len = vrs_from32(d->e, desc.len);
		if (flags & VRS_DESC_F_INDIRECT) {
			if (flags & VRS_DESC_F_NEXT)
				return vqdev_protocol_error(
					d, "descriptor %u has both INDIRECT "
					"and NEXT", i);
			VRS_GUARD(vqdev_walk_indirect(d, req, addr, len));
			break;
		}
		VRS_GUARD(vqdev_push_iov(d, req, addr, len,
					 flags & VRS_DESC_F_WRITE));
		if (!(flags & VRS_DESC_F_NEXT))
			break;
		i = vrs_from16(d->e, desc.next);
		if (i >= num)
			return vqdev_protocol_error(d, "next %u out of range in "
						    "chain %u", i, head);
	}
	req->ndesc = 1;
	d->last_avail++;
	return 0;
}

int vqdev_split_push(struct vrs_vqdev *d, const struct vrs_vqdev_req *req,
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

bool vqdev_split_need_interrupt(struct vrs_vqdev *d)
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

int vqdev_split_set_kicks(struct vrs_vqdev *d, bool wanted)
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
