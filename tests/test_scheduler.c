/* The run's validity checks (vrs_sim_check_state, sim/checks.c): quiet on the
 * queues of an honest run, a protocol finding naming the object when a
 * driver's shadow or a device queue's own state is inconsistent, a
 * kernel-state-corrupt finding in the kernel's words when the driver's
 * state is a kernel's (which a device can corrupt), no judgement of a
 * shadow the driver has declared broken, and checks that go on after the
 * faults a hostile party causes. White-box: it builds the queues of a run
 * by hand and breaks them. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim_internal.h"
#include "sim/kmem.h"
#include "testing.h"
#include "vqdev_internal.h"

static struct vrs_sim *s;

/* The device queue under vrsim's device side, to break it by hand. */
static struct vrs_vqdev *vqdev(void)
{
	return vrs_ring_device_vqdev(s->q[0].dev);
}

static void setup(void)
{
	vrs_test_setup();
	cr_assert_eq(vrs_sim_create(&s), 0);
	struct vrs_run_config rc = {.platform = VRS_PLAT_SEV,
				    .access_platform = true};
	cr_assert_eq(vrs_machine_setup(s->m, &rc), 0);
	struct vrs_qpair_config pc = {.num = 8,
				      .features = VRS_BIT(VRS_F_VERSION_1),
				      .kmem = &s->kmem};
	cr_assert_eq(vrs_qpair_open(&s->pair[0], s->m, &pc), 0);
	s->nq = 1;
	s->q[0].dq = s->pair[0].dq;
	s->q[0].dev = s->pair[0].dev;
	vrs_report_clear();
}

static void teardown(void)
{
	vrs_qpair_shutdown(&s->pair[0]);
	vrs_machine_clean(s->m);
	vrs_sim_destroy(s);
	vrs_test_teardown();
}

TestSuite(scheduler, .init = setup, .fini = teardown);

/* A driver whose shadow check fails: vrsim's ring with another check. */
static bool broken_flag;
static int failing_check(const struct vrs_driver_queue *q) { return -EINVAL; }
static bool says_broken(const struct vrs_driver_queue *q) { return broken_flag; }

static void use_failing_driver(struct vrs_driver_ops *ops,
			       struct vrs_driver_queue *fake)
{
	*ops = vrs_ring_driver;
	ops->check = failing_check;
	ops->broken = says_broken;
	fake->ops = ops;
	s->q[0].dq = fake;
}

Test(scheduler, quiet_on_honest_queues)
{
	vrs_sim_check_state(s);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s",
		     vrs_report_last(VRS_FIND_PROTOCOL));
}

Test(scheduler, reports_an_inconsistent_driver_shadow)
{
	struct vrs_driver_ops ops;
	struct vrs_driver_queue fake;
	use_failing_driver(&ops, &fake);
	broken_flag = false;
	vrs_sim_check_state(s);
	cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 1);
	cr_assert_str_eq(vrs_report_last(VRS_FIND_PROTOCOL),
			 "q0: driver shadow state inconsistent");
	cr_assert_eq(vrs_report_count(VRS_FIND_KERNEL_STATE), 0);
	s->q[0].dq = s->pair[0].dq;
}

/* A kernel's ring (Linux's, tests/kernel/test_linux.c shows it with a
 * forged NEXT flag): its check fails because it trusted what a device
 * wrote, so the report names the kernel's state and reason. */
static const char *kernel_reason(const struct vrs_driver_queue *q)
{
	return "free list loops at 5";
}

static void use_failing_kernel(struct vrs_driver_ops *ops,
			       struct vrs_driver_queue *fake)
{
	use_failing_driver(ops, fake);
	ops->check_reason = kernel_reason;
	ops->kernel_state = true;
	broken_flag = false;
}

Test(scheduler, names_a_kernels_corrupt_state_after_a_hostile_device)
{
	struct vrs_driver_ops ops;
	struct vrs_driver_queue fake;
	use_failing_kernel(&ops, &fake);
	s->driver_under_test = true;
	vrs_sim_check_state(s);
	cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_KERNEL_STATE), 1);
	cr_assert_str_eq(vrs_report_last(VRS_FIND_KERNEL_STATE),
			 "q0: the Linux ring's own state is corrupt (free list "
			 "loops at 5) after the device wrote the ring: the "
			 "kernel trusted device-writable memory");
	s->driver_under_test = false;
	s->q[0].dq = s->pair[0].dq;
}

Test(scheduler, names_a_kernels_corrupt_state_with_an_honest_device)
{
	struct vrs_driver_ops ops;
	struct vrs_driver_queue fake;
	use_failing_kernel(&ops, &fake);
	vrs_sim_check_state(s);
	cr_assert_eq(vrs_report_count(VRS_FIND_KERNEL_STATE), 1);
	cr_assert_str_eq(vrs_report_last(VRS_FIND_KERNEL_STATE),
			 "q0: the Linux ring's own state is corrupt (free list "
			 "loops at 5) with an honest device");
	s->q[0].dq = s->pair[0].dq;
}

Test(scheduler, leaves_a_broken_driver_alone)
{
	struct vrs_driver_ops ops;
	struct vrs_driver_queue fake;
	use_failing_driver(&ops, &fake);
	broken_flag = true;
	vrs_sim_check_state(s);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
	s->q[0].dq = s->pair[0].dq;
}

Test(scheduler, reports_an_inconsistent_device_queue)
{
	vqdev()->used_idx++; /* a push no chain in flight explains */
	vrs_sim_check_state(s);
	cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_PROTOCOL), "device queue"));
	vqdev()->used_idx--;
}

/* One report per run: the first inconsistency, not its echoes. */
Test(scheduler, reports_once)
{
	vqdev()->used_idx++;
	vrs_sim_check_state(s);
	vrs_sim_check_state(s);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 1);
	vqdev()->used_idx--;
}

/* A hostile party's faults are recorded and the checks go on: an object's
 * own state is never a symptom of them. */
Test(scheduler, checks_after_a_recorded_fault)
{
	vrs_report(VRS_FIND_DMA_FAULT, "a hostile device read an unmapped IOVA");
	vqdev()->used_idx++;
	vrs_sim_check_state(s);
	cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 1);
	vqdev()->used_idx--;
}
