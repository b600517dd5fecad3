/* The simulation fuzz targets (fuzz_sim, fuzz_driver, fuzz_device): one
 * simulation per process, the input format of sim/input.h, the oracles
 * each role arms, and the context printed when one fires. */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/simtarget.h"
#include "sim/input.h"
#include "vrsim/report.h"

static struct vrs_sim *sim;
static enum vrs_input_role role;
static const char *target_name; /* for the reproduce line */
static struct vrs_sim_config current;

/* What is a bug for each role. A hostile party makes DMA faults, refused
 * rings and garbage data normal; what the code under test must still never
 * do stays armed, and so does a broken invariant of vrsim itself. */
static uint64_t armed_kinds(enum vrs_input_role r)
{
	uint64_t debug = 0;
	for (unsigned k = VRS_FIND_DEBUG_UNMAP_UNKNOWN; k <= VRS_FIND_DEBUG_LEAK; k++)
		debug |= VRS_FIND_BIT(k);
	switch (r) {
	case VRS_ROLE_HONEST:
		return VRS_FIND_ALL;
	case VRS_ROLE_HOSTILE_DEV:
		/* the driver under test: its DMA API use and its contract,
		 * and a kernel's own state corrupted by what it trusted */
		return debug | VRS_FIND_BIT(VRS_FIND_DMA_MISUSE) |
		       VRS_FIND_BIT(VRS_FIND_PROTOCOL) |
		       VRS_FIND_BIT(VRS_FIND_INTERNAL) |
		       VRS_FIND_BIT(VRS_FIND_KERNEL_BUG) |
		       VRS_FIND_BIT(VRS_FIND_KERNEL_WARN) |
		       VRS_FIND_BIT(VRS_FIND_KERNEL_LEAK) |
		       VRS_FIND_BIT(VRS_FIND_API_CONTRACT) |
		       VRS_FIND_BIT(VRS_FIND_KERNEL_STATE);
	case VRS_ROLE_HOSTILE_DRV:
		/* the device under test: crashes, sanitizers, its own
		 * conformance (used lengths), what it accepts against the
		 * spec's referee, and misuse of the DMA layer by vrsim's own
		 * hostile driver */
		return VRS_FIND_BIT(VRS_FIND_DMA_MISUSE) |
		       VRS_FIND_BIT(VRS_FIND_PROTOCOL) |
		       VRS_FIND_BIT(VRS_FIND_DEVICE_ACCEPTANCE) |
		       VRS_FIND_BIT(VRS_FIND_INTERNAL) |
		       /* a kernel device side's own alarms, and a chain
		        * it never finishes walking (kernel/linux_device.c) */
		       VRS_FIND_BIT(VRS_FIND_LIVENESS) |
		       VRS_FIND_BIT(VRS_FIND_KERNEL_BUG) |
		       VRS_FIND_BIT(VRS_FIND_KERNEL_WARN) |
		       VRS_FIND_BIT(VRS_FIND_KERNEL_LEAK) |
		       VRS_FIND_BIT(VRS_FIND_DIVERGENCE);
	}
	return VRS_FIND_ALL;
}

static void print_context(void *ctx)
{
	fprintf(stderr, "---- vrsim: the input, decoded ----\n");
	vrs_input_print_config(&current, stderr);
	fprintf(stderr, "---- vrsim: trace tail ----\n");
	vrs_sim_print_trace(sim, stderr, 60);
	fprintf(stderr, "---- reproduce: scripts/reproduce %s FILE ----\n",
		target_name);
}

/* One line of VRSIM_ACKNOWLEDGE for this target: "@GLOB KIND:PREFIX"
 * holds only for the targets GLOB matches (a known kernel finding is
 * stepped over where that kernel code runs, never in vrsim's own device
 * or driver, whose same finding would be a bug); "KIND:PREFIX" for all.
 * NULL when the line is not this target's; *bad when it is malformed. */
