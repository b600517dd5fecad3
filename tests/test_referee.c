/* The referee (sim/referee.h), set-up and split rules, on rings built by
 * hand in a host buffer (support/referee_ring.c): for every rule a valid
 * ring it accepts with the right summary and a broken one it refuses with
 * the rule's section (or leaves undecided where the spec does), both byte
 * orders, indices at the 16-bit wrap. The packed rules and event
 * suppression are test_referee_packed.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "referee_ring.h"

TestSuite(referee, .init = setup);

/* ================= set-up, state, cursor ================= */

Test(referee, init_checks_its_configuration)
{
	struct vrs_referee_config c = cfg_for(8, V1);
	struct vrs_referee r;
	memset(&r, 0, sizeof(r));
	cr_assert_eq(vrs_referee_check(&r), -EINVAL, "a zeroed referee");
	cr_assert_eq(vrs_referee_init(&r, &c), 0);
	cr_assert_eq(vrs_referee_check(&r), 0);
	c.num = 0;
	cr_assert_eq(vrs_referee_init(&r, &c), -EINVAL);
	c.num = 6; /* 2.7: split sizes are powers of two */
	cr_assert_eq(vrs_referee_init(&r, &c), -EINVAL);
	c.num = 65536;
	cr_assert_eq(vrs_referee_init(&r, &c), -EINVAL);
	c = cfg_for(6, V1 | PK); /* packed: any size */
	cr_assert_eq(vrs_referee_init(&r, &c), 0);
	c.packed_slot = 6;
	cr_assert_eq(vrs_referee_init(&r, &c), -EINVAL);
	c = cfg_for(8, V1);
	c.read = NULL;
	cr_assert_eq(vrs_referee_init(&r, &c), -EINVAL);
	cr_assert_eq(vrs_referee_init(&r, NULL), -EINVAL);
	/* A corrupted object fails its check and every call. */
	c = cfg_for(8, V1 | PK);
	cr_assert_eq(vrs_referee_init(&r, &c), 0);
	r.slot = 9;
	struct vrs_referee_chain ch;
	cr_assert_eq(vrs_referee_check(&r), -EINVAL);
	cr_assert_eq(vrs_referee_next(&r, &ch), -EINVAL);
}

Test(referee, consume_needs_a_judged_chain)
{
	split_ref(8, 0, 0);
	cr_assert_eq(vrs_referee_consume(&R), -ENOENT, "nothing judged");
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
	cr_assert_eq(vrs_referee_consume(&R), -ENOENT, "after EMPTY");
	sdesc(0, BUF, 10, 0, 0);
	offer(0);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	/* next does not consume: the same chain again. */
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.avail_idx, 0);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	cr_assert_eq(vrs_referee_consume(&R), -ENOENT, "consumed twice");
	uint16_t idx;
	bool wrap;
	vrs_referee_cursor(&R, &idx, &wrap);
	cr_assert_eq(idx, 1);
	c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
	cr_assert_eq(vrs_referee_resync(&R, 0, false), 0);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
}

Test(referee, layout_alignment)
{
	bool ok;
	const char *why;
	split_ref(8, 0, 0);
	cr_assert_eq(vrs_referee_layout_valid(&R, &ok, &why), 0);
	cr_assert(ok);
	cr_assert_null(why);
	struct vrs_referee_config c = cfg_for(8, V1);
	c.addrs.desc = DESC + 8;
	cr_assert_eq(vrs_referee_init(&R, &c), 0);
	cr_assert_eq(vrs_referee_layout_valid(&R, &ok, &why), 0);
	cr_assert(!ok);
	cr_assert(strstr(why, "2.7.1"));
	c = cfg_for(8, V1);
	c.addrs.device = DEVICE + 2; /* used ring: 4 */
	cr_assert_eq(vrs_referee_init(&R, &c), 0);
	cr_assert_eq(vrs_referee_layout_valid(&R, &ok, &why), 0);
	cr_assert(!ok);
	c = cfg_for(8, V1 | PK);
	c.addrs.driver = DRIVER + 2; /* fine for split, not for packed */
	cr_assert_eq(vrs_referee_init(&R, &c), 0);
	cr_assert_eq(vrs_referee_layout_valid(&R, &ok, &why), 0);
	cr_assert(!ok);
	cr_assert(strstr(why, "2.8.11"));
	c = cfg_for(8, V1);
	c.addrs.driver = DRIVER + 2;
	cr_assert_eq(vrs_referee_init(&R, &c), 0);
	cr_assert_eq(vrs_referee_layout_valid(&R, &ok, &why), 0);
	cr_assert(ok);
}

