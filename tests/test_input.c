/* The fuzz input header (sim/input.h): older inputs decode as before, the
 * fields that took reserved bytes (start, steady phase, big queues, long
 * chains) decode and encode both ways, and the text form reaches them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sim/input.h"
#include "vrsim/virtio.h"

static struct vrs_sim_config parse(const uint8_t *h, size_t len)
{
	struct vrs_sim_config c;
	const uint8_t *ops;
	size_t n;
	cr_assert_eq(vrs_input_parse(h, len, &c, &ops, &n), 0);
	return c;
}

/* Version 1 had bytes 14 and 15 reserved (a fuzzer may have put anything
 * there): such an input starts at zero, has no steady phase and no big
 * queue, whatever those bytes hold. */
Test(input, an_older_input_decodes_as_before)
{
	for (unsigned q = 0; q < 256; q++) {
		uint8_t h[VRS_INPUT_HEADER_LEN] = {1};
		h[1 + 14] = (uint8_t)(q * 31);
		h[1 + 15] = (uint8_t)~q;
		h[1 + 3] = 0xff; /* every feature */
		h[1 + 4] = (uint8_t)q;
		h[1 + 5] = (uint8_t)(q * 7);
		struct vrs_sim_config c = parse(h, sizeof(h));
		cr_assert_eq(c.start, 0);
		cr_assert_eq(c.steady_cycles, 0);
		cr_assert(!c.long_chains);
		cr_assert(c.queue_size >= 2 && c.queue_size <= 1024, "%u",
			  c.queue_size);
	}
	/* A short input reads zeros for what it lacks. */
	uint8_t one = 1;
	cr_assert_eq(parse(&one, 1).start, 0);
	/* A newer version than this vrsim is not read at all. */
	uint8_t newer[VRS_INPUT_HEADER_LEN] = {VRS_INPUT_VERSION + 1};
	struct vrs_sim_config c;
	const uint8_t *ops;
	size_t n;
	cr_assert_eq(vrs_input_parse(newer, sizeof(newer), &c, &ops, &n),
		     -EPROTONOSUPPORT);
}

Test(input, start_counts_slots_before_the_wrap)
{
	uint8_t h[VRS_INPUT_HEADER_LEN] = {2};
	for (unsigned b = 1; b < 256; b++) {
		h[1 + 14] = (uint8_t)b;
		cr_assert_eq(parse(h, sizeof(h)).start, 0x10000u - b);
	}
}

/* Byte 15 by ranges: one value in eight for each costly thing. */
Test(input, byte_15_holds_the_steady_phase_big_queues_and_long_chains)
{
	uint8_t h[VRS_INPUT_HEADER_LEN] = {0}; /* version 0 reads as the current */
	h[1 + 3] = 0xff;
	unsigned steady = 0, big = 0, longc = 0;
	for (unsigned v = 0; v < 256; v++) {
		h[1 + 15] = (uint8_t)v;
		struct vrs_sim_config c = parse(h, sizeof(h));
		steady += c.steady_cycles != 0;
		big += c.queue_size > 1024;
		longc += c.long_chains;
		if (c.steady_cycles)
			cr_assert(c.steady_cycles >= 64 && c.steady_cycles <= 4096 &&
				  !(c.steady_cycles & (c.steady_cycles - 1)));
		cr_assert(!(c.steady_cycles && (c.long_chains || c.queue_size > 1024)));
	}
	cr_assert_eq(steady, 32);
	cr_assert_eq(big, 48);
	cr_assert_eq(longc, 32);
	h[1 + 15] = VRS_INPUT_X_LONG | 1;
	unsigned lo = ~0u, hi = 0;
	for (unsigned q = 0; q < 256; q++) {
		h[1 + 4] = (uint8_t)q;
		h[1 + 5] = q & 1 ? (uint8_t)(q * 13) : 0; /* packed: a step below */
		struct vrs_sim_config c = parse(h, sizeof(h));
		cr_assert(c.long_chains);
		lo = c.queue_size < lo ? c.queue_size : lo;
		hi = c.queue_size > hi ? c.queue_size : hi;
	}
	cr_assert_gt(lo, 1024);
	cr_assert_eq(hi, VRS_MAX_QUEUE_SIZE);
}

Test(input, encode_and_parse_agree_on_the_new_fields)
{
	/* packed sizes a step of up to 255 below a power of two */
	const unsigned sizes[] = {2, 8, 1024, 2048, 4096, 32768, 32767, 32513};
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct vrs_sim_config c = {
			.offered = VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_RING_PACKED),
			.queue_size = sizes[i],
			.start = (uint16_t)(0x10000u - 5 * i),
			/* one of byte 15's ranges each */
			.steady_cycles = sizes[i] <= 1024 && !(i & 1)
				? 64u << (i % 7) : 0,
			.long_chains = i & 1,
		};
		uint8_t h[VRS_INPUT_HEADER_LEN];
		vrs_input_encode(&c, h);
		struct vrs_sim_config back = parse(h, sizeof(h));
		cr_assert_eq(back.queue_size, c.queue_size);
		cr_assert_eq(back.start, c.start);
		cr_assert_eq(back.steady_cycles, c.steady_cycles);
		cr_assert_eq(back.long_chains, c.long_chains);
	}
}

Test(input, the_text_form_takes_the_new_words_and_refuses_bad_ones)
{
	uint8_t buf[64];
	long n = vrs_input_encode_text("queue=32768 start=3 long-chains "
				       "offer=version-1,packed",
				       buf, sizeof(buf));
	cr_assert_eq(n, VRS_INPUT_HEADER_LEN);
	struct vrs_sim_config c = parse(buf, (size_t)n);
	cr_assert_eq(c.queue_size, 32768);
	cr_assert_eq(c.start, 65533);
	cr_assert_eq(c.steady_cycles, 0);
	cr_assert(c.long_chains);
	n = vrs_input_encode_text("queue=16 steady=1024", buf, sizeof(buf));
	cr_assert_eq(n, VRS_INPUT_HEADER_LEN);
	c = parse(buf, (size_t)n);
	cr_assert_eq(c.steady_cycles, 1024);
	cr_assert_eq(c.queue_size, 16);
	cr_assert(!c.long_chains);
	cr_assert_eq(vrs_input_encode_text("start=256", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(vrs_input_encode_text("steady=1000", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(vrs_input_encode_text("queue=32769", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(vrs_input_encode_text("steady=64 long-chains", buf, sizeof(buf)),
		     -EINVAL);
	cr_assert_eq(vrs_input_encode_text("steady=64 queue=2048", buf, sizeof(buf)),
		     -EINVAL);
}
