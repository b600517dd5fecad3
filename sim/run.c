/* The run loop: one input driven to its end. Set up (setup.c), then the
 * scheduler's turns (scheduler.c) as long as the input lasts or for
 * cfg->steps of the seeded generator, the validity checks every
 * VRS_SIM_CHECK_EVERY steps, the steady cycles and the drain, then the
 * end (setup.c). A mode built on the run (differential.c, devdiff.c)
 * watches it through the hooks it hands in, never by being named here. */
#include "run.h"

#include "sim/meter.h"
#include "vrsim/guard.h"

/* The workload, the steady cycles and the drain. */
static void drive(struct vrs_sim *s, bool from_input)
{
	const struct vrs_sim_config *cfg = &s->cfg;
	struct vrs_sim_result *res = s->res;
	unsigned steps = cfg->steps ? cfg->steps
				    : from_input ? UINT32_MAX : 64;
	for (unsigned i = 0; i < steps; i++) {
		if (from_input && vrs_provider_done(&s->prov))
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

static int run(struct vrs_sim *s, const struct vrs_sim_config *cfg,
	       const uint8_t *input, size_t len, struct vrs_sim_result *res)
{
	VRS_GUARD(vrs_sim_begin(s, cfg, input, len, res));
	if (res->path == VRS_REFUSE)
		return 0;
	bool probe_failed = vrs_sim_open_queues(s) < 0;
	if (!probe_failed && s->cfg.raw_driver)
		vrs_rawdrv_start(s);
	vrs_meter_enter(VRS_PHASE_RUN);
	if (!probe_failed)
		drive(s, input != NULL);
	vrs_meter_enter(VRS_PHASE_TEARDOWN);
	if (s->cfg.raw_driver)
		vrs_rawdrv_stop(s);
	vrs_sim_close_queues(s);
	vrs_sim_classify(s, probe_failed);
	vrs_machine_clean(s->m);
	return 0;
}

int vrs_sim_run_hooked(struct vrs_sim *s, const struct vrs_sim_hooks *hooks,
		       const struct vrs_sim_config *cfg, const uint8_t *input,
		       size_t len, struct vrs_sim_result *res)
{
	VRS_ENSURE(s && cfg && res, EINVAL);
	s->hooks = hooks;
	enum vrs_phase was = vrs_meter_enter(VRS_PHASE_SETUP);
	int rc = run(s, cfg, input, len, res);
	vrs_meter_enter(was);
	s->hooks = NULL;
	return rc;
}

int vrs_sim_run(struct vrs_sim *s, const struct vrs_sim_config *cfg,
		const uint8_t *input, size_t len, struct vrs_sim_result *res)
{
	return vrs_sim_run_hooked(s, NULL, cfg, input, len, res);
}
