/* The device side under test as an ops table (vrsim/device.h): the
 * registry resolves every name and refuses what does not match, a run or
 * an input of a device side this build lacks is refused cleanly, a run
 * through vrsim's ops is the run the simulation made when it called
 * ring/vqdev.c directly (its numbers from before), negotiation offers
 * only what the device side serves, and the queue pair hands a device
 * side the machine's view
 * (mappings, physical bus, guest memory, whether bus addresses are GPAs)
 * and swaps its queues when the ops change. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/device_registry.h"
#include "sim/input.h"
#include "sim/kmem.h"
#include "sim/machine.h"
#include "sim/qpair.h"
#include "sim/sim.h"
#include "testing.h"
#include "vrsim/guard.h"
#include "vrsim/virtio.h"
#include "vrsim/vq.h"

#define ALL VRS_DRIVER_FEATURES_ALL
#define AP VRS_BIT(VRS_F_ACCESS_PLATFORM)
#define PACKED VRS_BIT(VRS_F_RING_PACKED)

/* ---- a device side that records what it is told, vrsim's underneath,
 * registered under "linux" without the packed layout (as vringh) ---- */

static struct vrs_vqdev_config seen;
static unsigned creates, destroys, resets;

static int spy_create(const struct vrs_vqdev_config *cfg,
		      struct vrs_device_queue **out)
{
	seen = *cfg;
	creates++;
	return vrs_ring_device.create(cfg, out);
}

static void spy_destroy(struct vrs_device_queue *d)
{
	destroys++;
	vrs_ring_device.destroy(d);
}

static int spy_reset(struct vrs_device_queue *d,
		     const struct vrs_vqdev_config *cfg)
{
	seen = *cfg;
	resets++;
	return vrs_ring_device.reset(d, cfg);
}

static struct vrs_device_ops spy_side;

static void spy_init(void)
{
	spy_side = vrs_ring_device;
	spy_side.name = "linux";
	spy_side.summary = "test: vrsim's, recording its configuration";
	spy_side.features = ALL & ~PACKED;
	spy_side.create = spy_create;
	spy_side.destroy = spy_destroy;
	spy_side.reset = spy_reset;
	memset(&seen, 0, sizeof(seen));
	creates = destroys = resets = 0;
}

/* ---- the registry ---- */

Test(devsides, the_registry_resolves_every_name)
{
	static const char *const names[VRS_DEVSIDE_COUNT] = {
		"vrsim", "linux", "linux-kern",
	};
	for (unsigned i = 0; i < VRS_DEVSIDE_COUNT; i++) {
		enum vrs_device_side_id id;
		cr_assert_eq(vrs_device_side_by_name(names[i], &id), 0);
		cr_assert_eq(id, (enum vrs_device_side_id)i);
		cr_assert_str_eq(vrs_device_side_name(id), names[i]);
	}
	enum vrs_device_side_id id = VRS_DEVSIDE_VRSIM;
	cr_assert_eq(vrs_device_side_by_name("vringh", &id), -ENOENT);
	cr_assert_eq(vrs_device_side_by_name(NULL, &id), -ENOENT);
	cr_assert_str_eq(vrs_device_side_name(VRS_DEVSIDE_COUNT), "?");
	cr_assert_eq(vrs_device_side_get(VRS_DEVSIDE_VRSIM), &vrs_ring_device);
	cr_assert_str_eq(vrs_ring_device.name, "vrsim");
	cr_assert_null(vrs_device_side_get(VRS_DEVSIDE_COUNT));
	/* This suite links no Linux: neither of its sides is here. */
	cr_assert_null(vrs_device_side_get(VRS_DEVSIDE_LINUX));
	cr_assert_null(vrs_device_side_get(VRS_DEVSIDE_LINUX_KERN));
}

Test(devsides, registration_takes_only_the_ids_own_name)
{
	spy_init();
	cr_assert_eq(vrs_device_side_register(VRS_DEVSIDE_VRSIM, &spy_side),
		     -EINVAL, "vrsim's own is fixed");
	cr_assert_eq(vrs_device_side_register(VRS_DEVSIDE_LINUX_KERN, &spy_side),
		     -EINVAL, "\"linux\" is not linux-kern");
	cr_assert_eq(vrs_device_side_register(VRS_DEVSIDE_COUNT, &spy_side),
		     -EINVAL);
	cr_assert_eq(vrs_device_side_register(VRS_DEVSIDE_LINUX, NULL), -EINVAL);
	cr_assert_null(vrs_device_side_get(VRS_DEVSIDE_LINUX_KERN));
	cr_assert_eq(vrs_device_side_register(VRS_DEVSIDE_LINUX, &spy_side), 0);
	cr_assert_eq(vrs_device_side_get(VRS_DEVSIDE_LINUX), &spy_side);
	cr_assert_eq(vrs_device_side_get(VRS_DEVSIDE_VRSIM), &vrs_ring_device);
}

