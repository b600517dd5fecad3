/* The simulation as a whole: honest runs stay clean on every platform where
 * the policy should work, each oracle fires on a deliberately broken
 * platform, driver or device, the outcomes match what the seeds say, and a
 * run is deterministic. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "vrsim/guard.h"
#include "vrsim/virtio.h"
#include "testing.h"

static struct vrs_sim *sim;

static void setup(void)
{
	vrs_report_set_mode(VRS_REPORT_RECORD);
	cr_assert_eq(vrs_sim_create(&sim), 0);
}

static void teardown(void)
{
	vrs_sim_destroy(sim);
}

TestSuite(sim, .init = setup, .fini = teardown, .timeout = 300);

#define ALL VRS_DRIVER_FEATURES_ALL
#define AP VRS_BIT(VRS_F_ACCESS_PLATFORM)

static struct vrs_sim_config config(enum vrs_platform_id plat,
				    enum vrs_policy pol, bool ap)
{
	return (struct vrs_sim_config){
		.platform = plat, .policy = pol, .device = VRS_DEV_BLK,
		.offered = ap ? ALL : ALL & ~AP, .driver_features = ALL,
		.queue_size = 16, .steps = 150, .seed = 42,
	};
}

static struct vrs_sim_result run(const struct vrs_sim_config *c)
{
	struct vrs_sim_result r;
	cr_assert_eq(vrs_sim_run(sim, c, NULL, 0, &r), 0);
	return r;
}

static void dump(const struct vrs_sim_result *r)
{
	if (r->findings || r->outcome != VRS_OUT_WORKS) {
		fprintf(stderr, "outcome %s: %s\n", vrs_outcome_name(r->outcome),
			r->detail);
		vrs_sim_print_trace(sim, stderr, 30);
	}
}

/* Ring layouts and features to cross with every platform. */
static const uint64_t feature_sets[] = {
	VRS_BIT(VRS_F_VERSION_1),
	VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_INDIRECT_DESC) | VRS_BIT(VRS_F_EVENT_IDX),
	VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_IN_ORDER) | VRS_BIT(VRS_F_RING_RESET),
	VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_RING_PACKED),
	VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_RING_PACKED) | VRS_BIT(VRS_F_INDIRECT_DESC) |
		VRS_BIT(VRS_F_EVENT_IDX) | VRS_BIT(VRS_F_IN_ORDER) | VRS_BIT(VRS_F_RING_RESET),
	VRS_BIT(VRS_F_INDIRECT_DESC) | VRS_BIT(VRS_F_EVENT_IDX), /* legacy */
	ALL & ~AP,
};

