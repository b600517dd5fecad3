/* A network-like device and its driver: q0 receives, q1 transmits, both
 * with the 12-byte VERSION_1 virtio_net_hdr, and mergeable rx buffers (one
 * packet may fill several chains; num_buffers in the header says how many).
 *
 * The driver prefills every rx buffer with a pattern of its own serial so
 * that bytes past the used length show whether anything (a bounce buffer
 * copying stale data back, say) touched them; the device's packets carry
 * their serial in the first payload bytes so the driver can check a
 * reassembled packet without sharing state with the device. */
#include <errno.h>
#include <string.h>

#include "sim_internal.h"
#include "vrsim/guard.h"

#define NET_MAX_BUFS 256	/* pool of driver buffers, rx and tx */
#define NET_MAX_RX 128		/* rx buffers posted at once */
#define NET_HDR 12u		/* virtio_net_hdr with num_buffers */
#define NET_HDR_NUM_BUFFERS 10u /* offset of the le16 num_buffers */
#define NET_TX_MAX 4000u	/* tx payload bytes */
#define NET_RX_CHAINS 64u	/* chains one rx packet may take */
#define NET_HDR_IOVS 12u	/* iovs enough to hold the header */
#define NET_Q_RX 0u
#define NET_Q_TX 1u

static const uint32_t rx_sizes[] = {64, 128, 1518, 2048, 4096};

/* One driver buffer: an rx buffer, or a tx packet (header and payload). */
struct net_buf {
	uint32_t serial;
	bool rx;
	uint32_t size, off; /* rx: buffer bytes, offset into the allocation */
	uint32_t plen;	    /* tx: payload bytes */
	uint8_t *mem;	    /* rx buffer allocation or tx payload */
	uint8_t *hdr;	    /* tx header */
};

/* A chain the device filled and has yet to push. */
struct net_chain {
	uint16_t id, ndesc;
	uint32_t written;
	uint64_t in_len; /* the chain's writable bytes, for the push check */
};

struct net_state {
	/* driver side */
	struct net_buf buf[NET_MAX_BUFS];
	uint16_t free[NET_MAX_BUFS];
	unsigned nfree;
	unsigned rx_posted;
	/* rx packet being reassembled by the driver */
	unsigned pkt_left;   /* buffers still to come after this one */
	uint32_t pkt_pos;    /* payload bytes seen */
	uint32_t pkt_serial; /* device serial, from the payload's first bytes */
	bool pkt_bad;	     /* one finding per packet is enough */
	/* device side */
	uint32_t dev_serial; /* rx packets generated */
	/* indexed by chain and iov counts the ring supplies: arrays of
	 * their own (vrs_model_ops.arrays) */
	struct net_chain *chain;  /* NET_RX_CHAINS */
	struct vrs_iov *hdr_iov;  /* NET_HDR_IOVS */
};

_Static_assert(sizeof(struct net_state) <= sizeof(((struct vrs_sim *)0)->model_state),
	       "net state must fit the model area");

static struct net_state *state(struct vrs_sim *s)
{
	return (struct net_state *)s->model_state;
}

/* What the device sends as packet n: payload length, then the byte at
 * payload offset i. Both sides use these. */
static uint32_t rx_payload_len(uint32_t serial)
{
	return 4u + (serial * 389u) % 3000u;
}

static uint8_t rx_payload_byte(uint32_t serial, uint32_t i)
{
	return i < 4 ? (uint8_t)(serial >> (8 * i)) : vrs_pat_in(serial, i);
}

static uint8_t tx_payload_byte(uint32_t serial, uint32_t i)
{
	return i < 4 ? (uint8_t)(serial >> (8 * i)) : vrs_pat_out(serial, i);
}

/* Write payload bytes [from, from+n) of a packet: the serial in the first
 * four, the pattern of kind after them. */
static void payload_write(uint8_t *dst, enum vrs_pat_kind kind,
			  uint32_t serial, uint32_t from, uint32_t n)
{
	vrs_pat_write(dst, kind, serial, from, n);
	for (uint32_t p = from; p < 4 && p < from + n; p++)
		dst[p - from] = (uint8_t)(serial >> (8 * p));
}

