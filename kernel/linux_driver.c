/* The Linux ring behind vrsim's driver-under-test interface
 * (vrsim/driver.h): each call is made the way a Linux driver makes it,
 * through the kernel's exported virtqueue_* functions, with the variant
 * the input picks (add_sgs, add_outbuf, add_inbuf, add_inbuf_ctx; kick or
 * kick_prepare + notify; enable_cb, enable_cb_prepare + poll or
 * enable_cb_delayed; resize or reset; premapped buffers in 6.12). Every
 * return value is checked against the kernel-doc (contract.c). The
 * transport around the queue is virtio-pci's, reduced to what the ring
 * asks of it. */
#include <linux/scatterlist.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include <stdio.h>
#include <stdlib.h>

#include "contract.h"
#include "kcall.h"
#include "kernel/linux.h"
#include "kernel_ring.h"
#include "kshim/env.h"
#include "vrsim/driver.h"
#include "vrsim/report.h"
#include "vrsim/virtio.h"

#define HAVE_6_12 (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0))

struct lq {
	struct vrs_driver_queue dq; /* first: the interface's view */
	struct kshim_env env;
	struct device transport;    /* the DMA device (vdev.dev.parent) */
	struct virtio_device vdev;
	struct virtio_config_ops cfgops;
	struct virtqueue *vq;
	struct vrs_driver_queue_config cfg;
	struct kring_contract contract;
	void *own_ring;		    /* vring_new_virtqueue's pages */
	size_t own_ring_size;
	bool context;		    /* created for add_inbuf_ctx */
	bool premapped;		    /* the driver maps its buffers (6.12) */
	bool dead;		    /* a BUG() ended the kernel thread */
	char why[240];
	char check_why[120];	    /* why kring_check failed last */
	struct scatterlist *sg;	    /* room for one buffer's segments */
	struct scatterlist **sgs;
	unsigned sg_cap;
};

static struct vrs_driver_ops vrs_linux_driver;

static struct lq *lq_of(const struct vrs_driver_queue *q)
{
	return (struct lq *)q;
}

static uint8_t pick(struct lq *q)
{
	return q->cfg.choose ? q->cfg.choose(q->cfg.choose_ctx) : 0;
}

static bool refuse_alloc(void *ctx, bool may_sleep)
{
	/* When the input says so: one GFP_ATOMIC allocation in sixteen, one
	 * GFP_KERNEL one in 256 (creation and resize error paths). */
	uint8_t b = pick(ctx);
	return may_sleep ? b == 255 : b >= 240;
}

/* KCALL (kcall.h) unwinds a BUG() to here. */

static void oopsed(struct lq *q)
{
	q->dead = true;
	snprintf(q->why, sizeof(q->why), "kernel BUG: %s",
		 vrs_report_last(VRS_FIND_KERNEL_BUG));
}

/* For the calls that only read: the queue's environment, for
 * virt_to_phys of a ring the driver allocated. */
static struct lq *reading(const struct vrs_driver_queue *dq)
{
	struct lq *q = lq_of(dq);
	kshim_set_env(&q->env);
	return q;
}

/* ---- the transport ---- */

static bool transport_notify(struct virtqueue *vq)
{
	struct lq *q = vq->priv;
	uint32_t data = vq->index;
#if HAVE_6_12
	if (virtio_has_feature(vq->vdev, VIRTIO_F_NOTIFICATION_DATA))
		data = vring_notification_data(vq);
#endif
	q->cfg.notify(q->cfg.notify_ctx, data);
	return true;
}

static void transport_callback(struct virtqueue *vq)
{
	/* The driver's interrupt handler runs from the scheduler instead
	 * (disable_cb / get_buf loop / enable_cb). */
	(void)vq;
}

/* virtio-pci's per-queue reset: the ring stops being served while the
 * kernel recycles and re-initialises it. */
static int transport_disable_vq_and_reset(struct virtqueue *vq)
{
	__virtqueue_break(vq);
	vq->reset = true;
	return 0;
}