Test(sim, round_trips_on_every_platform_where_the_policy_works)
{
	unsigned clean = 0;
	for (unsigned p = 0; p < VRS_PLAT_COUNT; p++)
	for (unsigned pol = 0; pol < VRS_POLICY_COUNT; pol++)
	for (int ap = 0; ap <= 1; ap++)
	for (unsigned f = 0; f < VRS_ARRAY_SIZE(feature_sets); f++)
	for (unsigned dev = VRS_DEV_BLK; dev <= VRS_DEV_NET; dev++) {
		const struct vrs_platform *plat = vrs_platform_get(p);
		if (!vrs_platform_path_works(plat, ap, vrs_policy_decide(pol, plat, ap)))
			continue;
		struct vrs_sim_config c = config(p, pol, ap);
		c.offered = feature_sets[f] | (ap ? AP : 0);
		c.device = dev;
		c.big_endian_guest = f & 1;
		struct vrs_sim_result r = run(&c);
		dump(&r);
		cr_assert_eq(r.outcome, VRS_OUT_WORKS, "%s %s ap=%d features=%#llx %s: %s",
			     plat->name, vrs_policy_name(pol), ap,
			     (unsigned long long)c.offered, vrs_device_name(dev), r.detail);
		cr_assert_eq(r.findings, 0);
		cr_assert_gt(r.completed, 0);
		cr_assert_eq(r.submitted, r.completed + r.released);
		clean++;
	}
	cr_assert_gt(clean, 500);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The false-positive guard: random honest configurations never fire an
 * oracle. A failure here is a bug in vrsim. */
Test(sim, ten_thousand_random_honest_configurations_are_clean)
{
	uint64_t s = 0x5eed;
	unsigned ran = 0;
	static const uint64_t masks[] = {0, 0x7ff, 0xfff};
	while (ran < 10000) {
		struct vrs_sim_config c = {
			.platform = rnd(&s) % VRS_PLAT_COUNT,
			.policy = rnd(&s) % VRS_POLICY_COUNT,
			.device = rnd(&s) % 2 ? VRS_DEV_NET : VRS_DEV_BLK,
			.offered = rnd(&s) & ALL,
			.driver_features = ALL,
			.queue_size = 2u << (rnd(&s) % 8),
			.big_endian_guest = rnd(&s) & 1,
			.lazy_iotlb = rnd(&s) & 1,
			.min_align_mask = masks[rnd(&s) % 3],
			.fail_nth = rnd(&s) % 4 == 0 ? (uint32_t)(rnd(&s) % 40) : 0,
			.fail_persistent = rnd(&s) % 8 == 0,
			.steps = 10 + rnd(&s) % 90,
			.seed = rnd(&s),
		};
		const struct vrs_platform *plat = vrs_platform_get(c.platform);
		bool ap = vrs_has_feature(c.offered, VRS_F_ACCESS_PLATFORM);
		if (!vrs_platform_path_works(plat, ap, vrs_policy_decide(c.policy, plat, ap)))
			continue;
		struct vrs_sim_result r = run(&c);
		if (r.findings)
			dump(&r);
		cr_assert_eq(r.findings, 0, "config %u (%s %s features %#llx q%u seed %llu "
			     "fail %u): %s", ran, plat->name, vrs_policy_name(c.policy),
			     (unsigned long long)c.offered, c.queue_size,
			     (unsigned long long)c.seed, c.fail_nth, r.detail);
		ran++;
	}
}

/* Queues that start their indices anywhere (sim.h start), big queues and
 * a steady phase after the workload: honest parties stay clean. */
Test(sim, honest_runs_started_anywhere_with_a_steady_phase_are_clean)
{
	uint64_t s = 0x57a27;
	unsigned ran = 0, wrapped = 0;
	while (ran < 3000) {
		struct vrs_sim_config c = config(rnd(&s) % VRS_PLAT_COUNT,
						 rnd(&s) % VRS_POLICY_COUNT, true);
		c.device = rnd(&s) % 2 ? VRS_DEV_NET : VRS_DEV_BLK;
		c.offered = rnd(&s) & ALL;
		c.queue_size = rnd(&s) % 16 ? 2u << (rnd(&s) % 8)
					    : 2048u << (rnd(&s) % 5);
		c.start = rnd(&s) % 2 ? (uint16_t)(0x10000 - rnd(&s) % 256)
				      : (uint16_t)rnd(&s);
		c.steady_cycles = rnd(&s) % 4 ? 0 : 256;
		c.steps = 10 + rnd(&s) % 90;
		c.seed = rnd(&s);
		const struct vrs_platform *plat = vrs_platform_get(c.platform);
		bool ap = vrs_has_feature(c.offered, VRS_F_ACCESS_PLATFORM);
		if (!vrs_platform_path_works(plat, ap, vrs_policy_decide(c.policy, plat, ap)))
			continue;
		struct vrs_sim_result r = run(&c);
		if (r.findings)
			dump(&r);
		cr_assert_eq(r.findings, 0, "config %u (%s %s features %#llx q%u "
			     "start %u steady %u seed %llu): %s", ran, plat->name,
			     vrs_policy_name(c.policy), (unsigned long long)c.offered,
			     c.queue_size, c.start, c.steady_cycles,
			     (unsigned long long)c.seed, r.detail);
		wrapped += c.start >= 0xff00 && r.completed > 0x10000u - c.start;
		ran++;
	}
	cr_assert_gt(wrapped, 300, "only %u runs went across the wrap", wrapped);
}

/* The steady phase keeps every oracle armed: a DMA engine that corrupts
 * its 3000th write is caught there, far beyond what the 40 steps before
 * it reach; without the phase the same run is clean. */
Test(sim, steady_phase_reaches_what_needs_many_completions)
{
	struct vrs_sim_config c = config(VRS_PLAT_KVM, VRS_POLICY_TODAY, true);
	c.steps = 40;
	c.corrupt_nth = 3000;
	struct vrs_sim_result r = run(&c);
	cr_assert_eq(r.findings, 0, "%s", r.detail);
	unsigned before = r.completed;
	c.steady_cycles = 4096;
	r = run(&c);
	cr_assert_gt(r.completed, before + 100, "the phase completed %u",
		     r.completed - before);
	cr_assert_eq(vrs_report_count(VRS_FIND_DATA_INTEGRITY), 1, "%s", r.detail);
	c.corrupt_nth = 0;
	r = run(&c);
	cr_assert_eq(r.findings, 0, "%s", r.detail);
	cr_assert_gt(r.completed, 3000, "a clean phase runs its cycles");
}

/* ---- each oracle fires on a broken input and stays quiet on a correct one ---- */

Test(sim, dma_fault_oracle)
{
	/* The Q35 quirk: the DMA API hands out IOVAs, the device reads GPAs. */
	struct vrs_sim_config c = config(VRS_PLAT_Q35_QUIRK, VRS_POLICY_QUIRK_2016, true);
	struct vrs_sim_result r = run(&c);
	cr_assert_eq(r.outcome, VRS_OUT_DMA_FAULT);
	cr_assert_gt(vrs_report_count(VRS_FIND_DMA_FAULT), 0);
	c.platform = VRS_PLAT_KVM_VIOMMU;
	r = run(&c);
	cr_assert_eq(r.outcome, VRS_OUT_WORKS, "%s", r.detail);
	cr_assert_eq(vrs_report_count(VRS_FIND_DMA_FAULT), 0);
}

Test(sim, private_memory_oracle)
{
	struct vrs_sim_config c = config(VRS_PLAT_SEV, VRS_POLICY_NEVER, false);
	struct vrs_sim_result r = run(&c);
	cr_assert_eq(r.outcome, VRS_OUT_PRIVATE);
	cr_assert_gt(vrs_report_count(VRS_FIND_PRIVATE_ACCESS), 0);
	c = config(VRS_PLAT_SEV, VRS_POLICY_TODAY, true);
	r = run(&c);
	cr_assert_eq(r.outcome, VRS_OUT_WORKS, "%s", r.detail);
	cr_assert_eq(vrs_report_count(VRS_FIND_COUNT), 0);
}

/* Scan a fault knob until the wanted oracle fires; return how many did. */
static unsigned scan(struct vrs_sim_config c, bool irq, enum vrs_finding want)
{
	unsigned hits = 0;
	for (uint32_t n = 1; n <= 60; n++) {
		if (irq)
			c.lose_irq_nth = n;
		else
			c.corrupt_nth = n;
		run(&c);
		hits += vrs_report_count(want) > 0;
	}
	return hits;
}

Test(sim, data_integrity_oracle)
{
	struct vrs_sim_config c = config(VRS_PLAT_KVM, VRS_POLICY_TODAY, true);
	cr_assert_gt(scan(c, false, VRS_FIND_DATA_INTEGRITY), 0,
		     "a faulty DMA engine's bad bit must be seen");
	struct vrs_sim_result r = run(&c);
	cr_assert_eq(vrs_report_count(VRS_FIND_DATA_INTEGRITY), 0, "%s", r.detail);
}

Test(sim, protocol_oracle)
{
	/* A bit flipped in a used-ring write looks like a lying device. */
	struct vrs_sim_config c = config(VRS_PLAT_KVM, VRS_POLICY_TODAY, true);
	cr_assert_gt(scan(c, false, VRS_FIND_PROTOCOL), 0);
	run(&c);
	cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 0);
}

