/* The referee's state, cursor and event suppression rules (VIRTIO 1.2
 * 2.7.7 and 2.8.10 / 2.8.14); the chain rules are in referee_split.c and
 * referee_packed.c. The referee only reads what the driver writes. */
#include "referee_internal.h"

#include "vrsim/guard.h"

int vrs_referee_init(struct vrs_referee *r, const struct vrs_referee_config *cfg)
{
	VRS_ENSURE(r && cfg && cfg->read, EINVAL);
	bool packed = vrs_has_feature(cfg->features, VRS_F_RING_PACKED);
	unsigned num = cfg->num;
	/* 2.7: a power of two up to 32768; 2.8: up to 2^15 entries. */
	VRS_ENSURE(num >= 1 && num <= VRS_MAX_QUEUE_SIZE, EINVAL);
	VRS_ENSURE(packed || (num & (num - 1)) == 0, EINVAL);
	VRS_ENSURE(!packed || cfg->packed_slot < num, EINVAL);
	VRS_ENSURE(packed || cfg->in_order_first < num, EINVAL);

	memset(r, 0, sizeof(*r));
	r->magic = VRS_REFEREE_MAGIC;
	r->cfg = *cfg;
	r->e = vrs_endian_for(cfg->features, cfg->big_endian_guest);
	r->packed = packed;
	r->indirect_ok = vrs_has_feature(cfg->features, VRS_F_INDIRECT_DESC);
	r->event_idx = vrs_has_feature(cfg->features, VRS_F_EVENT_IDX);
	r->in_order = vrs_has_feature(cfg->features, VRS_F_IN_ORDER);
	r->avail_idx = cfg->split_start;
	r->slot = cfg->packed_slot;
	r->wrap = cfg->packed_wrap;
	r->in_order_next = cfg->in_order_first;
	return 0;
}

int vrs_referee_check(const struct vrs_referee *r)
{
	VRS_ENSURE(r && r->magic == VRS_REFEREE_MAGIC && r->cfg.read, EINVAL);
	unsigned num = r->cfg.num;
	VRS_ENSURE(num >= 1 && num <= VRS_MAX_QUEUE_SIZE, EINVAL);
	VRS_ENSURE(r->packed == vrs_has_feature(r->cfg.features, VRS_F_RING_PACKED),
		   EINVAL);
	if (r->packed) {
		VRS_ENSURE(r->slot < num, EINVAL);
		VRS_ENSURE(!r->judged || (r->last_advance >= 1 &&
					  r->last_advance <= num), EINVAL);
	} else {
		VRS_ENSURE((num & (num - 1)) == 0, EINVAL);
		VRS_ENSURE(r->in_order_next < num, EINVAL);
		VRS_ENSURE(!r->judged || r->last_advance <= num, EINVAL);
	}
	VRS_ENSURE(!r->judged || r->last == VRS_REFEREE_ACCEPT ||
			   r->last == VRS_REFEREE_REFUSE ||
			   r->last == VRS_REFEREE_UNDECIDED, EINVAL);
	return 0;
}

int vrs_referee_next(struct vrs_referee *r, struct vrs_referee_chain *out)
{
	VRS_ENSURE(out, EINVAL);
	VRS_GUARD(vrs_referee_check(r));
	memset(out, 0, sizeof(*out));
	out->verdict = VRS_REFEREE_ACCEPT;
	if (r->packed) {
		vrs_ref_packed_judge(r, out);
	} else {
		uint16_t seen;
		if (vrs_ref_split_judge(r, out, &seen)) {
			r->seen_idx = seen;
			r->seen_valid = true;
		}
	}
	enum vrs_referee_verdict v = out->verdict;
	r->judged = v == VRS_REFEREE_ACCEPT || v == VRS_REFEREE_REFUSE ||
		    v == VRS_REFEREE_UNDECIDED;
	r->last = v;
	r->last_head = out->id;
	/* packed: the slots the chain takes; split: its table descriptors,
	 * which IN_ORDER's next head follows. */
	r->last_advance = out->ring_descs;
	if (r->packed && r->judged && r->last_advance == 0)
		r->last_advance = 1;
	return 0;
}