static int transport_enable_vq_after_reset(struct virtqueue *vq)
{
	vq->reset = false;
	__virtqueue_unbreak(vq);
	return 0;
}

/* The ring and transport bits virtio-pci lets through: the kernel's own
 * vring_transport_features(), then RING_RESET set back as
 * vp_transport_features() does. */
static uint64_t transport_features(void)
{
	struct virtio_device vdev = {.features = ~0ull};
	vring_transport_features(&vdev);
	uint64_t ring = VRS_BIT(VRS_F_INDIRECT_DESC) | VRS_BIT(VRS_F_EVENT_IDX) |
			VRS_BIT(VRS_F_VERSION_1) |
			VRS_BIT(VRS_F_ACCESS_PLATFORM) |
			VRS_BIT(VRS_F_RING_PACKED) | VRS_BIT(VRS_F_IN_ORDER) |
			VRS_BIT(VRS_F_NOTIFICATION_DATA);
	return (vdev.features & ring) | VRS_BIT(VRS_F_RING_RESET);
}

/* ---- creating and destroying ---- */

static int grow_sg(struct lq *q, unsigned n)
{
	if (n <= q->sg_cap)
		return 0;
	struct scatterlist *sg = realloc(q->sg, n * sizeof(*sg));
	if (!sg)
		return -ENOMEM;
	q->sg = sg;
	struct scatterlist **sgs = realloc(q->sgs, n * sizeof(*sgs));
	if (!sgs)
		return -ENOMEM;
	q->sgs = sgs;
	q->sg_cap = n;
	return 0;
}

static void make_device(struct lq *q, const struct vrs_driver_queue_config *cfg)
{
	q->cfg = *cfg;
	memset(&q->env, 0, offsetof(struct kshim_env, allocs));
	q->env.dma = cfg->dma;
	q->env.phys = cfg->phys ? cfg->phys : cfg->dma;
	q->env.kmem = cfg->kmem;
	q->env.xen_domain = cfg->xen_domain;
	q->env.refuse = refuse_alloc;
	q->env.ctx = q;
	q->transport = (struct device){.init_name = "vrsim-virtio-pci",
				       .kshim_dma = &q->env};
	q->cfgops = (struct virtio_config_ops){
		.disable_vq_and_reset = transport_disable_vq_and_reset,
		.enable_vq_after_reset = transport_enable_vq_after_reset,
	};
	memset(&q->vdev, 0, sizeof(q->vdev));
	q->vdev.dev.parent = &q->transport;
	q->vdev.dev.init_name = "virtio0";
	q->vdev.config = &q->cfgops;
	q->vdev.features = cfg->features;
	INIT_LIST_HEAD(&q->vdev.vqs);
	spin_lock_init(&q->vdev.vqs_list_lock);
	q->vq = NULL;
	q->own_ring = NULL;
	q->dead = false;
	q->premapped = false;
	q->why[0] = q->check_why[0] = '\0';
	kring_contract_reset(&q->contract);
	q->contract.device_honest = cfg->device_honest;
}