Test(sim, liveness_oracle)
{
	struct vrs_sim_config c = config(VRS_PLAT_KVM, VRS_POLICY_TODAY, true);
	c.offered |= VRS_BIT(VRS_F_EVENT_IDX);
	cr_assert_gt(scan(c, true, VRS_FIND_LIVENESS), 0,
		     "a lost interrupt must leave buffers hanging");
	run(&c);
	cr_assert_eq(vrs_report_count(VRS_FIND_LIVENESS), 0);
}

Test(sim, refusal_is_clean)
{
	struct vrs_sim_config c = config(VRS_PLAT_TDX, VRS_POLICY_TODAY, false);
	struct vrs_sim_result r = run(&c);
	cr_assert_eq(r.outcome, VRS_OUT_REFUSED);
	cr_assert_eq(r.findings, 0);
	cr_assert_eq(r.submitted, 0);
}

/* ---- the seeds' history as outcomes ---- */

struct cell {
	enum vrs_platform_id plat;
	bool ap;
	enum vrs_policy pol;
	enum vrs_outcome want;
};

static const struct cell history[] = {
	/* protected guests without ACCESS_PLATFORM (seed 003) */
	{VRS_PLAT_SEV, false, VRS_POLICY_NEVER, VRS_OUT_PRIVATE},
	{VRS_PLAT_SEV, false, VRS_POLICY_QUIRK_2016, VRS_OUT_PRIVATE},
	{VRS_PLAT_SEV, false, VRS_POLICY_DIRECT_OPS_2018, VRS_OUT_PRIVATE},
	{VRS_PLAT_SEV, false, VRS_POLICY_PROTECTED_2020, VRS_OUT_WORKS},
	{VRS_PLAT_SEV, false, VRS_POLICY_TODAY, VRS_OUT_REFUSED},
	{VRS_PLAT_S390_PV, false, VRS_POLICY_QUIRK_2016, VRS_OUT_PRIVATE},
	{VRS_PLAT_S390_PV, false, VRS_POLICY_PROTECTED_2020, VRS_OUT_WORKS},
	/* the 2018 RFC's platform hook rescues the POWER ultravisor (seed 002) */
	{VRS_PLAT_PPC_ULTRAVISOR, false, VRS_POLICY_QUIRK_2016, VRS_OUT_PRIVATE},
	{VRS_PLAT_PPC_ULTRAVISOR, false, VRS_POLICY_DIRECT_OPS_2018, VRS_OUT_WORKS},
	/* Xen (seeds 000, 004) */
	{VRS_PLAT_XEN, false, VRS_POLICY_NEVER, VRS_OUT_DMA_FAULT},
	{VRS_PLAT_XEN, false, VRS_POLICY_QUIRK_2016, VRS_OUT_WORKS},
	{VRS_PLAT_XEN, false, VRS_POLICY_DIRECT_OPS_2018, VRS_OUT_DMA_FAULT},
	{VRS_PLAT_XEN, false, VRS_POLICY_DIRECT_OPS_2018_XEN, VRS_OUT_WORKS},
	/* the emulated Q35 IOMMU the device ignores (seeds 001, 004) */
	{VRS_PLAT_Q35_QUIRK, true, VRS_POLICY_QUIRK_2016, VRS_OUT_DMA_FAULT},
	{VRS_PLAT_Q35_QUIRK, false, VRS_POLICY_QUIRK_2016, VRS_OUT_WORKS},
	{VRS_PLAT_PPC64_PSERIES, false, VRS_POLICY_TODAY, VRS_OUT_WORKS},
	/* hardware virtio behind a real IOMMU needs the DMA API */
	{VRS_PLAT_HW_VIRTIO, true, VRS_POLICY_NEVER, VRS_OUT_DMA_FAULT},
	{VRS_PLAT_HW_VIRTIO, true, VRS_POLICY_TODAY, VRS_OUT_WORKS},
	{VRS_PLAT_KVM_VIOMMU, true, VRS_POLICY_NEVER, VRS_OUT_DMA_FAULT},
	{VRS_PLAT_RESTRICTED_POOL, true, VRS_POLICY_NEVER, VRS_OUT_DMA_FAULT},
	{VRS_PLAT_RESTRICTED_POOL, true, VRS_POLICY_TODAY, VRS_OUT_WORKS},
	{VRS_PLAT_KVM, false, VRS_POLICY_NEVER, VRS_OUT_WORKS},
};

