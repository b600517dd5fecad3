/* Linux's vringh (drivers/vhost/vringh.c) behind vrsim's device-side
 * interface (vrsim/device.h), driven the way the kernel's vDPA simulator
 * drives it: getdesc, the model device's work on the iov, complete,
 * need_notify.
 *
 * Two flavours. "linux" is the _iotlb one: every ring and buffer address
 * goes through a struct vhost_iotlb (drivers/vhost/iotlb.c) that mirrors
 * the machine's IOMMU mappings (IOVA to GPA with permissions, told of
 * each map and invalidation) when the device sits behind the IOMMU, and
 * holds one identity range [0, ULONG_MAX] otherwise, as vdpa_sim does.
 * "linux-kern" is the _kern one: the ring by host pointer, descriptor
 * addresses as "kernel pointers" that the shim sends to the bus
 * (kshim/kern_memcpy.h); it needs a platform where a bus address is a
 * GPA. vringh is split-ring only: neither offers RING_PACKED. */
#include <stdio.h>
#include <stdlib.h>

#include "linux_device_internal.h"
#include "kcall.h"
#include "kernel/linux.h"
#include "vrsim/guard.h"
#include "vrsim/report.h"
#include "vrsim/virtio.h"

#define DATA_MAX 4096u /* bytes of a chain moved through vringh */
/* check_pull's and repush's buffers (host memory for the _kern flavour) */
static struct {
	uint8_t got[DATA_MAX], want[DATA_MAX], buf[DATA_MAX];
} data_buffers;
/* The most guest-memory accesses one getdesc can make and still finish:
 * vringh bounds a walk only by the kvec array its elements fill, which
 * stops growing at KMALLOC_MAX_SIZE (the kernel refuses more, -ENOMEM);
 * each element, and each descriptor of the ring, costs at most two
 * reads and a kmap. Past that the walk goes round without end. */
#define WALK_LIMIT(num) (4u * ((num) + KMALLOC_MAX_SIZE / sizeof(struct kvec)) + 64u)
/* vdpa_sim's max_iotlb_entries default */
#define IOTLB_ENTRIES 2048

static ssize_t pull_kern(struct vringh *vrh, struct vringh_kiov *riov,
			 void *dst, size_t len)
{
	(void)vrh;
	return vringh_iov_pull_kern(riov, dst, len);
}

static ssize_t push_kern(struct vringh *vrh, struct vringh_kiov *wiov,
			 const void *src, size_t len)
{
	(void)vrh;
	return vringh_iov_push_kern(wiov, src, len);
}

static const struct flavour iotlb_flavour = {
	"iotlb", vringh_iov_pull_iotlb, vringh_iov_push_iotlb,
	vringh_getdesc_iotlb, vringh_complete_iotlb,
	vringh_need_notify_iotlb, vringh_notify_enable_iotlb,
	vringh_notify_disable_iotlb,
};

static const struct flavour kern_flavour = {
	"kern", pull_kern, push_kern, vringh_getdesc_kern, vringh_complete_kern,
	vringh_need_notify_kern, vringh_notify_enable_kern,
	vringh_notify_disable_kern,
};

static struct ld *ld_of(const struct vrs_device_queue *d)
{
	return (struct ld *)d;
}

void ld_oopsed(struct ld *d)
{
	d->dead = d->broken = true;
	if (d->env.stuck)
		snprintf(d->why, sizeof(d->why), "stuck: %s",
			 vrs_report_last(VRS_FIND_LIVENESS));
	else
		snprintf(d->why, sizeof(d->why), "kernel BUG: %s",
			 vrs_report_last(VRS_FIND_KERNEL_BUG));
}

static void *host_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void host_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

static const char *errname(int err)
{
	switch (-err) {
	case EINVAL: return "-EINVAL";
	case EFAULT: return "-EFAULT";
	case EPERM: return "-EPERM";
	case ENOBUFS: return "-ENOBUFS";
	case ENOMEM: return "-ENOMEM";
	case ENOSPC: return "-ENOSPC";
	case ELOOP: return "-ELOOP";
	case EIO: return "-EIO";
	}
	return "an unexpected errno";
}

