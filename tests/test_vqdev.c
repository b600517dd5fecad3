/* The ring core's device side: what it refuses of a driver's ring
 * written by hand, what it accepts, and the validity check of its own
 * state (vrs_vqdev_check). The fixture is support/vq_pair.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "vq_pair.h"
#include "vqdev_internal.h"
#include "vrsim/guard.h"
#include "testing.h"

TestSuite(vqdev, .init = vrs_test_pair_setup, .fini = vrs_test_pair_teardown);

/* ---- the device never trusts the driver ---- */

struct raw_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* Write a split chain by hand and publish head 0. */
static void publish_raw(const struct raw_desc *d, unsigned n)
{
	struct vrs_vq_addrs a;
	vrs_vq_addrs(vq, &a);
	const struct vrs_bus *bus = vrs_machine_bus(m);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(vrs_bus_write(bus, a.desc + 16 * i, &d[i], 16), 0);
	uint16_t head = 0, idx = 1;
	cr_assert_eq(vrs_bus_write(bus, a.driver + 4, &head, 2), 0);
	cr_assert_eq(vrs_bus_write(bus, a.driver + 2, &idx, 2), 0);
}

static void expect_refused(const char *what)
{
	struct vrs_vqdev_req req = new_req();
	cr_assert_eq(vrs_vqdev_pop(dev, &req), -EPROTO);
	cr_assert(vrs_vqdev_needs_reset(dev));
	cr_assert(strstr(vrs_vqdev_error(dev), what), "error: %s", vrs_vqdev_error(dev));
	cr_assert_eq(vrs_vqdev_pop(dev, &req), -EPROTO, "stays refused until reset");
}

Test(vqdev, device_refuses_a_loop)
{
	make(4, V1);
	struct raw_desc d[2] = {{0x10000, 8, VRS_DESC_F_NEXT, 1},
				{0x10000, 8, VRS_DESC_F_NEXT, 0}};
	publish_raw(d, 2);
	expect_refused("loop");
}

Test(vqdev, device_refuses_zero_length)
{
	make(4, V1);
	struct raw_desc d[1] = {{0x10000, 0, 0, 0}};
	publish_raw(d, 1);
	expect_refused("zero-length");
}

Test(vqdev, device_refuses_readable_after_writable)
{
	make(4, V1);
	struct raw_desc d[2] = {{0x10000, 8, VRS_DESC_F_NEXT | VRS_DESC_F_WRITE, 1},
				{0x10000, 8, 0, 0}};
	publish_raw(d, 2);
	expect_refused("readable descriptor after a writable");
}

Test(vqdev, device_refuses_out_of_range_head_and_next)
{
	make(4, V1);
	struct raw_desc d[1] = {{0x10000, 8, VRS_DESC_F_NEXT, 9}};
	publish_raw(d, 1);
	expect_refused("out of range");
}

Test(vqdev, device_refuses_indirect_without_the_feature)
{
	make(4, V1);
	struct raw_desc d[1] = {{0x10000, 32, VRS_DESC_F_INDIRECT, 0}};
	publish_raw(d, 1);
	expect_refused("without INDIRECT_DESC");
}

Test(vqdev, device_refuses_nested_indirect_and_bad_table_length)
{
	make(4, V1 | INDIRECT);
	uint8_t *table = kbuf(64);
	vrs_gpa_t t;
	cr_assert_eq(vrs_gmem_gpa(vrs_machine_gmem(m), table, 64, &t), 0);
	struct raw_desc inner[2] = {{0x10000, 8, VRS_DESC_F_NEXT, 1},
				    {t, 32, VRS_DESC_F_INDIRECT, 0}};
	memcpy(table, inner, sizeof(inner));
	struct raw_desc d[1] = {{t, 32, VRS_DESC_F_INDIRECT, 0}};
	publish_raw(d, 1);
	expect_refused("inside an indirect table");

	cr_assert_eq(vrs_qpair_reset_device(&qp), 0);
	struct raw_desc odd[1] = {{t, 20, VRS_DESC_F_INDIRECT, 0}};
	publish_raw(odd, 1);
	expect_refused("not a whole number");
}

Test(vqdev, device_refuses_an_avail_index_jump)
{
	make(4, V1);
	struct vrs_vq_addrs a;
	vrs_vq_addrs(vq, &a);
	uint16_t idx = 9;
	cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), a.driver + 2, &idx, 2), 0);
	expect_refused("more than the queue size");
}

Test(vqdev, device_accepts_an_honest_chain)
{
	make(4, V1);
	struct raw_desc d[2] = {{0x10000, 8, VRS_DESC_F_NEXT, 1},
				{0x10000, 8, VRS_DESC_F_WRITE, 0}};
	publish_raw(d, 2);
	struct vrs_vqdev_req req = new_req();
	cr_assert_eq(vrs_vqdev_pop(dev, &req), 0);
	cr_assert_eq(req.nout, 1);
	cr_assert_eq(req.nin, 1);
	cr_assert_not(vrs_vqdev_needs_reset(dev));
}

/* ---- vrs_vqdev_check: the device's own state ---- */

/* Split sizes are powers of two; packed 5 and 6 do not divide 2^16, so
 * there used_count cannot be compared with the wrap state. */