Test(sim, outcomes_match_the_seeds)
{
	for (unsigned i = 0; i < VRS_ARRAY_SIZE(history); i++) {
		const struct cell *h = &history[i];
		struct vrs_sim_config c = config(h->plat, h->pol, h->ap);
		struct vrs_sim_result r = run(&c);
		cr_expect_eq(r.outcome, h->want, "%s ap=%d %s: got %s, want %s (%s)",
			     vrs_platform_get(h->plat)->name, h->ap,
			     vrs_policy_name(h->pol), vrs_outcome_name(r.outcome),
			     vrs_outcome_name(h->want), r.detail);
	}
}

/* ---- determinism and arbitrary input ---- */

static char *trace_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	vrs_sim_print_trace(sim, f, 0);
	fclose(f);
	return buf;
}

Test(sim, same_input_same_run)
{
	struct vrs_sim_config c = config(VRS_PLAT_XEN, VRS_POLICY_TODAY, true);
	c.device = VRS_DEV_NET;
	struct vrs_sim_result a = run(&c);
	char *ta = trace_text();
	/* Something else in between must not leak into the next run. */
	struct vrs_sim_config other = config(VRS_PLAT_SEV, VRS_POLICY_NEVER, false);
	run(&other);
	struct vrs_sim_result b = run(&c);
	char *tb = trace_text();
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	cr_assert_str_eq(ta, tb);
	free(ta);
	free(tb);
}

