/* One simulated run: negotiation, policy, the scheduler and the oracles that
 * judge the run as a whole (protocol, liveness, leaks). */
#include "sim/sim.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kmem.h"
#include "sim_internal.h"
#include "vrsim/guard.h"

static const char *const device_names[VRS_DEV_COUNT] = {
	[VRS_DEV_BLK] = "blk",
	[VRS_DEV_NET] = "net",
	[VRS_DEV_ADVERSARIAL] = "adversarial",
};

static const char *const outcome_names[VRS_OUT_COUNT] = {
	[VRS_OUT_WORKS] = "works",
	[VRS_OUT_REFUSED] = "refused cleanly",
	[VRS_OUT_PRIVATE] = "private-memory access",
	[VRS_OUT_DMA_FAULT] = "DMA fault",
	[VRS_OUT_BROKEN] = "broken",
	[VRS_OUT_FINDING] = "finding",
};

const char *vrs_device_name(enum vrs_device_kind d)
{
	return (unsigned)d < VRS_DEV_COUNT ? device_names[d] : "?";
}

int vrs_device_by_name(const char *name, enum vrs_device_kind *out)
{
	for (unsigned i = 0; name && i < VRS_DEV_COUNT; i++) {
		if (strcmp(device_names[i], name) == 0) {
			*out = (enum vrs_device_kind)i;
			return 0;
		}
	}
	return -ENOENT;
}

const char *vrs_outcome_name(enum vrs_outcome o)
{
	return (unsigned)o < VRS_OUT_COUNT ? outcome_names[o] : "?";
}

static const struct vrs_model_ops *const models[VRS_DEV_COUNT] = {
	[VRS_DEV_BLK] = &vrs_model_blk,
	[VRS_DEV_NET] = &vrs_model_net,
	[VRS_DEV_ADVERSARIAL] = &vrs_model_adversarial,
};

int vrs_sim_create(struct vrs_sim **out)
{
	VRS_ENSURE(out, EINVAL);
	struct vrs_sim *s = calloc(1, sizeof(*s));
	VRS_ENSURE(s, ENOMEM);
	int rc = vrs_machine_create(NULL, &s->m);
	if (rc < 0) {
		free(s);
		return rc;
	}
	vrs_sim_kmem(vrs_machine_gmem(s->m), &s->kmem);
	*out = s;
	return 0;
}

void vrs_sim_destroy(struct vrs_sim *s)
{
	if (!s)
		return;
	for (unsigned q = 0; q < VRS_SIM_MAX_QUEUES; q++) {
		vrs_vq_destroy(s->kept_vq[q]);
		vrs_vqdev_destroy(s->kept_dev[q]);
	}
	vrs_machine_destroy(s->m);
	free(s);
}

/* ---- services for the models ---- */

/* A token as the trace shows it: its offset in the model's state, the same
 * on every run and every build (a host pointer is not). */
static uint64_t token_id(const struct vrs_sim *s, const void *token)
{
	uintptr_t t = (uintptr_t)token, base = (uintptr_t)s->model_state;
	return t - base < sizeof(s->model_state) ? t - base : t;
}

void *vrs_sim_kmalloc(struct vrs_sim *s, size_t size)
{
	return s->kmem.alloc(s->kmem.ctx, size);
}

void vrs_sim_kfree(struct vrs_sim *s, void *p, size_t size)
{
	s->kmem.free(s->kmem.ctx, p, size);
}

const struct vrs_bus *vrs_sim_bus(struct vrs_sim *s)
{
	return vrs_machine_bus(s->m);
}

/* True when nothing has gone wrong yet in this run: follow-on symptoms of
 * an earlier finding are not findings of their own. */
static bool first_trouble(void)
{
	return vrs_report_count(VRS_FIND_COUNT) == 0;
}

void vrs_sim_integrity(struct vrs_sim *s, const char *fmt, ...)
{
	/* Data means something only when both sides are honest. */
	if (s->driver_under_test || s->device_under_test)
		return;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vrs_trace(&s->trace, VRS_EV_FINDING, 0, 0, 0, 0, "data-integrity");
	vrs_report(VRS_FIND_DATA_INTEGRITY, "%s", msg);
}

