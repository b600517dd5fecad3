/* The ring core's driver side against its device side over a KVM
 * machine's bus, for both layouts: round trips, resets and restarts, and
 * every lie of the device the driver must catch. The device side's own
 * refusals and state are test_vqdev.c; both use the fixture in
 * support/vq_pair.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "vq_internal.h"
#include "vq_pair.h"
#include "vrsim/guard.h"
#include "vrsim/poison.h"
#include "testing.h"

TestSuite(vq, .init = vrs_test_pair_setup, .fini = vrs_test_pair_teardown);

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

ParameterizedTestParameters(vq, round_trips_across_the_index_wrap)
{
	return cr_make_param_array(uint64_t, (void *)layouts,
				   sizeof(layouts) / sizeof(layouts[0]));
}

/* Indices that start anywhere: just below the 16-bit wrap (split) and
 * on the second lap just below the ring's end (packed), the paths that
 * otherwise need 65,536 completions run in a few round trips, and the
 * ring is where the start says. */
ParameterizedTest(uint64_t *features, vq, round_trips_across_the_index_wrap)
{
	const uint16_t starts[] = {65535, 65534, 65530, 65536 - 8, 65536 - 13};
	for (unsigned k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		uint16_t start = starts[k];
		cr_assert_eq(open_pair_at(8, *features, false, start), 0);
		if (vq->ops->packed) {
			uint16_t pos;
			bool wrap;
			vrs_packed_start(start, 8, &pos, &wrap);
			cr_assert_eq(vq->next_avail, pos);
			cr_assert_eq(vq->avail_wrap, wrap);
		} else {
			cr_assert_eq(vrs_from16(vq->e, *vq->avail_idx), start);
			cr_assert_eq(vrs_from16(vq->e, *vq->used_idx), start);
		}
		for (int r = 0; r < 24; r++)
			round_trip(1 + r % 3, 1 + r % 2, 64, r);
		if (!vq->ops->packed)
			cr_assert_eq(vq->last_used_idx, (uint16_t)(start + 24));
		cr_assert_eq(vrs_vq_check(vq), 0);
		cr_assert_eq(vrs_vqdev_check(dev), 0);
		cr_assert_eq(vrs_vq_reset(vq, 0), 0, "a reset starts there again");
		cr_assert_eq(vrs_qpair_reset_device(&qp), 0);
		round_trip(1, 1, 64, 7);
	}
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0, "%s",
		     vrs_report_last(VRS_FIND_PROTOCOL));
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