static struct vrs_endian net_endian(const struct vrs_sim *s)
{
	return vrs_endian_for(s->accepted, s->cfg.big_endian_guest);
}

static void net_reset(struct vrs_sim *s)
{
	struct net_state *st = state(s);
	for (unsigned i = 0; i < NET_MAX_BUFS; i++)
		st->free[i] = (uint16_t)(NET_MAX_BUFS - 1 - i);
	st->nfree = NET_MAX_BUFS;
	st->rx_posted = 0;
	st->pkt_left = 0;
	st->pkt_pos = st->pkt_serial = 0;
	st->pkt_bad = false;
	st->dev_serial = 0;
	st->chain = vrs_sim_model_array(s, 0);
	st->hdr_iov = vrs_sim_model_array(s, 1);
}

/* ---- driver half ---- */

static void free_buf(struct vrs_sim *s, struct net_state *st,
		     struct net_buf *b)
{
	if (b->rx) {
		vrs_sim_kfree(s, b->mem, b->size + b->off);
		st->rx_posted--;
	} else {
		vrs_sim_kfree(s, b->hdr, NET_HDR);
		vrs_sim_kfree(s, b->mem, b->plen);
	}
	b->mem = b->hdr = NULL;
	st->free[st->nfree++] = (uint16_t)(b - st->buf);
}

static void post_rx(struct vrs_sim *s, struct net_state *st, uint32_t size,
		    uint32_t off)
{
	if (st->nfree == 0 || st->rx_posted >= NET_MAX_RX)
		return;
	struct net_buf *b = &st->buf[st->free[--st->nfree]];
	*b = (struct net_buf){.rx = true, .size = size, .off = off};
	st->rx_posted++;
	b->mem = vrs_sim_kmalloc(s, size + off);
	if (!b->mem) {
		free_buf(s, st, b);
		return;
	}
	b->serial = ++s->serial;
	uint8_t *d = b->mem + off;
	vrs_pat_write(d, VRS_PAT_FILL, b->serial, 0, size);
	struct vrs_sg sg = {d, size};
	if (vrs_sim_add(s, NET_Q_RX, &sg, 0, 1, b) < 0)
		free_buf(s, st, b);
}

static void send_tx(struct vrs_sim *s, struct net_state *st, uint32_t plen,
		    uint32_t split)
{
	if (st->nfree == 0)
		return;
	struct net_buf *b = &st->buf[st->free[--st->nfree]];
	*b = (struct net_buf){.rx = false, .plen = plen};
	b->hdr = vrs_sim_kmalloc(s, NET_HDR);
	b->mem = vrs_sim_kmalloc(s, plen);
	if (!b->hdr || !b->mem) {
		free_buf(s, st, b);
		return;
	}
	b->serial = ++s->serial;
	memset(b->hdr, 0, NET_HDR); /* no offloads; num_buffers unused on tx */
	payload_write(b->mem, VRS_PAT_OUT, b->serial, 0, plen);
	struct vrs_sg sg[3] = {{b->hdr, NET_HDR}, {b->mem, plen}};
	unsigned n = 2;
	if (split && split < plen) {
		sg[1].len = split;
		sg[2] = (struct vrs_sg){b->mem + split, plen - split};
		n = 3;
	}
	if (vrs_sim_add(s, NET_Q_TX, sg, n, 0, b) < 0)
		free_buf(s, st, b);
}

static void net_submit(struct vrs_sim *s, struct vrs_provider *p)
{
	struct net_state *st = state(s);
	bool rx = vrs_provider_bool(p);
	if (rx) {
		uint32_t size = rx_sizes[vrs_provider_u8(p) % VRS_ARRAY_SIZE(rx_sizes)];
		/* Buffers off an allocation boundary exercise bounce offsets
		 * and min_align_mask. */
		uint32_t off = vrs_provider_u8(p) & 63u;
		post_rx(s, st, size, off);
	} else {
		uint32_t plen = vrs_provider_range(p, 1, NET_TX_MAX);
		bool two = vrs_provider_bool(p);
		uint32_t split = vrs_provider_u16(p);
		split = two && plen > 1 ? 1 + split % (plen - 1) : 0;
		send_tx(s, st, plen, split);
	}
}

