/* The referee (sim/referee.h), packed rules and event suppression, on
 * rings built by hand (support/referee_ring.c): packed chains across the
 * ring's end and its wrap counters, and each event suppression mode of
 * both layouts. Set-up and the split rules are test_referee.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "referee_ring.h"

TestSuite(referee, .init = setup);

Test(referee, packed_fault_is_no_verdict)
{
	packed_ref(4, IND, 0, true);
	pdesc(0, OUTSIDE, 32, 1, INDF, true);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_FAULT, NULL);
	cr_assert_eq(c.fault_addr, OUTSIDE);
	cr_assert_eq(vrs_referee_consume(&R), -ENOENT);
}

/* ================= packed: chains ================= */

Test(referee, packed_empty_then_a_chain_with_its_summary)
{
	packed_ref(8, 0, 0, true);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL); /* zero-initialized ring */
	/* Ids before the last descriptor mean nothing (2.8.6). */
	pdesc(0, BUF, 100, 99, NEXT, true);
	pdesc(1, BUF, 200, 98, NEXT, true);
	pdesc(2, BUF, 50, 5, WR, true);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.id, 5);
	cr_assert_eq(c.slot, 0);
	cr_assert(c.wrap);
	cr_assert_eq(c.ring_descs, 3);
	counts(&c, 2, 1, 300, 50);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	uint16_t slot;
	bool wrap;
	vrs_referee_cursor(&R, &slot, &wrap);
	cr_assert_eq(slot, 3);
	cr_assert(wrap);
	c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
}

Test(referee, packed_avail_and_used_bits_of_the_head)
{
	packed_ref(4, 0, 0, true);
	pdesc_raw(0, BUF, 1, 0, F_AVAIL | F_USED); /* used in this round */
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
	pdesc_raw(0, BUF, 1, 0, 0); /* used in the last round */
	c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
	pdesc_raw(0, BUF, 1, 0, F_USED); /* available for wrap 0 */
	c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
	pdesc_raw(0, BUF, 1, 0, F_AVAIL);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	/* With the wrap counter false, the other way round. */
	packed_ref(4, 0, 0, false);
	c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
	pdesc_raw(0, BUF, 1, 0, F_USED);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
}

Test(referee, packed_later_descriptors_must_be_available)
{
	packed_ref(4, 0, 0, true);
	pdesc(0, BUF, 1, 0, NEXT, true);
	pdesc(1, BUF, 1, 1, 0, false); /* not yet made available */
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.8.17: a later descriptor");
	pdesc(1, BUF, 1, 1, 0, true);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.ring_descs, 2);
}

Test(referee, packed_chain_across_the_ring_end)
{
	/* Start at the last slot with the wrap counter false: the chain's
	 * second descriptor is at slot 0 with the counter flipped. */
	packed_ref(4, 0, 3, false);
	pdesc(3, BUF, 10, 0, NEXT, false);
	pdesc(0, BUF, 20, 0, NEXT, true);
	pdesc(1, BUF, 30, 2, WR, true);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.slot, 3);
	cr_assert(!c.wrap);
	cr_assert_eq(c.ring_descs, 3);
	cr_assert_eq(c.id, 2);
	counts(&c, 2, 1, 30, 30);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	uint16_t slot;
	bool wrap;
	vrs_referee_cursor(&R, &slot, &wrap);
	cr_assert_eq(slot, 2);
	cr_assert(wrap);
	/* Marked with the old counter past the end: not available. */
	cr_assert_eq(vrs_referee_resync(&R, 3, false), 0);
	pdesc(0, BUF, 20, 0, NEXT, false);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.8.17");
	/* A single descriptor at the last slot flips the counter. */
	pdesc(3, BUF, 10, 9, 0, false);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	vrs_referee_cursor(&R, &slot, &wrap);
	cr_assert_eq(slot, 0);
	cr_assert(wrap);
}

