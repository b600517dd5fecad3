/* The referee's split-ring rules (VIRTIO 1.2 section 2.7), from the
 * spec's text. Field offsets: descriptor addr 0, len 8, flags 12, next 14
 * (2.7.5); avail flags 0, idx 2, ring 4 + 2 * i, used_event after the
 * ring (2.7.6). */
#include "referee_internal.h"

#define ORDER_RULE                                                             \
	"2.7.4.2: a device-readable descriptor after a device-writable one"

struct split_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static bool read_desc(const struct vrs_referee *r, struct vrs_referee_chain *c,
		      uint64_t at, struct split_desc *d)
{
	struct vrs_ref_desc raw;
	if (!vrs_ref_read_desc(r, c, at, &raw))
		return false;
	*d = (struct split_desc){.addr = raw.addr, .len = raw.len,
				.flags = raw.w12, .next = raw.w14};
	return true;
}

/* Walk an indirect table (2.7.5.3): entry 0 first, then by next. */
static void judge_table(const struct vrs_referee *r,
			struct vrs_referee_chain *c, uint64_t base, uint32_t len)
{
	unsigned num = r->cfg.num;

	/* 2.7.5.3 sizes the table as desc[len / 16] and says nothing of
	 * other lengths: a device may read what fits, or refuse. */
	if (len == 0) {
		vrs_ref_note(c, VRS_REFEREE_UNDECIDED,
			     "2.7.5.3: an indirect table of length 0 (no rule)");
		return;
	}
	if (len % 16)
		vrs_ref_note(c, VRS_REFEREE_UNDECIDED,
			     "2.7.5.3: indirect table length not a multiple of "
			     "16 (no rule)");
	uint32_t n = len / 16;
	if (n == 0)
		return;
	/* No alignment is stated for the table ("anywhere in memory"). */
	uint32_t j = 0, steps = 0;
	for (;;) {
		struct split_desc d;
		if (!read_desc(r, c, base + 16ull * j, &d))
			return;
		steps++;
		/* 2.7.5.3.1: only one table per descriptor. */
		if (d.flags & VRS_DESC_F_INDIRECT) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.7.5.3.1: INDIRECT set inside an "
				     "indirect table");
			return;
		}
		vrs_ref_element(c, d.flags & VRS_DESC_F_WRITE, d.len, ORDER_RULE);
		if (c->verdict == VRS_REFEREE_REFUSE)
			return;
		/* 2.7.5.3.1: the table's entries count towards the chain. */
		if (c->n_read + c->n_write > num) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.7.5.3.1: a chain longer than the Queue "
				     "Size (indirect entries counted)");
			return;
		}
		if (!(d.flags & VRS_DESC_F_NEXT))
			return;
		if (d.next >= n) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.7.5.3: next outside the indirect table");
			return;
		}
		/* 2.7.5.3.1: in order, next is 1 for the 1st, 2 for the 2nd. */
		if (r->in_order && d.next != j + 1) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.7.5.3.1: IN_ORDER indirect entries MUST "
				     "be sequential");
			return;
		}
		/* n distinct entries: one more step means a loop (2.7.5.2). */
		if (steps == n) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.7.5.2: a loop in the indirect table");
			return;
		}
		j = d.next;
	}
}

bool vrs_ref_split_judge(const struct vrs_referee *r,
			 struct vrs_referee_chain *c, uint16_t *seen)
{
	const uint64_t drv = r->cfg.addrs.driver;
	unsigned num = r->cfg.num;
	uint16_t cur = r->avail_idx;
	uint8_t b[2];