static void oopsed(struct ld *d)
{
	ld_oopsed(d);
}

/* Refuse the ring from now on, with vringh's own words when it had any. */
static int refuse(struct ld *d, const char *call, int err)
{
	d->broken = true;
	snprintf(d->why, sizeof(d->why), "vringh_%s_%s: %s%s%s", call,
		 d->fl->prefix, errname(err), d->env.msg[0] ? ": " : "",
		 d->env.msg);
	return err == -EFAULT ? -EFAULT : -EPROTO;
}

/* ---- set-up ---- */

/* The ring's host address for the _kern flavour: the bus address is a GPA. */
static void *ring_host(struct ld *d, vrs_dma_addr_t addr, size_t len)
{
	return d->cfg.gm ? vrs_gmem_hva(d->cfg.gm, addr, len) : NULL;
}

static int start_kern(struct ld *d, uint64_t features)
{
	const struct vrs_vqdev_config *c = &d->cfg;
	if (!c->bus_is_gpa || !c->gm)
		return -EOPNOTSUPP; /* kernel pointers need GPAs */
	d->env.bus = c->bus;
	/* the ring, in guest memory's host mapping, by pointer */
	d->env.host[0].p = vrs_gmem_hva(c->gm, VRS_PAGE_SIZE, 1);
	d->env.host[0].len = vrs_gmem_size(c->gm) - VRS_PAGE_SIZE;
	unsigned num = c->num;
	void *desc = ring_host(d, c->addrs.desc, 16ul * num);
	void *avail = ring_host(d, c->addrs.driver, 6 + 2ul * num);
	void *used = ring_host(d, c->addrs.device, 6 + 8ul * num);
	if (!desc || !avail || !used)
		return -EFAULT;
	return KCALL(d, -EIO,
		     vringh_init_kern(&d->vrh, features, num, false, desc,
				      avail, used));
}

static int start_iotlb(struct ld *d, uint64_t features)
{
	const struct vrs_vqdev_config *c = &d->cfg;
	if (!d->iotlb)
		d->iotlb = KCALL(d, NULL, vhost_iotlb_alloc(IOTLB_ENTRIES, 0));
	if (!d->iotlb)
		return -ENOMEM;
	KVOID(d, vhost_iotlb_reset(d->iotlb));
	if (c->mappings) {
		/* behind the IOMMU: IOVA to GPA, then guest memory by GPA,
		 * each access held to what the IOMMU grants */
		if (!c->phys)
			return -EINVAL;
		ld_watch_iommu(d);
	} else {
		d->env.bus = c->bus;
		int rc = KCALL(d, -EIO,
			       vhost_iotlb_add_range(d->iotlb, 0, ULONG_MAX, 0,
						     VHOST_MAP_RW));
		if (rc < 0)
			return rc;
	}
	if (!d->env.bus)
		return -EINVAL;
	int rc = KCALL(d, -EIO,
		       vringh_init_iotlb(&d->vrh, features, c->num, false,
					 (void *)(uintptr_t)c->addrs.desc,
					 (void *)(uintptr_t)c->addrs.driver,
					 (void *)(uintptr_t)c->addrs.device));
	if (rc == 0)
		KVOID(d, vringh_set_iotlb(&d->vrh, d->iotlb, &d->iotlb_lock));
	return rc;
}

/* Between runs the kernel code holds the vhost IOTLB and, once it is
 * started, its two ranges or the IOMMU's mappings: anything more is
 * memory vringh or the IOTLB lost. */
static void check_leaks(struct ld *d)
{
	size_t want = d->iotlb ? sizeof(*d->iotlb) : 0;
	if (d->iotlb)
		want += (size_t)d->iotlb->nmaps * sizeof(struct vhost_iotlb_map);
	size_t live = kshim_env_live(&d->env);
	if (live != want && !d->dead)
		vrs_report(VRS_FIND_KERNEL_LEAK,
			   "vringh and the vhost IOTLB hold %zu bytes of kernel "
			   "memory at a device reset, %zu expected", live, want);
}

