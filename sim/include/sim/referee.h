/* The referee: an independent validator of the VIRTIO 1.2 device-side rules
 * (sections 2.7 split and 2.8 packed), written from the spec's text and
 * kept apart from ring/, whose device it judges (docs/design.md section 8b).
 *
 * It reads what the driver wrote (descriptors, the available ring, the
 * driver's event suppression fields) through a read callback of its own,
 * never writes, and keeps its own cursor: where the device will take the
 * next available chain. Before each device pop the integration asks for
 * the verdict on that chain and compares it with what the device did:
 *
 *   EMPTY      nothing is available at the cursor;
 *   ACCEPT     a valid chain the device must consume (its summary says
 *              what the device should have popped);
 *   REFUSE     the chain breaks a rule the driver MUST follow and the
 *              device can check; a device that consumes it is a finding;
 *   UNDECIDED  the spec leaves the device's behaviour open (a SHOULD, a
 *              MAY, or no rule at all): no finding either way;
 *   FAULT      a read of a ring structure failed: no verdict.
 *
 * Where several rules apply to one chain, REFUSE wins over UNDECIDED,
 * UNDECIDED over ACCEPT. Reasons name the rule and its section.
 *
 * Cost: no allocation; a verdict reads the avail index and ring entry
 * (split) and each descriptor of the chain once (16 bytes each), and
 * walks at most Queue Size descriptors: the bound that the spec's "no
 * chain longer than the Queue Size" allows makes loop detection O(num)
 * without any per-descriptor bookkeeping. */
#ifndef VRSIM_SIM_REFEREE_H
#define VRSIM_SIM_REFEREE_H

#include "vrsim/driver.h"
#include "vrsim/virtio.h"

enum vrs_referee_verdict {
	VRS_REFEREE_EMPTY = 0,
	VRS_REFEREE_ACCEPT,
	VRS_REFEREE_REFUSE,
	VRS_REFEREE_UNDECIDED,
	VRS_REFEREE_FAULT,
};

struct vrs_referee_config {
	unsigned num;		/* split: power of two <= 32768; packed: <= 32768 */
	uint64_t features;	/* negotiated VRS_F_* bits */
	bool big_endian_guest;	/* legacy rings use the guest's byte order */
	struct vrs_vq_addrs addrs; /* desc / driver / device bus addresses */
	/* Reads len bytes at a bus address: 0 or -EFAULT. */
	int (*read)(void *ctx, uint64_t bus_addr, void *dst, size_t len);
	void *ctx;
	/* Where the device starts, as agreed at set-up. Split: the first
	 * avail index to consume (any value). Packed: the first slot and the
	 * driver ring wrap counter there (true after a reset, 2.8.1). */
	uint16_t split_start;
	uint16_t packed_slot;
	bool packed_wrap;
	/* IN_ORDER, split: the descriptor the first chain starts at (2.7.5:
	 * "starting from offset 0 in the table"; usually 0). */
	uint16_t in_order_first;
	/* The device's own limit on elements per chain (2.7.4.1, 2.8.18: the
	 * device MAY have one); a longer chain that is within the Queue
	 * Size is UNDECIDED. 0: no limit below the Queue Size. */
	unsigned max_chain;
};

/* What the judged chain is: compare with what the device popped. Filled
 * for ACCEPT and UNDECIDED; for REFUSE as far as the walk went. */
struct vrs_referee_chain {
	enum vrs_referee_verdict verdict;
	const char *reason;	/* REFUSE, UNDECIDED, FAULT; NULL otherwise */
	uint16_t id;		/* split: head index; packed: the buffer id of
				 * the last descriptor (2.8.6) */
	uint16_t avail_idx;	/* split: the avail index judged */
	uint16_t slot;		/* packed: the first ring slot */
	bool wrap;		/* packed: the driver wrap counter there */
	uint16_t ring_descs;	/* split: descriptors walked in the table
				 * (with the one pointing at an indirect
				 * table); packed: ring slots the chain uses */
	uint32_t n_read, n_write; /* buffer elements (table entries counted,
				   * the descriptor pointing at a table not) */
	uint64_t read_bytes, write_bytes;
	uint32_t n_zero_len;	/* elements of length 0 (no rule: accepted) */
	bool indirect;
	uint64_t indirect_addr;	/* the table, when indirect */
	uint32_t indirect_len;
	uint64_t fault_addr;	/* FAULT: the read that failed */
};