static struct virtqueue *create_vq(struct lq *q)
{
	const struct vrs_driver_queue_config *cfg = &q->cfg;
	bool version_1 = vrs_has_feature(cfg->features, VRS_F_VERSION_1);
	unsigned align = version_1 ? SMP_CACHE_BYTES : VRS_LEGACY_ALIGN;
	uint8_t how = pick(q);
	q->context = how & 1;
	/* A platform that orders DMA itself (VIRTIO_F_ORDER_PLATFORM: real
	 * hardware) gets real barriers rather than virt_*() ones; vrsim's
	 * devices keep to the ring's order either way. */
	if (how & 8)
		q->vdev.features |= BIT_ULL(VIRTIO_F_ORDER_PLATFORM);
	/* A caller-allocated ring (remoteproc's way) is split only and
	 * addressed by virt_to_phys, so only where the kernel would not use
	 * the DMA API anyway. */
	if ((how & 6) == 2 && !kring_use_dma_api(&q->vdev) &&
	    !vrs_has_feature(cfg->features, VRS_F_RING_PACKED)) {
		q->own_ring_size = PAGE_ALIGN(vring_size(cfg->num, align));
		q->own_ring = cfg->kmem->alloc(cfg->kmem->ctx, q->own_ring_size);
		if (!q->own_ring)
			return NULL;
		memset(q->own_ring, 0, q->own_ring_size);
		return vring_new_virtqueue(cfg->index, cfg->num, align, &q->vdev,
					   true, q->context, q->own_ring,
					   transport_notify, transport_callback,
					   "vrsim");
	}
#if HAVE_6_12
	if ((how & 6) == 4)
		return vring_create_virtqueue_dma(cfg->index, cfg->num, align,
						  &q->vdev, true, true,
						  q->context, transport_notify,
						  transport_callback, "vrsim",
						  &q->transport);
#endif
	return vring_create_virtqueue(cfg->index, cfg->num, align, &q->vdev,
				      true, true, q->context, transport_notify,
				      transport_callback, "vrsim");
}

static int start(struct lq *q, const struct vrs_driver_queue_config *cfg)
{
	make_device(q, cfg);
	if (cfg->big_endian_guest && !vrs_has_feature(cfg->features, VRS_F_VERSION_1))
		return -EOPNOTSUPP; /* this kernel is built little-endian */
	struct virtqueue *vq = KCALL(q, NULL, create_vq(q));
	if (!vq) {
		snprintf(q->why, sizeof(q->why), "vring_create_virtqueue failed");
		q->dead = true;
		return -ENOMEM;
	}
	q->vq = vq;
	vq->priv = q;
	KVOID(q, kring_fast_forward(vq, cfg->start));
	/* The transport records the device's maximum (virtio-pci's
	 * setup_vq): resizing may not go above it. */
	vq->num_max = cfg->num;
	/* virtio_device_ready(): the queues come alive. */
	KVOID(q, __virtio_unbreak_device(&q->vdev));
	(void)KCALL(q, -EIO, virtio_max_dma_size(&q->vdev));
	uint8_t how = pick(q);
	if (how & 1) {
		int rc = KCALL(q, -EIO, virtqueue_set_dma_premapped(vq));
		kring_contract_premapped(rc, true);
		/* 6.1.192's backport keeps the flag but maps anyway. */
		q->premapped = HAVE_6_12 && rc == 0;
#if HAVE_6_12
		/* virtio-net asks for the device its page pool maps for */
		struct device *dd = KCALL(q, NULL, virtqueue_dma_dev(vq));
		kring_contract_dma_dev(dd, &q->transport,
				       kring_queue_uses_dma_api(vq));
#endif
	}
	return grow_sg(q, cfg->num + 2);
}

static void stop(struct lq *q)
{
	if (q->vq && !q->dead) {
		struct virtqueue *vq = q->vq;
		/* Surprise removal, as virtio-pci's remove does: the ring is
		 * broken, then what the device never used is handed back. */
		KVOID(q, virtio_break_device(&q->vdev));
		void *token;
		while ((token = KCALL(q, NULL, virtqueue_detach_unused_buf(vq))))
			kring_contract_detached(&q->contract, token);
		KVOID(q, vring_del_virtqueue(vq));
	}
	kring_contract_teardown(&q->contract, q->dead);
	q->vq = NULL;
	size_t live = kshim_env_live(&q->env);
	if (live && !q->dead)
		vrs_report(VRS_FIND_KERNEL_LEAK,
			   "%zu bytes of kmalloc/alloc_pages_exact still held "
			   "after vring_del_virtqueue", live);
	kshim_env_release(&q->env);
	if (q->own_ring)
		q->cfg.kmem->free(q->cfg.kmem->ctx, q->own_ring, q->own_ring_size);
	q->own_ring = NULL;
}

static void linux_destroy(struct vrs_driver_queue *dq);