int vrs_sim_add(struct vrs_sim *s, unsigned q, const struct vrs_sg *sg,
		unsigned out, unsigned in, void *token)
{
	struct vrs_sim_queue *sq = &s->q[q];
	int rc = vrs_vq_add(sq->vq, sg, out, in, token);
	if (rc == 0) {
		sq->inflight++;
		s->res->submitted++;
		vrs_trace(&s->trace, VRS_EV_DRV_ADD, q, token_id(s, token),
			  out, in, NULL);
	} else {
		vrs_trace(&s->trace, VRS_EV_DRV_ADD_FAIL, q, 0, 0, 0,
			  rc == -ENOSPC ? "ring full"
			  : rc == -ENOMEM ? "mapping failed"
			  : rc == -EIO	  ? "queue broken"
					  : "invalid");
	}
	return rc;
}

/* A stable copy of a reason string for the trace. */
static const char *keep(struct vrs_sim *s, const char *why)
{
	char *slot = s->reasons[s->nreasons++ % VRS_ARRAY_SIZE(s->reasons)];
	snprintf(slot, sizeof(s->reasons[0]), "%s", why);
	return slot;
}

static void device_dead(struct vrs_sim *s, unsigned q, const char *why)
{
	s->q[q].dead = true;
	s->res->breaks++;
	vrs_trace(&s->trace, VRS_EV_DEV_ERROR, q, 0, 0, 0, keep(s, why));
}

int vrs_sim_push(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req,
		 uint32_t len)
{
	/* Device conformance: an honest model never claims more bytes than
	 * the chain let it write. With a hostile driver (fuzz_device) nobody
	 * else would notice. */
	if (s->model != &vrs_model_adversarial && len > req->in_len)
		vrs_report(VRS_FIND_PROTOCOL,
			   "device q%u used id %u with len %u, beyond the "
			   "chain's %llu writable bytes", q, req->id, len,
			   (unsigned long long)req->in_len);
	int rc = vrs_vqdev_push(s->q[q].dev, req, len);
	if (rc < 0) {
		device_dead(s, q, "push failed");
	} else {
		s->res->used++;
		vrs_trace(&s->trace, VRS_EV_DEV_PUSH, q, req->id, len, 0, NULL);
	}
	return rc;
}

int vrs_sim_pop(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req)
{
	req->iov = s->iov;
	req->iov_cap = VRS_SIM_MAX_IOV;
	int rc = vrs_vqdev_pop(s->q[q].dev, req);
	if (rc == 0)
		vrs_trace(&s->trace, VRS_EV_DEV_POP, q, req->id, req->nout,
			  req->nin, NULL);
	return rc;
}

/* ---- the scheduler's steps ---- */

static void notify(void *ctx, uint32_t data)
{
	struct vrs_sim_queue *sq = ctx;
	sq->woken = true;
}

/* The device refused the driver's ring: with an honest driver that is the
 * driver's bug (protocol conformance), unless an earlier finding explains
 * it (a device reading ciphertext sees nonsense). */
static void device_refused(struct vrs_sim *s, unsigned q, const char *why)
{
	device_dead(s, q, why);
	if (!s->driver_under_test && !s->device_under_test && first_trouble())
		vrs_report(VRS_FIND_PROTOCOL,
			   "device q%u refused the honest driver's ring: %s", q,
			   why);
}

static void device_step(struct vrs_sim *s, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	if (sq->dead || !sq->woken)
		return;
	struct vrs_vqdev_req req;
	int rc = vrs_sim_pop(s, q, &req);
	if (rc == -EAGAIN) {
		/* Going idle: ask for kicks, then look once more so that a
		 * buffer added in between is not lost. */
		if (vrs_vqdev_set_kicks(sq->dev, true) < 0) {
			device_dead(s, q, "cannot write the event area");
			return;
		}
		rc = vrs_sim_pop(s, q, &req);
		if (rc == -EAGAIN) {
			sq->woken = false;
			return;
		}
	}
	if (rc == 0) {
		/* Busy: kicks are not needed while we poll. */
		if (vrs_vqdev_set_kicks(sq->dev, false) < 0) {
			device_dead(s, q, "cannot write the event area");
			return;
		}
		rc = s->model->serve(s, q, &req);
		if (rc == 0 || sq->dead)
			return;
	}
	if (rc == -EPROTO)
		device_refused(s, q, vrs_vqdev_error(sq->dev)[0]
					     ? vrs_vqdev_error(sq->dev)
					     : "malformed request");
	else
		device_dead(s, q, rc == -EFAULT ? "bus fault" : "cannot serve");
}

