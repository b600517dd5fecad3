/* Driver-side virtqueue front end: creation, the BAD_RING discipline, the
 * DMA helpers both layouts share, and dispatch to the layout. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vq_internal.h"
#include "vrsim/guard.h"
#include "vrsim/poison.h"

void vrs_vq_bad_ring(struct vrs_vq *vq, const char *fmt, ...)
{
	if (vq->broken)
		return; /* keep the first reason: it is the real one */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(vq->why, sizeof(vq->why), fmt, ap);
	va_end(ap);
	vq->broken = true;
}

static enum vrs_dma_dir sg_dir(bool write)
{
	return write ? VRS_DMA_FROM_DEVICE : VRS_DMA_TO_DEVICE;
}

int vrs_vq_map_sg(struct vrs_vq *vq, const struct vrs_sg *sg, bool write,
		  vrs_dma_addr_t *addr)
{
	const struct vrs_dma *dma = vq->cfg.dma;
	int rc = vrs_dma_map_page(dma, sg->buf, sg->len, sg_dir(write), addr);
	/* Ask mapping_error as Linux does: the debug layer checks we did. */
	if (vrs_dma_mapping_error(dma, *addr))
		return rc < 0 ? rc : -ENOMEM;
	return rc;
}

void vrs_vq_unmap(struct vrs_vq *vq, vrs_dma_addr_t addr, uint32_t len,
		  bool write)
{
	vrs_dma_unmap_page(vq->cfg.dma, addr, len, sg_dir(write));
}

int vrs_vq_alloc_indirect(struct vrs_vq *vq, struct vq_desc_state *st,
			  unsigned n)
{
	struct vq_indir_cache *c = &vq->indir_cache[st - vq->state];
	if (c->cap < n) {
		free(c->extra);
		c->cap = 0;
		c->extra = malloc(n * sizeof(*c->extra));
		VRS_ENSURE(c->extra, ENOMEM);
		c->cap = n;
	}
	size_t bytes = n * sizeof(struct vrs_vring_desc);
	st->indir = vq->cfg.kmem->alloc(vq->cfg.kmem->ctx, bytes);
	VRS_ENSURE(st->indir, ENOMEM);
	vrs_poison_tail(c->extra, n, c->cap, sizeof(*c->extra));
	st->indir_extra = c->extra;
	st->indir_num = (uint16_t)n;
	st->indir_addr = VRS_DMA_MAPPING_ERROR;
	return 0;
}

int vrs_vq_map_indirect(struct vrs_vq *vq, struct vq_desc_state *st)
{
	size_t bytes = st->indir_num * sizeof(struct vrs_vring_desc);
	const struct vrs_dma *dma = vq->cfg.dma;
	int rc = vrs_dma_map_single(dma, st->indir, bytes, VRS_DMA_TO_DEVICE,
				    &st->indir_addr);
	if (vrs_dma_mapping_error(dma, st->indir_addr)) {
		st->indir_addr = VRS_DMA_MAPPING_ERROR;
		return rc < 0 ? rc : -ENOMEM;
	}
	return rc;
}

void vrs_vq_free_indirect(struct vrs_vq *vq, struct vq_desc_state *st)
{
	if (!st->indir)
		return;
	size_t bytes = st->indir_num * sizeof(struct vrs_vring_desc);
	if (st->indir_addr != VRS_DMA_MAPPING_ERROR)
		vrs_dma_unmap_single(vq->cfg.dma, st->indir_addr, bytes,
				     VRS_DMA_TO_DEVICE);
	vq->cfg.kmem->free(vq->cfg.kmem->ctx, st->indir, bytes);
	/* The shadow stays in the id's cache, untouchable until reused. */
	VRS_POISON(st->indir_extra, st->indir_num * sizeof(*st->indir_extra));
	st->indir = NULL;
	st->indir_extra = NULL;
	st->indir_num = 0;
}

