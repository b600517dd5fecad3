/* The phase meter (sim/meter.h): a run marks set-up, run, checks and
 * teardown and gives the caller's phase back; the sampler counts the
 * phase it interrupts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <time.h>

#include "run.h"
#include "sim/meter.h"

static struct vrs_sim *sim;

static void setup(void)
{
	vrs_report_set_mode(VRS_REPORT_RECORD);
	cr_assert_eq(vrs_sim_create(&sim), 0);
}

static void teardown(void)
{
	vrs_sim_destroy(sim);
}

TestSuite(meter, .init = setup, .fini = teardown, .timeout = 60);

static enum vrs_phase phase_now(void)
{
	return (enum vrs_phase)vrs_meter_phase;
}

/* The phases the run was in at its hooks: added, used, popped, pushed. */
static enum vrs_phase seen[4];
static unsigned calls[4];

static void note(unsigned k)
{
	if (calls[k]++ == 0)
		seen[k] = phase_now();
	else
		cr_expect_eq(phase_now(), seen[k], "hook %u in phase %s, then %s",
			     k, vrs_phase_name(seen[k]),
			     vrs_phase_name(phase_now()));
}

static void added(void *c, struct vrs_sim *s, unsigned q, const void *t, int rc) { note(0); }
static void used(void *c, struct vrs_sim *s, unsigned q, const void *t, uint32_t l) { note(1); }
static void popped(void *c, struct vrs_sim *s, unsigned q, int rc,
		   const struct vrs_vqdev_req *r) { note(2); }
static void pushed(void *c, struct vrs_sim *s, unsigned q, uint16_t id, uint32_t l) { note(3); }

Test(meter, a_run_marks_its_phases_and_gives_the_callers_back)
{
	struct vrs_sim_config cfg = {
		.platform = VRS_PLAT_KVM, .policy = VRS_POLICY_TODAY,
		.device = VRS_DEV_BLK, .offered = VRS_DRIVER_FEATURES_ALL,
		.driver_features = VRS_DRIVER_FEATURES_ALL, .queue_size = 16,
		.steps = 100, .seed = 7, .steady_cycles = 64,
	};
	struct vrs_sim_hooks hooks = {.on_added = added, .on_used = used,
				      .on_popped = popped, .on_pushed = pushed};
	struct vrs_sim_result res;
	vrs_meter_enter(VRS_PHASE_TARGET);
	cr_assert_eq(vrs_sim_run_hooked(sim, &hooks, &cfg, NULL, 0, &res), 0);
	cr_assert_eq(res.outcome, VRS_OUT_WORKS, "%s", res.detail);
	cr_expect_eq(phase_now(), VRS_PHASE_TARGET);
	for (unsigned k = 0; k < 4; k++) {
		cr_assert_gt(calls[k], 0, "hook %u never called", k);
		/* the referee's judging is over before the run goes on */
		cr_expect_eq(seen[k], VRS_PHASE_RUN, "hook %u in phase %s", k,
			     vrs_phase_name(seen[k]));
	}
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

Test(meter, the_sampler_counts_the_phase_it_interrupts)
{
	unsigned long n[VRS_PHASE_COUNT];
	cr_assert_eq(vrs_meter_start(1000), 0);
	cr_expect_eq(vrs_meter_start(1000), -EINVAL, "a second sampler");
	vrs_meter_enter(VRS_PHASE_CHECKS);
	double deadline = now() + 10;
	do
		vrs_meter_samples(n);
	while (n[VRS_PHASE_CHECKS] < 20 && now() < deadline);
	vrs_meter_enter(VRS_PHASE_FRONT);
	vrs_meter_stop();
	vrs_meter_samples(n);
	cr_expect_geq(n[VRS_PHASE_CHECKS], 20);
	for (unsigned p = 0; p < VRS_PHASE_COUNT; p++)
		if (p != VRS_PHASE_CHECKS && p != VRS_PHASE_FRONT)
			cr_expect_eq(n[p], 0, "%lu samples in %s", n[p],
				     vrs_phase_name(p));
}

Test(meter, a_zero_rate_is_refused)
{
	cr_expect_eq(vrs_meter_start(0), -EINVAL);
}
