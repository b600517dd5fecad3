/* The ring core on its own: the driver side against the device side over a
 * KVM machine's bus, for both layouts, and every lie each side must catch.
 * The two queues come from the queue-pair fixture (sim/qpair.h) that the
 * simulation and the ring benchmark use too. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "vq_internal.h"
#include "vqdev_internal.h"
#include "sim/kmem.h"
#include "sim/machine.h"
#include "sim/qpair.h"
#include "vrsim/guard.h"
#include "vrsim/poison.h"
#include "vrsim/virtio.h"
#include "vrsim/vq.h"
#include "vrsim/vqdev.h"
#include "testing.h"

static struct vrs_machine *m;
static struct vrs_kmem kmem;
static struct vrs_qpair qp;
static struct vrs_vq *vq;	 /* qp's driver queue: vrsim's ring */
static struct vrs_vqdev *dev; /* qp's device queue */
static struct vrs_iov iovs[64];
static unsigned kicks;

static void notify(void *ctx, uint32_t data)
{
	kicks++;
}

static void setup(void)
{
	vrs_report_set_mode(VRS_REPORT_RECORD);
	vrs_report_clear();
	cr_assert_eq(vrs_machine_create(NULL, &m), 0);
	struct vrs_run_config rc = {.platform = VRS_PLAT_KVM};
	cr_assert_eq(vrs_machine_setup(m, &rc), 0);
	vrs_sim_kmem(vrs_machine_gmem(m), &kmem);
	kicks = 0;
}

static void teardown(void)
{
	vrs_qpair_destroy(&qp);
	vq = NULL;
	dev = NULL;
	vrs_machine_destroy(m);
}

TestSuite(vq, .init = setup, .fini = teardown);

/* Open the pair (again: restart it) on the machine's DMA API. */
static int open_pair(unsigned num, uint64_t features, bool big_endian)
{
	struct vrs_qpair_config c = {.num = num, .features = features,
				     .big_endian_guest = big_endian,
				     .kmem = &kmem, .notify = notify};
	int rc = vrs_qpair_open(&qp, m, &c);
	vq = vrs_ring_driver_vq(qp.dq);
	dev = qp.dev;
	return rc;
}

static void make(unsigned num, uint64_t features)
{
	cr_assert_eq(open_pair(num, features, false), 0);
	cr_assert_not_null(vq);
}

static uint8_t *kbuf(size_t n)
{
	uint8_t *p = kmem.alloc(kmem.ctx, n);
	cr_assert_not_null(p);
	return p;
}

static struct vrs_vqdev_req new_req(void)
{
	return (struct vrs_vqdev_req){.iov = iovs, .iov_cap = 64};
}

#define V1 VRS_BIT(VRS_F_VERSION_1)
#define PACKED VRS_BIT(VRS_F_RING_PACKED)
#define INDIRECT VRS_BIT(VRS_F_INDIRECT_DESC)
#define EVENT VRS_BIT(VRS_F_EVENT_IDX)
#define INORDER VRS_BIT(VRS_F_IN_ORDER)

/* One request out and back: the device reads the out bytes and writes the
 * in bytes through the bus; the driver gets its token and length. */
static void round_trip(unsigned n_out, unsigned n_in, size_t sz, int tag)
{
	struct vrs_sg sg[8];
	for (unsigned i = 0; i < n_out + n_in; i++) {
		sg[i].buf = kbuf(sz);
		sg[i].len = (uint32_t)sz;
		vrs_test_fill(sg[i].buf, sz, (uint8_t)(i < n_out ? tag + i : 0));
	}
	int token;
	cr_assert_eq(vrs_vq_add(vq, sg, n_out, n_in, &token), 0);
	vrs_vq_kick(vq);
	struct vrs_vqdev_req req = new_req();
	cr_assert_eq(vrs_vqdev_pop(dev, &req), 0, "%s", vrs_vqdev_error(dev));
	cr_assert_eq(req.nout, n_out);
	cr_assert_eq(req.nin, n_in);
	uint8_t tmp[4096];
	for (unsigned i = 0; i < n_out; i++) {
		cr_assert_eq(vrs_bus_read(vrs_machine_bus(m), req.iov[i].addr, tmp, sz), 0);
		cr_assert(vrs_test_has_pattern(tmp, sz, (uint8_t)(tag + i)));
	}
	for (unsigned i = n_out; i < n_out + n_in; i++) {
		vrs_test_fill(tmp, sz, (uint8_t)(100 + i));
		cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), req.iov[i].addr, tmp, sz), 0);
	}
	cr_assert_eq(vrs_vqdev_push(dev, &req, (uint32_t)(n_in * sz)), 0);
	uint32_t len;
	void *got;
	cr_assert_eq(vrs_vq_get_buf(vq, &len, &got), 0, "%s", vrs_vq_broken_reason(vq));
	cr_assert_eq(got, &token);
	cr_assert_eq(len, n_in * sz);
	for (unsigned i = n_out; i < n_out + n_in; i++)
		cr_assert(vrs_test_has_pattern(sg[i].buf, sz, (uint8_t)(100 + i)));
	for (unsigned i = 0; i < n_out + n_in; i++)
		kmem.free(kmem.ctx, sg[i].buf, sz);
}