void vrs_vq_posted(struct vrs_vq *vq, uint16_t id, void *token,
		   uint64_t in_len)
{
	vq->state[id].token = token;
	vq->state[id].in_len = in_len;
	vq->inflight++;
	if (vq->in_order)
		vq->posted[vq->posted_tail++ % vq->num] = id;
}

/* Everything a used entry claims, checked against the driver's shadow
 * before the driver acts on it. */
bool vrs_vq_check_used(struct vrs_vq *vq, uint32_t id, uint32_t len)
{
	if (id >= vq->num) {
		vrs_vq_bad_ring(vq, "used id %u out of range (queue size %u)",
				id, vq->num);
		return false;
	}
	const struct vq_desc_state *st = &vq->state[id];
	if (!st->token) {
		vrs_vq_bad_ring(vq, "used id %u is not a buffer in flight", id);
		return false;
	}
	if (len > st->in_len) {
		vrs_vq_bad_ring(vq, "used len %u for id %u exceeds its %llu "
				"writable bytes", len, id,
				(unsigned long long)st->in_len);
		return false;
	}
	if (vq->in_order) {
		uint16_t want = vq->posted[vq->posted_head % vq->num];
		if (id != want) {
			vrs_vq_bad_ring(vq, "IN_ORDER: device used id %u "
					"before id %u", id, want);
			return false;
		}
		vq->posted_head++;
	}
	return true;
}

void *vrs_vq_detach_buf(struct vrs_vq *vq, uint16_t id)
{
	struct vq_desc_state *st = &vq->state[id];
	void *token = st->token;
	uint16_t cur = id, last = id;
	for (unsigned k = 0; k < st->ndescs; k++) {
		const struct vq_desc_extra *x = &vq->extra[cur];
		if (x->flags & VRS_DESC_F_INDIRECT) {
			for (unsigned j = 0; j < st->indir_num; j++) {
				const struct vq_desc_extra *ix = &st->indir_extra[j];
				vrs_vq_unmap(vq, ix->addr, ix->len,
					     ix->flags & VRS_DESC_F_WRITE);
			}
			vrs_vq_free_indirect(vq, st);
		} else {
			vrs_vq_unmap(vq, x->addr, x->len,
				     x->flags & VRS_DESC_F_WRITE);
		}
		last = cur;
		cur = x->next;
	}
	if (vq->in_order && vq->num_free) {
		vq->extra[vq->free_tail].next = id;
		vq->free_tail = last;
	} else {
		if (!vq->num_free)
			vq->free_tail = last;
		vq->extra[last].next = vq->free_head;
		vq->free_head = id;
	}
	vq->num_free += st->ndescs;
	vq->inflight--;
	st->token = NULL;
	st->ndescs = 0;
	return token;
}

static const struct vq_layout_ops *layout_for(uint64_t features)
{
	bool packed = vrs_has_feature(features, VRS_F_RING_PACKED);
	return packed ? &vrs_vq_packed_ops : &vrs_vq_split_ops;
}

static bool valid_num(const struct vq_layout_ops *ops, unsigned num)
{
	if (num == 0 || num > VRS_MAX_QUEUE_SIZE)
		return false;
	return !ops->num_pow2 || (num & (num - 1)) == 0;
}

/* A fresh ring over the memory we hold: zeroed, nothing in flight. */
static void reinit_ring(struct vrs_vq *vq)
{
	/* Coherent memory may come back dirty from an earlier user. */
	memset(vq->ring_cpu, 0, vq->ring_size);
	/* The arrays start zeroed (reserve_shadow) and only the states of
	 * ids below shadow_dirty were written since; the layout's init
	 * writes every extra whole, and the IN_ORDER FIFO is read only
	 * where it was written: zeroing costs what the runs used. */
	VRS_UNPOISON(vq->state, vq->shadow_dirty * sizeof(*vq->state));
	memset(vq->state, 0, vq->shadow_dirty * sizeof(*vq->state));
	vq->shadow_dirty = 0;
	vrs_poison_tail(vq->state, vq->num, vq->shadow_cap, sizeof(*vq->state));
	vrs_poison_tail(vq->extra, vq->num, vq->shadow_cap, sizeof(*vq->extra));
	vrs_poison_tail(vq->posted, vq->num, vq->shadow_cap, sizeof(*vq->posted));
	vrs_poison_tail(vq->indir_cache, vq->num, vq->shadow_cap,
			sizeof(*vq->indir_cache));
	vq->num_free = vq->num;
	vq->inflight = 0;
	vq->detach_cursor = 0;
	vq->posted_head = vq->posted_tail = 0;
	vq->broken = false;
	vq->why[0] = '\0';
	vq->ops->init(vq);
}