static const char *for_target(char *spec, const char *name, bool *bad)
{
	*bad = false;
	if (spec[0] != '@')
		return spec;
	char *space = strchr(spec, ' ');
	if (!space) {
		*bad = true;
		return NULL;
	}
	*space = '\0';
	return fnmatch(spec + 1, name, 0) == 0 ? space + 1 : NULL;
}

/* VRSIM_ACKNOWLEDGE: [@GLOB ]KIND:PREFIX lines, the known findings a
 * campaign steps over (catalogue Step-over: lines) so the fuzzer reaches
 * past them; quiet, as a fuzzer meets them often. */
static int acknowledge_from_env(const char *name)
{
	const char *env = getenv("VRSIM_ACKNOWLEDGE");
	char spec[200], why[160];
	while (env && *env) {
		size_t n = strcspn(env, "\n");
		if (n && n < sizeof(spec)) {
			memcpy(spec, env, n);
			spec[n] = '\0';
			bool bad;
			const char *line = for_target(spec, name, &bad);
			if (bad) {
				fprintf(stderr, "%s: VRSIM_ACKNOWLEDGE: '%s' "
					"names targets but no finding\n",
					name, spec);
				return -EINVAL;
			}
			if (line && vrs_report_acknowledge_spec(line, true, why,
								sizeof(why)) < 0) {
				fprintf(stderr, "%s: VRSIM_ACKNOWLEDGE: %s\n",
					name, why);
				return -EINVAL;
			}
		}
		env += n + (env[n] != '\0');
	}
	return 0;
}

int vrs_fuzz_sim_init(const char *name, enum vrs_input_role r,
		      enum vrs_driver_id driver)
{
	if (acknowledge_from_env(name) < 0)
		return -EINVAL;
	role = r;
	target_name = name;
	vrs_input_set_driver((int)driver);
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

int vrs_fuzz_sim_run(const uint8_t *data, size_t len)
{
	const uint8_t *ops;
	size_t ops_len;
	if (vrs_input_parse(data, len, &current, &ops, &ops_len) < 0)
		return 0; /* a newer format: not ours to read */
	if (!vrs_input_prepare(role, &current))
		return 0;
	struct vrs_sim_result res;
	/* An empty stream is still an input: the run just drains. */
	if (current.differential && current.raw_driver)
		vrs_sim_device_differential(sim, &current, ops ? ops : data,
					    ops_len, &res);
	else if (current.differential)
		vrs_sim_differential(sim, &current, ops ? ops : data, ops_len,
				     &res);
	else
		vrs_sim_run(sim, &current, ops ? ops : data, ops_len, &res);
	return 0;
}

void vrs_fuzz_sim_decode(const uint8_t *data, size_t len, FILE *f)
{
	vrs_input_decode(sim, role, data, len, f);
}

void vrs_fuzz_sim_summarize(const uint8_t *data, size_t len, FILE *f)
{
	vrs_input_summarize(sim, role, data, len, f);
}

long vrs_fuzz_sim_encode(const char *description, uint8_t *out, size_t cap)
{
	return vrs_input_encode_text(description, out, cap);
}

/* A target of a role: what differs between the three. */
#define SIM_TARGET(sym, target, r)                                             \
	static int init_##sym(void)                                            \
	{                                                                      \
		return vrs_fuzz_sim_init(target, r, VRS_DRIVER_VRSIM);         \
	}                                                                      \
	const struct vrs_fuzz_target sym = VRS_FUZZ_SIM_TARGET(target, init_##sym)

SIM_TARGET(vrs_fuzz_sim_target, "fuzz_sim", VRS_ROLE_HONEST);
SIM_TARGET(vrs_fuzz_driver_target, "fuzz_driver", VRS_ROLE_HOSTILE_DEV);
SIM_TARGET(vrs_fuzz_device_target, "fuzz_device", VRS_ROLE_HOSTILE_DRV);