	c->avail_idx = cur;
	if (!vrs_ref_read(r, c, drv + 2, b, 2))
		return false;
	uint16_t idx = vrs_ref_le16(r->e, b);
	uint16_t ahead = (uint16_t)(idx - cur);
	/* 2.7.6.1: the driver MUST NOT decrement idx; seen from the cursor,
	 * an idx behind the one read before went backwards. */
	if (r->seen_valid) {
		uint16_t before = (uint16_t)(r->seen_idx - cur);
		if (before <= num && ahead < before) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.7.6.1: the driver decremented the "
				     "available idx");
			return false; /* keep the idx seen before */
		}
	}
	*seen = idx;
	if (ahead == 0) {
		c->verdict = VRS_REFEREE_EMPTY;
		return true;
	}
	/* At most Queue Size buffers are queued at a time (2.7), so idx never
	 * runs more than num past the device; further means it went back
	 * (2.7.6.1) or offered buffers the ring cannot hold. */
	if (ahead > num) {
		vrs_ref_note(c, VRS_REFEREE_REFUSE,
			     "2.7.6.1/2.7: the available idx moved more than "
			     "the Queue Size past the device");
		return true;
	}
	if (!vrs_ref_read(r, c, drv + 4 + 2ull * (cur & (num - 1)), b, 2))
		return true;
	uint16_t head = vrs_ref_le16(r->e, b);
	c->id = head;
	/* The table has Queue Size entries (2.7.5); a ring entry is the
	 * index of one of them (2.7.13.2). */
	if (head >= num) {
		vrs_ref_note(c, VRS_REFEREE_REFUSE,
			     "2.7.6/2.7.5: a head outside the descriptor table");
		return true;
	}
	/* 2.7.5: with IN_ORDER the driver uses descriptors in ring order, but
	 * no MUST says so for heads. */
	if (r->in_order && head != r->in_order_next)
		vrs_ref_note(c, VRS_REFEREE_UNDECIDED,
			     "2.7.5: IN_ORDER head not the next descriptor in "
			     "ring order (no MUST)");

	uint16_t i = head;
	unsigned steps = 0;
	for (;;) {
		struct split_desc d;
		if (!read_desc(r, c, r->cfg.addrs.desc + 16ull * i, &d))
			return true;
		c->ring_descs = (uint16_t)++steps;
		if (d.flags & VRS_DESC_F_INDIRECT) {
			if (!r->indirect_ok) {
				vrs_ref_note(c, VRS_REFEREE_REFUSE,
					     "2.7.5.3.1: INDIRECT without "
					     "VIRTIO_F_INDIRECT_DESC");
				return true;
			}
			if (d.flags & VRS_DESC_F_NEXT) {
				vrs_ref_note(c, VRS_REFEREE_REFUSE,
					     "2.7.5.3.1: INDIRECT together with "
					     "NEXT");
				return true;
			}
			/* 2.7.5.3.2: WRITE here is ignored; the device MUST
			 * handle normal descriptors followed by one table. */
			c->indirect = true;
			c->indirect_addr = d.addr;
			c->indirect_len = d.len;
			judge_table(r, c, d.addr, d.len);
			break;
		}
		vrs_ref_element(c, d.flags & VRS_DESC_F_WRITE, d.len, ORDER_RULE);
		if (c->verdict == VRS_REFEREE_REFUSE)
			return true;
		if (!(d.flags & VRS_DESC_F_NEXT))
			break;
		if (d.next >= num) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.7.5: next outside the descriptor table");
			return true;
		}
		/* 2.7.5.2: in order, next MUST be x + 1, and 0 after the last. */
		if (r->in_order && d.next != ((i + 1u) & (num - 1))) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.7.5.2: IN_ORDER next MUST be the "
				     "following descriptor");
			return true;
		}
		/* Queue Size descriptors walked and one more to come: longer
		 * than the Queue Size (2.7.5.3.1), or a loop (2.7.5.2). Counting
		 * steps bounds the walk without marking descriptors. */
		if (steps == num) {
			vrs_ref_note(c, VRS_REFEREE_REFUSE,
				     "2.7.5.3.1: a chain longer than the Queue "
				     "Size (or a loop, 2.7.5.2)");
			return true;
		}
		i = d.next;
	}
	if (c->verdict == VRS_REFEREE_REFUSE || c->verdict == VRS_REFEREE_FAULT)
		return true;
	/* 2.7.5.2: no chain longer than 2^32 bytes in total. */
	if (c->read_bytes + c->write_bytes > (1ull << 32)) {
		vrs_ref_note(c, VRS_REFEREE_REFUSE,
			     "2.7.5.2: a chain longer than 2^32 bytes in total");
		return true;
	}
	vrs_ref_device_limit(r, c);
	return true;
}