static void free_shadow(struct vrs_vq *vq)
{
	if (vq->indir_cache) {
		VRS_UNPOISON(vq->indir_cache,
			     vq->shadow_cap * sizeof(*vq->indir_cache));
		for (unsigned i = 0; i < vq->shadow_cap; i++)
			free(vq->indir_cache[i].extra);
	}
	free(vq->state);
	free(vq->extra);
	free(vq->posted);
	free(vq->indir_cache);
	vq->state = NULL;
	vq->extra = NULL;
	vq->posted = NULL;
	vq->indir_cache = NULL;
	vq->shadow_cap = 0;
}

/* Host-side arrays for at least vq->num entries: kept when big enough. */
static int reserve_shadow(struct vrs_vq *vq)
{
	if (vq->shadow_cap >= vq->num)
		return 0;
	free_shadow(vq);
	unsigned n = vq->num;
	vq->state = calloc(n, sizeof(*vq->state));
	vq->extra = calloc(n, sizeof(*vq->extra));
	vq->posted = calloc(n, sizeof(*vq->posted));
	vq->indir_cache = calloc(n, sizeof(*vq->indir_cache));
	if (!vq->state || !vq->extra || !vq->posted || !vq->indir_cache) {
		free_shadow(vq);
		return -ENOMEM;
	}
	vq->shadow_cap = n;
	vq->shadow_dirty = 0;
	return 0;
}

/* Ring memory and host-side arrays for vq->num entries. */
static int alloc_ring(struct vrs_vq *vq)
{
	bool legacy = !vrs_has_feature(vq->cfg.features, VRS_F_VERSION_1);
	VRS_GUARD(reserve_shadow(vq));
	vq->ring_size = vq->ops->ring_size(vq->num, legacy);
	VRS_GUARD(vrs_dma_alloc_coherent(vq->cfg.dma, vq->ring_size,
					 &vq->ring_cpu, &vq->ring_dma));
	reinit_ring(vq);
	return 0;
}

/* Give back the ring memory; the host-side arrays stay for the next. */
static void free_ring(struct vrs_vq *vq)
{
	if (!vq->ring_cpu)
		return;
	void *token;
	while (vrs_vq_detach_unused(vq, &token) == 0)
		;
	vrs_dma_free_coherent(vq->cfg.dma, vq->ring_size, vq->ring_cpu,
			      vq->ring_dma);
	vq->ring_cpu = NULL;
}

static int check_config(const struct vrs_driver_queue_config *cfg)
{
	VRS_ENSURE(cfg && cfg->dma && cfg->kmem, EINVAL);
	const struct vq_layout_ops *ops = layout_for(cfg->features);
	VRS_ENSURE(valid_num(ops, cfg->num), EINVAL);
	/* The packed layout only exists with VERSION_1. */
	bool modern = vrs_has_feature(cfg->features, VRS_F_VERSION_1);
	VRS_ENSURE(!ops->packed || modern, EINVAL);
	return 0;
}

