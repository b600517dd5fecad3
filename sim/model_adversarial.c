/* A hostile device and an ordinary driver. Every device decision comes from
 * the input: honest pushes, forged ids, oversized lengths, descriptors
 * rewritten behind the driver's back, used-index and wrap-bit lies, double
 * pushes, chains never pushed and buffers full of input bytes. Here the
 * driver is under test: data means nothing, but the driver must survive,
 * never hand its caller a token it did not post (or twice), nor a used
 * length beyond the buffer. Those are protocol findings. */
#include <errno.h>
#include <string.h>

#include "sim_internal.h"
#include "vrsim/guard.h"
#include "vrsim/poison.h"

#define ADV_MAX_REQS 256
#define ADV_MAX_SG 4
#define ADV_MAX_BUF 4096u
#define ADV_SCRIBBLE_MAX 16384u /* input bytes written per request */

#define F_AVAIL (1u << VRS_PACKED_DESC_F_AVAIL)
#define F_USED (1u << VRS_PACKED_DESC_F_USED)

struct adv_req {
	uint32_t serial;
	bool inflight; /* posted and not yet handed back to the caller */
	unsigned nout, nin;
	uint32_t len[ADV_MAX_SG];
	uint8_t *buf[ADV_MAX_SG];
	uint64_t in_total; /* writable bytes: the most a used len may say */
};

struct adv_state {
	struct adv_req req[ADV_MAX_REQS];
	uint16_t free[ADV_MAX_REQS];
	unsigned nfree;
	/* packed ring, for a wrap lie: one per slot, an array of its own
	 * (vrs_model_ops.arrays) of VRS_MAX_QUEUE_SIZE entries */
	uint16_t *flags_before;
};

_Static_assert(sizeof(struct adv_state) <= sizeof(((struct vrs_sim *)0)->model_state),
	       "adversarial state must fit the model area");

static struct adv_state *state(struct vrs_sim *s)
{
	return (struct adv_state *)s->model_state;
}

static void adv_reset(struct vrs_sim *s)
{
	struct adv_state *st = state(s);
	for (unsigned i = 0; i < ADV_MAX_REQS; i++) {
		st->free[i] = (uint16_t)(ADV_MAX_REQS - 1 - i);
		st->req[i].inflight = false;
	}
	st->nfree = ADV_MAX_REQS;
	st->flags_before = vrs_sim_model_array(s, 0);
}

/* ---- driver half ---- */

static void free_req(struct vrs_sim *s, struct adv_state *st,
		     struct adv_req *r)
{
	for (unsigned i = 0; i < r->nout + r->nin; i++) {
		vrs_sim_kfree(s, r->buf[i], r->len[i]);
		r->buf[i] = NULL;
	}
	r->nout = r->nin = 0;
	r->inflight = false;
	st->free[st->nfree++] = (uint16_t)(r - st->req);
}

static void adv_submit(struct vrs_sim *s, struct vrs_provider *p)
{
	struct adv_state *st = state(s);
	unsigned nout = 1 + vrs_provider_bool(p), nin = 1 + vrs_provider_bool(p);
	uint32_t len[ADV_MAX_SG];
	for (unsigned i = 0; i < nout + nin; i++)
		len[i] = vrs_provider_range(p, 1, ADV_MAX_BUF);
	if (st->nfree == 0)
		return;
	struct adv_req *r = &st->req[st->free[--st->nfree]];
	r->serial = ++s->serial;
	r->nout = nout;
	r->nin = nin;
	r->in_total = 0;
	struct vrs_sg sg[ADV_MAX_SG];
	uint32_t pos = 0;
	bool ok = true;
	for (unsigned i = 0; i < nout + nin; i++) {
		r->len[i] = len[i];
		r->buf[i] = vrs_sim_kmalloc(s, len[i]);
		ok &= r->buf[i] != NULL;
		sg[i] = (struct vrs_sg){r->buf[i], len[i]};
	}
	if (!ok) {
		free_req(s, st, r);
		return;
	}
	for (unsigned i = 0; i < nout + nin; i++) {
		bool out = i < nout;
		vrs_pat_write(r->buf[i], out ? VRS_PAT_OUT : VRS_PAT_FILL,
			      r->serial, pos, len[i]);
		pos += len[i];
		if (!out)
			r->in_total += len[i];
	}
	r->inflight = true;
	if (vrs_sim_add(s, 0, sg, nout, nin, r) < 0)
		free_req(s, st, r);
}

/* The pool entry a token names, or NULL: the driver may hand back any
 * pointer at all, so it is compared as a number, never dereferenced first. */