static int start(struct ld *d, const struct vrs_vqdev_config *cfg)
{
	ld_stop_watching(d);
	d->cfg = *cfg;
	d->broken = d->dead = false;
	d->why[0] = '\0';
	d->inflight = 0;
	d->last_head = -1;
	memset(d->popped, 0, sizeof(d->popped));
	d->env.msg[0] = '\0';
	if (cfg->num == 0 || cfg->num > VRS_MAX_QUEUE_SIZE || !cfg->bus ||
	    (cfg->features & VRS_BIT(VRS_F_RING_PACKED))) {
		return -EINVAL;
	}
	/* Host memory every flavour's memcpy may touch (kern_memcpy.h):
	 * the adapter's object (the inline kvecs resize_iovec copies from)
	 * and the data path's buffers. */
	memset(d->env.host, 0, sizeof(d->env.host));
	d->env.host[1].p = d;
	d->env.host[1].len = sizeof(*d);
	d->env.host[2].p = &data_buffers;
	d->env.host[2].len = sizeof(data_buffers);
	/* what the last run grew the iovs to, given back */
	KVOID(d, (vringh_kiov_cleanup(&d->riov), vringh_kiov_cleanup(&d->wiov)));
	vringh_kiov_init(&d->riov, d->rvec, KIOV_INLINE);
	vringh_kiov_init(&d->wiov, d->wvec, KIOV_INLINE);
	spin_lock_init(&d->iotlb_lock);
	int rc = d->fl == &kern_flavour ? start_kern(d, cfg->features)
					: start_iotlb(d, cfg->features);
	check_leaks(d);
	if (rc < 0) {
		ld_stop_watching(d);
		return rc;
	}
	/* vringh starts at zero; the harness may start the ring elsewhere */
	d->vrh.last_avail_idx = d->vrh.last_used_idx = cfg->start;
	return 0;
}

static int create(const struct vrs_device_ops *ops, const struct flavour *fl,
		  const struct vrs_vqdev_config *cfg,
		  struct vrs_device_queue **out)
{
	struct ld *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->dq.ops = ops;
	d->fl = fl;
	d->host = (struct vrs_kmem){host_alloc, host_free, NULL};
	d->env.kmem = &d->host;
	int rc = start(d, cfg);
	if (rc < 0) {
		ops->destroy(&d->dq);
		return rc;
	}
	*out = &d->dq;
	return 0;
}

static void ld_destroy(struct vrs_device_queue *dq)
{
	struct ld *d = ld_of(dq);
	if (!d)
		return;
	ld_stop_watching(d);
	if (d->iotlb)
		KVOID(d, vhost_iotlb_free(d->iotlb));
	KVOID(d, (vringh_kiov_cleanup(&d->riov), vringh_kiov_cleanup(&d->wiov)));
	kshim_env_free(&d->env);
	kshim_set_env(NULL);
	free(d->maps);
	free(d);
}

static int ld_reset(struct vrs_device_queue *dq,
		    const struct vrs_vqdev_config *cfg)
{
	return start(ld_of(dq), cfg);
}

/* ---- the ring ---- */

static void append(struct vrs_vqdev_req *req, const struct vringh_kiov *kiov,
		   bool write)
{
	for (unsigned i = kiov->i; i < kiov->used; i++) {
		req->iov[req->niov++] = (struct vrs_iov){
			.addr = (uintptr_t)kiov->iov[i].iov_base,
			.len = (uint32_t)kiov->iov[i].iov_len,
			.write = write,
		};
		if (write)
			req->in_len += kiov->iov[i].iov_len;
		else
			req->out_len += kiov->iov[i].iov_len;
	}
}

/* ---- vringh's own data path, as vdpa_sim moves a request's bytes ---- */




