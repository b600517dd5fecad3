/* The net and adversarial model devices, run end to end through the
 * simulation's public API: an honest net device and driver must finish
 * clean on every ring layout; a hostile device must never crash the
 * driver, never make it break its contract, and be caught lying. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "sim_internal.h"
#include "testing.h"

TestSuite(models, .init = vrs_test_setup, .fini = vrs_test_teardown);

#define ALL_SPLIT (VRS_DRIVER_FEATURES_ALL & ~VRS_BIT(VRS_F_RING_PACKED))

static struct vrs_sim_config config(enum vrs_device_kind dev,
				    enum vrs_platform_id plat,
				    uint64_t offered, unsigned qsize,
				    uint64_t seed)
{
	return (struct vrs_sim_config){
		.platform = plat,
		.policy = VRS_POLICY_TODAY,
		.device = dev,
		.offered = offered,
		.driver_features = VRS_DRIVER_FEATURES_ALL,
		.queue_size = qsize,
		.steps = 3000,
		.seed = seed,
	};
}

/* A clean honest run, or the reason and the trace's tail. */
static void expect_clean(struct vrs_sim *s, const struct vrs_sim_result *r,
			 const char *what, unsigned qsize, uint64_t seed)
{
	if (r->outcome != VRS_OUT_WORKS || r->findings)
		vrs_sim_print_trace(s, stderr, 30);
	cr_assert_eq(r->outcome, VRS_OUT_WORKS,
		     "%s q=%u seed=%llu: outcome %s (%s)", what, qsize,
		     (unsigned long long)seed, vrs_outcome_name(r->outcome),
		     r->detail);
	cr_assert_eq(r->findings, 0, "%s q=%u seed=%llu: %s", what, qsize,
		     (unsigned long long)seed, r->detail);
	cr_assert_gt(r->completed, 0, "%s q=%u seed=%llu: nothing completed",
		     what, qsize, (unsigned long long)seed);
	/* Everything posted came back, used or released. */
	cr_assert_eq(r->submitted, r->completed + r->released,
		     "%s q=%u seed=%llu: %u submitted, %u completed, %u "
		     "released", what, qsize, (unsigned long long)seed,
		     r->submitted, r->completed, r->released);
}

static void net_sweep(enum vrs_platform_id plat, uint64_t offered,
		      const unsigned *sizes, size_t nsizes, const char *what)
{
	struct vrs_sim *s;
	cr_assert_eq(vrs_sim_create(&s), 0);
	for (size_t i = 0; i < nsizes; i++) {
		for (uint64_t seed = 1; seed <= 6; seed++) {
			struct vrs_sim_config cfg =
				config(VRS_DEV_NET, plat, offered, sizes[i], seed);
			struct vrs_sim_result r;
			cr_assert_eq(vrs_sim_run(s, &cfg, NULL, 0, &r), 0);
			expect_clean(s, &r, what, sizes[i], seed);
		}
	}
	vrs_sim_destroy(s);
}

Test(models, net_split_all_features_kvm)
{
	static const unsigned sizes[] = {4, 16, 64, 256};
	net_sweep(VRS_PLAT_KVM, ALL_SPLIT, sizes, 4, "net split");
}

Test(models, net_packed_all_features_kvm)
{
	/* Packed rings need not be a power of two. */
	static const unsigned sizes[] = {3, 17, 64, 200};
	net_sweep(VRS_PLAT_KVM, VRS_DRIVER_FEATURES_ALL, sizes, 4, "net packed");
}

Test(models, net_minimal_features_kvm)
{
	/* No indirect, no event index, no in-order: the plainest rings. */
	static const unsigned sizes[] = {8, 128};
	uint64_t base = VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_ACCESS_PLATFORM);
	net_sweep(VRS_PLAT_KVM, base, sizes, 2, "net minimal split");
	net_sweep(VRS_PLAT_KVM, base | VRS_BIT(VRS_F_RING_PACKED), sizes, 2,
		  "net minimal packed");
}