int vrs_referee_consume(struct vrs_referee *r)
{
	VRS_GUARD(vrs_referee_check(r));
	VRS_ENSURE(r->judged, ENOENT);
	unsigned num = r->cfg.num;
	if (r->packed) {
		/* 2.8.1: the driver's wrap counter flips past the last slot. */
		unsigned s = r->slot + r->last_advance;
		if (s >= num) {
			s -= num;
			r->wrap = !r->wrap;
		}
		r->slot = (uint16_t)s;
	} else {
		r->avail_idx++;
		if (r->last_advance)
			r->in_order_next = (uint16_t)((r->last_head + r->last_advance) &
						      (num - 1));
	}
	r->judged = false;
	return 0;
}

int vrs_referee_resync(struct vrs_referee *r, uint16_t idx, bool wrap)
{
	VRS_GUARD(vrs_referee_check(r));
	if (r->packed) {
		VRS_ENSURE(idx < r->cfg.num, EINVAL);
		r->slot = idx;
		r->wrap = wrap;
	} else {
		r->avail_idx = idx;
		r->seen_valid = false;
	}
	r->judged = false;
	return 0;
}

void vrs_referee_cursor(const struct vrs_referee *r, uint16_t *idx, bool *wrap)
{
	if (idx)
		*idx = r->packed ? r->slot : r->avail_idx;
	if (wrap)
		*wrap = r->packed && r->wrap;
}

/* The driver's event suppression fields: split avail flags and
 * used_event; packed off_wrap and flags (2.8.14). */
static int read_events(const struct vrs_referee *r, uint16_t *flags,
		       uint16_t *event)
{
	uint8_t b[4];
	uint64_t drv = r->cfg.addrs.driver;
	if (r->packed) {
		VRS_ENSURE(r->cfg.read(r->cfg.ctx, drv, b, 4) == 0, EFAULT);
		*event = vrs_ref_le16(r->e, b);
		*flags = vrs_ref_le16(r->e, b + 2);
		return 0;
	}
	VRS_ENSURE(r->cfg.read(r->cfg.ctx, drv, b, 2) == 0, EFAULT);
	*flags = vrs_ref_le16(r->e, b);
	*event = 0;
	if (r->event_idx) {
		uint64_t at = drv + 4 + 2ull * r->cfg.num;
		VRS_ENSURE(r->cfg.read(r->cfg.ctx, at, b, 2) == 0, EFAULT);
		*event = vrs_ref_le16(r->e, b);
	}
	return 0;
}

/* Packed positions in the order the device passes them: wrap 1 then 0,
 * so a position is slot + (wrap ? 0 : num), modulo 2 * num. */
static unsigned lin(unsigned num, unsigned slot, bool wrap)
{
	return slot + (wrap ? 0 : num);
}

int vrs_referee_must_notify(const struct vrs_referee *r,
			    const struct vrs_referee_span *span, bool *must)
{
	VRS_ENSURE(span && must, EINVAL);
	VRS_GUARD(vrs_referee_check(r));
	unsigned num = r->cfg.num;
	uint16_t flags, event;
	*must = false;
	if (!r->packed) {
		uint16_t count = (uint16_t)(span->new_idx - span->old_idx);
		if (!count)
			return 0;
		VRS_GUARD(read_events(r, &flags, &event));
		if (!r->event_idx) {
			/* 2.7.7.2: flags 0 MUST, 1 SHOULD NOT; other values
			 * the driver MUST NOT write (2.7.7.1): no MUST. */
			*must = flags == 0;
			return 0;
		}
		/* 2.7.7.2: the lower flags bit is ignored; MUST when an entry
		 * went in at used idx == used_event, i.e. used_event is one of
		 * old_idx .. new_idx - 1. */
		*must = (uint16_t)(event - span->old_idx) < count;
		return 0;
	}
	VRS_ENSURE(span->old_idx < num && span->new_idx < num, EINVAL);
	unsigned period = 2 * num;
	unsigned from = lin(num, span->old_idx, span->old_wrap);
	unsigned count = (lin(num, span->new_idx, span->new_wrap) + period - from) %
			 period;
	if (!count)
		return 0;
	VRS_GUARD(read_events(r, &flags, &event));
	switch (flags & 3u) {
	case VRS_PACKED_EVENT_ENABLE:
		*must = true;
		break;
	case VRS_PACKED_EVENT_DESC: {
		/* 2.8.10: only with EVENT_IDX; then the event fires when the
		 * descriptor at desc_event_off is made used while the device
		 * wrap counter equals desc_event_wrap. */
		unsigned off = event & 0x7fffu;
		bool w = event >> VRS_PACKED_WRAP_SHIFT;
		if (r->event_idx && off < num)
			*must = (lin(num, off, w) + period - from) % period < count;
		break;
	}
	default: /* DISABLE, or 3: reserved (2.8.10) */
		break;
	}
	return 0;
}