static struct adv_req *lookup(struct adv_state *st, void *token)
{
	uintptr_t t = (uintptr_t)token, base = (uintptr_t)st->req;
	if (t < base || t - base >= sizeof(st->req) ||
	    (t - base) % sizeof(st->req[0]))
		return NULL;
	return &st->req[(t - base) / sizeof(st->req[0])];
}

static void adv_complete(struct vrs_sim *s, unsigned q, void *token,
			 uint32_t len, bool used)
{
	struct adv_state *st = state(s);
	struct adv_req *r = lookup(st, token);
	const char *how = used ? "completed" : "released";
	if (!r) {
		vrs_report(VRS_FIND_PROTOCOL, "q%u: driver %s a token it never "
			   "posted (%p)", q, how, token);
		return;
	}
	if (!r->inflight) {
		vrs_report(VRS_FIND_PROTOCOL, "q%u: driver %s the token of "
			   "request %u, which it had already returned (or "
			   "never posted)", q, how, r->serial);
		return;
	}
	if (used && len > r->in_total && !s->driver->passes_used_len)
		vrs_report(VRS_FIND_PROTOCOL, "q%u: driver handed the caller a "
			   "used length %u beyond the buffer (%llu writable "
			   "bytes in request %u): it trusted the device's used "
			   "length", q, len, (unsigned long long)r->in_total,
			   r->serial);
	free_req(s, st, r);
}

/* ---- device half ---- */

enum adv_action {
	ADV_HONEST,
	ADV_FORGE_ID,
	ADV_OVERSIZE,
	ADV_REWRITE_DESC,
	ADV_RING_LIE,
	ADV_TWICE,
	ADV_NEVER,
	ADV_SCRIBBLE,
	ADV_COUNT,
};

/* A length the device may truthfully claim: at most in_len. */
static uint32_t honest_len(struct vrs_provider *p, uint64_t in_len)
{
	uint64_t cap = in_len < UINT32_MAX ? in_len : UINT32_MAX;
	return (uint32_t)(vrs_provider_u32(p) % (cap + 1));
}

static void input_bytes(struct vrs_provider *p, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = vrs_provider_u8(p);
}

/* Input bytes over a descriptor of the ring (the chain's head on a split
 * ring, any slot on a packed one). */
static int rewrite_desc(struct vrs_sim *s, unsigned q,
			const struct vrs_vqdev_req *req)
{
	struct vrs_vq_addrs a;
	vrs_dq_addrs(s->q[q].dq, &a);
	unsigned num = vrs_dq_num(s->q[q].dq);
	uint16_t pick = vrs_provider_u16(&s->prov);
	unsigned slot = vrs_sim_packed(s) ? pick % num : req->id % num;
	uint8_t junk[16];
	input_bytes(&s->prov, junk, sizeof(junk));
	return vrs_bus_write(vrs_sim_bus(s), a.desc + 16ull * slot, junk,
			     sizeof(junk));
}

/* Split: move the used index past entries the device never wrote. */
static int jump_used_idx(struct vrs_sim *s, unsigned q)
{
	struct vrs_vq_addrs a;
	vrs_dq_addrs(s->q[q].dq, &a);
	struct vrs_endian e = vrs_endian_for(s->accepted, s->cfg.big_endian_guest);
	unsigned num = vrs_dq_num(s->q[q].dq);
	uint16_t idx;
	if (vrs_bus_read(vrs_sim_bus(s), a.device + 2, &idx, 2) < 0)
		return -EFAULT;
	uint16_t jump = (uint16_t)(1 + vrs_provider_u16(&s->prov) % (2 * num));
	idx = vrs_to16(e, (uint16_t)(vrs_from16(e, idx) + jump));
	return vrs_bus_write(vrs_sim_bus(s), a.device + 2, &idx, 2);
}

static int read_flags(struct vrs_sim *s, vrs_dma_addr_t desc, unsigned slot,
		      uint16_t *flags)
{
	return vrs_bus_read(vrs_sim_bus(s), desc + 16ull * slot + 14, flags, 2);
}

/* Packed: push honestly, find the used descriptor the push wrote, then
 * either flip its wrap (the driver must not take it) or mark the next slot
 * used in the driver's current lap with an input id (it never was). */