/* Everything but the host-side arrays, from cfg; then a ring. */
static int start(struct vrs_vq *vq,
		 const struct vrs_driver_queue_config *cfg)
{
	struct vrs_vq keep = {.shadow_cap = vq->shadow_cap,
			      .shadow_dirty = vq->shadow_dirty,
			      .state = vq->state,
			      .extra = vq->extra,
			      .posted = vq->posted,
			      .indir_cache = vq->indir_cache};
	*vq = keep;
	vq->cfg = *cfg;
	vq->ops = layout_for(cfg->features);
	vq->e = vrs_endian_for(cfg->features, cfg->big_endian_guest);
	vq->event_idx = vrs_has_feature(cfg->features, VRS_F_EVENT_IDX);
	vq->indirect = vrs_has_feature(cfg->features, VRS_F_INDIRECT_DESC);
	vq->in_order = vrs_has_feature(cfg->features, VRS_F_IN_ORDER);
	vq->notification_data =
		vrs_has_feature(cfg->features, VRS_F_NOTIFICATION_DATA);
	vq->num = cfg->num;
	return alloc_ring(vq);
}

int vrs_vq_create(const struct vrs_driver_queue_config *cfg,
		  struct vrs_vq **out)
{
	VRS_ENSURE(out, EINVAL);
	VRS_GUARD(check_config(cfg));
	struct vrs_vq *vq = calloc(1, sizeof(*vq));
	VRS_ENSURE(vq, ENOMEM);
	int rc = start(vq, cfg);
	if (rc < 0) {
		free_shadow(vq);
		free(vq);
		return rc;
	}
	*out = vq;
	return 0;
}

void vrs_vq_shutdown(struct vrs_vq *vq)
{
	if (!vq)
		return;
	free_ring(vq);
	vrs_vq_bad_ring(vq, "the queue was shut down");
}

int vrs_vq_restart(struct vrs_vq *vq,
		   const struct vrs_driver_queue_config *cfg)
{
	VRS_ENSURE(vq, EINVAL);
	VRS_GUARD(check_config(cfg));
	free_ring(vq);
	int rc = start(vq, cfg);
	if (rc < 0)
		vrs_vq_bad_ring(vq, "restart could not allocate the ring");
	return rc;
}

void vrs_vq_destroy(struct vrs_vq *vq)
{
	if (!vq)
		return;
	free_ring(vq);
	free_shadow(vq);
	free(vq);
}

int vrs_vq_add(struct vrs_vq *vq, const struct vrs_sg *sg, unsigned out,
	       unsigned in, void *token)
{
	VRS_ENSURE(!vq->broken, EIO);
	VRS_ENSURE(sg && token && out + in > 0, EINVAL);
	/* No chain longer than the queue, indirect or not (2.7.5.3.1). */
	VRS_ENSURE(out + in <= vq->num, EINVAL);
	for (unsigned i = 0; i < out + in; i++)
		VRS_ENSURE(sg[i].buf && sg[i].len > 0, EINVAL);
	return vq->ops->add(vq, sg, out, in, token);
}

bool vrs_vq_kick_prepare(struct vrs_vq *vq)
{
	if (vq->broken)
		return false;
	return vq->ops->kick_prepare(vq);
}

bool vrs_vq_kick(struct vrs_vq *vq)
{
	if (!vrs_vq_kick_prepare(vq))
		return false;
	uint32_t data = vq->cfg.index & 0xffffu;
	if (vq->notification_data)
		data |= vq->ops->notify_data(vq) << 16;
	if (vq->cfg.notify)
		vq->cfg.notify(vq->cfg.notify_ctx, data);
	return true;
}

int vrs_vq_get_buf(struct vrs_vq *vq, uint32_t *len, void **token)
{
	VRS_ENSURE(len && token, EINVAL);
	VRS_ENSURE(!vq->broken, EIO);
	int rc = vq->ops->get_buf(vq, len, token);
	/* A device lie found now fails this call too. */
	VRS_ENSURE(!vq->broken, EIO);
	return rc;
}

bool vrs_vq_more_used(struct vrs_vq *vq)
{
	return !vq->broken && vq->ops->more_used(vq);
}