/* The first bytes of the readable elements, pulled through vringh, must
 * be what guest memory holds there (data integrity of vringh's path: its
 * vhost IOTLB translation and page splitting). The pull uses a copy of
 * the kiov, so the elements stay whole for the model device. */
static void check_pull(struct ld *d, const struct vrs_vqdev_req *req)
{
	uint8_t *got = data_buffers.got, *want = data_buffers.want;
	size_t n = (size_t)VRS_MIN(req->out_len, (uint64_t)DATA_MAX);
	if (!n)
		return;
	size_t have = 0;
	for (unsigned i = 0; i < req->nout && have < n; i++) {
		size_t k = VRS_MIN((size_t)req->iov[i].len, n - have);
		if (!ld_guest_bytes(d, req->iov[i].addr, want + have, k))
			return; /* nothing known to compare with */
		have += k;
	}
	struct vringh_kiov riov = d->riov;
	ssize_t r = KCALL(d, -EIO, d->fl->pull(&d->vrh, &riov, got, n));
	if (r >= 0 && ((size_t)r != n || memcmp(got, want, n) != 0))
		vrs_report(VRS_FIND_DATA_INTEGRITY,
			   "vringh_iov_pull_%s of %zu bytes of chain %u gave "
			   "%zd bytes that differ from guest memory",
			   d->fl->prefix, n, req->id, r);
}

/* The bytes the model device wrote, pushed again through vringh (the
 * same bytes, so nothing changes when vringh's path is right). */
static void repush(struct ld *d, const struct vrs_vqdev_req *req,
		   uint32_t len)
{
	uint8_t *buf = data_buffers.buf;
	size_t n = VRS_MIN((size_t)len, (size_t)DATA_MAX), have = 0;
	for (unsigned i = req->nout; i < req->niov && have < n; i++) {
		size_t k = VRS_MIN((size_t)req->iov[i].len, n - have);
		if (!ld_guest_bytes(d, req->iov[i].addr, buf + have, k))
			return;
		have += k;
	}
	if (have < n || !n)
		return;
	struct vringh_kiov wiov = d->wiov;
	(void)KCALL(d, -EIO, d->fl->push(&d->vrh, &wiov, buf, n));
}

static int ld_pop(struct vrs_device_queue *dq, struct vrs_vqdev_req *req)
{
	struct ld *d = ld_of(dq);
	if (d->broken)
		return -EPROTO;
	u16 head = 0;
	d->env.msg[0] = '\0';
	d->env.access_limit = WALK_LIMIT(d->cfg.num);
	int rc = KCALL(d, -EIO,
		       d->fl->getdesc(&d->vrh, &d->riov, &d->wiov, &head,
				      GFP_ATOMIC));
	d->env.access_limit = 0;
	if (rc == 0)
		return -EAGAIN;
	if (rc < 0)
		return d->dead ? -EPROTO : refuse(d, "getdesc", rc);
	unsigned n = (d->riov.used - d->riov.i) + (d->wiov.used - d->wiov.i);
	if (n > req->iov_cap) {
		snprintf(d->why, sizeof(d->why),
			 "chain of %u segments, room for %u", n, req->iov_cap);
		d->broken = true;
		return -ENOSPC;
	}
	req->id = head;
	d->last_head = head;
	req->ndesc = 1;
	req->niov = req->nout = req->nin = 0;
	req->out_len = req->in_len = 0;
	append(req, &d->riov, false);
	req->nout = req->niov;
	append(req, &d->wiov, true);
	req->nin = req->niov - req->nout;
	check_pull(d, req);
	if (head < d->cfg.num && !(d->popped[head / 8] & (1u << head % 8))) {
		d->popped[head / 8] |= (uint8_t)(1u << head % 8);
		d->inflight++;
	}
	return 0;
}