static void device_irq(struct vrs_sim *s, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	if (sq->dead)
		return;
	bool raise = vrs_vqdev_need_interrupt(sq->dev);
	/* A platform that loses an interrupt (the lose_irq_nth fault). */
	if (raise && ++s->irqs == s->cfg.lose_irq_nth)
		raise = false;
	if (raise)
		sq->irq_pending = true;
	vrs_trace(&s->trace, VRS_EV_DEV_IRQ, q, raise, 0, 0, NULL);
}

static void driver_broken(struct vrs_sim *s, unsigned q)
{
	const char *why = keep(s, vrs_vq_broken_reason(s->q[q].vq));
	s->res->breaks++;
	vrs_trace(&s->trace, VRS_EV_DRV_BROKEN, q, 0, 0, 0, why);
	if (!s->driver_under_test && !s->device_under_test && first_trouble())
		vrs_report(VRS_FIND_PROTOCOL,
			   "driver marked q%u broken with an honest device: %s",
			   q, why);
}

/* The interrupt handler, as a Linux driver's callback is written. */
static void driver_irq(struct vrs_sim *s, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	if (!sq->irq_pending)
		return;
	sq->irq_pending = false;
	vrs_trace(&s->trace, VRS_EV_DRV_IRQ, q, 0, 0, 0, NULL);
	for (unsigned rounds = 0; rounds <= vrs_vq_num(sq->vq); rounds++) {
		vrs_vq_disable_cb(sq->vq);
		for (;;) {
			uint32_t len;
			void *token;
			int rc = vrs_vq_get_buf(sq->vq, &len, &token);
			if (rc == -EAGAIN)
				break;
			if (rc < 0) {
				driver_broken(s, q);
				return;
			}
			sq->inflight--;
			s->res->completed++;
			vrs_trace(&s->trace, VRS_EV_DRV_GET, q,
				  token_id(s, token), len, 0, NULL);
			s->model->complete(s, q, token, len, true);
		}
		if (vrs_vq_enable_cb(sq->vq))
			return;
	}
}

static void driver_kick(struct vrs_sim *s, unsigned q)
{
	bool notified = vrs_vq_kick(s->q[q].vq);
	vrs_trace(&s->trace, VRS_EV_DRV_KICK, q, notified, 0, 0, NULL);
}

static void device_configure(struct vrs_sim *s, unsigned q,
			     struct vrs_vqdev_config *dc)
{
	*dc = (struct vrs_vqdev_config){
		.num = vrs_vq_num(s->q[q].vq),
		.features = s->accepted,
		.big_endian_guest = s->cfg.big_endian_guest,
		.bus = vrs_machine_bus(s->m),
	};
	vrs_vq_addrs(s->q[q].vq, &dc->addrs);
}

/* Detach every buffer the device has not used and hand it back. */
static void release_unused(struct vrs_sim *s, unsigned q)
{
	void *token;
	while (vrs_vq_detach_unused(s->q[q].vq, &token) == 0) {
		s->q[q].inflight--;
		s->res->released++;
		s->model->complete(s, q, token, 0, false);
	}
}