static const uint64_t layouts[] = {
	0, V1, V1 | INDIRECT, V1 | EVENT, V1 | INORDER,
	V1 | PACKED, V1 | PACKED | INDIRECT, V1 | PACKED | EVENT,
	V1 | PACKED | INDIRECT | EVENT | INORDER, INDIRECT | EVENT,
};

ParameterizedTestParameters(vq, round_trips)
{
	return cr_make_param_array(uint64_t, (void *)layouts,
				   sizeof(layouts) / sizeof(layouts[0]));
}

ParameterizedTest(uint64_t *features, vq, round_trips)
{
	make(8, *features);
	/* Far more requests than slots: every index wraps several times. */
	for (int r = 0; r < 40; r++)
		round_trip(1 + r % 3, 1 + r % 2, 64 + (size_t)r * 13, r);
	void *t;
	cr_assert_eq(vrs_vq_detach_unused(vq, &t), -ENOENT);
	cr_assert_eq(vrs_vq_check(vq), 0);
	cr_assert_eq(vrs_vq_num_free(vq), 8);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s",
		     vrs_report_last(VRS_FIND_DEBUG_LEAK));
}

Test(vq, ring_full_is_enospc_and_detach_returns_every_token)
{
	make(4, V1);
	int tokens[4];
	uint8_t *b = kbuf(64);
	struct vrs_sg sg = {b, 64};
	for (int i = 0; i < 4; i++)
		cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &tokens[i]), 0);
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &tokens[0]), -ENOSPC);
	int seen = 0;
	void *t;
	while (vrs_vq_detach_unused(vq, &t) == 0)
		seen++;
	cr_assert_eq(seen, 4);
	cr_assert_eq(vrs_vq_num_free(vq), 4);
	cr_assert_eq(vrs_machine_live_mappings(m), 1, "only the ring is left");
}

Test(vq, bad_arguments_are_einval)
{
	make(4, V1);
	uint8_t *b = kbuf(8);
	struct vrs_sg sg = {b, 8}, zero = {b, 0};
	int t;
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, NULL), -EINVAL);
	cr_assert_eq(vrs_vq_add(vq, &zero, 1, 0, &t), -EINVAL);
	cr_assert_eq(vrs_vq_add(vq, &sg, 0, 0, &t), -EINVAL);
	struct vrs_driver_queue_config c = {.num = 6, .features = V1,
					    .dma = vrs_machine_dma(m),
					    .kmem = &kmem};
	struct vrs_vq *other;
	cr_assert_eq(vrs_vq_create(&c, &other), -EINVAL, "split needs a power of two");
	c.features = PACKED;
	cr_assert_eq(vrs_vq_create(&c, &other), -EINVAL, "packed needs VERSION_1");
}

Test(vq, mapping_failure_undoes_everything)
{
	struct vrs_run_config rc = {.platform = VRS_PLAT_KVM, .fail_nth = 4};
	cr_assert_eq(vrs_machine_setup(m, &rc), 0);
	make(8, V1); /* the ring's coherent allocation is call 1 */
	struct vrs_sg sg[4];
	for (int i = 0; i < 4; i++)
		sg[i] = (struct vrs_sg){kbuf(32), 32};
	int t;
	cr_assert_eq(vrs_vq_add(vq, sg, 2, 2, &t), -ENOMEM);
	cr_assert_eq(vrs_vq_num_free(vq), 8);
	cr_assert_eq(vrs_vq_check(vq), 0);
	cr_assert_eq(vrs_vq_add(vq, sg, 2, 2, &t), 0, "the next add works");
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "no unchecked or leaked mapping");
}

