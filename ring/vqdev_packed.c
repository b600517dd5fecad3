/* Packed virtqueue, device side: reads available descriptors through the
 * bus and writes used ones back in completion order. */
#include "vqdev_internal.h"
#include "vrsim/guard.h"

#define F_AVAIL (1u << VRS_PACKED_DESC_F_AVAIL)
#define F_USED (1u << VRS_PACKED_DESC_F_USED)

static int read_desc(struct vrs_vqdev *d, uint16_t slot,
		     struct vrs_packed_desc *out)
{
	return vrs_bus_read(d->cfg.bus, d->cfg.addrs.desc + 16u * slot, out,
			    sizeof(*out));
}

static bool is_avail(uint16_t flags, bool wrap)
{
	return !!(flags & F_AVAIL) == wrap && !!(flags & F_USED) != wrap;
}

/* A packed indirect table is read in order; NEXT means nothing there. */
static int walk_indirect(struct vrs_vqdev *d, struct vrs_vqdev_req *req,
			 uint64_t addr, uint32_t len)
{
	const uint32_t dsz = sizeof(struct vrs_packed_desc);
	uint32_t n;
	VRS_GUARD(vrs_vqdev_indirect_entries(d, len, &n));
	for (uint32_t i = 0; i < n; i++) {
		struct vrs_packed_desc desc;
		VRS_GUARD(vrs_bus_read(d->cfg.bus, addr + (uint64_t)i * dsz,
				       &desc, dsz));
		if (desc.flags & VRS_DESC_F_INDIRECT)
			return vrs_vqdev_protocol_error(
				d, "indirect descriptor inside an indirect "
				"table");
		VRS_GUARD(vrs_vqdev_push_iov(d, req, desc.addr, desc.len,
					     desc.flags & VRS_DESC_F_WRITE));
	}
	return 0;
}