/* The header of the first buffer of a packet: no offloads, num_buffers. */
static void rx_header(struct vrs_sim *s, struct net_state *st,
		      const struct net_buf *b, const uint8_t *d, uint32_t len)
{
	static const uint8_t zero[NET_HDR_NUM_BUFFERS];
	uint16_t nb;
	memcpy(&nb, d + NET_HDR_NUM_BUFFERS, 2);
	nb = vrs_from16(net_endian(s), nb);
	st->pkt_pos = st->pkt_serial = 0;
	st->pkt_bad = false;
	st->pkt_left = 0;
	if (memcmp(d, zero, sizeof(zero)) != 0) {
		vrs_sim_integrity(s, "net rx buffer %u: virtio_net_hdr has "
				  "offload fields set (flags %#x gso_type %#x), "
				  "the device wrote zeros", b->serial, d[0],
				  d[1]);
		st->pkt_bad = true;
	}
	if (nb == 0) {
		vrs_sim_integrity(s, "net rx buffer %u: num_buffers is 0 in a "
				  "mergeable rx header", b->serial);
		st->pkt_bad = true;
		return;
	}
	st->pkt_left = nb; /* counts this buffer; the caller takes it off */
}

/* The payload part of one rx buffer, and the prefill past the used length. */
static void rx_payload(struct vrs_sim *s, struct net_state *st,
		       const struct net_buf *b, const uint8_t *d, uint32_t from,
		       uint32_t len)
{
	uint32_t i = from;
	/* The first four payload bytes carry the packet's serial. */
	for (; i < len && st->pkt_pos < 4; i++, st->pkt_pos++)
		st->pkt_serial |= (uint32_t)d[i] << (8 * st->pkt_pos);
	if (i < len && !st->pkt_bad) {
		size_t m = vrs_pat_mismatch(d + i, VRS_PAT_IN, st->pkt_serial,
					    st->pkt_pos, len - i);
		if (m < len - i) {
			uint32_t at = i + (uint32_t)m;
			vrs_sim_integrity(
				s, "net rx packet %u (serial as read from its "
				"payload): payload byte %u (rx buffer %u, offset "
				"%u) is %#x, the device wrote %#x%s",
				st->pkt_serial, st->pkt_pos + (uint32_t)m,
				b->serial, at, d[at],
				rx_payload_byte(st->pkt_serial,
						st->pkt_pos + (uint32_t)m),
				d[at] == vrs_pat_fill(b->serial, at)
					? " (the buffer's old content)"
					: " (a foreign byte)");
			st->pkt_bad = true;
		}
		st->pkt_pos += len - i;
	}
	size_t k = len < b->size
		? len + vrs_pat_mismatch(d + len, VRS_PAT_FILL, b->serial, len,
					 b->size - len)
		: b->size;
	if (k < b->size)
		vrs_sim_integrity(s, "net rx buffer %u: byte %zu past the used "
				  "length %u is %#x, the driver's prefill was %#x "
				  "(the device never wrote there: stale data "
				  "copied back?)", b->serial, k, len, d[k],
				  vrs_pat_fill(b->serial, (uint32_t)k));
}

/* The last buffer of a packet: its length against what the device sends. */
static void rx_packet_end(struct vrs_sim *s, struct net_state *st,
			  const struct net_buf *b, uint32_t len)
{
	if (st->pkt_bad || st->pkt_pos < 4)
		return;
	uint32_t want = rx_payload_len(st->pkt_serial);
	if (st->pkt_pos > want)
		vrs_sim_integrity(s, "net rx packet %u: %u payload bytes, the "
				  "device sent %u", st->pkt_serial, st->pkt_pos,
				  want);
	else if (st->pkt_pos < want && len < b->size)
		vrs_sim_integrity(s, "net rx packet %u: truncated to %u of %u "
				  "payload bytes although its last buffer (%u) "
				  "had room (%u of %u bytes used)",
				  st->pkt_serial, st->pkt_pos, want, b->serial,
				  len, b->size);
}