/* ---- the driver never trusts the device ---- */

static void post_one(void *token, uint32_t in_len)
{
	struct vrs_sg sg[2] = {{kbuf(16), 16}, {kbuf(in_len), in_len}};
	cr_assert_eq(vrs_vq_add(vq, sg, 1, 1, token), 0);
}

static void expect_broken(const char *what)
{
	uint32_t len;
	void *t;
	cr_assert_eq(vrs_vq_get_buf(vq, &len, &t), -EIO);
	cr_assert(vrs_vq_broken(vq));
	cr_assert(strstr(vrs_vq_broken_reason(vq), what), "reason: %s",
		  vrs_vq_broken_reason(vq));
	/* Every later call fails cleanly, and nothing leaks. */
	int x;
	struct vrs_sg sg = {kbuf(8), 8};
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &x), -EIO);
	cr_assert_eq(vrs_vq_get_buf(vq, &len, &t), -EIO);
	cr_assert_not(vrs_vq_kick(vq));
	while (vrs_vq_detach_unused(vq, &t) == 0)
		;
	cr_assert_eq(vrs_machine_live_mappings(m), 1, "only the ring is left");
}

static void push_raw_split(uint32_t id, uint32_t len)
{
	struct vrs_vq_addrs a;
	vrs_vq_addrs(vq, &a);
	struct vrs_vring_used_elem u = {id, len};
	uint16_t idx = 1;
	cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), a.device + 4, &u, 8), 0);
	cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), a.device + 2, &idx, 2), 0);
}

Test(vq, forged_used_id_breaks_the_queue)
{
	make(8, V1);
	int t;
	post_one(&t, 64);
	push_raw_split(5, 0); /* id 5 was never posted */
	expect_broken("not a buffer in flight");
}

Test(vq, out_of_range_used_id_breaks_the_queue)
{
	make(8, V1);
	int t;
	post_one(&t, 64);
	push_raw_split(4000, 0);
	expect_broken("out of range");
}

Test(vq, oversized_used_len_breaks_the_queue)
{
	make(8, V1);
	int t;
	post_one(&t, 64);
	push_raw_split(0, 65);
	expect_broken("exceeds");
}

Test(vq, used_index_jump_breaks_the_queue)
{
	make(8, V1);
	int t;
	post_one(&t, 64);
	struct vrs_vq_addrs a;
	vrs_vq_addrs(vq, &a);
	uint16_t idx = 3;
	cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), a.device + 2, &idx, 2), 0);
	expect_broken("ahead");
}

Test(vq, descriptor_rewritten_by_device_breaks_the_queue)
{
	make(8, V1);
	int t;
	post_one(&t, 64);
	struct vrs_vqdev_req req = new_req();
	cr_assert_eq(vrs_vqdev_pop(dev, &req), 0);
	struct vrs_vq_addrs a;
	vrs_vq_addrs(vq, &a);
	uint32_t evil = 0x7fffffff;
	cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), a.desc + 8, &evil, 4), 0);
	cr_assert_eq(vrs_vqdev_push(dev, &req, 10), 0);
	expect_broken("rewritten");
}

Test(vq, in_order_violation_breaks_the_queue)
{
	make(8, V1 | INORDER);
	int t1, t2;
	post_one(&t1, 64);
	post_one(&t2, 64);
	struct vrs_vqdev_req r1 = new_req();
	cr_assert_eq(vrs_vqdev_pop(dev, &r1), 0);
	struct vrs_iov second[8];
	struct vrs_vqdev_req r2 = {.iov = second, .iov_cap = 8};
	cr_assert_eq(vrs_vqdev_pop(dev, &r2), 0);
	cr_assert_eq(vrs_vqdev_push(dev, &r2, 0), 0); /* the second first */
	expect_broken("IN_ORDER");
}

Test(vq, packed_used_descriptor_with_nothing_in_flight_breaks)
{
	make(8, V1 | PACKED);
	struct vrs_vq_addrs a;
	vrs_vq_addrs(vq, &a);
	/* AVAIL == USED == 1 at slot 0: "used" in the first lap. */
	uint16_t flags = (1u << 7) | (1u << 15);
	cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), a.desc + 14, &flags, 2), 0);
	expect_broken("no buffer in flight");
}