Test(models, net_kvm_viommu)
{
	static const unsigned sizes[] = {16, 64};
	net_sweep(VRS_PLAT_KVM_VIOMMU, ALL_SPLIT, sizes, 2, "net viommu split");
	net_sweep(VRS_PLAT_KVM_VIOMMU, VRS_DRIVER_FEATURES_ALL, sizes, 2,
		  "net viommu packed");
}

Test(models, net_bounce_platforms)
{
	/* Bounce buffers: the prefill past each used length shows a bounce
	 * that copies stale pool bytes back on unmap. */
	static const unsigned sizes[] = {64};
	static const enum vrs_platform_id plats[] = {
		VRS_PLAT_SEV, VRS_PLAT_TDX, VRS_PLAT_RESTRICTED_POOL};
	for (size_t i = 0; i < sizeof(plats) / sizeof(plats[0]); i++) {
		net_sweep(plats[i], ALL_SPLIT, sizes, 1, "net bounce split");
		net_sweep(plats[i], VRS_DRIVER_FEATURES_ALL, sizes, 1,
			  "net bounce packed");
	}
}

/* Fixed-seed xorshift64 for the byte inputs. */
static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static size_t random_input(uint64_t *rng, uint8_t *buf, size_t cap)
{
	size_t len = 16 + xorshift(rng) % (cap - 16);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)xorshift(rng);
	return len;
}

Test(models, net_byte_inputs_stay_clean)
{
	/* Any byte stream is a valid honest run: resets and resizes, short
	 * inputs, long ones. */
	struct vrs_sim *s;
	cr_assert_eq(vrs_sim_create(&s), 0);
	static uint8_t in[8192];
	uint64_t rng = 0x6e65746e65746e65ull;
	for (unsigned i = 0; i < 200; i++) {
		size_t len = random_input(&rng, in, sizeof(in));
		bool packed = i & 1;
		struct vrs_sim_config cfg = config(
			VRS_DEV_NET, VRS_PLAT_KVM,
			packed ? VRS_DRIVER_FEATURES_ALL : ALL_SPLIT,
			packed ? 5 + i % 60 : 4u << (i % 5), 0);
		cfg.steps = 0;
		struct vrs_sim_result r;
		cr_assert_eq(vrs_sim_run(s, &cfg, in, len, &r), 0);
		if (r.outcome != VRS_OUT_WORKS)
			vrs_sim_print_trace(s, stderr, 30);
		cr_assert_eq(r.outcome, VRS_OUT_WORKS, "input %u: %s (%s)", i,
			     vrs_outcome_name(r.outcome), r.detail);
		cr_assert_eq(r.findings, 0, "input %u: %s", i, r.detail);
	}
	vrs_sim_destroy(s);
}

Test(models, net_detects_a_corrupted_device_write)
{
	/* A faulty DMA engine flips one bit in the Nth device write: when it
	 * lands in a packet or its header, the driver's checks must say so.
	 * No queue resets here: a reset hands buffers back unread. */
	struct vrs_sim *s;
	cr_assert_eq(vrs_sim_create(&s), 0);
	unsigned integrity = 0, clean = 0;
	for (uint32_t nth = 1; nth <= 120; nth++) {
		struct vrs_sim_config cfg =
			config(VRS_DEV_NET, VRS_PLAT_KVM,
			       ALL_SPLIT & ~VRS_BIT(VRS_F_RING_RESET), 64, 7);
		cfg.steps = 400;
		cfg.corrupt_nth = nth;
		struct vrs_sim_result r;
		cr_assert_eq(vrs_sim_run(s, &cfg, NULL, 0, &r), 0);
		if (r.findings && r.first_finding == VRS_FIND_DATA_INTEGRITY) {
			integrity++;
			cr_assert(strstr(r.detail, "net "), "%s", r.detail);
		}
		clean += r.findings == 0;
	}
	vrs_sim_destroy(s);
	cr_assert_gt(integrity, 20, "only %u of 120 corrupted runs caught",
		     integrity);
	/* A flipped bit that lands where nothing reads it again (the event
	 * area the device writes at every step, say) may pass. */
	cr_assert_lt(clean, 80, "%u of 120 corrupted runs looked clean", clean);
}