/* Per-queue reset (RING_RESET), possibly resizing. */
static void queue_reset(struct vrs_sim *s, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	if (!vrs_has_feature(s->accepted, VRS_F_RING_RESET))
		return;
	unsigned num = vrs_vq_num(sq->vq);
	uint8_t how = vrs_provider_u8(&s->prov) % 3;
	unsigned new_num = how == 0 ? num : how == 1 ? num / 2 : num * 2;
	if (new_num < 2 || new_num > 1024)
		new_num = num;
	vrs_trace(&s->trace, VRS_EV_RESET, q, new_num, 0, 0, NULL);
	release_unused(s, q);
	sq->woken = sq->irq_pending = false;
	if (vrs_vq_reset(sq->vq, new_num) < 0) {
		sq->dead = true; /* the driver could not get ring memory */
		return;
	}
	struct vrs_vqdev_config dc;
	device_configure(s, q, &dc);
	sq->dead = vrs_vqdev_reset(sq->dev, &dc) < 0;
}

enum { OP_SUBMIT, OP_KICK, OP_DEVICE, OP_DEV_IRQ, OP_DRV_IRQ, OP_FLUSH,
       OP_RESET, OP_COUNT };

/* Op byte to op: the common steps get more of the byte's range. */
static unsigned decode_op(uint8_t b)
{
	static const uint8_t bounds[OP_COUNT] = {80, 112, 176, 200, 244, 250, 255};
	unsigned op = 0;
	while (op < OP_COUNT - 1 && b >= bounds[op])
		op++;
	return op;
}

/* The hostile driver's side of the steps that belong to the driver. */
static bool raw_step(struct vrs_sim *s, unsigned op, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	switch (op) {
	case OP_SUBMIT:
		vrs_rawdrv_submit(s, q);
		return true;
	case OP_KICK:
		sq->woken = true;
		return true;
	case OP_DRV_IRQ:
		sq->irq_pending = false;
		return true;
	case OP_RESET: {
		/* Reset the device so the next nonsense meets a live one. */
		struct vrs_vqdev_config dc;
		device_configure(s, q, &dc);
		sq->dead = vrs_vqdev_reset(sq->dev, &dc) < 0;
		return true;
	}
	default:
		return false;
	}
}

static const char *const op_names[OP_COUNT] = {
	"driver submits", "driver kicks", "device works", "device may interrupt",
	"driver handles interrupt", "iommu flush", "queue reset",
};

static void step(struct vrs_sim *s)
{
	uint8_t b = vrs_provider_u8(&s->prov);
	unsigned q = s->nq > 1 ? vrs_provider_u8(&s->prov) % s->nq : 0;
	unsigned op = decode_op(b);
	vrs_trace(&s->trace, VRS_EV_OP, q, op, 0, 0, op_names[op]);
	if (s->cfg.raw_driver && raw_step(s, op, q))
		return;
	switch (op) {
	case OP_SUBMIT:
		s->model->submit(s, &s->prov);
		break;
	case OP_KICK:
		driver_kick(s, q);
		break;
	case OP_DEVICE:
		device_step(s, q);
		break;
	case OP_DEV_IRQ:
		device_irq(s, q);
		break;
	case OP_DRV_IRQ:
		driver_irq(s, q);
		break;
	case OP_FLUSH:
		vrs_machine_iommu_flush(s->m);
		vrs_trace(&s->trace, VRS_EV_IOMMU_FLUSH, 0, 0, 0, 0, NULL);
		break;
	default:
		queue_reset(s, q);
		break;
	}
}

static unsigned outstanding(const struct vrs_sim *s)
{
	unsigned n = 0;
	for (unsigned q = 0; q < s->nq; q++)
		if (!s->q[q].dead && !vrs_vq_broken(s->q[q].vq))
			n += s->q[q].inflight;
	return n;
}

/* Liveness: with the workload over, honest parties finish every buffer
 * within a bound. The driver kicks as it must after adding; the device
 * works while woken and interrupts as the driver asked. */