Test(devsides, the_ring_device_reaches_its_own_queue_only)
{
	cr_assert_null(vrs_ring_device_vqdev(NULL));
	spy_init();
	struct vrs_device_queue other = {.ops = &spy_side};
	cr_assert_null(vrs_ring_device_vqdev(&other), "another side's queue");
}

/* ---- runs ---- */

static struct vrs_sim *sim;

static void setup(void)
{
	vrs_report_set_mode(VRS_REPORT_RECORD);
	cr_assert_eq(vrs_sim_create(&sim), 0);
}

static void teardown(void)
{
	vrs_sim_destroy(sim);
	vrs_input_set_device_side(-1);
}

TestSuite(devside_runs, .init = setup, .fini = teardown, .timeout = 300);

static struct vrs_sim_config config(enum vrs_platform_id plat, bool ap)
{
	return (struct vrs_sim_config){
		.platform = plat, .policy = VRS_POLICY_TODAY,
		.device = VRS_DEV_BLK, .offered = ap ? ALL : ALL & ~AP,
		.driver_features = ALL, .queue_size = 16, .steps = 150,
		.seed = 42,
	};
}

static char *trace_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	vrs_sim_print_trace(sim, f, 0);
	fclose(f);
	return buf;
}

Test(devside_runs, a_device_side_this_build_lacks_is_refused_cleanly)
{
	struct vrs_sim_config c = config(VRS_PLAT_KVM, true);
	struct vrs_sim_result r;
	c.device_side = VRS_DEVSIDE_LINUX;
	cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), -EINVAL);
	c.device_side = VRS_DEVSIDE_COUNT;
	cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), -EINVAL);
	/* The simulation is still whole: the next run works. */
	c.device_side = VRS_DEVSIDE_VRSIM;
	cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), 0);
	cr_assert_eq(r.outcome, VRS_OUT_WORKS, "%s", r.detail);
	/* A fuzz target of an absent device side runs none of its inputs. */
	uint8_t in[VRS_INPUT_HEADER_LEN + 8] = {VRS_INPUT_VERSION};
	struct vrs_sim_config ic;
	const uint8_t *ops;
	size_t n;
	cr_assert_eq(vrs_input_parse(in, sizeof(in), &ic, &ops, &n), 0);
	cr_assert_eq(ic.device_side, VRS_DEVSIDE_VRSIM, "no byte names one");
	struct vrs_sim_config prepared = ic;
	cr_assert(vrs_input_prepare(VRS_ROLE_HONEST, &prepared));
	vrs_input_set_device_side(VRS_DEVSIDE_LINUX);
	prepared = ic;
	cr_assert_not(vrs_input_prepare(VRS_ROLE_HONEST, &prepared));
	cr_assert_eq(prepared.device_side, VRS_DEVSIDE_LINUX);
}

/* What the simulation did before its device side was an ops table,
 * when it called ring/vqdev.c itself: vrsim run's numbers for these
 * configurations (steps 300, seed 3) from the commit before. The ops do
 * not change a run. */
struct before {
	enum vrs_platform_id platform;
	enum vrs_device_kind device;
	enum vrs_policy policy;
	uint64_t offered;
	enum vrs_outcome outcome;
	unsigned submitted, completed, released, findings;
};

Test(devside_runs, vrsims_side_through_the_ops_runs_as_before)
{
	const uint64_t split = VRS_BIT(VRS_F_INDIRECT_DESC) |
			       VRS_BIT(VRS_F_EVENT_IDX) |
			       VRS_BIT(VRS_F_VERSION_1) | AP;
	const struct before runs[] = {
		{VRS_PLAT_KVM, VRS_DEV_BLK, VRS_POLICY_TODAY, ALL,
		 VRS_OUT_WORKS, 104, 89, 15, 0},
		{VRS_PLAT_KVM_VIOMMU, VRS_DEV_NET, VRS_POLICY_TODAY, split,
		 VRS_OUT_WORKS, 101, 101, 0, 0},
		{VRS_PLAT_XEN, VRS_DEV_ADVERSARIAL, VRS_POLICY_TODAY, ALL,
		 VRS_OUT_BROKEN, 89, 8, 81, 0},
		{VRS_PLAT_SEV, VRS_DEV_BLK, VRS_POLICY_NEVER, ALL & ~AP,
		 VRS_OUT_PRIVATE, 91, 0, 91, 468},
	};
	for (unsigned i = 0; i < VRS_ARRAY_SIZE(runs); i++) {
		const struct before *w = &runs[i];
		struct vrs_sim_config c = {
			.platform = w->platform, .policy = w->policy,
			.device = w->device, .offered = w->offered,
			.driver_features = ALL, .queue_size = 64,
			.steps = 300, .seed = 3,
		};
		struct vrs_sim_result r, again;
		cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), 0);
		cr_assert_eq(r.outcome, w->outcome, "run %u: %s", i, r.detail);
		cr_assert_eq(r.steps, 300);
		cr_assert_eq(r.submitted, w->submitted, "run %u", i);
		cr_assert_eq(r.completed, w->completed, "run %u", i);
		cr_assert_eq(r.released, w->released, "run %u", i);
		cr_assert_eq(r.findings, w->findings, "run %u", i);
		char *ta = trace_text();
		/* Named or zero-initialised: the same device side. */
		c.device_side = VRS_DEVSIDE_VRSIM;
		cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &again), 0);
		char *tb = trace_text();
		cr_assert_eq(memcmp(&r, &again, sizeof(r)), 0, "run %u", i);
		cr_assert_str_eq(ta, tb);
		free(ta);
		free(tb);
	}
}