/* The oracle kinds that mean the honest driver (the ring core) broke its
 * contract with a hostile device. */
static const enum vrs_finding driver_bugs[] = {
	VRS_FIND_PROTOCOL,
	VRS_FIND_DEBUG_UNMAP_UNKNOWN,
	VRS_FIND_DEBUG_WRONG_SIZE,
	VRS_FIND_DEBUG_WRONG_DIR,
	VRS_FIND_DEBUG_WRONG_FUNCTION,
	VRS_FIND_DEBUG_SYNC_UNMAPPED,
	VRS_FIND_DEBUG_SYNC_RANGE,
	VRS_FIND_DEBUG_SYNC_WRONG_DIR,
	VRS_FIND_DEBUG_UNCHECKED_ERROR,
	VRS_FIND_DEBUG_BAD_DIR,
	VRS_FIND_DEBUG_LEAK,
	VRS_FIND_DMA_MISUSE,
	VRS_FIND_DATA_INTEGRITY,
	VRS_FIND_LIVENESS,
};

static void adversarial_sweep(enum vrs_platform_id plat, uint64_t offered,
			      uint64_t seed, unsigned *broken, unsigned *works)
{
	struct vrs_sim *s;
	cr_assert_eq(vrs_sim_create(&s), 0);
	static uint8_t in[4096];
	uint64_t rng = seed;
	bool packed = vrs_has_feature(offered, VRS_F_RING_PACKED);
	for (unsigned i = 0; i < 500; i++) {
		size_t len = random_input(&rng, in, sizeof(in));
		unsigned qsize = packed ? 2 + i % 40 : 2u << (i % 6);
		struct vrs_sim_config cfg =
			config(VRS_DEV_ADVERSARIAL, plat, offered, qsize, 0);
		cfg.steps = 0;
		struct vrs_sim_result r;
		cr_assert_eq(vrs_sim_run(s, &cfg, in, len, &r), 0);
		for (size_t k = 0; k < sizeof(driver_bugs) / sizeof(driver_bugs[0]); k++) {
			enum vrs_finding f = driver_bugs[k];
			if (vrs_report_count(f))
				vrs_sim_print_trace(s, stderr, 40);
			cr_assert_eq(vrs_report_count(f), 0,
				     "input %u (q=%u, %s): %s: %s", i, qsize,
				     packed ? "packed" : "split",
				     vrs_finding_name(f), vrs_report_last(f));
		}
		*broken += r.outcome == VRS_OUT_BROKEN;
		*works += r.outcome == VRS_OUT_WORKS;
	}
	vrs_sim_destroy(s);
}

Test(models, adversarial_split_never_breaks_the_driver)
{
	unsigned broken = 0, works = 0;
	adversarial_sweep(VRS_PLAT_KVM, ALL_SPLIT, 0x5eed0001ull, &broken, &works);
	adversarial_sweep(VRS_PLAT_KVM,
			  VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_ACCESS_PLATFORM),
			  0x5eed0002ull, &broken, &works);
	/* Behind an IOMMU, forged addresses fault instead of landing. */
	adversarial_sweep(VRS_PLAT_KVM_VIOMMU, ALL_SPLIT, 0x5eed0005ull, &broken,
			  &works);
	cr_assert_gt(broken, 100, "only %u of 1500 hostile runs ended broken",
		     broken);
	cr_assert_gt(works, 0, "no hostile run got through unnoticed: the "
		     "inputs never chose honesty?");
}