static int linux_create(const struct vrs_driver_queue_config *cfg,
			struct vrs_driver_queue **out)
{
	struct lq *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->dq.ops = &vrs_linux_driver;
	int rc = start(q, cfg);
	if (rc < 0) {
		linux_destroy(&q->dq);
		return rc;
	}
	*out = &q->dq;
	return 0;
}

static void linux_shutdown(struct vrs_driver_queue *dq)
{
	stop(lq_of(dq));
}

static void linux_destroy(struct vrs_driver_queue *dq)
{
	if (!dq)
		return;
	struct lq *q = lq_of(dq);
	stop(q);
	kring_contract_free(&q->contract);
	kshim_env_free(&q->env);
	free(q->sg);
	free(q->sgs);
	free(q);
}

static int linux_restart(struct vrs_driver_queue *dq,
			 const struct vrs_driver_queue_config *cfg)
{
	struct lq *q = lq_of(dq);
	stop(q);
	int rc = start(q, cfg);
	if (rc < 0)
		stop(q);
	return rc;
}

/* ---- the calls ---- */

static enum dma_data_direction seg_dir(unsigned i, unsigned out)
{
	return i < out ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
}

/* Give back one of the driver's own mappings: synced for the CPU if the
 * device may have written it, then unmapped. */
static void unmap_own(struct lq *q, struct kring_map m)
{
	if (m.dir == DMA_FROM_DEVICE &&
	    KCALL(q, false, virtqueue_dma_need_sync(q->vq, m.addr)))
		KVOID(q, virtqueue_dma_sync_single_range_for_cpu(q->vq, m.addr, 0,
								 m.len, m.dir));
	KVOID(q, virtqueue_dma_unmap_single_attrs(q->vq, m.addr, m.len, m.dir,
						  0));
}

static struct kring_map sg_map(const struct lq *q, unsigned i, unsigned out)
{
	return (struct kring_map){sg_dma_address(&q->sg[i]), q->sg[i].length,
				  seg_dir(i, out)};
}

/* Premapped buffers: the driver maps each segment itself with the
 * queue's DMA helpers, as virtio-net's RX does in 6.12. */
static int premap(struct lq *q, unsigned n, unsigned out)
{
	for (unsigned i = 0; i < n; i++) {
		struct scatterlist *sg = &q->sg[i];
		dma_addr_t a = KCALL(q, DMA_MAPPING_ERROR, virtqueue_dma_map_single_attrs(
				q->vq, sg_virt(sg), sg->length, seg_dir(i, out), 0));
		if (KCALL(q, -EIO, virtqueue_dma_mapping_error(q->vq, a))) {
			while (i-- > 0)
				unmap_own(q, sg_map(q, i, out));
			return -ENOMEM;
		}
		sg_dma_address(sg) = a;
		sg->dma_length = sg->length;
		/* What the CPU wrote goes to the device before it may read. */
		if (i < out && KCALL(q, false, virtqueue_dma_need_sync(q->vq, a)))
			KVOID(q, virtqueue_dma_sync_single_range_for_device(
				q->vq, a, 0, sg->length, DMA_TO_DEVICE));
	}
	return 0;
}


static int add_variant(struct lq *q, unsigned out, unsigned in, void *token,
		       void *ctx)
{
	struct virtqueue *vq = q->vq;
	unsigned n = out + in;
	uint8_t how = pick(q);
	if (ctx)
		return virtqueue_add_inbuf_ctx(vq, q->sg, n, token, ctx,
					       GFP_ATOMIC);
	if (in == 0 && (how & 3) == 1)
		return virtqueue_add_outbuf(vq, q->sg, n, token, GFP_ATOMIC);
	if (out == 0 && (how & 3) == 1)
		return virtqueue_add_inbuf(vq, q->sg, n, token, GFP_ATOMIC);
	/* add_sgs: one list per segment, or one for out and one for in */
	if ((how & 3) == 2 && out && in) {
		sg_mark_end(&q->sg[out - 1]);
		q->sgs[0] = &q->sg[0];
		q->sgs[1] = &q->sg[out];
		return virtqueue_add_sgs(vq, q->sgs, 1, 1, token, GFP_ATOMIC);
	}
	for (unsigned i = 0; i < n; i++) {
		sg_mark_end(&q->sg[i]);
		q->sgs[i] = &q->sg[i];
	}
	return virtqueue_add_sgs(vq, q->sgs, out, in, token, GFP_ATOMIC);
}

