/* The referee at work (sim/referee.h): before every device pop it judges
 * the chain the device is about to take, from the same ring state, and
 * after the pop holds the device to the verdict; before every interrupt
 * decision it says whether the spec makes one mandatory. What the device
 * did against the spec is a device-acceptance finding. Its reads go
 * through the device's own bus, quietly (no trace, no finding), so it sees
 * exactly what the device sees: translation, ciphertext and faults. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "sim_internal.h"
#include "sim/devbus.h"

static int quiet_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	return vrs_devbus_peek(ctx, addr, dst, len);
}

void vrs_sim_referee_start(struct vrs_sim *s, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	struct vrs_vqdev_config dc;
	vrs_qpair_device_config(&s->pair[q], &dc);
	uint16_t slot;
	bool wrap;
	vrs_packed_start(dc.start, dc.num, &slot, &wrap);
	struct vrs_referee_config rc = {
		.num = dc.num,
		.features = dc.features,
		.big_endian_guest = dc.big_endian_guest,
		.addrs = dc.addrs,
		.read = quiet_read,
		.ctx = vrs_machine_devbus(s->m),
		.split_start = dc.start,
		.packed_slot = slot,
		.packed_wrap = wrap,
	};
	sq->refereed = vrs_referee_init(&sq->ref, &rc) == 0;
	struct vrs_vqdev_position p;
	sq->dev->ops->position(sq->dev, &p);
	sq->irq_used = p.used;
	sq->irq_used_wrap = p.used_wrap;
}

static void acceptance(struct vrs_sim *s, unsigned q, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void acceptance(struct vrs_sim *s, unsigned q, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->q[q].refereed = false; /* one finding per queue and run */
	vrs_report(VRS_FIND_DEVICE_ACCEPTANCE, "q%u: %s", q, msg);
}

bool vrs_sim_referee_judge(struct vrs_sim *s, unsigned q,
			   struct vrs_referee_chain *want)
{
	struct vrs_sim_queue *sq = &s->q[q];
	if (!sq->refereed || sq->dev->ops->needs_reset(sq->dev))
		return false;
	return vrs_referee_next(&sq->ref, want) == 0 &&
	       want->verdict != VRS_REFEREE_FAULT;
}

/* What the device popped against what the referee accepted. */
static const char *popped_otherwise(const struct vrs_sim *s,
				    const struct vrs_referee_chain *w,
				    const struct vrs_vqdev_req *req)
{
	if (req->id != w->id)
		return "another buffer id";
	if (req->nout != w->n_read || req->nin != w->n_write)
		return "other numbers of readable and writable elements";
	if (req->out_len != w->read_bytes || req->in_len != w->write_bytes)
		return "other byte counts";
	if (vrs_sim_packed(s) && req->ndesc != w->ring_descs)
		return "another number of ring slots";
	return NULL;
}

void vrs_sim_referee_check(struct vrs_sim *s, unsigned q,
			   const struct vrs_referee_chain *w, int rc,
			   const struct vrs_vqdev_req *req)
{
	struct vrs_sim_queue *sq = &s->q[q];
	const char *why = sq->dev->ops->error(sq->dev);
	const char *other;
	switch (w->verdict) {
	case VRS_REFEREE_EMPTY:
		if (rc == 0)
			acceptance(s, q, "device took chain %u where the spec "
				   "sees nothing available", req->id);
		return;
	case VRS_REFEREE_ACCEPT:
		if (rc == -EPROTO || rc == -ENOSPC)
			acceptance(s, q, "device refused chain %u, which the "
				   "spec says it must take: %s", w->id,
				   why[0] ? why : "no room for its elements");
		else if (rc == -EAGAIN)
			acceptance(s, q, "device saw nothing where chain %u is "
				   "available", w->id);
		else if (rc == 0 && (other = popped_otherwise(s, w, req)))
			acceptance(s, q, "device took chain %u with %s than the "
				   "driver wrote (%u+%u elements, the spec says "
				   "%u+%u)", w->id, other,
				   req->nout, req->nin, w->n_read, w->n_write);
		break;
	case VRS_REFEREE_REFUSE:
		if (rc == 0)
			acceptance(s, q, "device took chain %u, which the spec "
				   "forbids: %s", req->id, w->reason);
		break;
	default: /* UNDECIDED: the spec lets the device choose */
		break;
	}
	if (rc != 0 || !sq->refereed)
		return;
	/* Both move past the chain and must agree where the next one is. */
	vrs_referee_consume(&sq->ref);
	uint16_t idx;
	bool wrap;
	struct vrs_vqdev_position p;
	vrs_referee_cursor(&sq->ref, &idx, &wrap);
	sq->dev->ops->position(sq->dev, &p);
	if (idx != p.avail || wrap != p.avail_wrap) {
		if (w->verdict == VRS_REFEREE_ACCEPT)
			acceptance(s, q, "after chain %u the device reads at "
				   "%u (wrap %d), the spec's next chain is at "
				   "%u (wrap %d)", w->id, p.avail, p.avail_wrap,
				   idx, wrap);
		else /* after an undecided chain the device's count rules */
			vrs_referee_resync(&sq->ref, p.avail, p.avail_wrap);
	}
}

void vrs_sim_referee_irq(struct vrs_sim *s, unsigned q, bool raised)
{
	struct vrs_sim_queue *sq = &s->q[q];
	struct vrs_vqdev_position p;
	sq->dev->ops->position(sq->dev, &p);
	struct vrs_referee_span span = {
		.old_idx = sq->irq_used, .new_idx = p.used,
		.old_wrap = sq->irq_used_wrap, .new_wrap = p.used_wrap,
	};
	sq->irq_used = p.used;
	sq->irq_used_wrap = p.used_wrap;
	bool must;
	if (!sq->refereed || raised || sq->dev->ops->needs_reset(sq->dev) ||
	    vrs_referee_must_notify(&sq->ref, &span, &must) < 0 || !must)
		return;
	acceptance(s, q, "device raised no interrupt after used entries "
		   "%u..%u, where the driver's event suppression says it "
		   "must", span.old_idx, span.new_idx);
}
