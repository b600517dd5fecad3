/* The kernel ring's API contract; see contract.h. The rules, from the
 * kernel-doc of drivers/virtio/virtio_ring.c (both versions):
 *   virtqueue_add_*: "Returns zero or a negative error (ie. ENOSPC,
 *     ENOMEM, EIO)": -EIO only when the queue is broken; -ENOSPC only
 *     when fewer descriptors are free than the buffer's segments (one
 *     indirect descriptor would do, but a failed table allocation falls
 *     back to direct ones); -ENOMEM only after a DMA mapping failed, with
 *     nothing consumed.
 *     A DMA mapping failure is a recoverable condition (a full SWIOTLB,
 *     an IOMMU out of IOVA space): "virtio_ring: fix return code on DMA
 *     mapping fails" (f7728002c1c7, 2019) made the split ring and the
 *     packed ring's indirect add return -ENOMEM for it, because
 *     virtio-blk turns -EIO into BLK_STS_IOERR (virtio-scsi into a failed
 *     command). The packed ring's direct add still returns -EIO from
 *     virtqueue_add_packed's unmap_release (6.1.192 and 6.12.118), so a
 *     protected guest whose bounce pool runs full sees I/O errors. That
 *     is a kernel finding, reported as one (api-contract, "returned -EIO
 *     after a DMA mapping failure"), never tolerated: a tolerance here
 *     would hide the same bug in every other kernel. The catalogue of
 *     known kernel findings names it.
 *   virtqueue_get_buf_ctx: "the 'data' token handed to virtqueue_add_*()"
 *     and "@len: the length written into the buffer": a token that was
 *     added and not yet returned, its ctx, a length within the buffer's
 *     writable bytes (held to that only with an honest device: the
 *     kernel passes a device's claim through unchecked).
 *   virtqueue_detach_unused_buf: "Returns NULL or the 'data' token handed
 *     to virtqueue_add_*()", and after vring_del_virtqueue nothing the
 *     driver added may be lost.
 *   virtqueue_resize / virtqueue_reset: every buffer recycled first. */
#include <linux/virtio.h>
#include <linux/virtio_config.h>

#include <stdlib.h>

#include "contract.h"
#include "vrsim/report.h"

static unsigned slot_of(const struct kring_contract *c, const void *token)
{
	uint64_t h = (uint64_t)(uintptr_t)token * 0x9e3779b97f4a7c15ull;
	return (unsigned)(h >> 40) & (c->cap - 1);
}

static struct kring_buf *find(struct kring_contract *c, const void *token)
{
	if (!c->cap)
		return NULL;
	for (unsigned i = slot_of(c, token);; i = (i + 1) & (c->cap - 1)) {
		if (c->bufs[i].token == token)
			return &c->bufs[i];
		if (!c->bufs[i].token)
			return NULL;
	}
}

static bool grow(struct kring_contract *c)
{
	unsigned cap = c->cap ? 2 * c->cap : 256;
	struct kring_buf *old = c->bufs;
	unsigned old_cap = c->cap;
	c->bufs = calloc(cap, sizeof(*c->bufs));
	if (!c->bufs) {
		c->bufs = old;
		return false;
	}
	c->cap = cap;
	for (unsigned i = 0; i < old_cap; i++) {
		if (!old[i].token)
			continue;
		unsigned j = slot_of(c, old[i].token);
		while (c->bufs[j].token)
			j = (j + 1) & (cap - 1);
		c->bufs[j] = old[i];
	}
	free(old);
	return true;
}

static struct kring_buf *insert(struct kring_contract *c, void *token)
{
	if ((c->live + 1) * 2 > c->cap && !grow(c))
		return NULL;
	unsigned i = slot_of(c, token);
	while (c->bufs[i].token)
		i = (i + 1) & (c->cap - 1);
	struct kring_buf *b = &c->bufs[i];
	struct kring_map *maps = b->maps;
	unsigned cap = b->cap;
	*b = (struct kring_buf){.token = token, .maps = maps, .cap = cap};
	c->live++;
	return b;
}

void kring_contract_forget(struct kring_contract *c, void *token)
{
	struct kring_buf *b = find(c, token);
	if (!b)
		return;
	/* Backward-shift deletion keeps every probe chain whole. */
	unsigned i = (unsigned)(b - c->bufs);
	free(c->bufs[i].maps);
	c->bufs[i] = (struct kring_buf){0};
	c->live--;
	for (unsigned j = (i + 1) & (c->cap - 1); c->bufs[j].token;
	     j = (j + 1) & (c->cap - 1)) {
		unsigned home = slot_of(c, c->bufs[j].token);
		bool movable = i <= j ? (home <= i || home > j)
				      : (home <= i && home > j);
		if (movable) {
			c->bufs[i] = c->bufs[j];
			c->bufs[j] = (struct kring_buf){0};
			i = j;
		}
	}
}

struct kring_buf *kring_contract_buf(struct kring_contract *c, void *token)
{
	return find(c, token);
}

void kring_contract_reset(struct kring_contract *c)
{
	for (unsigned i = 0; i < c->cap; i++) {
		free(c->bufs[i].maps);
		c->bufs[i] = (struct kring_buf){0};
	}
	c->live = 0;
}

void kring_contract_free(struct kring_contract *c)
{
	kring_contract_reset(c);
	free(c->bufs);
	c->bufs = NULL;
	c->cap = 0;
}

void kring_contract_before(struct kring_before *b, struct virtqueue *vq,
			   unsigned nsegs)
{
	b->num_free = vq->num_free;
	b->broken = virtqueue_is_broken(vq);
	b->packed = virtio_has_feature(vq->vdev, VIRTIO_F_RING_PACKED);
	b->nsegs = nsegs;
}

