/* The referee's packed-ring rules (VIRTIO 1.2 section 2.8), from the
 * spec's text. Descriptor: addr 0, len 8, id 12, flags 14 (2.8.13). */
#include "referee_internal.h"

#define ORDER_RULE                                                             \
	"2.8.17: a device-readable descriptor after a device-writable one"
#define F_AVAIL (1u << VRS_PACKED_DESC_F_AVAIL)
#define F_USED (1u << VRS_PACKED_DESC_F_USED)

struct packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id, flags;
};

static bool read_desc(const struct vrs_referee *r, struct vrs_referee_chain *c,
		      uint64_t at, struct packed_desc *d)
{
	struct vrs_ref_desc raw;
	if (!vrs_ref_read_desc(r, c, at, &raw))
		return false;
	*d = (struct packed_desc){.addr = raw.addr, .len = raw.len,
				.id = raw.w12, .flags = raw.w14};
	return true;
}

/* 2.8.1: available means AVAIL matches the driver wrap counter and USED
 * does not. */
static bool available(uint16_t flags, bool wrap)
{
	return !!(flags & F_AVAIL) == wrap && !!(flags & F_USED) != wrap;
}

/* An indirect table (2.8.7): len / 16 entries one after the other. */
static void judge_table(const struct vrs_referee *r,
			struct vrs_referee_chain *c, uint64_t base, uint32_t len)
{
	/* As for split: the table's size is desc[len / 16]; no rule covers
	 * other lengths. */
	if (len == 0) {
		vrs_ref_note(c, VRS_REFEREE_UNDECIDED,
			     "2.8.7: an indirect table of length 0 (no rule)");
		return;
	}
	if (len % 16)
		vrs_ref_note(c, VRS_REFEREE_UNDECIDED,
			     "2.8.7: indirect table length not a multiple of 16 "
			     "(no rule)");
	uint32_t n = len / 16;
	/* 2.8.17: no list longer than the Queue Size; the table is one. */
	if (n > r->cfg.num) {
		vrs_ref_note(c, VRS_REFEREE_REFUSE,
			     "2.8.17: an indirect list longer than the Queue "
			     "Size");
		return;
	}
	for (uint32_t j = 0; j < n; j++) {
		struct packed_desc d;
		if (!read_desc(r, c, base + 16ull * j, &d))
			return;
		/* 2.8.19: the driver MUST NOT set flags other than WRITE
		 * here, but 2.8.7 says the device ignores them (and the
		 * id): consuming as if clear and refusing are both open. */
		if (d.flags & ~VRS_DESC_F_WRITE)
			vrs_ref_note(c, VRS_REFEREE_UNDECIDED,
				     "2.8.19/2.8.7: flags other than WRITE in an "
				     "indirect table (driver MUST NOT, device "
				     "ignores)");
		vrs_ref_element(c, d.flags & VRS_DESC_F_WRITE, d.len, ORDER_RULE);
		if (c->verdict == VRS_REFEREE_REFUSE)
			return;
	}
}

void vrs_ref_packed_judge(const struct vrs_referee *r,
			  struct vrs_referee_chain *c)
{
	unsigned num = r->cfg.num;
	unsigned s = r->slot;
	bool w = r->wrap;
	struct packed_desc d;

	c->slot = r->slot;
	c->wrap = r->wrap;
	if (!read_desc(r, c, r->cfg.addrs.desc + 16ull * s, &d))
		return;
	/* 2.8.15: the device uses a descriptor only once it sees AVAIL
	 * changed; anything else at the cursor is not (yet) for it. */
	if (!available(d.flags, w)) {
		c->verdict = VRS_REFEREE_EMPTY;
		return;
	}
	for (unsigned steps = 1;; steps++) {
		c->ring_descs = (uint16_t)steps;
		/* 2.8.6: the buffer id is in the last descriptor. */
		c->id = d.id;
		/* 2.8.17: the first descriptor is made available after all
		 * the others; 2.8.6: AVAIL/USED are right in every one, with
		 * the wrap counter flipped past the ring's end. */
		if (steps > 1 && !available(d.flags, w)) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.8.17: a later descriptor of the list is "
				     "not available (AVAIL/USED vs. its wrap "
				     "counter)");
			return;
		}
		bool more = d.flags & VRS_DESC_F_NEXT;
		if (d.flags & VRS_DESC_F_INDIRECT) {
			if (!r->indirect_ok) {
				vrs_ref_note(c, VRS_REFEREE_REFUSE,
					     "2.8.19: INDIRECT without "
					     "VIRTIO_F_INDIRECT_DESC");
				return;
			}
			/* 2.8.19: no INDIRECT in a list linked by NEXT (unlike
			 * split's normal-then-indirect, 2.7.5.3.2). */
			if (more || steps > 1) {
				vrs_ref_note(c, VRS_REFEREE_REFUSE,
					     "2.8.19: an INDIRECT descriptor in "
					     "a list linked by NEXT");
				return;
			}
			/* 2.8.7: WRITE is reserved here and ignored. */
			c->indirect = true;
			c->indirect_addr = d.addr;
			c->indirect_len = d.len;
			judge_table(r, c, d.addr, d.len);
			break;
		}
		vrs_ref_element(c, d.flags & VRS_DESC_F_WRITE, d.len, ORDER_RULE);
		if (c->verdict == VRS_REFEREE_REFUSE)
			return;
		if (!more)
			break;
		/* 2.8.17: no list longer than the Queue Size (which also stops a
		 * list that runs round onto its own head). */
		if (steps == num) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.8.17: a list longer than the Queue Size");
			return;
		}
		if (++s == num) {
			s = 0;
			w = !w;
		}
		if (!read_desc(r, c, r->cfg.addrs.desc + 16ull * s, &d))
			return;
	}
	if (c->verdict == VRS_REFEREE_ACCEPT || c->verdict == VRS_REFEREE_UNDECIDED)
		vrs_ref_device_limit(r, c);
}