/* ================= split: chains ================= */

Test(referee, split_empty_then_a_chain_with_its_summary)
{
	split_ref(8, 0, 0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
	sdesc(3, BUF, 100, NEXT, 5);
	sdesc(5, BUF + 100, 200, NEXT, 1);
	sdesc(1, BUF + 300, 50, WR, 0);
	offer(3);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.id, 3);
	cr_assert_eq(c.ring_descs, 3);
	counts(&c, 2, 1, 300, 50);
	cr_assert(!c.indirect);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
}

Test(referee, split_readable_after_writable)
{
	split_ref(8, 0, 0);
	sdesc(0, BUF, 10, WR | NEXT, 1);
	sdesc(1, BUF + 10, 10, 0, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.4.2");
	/* Writable after readable is the right order. */
	sdesc(0, BUF, 10, NEXT, 1);
	sdesc(1, BUF + 10, 10, WR, 0);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 1, 1, 10, 10);
}

Test(referee, split_head_in_range)
{
	split_ref(8, 0, 0);
	sdesc(7, BUF, 10, 0, 0);
	offer(7);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.id, 7);
	offer(8);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.6/2.7.5");
	cr_assert_eq(c.id, 8);
}

Test(referee, split_next_in_range)
{
	split_ref(8, 0, 0);
	sdesc(0, BUF, 10, NEXT, 7);
	sdesc(7, BUF, 10, 0, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	sdesc(0, BUF, 10, NEXT, 8);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5: next outside");
}

Test(referee, split_chain_of_queue_size_and_a_loop)
{
	split_ref(8, 0, 0);
	/* All eight descriptors in one chain: as long as allowed. */
	for (unsigned i = 0; i < 8; i++)
		sdesc(i, BUF + i, 1, i < 7 ? NEXT : 0, (uint16_t)(i + 1));
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.ring_descs, 8);
	counts(&c, 8, 0, 8, 0);
	/* A loop back to the head: caught by counting, after at most Queue
	 * Size descriptor reads (plus avail idx and ring entry). */
	sdesc(7, BUF, 1, NEXT, 0);
	reads = 0;
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.3.1");
	cr_assert(strstr(c.reason, "loop"));
	cr_assert_eq(reads, 2 + 8, "%u reads", reads);
	/* A two-descriptor loop. */
	sdesc(0, BUF, 1, NEXT, 1);
	sdesc(1, BUF, 1, NEXT, 0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.3.1");
}

Test(referee, split_avail_idx_jump)
{
	split_ref(8, 0, 0);
	for (unsigned i = 0; i < 8; i++) {
		sdesc(i, BUF, 1, 0, 0);
		avail_ring((uint16_t)i, (uint16_t)i);
	}
	avail_idx(8); /* a full ring: allowed */
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	/* Queue Size + 1 ahead of the device. */
	cr_assert_eq(vrs_referee_resync(&R, 0, false), 0);
	avail_idx(9);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.6.1/2.7");
	/* Behind the device: reads as a jump of nearly 65536. */
	split_ref(8, 0, 10);
	avail_idx(5);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.6.1/2.7");
}

Test(referee, split_avail_idx_decrement)
{
	split_ref(8, 0, 0);
	for (unsigned i = 0; i < 3; i++) {
		sdesc(i, BUF, 1, 0, 0);
		avail_ring((uint16_t)i, (uint16_t)i);
	}
	avail_idx(3);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	avail_idx(3); /* unchanged, and growing, are fine */
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	avail_idx(2);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.6.1: the driver decremented");
	/* Back to the cursor is a decrement too, not an empty ring. */
	avail_idx(0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "decremented");
	/* Without the earlier reading there is nothing to compare. */
	cr_assert_eq(vrs_referee_resync(&R, 0, false), 0);
	c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
}

Test(referee, split_start_below_the_16bit_wrap)
{
	split_ref(8, 0, 65534);
	sdesc(0, BUF, 10, 0, 0);
	sdesc(1, BUF, 20, NEXT, 2);
	sdesc(2, BUF, 30, WR, 0);
	sdesc(3, BUF, 40, WR, 0);
	avail_ring(65534, 0);
	avail_ring(65535, 1); /* ring slot 7 */
	avail_ring(0, 3);     /* ring slot 0 again, idx wrapped */
	avail_idx(1);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.avail_idx, 65534);
	cr_assert_eq(c.id, 0);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.avail_idx, 65535);
	cr_assert_eq(c.id, 1);
	counts(&c, 1, 1, 20, 30);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.avail_idx, 0);
	cr_assert_eq(c.id, 3);
	counts(&c, 0, 1, 0, 40);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL);
}