Test(referee, packed_list_longer_than_the_queue)
{
	packed_ref(4, 0, 1, true);
	for (unsigned i = 0; i < 4; i++) /* slots 1, 2, 3, then 0 */
		pdesc((1 + i) % 4, BUF, 1, (uint16_t)i, i < 3 ? NEXT : 0,
		      i < 3);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL); /* the whole ring */
	cr_assert_eq(c.ring_descs, 4);
	cr_assert_eq(c.id, 3);
	pdesc(0, BUF, 1, 3, NEXT, false);
	reads = 0;
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.8.17: a list longer than the Queue");
	cr_assert_eq(reads, 4, "%u reads", reads);
}

Test(referee, packed_readable_after_writable)
{
	packed_ref(4, 0, 0, true);
	pdesc(0, BUF, 1, 0, WR | NEXT, true);
	pdesc(1, BUF, 1, 0, 0, true);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.8.17: a device-readable");
	pdesc(0, BUF, 1, 0, NEXT, true);
	pdesc(1, BUF, 1, 0, WR, true);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
}

Test(referee, packed_zero_length_descriptor_is_undecided)
{
	packed_ref(4, 0, 0, true);
	pdesc(0, BUF, 0, 3, 0, true);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "zero-length");
	cr_assert_eq(c.n_zero_len, 1);
	counts(&c, 1, 0, 0, 0);
}

Test(referee, packed_device_chain_limit_is_undecided)
{
	struct vrs_referee_config k = cfg_for(4, V1 | PK);
	k.max_chain = 1;
	NUM = 4;
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	pdesc(0, BUF, 1, 0, NEXT, true);
	pdesc(1, BUF, 1, 0, 0, true);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "2.8.18");
	cr_assert_eq(c.ring_descs, 2);
}

/* ================= packed: indirect ================= */

Test(referee, packed_indirect_needs_the_feature)
{
	packed_ref(4, IND, 0, true);
	pdesc(0, TABLE, 48, 7, INDF, true);
	ptab(0, BUF, 10, 0);
	ptab(1, BUF, 20, WR);
	ptab(2, BUF, 30, WR);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert(c.indirect);
	cr_assert_eq(c.id, 7);
	cr_assert_eq(c.ring_descs, 1);
	counts(&c, 1, 2, 10, 50);
	packed_ref(4, 0, 0, true);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.8.19: INDIRECT without");
}

Test(referee, packed_indirect_is_never_in_a_next_list)
{
	packed_ref(4, IND, 0, true);
	ptab(0, BUF, 10, 0);
	pdesc(0, TABLE, 16, 1, INDF | NEXT, true);
	pdesc(1, BUF, 1, 1, WR, true);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.8.19: an INDIRECT descriptor in a list");
	/* Normal then indirect: valid for split (2.7.5.3.2), not here. */
	pdesc(0, BUF, 1, 1, NEXT, true);
	pdesc(1, TABLE, 16, 1, INDF, true);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.8.19");
	pdesc(0, TABLE, 16, 1, INDF, true);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
}

Test(referee, packed_indirect_table_flags_other_than_write)
{
	packed_ref(4, IND, 0, true);
	pdesc(0, TABLE, 32, 1, INDF, true);
	ptab(0, BUF, 10, 0);
	ptab(1, BUF, 20, WR);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	/* NEXT in the table: the driver MUST NOT, the device ignores it
	 * (entries follow one another anyway): open either way. */
	ptab(0, BUF, 10, NEXT);
	c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "2.8.19/2.8.7");
	counts(&c, 1, 1, 10, 20); /* as if the bit were clear */
	ptab(0, BUF, 10, INDF);
	c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "2.8.19/2.8.7");
	cr_assert_eq(c.n_read, 1);
	/* The order rule still holds inside the table, and wins. */
	ptab(0, BUF, 10, WR | NEXT);
	ptab(1, BUF, 20, 0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.8.17: a device-readable");
}

