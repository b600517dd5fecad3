/* vrsim run: one configuration, a readable summary, the trace on request.
 * Exit 0 when no oracle fired, 1 when one did, 2 for usage errors. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz/target.h"
#include "sim/input.h"
#include "vrsim/virtio.h"

struct run_opts {
	struct vrs_sim_config cfg;
	bool no_ap, trace, steps_given;
	unsigned trace_lines; /* 0: every kept event */
	const char *input;    /* file of scheduler bytes, or NULL */
	int kernel;	      /* --kernel's index, or -1 */
};

void vrs_cmd_run_usage(FILE *f)
{
	fprintf(f,
		"usage: vrsim run [options]\n\n"
		"Run one simulated driver and device and report what the oracles saw.\n\n"
		"  --driver NAME         the driver under test (default vrsim)\n"
		"  --device-side NAME    the device side under test: the code that\n"
		"                        parses the ring (default vrsim); the device\n"
		"                        offers only the ring features it serves\n"
		"  --kernel VERSION      the Linux kernel built in that --driver linux\n"
		"                        and --device-side linux|linux-kern run\n"
		"                        (6.1, or a release such as 6.1.192; default\n"
		"                        the first one built)\n"
		"  --platform P          platform profile (default kvm)\n"
		"  --policy POL          DMA-use policy of the driver (default today)\n"
		"  --device D            device model (default blk)\n"
		"  --offer LIST          features the device offers, comma-separated\n"
		"                        (default all)\n"
		"  --no-access-platform  the device does not offer ACCESS_PLATFORM\n"
		"  --queue-size N        ring size, 2..32768 (default 64; a power of two\n"
		"                        unless the packed ring is negotiated)\n"
		"  --start IDX           the rings' free-running indices start at IDX,\n"
		"                        0..65535 (packed: slot and wrap counter from\n"
		"                        IDX slots since a reset; default 0)\n"
		"  --steady N            after the workload, N small complete cycles\n"
		"                        with every oracle armed (default 0)\n"
		"  --steps N             workload steps (default 200; with --input, until\n"
		"                        the input ends)\n"
		"  --seed S              seed of the generated workload (default 1)\n"
		"  --input FILE          bytes that drive the scheduler instead of the seed\n"
		"                        (a fuzz target's input has a header and its own\n"
		"                        oracles: scripts/reproduce TARGET FILE replays it)\n"
		"  --big-endian          big-endian guest (matters for legacy rings)\n"
		"  --lazy-iotlb          the IOMMU flushes its IOTLB lazily\n"
		"  --fail-nth N          the Nth DMA mapping fails (fault injection)\n"
		"  --trace               print the event trace of the run\n"
		"  --trace-lines N       only its last N events (implies --trace)\n"
		"  -h, --help            this text\n\n"
		"Exit status: 0 no finding, 1 a finding, 2 usage error.\n\n");
	vrs_cli_print_names(f);
}

enum {
	OPT_DRIVER = 256, OPT_PLATFORM, OPT_POLICY, OPT_DEVICE, OPT_OFFER, OPT_NO_AP,
	OPT_QUEUE, OPT_STEPS, OPT_SEED, OPT_BIG_ENDIAN, OPT_LAZY, OPT_FAIL,
	OPT_TRACE, OPT_TRACE_LINES, OPT_INPUT, OPT_START, OPT_STEADY,
	OPT_DEVICE_SIDE, OPT_KERNEL,
};

static const struct option long_opts[] = {
	{"driver", required_argument, NULL, OPT_DRIVER},
	{"device-side", required_argument, NULL, OPT_DEVICE_SIDE},
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"platform", required_argument, NULL, OPT_PLATFORM},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"device", required_argument, NULL, OPT_DEVICE},
	{"offer", required_argument, NULL, OPT_OFFER},
	{"no-access-platform", no_argument, NULL, OPT_NO_AP},
	{"queue-size", required_argument, NULL, OPT_QUEUE},
	{"steps", required_argument, NULL, OPT_STEPS},
	{"seed", required_argument, NULL, OPT_SEED},
	{"big-endian", no_argument, NULL, OPT_BIG_ENDIAN},
	{"lazy-iotlb", no_argument, NULL, OPT_LAZY},
	{"fail-nth", required_argument, NULL, OPT_FAIL},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"trace-lines", required_argument, NULL, OPT_TRACE_LINES},
	{"input", required_argument, NULL, OPT_INPUT},
	{"start", required_argument, NULL, OPT_START},
	{"steady", required_argument, NULL, OPT_STEADY},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* --kernel: that kernel's driver and device sides, registered now so
 * that the --driver and --device-side after it find them. */