static int linux_add(struct vrs_driver_queue *dq, const struct vrs_sg *sg,
		     unsigned out, unsigned in, void *token)
{
	struct lq *q = lq_of(dq);
	unsigned n = out + in;
	if (q->dead || !q->vq)
		return -EIO;
	/* A Linux driver keeps a buffer within the queue size (virtio-blk's
	 * max segments; the spec's chain limit, indirect tables included). */
	if (n == 0 || !token || n > virtqueue_get_vring_size(q->vq) ||
	    grow_sg(q, n) < 0)
		return -EINVAL;
	sg_init_table(q->sg, n);
	uint64_t offered = 0;
	for (unsigned i = 0; i < n; i++) {
		sg_set_buf(&q->sg[i], sg[i].buf, sg[i].len);
		if (i >= out)
			offered += sg[i].len;
	}
	/* A context rides along on a context queue's receive buffers. */
	void *ctx = q->context && out == 0 ? (char *)token + 1 : NULL;
	struct kring_before before;
	kring_contract_before(&before, q->vq, n);
	if (q->premapped) {
		int rc = premap(q, n, out);
		if (rc < 0)
			return rc;
	}
	int rc = KCALL(q, -EIO, add_variant(q, out, in, token, ctx));
	kring_contract_added(&q->contract, &q->env, &before, q->vq, rc, token,
			     ctx, offered);
	/* The driver's own mappings: kept with the buffer, or given back
	 * at once if the kernel did not take it. */
	for (unsigned i = 0; q->premapped && i < n; i++) {
		if (rc == 0)
			kring_contract_premap(&q->contract, token, sg_map(q, i, out));
		else
			unmap_own(q, sg_map(q, i, out));
	}
	return rc;
}

static bool linux_kick(struct vrs_driver_queue *dq)
{
	struct lq *q = lq_of(dq);
	if (q->dead || !q->vq)
		return false;
	uint8_t how = pick(q);
	/* Premapped mode asked too late, on a queue holding buffers: the
	 * kernel must refuse. */
	unsigned num = virtqueue_get_vring_size(q->vq);
	if ((how & 6) == 6 && q->vq->num_free < num)
		kring_contract_premapped(KCALL(q, -EIO, virtqueue_set_dma_premapped(q->vq)),
					 false);
	if (how & 1)
		return KCALL(q, false, virtqueue_kick(q->vq));
	/* virtio-blk: prepare under the queue lock, notify outside it */
	if (!KCALL(q, false, virtqueue_kick_prepare(q->vq)))
		return false;
	return KCALL(q, false, virtqueue_notify(q->vq));
}

static void release_buf(struct lq *q, void *token)
{
	struct kring_buf *b = kring_contract_buf(&q->contract, token);
	for (unsigned i = 0; b && i < b->nmaps; i++)
		unmap_own(q, b->maps[i]);
	kring_contract_forget(&q->contract, token);
}

static int linux_get_buf(struct vrs_driver_queue *dq, uint32_t *len,
			 void **token)
{
	struct lq *q = lq_of(dq);
	if (q->dead || !q->vq)
		return -EIO;
	unsigned int l = 0;
	void *ctx = NULL;
	void *t = (pick(q) & 1) || q->context
			  ? KCALL(q, NULL, virtqueue_get_buf_ctx(q->vq, &l, &ctx))
			  : KCALL(q, NULL, virtqueue_get_buf(q->vq, &l));
	if (!t) {
		if (KCALL(q, -EIO, virtqueue_is_broken(q->vq)))
			return -EIO;
		return -EAGAIN;
	}
	kring_contract_got(&q->contract, t, l, ctx);
	*len = l;
	*token = t;
	release_buf(q, t);
	return 0;
}