Test(referee, packed_indirect_table_length)
{
	packed_ref(4, IND, 0, true);
	for (unsigned j = 0; j < 5; j++)
		ptab(j, BUF, 1, 0);
	pdesc(0, TABLE, 4 * 16, 1, INDF, true);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 4, 0, 4, 0);
	pdesc(0, TABLE, 5 * 16, 1, INDF, true);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.8.17: an indirect list longer");
	pdesc(0, TABLE, 0, 1, INDF, true);
	c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "2.8.7: an indirect table of length 0");
	pdesc(0, TABLE, 20, 1, INDF, true);
	c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "not a multiple of 16");
	counts(&c, 1, 0, 1, 0);
}

Test(referee, packed_write_flag_on_the_table_descriptor_is_ignored)
{
	packed_ref(4, IND, 0, true);
	pdesc(0, TABLE, 32, 1, INDF | WR, true);
	ptab(0, BUF, 10, 0);
	ptab(1, BUF, 20, WR);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 1, 1, 10, 20);
}

Test(referee, packed_in_order_needs_nothing_more)
{
	/* No driver-side MUST of IN_ORDER applies to packed descriptors. */
	packed_ref(4, INO, 0, true);
	pdesc(0, BUF, 1, 3, 0, true);
	pdesc(1, BUF, 1, 0, 0, true);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.slot, 1);
}

/* ================= event suppression ================= */

static bool must(uint16_t old_idx, uint16_t new_idx, bool ow, bool nw)
{
	struct vrs_referee_span s = {old_idx, new_idx, ow, nw};
	bool m = false;
	cr_assert_eq(vrs_referee_must_notify(&R, &s, &m), 0);
	return m;
}
#define SPLIT_MUST(o, n) must(o, n, false, false)

static const char *invalid(void)
{
	bool ok = true;
	const char *why = "unset";
	cr_assert_eq(vrs_referee_events_valid(&R, &ok, &why), 0);
	cr_assert_eq(ok, why == NULL);
	return why;
}

Test(referee, split_notify_without_event_idx)
{
	split_ref(8, 0, 0);
	avail_flags(0);
	cr_assert(SPLIT_MUST(0, 1), "flags 0: MUST");
	cr_assert(!SPLIT_MUST(3, 3), "no used entry made");
	cr_assert_null(invalid());
	avail_flags(VRS_AVAIL_F_NO_INTERRUPT);
	cr_assert(!SPLIT_MUST(0, 1), "flags 1: SHOULD NOT");
	cr_assert_null(invalid());
	used_event(0); /* MUST be ignored without EVENT_IDX */
	avail_flags(0);
	cr_assert(SPLIT_MUST(5, 6));
	avail_flags(2);
	cr_assert(!SPLIT_MUST(0, 1));
	cr_assert(strstr(invalid(), "2.7.7.1"));
}

Test(referee, split_notify_with_event_idx)
{
	split_ref(8, EVT, 0);
	avail_flags(0);
	used_event(5);
	cr_assert(!SPLIT_MUST(3, 5), "entries went in at 3 and 4");
	cr_assert(SPLIT_MUST(3, 6), "one went in at 5");
	cr_assert(SPLIT_MUST(5, 6));
	cr_assert(!SPLIT_MUST(6, 7));
	cr_assert(!SPLIT_MUST(5, 5));
	cr_assert_null(invalid());
	/* The lower flags bit is ignored; the driver MUST NOT set it. */
	avail_flags(1);
	cr_assert(SPLIT_MUST(3, 6));
	cr_assert(!SPLIT_MUST(3, 5));
	cr_assert(strstr(invalid(), "2.7.7.1: with EVENT_IDX"));
	/* Across the 16-bit wrap. */
	avail_flags(0);
	used_event(65535);
	cr_assert(SPLIT_MUST(65534, 1));
	cr_assert(!SPLIT_MUST(0, 3));
	used_event(0);
	cr_assert(!SPLIT_MUST(65535, 0), "went in at 65535 only");
	cr_assert(SPLIT_MUST(65535, 1));
}

