/* The referee at work in the simulation (sim/refereeing.c): a device held
 * to the verdict on each chain and each interrupt. The device here is
 * vrsim's own, correct one, so a finding is made by telling the check what
 * a wrong device would have done (the pop's result, the interrupt not
 * raised); the same checks stay quiet on what the device really did. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/kmem.h"
#include "sim_internal.h"
#include "testing.h"
#include "vrsim/vq.h"

static struct vrs_sim *s;
static uint8_t *buf;

static void notify(void *ctx, uint32_t data)
{
	(void)ctx;
	(void)data;
}

static void setup(void)
{
	vrs_report_set_mode(VRS_REPORT_RECORD);
	vrs_report_clear();
	cr_assert_eq(vrs_sim_create(&s), 0);
}

static void teardown(void)
{
	vrs_sim_destroy(s);
}

TestSuite(refereeing, .init = setup, .fini = teardown);

/* One queue of vrsim's ring and its device on a KVM machine, as a run
 * sets them up, with the referee started. */
static void open_queue(uint64_t features, uint16_t start)
{
	struct vrs_run_config rc = {.platform = VRS_PLAT_KVM};
	cr_assert_eq(vrs_machine_setup(s->m, &rc), 0);
	vrs_sim_kmem(vrs_machine_gmem(s->m), &s->kmem);
	s->accepted = features;
	s->nq = 1;
	struct vrs_qpair_config pc = {.num = 8, .features = features,
				      .kmem = &s->kmem, .notify = notify,
				      .start = start};
	cr_assert_eq(vrs_qpair_open(&s->pair[0], s->m, &pc), 0);
	s->q[0].dq = s->pair[0].dq;
	s->q[0].dev = s->pair[0].dev;
	vrs_sim_referee_start(s, 0);
	cr_assert(s->q[0].refereed);
	buf = s->kmem.alloc(s->kmem.ctx, 256);
	cr_assert_not_null(buf);
}

static void add_one(void)
{
	static int token;
	struct vrs_sg sg[2] = {{buf, 16}, {buf + 64, 32}};
	cr_assert_eq(vrs_dq_add(s->q[0].dq, sg, 1, 1, &token), 0);
	vrs_dq_kick(s->q[0].dq);
}

static unsigned acceptance(void)
{
	return vrs_report_count(VRS_FIND_DEVICE_ACCEPTANCE);
}

static const uint64_t V1 = VRS_BIT(VRS_F_VERSION_1);

Test(refereeing, an_honest_pop_across_the_wrap_is_quiet)
{
	const uint64_t layouts[] = {V1, V1 | VRS_BIT(VRS_F_RING_PACKED)};
	for (unsigned l = 0; l < 2; l++) {
		open_queue(layouts[l], 65533);
		for (int i = 0; i < 20; i++) {
			add_one();
			struct vrs_vqdev_req req;
			cr_assert_eq(vrs_sim_pop(s, 0, &req), 0);
			cr_assert_eq(s->q[0].dev->ops->push(s->q[0].dev, &req, 32), 0);
			uint32_t len;
			void *t;
			cr_assert_eq(vrs_dq_get_buf(s->q[0].dq, &len, &t), 0);
		}
		struct vrs_vqdev_req req;
		cr_assert_eq(vrs_sim_pop(s, 0, &req), -EAGAIN);
		cr_assert_eq(acceptance(), 0, "%s",
			     vrs_report_last(VRS_FIND_DEVICE_ACCEPTANCE));
		vrs_qpair_shutdown(&s->pair[0]);
	}
}

Test(refereeing, refusing_a_chain_the_spec_accepts_is_a_finding)
{
	open_queue(V1, 0);
	add_one();
	struct vrs_referee_chain want;
	cr_assert(vrs_sim_referee_judge(s, 0, &want));
	cr_assert_eq(want.verdict, VRS_REFEREE_ACCEPT);
	vrs_sim_referee_check(s, 0, &want, -EPROTO, NULL);
	cr_assert_eq(acceptance(), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEVICE_ACCEPTANCE),
			 "must take"));
	vrs_qpair_shutdown(&s->pair[0]);
}

Test(refereeing, taking_a_chain_the_spec_forbids_is_a_finding)
{
	open_queue(V1, 0);
	add_one();
	/* Break the chain behind the driver's back: INDIRECT without the
	 * feature on the head (2.7.5.3.1). */
	struct vrs_vq_addrs a;
	vrs_dq_addrs(s->q[0].dq, &a);
	size_t size;
	uint8_t *ring = s->q[0].dq->ops->ring(s->q[0].dq, &size);
	uint16_t flags;
	memcpy(&flags, ring + 12, 2);
	flags |= VRS_DESC_F_INDIRECT;
	memcpy(ring + 12, &flags, 2);
	struct vrs_referee_chain want;
	cr_assert(vrs_sim_referee_judge(s, 0, &want));
	cr_assert_eq(want.verdict, VRS_REFEREE_REFUSE);
	/* The real device refuses it too: quiet. */
	struct vrs_vqdev_req req = {.iov = s->iov, .iov_cap = VRS_SIM_MAX_IOV};
	int rc = s->q[0].dev->ops->pop(s->q[0].dev, &req);
	cr_assert_eq(rc, -EPROTO);
	vrs_sim_referee_check(s, 0, &want, rc, &req);
	cr_assert_eq(acceptance(), 0);
	/* A device that took it. */
	req.id = want.id;
	vrs_sim_referee_check(s, 0, &want, 0, &req);
	cr_assert_eq(acceptance(), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEVICE_ACCEPTANCE), "forbids"));
	vrs_qpair_shutdown(&s->pair[0]);
}

Test(refereeing, popping_other_than_the_driver_wrote_is_a_finding)
{
	open_queue(V1, 0);
	add_one();
	struct vrs_referee_chain want;
	cr_assert(vrs_sim_referee_judge(s, 0, &want));
	struct vrs_vqdev_req req = {.iov = s->iov, .iov_cap = VRS_SIM_MAX_IOV};
	cr_assert_eq(s->q[0].dev->ops->pop(s->q[0].dev, &req), 0);
	req.in_len++; /* one byte more than the driver offered */
	vrs_sim_referee_check(s, 0, &want, 0, &req);
	cr_assert_eq(acceptance(), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEVICE_ACCEPTANCE),
			 "byte counts"));
	vrs_qpair_shutdown(&s->pair[0]);
}

/* Without EVENT_IDX and with interrupts enabled (flags 0), a used entry
 * makes a notification mandatory (2.7.7.2). */
Test(refereeing, no_interrupt_where_one_is_due_is_a_finding)
{
	open_queue(V1, 0);
	add_one();
	struct vrs_vqdev_req req;
	cr_assert_eq(vrs_sim_pop(s, 0, &req), 0);
	cr_assert_eq(s->q[0].dev->ops->push(s->q[0].dev, &req, 32), 0);
	vrs_sim_referee_irq(s, 0, true);
	cr_assert_eq(acceptance(), 0);
	add_one();
	cr_assert_eq(vrs_sim_pop(s, 0, &req), 0);
	cr_assert_eq(s->q[0].dev->ops->push(s->q[0].dev, &req, 32), 0);
	vrs_sim_referee_irq(s, 0, false);
	cr_assert_eq(acceptance(), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_DEVICE_ACCEPTANCE), "must"));
	vrs_qpair_shutdown(&s->pair[0]);
}