Test(devside_runs, the_device_offers_only_what_its_side_serves)
{
	spy_init();
	cr_assert_eq(vrs_device_side_register(VRS_DEVSIDE_LINUX, &spy_side), 0);
	struct vrs_sim_config c = config(VRS_PLAT_KVM, true);
	struct vrs_sim_result r;
	cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), 0);
	cr_assert(r.accepted & PACKED, "vrsim's serves the packed layout");
	c.device_side = VRS_DEVSIDE_LINUX;
	cr_assert_eq(vrs_sim_negotiate(&c, &vrs_ring_driver) & PACKED, 0);
	cr_assert_eq(vrs_sim_run(sim, &c, NULL, 0, &r), 0);
	cr_assert_eq(r.accepted & PACKED, 0);
	cr_assert_eq(seen.features & PACKED, 0, "the device side was told");
	cr_assert_eq(r.outcome, VRS_OUT_WORKS, "%s", r.detail);
	cr_assert_gt(creates, 0, "the run went through the registered ops");
}

/* ---- the queue pair ---- */

static void notify(void *ctx, uint32_t data)
{
}

Test(devside_qpair, hands_the_device_side_the_machines_view)
{
	spy_init();
	vrs_test_setup();
	struct vrs_machine *m;
	cr_assert_eq(vrs_machine_create(NULL, &m), 0);
	struct vrs_kmem kmem;
	vrs_sim_kmem(vrs_machine_gmem(m), &kmem);
	struct vrs_qpair qp = {0};
	struct vrs_qpair_config pc = {
		.device = &spy_side, .num = 8,
		.features = VRS_BIT(VRS_F_VERSION_1) | AP, .kmem = &kmem,
		.notify = notify,
	};

	/* KVM: bus address = GPA, no IOMMU. */
	struct vrs_run_config rc = {.platform = VRS_PLAT_KVM,
				    .access_platform = true};
	cr_assert_eq(vrs_machine_setup(m, &rc), 0);
	cr_assert_eq(vrs_qpair_open(&qp, m, &pc), 0);
	cr_assert_eq(qp.dev->ops, &vrs_ring_device, "the spy's queues are vrsim's");
	cr_assert_eq(creates, 1);
	cr_assert_eq(seen.bus, vrs_machine_bus(m));
	cr_assert_eq(seen.phys, vrs_machine_phys_bus(m));
	cr_assert_neq(seen.phys, seen.bus);
	cr_assert_eq(seen.gm, vrs_machine_gmem(m));
	cr_assert(seen.bus_is_gpa);
	cr_assert_null(seen.mappings);
	vrs_qpair_shutdown(&qp);
	vrs_machine_clean(m);

	/* A vIOMMU with ACCESS_PLATFORM: IOVAs, and the IOMMU's mappings. */
	rc.platform = VRS_PLAT_KVM_VIOMMU;
	cr_assert_eq(vrs_machine_setup(m, &rc), 0);
	cr_assert_eq(vrs_qpair_open(&qp, m, &pc), 0);
	cr_assert_eq(creates, 1, "the queue is kept from open to open");
	cr_assert_eq(resets, 1);
	cr_assert_not(seen.bus_is_gpa);
	cr_assert_not_null(seen.mappings);
	cr_assert_eq(seen.mappings, vrs_machine_mappings(m));
	cr_assert_eq(seen.phys, vrs_machine_phys_bus(m));
	vrs_qpair_shutdown(&qp);
	vrs_machine_clean(m);

	/* The same platform without ACCESS_PLATFORM: GPAs again. */
	rc.access_platform = false;
	cr_assert_eq(vrs_machine_setup(m, &rc), 0);
	cr_assert_eq(vrs_qpair_open(&qp, m, &pc), 0);
	cr_assert(seen.bus_is_gpa);
	cr_assert_null(seen.mappings);
	vrs_qpair_shutdown(&qp);

	/* Other ops: the spy's queue is freed, vrsim's made. */
	pc.device = NULL;
	cr_assert_eq(vrs_qpair_open(&qp, m, &pc), 0);
	cr_assert_eq(destroys, 1);
	cr_assert_eq(qp.device, &vrs_ring_device);
	cr_assert_not_null(vrs_ring_device_vqdev(qp.dev));
	cr_assert_eq(vrs_qpair_reset_device(&qp), 0);
	vrs_qpair_destroy(&qp);
	cr_assert_eq(destroys, 1, "vrsim's own queue is not the spy's");
	vrs_machine_clean(m);
	vrs_machine_destroy(m);
}