static int use_kernel(struct run_opts *o, const char *arg)
{
	unsigned n = vrs_cli_kernel_count();
	int k = vrs_cli_kernel_by_name(arg);
	if (k < 0 && !n) {
		fprintf(stderr, "vrsim: --kernel %s: no Linux kernel is built "
			"into this vrsim (configure with -DVRSIM_LINUX_SRC="
			"DIR|FILE.tar.xz, docs/linux-ring.md)\n", arg);
		return -1;
	}
	if (k < 0) {
		fprintf(stderr, "vrsim: unknown kernel '%s'; kernels here:", arg);
		for (unsigned i = 0; i < n; i++)
			fprintf(stderr, " %s (%s)", vrs_cli_kernel_version(i),
				vrs_cli_kernel_release(i));
		fputc('\n', stderr);
		return -1;
	}
	if (vrs_cli_use_kernel((unsigned)k) < 0) {
		fprintf(stderr, "vrsim: --kernel %s: cannot register it\n", arg);
		return -1;
	}
	o->kernel = k;
	return 0;
}

/* One option; -1 on a bad argument (already reported). */
static int apply(void *ctx, int c, const char *arg)
{
	struct run_opts *o = ctx;
	struct vrs_sim_config *cfg = &o->cfg;
	unsigned long long v;
	int rc = 0;
	switch (c) {
	case OPT_DRIVER: return vrs_cli_driver(arg, &cfg->driver);
	case OPT_DEVICE_SIDE:
		return vrs_cli_device_side(arg, &cfg->device_side);
	case OPT_KERNEL:
		return use_kernel(o, arg);
	case OPT_PLATFORM: return vrs_cli_platform(arg, &cfg->platform);
	case OPT_POLICY: return vrs_cli_policy(arg, &cfg->policy);
	case OPT_DEVICE: return vrs_cli_device(arg, &cfg->device);
	case OPT_OFFER: return vrs_cli_features(arg, &cfg->offered);
	case OPT_NO_AP: o->no_ap = true; return 0;
	case OPT_BIG_ENDIAN: cfg->big_endian_guest = true; return 0;
	case OPT_LAZY: cfg->lazy_iotlb = true; return 0;
	case OPT_TRACE: o->trace = true; return 0;
	case OPT_INPUT: o->input = arg; return 0;
	case OPT_QUEUE:
		rc = vrs_cli_number("queue-size", arg, 2, VRS_MAX_QUEUE_SIZE, &v);
		cfg->queue_size = (unsigned)v;
		break;
	case OPT_START:
		rc = vrs_cli_number("start", arg, 0, UINT16_MAX, &v);
		cfg->start = (uint16_t)v;
		break;
	case OPT_STEADY:
		rc = vrs_cli_number("steady", arg, 0, 1u << 24, &v);
		cfg->steady_cycles = (unsigned)v;
		break;
	case OPT_STEPS:
		rc = vrs_cli_number("steps", arg, 1, UINT_MAX, &v);
		cfg->steps = (unsigned)v;
		o->steps_given = true;
		break;
	case OPT_SEED:
		rc = vrs_cli_number("seed", arg, 0, ULLONG_MAX, &v);
		cfg->seed = v;
		break;
	case OPT_FAIL:
		rc = vrs_cli_number("fail-nth", arg, 0, UINT32_MAX, &v);
		cfg->fail_nth = (uint32_t)v;
		break;
	case OPT_TRACE_LINES:
		rc = vrs_cli_number("trace-lines", arg, 1, UINT_MAX, &v);
		o->trace_lines = (unsigned)v;
		o->trace = true;
		break;
	}
	return rc;
}