static void linux_disable_cb(struct vrs_driver_queue *dq)
{
	struct lq *q = lq_of(dq);
	if (q->dead || !q->vq)
		return;
	/* The interrupt arrives through vring_interrupt() first, as the
	 * transport's handler calls it, now and then. */
	if ((pick(q) & 3) == 3) {
		irqreturn_t r = KCALL(q, IRQ_HANDLED, vring_interrupt(0, q->vq));
		kring_contract_interrupt(r);
	}
	KVOID(q, virtqueue_disable_cb(q->vq));
}

static bool linux_enable_cb(struct vrs_driver_queue *dq)
{
	struct lq *q = lq_of(dq);
	if (q->dead || !q->vq)
		return true;
	switch (pick(q) % 3) {
	case 1: {
		/* virtio-net's NAPI: prepare, then poll for a race */
		unsigned opaque = KCALL(q, true, virtqueue_enable_cb_prepare(q->vq));
		return !KCALL(q, true, virtqueue_poll(q->vq, opaque));
	}
	case 2:
		/* virtio-net TX: interrupt once most are used */
		return KCALL(q, true, virtqueue_enable_cb_delayed(q->vq));
	default:
		return KCALL(q, true, virtqueue_enable_cb(q->vq));
	}
}

static int linux_detach_unused(struct vrs_driver_queue *dq, void **token)
{
	struct lq *q = lq_of(dq);
	if (q->dead || !q->vq)
		return -ENOENT;
	void *t = KCALL(q, NULL, virtqueue_detach_unused_buf(q->vq));
	if (!t)
		return -ENOENT;
	kring_contract_detached(&q->contract, t);
	*token = t;
	release_buf(q, t);
	return 0;
}

static void recycle(struct virtqueue *vq, void *token)
{
	struct lq *q = vq->priv;
	kring_contract_detached(&q->contract, token);
	release_buf(q, token);
}

#if HAVE_6_12
static void recycle_done(struct virtqueue *vq)
{
	(void)vq; /* given, so that the kernel's call of it runs */
}
#define RESIZE(vq, num) virtqueue_resize(vq, num, recycle, recycle_done)
#else
#define RESIZE(vq, num) virtqueue_resize(vq, num, recycle)
#endif

static int linux_reset(struct vrs_driver_queue *dq, unsigned new_num)
{
	struct lq *q = lq_of(dq);
	if (q->dead || !q->vq)
		return -EIO;
	unsigned num = KCALL(q, -EIO, virtqueue_get_vring_size(q->vq));
	if (!new_num)
		new_num = num;
	int rc;
	if (new_num != num) {
		rc = KCALL(q, -EIO, RESIZE(q->vq, new_num));
	} else {
#if HAVE_6_12
		rc = KCALL(q, -EIO, virtqueue_reset(q->vq, recycle, recycle_done));
#else
		/* 6.1 resets a ring only by resizing it (to the same size it
		 * returns at once): there and back again. */
		unsigned other = num / 2; /* never above num_max */
		rc = KCALL(q, -EIO, RESIZE(q->vq, other));
		if (rc == 0)
			rc = KCALL(q, -EIO, RESIZE(q->vq, num));
#endif
	}
	if (rc == 0)
		KVOID(q, kring_fast_forward(q->vq, q->cfg.start));
	kring_contract_reset_done(&q->contract, rc);
	return rc;
}

static unsigned linux_num(const struct vrs_driver_queue *dq)
{
	struct lq *q = reading(dq);
	return q->vq ? virtqueue_get_vring_size(q->vq) : 0;
}

