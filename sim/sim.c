/* One simulated run: negotiation, policy, the queues of the driver under
 * test and the device, the services the scheduler and the models use, and
 * the classification of how the run ended. The steps themselves and the
 * drain are the scheduler's (scheduler.c). */
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

uint64_t vrs_sim_negotiate(const struct vrs_sim_config *cfg,
			   const struct vrs_driver_ops *driver)
{
	const struct vrs_device_ops *side = vrs_device_side_get(cfg->device_side);
	uint64_t offered = cfg->offered & (side ? side->features : 0);
	uint64_t accepted = offered & cfg->driver_features & driver->features;
	if (!vrs_has_feature(accepted, VRS_F_VERSION_1))
		accepted &= ~VRS_BIT(VRS_F_RING_PACKED);
	return accepted;
}

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
	s->iov = calloc(VRS_SIM_MAX_IOV, sizeof(*s->iov));
	rc = s->iov ? 0 : -ENOMEM;
	for (unsigned d = 0; d < VRS_DEV_COUNT; d++)
		for (unsigned k = 0; k < VRS_SIM_MODEL_ARRAYS; k++)
			if (models[d]->arrays[k] &&
			    !(s->model_arrays[d][k] = calloc(1, models[d]->arrays[k])))
				rc = -ENOMEM;
	if (rc < 0) {
		vrs_sim_destroy(s);
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
	for (unsigned q = 0; q < VRS_SIM_MAX_QUEUES; q++)
		vrs_qpair_destroy(&s->pair[q]);
	vrs_machine_destroy(s->m);
	for (unsigned d = 0; d < VRS_DEV_COUNT; d++)
		for (unsigned k = 0; k < VRS_SIM_MODEL_ARRAYS; k++)
			free(s->model_arrays[d][k]);
	free(s->iov);
	free(s);
}

void *vrs_sim_model_array(struct vrs_sim *s, unsigned k)
{
	return s->model_arrays[s->cfg.device][k];
}

/* ---- services for the models ---- */

/* A token as the trace shows it: its offset in the model's state, the same
 * on every run and every build (a host pointer is not). */
uint64_t vrs_sim_token_id(const struct vrs_sim *s, const void *token)
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

bool vrs_sim_first_trouble(void)
{
	return vrs_report_count(VRS_FIND_COUNT) == 0;
}

bool vrs_sim_honest(const struct vrs_sim *s)
{
	return !s->driver_under_test && !s->device_under_test;
}

bool vrs_sim_packed(const struct vrs_sim *s)
{
	return vrs_has_feature(s->accepted, VRS_F_RING_PACKED);
}

void vrs_sim_integrity(struct vrs_sim *s, const char *fmt, ...)
{
	/* Data means something only when both sides are honest. */
	if (!vrs_sim_honest(s))
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
	int rc = vrs_dq_add(sq->dq, sg, out, in, token);
	if (s->log)
		vrs_diff_added(s, q, token, rc);
	if (rc == 0) {
		sq->inflight++;
		s->res->submitted++;
		vrs_trace(&s->trace, VRS_EV_DRV_ADD, q, vrs_sim_token_id(s, token),
			  out, in, NULL);
	} else {
		vrs_trace(&s->trace, VRS_EV_DRV_ADD_FAIL, q, 0, 0, 0,
			  rc == -ENOSPC ? "-ENOSPC (ring full)"
			  : rc == -ENOMEM ? "-ENOMEM (mapping failed)"
			  : rc == -EIO	  ? "-EIO"
					  : "invalid");
	}
	return rc;
}

const char *vrs_sim_keep(struct vrs_sim *s, const char *why)
{
	char *slot = s->reasons[s->nreasons++ % VRS_ARRAY_SIZE(s->reasons)];
	snprintf(slot, sizeof(s->reasons[0]), "%s", why);
	return slot;
}

void vrs_sim_device_dead(struct vrs_sim *s, unsigned q, const char *why)
{
	s->q[q].dead = true;
	s->res->breaks++;
	vrs_trace(&s->trace, VRS_EV_DEV_ERROR, q, 0, 0, 0,
		  vrs_sim_keep(s, why));
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
	int rc = s->q[q].dev->ops->push(s->q[q].dev, req, len);
	if (rc < 0) {
		vrs_sim_device_dead(s, q, "push failed");
	} else {
		s->res->used++;
		vrs_trace(&s->trace, VRS_EV_DEV_PUSH, q, req->id, len, 0, NULL);
		if (s->devlog)
			vrs_devdiff_pushed(s, q, req->id, len);
	}
	return rc;
}

int vrs_sim_pop(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req)
{
	req->iov = s->iov;
	req->iov_cap = VRS_SIM_MAX_IOV;
	struct vrs_referee_chain want;
	bool judged = vrs_sim_referee_judge(s, q, &want);
	int rc = s->q[q].dev->ops->pop(s->q[q].dev, req);
	if (judged)
		vrs_sim_referee_check(s, q, &want, rc, req);
	if (s->devlog)
		vrs_devdiff_popped(s, q, rc, req);
	if (rc == 0)
		vrs_trace(&s->trace, VRS_EV_DEV_POP, q, req->id, req->nout,
			  req->nin, NULL);
	return rc;
}