/* The other views a bus address has: none is a GPA to a host pointer. */
Test(devside_qpair, bus_addresses_are_gpas_only_where_nothing_translates)
{
	vrs_test_setup();
	struct vrs_machine *m;
	cr_assert_eq(vrs_machine_create(NULL, &m), 0);
	for (unsigned p = 0; p < VRS_PLAT_COUNT; p++) {
		const struct vrs_platform *plat =
			vrs_platform_get((enum vrs_platform_id)p);
		for (int ap = 0; ap < 2; ap++) {
			struct vrs_run_config rc = {.platform = plat->id,
						    .access_platform = ap};
			cr_assert_eq(vrs_machine_setup(m, &rc), 0);
			bool iommu = vrs_platform_device_uses_iommu(plat, ap);
			bool gpa = plat->view == VRS_VIEW_GPA ||
				   (plat->view == VRS_VIEW_IOMMU_IF_AP && !ap);
			cr_assert_eq(vrs_machine_bus_is_gpa(m), gpa, "%s ap %d",
				     plat->name, ap);
			cr_assert_eq(vrs_machine_mappings(m) != NULL, iommu,
				     "%s ap %d", plat->name, ap);
			vrs_machine_clean(m);
		}
	}
	vrs_machine_destroy(m);
}

/* The device sides' differential mode (sim/devdiff.c) against a device
 * side of the test's, registered as "linux": vrsim's own device under
 * another name agrees with vrsim's; one that writes a used length other
 * than the model device pushed is named. */
static int (*real_push)(struct vrs_device_queue *d,
			const struct vrs_vqdev_req *req, uint32_t len);

static int off_by_one_push(struct vrs_device_queue *d,
			   const struct vrs_vqdev_req *req, uint32_t len)
{
	return real_push(d, req, len + 1);
}

static struct vrs_device_ops twin;

/* vrsim's device, its queue answering to the twin's table. */
static int twin_create(const struct vrs_vqdev_config *cfg,
		       struct vrs_device_queue **out)
{
	int rc = vrs_ring_device.create(cfg, out);
	if (rc == 0)
		(*out)->ops = &twin;
	return rc;
}

static char divergence[240];

static unsigned device_differential(bool broken)
{
	twin = vrs_ring_device;
	twin.name = "linux";
	twin.create = twin_create;
	real_push = vrs_ring_device.push;
	if (broken)
		twin.push = off_by_one_push;
	cr_assert_eq(vrs_device_side_register(VRS_DEVSIDE_LINUX, &twin), 0);
	unsigned divergences = 0;
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct vrs_sim_config c = config(VRS_PLAT_KVM, true);
		c.device_side = VRS_DEVSIDE_LINUX;
		c.offered &= ~VRS_BIT(VRS_F_RING_PACKED); /* as vringh */
		c.raw_driver = true;
		c.differential = true;
		c.steps = 300;
		c.seed = seed;
		struct vrs_sim_result r;
		cr_assert_eq(vrs_sim_device_differential(sim, &c, NULL, 0, &r), 0);
		/* a run starts its own count */
		if (vrs_report_count(VRS_FIND_DIVERGENCE))
			snprintf(divergence, sizeof(divergence), "%s",
				 vrs_report_last(VRS_FIND_DIVERGENCE));
		divergences += vrs_report_count(VRS_FIND_DIVERGENCE);
	}
	return divergences;
}

Test(devside_runs, the_device_differential_is_quiet_on_twins)
{
	cr_expect_eq(device_differential(false), 0, "%s", divergence);
}

Test(devside_runs, the_device_differential_names_a_wrong_used_length)
{
	cr_assert_gt(device_differential(true), 0);
	const char *why = divergence;
	cr_expect(strstr(why, "device sides: q0: used entry"), "%s", why);
	cr_expect(strstr(why, "linux is wrong"), "%s", why);
}