/* 0, or 1 with the usage error reported; *done when --help was asked. */
static int parse(int argc, char **argv, struct run_opts *o, bool *done)
{
	*o = (struct run_opts){
		.cfg = {
			.platform = VRS_PLAT_KVM,
			.policy = VRS_POLICY_TODAY,
			.device = VRS_DEV_BLK,
			.offered = VRS_DRIVER_FEATURES_ALL,
			.driver_features = VRS_DRIVER_FEATURES_ALL,
			.queue_size = 64,
			.steps = 200,
			.seed = 1,
		},
		.kernel = -1,
	};
	if (vrs_cli_parse(argc, argv, long_opts, vrs_cmd_run_usage, apply, o,
			  done))
		return 1;
	if (*done)
		return 0;
	/* A Linux device side is the --kernel's, or none when its tree
	 * had no vringh (the first kernel's would run otherwise). */
	bool linux_side = o->cfg.device_side != VRS_DEVSIDE_VRSIM;
	if (linux_side && o->kernel >= 0 &&
	    vrs_cli_kernel_in_use(true) != o->kernel) {
		fprintf(stderr, "vrsim run: Linux %s has no drivers/vhost/"
			"vringh.c: no device side '%s' of it\n",
			vrs_cli_kernel_release((unsigned)o->kernel),
			vrs_device_side_name(o->cfg.device_side));
		return 1;
	}
	if (o->no_ap)
		o->cfg.offered &= ~VRS_BIT(VRS_F_ACCESS_PLATFORM);
	if (o->input && !o->steps_given)
		o->cfg.steps = 0; /* the whole input */
	return 0;
}

/* The whole file into *buf, with the reader the replayers use. */
static int read_input(const char *path, uint8_t **buf, size_t *len)
{
	int rc = vrs_fuzz_read_input(path, buf, len);
	if (rc < 0)
		fprintf(stderr, "vrsim run: cannot read input file '%s': %s\n",
			path, strerror(-rc));
	return rc;
}

static void summary(const struct run_opts *o, size_t input_len,
		    const struct vrs_sim_result *r)
{
	const struct vrs_sim_config *cfg = &o->cfg;
	const struct vrs_platform *plat = vrs_platform_get(cfg->platform);
	char feats[256];
	const struct vrs_driver_ops *drv = vrs_driver_get(cfg->driver);
	const struct vrs_device_ops *side = vrs_device_side_get(cfg->device_side);
	printf("driver:    %s (%s)\n", drv->name, drv->summary);
	int dk = vrs_cli_kernel_in_use(true);
	if (cfg->device_side != VRS_DEVSIDE_VRSIM && dk >= 0)
		printf("dev side:  %s (%s, Linux %s)\n", side->name,
		       side->summary, vrs_cli_kernel_release((unsigned)dk));
	else
		printf("dev side:  %s (%s)\n", side->name, side->summary);
	printf("platform:  %s (%s)\n", plat->name, plat->summary);
	printf("policy:    %s (%s)\n", vrs_policy_name(cfg->policy),
	       vrs_policy_summary(cfg->policy));
	printf("device:    %s, queue size %u\n", vrs_device_name(cfg->device),
	       cfg->queue_size);
	vrs_cli_feature_list(cfg->offered, feats, sizeof(feats));
	printf("offered:   %s\n", feats);
	vrs_cli_feature_list(r->accepted, feats, sizeof(feats));
	printf("accepted:  %s\n", r->path == VRS_REFUSE ? "none (refused)" : feats);
	printf("DMA path:  %s\n", vrs_cli_path_name(r->path));
	if (o->input)
		printf("steps:     %u (input %s, %zu bytes)\n", r->steps, o->input,
		       input_len);
	else
		printf("steps:     %u (seed %llu)\n", r->steps,
		       (unsigned long long)cfg->seed);
	if (cfg->steady_cycles)
		printf("           (the workload's, then the steady phase's "
		       "cycles: %u at most)\n", cfg->steady_cycles);
	printf("buffers:   %u submitted, %u completed, %u released\n",
	       r->submitted, r->completed, r->released);
	const char *word = vrs_cli_outcome_word(r->outcome);
	const char *name = vrs_outcome_name(r->outcome);
	if (strcmp(word, name) == 0)
		printf("outcome:   %s\n", word);
	else
		printf("outcome:   %s (%s)\n", word, name);
	if (r->detail[0] && !r->findings) /* findings are listed below */
		printf("detail:    %s\n", r->detail);
	unsigned total = vrs_report_count(VRS_FIND_COUNT);
	printf("findings:  %u\n", total);
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++) {
		unsigned n = vrs_report_count((enum vrs_finding)k);
		if (n)
			printf("  [%s] x%u: %s\n",
			       vrs_finding_name((enum vrs_finding)k), n,
			       vrs_report_last((enum vrs_finding)k));
	}
}

/* The fuzz target a path names in one of its components (crashes/TARGET/
 * of a campaign, corpora/TARGET/ of a corpus, a replayer's name), or
 * NULL. A Linux corpus holds every kernel's inputs: its plain name. */