/* A driver that decides on the DMA API itself (Linux) is given the DMA
 * API and the physical path and takes one; the policy is not asked. */
static bool driver_decides(const struct vrs_driver_ops *d)
{
	return d->decide != NULL;
}

/* The input's pick for a driver with several ways to make one call. */
static uint8_t vrs_sim_choose(void *ctx)
{
	struct vrs_sim *s = ctx;
	return vrs_provider_u8(&s->prov);
}

static void teardown(struct vrs_sim *s)
{
	if (s->cfg.raw_driver)
		vrs_rawdrv_stop(s);
	for (unsigned q = 0; q < s->nq; q++) {
		if (!s->q[q].dq)
			continue;
		vrs_sim_release_unused(s, q);
		vrs_qpair_shutdown(&s->pair[q]);
		s->q[q].dq = NULL;
		s->q[q].dev = NULL;
	}
	/* The shadows were judged after the drain (vrs_sim_check_state);
	 * every mapping must be gone now (dma-debug leak check). */
	vrs_machine_check_leaks(s->m);
}

static int create_queues(struct vrs_sim *s)
{
	for (unsigned q = 0; q < s->nq; q++) {
		struct vrs_sim_queue *sq = &s->q[q];
		memset(sq, 0, sizeof(*sq));
		struct vrs_qpair_config pc = {
			.driver = s->driver,
			.device = s->device_side,
			.index = q,
			.num = s->cfg.queue_size,
			.features = s->accepted,
			.big_endian_guest = s->cfg.big_endian_guest,
			.dma = s->dma,
			.kmem = &s->kmem,
			.notify = vrs_sim_notify,
			.notify_ctx = sq,
			.choose = s->cfg.differential ? NULL : vrs_sim_choose,
			.choose_ctx = s,
			.device_honest = !s->driver_under_test,
			.start = s->cfg.start,
		};
		VRS_GUARD(vrs_qpair_open(&s->pair[q], s->m, &pc));
		sq->dq = s->pair[q].dq;
		sq->dev = s->pair[q].dev;
		vrs_sim_referee_start(s, q);
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
		broken |= s->q[q].dead ||
			  (s->q[q].dq && vrs_dq_broken(s->q[q].dq));
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
	return vrs_driver_get(c->driver) &&
	       vrs_device_side_get(c->device_side) &&
	       vrs_platform_get(c->platform) &&
	       (unsigned)c->policy < VRS_POLICY_COUNT &&
	       (unsigned)c->device < VRS_DEV_COUNT && num >= 2 &&
	       num <= VRS_MAX_QUEUE_SIZE && (packed || (num & (num - 1)) == 0);
}

int vrs_sim_run(struct vrs_sim *s, const struct vrs_sim_config *cfg,
		const uint8_t *input, size_t len, struct vrs_sim_result *res)
{
	VRS_ENSURE(s && cfg && res, EINVAL);
	s->cfg = *cfg;
	if (!s->cfg.queue_size)
		s->cfg.queue_size = 64;
	const struct vrs_driver_ops *driver = vrs_driver_get(cfg->driver);
	VRS_ENSURE(driver, EINVAL);
	const struct vrs_device_ops *side = vrs_device_side_get(cfg->device_side);
	VRS_ENSURE(side, EINVAL);
	uint64_t accepted = vrs_sim_negotiate(cfg, driver);
	VRS_ENSURE(config_valid(&s->cfg, accepted), EINVAL);

	memset(res, 0, sizeof(*res));
	s->res = res;
	s->accepted = res->accepted = accepted;
	s->driver = driver;
	s->device_side = side;
	s->model = models[cfg->device];
	s->nq = s->model->nqueues;
	s->serial = 0;
	s->irqs = 0;
	s->state_reported = false;
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
	res->path = driver_decides(driver)
			    ? vrs_driver_decision(driver, accepted, plat)
			    : vrs_policy_decide(cfg->policy, plat, ap);
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
		if (driver_decides(driver))
			snprintf(res->detail, sizeof(res->detail),
				 "%s: FEATURES_OK refused (restricted memory "
				 "access needs VERSION_1 and ACCESS_PLATFORM) "
				 "on %s", driver->name, plat->name);
		else
			snprintf(res->detail, sizeof(res->detail),
				 "policy %s: device without ACCESS_PLATFORM on %s",
				 vrs_policy_name(cfg->policy), plat->name);
		vrs_trace(&s->trace, VRS_EV_REFUSED, 0, 0, 0, 0,
			  vrs_sim_keep(s, res->detail));
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
			vrs_sim_step(s);
			res->steps++;
			if (res->steps % VRS_SIM_CHECK_EVERY == 0)
				vrs_sim_check_state(s);
		}
		s->trace.step = res->steps;
		if (cfg->steady_cycles)
			vrs_sim_steady(s, cfg->steady_cycles);
		if (!cfg->raw_driver)
			vrs_sim_drain(s);
		vrs_sim_check_state(s);
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