Test(referee, packed_notify_enable_disable_reserved)
{
	packed_ref(4, 0, 0, true);
	driver_event(0, VRS_PACKED_EVENT_ENABLE);
	cr_assert(must(0, 1, true, true));
	cr_assert(must(3, 0, true, false), "across the end");
	cr_assert(!must(2, 2, true, true), "nothing written");
	cr_assert_null(invalid());
	driver_event(0, VRS_PACKED_EVENT_DISABLE);
	cr_assert(!must(0, 1, true, true));
	cr_assert_null(invalid());
	driver_event(0, 3);
	cr_assert(!must(0, 1, true, true));
	cr_assert(strstr(invalid(), "2.8.10: event flags value 3"));
	/* DESC without EVENT_IDX is not valid, and no MUST. */
	driver_event(1u << 15 | 0, VRS_PACKED_EVENT_DESC);
	cr_assert(!must(0, 1, true, true));
	cr_assert(strstr(invalid(), "valid only with EVENT_IDX"));
	/* Reserved bits of flags. */
	driver_event(0, VRS_PACKED_EVENT_ENABLE | 4u);
	cr_assert(strstr(invalid(), "2.8.14"));
	cr_assert(must(0, 1, true, true), "the mode is in the low bits");
}

Test(referee, packed_notify_desc_event)
{
	packed_ref(4, EVT, 0, true);
	/* Event at slot 2 with wrap counter 1. */
	driver_event(1u << 15 | 2, VRS_PACKED_EVENT_DESC);
	cr_assert_null(invalid());
	cr_assert(!must(0, 2, true, true), "slots 0 and 1 only");
	cr_assert(must(0, 3, true, true));
	cr_assert(must(2, 3, true, true));
	cr_assert(!must(3, 1, true, false), "slots 3, 0(w0)");
	/* Event at slot 1 with wrap counter 0: in the next round. */
	driver_event(1, VRS_PACKED_EVENT_DESC);
	cr_assert(must(3, 2, true, false), "slots 3, 0(w0), 1(w0)");
	cr_assert(!must(0, 2, true, true), "slot 1 with wrap 1");
	cr_assert(must(0, 2, false, false));
	/* A batch skipped past in one go (a chain, in order) counts. */
	cr_assert(must(0, 0, false, true), "a whole round");
	/* An offset outside the ring. */
	driver_event(1u << 15 | 4, VRS_PACKED_EVENT_DESC);
	cr_assert(!must(0, 3, true, true));
	cr_assert(strstr(invalid(), "2.8.10: desc_event_off"));
}

Test(referee, notify_arguments_and_faults)
{
	packed_ref(4, 0, 0, true);
	struct vrs_referee_span s = {4, 0, true, true};
	bool m;
	cr_assert_eq(vrs_referee_must_notify(&R, &s, &m), -EINVAL);
	cr_assert_eq(vrs_referee_must_notify(&R, NULL, &m), -EINVAL);
	struct vrs_referee_config k = cfg_for(4, V1 | PK);
	k.addrs.driver = OUTSIDE;
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	s = (struct vrs_referee_span){0, 1, true, true};
	cr_assert_eq(vrs_referee_must_notify(&R, &s, &m), -EFAULT);
	bool ok;
	cr_assert_eq(vrs_referee_events_valid(&R, &ok, NULL), -EFAULT);
	k = cfg_for(8, V1 | EVT);
	k.addrs.driver = MEM - 4; /* flags readable, used_event not */
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	s = (struct vrs_referee_span){0, 1, false, false};
	cr_assert_eq(vrs_referee_must_notify(&R, &s, &m), -EFAULT);
}

Test(referee, verdict_names)
{
	cr_assert_str_eq(vrs_referee_verdict_name(VRS_REFEREE_ACCEPT), "accept");
	cr_assert_str_eq(vrs_referee_verdict_name(VRS_REFEREE_REFUSE), "refuse");
	cr_assert_str_eq(vrs_referee_verdict_name(VRS_REFEREE_UNDECIDED),
			 "undecided");
	cr_assert_str_eq(vrs_referee_verdict_name(VRS_REFEREE_EMPTY), "empty");
	cr_assert_str_eq(vrs_referee_verdict_name(VRS_REFEREE_FAULT), "fault");
}