static void drain(struct vrs_sim *s)
{
	vrs_trace(&s->trace, VRS_EV_DRAIN, 0, outstanding(s), 0, 0, NULL);
	unsigned bound = 8 + 2 * (s->cfg.queue_size ? s->cfg.queue_size : 64);
	for (unsigned r = 0; r < bound && outstanding(s); r++) {
		for (unsigned q = 0; q < s->nq; q++)
			driver_kick(s, q);
		for (unsigned q = 0; q < s->nq; q++) {
			for (unsigned k = 0; k <= vrs_vq_num(s->q[q].vq) &&
					     s->q[q].woken && !s->q[q].dead;
			     k++)
				device_step(s, q);
			device_irq(s, q);
		}
		for (unsigned q = 0; q < s->nq; q++)
			driver_irq(s, q);
	}
	unsigned left = outstanding(s);
	if (left && !s->driver_under_test && !s->device_under_test &&
	    first_trouble())
		vrs_report(VRS_FIND_LIVENESS,
			   "%u buffers still in flight %u rounds after the "
			   "workload ended (lost kick or interrupt?)",
			   left, bound);
}

static void teardown(struct vrs_sim *s)
{
	if (s->cfg.raw_driver)
		vrs_rawdrv_stop(s);
	for (unsigned q = 0; q < s->nq; q++) {
		if (!s->q[q].vq)
			continue;
		if (!s->cfg.raw_driver && vrs_vq_check(s->q[q].vq) < 0 && !vrs_vq_broken(s->q[q].vq))
			vrs_report(VRS_FIND_PROTOCOL,
				   "q%u: driver shadow state inconsistent", q);
		release_unused(s, q);
		vrs_vq_shutdown(s->q[q].vq);
		s->q[q].vq = NULL;
		s->q[q].dev = NULL;
	}
	/* Every mapping must be gone now (dma-debug leak check). */
	vrs_machine_check_leaks(s->m);
}

static int create_queues(struct vrs_sim *s)
{
	for (unsigned q = 0; q < s->nq; q++) {
		struct vrs_sim_queue *sq = &s->q[q];
		memset(sq, 0, sizeof(*sq));
		struct vrs_vq_config vc = {
			.num = s->cfg.queue_size,
			.features = s->accepted,
			.big_endian_guest = s->cfg.big_endian_guest,
			.dma = s->dma,
			.kmem = &s->kmem,
			.notify = notify,
			.notify_ctx = sq,
			.index = q,
		};
		struct vrs_vq **vq = &s->kept_vq[q];
		int rc = *vq ? vrs_vq_restart(*vq, &vc) : vrs_vq_create(&vc, vq);
		if (rc < 0)
			return rc;
		sq->vq = *vq;
		struct vrs_vqdev_config dc;
		device_configure(s, q, &dc);
		struct vrs_vqdev **dev = &s->kept_dev[q];
		rc = *dev ? vrs_vqdev_reset(*dev, &dc) : vrs_vqdev_create(&dc, dev);
		if (rc < 0)
			return rc;
		sq->dev = *dev;
	}
	return 0;
}

static void classify(struct vrs_sim *s, bool probe_failed)
{
	struct vrs_sim_result *r = s->res;
	r->findings = vrs_report_count(VRS_FIND_COUNT);
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++) {
		if (vrs_report_count(k)) {
			r->first_finding = (enum vrs_finding)k;
			snprintf(r->detail, sizeof(r->detail), "%s: %s",
				 vrs_finding_name(k), vrs_report_last(k));
			break;
		}
	}
	bool broken = probe_failed || r->breaks;
	for (unsigned q = 0; q < s->nq; q++)
		broken |= s->q[q].dead || (s->q[q].vq && vrs_vq_broken(s->q[q].vq));
	if (vrs_report_count(VRS_FIND_PRIVATE_ACCESS))
		r->outcome = VRS_OUT_PRIVATE;
	else if (vrs_report_count(VRS_FIND_DMA_FAULT))
		r->outcome = VRS_OUT_DMA_FAULT;
	else if (broken)
		r->outcome = VRS_OUT_BROKEN;
	else if (r->findings)
		r->outcome = VRS_OUT_FINDING;
	else
		r->outcome = VRS_OUT_WORKS;
}

static bool config_valid(const struct vrs_sim_config *c, uint64_t accepted)
{
	unsigned num = c->queue_size;
	bool packed = vrs_has_feature(accepted, VRS_F_RING_PACKED);
	return vrs_platform_get(c->platform) &&
	       (unsigned)c->policy < VRS_POLICY_COUNT &&
	       (unsigned)c->device < VRS_DEV_COUNT && num >= 2 &&
	       num <= 1024 && (packed || (num & (num - 1)) == 0);
}

