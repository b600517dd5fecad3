/* Device-side virtqueue front end and the chain validation both layouts
 * share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vqdev_internal.h"
#include "vrsim/guard.h"

int vqdev_protocol_error(struct vrs_vqdev *d, const char *fmt, ...)
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

int vqdev_push_iov(struct vrs_vqdev *d, struct vrs_vqdev_req *req,
		   uint64_t addr, uint32_t len, bool write)
{
	/* A chain longer than the queue is a loop or a lie (2.7.5.3.1). */
	if (req->niov >= d->cfg.num)
		return vqdev_protocol_error(d, "chain of head %u longer than "
					    "the queue size %u", req->id,
					    d->cfg.num);
	if (len == 0)
		return vqdev_protocol_error(d, "zero-length descriptor in "
					    "chain %u", req->id);
	if (!write && req->nin)
		return vqdev_protocol_error(d, "readable descriptor after a "
					    "writable one in chain %u",
					    req->id);
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

int vqdev_indirect_entries(struct vrs_vqdev *d, uint32_t len, uint32_t *n)
{
	/* Both layouts' descriptors are 16 bytes. */
	const uint32_t dsz = 16;
	if (!d->indirect)
		return vqdev_protocol_error(d, "indirect descriptor without "
					    "INDIRECT_DESC");
	if (len == 0 || len % dsz)
		return vqdev_protocol_error(d, "indirect table of %u bytes is "
					    "not a whole number of "
					    "descriptors", len);
	*n = len / dsz;
	if (*n > d->cfg.num)
		return vqdev_protocol_error(d, "indirect table of %u entries "
					    "exceeds the queue size %u", *n,
					    d->cfg.num);
	return 0;
}

int vqdev_walk_indirect(struct vrs_vqdev *d, struct vrs_vqdev_req *req,
			uint64_t addr, uint32_t len)
{
	const uint32_t dsz = sizeof(struct vrs_vring_desc);
	uint32_t n, i = 0;
	VRS_GUARD(vqdev_indirect_entries(d, len, &n));
	for (uint32_t count = 0;; count++) {
		/* Each entry can be visited once: more is a loop. */
		if (count >= n)
			return vqdev_protocol_error(d, "loop in indirect table "
						    "of chain %u", req->id);
		struct vrs_vring_desc desc;
		VRS_GUARD(vrs_bus_read(d->cfg.bus, addr + (uint64_t)i * dsz,
				       &desc, dsz));
		uint16_t flags = vrs_from16(d->e, desc.flags);
		if (flags & VRS_DESC_F_INDIRECT)
			return vqdev_protocol_error(d, "indirect descriptor "
						    "inside an indirect table");
		VRS_GUARD(vqdev_push_iov(d, req, vrs_from64(d->e, desc.addr),
					 vrs_from32(d->e, desc.len),
					 flags & VRS_DESC_F_WRITE));
		if (!(flags & VRS_DESC_F_NEXT))
			return 0;
		i = vrs_from16(d->e, desc.next);
		if (i >= n)
			return vqdev_protocol_error(d, "indirect next %u outside "
						    "the table of %u", i, n);
	}
}

static int configure(struct vrs_vqdev *d, const struct vrs_vqdev_config *cfg)
{
	VRS_ENSURE(cfg && cfg->bus && cfg->num > 0 &&
		   cfg->num <= VRS_MAX_QUEUE_SIZE, EINVAL);
	bool packed = vrs_has_feature(cfg->features, VRS_F_RING_PACKED);
	VRS_ENSURE(packed || (cfg->num & (cfg->num - 1)) == 0, EINVAL);
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->e = vrs_endian_for(cfg->features, cfg->big_endian_guest);
	d->packed = packed;
	d->event_idx = vrs_has_feature(cfg->features, VRS_F_EVENT_IDX);
	d->indirect = vrs_has_feature(cfg->features, VRS_F_INDIRECT_DESC);
	d->avail_wrap = d->used_wrap = true;
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
	int rc = d->packed ? vqdev_packed_pop(d, req) : vqdev_split_pop(d, req);
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
	int rc = d->packed ? vqdev_packed_push(d, req, len)
			   : vqdev_split_push(d, req, len);
	if (rc == 0)
		d->inflight--;
	return rc;
}

bool vrs_vqdev_need_interrupt(struct vrs_vqdev *d)
{
	return d->packed ? vqdev_packed_need_interrupt(d)
			 : vqdev_split_need_interrupt(d);
}

int vrs_vqdev_set_kicks(struct vrs_vqdev *d, bool wanted)
{
	return d->packed ? vqdev_packed_set_kicks(d, wanted)
			 : vqdev_split_set_kicks(d, wanted);
}

unsigned vrs_vqdev_inflight(const struct vrs_vqdev *d) { return d->inflight; }
bool vrs_vqdev_needs_reset(const struct vrs_vqdev *d) { return d->needs_reset; }
const char *vrs_vqdev_error(const struct vrs_vqdev *d) { return d->error; }