Test(vq, packed_wrap_lie_is_not_taken_as_used)
{
	make(4, V1 | PACKED);
	int t;
	post_one(&t, 64);
	struct vrs_vq_addrs a;
	vrs_vq_addrs(vq, &a);
	/* USED set for the wrong lap: AVAIL=1, USED=0 is still "available". */
	uint16_t flags = 0;
	cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), a.desc + 14, &flags, 2), 0);
	uint32_t len;
	void *got;
	cr_assert_eq(vrs_vq_get_buf(vq, &len, &got), -EAGAIN);
	cr_assert_not(vrs_vq_broken(vq));
}

/* ---- notification suppression ---- */

Test(vq, event_idx_suppresses_kicks_until_the_device_asks)
{
	make(8, V1 | EVENT);
	int t;
	struct vrs_sg sg = {kbuf(8), 8};
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &t), 0);
	cr_assert(vrs_vq_kick(vq), "avail_event 0: the first add kicks");
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &t), 0);
	cr_assert_not(vrs_vq_kick(vq), "the device has not asked again");
	cr_assert_eq(vrs_vqdev_set_kicks(dev, true), 0); /* avail_event = 0 */
	struct vrs_vqdev_req req = new_req();
	cr_assert_eq(vrs_vqdev_pop(dev, &req), 0);
	cr_assert_eq(vrs_vqdev_pop(dev, &req), 0);
	cr_assert_eq(vrs_vqdev_set_kicks(dev, true), 0); /* avail_event = 2 */
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &t), 0);
	cr_assert(vrs_vq_kick(vq));
	cr_assert_eq(kicks, 2);
}

Test(vq, event_idx_interrupts_only_when_asked)
{
	make(8, V1 | EVENT);
	int t1, t2;
	post_one(&t1, 32);
	post_one(&t2, 32);
	vrs_vq_enable_cb(vq); /* used_event = 0 */
	struct vrs_vqdev_req req = new_req();
	cr_assert_eq(vrs_vqdev_pop(dev, &req), 0);
	cr_assert_eq(vrs_vqdev_push(dev, &req, 0), 0);
	cr_assert(vrs_vqdev_need_interrupt(dev));
	vrs_vq_disable_cb(vq);
	cr_assert_eq(vrs_vqdev_pop(dev, &req), 0);
	cr_assert_eq(vrs_vqdev_push(dev, &req, 0), 0);
	cr_assert_not(vrs_vqdev_need_interrupt(dev), "callbacks are off");
	cr_assert_not(vrs_vq_enable_cb(vq), "work is pending: poll again");
}

Test(vq, flags_suppress_interrupts_without_event_idx)
{
	make(8, V1);
	int t;
	post_one(&t, 32);
	vrs_vq_disable_cb(vq);
	struct vrs_vqdev_req req = new_req();
	cr_assert_eq(vrs_vqdev_pop(dev, &req), 0);
	cr_assert_eq(vrs_vqdev_push(dev, &req, 0), 0);
	cr_assert_not(vrs_vqdev_need_interrupt(dev));
}

Test(vq, reset_resizes_and_starts_over)
{
	make(8, V1);
	int t;
	post_one(&t, 32);
	cr_assert_eq(vrs_vq_reset(vq, 16), -EBUSY, "buffers still attached");
	void *got;
	cr_assert_eq(vrs_vq_detach_unused(vq, &got), 0);
	cr_assert_eq(vrs_vq_reset(vq, 16), 0);
	cr_assert_eq(vrs_vq_num(vq), 16);
	cr_assert_eq(vrs_qpair_reset_device(&qp), 0);
	round_trip(1, 1, 100, 3);
	cr_assert_eq(vrs_vq_reset(vq, 12), -EINVAL, "split sizes are powers of two");
}

Test(vq, same_size_reset_reuses_the_ring_and_starts_clean)
{
	make(8, V1 | EVENT);
	round_trip(1, 1, 100, 1);
	struct vrs_vq_addrs before, after;
	vrs_vq_addrs(vq, &before);
	size_t size;
	uint8_t *ring = vrs_vq_ring(vq, &size);
	cr_assert_eq(vrs_vq_reset(vq, 0), 0);
	vrs_vq_addrs(vq, &after);
	cr_assert_eq(after.desc, before.desc, "same memory, as Linux reuses it");
	for (size_t i = 0; i < size; i++)
		cr_assert_eq(ring[i], 0, "ring byte %zu survived the reset", i);
	cr_assert_eq(vrs_vq_num_free(vq), 8);
	cr_assert_eq(vrs_vq_check(vq), 0);
	cr_assert_eq(vrs_qpair_reset_device(&qp), 0);
	round_trip(2, 1, 64, 2);
}