static int packed_pop(struct vrs_vqdev *d, struct vrs_vqdev_req *req)
{
	uint16_t slot = d->next_avail;
	bool wrap = d->avail_wrap;
	struct vrs_packed_desc desc;
	VRS_GUARD(read_desc(d, slot, &desc));
	if (!is_avail(desc.flags, wrap))
		return -EAGAIN;
	/* id and the rest only after the flags said available. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	unsigned used = 0;
	for (;;) {
		used++;
		req->id = desc.id;
		if (desc.flags & VRS_DESC_F_INDIRECT) {
			if ((desc.flags & VRS_DESC_F_NEXT) || used > 1)
				return vrs_vqdev_protocol_error(
					d, "indirect descriptor at %u inside "
					"a chain", slot);
			VRS_GUARD(walk_indirect(d, req, desc.addr, desc.len));
		} else {
			VRS_GUARD(vrs_vqdev_push_iov(
				d, req, desc.addr, desc.len,
				desc.flags & VRS_DESC_F_WRITE));
		}
		if (++slot >= d->cfg.num) {
			slot = 0;
			wrap = !wrap;
		}
		if (!(desc.flags & VRS_DESC_F_NEXT))
			break;
		if (used >= d->cfg.num)
			return vrs_vqdev_protocol_error(
				d, "chain longer than the queue size %u",
				d->cfg.num);
		VRS_GUARD(read_desc(d, slot, &desc));
		if (!is_avail(desc.flags, wrap))
			return vrs_vqdev_protocol_error(
				d, "chain continues into descriptor %u, which "
				"is not available", slot);
	}
	req->ndesc = (uint16_t)used;
	d->next_avail = slot;
	d->avail_wrap = wrap;
	return 0;
}

static int packed_push(struct vrs_vqdev *d, const struct vrs_vqdev_req *req,
		       uint32_t len)
{
	vrs_dma_addr_t a = d->cfg.addrs.desc + 16u * d->next_used;
	struct {
		uint32_t len;
		uint16_t id;
	} __attribute__((packed)) body = {len, req->id};
	VRS_GUARD(vrs_bus_write(d->cfg.bus, a + 8, &body, sizeof(body)));
	/* id and len before the flags that hand the descriptor back. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	uint16_t flags = d->used_wrap ? (uint16_t)(F_AVAIL | F_USED) : 0;
	VRS_GUARD(vrs_bus_write(d->cfg.bus, a + 14, &flags, 2));
	unsigned next = d->next_used + req->ndesc;
	if (next >= d->cfg.num) {
		next -= d->cfg.num;
		d->used_wrap = !d->used_wrap;
	}
	d->next_used = (uint16_t)next;
	d->used_count = (uint16_t)(d->used_count + req->ndesc);
	return 0;
}

/* Distance in slots from (next_used, used_wrap) forward to (pos, wrap) on
 * the 2*num cycle the pair describes, as a signed value in [-num, num):
 * an event exactly one lap away is one the driver left behind. */
static int slot_delta(const struct vrs_vqdev *d, uint16_t pos, bool wrap)
{
	int n = (int)d->cfg.num;
	int lin_ev = pos + (wrap ? 0 : n);
	int lin_now = d->next_used + (d->used_wrap ? 0 : n);
	int delta = (lin_ev - lin_now) % (2 * n);
	if (delta < 0)
		delta += 2 * n;
	return delta >= n ? delta - 2 * n : delta;
}

static bool packed_need_interrupt(struct vrs_vqdev *d)
{
	uint16_t old = d->signalled_count, now = d->used_count;
	if (old == now)
		return false;
	d->signalled_count = now;
	struct vrs_packed_event ev;
	if (vrs_bus_read(d->cfg.bus, d->cfg.addrs.driver, &ev, sizeof(ev)) < 0)
		return true; /* cannot read the wish: interrupt */
	if (ev.flags == VRS_PACKED_EVENT_DISABLE)
		return false;
	if (ev.flags != VRS_PACKED_EVENT_DESC || !d->event_idx)
		return true;
	uint16_t pos = ev.off_wrap & 0x7fffu;
	if (pos >= d->cfg.num)
		return true; /* nonsense: err on the side of waking */
	bool wrap = ev.off_wrap >> VRS_PACKED_WRAP_SHIFT;
	uint16_t event = (uint16_t)(now + slot_delta(d, pos, wrap));
	return vrs_need_event(event, now, old);
}

static int packed_set_kicks(struct vrs_vqdev *d, bool wanted)
{
	struct vrs_packed_event ev = {
		.off_wrap = (uint16_t)(d->next_avail |
				       (d->avail_wrap << VRS_PACKED_WRAP_SHIFT)),
		.flags = wanted ? (d->event_idx ? VRS_PACKED_EVENT_DESC
						: VRS_PACKED_EVENT_ENABLE)
				: VRS_PACKED_EVENT_DISABLE,
	};
	return vrs_bus_write(d->cfg.bus, d->cfg.addrs.device, &ev, sizeof(ev));
}

static int packed_check(const struct vrs_vqdev *d)
{
	const unsigned num = d->cfg.num;
	/* Both positions only ever move forward modulo num. */
	VRS_ENSURE(d->next_avail < num && d->next_used < num, EINVAL);
	/* A chain popped here spans at most num slots, so pushing it wraps
	 * at most once: (next_used, used_wrap) is the count of used slots
	 * modulo 2 * num, used_count the same count modulo 2^16, and they
	 * must agree where 2 * num divides 2^16. */
	if (65536u % (2 * num) == 0)
		VRS_ENSURE(d->used_count % (2 * num) ==
				   d->next_used + (d->used_wrap ? 0 : num),
			   EINVAL);
	/* The split fields keep the values configure gave them. */
	VRS_ENSURE(!d->last_avail && !d->used_idx && !d->signalled, EINVAL);
	return 0;
}

const struct vrs_vqdev_layout_ops vrs_vqdev_packed_ops = {
	.num_pow2 = false,
	.pop = packed_pop,
	.push = packed_push,
	.need_interrupt = packed_need_interrupt,
	.set_kicks = packed_set_kicks,
	.check = packed_check,
};