static const struct {
	unsigned num;
	uint64_t features;
} check_queues[] = {
	{8, V1}, {8, V1 | INDIRECT | EVENT}, {8, INDIRECT | EVENT},
	{8, V1 | PACKED}, {5, V1 | PACKED | INDIRECT},
	{6, V1 | PACKED | EVENT | INORDER},
};

Test(vqdev, vqdev_check_holds_through_traffic)
{
	for (unsigned c = 0; c < VRS_ARRAY_SIZE(check_queues); c++) {
		make(check_queues[c].num, check_queues[c].features);
		cr_assert_eq(vrs_vqdev_check(dev), 0, "fresh, queue %u", c);
		/* Enough round trips that every index and wrap counter laps. */
		for (int r = 0; r < 40; r++) {
			round_trip(1 + r % 3, 1 + r % 2, 64, r);
			cr_assert_eq(vrs_vqdev_check(dev), 0, "queue %u, trip %d",
				     c, r);
		}
		/* And with chains still in the device's hands. */
		uint8_t *b = kbuf(64);
		struct vrs_sg sg[2] = {{b, 32}, {b + 32, 32}};
		int tokens[2];
		struct vrs_vqdev_req r1 = new_req();
		struct vrs_iov second[8];
		struct vrs_vqdev_req r2 = {.iov = second, .iov_cap = 8};
		cr_assert_eq(vrs_vq_add(vq, sg, 1, 1, &tokens[0]), 0);
		cr_assert_eq(vrs_vq_add(vq, sg, 1, 1, &tokens[1]), 0);
		cr_assert_eq(vrs_vqdev_pop(dev, &r1), 0);
		cr_assert_eq(vrs_vqdev_pop(dev, &r2), 0);
		cr_assert_eq(vrs_vqdev_check(dev), 0, "two in flight");
		/* Out of order, unless IN_ORDER was negotiated. */
		bool in_order = check_queues[c].features & INORDER;
		struct vrs_vqdev_req *first = in_order ? &r1 : &r2;
		struct vrs_vqdev_req *then = in_order ? &r2 : &r1;
		cr_assert_eq(vrs_vqdev_push(dev, first, 0), 0);
		cr_assert_eq(vrs_vqdev_check(dev), 0, "one in flight");
		cr_assert_eq(vrs_vqdev_push(dev, then, 0), 0);
		cr_assert_eq(vrs_vqdev_check(dev), 0, "none in flight");
		uint32_t len;
		void *t;
		cr_assert_eq(vrs_vq_get_buf(vq, &len, &t), 0);
		cr_assert_eq(vrs_vq_get_buf(vq, &len, &t), 0);
		kmem.free(kmem.ctx, b, 64);
	}
}

Test(vqdev, vqdev_check_holds_after_a_refusal_and_a_reset)
{
	make(4, V1);
	struct raw_desc d[2] = {{0x10000, 8, VRS_DESC_F_NEXT, 1},
				{0x10000, 8, VRS_DESC_F_NEXT, 0}};
	publish_raw(d, 2);
	expect_refused("loop");
	cr_assert_eq(vrs_vqdev_check(dev), 0, "a refused ring is a valid state");
	struct vrs_vqdev_config c = {.num = 8, .features = V1 | PACKED,
				     .bus = vrs_machine_bus(m)};
	cr_assert_eq(vrs_vqdev_reset(dev, &c), 0);
	cr_assert_eq(vrs_vqdev_check(dev), 0);
}

Test(vqdev, vqdev_check_catches_a_broken_state)
{
	cr_assert_eq(vrs_vqdev_check(NULL), -EINVAL);
	make(8, V1);
	round_trip(1, 1, 64, 1);
	struct vrs_vqdev *d = dev;
	cr_assert_eq(vrs_vqdev_check(d), 0);
	d->used_idx++; /* a push that inflight never saw */
	cr_assert_eq(vrs_vqdev_check(d), -EINVAL);
	d->used_idx--;
	d->needs_reset = true; /* refused, but no reason kept */
	cr_assert_eq(vrs_vqdev_check(d), -EINVAL);
	d->needs_reset = false;
	d->next_used = 3; /* a packed field moved on a split ring */
	cr_assert_eq(vrs_vqdev_check(d), -EINVAL);
	d->next_used = 0;
	cr_assert_eq(vrs_vqdev_check(d), 0);

	make(8, V1 | PACKED);
	round_trip(2, 1, 64, 2);
	d = dev;
	cr_assert_eq(vrs_vqdev_check(d), 0);
	d->used_wrap = !d->used_wrap; /* wrap state disagrees with used_count */
	cr_assert_eq(vrs_vqdev_check(d), -EINVAL);
	d->used_wrap = !d->used_wrap;
	d->next_avail = 8; /* past the ring */
	cr_assert_eq(vrs_vqdev_check(d), -EINVAL);
	d->next_avail = (uint16_t)d->next_used;
	cr_assert_eq(vrs_vqdev_check(d), 0);
	d->ops = &vrs_vqdev_split_ops; /* the layout the features do not name */
	cr_assert_eq(vrs_vqdev_check(d), -EINVAL);
	d->ops = &vrs_vqdev_packed_ops;
	cr_assert_eq(vrs_vqdev_check(d), 0);
}
