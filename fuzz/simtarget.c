/* Shared body of the simulation fuzz targets. */
#include "fuzz/simtarget.h"

#include <errno.h>

#include "vrsim/report.h"
#include "vrsim/virtio.h"

static struct vrs_sim *sim;
static enum vrs_fuzz_role role;
static struct vrs_sim_config current;

/* What is a bug for each role. A hostile party makes DMA faults, refused
 * rings and garbage data normal; what the code under test must still never
 * do stays armed. */
static uint64_t armed_kinds(enum vrs_fuzz_role r)
{
	uint64_t debug = 0;
	for (unsigned k = VRS_FIND_DEBUG_UNMAP_UNKNOWN; k <= VRS_FIND_DEBUG_LEAK; k++)
		debug |= VRS_FIND_BIT(k);
	switch (r) {
	case VRS_ROLE_HONEST:
		return VRS_FIND_ALL;
	case VRS_ROLE_HOSTILE_DEV:
		/* the driver under test: its DMA API use and its contract */
		return debug | VRS_FIND_BIT(VRS_FIND_DMA_MISUSE) |
		       VRS_FIND_BIT(VRS_FIND_PROTOCOL);
	case VRS_ROLE_HOSTILE_DRV:
		/* the device under test: crashes and sanitizers only, and
		 * misuse of the DMA layer by vrsim itself */
		return VRS_FIND_BIT(VRS_FIND_DMA_MISUSE);
	}
	return VRS_FIND_ALL;
}

static void print_context(void *ctx)
{
	fprintf(stderr, "---- vrsim: the input, decoded ----\n");
	vrs_input_print_config(&current, stderr);
	fprintf(stderr, "---- vrsim: trace tail ----\n");
	vrs_sim_print_trace(sim, stderr, 60);
	fprintf(stderr, "---- reproduce: build/default/fuzz/replay_%s FILE ----\n",
		vrs_fuzz_target.name);
}

int vrs_fuzz_sim_init(enum vrs_fuzz_role r)
{
	role = r;
	int rc = vrs_sim_create(&sim);
	if (rc < 0)
		return rc;
	vrs_report_set_mode(VRS_REPORT_ABORT);
	vrs_report_set_armed(armed_kinds(r));
	vrs_report_set_abort_hook(print_context, NULL);
	return 0;
}

void vrs_fuzz_sim_cleanup(void)
{
	vrs_sim_destroy(sim);
	sim = NULL;
}

bool vrs_fuzz_sim_config(enum vrs_fuzz_role r, struct vrs_sim_config *cfg)
{
	switch (r) {
	case VRS_ROLE_HONEST:
		cfg->device = cfg->device == VRS_DEV_NET ? VRS_DEV_NET : VRS_DEV_BLK;
		break;
	case VRS_ROLE_HOSTILE_DEV:
		cfg->device = VRS_DEV_ADVERSARIAL;
		break;
	case VRS_ROLE_HOSTILE_DRV:
		cfg->device = cfg->device == VRS_DEV_NET ? VRS_DEV_NET : VRS_DEV_BLK;
		cfg->raw_driver = true;
		break;
	}
	/* Honest parties only meet on a path that works: a policy that
	 * hands IOVAs to a device reading GPAs is a finding of the seeds,
	 * not of the code. Keep the platform, take the first policy that
	 * works when the chosen one does not. */
	const struct vrs_platform *plat = vrs_platform_get(cfg->platform);
	bool ap = vrs_has_feature(cfg->offered & cfg->driver_features,
				  VRS_F_ACCESS_PLATFORM);
	for (unsigned i = 0; i < VRS_POLICY_COUNT; i++) {
		enum vrs_policy p = (enum vrs_policy)((cfg->policy + i) % VRS_POLICY_COUNT);
		if (vrs_platform_path_works(plat, ap, vrs_policy_decide(p, plat, ap))) {
			cfg->policy = p;
			return true;
		}
	}
	return false;
}

int vrs_fuzz_sim_run(const uint8_t *data, size_t len)
{
	const uint8_t *ops;
	size_t ops_len;
	if (vrs_input_parse(data, len, &current, &ops, &ops_len) < 0)
		return 0; /* a newer format: not ours to read */
	if (!vrs_fuzz_sim_config(role, &current))
		return 0;
	struct vrs_sim_result res;
	/* An empty stream is still an input: the run just drains. */
	vrs_sim_run(sim, &current, ops ? ops : data, ops_len, &res);
	return 0;
}

void vrs_fuzz_sim_decode(const uint8_t *data, size_t len, FILE *f)
{
	const uint8_t *ops;
	size_t ops_len;
	if (vrs_input_parse(data, len, &current, &ops, &ops_len) < 0) {
		fprintf(f, "input version %u is newer than this vrsim (%u)\n",
			data[0], VRS_INPUT_VERSION);
		return;
	}
	if (!vrs_fuzz_sim_config(role, &current)) {
		vrs_input_print_config(&current, f);
		fprintf(f, "no policy works on this platform: nothing runs\n");
		return;
	}
	vrs_input_print_config(&current, f);
	fprintf(f, "program:\n");
	vrs_report_set_mode(VRS_REPORT_RECORD);
	vrs_sim_set_live_trace(sim, f);
	struct vrs_sim_result res;
	vrs_sim_run(sim, &current, ops ? ops : data, ops_len, &res);
	vrs_sim_set_live_trace(sim, NULL);
	vrs_report_set_mode(VRS_REPORT_ABORT);
	fprintf(f, "outcome: %s, %u steps, %u submitted, %u completed%s%s\n",
		vrs_outcome_name(res.outcome), res.steps, res.submitted,
		res.completed, res.findings ? "; " : "", res.findings ? res.detail : "");
}