Test(models, adversarial_packed_never_breaks_the_driver)
{
	unsigned broken = 0, works = 0;
	adversarial_sweep(VRS_PLAT_KVM, VRS_DRIVER_FEATURES_ALL, 0x5eed0003ull,
			  &broken, &works);
	adversarial_sweep(VRS_PLAT_KVM,
			  VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_ACCESS_PLATFORM) |
				  VRS_BIT(VRS_F_RING_PACKED),
			  0x5eed0004ull, &broken, &works);
	adversarial_sweep(VRS_PLAT_KVM_VIOMMU, VRS_DRIVER_FEATURES_ALL,
			  0x5eed0006ull, &broken, &works);
	cr_assert_gt(broken, 100, "only %u of 1500 hostile runs ended broken",
		     broken);
	cr_assert_gt(works, 0, "no hostile run got through unnoticed");
}

Test(models, adversarial_seeded_runs)
{
	/* The generator picks the lies too. */
	struct vrs_sim *s;
	cr_assert_eq(vrs_sim_create(&s), 0);
	unsigned broken = 0;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		bool packed = seed & 1;
		struct vrs_sim_config cfg = config(
			VRS_DEV_ADVERSARIAL, VRS_PLAT_KVM,
			packed ? VRS_DRIVER_FEATURES_ALL : ALL_SPLIT, 32, seed);
		cfg.steps = 500;
		struct vrs_sim_result r;
		cr_assert_eq(vrs_sim_run(s, &cfg, NULL, 0, &r), 0);
		cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 0, "seed %llu: %s",
			     (unsigned long long)seed,
			     vrs_report_last(VRS_FIND_PROTOCOL));
		cr_assert_eq(vrs_report_count(VRS_FIND_DEBUG_LEAK), 0, "seed %llu: %s",
			     (unsigned long long)seed,
			     vrs_report_last(VRS_FIND_DEBUG_LEAK));
		broken += r.outcome == VRS_OUT_BROKEN;
		cr_assert_gt(r.submitted, 0);
	}
	vrs_sim_destroy(s);
	/* A queue reset later in the run revives a broken queue, so only some
	 * runs end broken. */
	cr_assert_gt(broken, 5, "only %u of 40 seeded hostile runs ended broken",
		     broken);
}

Test(models, adversarial_contract_checks_fire_on_a_bad_token)
{
	/* White box: after a run the adversarial model's pool is idle; a
	 * driver handing back an unknown token or an idle pool entry is a
	 * contract breach the model reports. The pool is the first thing in
	 * the model area, so model_state is the first entry's address. */
	struct vrs_sim *s;
	cr_assert_eq(vrs_sim_create(&s), 0);
	struct vrs_sim_config cfg =
		config(VRS_DEV_ADVERSARIAL, VRS_PLAT_KVM, ALL_SPLIT, 16, 3);
	cfg.steps = 100;
	struct vrs_sim_result r;
	cr_assert_eq(vrs_sim_run(s, &cfg, NULL, 0, &r), 0);
	cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 0);

	int stranger;
	vrs_model_adversarial.complete(s, 0, &stranger, 0, true);
	cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 1);
	cr_assert(strstr(vrs_report_last(VRS_FIND_PROTOCOL), "never posted"),
		  "%s", vrs_report_last(VRS_FIND_PROTOCOL));

	vrs_model_adversarial.complete(s, 0, (void *)s->model_state, 0, true);
	cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 2);
	cr_assert(strstr(vrs_report_last(VRS_FIND_PROTOCOL), "already returned"),
		  "%s", vrs_report_last(VRS_FIND_PROTOCOL));

	/* Misaligned inside the pool is not an entry either. */
	vrs_model_adversarial.complete(s, 0, (uint8_t *)s->model_state + 1, 0,
				       false);
	cr_assert_eq(vrs_report_count(VRS_FIND_PROTOCOL), 3);
	vrs_sim_destroy(s);
}
