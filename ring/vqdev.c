/* Device-side virtqueue front end: the layout is chosen once per
 * configuration, and the chain validation both layouts share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vqdev_internal.h"
#include "vrsim/guard.h"

int vrs_vqdev_protocol_error(struct vrs_vqdev *d, const char *fmt, ...)
{
	if (!d->needs_reset) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(d->error, sizeof(d->error), fmt, ap);
		va_end(ap);
		d->needs_reset = true;
	}
	return -EPROTO;
}

int vrs_vqdev_push_iov(struct vrs_vqdev *d, struct vrs_vqdev_req *req,
		       uint64_t addr, uint32_t len, bool write)
{
	/* A chain longer than the queue is a loop or a lie (2.7.5.3.1). */
	if (req->niov >= d->cfg.num)
		return vrs_vqdev_protocol_error(
			d, "chain of head %u longer than the queue size %u",
			req->id, d->cfg.num);
	if (len == 0)
		return vrs_vqdev_protocol_error(
			d, "zero-length descriptor in chain %u", req->id);
	if (!write && req->nin)
		return vrs_vqdev_protocol_error(
			d, "readable descriptor after a writable one in "
			"chain %u", req->id);
	/* No split chain longer than 2^32 bytes in total (2.7.5.2). */
	if (d->ops == &vrs_vqdev_split_ops &&
	    req->out_len + req->in_len + len > (1ull << 32))
		return vrs_vqdev_protocol_error(
			d, "chain %u longer than 2^32 bytes in total", req->id);
	if (req->niov >= req->iov_cap)
		return -ENOSPC;
	req->iov[req->niov++] = (struct vrs_iov){addr, len, write};
	if (write) {
		req->nin++;
		req->in_len += len;
	} else {
		req->nout++;
		req->out_len += len;
	}
	return 0;
}

int vrs_vqdev_indirect_entries(struct vrs_vqdev *d, uint32_t len, uint32_t *n)
{
	/* Both layouts' descriptors are 16 bytes. */
	const uint32_t dsz = 16;
	if (!d->indirect)
		return vrs_vqdev_protocol_error(
			d, "indirect descriptor without INDIRECT_DESC");
	if (len == 0 || len % dsz)
		return vrs_vqdev_protocol_error(
			d, "indirect table of %u bytes is not a whole number "
			"of descriptors", len);
	/* A table may be longer than the queue: the chain it holds may not
	 * (2.7.5.3.1), which vrs_vqdev_push_iov enforces as it walks. */
	*n = len / dsz;
	return 0;
}

static const struct vrs_vqdev_layout_ops *layout_for(uint64_t features)
{
	bool packed = vrs_has_feature(features, VRS_F_RING_PACKED);
	return packed ? &vrs_vqdev_packed_ops : &vrs_vqdev_split_ops;
}

static int configure(struct vrs_vqdev *d, const struct vrs_vqdev_config *cfg)
{
	VRS_ENSURE(cfg && cfg->bus && cfg->num > 0 &&
		   cfg->num <= VRS_MAX_QUEUE_SIZE, EINVAL);
	const struct vrs_vqdev_layout_ops *ops = layout_for(cfg->features);
	VRS_ENSURE(!ops->num_pow2 || (cfg->num & (cfg->num - 1)) == 0, EINVAL);
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->ops = ops;
	d->e = vrs_endian_for(cfg->features, cfg->big_endian_guest);
	d->event_idx = vrs_has_feature(cfg->features, VRS_F_EVENT_IDX);
	d->indirect = vrs_has_feature(cfg->features, VRS_F_INDIRECT_DESC);
	d->in_order = vrs_has_feature(cfg->features, VRS_F_IN_ORDER);
	d->avail_wrap = d->used_wrap = true;
	/* Start where the driver set the ring up (vrs_packed_start). */
	if (ops == &vrs_vqdev_packed_ops) {
		vrs_packed_start(cfg->start, cfg->num, &d->next_avail,
				 &d->avail_wrap);
		d->next_used = d->next_avail;
		d->used_wrap = d->avail_wrap;
		d->used_count = d->signalled_count = cfg->start;
	} else {
		d->last_avail = d->used_idx = d->signalled = cfg->start;
	}
	return 0;
}