static int ld_push(struct vrs_device_queue *dq, const struct vrs_vqdev_req *req,
		   uint32_t len)
{
	struct ld *d = ld_of(dq);
	if (d->broken)
		return -EPROTO;
	u16 head = req->id;
	if (head < d->cfg.num && (d->popped[head / 8] & (1u << head % 8))) {
		d->popped[head / 8] &= (uint8_t)~(1u << head % 8);
		d->inflight--;
	}
	if (head == d->last_head)
		repush(d, req, len);
	d->env.msg[0] = '\0';
	int rc = KCALL(d, -EIO, d->fl->complete(&d->vrh, head, len));
	return rc < 0 ? (d->dead ? -EPROTO : refuse(d, "complete", rc)) : 0;
}

static bool ld_need_interrupt(struct vrs_device_queue *dq)
{
	struct ld *d = ld_of(dq);
	if (d->broken)
		return false;
	int rc = KCALL(d, -EIO, d->fl->need_notify(&d->vrh));
	if (rc < 0 && !d->dead)
		refuse(d, "need_notify", rc);
	return rc > 0;
}

static int ld_set_kicks(struct vrs_device_queue *dq, bool wanted)
{
	struct ld *d = ld_of(dq);
	if (d->broken)
		return -EPROTO;
	if (wanted)
		(void)KCALL(d, false, d->fl->notify_enable(&d->vrh));
	else
		KVOID(d, d->fl->notify_disable(&d->vrh));
	return d->dead ? -EPROTO : 0;
}

static void ld_position(const struct vrs_device_queue *dq,
			struct vrs_vqdev_position *out)
{
	const struct ld *d = ld_of(dq);
	*out = (struct vrs_vqdev_position){
		.avail = d->vrh.last_avail_idx,
		/* vringh counts what it completed apart until need_notify */
		.used = (uint16_t)(d->vrh.last_used_idx + d->vrh.completed),
	};
}

static unsigned ld_inflight(const struct vrs_device_queue *dq)
{
	return ld_of(dq)->inflight;
}

static bool ld_needs_reset(const struct vrs_device_queue *dq)
{
	return ld_of(dq)->broken;
}

static const char *ld_error(const struct vrs_device_queue *dq)
{
	return ld_of(dq)->why;
}

static int create_iotlb(const struct vrs_vqdev_config *cfg,
			struct vrs_device_queue **out);
static int create_kern(const struct vrs_vqdev_config *cfg,
		       struct vrs_device_queue **out);

#define VRINGH_FEATURES                                                        \
	(VRS_BIT(VRS_F_INDIRECT_DESC) | VRS_BIT(VRS_F_EVENT_IDX) |             \
	 VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_ACCESS_PLATFORM) |          \
	 VRS_BIT(VRS_F_RING_RESET))

/* The two flavours differ only in name and creation. */
#define VRINGH_OPS(ops_name, text, create_fn)                                 \
	{                                                                      \
		.name = ops_name, .summary = text,                             \
		.features = VRINGH_FEATURES, .create = create_fn,              \
		.destroy = ld_destroy, .reset = ld_reset, .pop = ld_pop,       \
		.push = ld_push, .need_interrupt = ld_need_interrupt,          \
		.set_kicks = ld_set_kicks, .position = ld_position,            \
		.inflight = ld_inflight, .needs_reset = ld_needs_reset,        \
		.error = ld_error,                                             \
	}

static const struct vrs_device_ops linux_device = VRINGH_OPS(
	"linux", "Linux's vringh, _iotlb flavour (vhost IOTLB), split only",
	create_iotlb);
static const struct vrs_device_ops linux_device_kern = VRINGH_OPS(
	"linux-kern", "Linux's vringh, _kern flavour (GPA platforms), split only",
	create_kern);

static int create_iotlb(const struct vrs_vqdev_config *cfg,
			struct vrs_device_queue **out)
{
	return create(&linux_device, &iotlb_flavour, cfg, out);
}

static int create_kern(const struct vrs_vqdev_config *cfg,
		       struct vrs_device_queue **out)
{
	return create(&linux_device_kern, &kern_flavour, cfg, out);
}

const struct vrs_device_ops *vrs_linux_device_ops(void)
{
	return &linux_device;
}

const struct vrs_device_ops *vrs_linux_device_kern_ops(void)
{
	return &linux_device_kern;
}