/* Which used entries the device just made, for must_notify.
 * Split: the used idx before and after (free-running, 16 bits).
 * Packed: the device's next used slot and Device Ring Wrap Counter before
 * and after writing (slots < num); every slot passed counts, those of a
 * chain or an in-order batch the device skipped as well (2.8.6, 2.8.8). */
struct vrs_referee_span {
	uint16_t old_idx, new_idx;
	bool old_wrap, new_wrap;	/* packed only */
};

/* Caller-allocated; its fields are private. */
struct vrs_referee {
	uint32_t magic;
	struct vrs_referee_config cfg;
	struct vrs_endian e;
	bool packed, indirect_ok, event_idx, in_order;
	/* the cursor */
	uint16_t avail_idx;	/* split: next avail index to consume */
	uint16_t slot;		/* packed: next slot */
	bool wrap;		/* packed: driver wrap counter at slot */
	uint16_t in_order_next;	/* split IN_ORDER: expected next head */
	uint16_t seen_idx;	/* split: the avail idx last read */
	bool seen_valid;
	/* the last judgement, for consume */
	bool judged;
	enum vrs_referee_verdict last;
	uint16_t last_advance;	/* split: descriptors; packed: slots */
	uint16_t last_head;
};

/* Check the configuration and start at its cursor: 0 or -EINVAL. */
int vrs_referee_init(struct vrs_referee *r, const struct vrs_referee_config *cfg);
/* 0 when r is a consistent referee, -EINVAL otherwise. */
int vrs_referee_check(const struct vrs_referee *r);

/* The verdict on the next available chain, without consuming it. Returns
 * 0 with the verdict in out (FAULT is a verdict), -EINVAL on bad
 * arguments. */
int vrs_referee_next(struct vrs_referee *r, struct vrs_referee_chain *out);
/* The device consumed the chain just judged (whatever the verdict): move
 * past it. Split: one avail entry. Packed: the slots the chain used (for
 * REFUSE: those walked). -ENOENT if the last call to next found nothing
 * to consume (EMPTY, FAULT) or there was none. */
int vrs_referee_consume(struct vrs_referee *r);
/* Put the cursor elsewhere (queue reset, or after a REFUSE the device
 * handled its own way). Split: idx is the avail index, wrap ignored, and
 * the avail idx read before is forgotten (IN_ORDER's expected head is
 * kept); packed: idx is the slot (< num). */
int vrs_referee_resync(struct vrs_referee *r, uint16_t idx, bool wrap);
/* The cursor: split the avail index (wrap false); packed slot and wrap. */
void vrs_referee_cursor(const struct vrs_referee *r, uint16_t *idx, bool *wrap);

/* After the device made the used entries in span: whether the spec says
 * it MUST send a used buffer notification (false also for SHOULD NOT and
 * for values the driver must not write). 0, -EINVAL, or -EFAULT when the
 * driver's fields cannot be read. */
int vrs_referee_must_notify(const struct vrs_referee *r,
			    const struct vrs_referee_span *span, bool *must);
/* Whether the driver's event suppression fields hold a value the spec
 * allows; reason says which rule when not. 0, -EINVAL or -EFAULT. */
int vrs_referee_events_valid(const struct vrs_referee *r, bool *valid,
			     const char **reason);
/* Whether the three areas are aligned as 2.7.1 / 2.8.11 say the driver
 * MUST place them (a set-up check; no reads). */
int vrs_referee_layout_valid(const struct vrs_referee *r, bool *valid,
			     const char **reason);

const char *vrs_referee_verdict_name(enum vrs_referee_verdict v);

#endif