int vrs_referee_events_valid(const struct vrs_referee *r, bool *valid,
			     const char **reason)
{
	VRS_ENSURE(valid, EINVAL);
	VRS_GUARD(vrs_referee_check(r));
	uint16_t flags, event;
	const char *why = NULL;
	VRS_GUARD(read_events(r, &flags, &event));
	if (!r->packed) {
		if (!r->event_idx && flags > 1)
			why = "2.7.7.1: without EVENT_IDX the driver MUST set "
			      "avail flags to 0 or 1";
		else if (r->event_idx && flags != 0)
			why = "2.7.7.1: with EVENT_IDX the driver MUST set avail "
			      "flags to 0";
	} else if ((flags & 3u) == 3u) {
		why = "2.8.10: event flags value 3 is reserved";
	} else if ((flags & 3u) == VRS_PACKED_EVENT_DESC && !r->event_idx) {
		why = "2.8.10: RING_EVENT_FLAGS_DESC is valid only with "
		      "EVENT_IDX";
	} else if (flags >> 2) {
		why = "2.8.14: the reserved bits of the event flags are set to 0";
	} else if ((flags & 3u) == VRS_PACKED_EVENT_DESC &&
		   (event & 0x7fffu) >= r->cfg.num) {
		why = "2.8.10: desc_event_off is not an offset within the ring";
	}
	*valid = why == NULL;
	if (reason)
		*reason = why;
	return 0;
}

int vrs_referee_layout_valid(const struct vrs_referee *r, bool *valid,
			     const char **reason)
{
	VRS_ENSURE(valid, EINVAL);
	VRS_GUARD(vrs_referee_check(r));
	const struct vrs_vq_addrs *a = &r->cfg.addrs;
	const char *why = NULL;
	if (!r->packed) {
		/* 2.7.1: descriptor table 16, available ring 2, used ring 4. */
		if (a->desc % 16)
			why = "2.7.1: the descriptor table is not 16-byte aligned";
		else if (a->driver % 2)
			why = "2.7.1: the available ring is not 2-byte aligned";
		else if (a->device % 4)
			why = "2.7.1: the used ring is not 4-byte aligned";
	} else {
		/* 2.8.11: descriptor ring 16, both event structures 4. */
		if (a->desc % 16)
			why = "2.8.11: the descriptor ring is not 16-byte aligned";
		else if (a->driver % 4)
			why = "2.8.11: the driver event suppression area is not "
			      "4-byte aligned";
		else if (a->device % 4)
			why = "2.8.11: the device event suppression area is not "
			      "4-byte aligned";
	}
	*valid = why == NULL;
	if (reason)
		*reason = why;
	return 0;
}

const char *vrs_referee_verdict_name(enum vrs_referee_verdict v)
{
	switch (v) {
	case VRS_REFEREE_EMPTY: return "empty";
	case VRS_REFEREE_ACCEPT: return "accept";
	case VRS_REFEREE_REFUSE: return "refuse";
	case VRS_REFEREE_UNDECIDED: return "undecided";
	case VRS_REFEREE_FAULT: return "fault";
	}
	return "?";
}