static void linux_addrs(const struct vrs_driver_queue *dq,
			struct vrs_vq_addrs *out)
{
	struct lq *q = reading(dq);
	if (!q->vq) {
		*out = (struct vrs_vq_addrs){0};
		return;
	}
	if (q->own_ring) {
		/* The transport placed this ring itself (vring_new_virtqueue):
		 * it knows the addresses; the kernel BUG()s if asked. */
		const struct vring *vr = virtqueue_get_vring(q->vq);
		out->desc = virt_to_phys(vr->desc);
		out->driver = virt_to_phys(vr->avail);
		out->device = virt_to_phys(vr->used);
		return;
	}
	out->desc = virtqueue_get_desc_addr(q->vq);
	out->driver = virtqueue_get_avail_addr(q->vq);
	out->device = virtqueue_get_used_addr(q->vq);
}

static bool linux_broken(const struct vrs_driver_queue *dq)
{
	struct lq *q = reading(dq);
	return q->dead || !q->vq || virtqueue_is_broken(q->vq);
}

static const char *linux_broken_reason(const struct vrs_driver_queue *dq)
{
	struct lq *q = reading(dq);
	if (q->dead)
		return q->why;
	if (!q->vq || !virtqueue_is_broken(q->vq))
		return "";
	/* BAD_RING's dev_err line, the kernel's own words */
	return q->env.msg[0] ? q->env.msg : "virtqueue is broken";
}

static int linux_check(const struct vrs_driver_queue *dq)
{
	struct lq *q = reading(dq);
	if (q->dead || !q->vq)
		return 0;
	if (!vrs_has_feature(q->cfg.features, VRS_F_RING_PACKED))
		(void)virtqueue_get_vring(q->vq);
	return kring_check(q->vq, q->check_why, sizeof(q->check_why));
}

static const char *linux_check_reason(const struct vrs_driver_queue *dq)
{
	return lq_of(dq)->check_why;
}

/* The kernel decides: virtio_features_ok() of this version's virtio.c
 * (features_ok.c), then its own vring_use_dma_api(). */
static int linux_decide(uint64_t accepted, bool xen_domain,
			bool restricted_mem_acc)
{
	if (kring_features_ok(accepted, restricted_mem_acc) < 0)
		return -ENODEV;
	struct kshim_env env = {.xen_domain = xen_domain};
	struct virtio_device vdev = {.features = accepted};
	struct kshim_env *saved = kshim_current();
	kshim_set_env(&env);
	bool dma = kring_use_dma_api(&vdev);
	kshim_set_env(saved);
	return dma ? 1 : 0;
}

static struct vrs_driver_ops vrs_linux_driver = {
	.name = "linux",
	.summary = "Linux's drivers/virtio/virtio_ring.c " VRSIM_KERNEL_RELEASE,
	.create = linux_create,
	.destroy = linux_destroy,
	.shutdown = linux_shutdown,
	.restart = linux_restart,
	.add = linux_add,
	.kick = linux_kick,
	.get_buf = linux_get_buf,
	.disable_cb = linux_disable_cb,
	.enable_cb = linux_enable_cb,
	.detach_unused = linux_detach_unused,
	.reset = linux_reset,
	.num = linux_num,
	.addrs = linux_addrs,
	.broken = linux_broken,
	.broken_reason = linux_broken_reason,
	.check = linux_check,
	.check_reason = linux_check_reason,
	/* detach_buf_split walks chains by the NEXT flags it reads back
	 * from the descriptor table the device can write */
	.kernel_state = true,
	.decide = linux_decide,
	.passes_used_len = true,
};

const char vrs_linux_release[] = VRSIM_KERNEL_RELEASE;

struct virtqueue *vrs_linux_virtqueue(const struct vrs_driver_queue *q)
{
	return q && q->ops == &vrs_linux_driver ? reading(q)->vq : NULL;
}

const struct vrs_driver_ops *vrs_linux_driver_ops(void)
{
	if (!vrs_linux_driver.features)
		vrs_linux_driver.features = transport_features();
	return &vrs_linux_driver;
}