void vrs_vq_disable_cb(struct vrs_vq *vq)
{
	if (!vq->broken)
		vq->ops->disable_cb(vq);
}

bool vrs_vq_enable_cb(struct vrs_vq *vq)
{
	if (vq->broken)
		return true; /* nothing more will come: do not poll forever */
	return vq->ops->enable_cb(vq);
}

int vrs_vq_detach_unused(struct vrs_vq *vq, void **token)
{
	VRS_ENSURE(token, EINVAL);
	if (!vq->ring_cpu) /* a failed reset or a shutdown left no ring */
		return -ENOENT;
	/* Resume where the last call stopped, so a whole drain is O(num)
	 * rather than O(num^2); wrap once in case a buffer was added
	 * behind the cursor. */
	for (unsigned k = 0; vq->inflight && k < vq->num; k++) {
		unsigned i = vq->detach_cursor;
		if (vq->state[i].token) {
			*token = vrs_vq_detach_buf(vq, (uint16_t)i);
			return 0;
		}
		vq->detach_cursor = (i + 1) % vq->num;
	}
	return -ENOENT;
}

int vrs_vq_reset(struct vrs_vq *vq, unsigned new_num)
{
	if (new_num == 0)
		new_num = vq->num;
	VRS_ENSURE(valid_num(vq->ops, new_num), EINVAL);
	VRS_ENSURE(vq->num_free == vq->num, EBUSY);
	if (new_num == vq->num && vq->ring_cpu) {
		/* Same size: keep the memory, as Linux's virtqueue_reset
		 * re-initialises the vring it already has. */
		reinit_ring(vq);
		return 0;
	}
	free_ring(vq);
	vq->num = new_num;
	int rc = alloc_ring(vq);
	if (rc < 0) {
		/* No ring any more: every later call fails cleanly, and a
		 * later reset may try again. */
		vq->num_free = vq->num;
		vrs_vq_bad_ring(vq, "queue reset could not allocate the ring");
	}
	return rc;
}

void vrs_vq_addrs(const struct vrs_vq *vq, struct vrs_vq_addrs *out)
{
	*out = vq->addrs;
}

unsigned vrs_vq_num(const struct vrs_vq *vq) { return vq->num; }
unsigned vrs_vq_num_free(const struct vrs_vq *vq) { return vq->num_free; }
bool vrs_vq_packed(const struct vrs_vq *vq) { return vq->ops->packed; }
bool vrs_vq_broken(const struct vrs_vq *vq) { return vq->broken; }

void *vrs_vq_ring(const struct vrs_vq *vq, size_t *size)
{
	*size = vq->ring_cpu ? vq->ring_size : 0;
	return vq->ring_cpu;
}
const char *vrs_vq_broken_reason(const struct vrs_vq *vq) { return vq->why; }

void vrs_vq_break(struct vrs_vq *vq, const char *why)
{
	vrs_vq_bad_ring(vq, "%s", why);
}

int vrs_vq_check(const struct vrs_vq *vq)
{
	VRS_ENSURE(vq, EINVAL);
	if (!vq->ring_cpu)
		return vq->broken ? 0 : -EINVAL; /* only after a failed reset */
	VRS_ENSURE(vq->state && vq->extra, EINVAL);
	VRS_ENSURE(vq->num_free <= vq->num, EINVAL);
	unsigned used = 0;
	/* Past shadow_dirty every state is zero: nothing in flight. */
	for (unsigned i = 0; i < VRS_MIN(vq->num, vq->shadow_dirty); i++) {
		const struct vq_desc_state *st = &vq->state[i];
		if (!st->token)
			continue;
		VRS_ENSURE(st->ndescs >= 1 && st->ndescs <= vq->num, EINVAL);
		VRS_ENSURE(!st->indir || st->indir_extra, EINVAL);
		used += st->ndescs;
	}
	VRS_ENSURE(used + vq->num_free == vq->num, EINVAL);
	return 0;
}