int vrs_sim_run(struct vrs_sim *s, const struct vrs_sim_config *cfg,
		const uint8_t *input, size_t len, struct vrs_sim_result *res)
{
	VRS_ENSURE(s && cfg && res, EINVAL);
	s->cfg = *cfg;
	if (!s->cfg.queue_size)
		s->cfg.queue_size = 64;
	/* FEATURES_OK: the driver accepts what it knows of what is offered;
	 * the packed layout exists only with VERSION_1. */
	uint64_t accepted = cfg->offered & cfg->driver_features;
	if (!vrs_has_feature(accepted, VRS_F_VERSION_1))
		accepted &= ~VRS_BIT(VRS_F_RING_PACKED);
	VRS_ENSURE(config_valid(&s->cfg, accepted), EINVAL);

	memset(res, 0, sizeof(*res));
	s->res = res;
	s->accepted = res->accepted = accepted;
	s->model = models[cfg->device];
	s->nq = s->model->nqueues;
	s->serial = 0;
	s->irqs = 0;
	s->nreasons = 0;
	s->model->reset(s);
	s->driver_under_test = cfg->device == VRS_DEV_ADVERSARIAL;
	s->device_under_test = cfg->raw_driver;
	vrs_trace_reset(&s->trace);
	vrs_report_clear();
	if (input)
		vrs_provider_bytes(&s->prov, input, len);
	else
		vrs_provider_seeded(&s->prov, cfg->seed);

	const struct vrs_platform *plat = vrs_platform_get(cfg->platform);
	bool ap = vrs_has_feature(accepted, VRS_F_ACCESS_PLATFORM);
	res->path = vrs_policy_decide(cfg->policy, plat, ap);
	struct vrs_run_config rc = {
		.platform = cfg->platform,
		.access_platform = ap,
		.lazy_iotlb = cfg->lazy_iotlb,
		.min_align_mask = cfg->min_align_mask,
		.fail_nth = cfg->fail_nth,
		.fail_persistent = cfg->fail_persistent,
		.xen_seed = cfg->seed,
		.corrupt_nth = cfg->corrupt_nth,
	};
	VRS_GUARD(vrs_machine_setup(s->m, &rc));
	vrs_trace(&s->trace, VRS_EV_SETUP, 0, accepted, s->cfg.queue_size,
		  cfg->device, plat->name);
	if (res->path == VRS_REFUSE) {
		res->outcome = VRS_OUT_REFUSED;
		snprintf(res->detail, sizeof(res->detail),
			 "policy %s: device without ACCESS_PLATFORM on %s",
			 vrs_policy_name(cfg->policy), plat->name);
		vrs_trace(&s->trace, VRS_EV_REFUSED, 0, 0, 0, 0, keep(s, res->detail));
		return 0;
	}
	s->dma = res->path == VRS_USE_DMA_API ? vrs_machine_dma(s->m)
					      : vrs_machine_phys(s->m);

	bool probe_failed = create_queues(s) < 0;
	if (!probe_failed && cfg->raw_driver)
		vrs_rawdrv_start(s);
	if (!probe_failed) {
		unsigned steps = cfg->steps ? cfg->steps : (input ? UINT32_MAX : 64);
		for (unsigned i = 0; i < steps; i++) {
			if (input && vrs_provider_done(&s->prov))
				break;
			s->trace.step = i;
			step(s);
			res->steps++;
		}
		s->trace.step = res->steps;
		if (!cfg->raw_driver)
			drain(s);
	}
	teardown(s);
	classify(s, probe_failed);
	vrs_machine_clean(s->m);
	return 0;
}

void vrs_sim_set_live_trace(struct vrs_sim *s, FILE *f)
{
	s->trace.live = f;
}

void vrs_sim_print_trace(const struct vrs_sim *s, FILE *f, unsigned n)
{
	vrs_trace_print(&s->trace, f, n);
}