static int wrap_lie(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req,
		    uint32_t len)
{
	struct adv_state *st = state(s);
	struct vrs_vq_addrs a;
	vrs_dq_addrs(s->q[q].dq, &a);
	unsigned num = vrs_dq_num(s->q[q].dq);
	bool flip = vrs_provider_bool(&s->prov);
	uint16_t id = (uint16_t)(vrs_provider_u16(&s->prov) % (2 * num));
	/* Slots past this ring's size are AddressSanitizer's to guard. */
	vrs_poison_tail(st->flags_before, num, VRS_MAX_QUEUE_SIZE,
			sizeof(*st->flags_before));
	for (unsigned i = 0; i < num; i++)
		if (read_flags(s, a.desc, i, &st->flags_before[i]) < 0)
			return -EFAULT;
	int rc = vrs_sim_push(s, q, req, len);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < num; i++) {
		uint16_t now;
		if (read_flags(s, a.desc, i, &now) < 0)
			return -EFAULT;
		if (now == st->flags_before[i])
			continue;
		bool wrap = now & F_USED;
		if (flip) {
			now ^= F_AVAIL | F_USED;
			return vrs_bus_write(vrs_sim_bus(s),
					     a.desc + 16ull * i + 14, &now, 2);
		}
		unsigned next = i + VRS_MAX(req->ndesc, (uint16_t)1);
		if (next >= num) {
			next %= num;
			wrap = !wrap;
		}
		struct vrs_packed_desc d = {
			.len = honest_len(&s->prov, req->in_len),
			.id = id,
			.flags = wrap ? (uint16_t)(F_AVAIL | F_USED) : 0,
		};
		return vrs_bus_write(vrs_sim_bus(s), a.desc + 16ull * next + 8,
				     (const uint8_t *)&d + 8, 8);
	}
	return 0; /* nothing changed that we can see: no lie this time */
}

/* Input bytes into the writable buffers, as much as ADV_SCRIBBLE_MAX. */
static int scribble(struct vrs_sim *s, const struct vrs_vqdev_req *req)
{
	uint8_t buf[256];
	uint32_t budget = ADV_SCRIBBLE_MAX;
	for (unsigned k = 0; k < req->niov && budget; k++) {
		const struct vrs_iov *iov = &req->iov[k];
		if (!iov->write)
			continue;
		for (uint32_t done = 0; done < iov->len && budget;) {
			uint32_t n = VRS_MIN(iov->len - done, (uint32_t)sizeof(buf));
			n = VRS_MIN(n, budget);
			input_bytes(&s->prov, buf, n);
			if (vrs_bus_write(vrs_sim_bus(s), iov->addr + done, buf, n) < 0)
				return -EFAULT;
			done += n;
			budget -= n;
		}
	}
	return 0;
}

/* Mostly honest, so that runs get far enough for the lies to matter. */
static enum adv_action pick_action(struct vrs_provider *p)
{
	uint8_t b = vrs_provider_u8(p);
	return b < 128 ? ADV_HONEST
		       : (enum adv_action)(1 + (b - 128) % (ADV_COUNT - 1));
}

static int adv_serve(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req)
{
	struct vrs_provider *p = &s->prov;
	unsigned num = vrs_dq_num(s->q[q].dq);
	int rc;
	switch (pick_action(p)) {
	case ADV_FORGE_ID: {
		struct vrs_vqdev_req forged = *req;
		forged.id = (uint16_t)(vrs_provider_u16(p) % (2 * num));
		return vrs_sim_push(s, q, &forged, honest_len(p, req->in_len));
	}
	case ADV_OVERSIZE: {
		uint64_t len = req->in_len + 1 + vrs_provider_u16(p);
		return vrs_sim_push(s, q, req,
				    len < UINT32_MAX ? (uint32_t)len : UINT32_MAX);
	}
	case ADV_REWRITE_DESC:
		if (rewrite_desc(s, q, req) < 0)
			return -EFAULT;
		return vrs_sim_push(s, q, req, honest_len(p, req->in_len));
	case ADV_RING_LIE:
		if (vrs_sim_packed(s))
			return wrap_lie(s, q, req, honest_len(p, req->in_len));
		rc = vrs_sim_push(s, q, req, honest_len(p, req->in_len));
		return rc < 0 ? rc : jump_used_idx(s, q);
	case ADV_TWICE:
		rc = vrs_sim_push(s, q, req, honest_len(p, req->in_len));
		return rc < 0 ? rc : vrs_sim_push(s, q, req, honest_len(p, req->in_len));
	case ADV_NEVER:
		return 0; /* the chain stays with the device for good */
	case ADV_SCRIBBLE:
		if (scribble(s, req) < 0)
			return -EFAULT;
		return vrs_sim_push(s, q, req, honest_len(p, req->in_len));
	default:
		return vrs_sim_push(s, q, req, honest_len(p, req->in_len));
	}
}

const struct vrs_model_ops vrs_model_adversarial = {
	.name = "adversarial",
	.nqueues = 1,
	.reset = adv_reset,
	.submit = adv_submit,
	.complete = adv_complete,
	.serve = adv_serve,
	.max_tokens = ADV_MAX_REQS,
	.arrays = {VRS_MAX_QUEUE_SIZE * sizeof(uint16_t)},
};