Test(sim, any_byte_stream_is_a_valid_run)
{
	uint64_t s = 99;
	uint8_t input[512];
	for (int i = 0; i < 300; i++) {
		size_t len = rnd(&s) % sizeof(input);
		for (size_t k = 0; k < len; k++)
			input[k] = (uint8_t)rnd(&s);
		struct vrs_sim_config c = config(rnd(&s) % VRS_PLAT_COUNT, VRS_POLICY_TODAY, true);
		const struct vrs_platform *plat = vrs_platform_get(c.platform);
		if (!vrs_platform_path_works(plat, true, VRS_USE_DMA_API))
			continue;
		c.device = rnd(&s) % 2 ? VRS_DEV_NET : VRS_DEV_BLK;
		c.steps = 0;
		struct vrs_sim_result r;
		cr_assert_eq(vrs_sim_run(sim, &c, input, len, &r), 0);
		cr_assert_eq(r.findings, 0, "%s", r.detail);
	}
}

Test(sim, bad_configurations_are_rejected)
{
	struct vrs_sim_config c = config(VRS_PLAT_KVM, VRS_POLICY_TODAY, true);
	struct vrs_sim_result r;
	c.queue_size = 6;
	c.offered &= ~VRS_BIT(VRS_F_RING_PACKED);
	cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), -EINVAL);
	c.queue_size = 16;
	c.platform = VRS_PLAT_COUNT;
	cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), -EINVAL);
}
