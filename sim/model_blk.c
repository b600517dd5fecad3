/* A block-like device and its driver: request header, data, status byte.
 * The driver writes data it can recognise (pattern of the request's serial
 * number) and pre-fills what the device should overwrite, so that a stale or
 * foreign byte anywhere shows up as a data-integrity finding. */
#include <errno.h>
#include <string.h>

#include "sim_internal.h"

#define BLK_MAX_REQS 256
#define BLK_HDR 16u
#define BLK_SECTOR 512u
#define BLK_T_IN 0u
#define BLK_T_OUT 1u

struct blk_req {
	uint32_t serial;
	bool write;
	uint32_t len, off; /* data length, and its offset in the allocation */
	uint8_t *hdr, *data, *status;
};

struct blk_state {
	struct blk_req req[BLK_MAX_REQS];
	uint16_t free[BLK_MAX_REQS];
	unsigned nfree;
};

_Static_assert(sizeof(struct blk_state) <= sizeof(((struct vrs_sim *)0)->model_state),
	       "blk state must fit the model area");

static struct blk_state *state(struct vrs_sim *s)
{
	return (struct blk_state *)s->model_state;
}

static void blk_reset(struct vrs_sim *s)
{
	struct blk_state *st = state(s);
	for (unsigned i = 0; i < BLK_MAX_REQS; i++)
		st->free[i] = (uint16_t)(BLK_MAX_REQS - 1 - i);
	st->nfree = BLK_MAX_REQS;
}

static void free_req(struct vrs_sim *s, struct blk_state *st,
		     struct blk_req *r)
{
	vrs_sim_kfree(s, r->hdr, BLK_HDR);
	vrs_sim_kfree(s, r->data, r->len + r->off);
	vrs_sim_kfree(s, r->status, 1);
	r->hdr = r->data = r->status = NULL;
	st->free[st->nfree++] = (uint16_t)(r - st->req);
}

static void blk_submit(struct vrs_sim *s, struct vrs_provider *p)
{
	struct blk_state *st = state(s);
	bool write = vrs_provider_bool(p);
	uint32_t len = vrs_provider_range(p, 1, 16) * BLK_SECTOR;
	/* Data that does not start on an allocation boundary exercises
	 * bounce offsets and min_align_mask. */
	uint32_t off = vrs_provider_u8(p) & 63u;
	if (st->nfree == 0)
		return;
	struct blk_req *r = &st->req[st->free[--st->nfree]];
	r->hdr = vrs_sim_kmalloc(s, BLK_HDR);
	r->data = vrs_sim_kmalloc(s, len + off);
	r->status = vrs_sim_kmalloc(s, 1);
	r->len = len;
	r->off = off;
	if (!r->hdr || !r->data || !r->status) {
		free_req(s, st, r);
		return;
	}
	r->serial = ++s->serial;
	r->write = write;
	uint32_t type = write ? BLK_T_OUT : BLK_T_IN;
	uint64_t sector = r->serial;
	memset(r->hdr, 0, BLK_HDR);
	memcpy(r->hdr, &type, 4);
	memcpy(r->hdr + 8, &sector, 8);
	uint8_t *d = r->data + off;
	vrs_pat_write(d, write ? VRS_PAT_OUT : VRS_PAT_FILL, r->serial, 0, len);
	*r->status = 0xff;

	struct vrs_sg sg[3] = {{r->hdr, BLK_HDR}, {d, len}, {r->status, 1}};
	unsigned out = write ? 2 : 1;
	if (vrs_sim_add(s, 0, sg, out, 3 - out, r) < 0)
		free_req(s, st, r);
}

static void blk_complete(struct vrs_sim *s, unsigned q, void *token,
			 uint32_t len, bool used)
{
	struct blk_state *st = state(s);
	struct blk_req *r = token;
	if (used) {
		uint32_t want = (r->write ? 0 : r->len) + 1;
		if (len != want)
			vrs_sim_integrity(s, "blk request %u: used len %u, the "
					  "device wrote %u", r->serial, len, want);
		else if (*r->status != 0)
			vrs_sim_integrity(s, "blk request %u: status byte %#x "
					  "instead of 0", r->serial, *r->status);
		const uint8_t *d = r->data + r->off;
		size_t i = r->write || len != want
			? r->len
			: vrs_pat_mismatch(d, VRS_PAT_IN, r->serial, 0, r->len);
		if (i < r->len)
			vrs_sim_integrity(s, "blk read %u: byte %zu is %#x, the "
					  "device wrote %#x%s", r->serial, i, d[i],
					  vrs_pat_in(r->serial, (uint32_t)i),
					  d[i] == vrs_pat_fill(r->serial, (uint32_t)i)
						  ? " (the buffer's old content)"
						  : " (a foreign byte)");
	}
	free_req(s, st, r);
}

/* Device side: move one request's data through the bus in pieces. */
static int move_data(struct vrs_sim *s, const struct vrs_iov *iov,
		     uint32_t serial, uint32_t *pos, bool device_writes)
{
	uint8_t buf[512];
	for (uint32_t done = 0; done < iov->len;) {
		uint32_t n = iov->len - done < sizeof(buf) ? iov->len - done
							    : (uint32_t)sizeof(buf);
		if (device_writes) {
			vrs_pat_write(buf, VRS_PAT_IN, serial, *pos, n);
			if (vrs_bus_write(vrs_sim_bus(s), iov->addr + done, buf, n) < 0)
				return -EFAULT;
		} else {
			if (vrs_bus_read(vrs_sim_bus(s), iov->addr + done, buf, n) < 0)
				return -EFAULT;
			size_t i = vrs_pat_mismatch(buf, VRS_PAT_OUT, serial, *pos, n);
			if (i < n)
				vrs_sim_integrity(s, "blk write %u: the device read "
						  "%#x at byte %zu, the driver wrote "
						  "%#x", serial, buf[i], *pos + i,
						  vrs_pat_out(serial, *pos + (uint32_t)i));
		}
		done += n;
		*pos += n;
	}
	return 0;
}

static int blk_serve(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req)
{
	const struct vrs_iov *iov = req->iov;
	unsigned n = req->niov;
	/* The status byte needs a byte: a device side that takes
	 * zero-length elements (Linux's vringh) hands one over. */
	if (n < 2 || iov[0].write || iov[0].len < BLK_HDR ||
	    !iov[n - 1].write || iov[n - 1].len == 0)
		return -EPROTO;
	uint8_t hdr[BLK_HDR];
	if (vrs_bus_read(vrs_sim_bus(s), iov[0].addr, hdr, BLK_HDR) < 0)
		return -EFAULT;
	uint32_t type;
	uint64_t sector;
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	uint32_t serial = (uint32_t)sector, pos = 0, written = 0;
	for (unsigned i = 1; i + 1 < n; i++) {
		bool in = type == BLK_T_IN;
		if (iov[i].write != in)
			return -EPROTO;
		if (move_data(s, &iov[i], serial, &pos, in) < 0)
			return -EFAULT;
		if (in)
			written += iov[i].len;
	}
	uint8_t status = type <= BLK_T_OUT ? 0 : 2; /* OK or UNSUPP */
	if (vrs_bus_write(vrs_sim_bus(s), iov[n - 1].addr, &status, 1) < 0)
		return -EFAULT;
	return vrs_sim_push(s, q, req, written + 1);
}

const struct vrs_model_ops vrs_model_blk = {
	.name = "blk",
	.nqueues = 1,
	.reset = blk_reset,
	.submit = blk_submit,
	.complete = blk_complete,
	.serve = blk_serve,
	.max_tokens = BLK_MAX_REQS,
};