int vrs_vqdev_create(const struct vrs_vqdev_config *cfg,
		     struct vrs_vqdev **out)
{
	VRS_ENSURE(out, EINVAL);
	struct vrs_vqdev *d = malloc(sizeof(*d));
	VRS_ENSURE(d, ENOMEM);
	int rc = configure(d, cfg);
	if (rc < 0) {
		free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void vrs_vqdev_destroy(struct vrs_vqdev *d)
{
	free(d);
}

int vrs_vqdev_reset(struct vrs_vqdev *d, const struct vrs_vqdev_config *cfg)
{
	return configure(d, cfg);
}

int vrs_vqdev_pop(struct vrs_vqdev *d, struct vrs_vqdev_req *req)
{
	VRS_ENSURE(req && req->iov && req->iov_cap > 0, EINVAL);
	if (d->needs_reset)
		return -EPROTO;
	req->niov = req->nout = req->nin = 0;
	req->out_len = req->in_len = 0;
	req->ndesc = 0;
	int rc = d->ops->pop(d, req);
	if (rc == 0)
		d->inflight++;
	return rc;
}

int vrs_vqdev_push(struct vrs_vqdev *d, const struct vrs_vqdev_req *req,
		   uint32_t len)
{
	VRS_ENSURE(req, EINVAL);
	VRS_ENSURE(d->inflight > 0, EINVAL);
	if (d->needs_reset)
		return -EPROTO;
	int rc = d->ops->push(d, req, len);
	if (rc == 0)
		d->inflight--;
	return rc;
}

bool vrs_vqdev_need_interrupt(struct vrs_vqdev *d)
{
	return d->ops->need_interrupt(d);
}

int vrs_vqdev_set_kicks(struct vrs_vqdev *d, bool wanted)
{
	return d->ops->set_kicks(d, wanted);
}

unsigned vrs_vqdev_inflight(const struct vrs_vqdev *d) { return d->inflight; }
bool vrs_vqdev_needs_reset(const struct vrs_vqdev *d) { return d->needs_reset; }

void vrs_vqdev_position(const struct vrs_vqdev *d, struct vrs_vqdev_position *out)
{
	bool packed = d->ops == &vrs_vqdev_packed_ops;
	*out = (struct vrs_vqdev_position){
		.avail = packed ? d->next_avail : d->last_avail,
		.used = packed ? d->next_used : d->used_idx,
		.avail_wrap = packed && d->avail_wrap,
		.used_wrap = packed && d->used_wrap,
	};
}
const char *vrs_vqdev_error(const struct vrs_vqdev *d) { return d->error; }

int vrs_vqdev_check(const struct vrs_vqdev *d)
{
	VRS_ENSURE(d, EINVAL);
	/* What configure accepted and derived: nothing writes it later. */
	const struct vrs_vqdev_config *cfg = &d->cfg;
	uint64_t f = cfg->features;
	VRS_ENSURE(cfg->bus && cfg->num > 0 && cfg->num <= VRS_MAX_QUEUE_SIZE,
		   EINVAL);
	VRS_ENSURE(d->ops == layout_for(f), EINVAL);
	VRS_ENSURE(!d->ops->num_pow2 || (cfg->num & (cfg->num - 1)) == 0,
		   EINVAL);
	VRS_ENSURE(d->e.big == vrs_endian_for(f, cfg->big_endian_guest).big,
		   EINVAL);
	VRS_ENSURE(d->event_idx == vrs_has_feature(f, VRS_F_EVENT_IDX), EINVAL);
	VRS_ENSURE(d->indirect == vrs_has_feature(f, VRS_F_INDIRECT_DESC),
		   EINVAL);
	/* A reason is kept exactly when the ring was refused, and no reason
	 * is empty. */
	VRS_ENSURE(memchr(d->error, '\0', sizeof(d->error)), EINVAL);
	VRS_ENSURE(d->needs_reset == (d->error[0] != '\0'), EINVAL);
	return d->ops->check(d);
}