static void reset_to(unsigned num)
{
	cr_assert_eq(vrs_qpair_reset(&qp, num), 0);
	cr_assert_eq(vrs_vq_num(vq), num);
	cr_assert_eq(vrs_vq_check(vq), 0);
}

/* Resets shrink and grow the queue, with indirect chains of changing
 * length at each size: every size works end to end. */
Test(vq, resets_through_smaller_and_larger_sizes_keep_working)
{
	const uint64_t f = V1 | INDIRECT;
	make(16, f);
	static const unsigned sizes[] = {4, 16, 4, 32, 8};
	for (unsigned k = 0; k < (unsigned)VRS_ARRAY_SIZE(sizes); k++) {
		reset_to(sizes[k]);
		/* chains of changing length reuse each id's indirect shadow */
		for (unsigned i = 0; i < 3; i++)
			round_trip(1 + (i + k) % 3, 1, 48, (int)(k * 8 + i));
		cr_assert_eq(vrs_vq_num_free(vq), sizes[k]);
	}
}

/* Shutdown frees the ring and every mapping (buffers in flight too) and
 * leaves a queue that refuses work; restart makes it new under another
 * configuration, smaller or larger than before. */
Test(vq, shutdown_then_restart_under_other_configurations)
{
	make(16, V1 | INDIRECT);
	round_trip(2, 1, 48, 1);
	int t;
	post_one(&t, 32);
	vrs_vq_shutdown(vq);
	cr_assert_eq(vrs_machine_check_leaks(m), 0, "the ring and buffer mappings are gone");
	cr_assert(vrs_vq_broken(vq));
	size_t size;
	cr_assert_null(vrs_vq_ring(vq, &size));
	void *got;
	cr_assert_eq(vrs_vq_detach_unused(vq, &got), -ENOENT);
	struct vrs_sg sg = {kbuf(8), 8};
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &t), -EIO);

	static const struct { unsigned num; uint64_t f; } next[] = {
		{8, V1 | PACKED | INDIRECT}, {64, V1 | INDIRECT | EVENT}, {4, V1 | PACKED},
	};
	for (unsigned k = 0; k < (unsigned)VRS_ARRAY_SIZE(next); k++) {
		struct vrs_vq *before = vq;
		/* the pair restarts the queue it has */
		cr_assert_eq(open_pair(next[k].num, next[k].f, false), 0);
		cr_assert_eq(vq, before, "the same queue object, restarted");
		cr_assert_not(vrs_vq_broken(vq));
		cr_assert_eq(vrs_vq_packed(vq), (next[k].f & PACKED) != 0);
		cr_assert_eq(vrs_vq_num_free(vq), next[k].num);
		cr_assert_eq(vrs_vq_check(vq), 0);
		for (unsigned i = 0; i < 3; i++)
			round_trip(1 + i, 1, 40, (int)(10 * k + i));
		vrs_vq_shutdown(vq);
		cr_assert_eq(vrs_machine_check_leaks(m), 0);
	}
	cr_assert_eq(open_pair(12, V1, false), -EINVAL, "split sizes are powers of two");
	cr_assert(vrs_vq_broken(vq), "a failed restart leaves the queue broken");
}

/* The unused tail of host arrays kept from a bigger size is poisoned, so
 * AddressSanitizer still reports an index past the queue size. */
Test(vq, arrays_beyond_the_queue_size_are_poisoned_under_asan)
{
#ifdef VRS_HAVE_ASAN
	make(16, V1 | INDIRECT);
	reset_to(4);
	cr_assert_not(__asan_address_is_poisoned(&vq->state[3]));
	cr_assert(__asan_address_is_poisoned(&vq->state[4]));
	cr_assert(__asan_address_is_poisoned(&vq->extra[15]));
	cr_assert(__asan_address_is_poisoned(&vq->posted[8]));
	reset_to(16);
	cr_assert_not(__asan_address_is_poisoned(&vq->state[15]));
	/* an indirect table's shadow is untouchable once its buffer is back */
	round_trip(3, 1, 40, 7);
	const struct vq_indir_cache *c = &vq->indir_cache[0];
	cr_assert_not_null(c->extra, "id 0 carried an indirect table");
	cr_assert(__asan_address_is_poisoned(&c->extra[0]));
#else
	cr_skip_test("needs AddressSanitizer");
#endif
}