Test(referee, split_zero_length_descriptor_is_undecided)
{
	split_ref(8, 0, 0);
	sdesc(0, BUF, 0, NEXT, 1);
	sdesc(1, BUF, 8, WR, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "zero-length");
	cr_assert_eq(c.n_zero_len, 1);
	counts(&c, 1, 1, 0, 8);
}

Test(referee, split_total_length_2_pow_32)
{
	split_ref(8, 0, 0);
	sdesc(0, BUF, 0xffffffffu, NEXT, 1);
	sdesc(1, BUF, 1, WR, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL); /* exactly 2^32 */
	cr_assert_eq(c.read_bytes + c.write_bytes, 1ull << 32);
	sdesc(1, BUF, 2, WR, 0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.2");
}

Test(referee, split_device_chain_limit_is_undecided)
{
	struct vrs_referee_config k = cfg_for(8, V1);
	k.max_chain = 2;
	NUM = 8;
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	sdesc(0, BUF, 1, NEXT, 1);
	sdesc(1, BUF, 1, 0, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	sdesc(1, BUF, 1, NEXT, 2);
	sdesc(2, BUF, 1, 0, 0);
	c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "2.7.4.1");
	counts(&c, 3, 0, 3, 0);
}

/* ================= split: indirect ================= */

Test(referee, split_indirect_needs_the_feature)
{
	split_ref(8, IND, 0);
	sdesc(2, TABLE, 32, INDF, 0);
	itab(0, BUF, 16, NEXT, 1);
	itab(1, BUF + 16, 64, WR, 0);
	offer(2);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert(c.indirect);
	cr_assert_eq(c.indirect_addr, TABLE);
	cr_assert_eq(c.indirect_len, 32);
	cr_assert_eq(c.id, 2);
	cr_assert_eq(c.ring_descs, 1);
	counts(&c, 1, 1, 16, 64);
	split_ref(8, 0, 0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.3.1: INDIRECT without");
}

Test(referee, split_indirect_with_next)
{
	split_ref(8, IND, 0);
	sdesc(0, TABLE, 16, INDF | NEXT, 1);
	sdesc(1, BUF, 16, WR, 0);
	itab(0, BUF, 16, 0, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.3.1: INDIRECT together with NEXT");
}

Test(referee, split_indirect_inside_a_table)
{
	split_ref(8, IND, 0);
	sdesc(0, TABLE, 32, INDF, 0);
	itab(0, BUF, 16, NEXT, 1);
	itab(1, TABLE + 0x100, 16, INDF, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.3.1: INDIRECT set inside");
	itab(1, BUF, 16, 0, 0);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 2, 0, 32, 0);
}

Test(referee, split_indirect_table_length)
{
	split_ref(8, IND, 0);
	itab(0, BUF, 16, NEXT, 1);
	itab(1, BUF, 16, WR, 0);
	offer(0);
	sdesc(0, TABLE, 0, INDF, 0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "2.7.5.3: an indirect table of length 0");
	sdesc(0, TABLE, 40, INDF, 0); /* 2.5 entries: what fits is read */
	c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "not a multiple of 16");
	counts(&c, 1, 1, 16, 16);
	/* The undecided table still loses to a broken rule in it. */
	itab(1, BUF, 16, NEXT, 1);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.2: a loop");
	itab(1, BUF, 16, WR, 0);
	sdesc(0, TABLE, 32, INDF, 0);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
}

Test(referee, split_indirect_table_anywhere_in_memory)
{
	/* 2.7.5.3 gives no alignment for a table. */
	split_ref(8, IND, 0);
	sdesc(0, TABLE + 8, 16, INDF, 0);
	sdesc_at(TABLE + 8, 0, BUF, 16, 0, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 1, 0, 16, 0);
}

Test(referee, split_indirect_next_in_the_table)
{
	split_ref(8, IND, 0);
	sdesc(0, TABLE, 48, INDF, 0);
	itab(0, BUF, 1, NEXT, 2);
	itab(2, BUF, 1, NEXT, 1);
	itab(1, BUF, 1, 0, 0);
	offer(0);
	struct vrs_referee_chain c = judge(); /* any order within the table */
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 3, 0, 3, 0);
	itab(2, BUF, 1, NEXT, 3); /* a table of 3 entries */
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.3: next outside the indirect");
	itab(2, BUF, 1, NEXT, 0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.2: a loop in the indirect");
}

Test(referee, split_indirect_entries_count_towards_the_queue_size)
{
	split_ref(4, IND, 0);
	for (unsigned j = 0; j < 5; j++)
		itab(j, BUF, 1, j < 4 ? NEXT : 0, (uint16_t)(j + 1));
	sdesc(0, TABLE, 5 * 16, INDF, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.3.1: a chain longer than the Queue");
	itab(3, BUF, 1, 0, 0); /* 4 entries */
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 4, 0, 4, 0);
	/* Normal descriptors and table entries add up. */
	sdesc(0, BUF, 1, NEXT, 1);
	sdesc(1, TABLE, 64, INDF, 0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.3.1");
	itab(2, BUF, 1, 0, 0); /* 1 + 3 = 4 */
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.ring_descs, 2);
	counts(&c, 4, 0, 4, 0);
}

Test(referee, split_write_flag_on_the_table_descriptor_is_ignored)
{
	/* 2.7.5.3.2: the device MUST ignore it, so a readable entry in the
	 * table does not come "after a writable one". */
	split_ref(8, IND, 0);
	sdesc(0, TABLE, 32, INDF | WR, 0);
	itab(0, BUF, 16, NEXT, 1);
	itab(1, BUF, 16, WR, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 1, 1, 16, 16);
}

Test(referee, split_normal_descriptors_then_a_table)
{
	/* 2.7.5.3.2: the device MUST handle it. */
	split_ref(8, IND, 0);
	sdesc(4, BUF, 12, NEXT, 6);
	sdesc(6, TABLE, 32, INDF, 0);
	itab(0, BUF, 100, NEXT, 1);
	itab(1, BUF, 1, WR, 0);
	offer(4);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert(c.indirect);
	cr_assert_eq(c.ring_descs, 2);
	counts(&c, 2, 1, 112, 1);
	/* The order rule spans both parts. */
	sdesc(4, BUF, 12, WR | NEXT, 6);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.4.2");
}

Test(referee, split_in_order_next)
{
	split_ref(8, INO, 0);
	sdesc(0, BUF, 1, NEXT, 1);
	sdesc(1, BUF, 1, 0, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	sdesc(0, BUF, 1, NEXT, 2);
	sdesc(2, BUF, 1, 0, 0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.2: IN_ORDER next");
	/* The same chain without IN_ORDER is fine. */
	split_ref(8, 0, 0);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	/* The last descriptor's next is 0. */
	struct vrs_referee_config k = cfg_for(8, V1 | INO);
	k.in_order_first = 7;
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	sdesc(7, BUF, 1, NEXT, 0);
	sdesc(0, BUF, 1, 0, 0);
	offer(7);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
}

Test(referee, split_in_order_heads_follow_ring_order)
{
	split_ref(8, INO, 0);
	sdesc(0, BUF, 1, NEXT, 1);
	sdesc(1, BUF, 1, 0, 0);
	sdesc(2, BUF, 1, 0, 0);
	sdesc(3, BUF, 1, 0, 0);
	avail_ring(0, 0);
	avail_ring(1, 3); /* skips descriptor 2 */
	avail_ring(2, 2);
	avail_idx(3);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(vrs_referee_consume(&R), 0);
	c = judge();
	expect(&c, VRS_REFEREE_UNDECIDED, "2.7.5: IN_ORDER head");
	/* In ring order, following the chain's two descriptors: 2. */
	avail_ring(1, 2);
	c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
}

Test(referee, split_in_order_indirect_entries_are_sequential)
{
	split_ref(8, INO | IND, 0);
	sdesc(0, TABLE, 48, INDF, 0);
	itab(0, BUF, 1, NEXT, 1);
	itab(1, BUF, 1, NEXT, 2);
	itab(2, BUF, 1, 0, 0);
	offer(0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 3, 0, 3, 0);
	itab(0, BUF, 1, NEXT, 2);
	itab(2, BUF, 1, NEXT, 1);
	itab(1, BUF, 1, 0, 0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.5.3.1: IN_ORDER indirect");
}

/* ================= byte order ================= */

static void legacy_chain(void)
{
	sdesc(5, BUF, 0x102, NEXT, 6);
	sdesc(6, BUF, 0x30000, WR, 0);
	avail_ring(0, 5);
	avail_idx(1);
}

Test(referee, split_big_endian_legacy_ring)
{
	struct vrs_referee_config k = cfg_for(8, IND); /* no VERSION_1 */
	k.big_endian_guest = true;
	E = vrs_endian_for(k.features, true);
	cr_assert(E.big);
	NUM = 8;
	legacy_chain();
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.id, 5);
	counts(&c, 1, 1, 0x102, 0x30000);
	/* The rules read the same fields in that order. */
	sdesc(5, BUF, 1, WR | NEXT, 6);
	sdesc(6, BUF, 1, 0, 0);
	c = judge();
	expect(&c, VRS_REFEREE_REFUSE, "2.7.4.2");
	/* The same bytes read little endian are another ring (idx 256). */
	legacy_chain();
	k.big_endian_guest = false;
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	c = judge();
	cr_assert_neq(c.verdict, VRS_REFEREE_ACCEPT);
	/* VERSION_1 is little endian whatever the guest. */
	k.features |= V1;
	k.big_endian_guest = true;
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	c = judge();
	cr_assert_neq(c.verdict, VRS_REFEREE_ACCEPT);
}

Test(referee, split_little_endian_legacy_ring)
{
	struct vrs_referee_config k = cfg_for(8, 0);
	E = vrs_endian_for(k.features, false);
	cr_assert(!E.big);
	NUM = 8;
	legacy_chain();
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	counts(&c, 1, 1, 0x102, 0x30000);
}

Test(referee, packed_big_endian_ring)
{
	/* Packed rings come with VERSION_1; the byte order still follows
	 * vrs_endian_for should a legacy set-up ever offer one. */
	struct vrs_referee_config k = cfg_for(4, PK);
	k.big_endian_guest = true;
	E = vrs_endian_for(k.features, true);
	NUM = 4;
	pdesc(0, BUF, 0x102, 7, NEXT, true);
	pdesc(1, BUF, 0x30000, 0x1234, WR, true);
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_ACCEPT, NULL);
	cr_assert_eq(c.id, 0x1234);
	counts(&c, 1, 1, 0x102, 0x30000);
	k.big_endian_guest = false;
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	c = judge();
	expect(&c, VRS_REFEREE_EMPTY, NULL); /* AVAIL read from the wrong byte */
}

/* ================= faults ================= */

Test(referee, split_fault_is_no_verdict)
{
	struct vrs_referee_config k = cfg_for(8, V1 | IND);
	k.addrs.driver = OUTSIDE;
	NUM = 8;
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	struct vrs_referee_chain c = judge();
	expect(&c, VRS_REFEREE_FAULT, NULL);
	cr_assert_eq(c.fault_addr, OUTSIDE + 2);
	cr_assert_eq(vrs_referee_consume(&R), -ENOENT);
	/* The table the chain points at cannot be read. */
	split_ref(8, IND, 0);
	sdesc(0, OUTSIDE, 16, INDF, 0);
	offer(0);
	c = judge();
	expect(&c, VRS_REFEREE_FAULT, NULL);
	cr_assert_eq(c.fault_addr, OUTSIDE);
	/* A descriptor table out of reach. */
	k = cfg_for(8, V1);
	k.addrs.desc = MEM - 16;
	cr_assert_eq(vrs_referee_init(&R, &k), 0);
	offer(1);
	c = judge();
	expect(&c, VRS_REFEREE_FAULT, NULL);
	offer(0);
	c = judge();
	cr_assert_neq(c.verdict, VRS_REFEREE_FAULT);
}