static void rx_complete(struct vrs_sim *s, struct net_state *st,
			const struct net_buf *b, uint32_t len)
{
	const uint8_t *d = b->mem + b->off;
	if (len > b->size) {
		vrs_sim_integrity(s, "net rx buffer %u: used len %u beyond its "
				  "%u bytes", b->serial, len, b->size);
		st->pkt_left = 0;
		return;
	}
	uint32_t from = 0;
	if (st->pkt_left == 0) {
		if (len < NET_HDR) {
			vrs_sim_integrity(s, "net rx buffer %u: used len %u "
					  "cannot hold the %u-byte "
					  "virtio_net_hdr", b->serial, len,
					  NET_HDR);
			return;
		}
		rx_header(s, st, b, d, len);
		if (st->pkt_left == 0)
			return;
		from = NET_HDR;
	}
	st->pkt_left--;
	if (st->pkt_left && len < b->size && !st->pkt_bad) {
		vrs_sim_integrity(s, "net rx packet %u: buffer %u holds %u of "
				  "%u bytes but %u more buffers follow",
				  st->pkt_serial, b->serial, len, b->size,
				  st->pkt_left);
		st->pkt_bad = true;
	}
	rx_payload(s, st, b, d, from, len);
	if (st->pkt_left == 0)
		rx_packet_end(s, st, b, len);
}

static void net_complete(struct vrs_sim *s, unsigned q, void *token,
			 uint32_t len, bool used)
{
	struct net_state *st = state(s);
	struct net_buf *b = token;
	if (!used) {
		/* Released: a packet half received is gone with its queue. */
		if (q == NET_Q_RX)
			st->pkt_left = 0;
	} else if (q == NET_Q_RX) {
		rx_complete(s, st, b, len);
	} else if (len != 0) {
		vrs_sim_integrity(s, "net tx packet %u: used len %u, a tx "
				  "buffer is read-only to the device",
				  b->serial, len);
	}
	free_buf(s, st, b);
}

/* ---- device half ---- */

/* Transmit: read header and payload and check them as the wire would. */
static int serve_tx(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req)
{
	if (req->nin || req->out_len < NET_HDR)
		return -EPROTO;
	uint8_t hdr[NET_HDR] = {0}, buf[512];
	uint32_t pos = 0, serial = 0;
	bool bad = false;
	for (unsigned k = 0; k < req->niov; k++) {
		const struct vrs_iov *iov = &req->iov[k];
		for (uint32_t done = 0; done < iov->len;) {
			uint32_t n = VRS_MIN(iov->len - done, (uint32_t)sizeof(buf));
			if (vrs_bus_read(vrs_sim_bus(s), iov->addr + done, buf, n) < 0)
				return -EFAULT;
			uint32_t i = 0;
			/* header and serial bytes one by one, the rest whole */
			for (; i < n && pos < NET_HDR + 4; i++, pos++) {
				if (pos < NET_HDR)
					hdr[pos] = buf[i];
				else
					serial |= (uint32_t)buf[i] << (8 * (pos - NET_HDR));
			}
			if (i < n && !bad) {
				uint32_t p = pos - NET_HDR;
				size_t m = vrs_pat_mismatch(buf + i, VRS_PAT_OUT,
							    serial, p, n - i);
				if (m < n - i) {
					vrs_sim_integrity(
						s, "net tx packet %u: the device "
						"read %#x at payload byte %zu, the "
						"driver wrote %#x", serial,
						buf[i + m], p + m,
						tx_payload_byte(serial, p + (uint32_t)m));
					bad = true;
				}
			}
			pos += n - i;
			done += n;
		}
	}
	static const uint8_t zero[NET_HDR];
	if (memcmp(hdr, zero, NET_HDR) != 0)
		vrs_sim_integrity(s, "net tx packet %u: the device read a "
				  "virtio_net_hdr with fields set (flags %#x "
				  "gso_type %#x), the driver wrote zeros",
				  serial, hdr[0], hdr[1]);
	return vrs_sim_push(s, q, req, 0);
}

/* Write packet bytes [*pos, total) into one rx chain, header bytes
 * excepted (they are written last, once num_buffers is known). */