static const char *target_in_path(const char *path, char *buf, size_t len)
{
	const char *p = path;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n < len) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			const char *name = strncmp(buf, "replay_", 7) == 0
						   ? buf + 7 : buf;
			const struct vrs_fuzz_target *t;
			if (vrs_cli_fuzz_target(name, &t) == 0)
				return name;
		}
		p += n;
		p += strspn(p, "/");
	}
	return NULL;
}

/* Why FILE looks like a fuzz target's input rather than a stream of
 * scheduler bytes, or NULL: a path that names a target, a fuzzer's crash
 * file, or a header of the simulation targets' format (sim/input.h: a
 * version byte, then the configuration block). */
static const char *fuzz_input_sign(const char *path, const uint8_t *data,
				   size_t len, const char **target, char *buf,
				   size_t buflen)
{
	static const char *const crash_prefixes[] = {
		"crash-", "leak-", "timeout-", "oom-", "slow-unit-", "id:",
	};
	*target = target_in_path(path, buf, buflen);
	if (*target)
		return "its path names the target";
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(crash_prefixes) / sizeof(*crash_prefixes); i++)
		if (strncmp(base, crash_prefixes[i], strlen(crash_prefixes[i])) == 0)
			return "a fuzzer's crash file";
	if (len >= VRS_INPUT_HEADER_LEN && data[0] >= 1 &&
	    data[0] <= VRS_INPUT_VERSION)
		return "it starts with a configuration header";
	return NULL;
}

/* --input reads every byte as a scheduler step under the command line's
 * configuration; a fuzz target reads a header first and arms the
 * oracles of its role. Say so when the file looks like a target's. */
static void note_fuzz_input(const char *path, const uint8_t *data, size_t len)
{
	char buf[128];
	const char *target;
	const char *why = fuzz_input_sign(path, data, len, &target, buf,
					  sizeof(buf));
	if (!why)
		return;
	printf("\nnote:      this input looks like a fuzz target's input\n"
	       "           (%s), but run --input reads\n"
	       "           every byte as a scheduler step under the options\n"
	       "           above: this outcome is not the target's. Replay it\n"
	       "           as its target does:\n"
	       "             scripts/reproduce %s %s\n",
	       why, target ? target : "TARGET", path);
	if (!target)
		printf("           (TARGET: the fuzz target it belongs to; vrsim decode\n"
		       "           --help lists them)\n");
}

int vrs_cmd_run(int argc, char **argv)
{
	char prog[] = "vrsim run"; /* getopt's messages name the command */
	argv[0] = prog;
	struct run_opts o;
	bool done = false;
	if (parse(argc, argv, &o, &done))
		return VRS_EXIT_USAGE;
	if (done)
		return VRS_EXIT_CLEAN;

	uint8_t *input = NULL;
	size_t input_len = 0;
	if (o.input && read_input(o.input, &input, &input_len) < 0)
		return VRS_EXIT_USAGE;

	vrs_report_set_mode(VRS_REPORT_RECORD);
	struct vrs_sim *sim;
	int rc = vrs_sim_create(&sim);
	if (rc < 0) {
		fprintf(stderr, "vrsim run: cannot create the simulation: %s\n",
			strerror(-rc));
		free(input);
		return VRS_EXIT_USAGE;
	}
	struct vrs_sim_result res;
	rc = vrs_sim_run(sim, &o.cfg, input, input_len, &res);
	int status = VRS_EXIT_USAGE;
	unsigned q = o.cfg.queue_size;
	if (rc == -EINVAL && (q & (q - 1))) {
		fprintf(stderr, "vrsim run: queue size %u: the split ring needs "
				"a power of two (only the packed ring takes "
				"any size)\n", q);
	} else if (rc == -EOPNOTSUPP ||
		   (rc == 0 && vrs_cli_side_unsupported(&o.cfg, &res))) {
		fprintf(stderr, "vrsim run: device side %s cannot run on "
				"platform %s: %s\n",
			vrs_device_side_name(o.cfg.device_side),
			vrs_platform_get(o.cfg.platform)->name,
			vrs_cli_unsupported_why(o.cfg.device_side));
	} else if (rc < 0) {
		fprintf(stderr, "vrsim run: the run failed: %s\n",
			strerror(-rc));
	} else {
		if (o.trace) {
			printf("trace:\n");
			vrs_sim_print_trace(sim, stdout, o.trace_lines);
			printf("\n");
		}
		summary(&o, input_len, &res);
		if (o.input)
			note_fuzz_input(o.input, input, input_len);
		status = res.findings ? VRS_EXIT_FINDING : VRS_EXIT_CLEAN;
	}
	vrs_sim_destroy(sim);
	free(input);
	return status;
}