Test(vq, detach_unused_finds_a_buffer_added_behind_it)
{
	make(8, V1);
	int tokens[3];
	uint8_t *b = kbuf(64);
	struct vrs_sg sg = {b, 64};
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &tokens[0]), 0);
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &tokens[1]), 0);
	void *t;
	cr_assert_eq(vrs_vq_detach_unused(vq, &t), 0);
	cr_assert_eq(t, &tokens[0]);
	/* id 0 is free again: the next add takes it, behind the cursor */
	cr_assert_eq(vrs_vq_add(vq, &sg, 1, 0, &tokens[2]), 0);
	int seen = 0;
	while (vrs_vq_detach_unused(vq, &t) == 0)
		seen++;
	cr_assert_eq(seen, 2);
	cr_assert_eq(vrs_vq_num_free(vq), 8);
	cr_assert_eq(vrs_machine_live_mappings(m), 1, "only the ring is left");
}

Test(vq, big_endian_legacy_ring_round_trips)
{
	cr_assert_eq(open_pair(8, INDIRECT, true), 0);
	struct vrs_vqdev_config d;
	vrs_qpair_device_config(&qp, &d);
	cr_assert(d.big_endian_guest);
	cr_assert_eq(d.addrs.device % VRS_LEGACY_ALIGN, 0, "legacy used ring is page aligned");
	/* The avail index is stored big endian. */
	int t;
	post_one(&t, 16);
	struct vrs_vq_addrs a = d.addrs;
	uint8_t raw[2];
	cr_assert_eq(vrs_bus_read(vrs_machine_bus(m), a.driver + 2, raw, 2), 0);
	cr_assert_eq(raw[0], 0);
	cr_assert_eq(raw[1], 1);
	void *got;
	cr_assert_eq(vrs_vq_detach_unused(vq, &got), 0);
	round_trip(2, 1, 40, 9);
}

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

Test(vq, device_refuses_a_loop)
{
	make(4, V1);
	struct raw_desc d[2] = {{0x10000, 8, VRS_DESC_F_NEXT, 1},
				{0x10000, 8, VRS_DESC_F_NEXT, 0}};
	publish_raw(d, 2);
	expect_refused("loop");
}

Test(vq, device_refuses_zero_length)
{
	make(4, V1);
	struct raw_desc d[1] = {{0x10000, 0, 0, 0}};
	publish_raw(d, 1);
	expect_refused("zero-length");
}

Test(vq, device_refuses_readable_after_writable)
{
	make(4, V1);
	struct raw_desc d[2] = {{0x10000, 8, VRS_DESC_F_NEXT | VRS_DESC_F_WRITE, 1},
				{0x10000, 8, 0, 0}};
	publish_raw(d, 2);
	expect_refused("readable descriptor after a writable");
}

Test(vq, device_refuses_out_of_range_head_and_next)
{
	make(4, V1);
	struct raw_desc d[1] = {{0x10000, 8, VRS_DESC_F_NEXT, 9}};
	publish_raw(d, 1);
	expect_refused("out of range");
}

Test(vq, device_refuses_indirect_without_the_feature)
{
	make(4, V1);
	struct raw_desc d[1] = {{0x10000, 32, VRS_DESC_F_INDIRECT, 0}};
	publish_raw(d, 1);
	expect_refused("without INDIRECT_DESC");
}

Test(vq, device_refuses_nested_indirect_and_bad_table_length)
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

Test(vq, device_refuses_an_avail_index_jump)
{
	make(4, V1);
	struct vrs_vq_addrs a;
	vrs_vq_addrs(vq, &a);
	uint16_t idx = 9;
	cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), a.driver + 2, &idx, 2), 0);
	expect_refused("more than the queue size");
}

Test(vq, device_accepts_an_honest_chain)
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

Test(vq, vqdev_check_holds_through_traffic)
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

Test(vq, vqdev_check_holds_after_a_refusal_and_a_reset)
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

Test(vq, vqdev_check_catches_a_broken_state)
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
