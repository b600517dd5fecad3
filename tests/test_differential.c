/* Differential mode (sim/differential.c): two drivers, one workload. A
 * driver identical to vrsim's ring stays quiet; one that hands buffers
 * back out of order, which no other oracle minds, is a divergence. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim.h"
#include "testing.h"
#include "vrsim/virtio.h"
#include "vrsim/vq.h"

static struct vrs_sim *sim;
static struct vrs_driver_ops twin, swapper;

/* swapper: keeps one completed buffer back and returns it after the next,
 * per queue. */
static struct {
	const struct vrs_driver_queue *q;
	void *token;
	uint32_t len;
	bool held;
} held[2];

static int swapped_get_buf(struct vrs_driver_queue *q, uint32_t *len,
			   void **token)
{
	unsigned i = held[0].q == q || !held[0].q ? 0 : 1;
	held[i].q = q;
	if (!held[i].held) {
		int rc = vrs_ring_driver.get_buf(q, &held[i].len, &held[i].token);
		if (rc < 0)
			return rc;
		held[i].held = true;
	}
	int rc = vrs_ring_driver.get_buf(q, len, token);
	if (rc == -EAGAIN) {
		/* nothing newer: give the one kept back */
		*len = held[i].len;
		*token = held[i].token;
		held[i].held = false;
		return 0;
	}
	return rc;
}

static int swapped_detach(struct vrs_driver_queue *q, void **token)
{
	for (unsigned i = 0; i < 2; i++) {
		if (held[i].q == q && held[i].held) {
			held[i].held = false;
			*token = held[i].token;
			return 0;
		}
	}
	return vrs_ring_driver.detach_unused(q, token);
}

/* vrsim's ring's queues, answering to the copied ops table */
static const struct vrs_driver_ops *current_ops;
static int wrapped_create(const struct vrs_driver_queue_config *cfg,
			  struct vrs_driver_queue **out)
{
	int rc = vrs_ring_driver.create(cfg, out);
	if (rc == 0)
		(*out)->ops = current_ops;
	return rc;
}

static void use(const struct vrs_driver_ops *ops)
{
	current_ops = ops;
	cr_assert_eq(vrs_driver_register(VRS_DRIVER_LINUX, ops), 0);
}

static void setup(void)
{
	vrs_test_setup();
	twin = vrs_ring_driver;
	twin.name = "linux";
	twin.create = wrapped_create;
	swapper = twin;
	swapper.get_buf = swapped_get_buf;
	swapper.detach_unused = swapped_detach;
	memset(held, 0, sizeof(held));
	cr_assert_eq(vrs_sim_create(&sim), 0);
}

static void teardown(void)
{
	vrs_sim_destroy(sim);
	vrs_test_teardown();
}

TestSuite(differential, .init = setup, .fini = teardown);

static struct vrs_sim_config config(void)
{
	return (struct vrs_sim_config){
		.driver = VRS_DRIVER_LINUX, .platform = VRS_PLAT_KVM,
		.policy = VRS_POLICY_QUIRK_2016, .device = VRS_DEV_BLK,
		.offered = VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_ACCESS_PLATFORM),
		.driver_features = VRS_DRIVER_FEATURES_ALL, .queue_size = 16,
		.steps = 400, .seed = 3,
	};
}

static unsigned run(const struct vrs_sim_config *c)
{
	/* no input: the workload comes from the seeded generator */
	struct vrs_sim_result r;
	cr_assert_eq(vrs_sim_differential(sim, c, NULL, 0, &r), 0);
	return vrs_report_count(VRS_FIND_DIVERGENCE);
}

Test(differential, the_same_ring_twice_agrees)
{
	use(&twin);
	struct vrs_sim_config c = config();
	cr_expect_eq(run(&c), 0, "%s", vrs_report_last(VRS_FIND_DIVERGENCE));
	c.offered |= VRS_BIT(VRS_F_RING_PACKED) | VRS_BIT(VRS_F_EVENT_IDX);
	cr_expect_eq(run(&c), 0, "%s", vrs_report_last(VRS_FIND_DIVERGENCE));
}

Test(differential, buffers_handed_back_out_of_order_diverge)
{
	use(&swapper);
	struct vrs_sim_config c = config();
	cr_expect_eq(run(&c), 1);
	cr_expect(strstr(vrs_report_last(VRS_FIND_DIVERGENCE), "completed buffer #"),
		  "%s", vrs_report_last(VRS_FIND_DIVERGENCE));
}

Test(differential, a_hostile_device_is_not_compared)
{
	use(&swapper);
	struct vrs_sim_config c = config();
	c.device = VRS_DEV_ADVERSARIAL;
	cr_expect_eq(run(&c), 0);
}