static int fill_chain(struct vrs_sim *s, const struct vrs_vqdev_req *req,
		      uint32_t serial, uint32_t *pos, uint32_t total)
{
	uint8_t buf[512];
	for (unsigned k = 0; k < req->niov && *pos < total; k++) {
		const struct vrs_iov *iov = &req->iov[k];
		for (uint32_t done = 0; done < iov->len && *pos < total;) {
			uint32_t n = VRS_MIN(iov->len - done, total - *pos);
			n = VRS_MIN(n, (uint32_t)sizeof(buf));
			uint32_t skip = *pos < NET_HDR ? VRS_MIN(n, NET_HDR - *pos) : 0;
			if (n > skip)
				payload_write(buf + skip, VRS_PAT_IN, serial,
					      *pos + skip - NET_HDR, n - skip);
			if (n > skip && vrs_bus_write(vrs_sim_bus(s),
						      iov->addr + done + skip,
						      buf + skip, n - skip) < 0)
				return -EFAULT;
			done += n;
			*pos += n;
		}
	}
	return 0;
}

static int write_header(struct vrs_sim *s, struct net_state *st,
			unsigned nhdr, uint16_t nbufs)
{
	uint8_t hdr[NET_HDR] = {0};
	uint16_t nb = vrs_to16(net_endian(s), nbufs);
	memcpy(hdr + NET_HDR_NUM_BUFFERS, &nb, 2);
	uint32_t pos = 0;
	for (unsigned k = 0; k < nhdr && pos < NET_HDR; k++) {
		uint32_t n = VRS_MIN(st->hdr_iov[k].len, NET_HDR - pos);
		if (vrs_bus_write(vrs_sim_bus(s), st->hdr_iov[k].addr, hdr + pos,
				  n) < 0)
			return -EFAULT;
		pos += n;
	}
	return 0;
}

/* Receive: one packet into this chain and, when it does not fit, into as
 * many more as the driver posted (mergeable rx buffers); truncated when
 * the driver has no more. Chains are pushed in the order they were popped. */
static int serve_rx(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req)
{
	struct net_state *st = state(s);
	if (req->nout || req->in_len < NET_HDR)
		return -EPROTO;
	uint32_t serial = ++st->dev_serial;
	uint32_t total = NET_HDR + rx_payload_len(serial), pos = 0;
	/* The header's place, kept before the next pop reuses the iovs. */
	unsigned nhdr = 0;
	for (uint32_t covered = 0; nhdr < req->niov && nhdr < NET_HDR_IOVS &&
				   covered < NET_HDR; nhdr++) {
		st->hdr_iov[nhdr] = req->iov[nhdr];
		covered += req->iov[nhdr].len;
	}
	unsigned nch = 0;
	for (;;) {
		uint32_t before = pos;
		int rc = fill_chain(s, req, serial, &pos, total);
		if (rc < 0)
			return rc;
		st->chain[nch++] = (struct net_chain){req->id, req->ndesc,
						      pos - before, req->in_len};
		if (pos >= total || nch >= NET_RX_CHAINS)
			break;
		rc = vrs_sim_pop(s, q, req);
		if (rc == -EAGAIN)
			break; /* no more buffers: the packet is truncated */
		if (rc < 0)
			return rc;
		if (req->nout)
			return -EPROTO;
	}
	int rc = write_header(s, st, nhdr, (uint16_t)nch);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < nch; i++) {
		struct vrs_vqdev_req done = {.id = st->chain[i].id,
					     .ndesc = st->chain[i].ndesc,
					     .in_len = st->chain[i].in_len};
		rc = vrs_sim_push(s, q, &done, st->chain[i].written);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int net_serve(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req)
{
	return q == NET_Q_RX ? serve_rx(s, q, req) : serve_tx(s, q, req);
}

const struct vrs_model_ops vrs_model_net = {
	.name = "net",
	.nqueues = 2,
	.reset = net_reset,
	.submit = net_submit,
	.complete = net_complete,
	.serve = net_serve,
	.max_tokens = NET_MAX_BUFS,
	.arrays = {NET_RX_CHAINS * sizeof(struct net_chain),
		   NET_HDR_IOVS * sizeof(struct vrs_iov)},
};
