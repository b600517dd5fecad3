/* A run's set-up and its end, the services the loop calls first and
 * last: the configuration taken and checked, feature negotiation, the
 * DMA path (the policy, or the driver's own decision), the machine set
 * up for the platform, the queue pairs opened and shut down, and how the
 * run ended. */
#include <stdio.h>
#include <string.h>

#include "sim_internal.h"
#include "vrsim/guard.h"

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

/* The driver's queue notify callback; ctx is the struct vrs_sim_queue. */
static void notify(void *ctx, uint32_t data)
{
	struct vrs_sim_queue *sq = ctx;
	sq->woken = true;
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

int vrs_sim_begin(struct vrs_sim *s, const struct vrs_sim_config *cfg,
		  const uint8_t *input, size_t len, struct vrs_sim_result *res)
{
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
	s->model = vrs_sim_models[cfg->device];
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
	return 0;
}

int vrs_sim_open_queues(struct vrs_sim *s)
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
			.notify = notify,
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

void vrs_sim_close_queues(struct vrs_sim *s)
{
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
	enum vrs_phase was = vrs_meter_enter(VRS_PHASE_CHECKS);
	vrs_machine_check_leaks(s->m);
	vrs_meter_enter(was);
}

void vrs_sim_classify(struct vrs_sim *s, bool probe_failed)
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

