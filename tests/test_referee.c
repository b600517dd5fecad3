/* The referee (sim/referee.h) on rings built by hand in a host buffer: for
 * every rule a valid ring it accepts with the right summary and a broken
 * one it refuses with the rule's section (or leaves undecided where the
 * spec does), both layouts, both byte orders, indices at the 16-bit wrap,
 * packed chains across the ring's end, and each event suppression mode. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sim/referee.h"

#define MEM 0x10000u
#define DESC 0x1000u
#define DRIVER 0x2000u
#define DEVICE 0x3000u
#define TABLE 0x4000u
#define BUF 0x8000u
#define OUTSIDE 0x100000u /* not in mem: the read faults */

#define V1 VRS_BIT(VRS_F_VERSION_1)
#define IND VRS_BIT(VRS_F_INDIRECT_DESC)
#define EVT VRS_BIT(VRS_F_EVENT_IDX)
#define INO VRS_BIT(VRS_F_IN_ORDER)
#define PK VRS_BIT(VRS_F_RING_PACKED)
#define NEXT VRS_DESC_F_NEXT
#define WR VRS_DESC_F_WRITE
#define INDF VRS_DESC_F_INDIRECT
#define F_AVAIL (1u << VRS_PACKED_DESC_F_AVAIL)
#define F_USED (1u << VRS_PACKED_DESC_F_USED)

static uint8_t mem[MEM];
static struct vrs_endian E; /* the byte order the helpers write in */
static unsigned reads;
static struct vrs_referee R;
static unsigned NUM;

static int tread(void *ctx, uint64_t a, void *dst, size_t len)
{
	(void)ctx;
	reads++;
	if (a > MEM || len > MEM - a)
		return -EFAULT;
	memcpy(dst, mem + a, len);
	return 0;
}

static void setup(void)
{
	memset(mem, 0, sizeof(mem));
	E = (struct vrs_endian){.big = false};
	reads = 0;
}

TestSuite(referee, .init = setup);

static void w16(uint64_t a, uint16_t v)
{
	v = vrs_to16(E, v);
	memcpy(mem + a, &v, 2);
}
static void w32(uint64_t a, uint32_t v)
{
	v = vrs_to32(E, v);
	memcpy(mem + a, &v, 4);
}
static void w64(uint64_t a, uint64_t v)
{
	v = vrs_to64(E, v);
	memcpy(mem + a, &v, 8);
}

/* ---- building rings ---- */

static void sdesc_at(uint64_t base, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	w64(base + 16u * i, addr);
	w32(base + 16u * i + 8, len);
	w16(base + 16u * i + 12, flags);
	w16(base + 16u * i + 14, next);
}
#define sdesc(i, a, l, f, n) sdesc_at(DESC, i, a, l, f, n)
#define itab(j, a, l, f, n) sdesc_at(TABLE, j, a, l, f, n)

static void avail_ring(uint16_t pos, uint16_t head)
{
	w16(DRIVER + 4 + 2u * (pos % NUM), head);
}
static void avail_idx(uint16_t v) { w16(DRIVER + 2, v); }
static void avail_flags(uint16_t v) { w16(DRIVER, v); }
static void used_event(uint16_t v) { w16(DRIVER + 4 + 2u * NUM, v); }

/* A packed descriptor made available for wrap counter wrap (2.8.1). */
static void pdesc_raw(unsigned slot, uint64_t addr, uint32_t len, uint16_t id,
		      uint16_t flags)
{
	w64(DESC + 16u * slot, addr);
	w32(DESC + 16u * slot + 8, len);
	w16(DESC + 16u * slot + 12, id);
	w16(DESC + 16u * slot + 14, flags);
}
static uint16_t avail_bits(bool wrap)
{
	return wrap ? F_AVAIL : F_USED;
}
static void pdesc(unsigned slot, uint64_t addr, uint32_t len, uint16_t id,
		  uint16_t flags, bool wrap)
{
	pdesc_raw(slot, addr, len, id, (uint16_t)(flags | avail_bits(wrap)));
}
static void ptab(unsigned j, uint64_t addr, uint32_t len, uint16_t flags)
{
	sdesc_at(TABLE, j, addr, len, 0, 0);
	w16(TABLE + 16u * j + 12, 0x5a5a); /* id: reserved, ignored */
	w16(TABLE + 16u * j + 14, flags);
}
static void driver_event(uint16_t off_wrap, uint16_t flags)
{
	w16(DRIVER, off_wrap);
	w16(DRIVER + 2, flags);
}

static struct vrs_referee_config cfg_for(unsigned num, uint64_t features)
{
	return (struct vrs_referee_config){
		.num = num, .features = features,
		.addrs = {.desc = DESC, .driver = DRIVER, .device = DEVICE},
		.read = tread, .packed_wrap = true,
	};
}

static void split_ref(unsigned num, uint64_t features, uint16_t start)
{
	struct vrs_referee_config c = cfg_for(num, features | V1);
	c.split_start = start;
	NUM = num;
	cr_assert_eq(vrs_referee_init(&R, &c), 0);
	cr_assert_eq(vrs_referee_check(&R), 0);
}

static void packed_ref(unsigned num, uint64_t features, uint16_t slot, bool wrap)
{
	struct vrs_referee_config c = cfg_for(num, features | V1 | PK);
	c.packed_slot = slot;
	c.packed_wrap = wrap;
	NUM = num;
	cr_assert_eq(vrs_referee_init(&R, &c), 0);
	cr_assert_eq(vrs_referee_check(&R), 0);
}

static struct vrs_referee_chain judge(void)
{
	struct vrs_referee_chain c;
	cr_assert_eq(vrs_referee_next(&R, &c), 0);
	cr_assert_eq(vrs_referee_check(&R), 0);
	return c;
}

static void expect(const struct vrs_referee_chain *c,
		   enum vrs_referee_verdict v, const char *section)
{
	cr_assert_eq(c->verdict, v, "verdict %s, want %s (%s)",
		     vrs_referee_verdict_name(c->verdict),
		     vrs_referee_verdict_name(v), c->reason ? c->reason : "-");
	if (section)
		cr_assert(c->reason && strstr(c->reason, section),
			  "reason '%s' does not name %s",
			  c->reason ? c->reason : "(none)", section);
	if (v == VRS_REFEREE_ACCEPT || v == VRS_REFEREE_EMPTY)
		cr_assert_null(c->reason, "%s", c->reason);
}

static void counts(const struct vrs_referee_chain *c, uint32_t nr, uint32_t nw,
		   uint64_t rb, uint64_t wb)
{
	cr_assert_eq(c->n_read, nr, "n_read %u want %u", c->n_read, nr);
	cr_assert_eq(c->n_write, nw, "n_write %u want %u", c->n_write, nw);
	cr_assert_eq(c->read_bytes, rb, "read_bytes %llu want %llu",
		     (unsigned long long)c->read_bytes, (unsigned long long)rb);
	cr_assert_eq(c->write_bytes, wb, "write_bytes %llu want %llu",
		     (unsigned long long)c->write_bytes, (unsigned long long)wb);
}

/* One split chain at avail position 0 (cursor 0). */
static void offer(uint16_t head)
{
	avail_ring(0, head);
	avail_idx(1);
}

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