#define BREACH(fmt, ...) vrs_report(VRS_FIND_API_CONTRACT, fmt, ##__VA_ARGS__)

void kring_contract_added(struct kring_contract *c, const struct kshim_env *env,
			  const struct kring_before *b, struct virtqueue *vq,
			  int rc, void *token, void *ctx, uint64_t offered)
{
	if (b->broken && rc != -EIO)
		BREACH("virtqueue_add on a broken queue returned %d, not -EIO", rc);
	else if (!b->broken && rc == -EIO && env->map_failures)
		/* The message's beginning is what the catalogue matches. */
		BREACH("virtqueue_add returned -EIO after a DMA mapping failure "
		       "on a queue that is not broken (%s); its kernel-doc and "
		       "commit f7728002c1c7 want -ENOMEM, and virtio-blk turns "
		       "-EIO into an I/O error",
		       b->packed ? "packed ring, direct descriptors: "
				   "unmap_release"
				 : "split ring");
	else if (!b->broken && rc == -EIO)
		BREACH("virtqueue_add returned -EIO on a queue that is not "
		       "broken, with no mapping failure");
	switch (rc) {
	case 0:
		if (vq->num_free >= b->num_free)
			BREACH("virtqueue_add succeeded but num_free went from "
			       "%u to %u", b->num_free, vq->num_free);
		if (find(c, token)) {
			BREACH("virtqueue_add accepted a token it already holds");
			return;
		}
		struct kring_buf *buf = insert(c, token);
		if (buf) {
			buf->ctx = ctx;
			buf->offered = offered;
		}
		return;
	case -ENOSPC:
		if (b->num_free >= b->nsegs)
			BREACH("virtqueue_add returned -ENOSPC with %u descriptors "
			       "free for %u segments", b->num_free, b->nsegs);
		break;
	case -ENOMEM:
		if (!env->map_failures)
			BREACH("virtqueue_add returned -ENOMEM though no DMA "
			       "mapping failed");
		break;
	case -EIO:
		break;
	default:
		BREACH("virtqueue_add returned %d, which its kernel-doc does not "
		       "allow", rc);
		break;
	}
	if (vq->num_free != b->num_free)
		BREACH("failed virtqueue_add (%d) changed num_free from %u to %u",
		       rc, b->num_free, vq->num_free);
}

void kring_contract_premap(struct kring_contract *c, void *token,
			   struct kring_map m)
{
	struct kring_buf *b = find(c, token);
	if (!b)
		return;
	if (b->nmaps == b->cap) {
		unsigned cap = b->cap ? 2 * b->cap : 4;
		struct kring_map *maps = realloc(b->maps, cap * sizeof(*maps));
		if (!maps)
			return;
		b->maps = maps;
		b->cap = cap;
	}
	b->maps[b->nmaps++] = m;
}

void kring_contract_got(struct kring_contract *c, void *token, unsigned len,
			void *ctx)
{
	struct kring_buf *b = find(c, token);
	if (!b) {
		BREACH("virtqueue_get_buf returned a token that was never "
		       "added or was already returned");
		return;
	}
	if (b->ctx && ctx != b->ctx)
		BREACH("virtqueue_get_buf_ctx returned another buffer's ctx");
	if (c->device_honest && len > b->offered)
		BREACH("virtqueue_get_buf: len %u beyond the buffer's %llu "
		       "writable bytes", len, (unsigned long long)b->offered);
}

void kring_contract_detached(struct kring_contract *c, void *token)
{
	if (!find(c, token))
		BREACH("virtqueue_detach_unused_buf returned a token that was "
		       "never added or was already returned");
}

void kring_contract_interrupt(int irqreturn)
{
	if (irqreturn != IRQ_NONE && irqreturn != IRQ_HANDLED)
		BREACH("vring_interrupt returned %d", irqreturn);
}

void kring_contract_premapped(int rc, bool empty)
{
	/* "-EINVAL: too late to enable premapped mode, the vq already
	 * contains buffers" (6.12); on an empty queue 0, or -EINVAL where
	 * 6.1.192 wants the DMA API. */
	if (!empty && rc != -EINVAL)
		BREACH("virtqueue_set_dma_premapped on a queue holding buffers "
		       "returned %d, not -EINVAL", rc);
	else if (empty && rc != 0 && rc != -EINVAL)
		BREACH("virtqueue_set_dma_premapped returned %d", rc);
}

void kring_contract_dma_dev(const void *got, const void *transport,
			    bool use_dma_api)
{
	/* "Get the dma dev. This is used to do dma." NULL without the API */
	if (got != (use_dma_api ? transport : NULL))
		BREACH("virtqueue_dma_dev returned %p, not %s", got,
		       use_dma_api ? "the transport's device" : "NULL");
}

void kring_contract_reset_done(struct kring_contract *c, int rc)
{
	if (rc != 0 && rc != -E2BIG && rc != -ENOMEM && rc != -EPERM &&
	    rc != -ENOENT && rc != -EINVAL && rc != -EBUSY)
		BREACH("virtqueue_resize/reset returned %d", rc);
	if (rc == 0 && c->live)
		BREACH("virtqueue_resize/reset kept %u buffers it neither "
		       "returned nor recycled", c->live);
}

void kring_contract_teardown(struct kring_contract *c, bool dead)
{
	if (!dead && c->live)
		BREACH("%u buffers lost: added, then neither used nor "
		       "detached by vring_del_virtqueue", c->live);
	kring_contract_reset(c);
}
