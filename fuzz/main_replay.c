/* Standalone replayer: runs files and directories of inputs through the
 * target with no fuzzing runtime (plain gcc works). A finding aborts with
 * the decoded input and the trace tail, as under the fuzzers. */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz/target.h"
#include "sim/meter.h"
#include "vrsim/report.h"

static unsigned replayed, with_findings;
/* --passes: how often each input runs, and the time spent in the runs
 * alone (not reading files), for the simulation's own cost. */
static unsigned passes = 1;
static double run_seconds;
static bool decode_only, summary_only, verbose, keep_going, costs;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: replay_%s [--decode|--summary] [--verbose] [--keep-going] [--passes N]\n"
		"       [--acknowledge KIND:PREFIX]... FILE|DIR...\n"
		"Runs each input (every regular file of a directory, sorted) "
		"through %s.\n"
		"  --decode      print each input as a readable program instead\n"
		"  --summary     print one line per input instead: FILE, a tab, and\n"
		"                key=value words of what it configured and reached\n"
		"  --verbose     name each input before running it\n"
		"  --keep-going  record findings instead of aborting on the first;\n"
		"                name each input that had one, exit 1 if any did\n"
		"  --passes N    run each input N times and print the runs' rate\n"
		"                (inputs/s, file reading left out)\n"
		"  --costs       print where the runs' time went, per input: set-up,\n"
		"                run, checks, teardown (a simulation target's phases,\n"
		"                sampled 1,000 times a second)\n"
		"  --acknowledge KIND:PREFIX\n"
		"                step over a finding of KIND whose message starts\n"
		"                with PREFIX (printed, not counted): to see what lies\n"
		"                past a known kernel finding (catalogue/README)\n"
		"   or: replay_%s --encode DESCRIPTION > FILE\n"
		"  --encode      write the input a one-line description stands for\n",
		vrs_fuzz_target->name, vrs_fuzz_target->name,
		vrs_fuzz_target->name);
}

/* --keep-going: the armed kinds an input raised (what would have aborted). */
static void note_findings(const char *path)
{
	bool any = false;
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++) {
		if (!vrs_report_count(k) || !(vrs_report_armed() & VRS_FIND_BIT(k)))
			continue;
		fprintf(stderr, "replay: %s: finding [%s]: %s\n", path,
			vrs_finding_name(k), vrs_report_last(k));
		any = true;
	}
	with_findings += any;
}

static int unreadable(const char *path, int rc)
{
	fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(-rc));
	return -1;
}

static int run_file(const char *path)
{
	int rc;
	if (decode_only) {
		rc = vrs_fuzz_decode_file(vrs_fuzz_target, path, stdout);
		if (rc < 0)
			return unreadable(path, rc);
		replayed++;
		return 0;
	}
	uint8_t *buf;
	size_t len;
	rc = vrs_fuzz_read_input(path, &buf, &len);
	if (rc < 0)
		return unreadable(path, rc);
	if (summary_only) {
		printf("%s\t", path);
		vrs_fuzz_target->summarize(buf, len, stdout);
	} else {
		if (verbose)
			fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		vrs_meter_enter(VRS_PHASE_TARGET);
		for (unsigned i = 0; i < passes; i++)
			vrs_fuzz_target->run(buf, len);
		vrs_meter_enter(VRS_PHASE_FRONT);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		run_seconds += (double)(t1.tv_sec - t0.tv_sec) +
			       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (keep_going)
			note_findings(path);
	}
	replayed++;
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	struct dirent **names;
	int n = scandir(path, &names, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
		struct stat fst;
		if (names[i]->d_name[0] != '.' && stat(full, &fst) == 0 &&
		    S_ISREG(fst.st_mode) && run_file(full) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* --encode: the description's bytes on stdout. */
static int encode(const char *description)
{
	static uint8_t out[1 << 20];
	long n = vrs_fuzz_target->encode(description, out, sizeof(out));
	if (n < 0) {
		fprintf(stderr, "replay: cannot encode '%s'\n", description);
		return 2;
	}
	if (fwrite(out, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout)) {
		fprintf(stderr, "replay: write failed: %s\n", strerror(errno));
		return 2;
	}
	return 0;
}

/* --costs: the runs' time per input by phase (sim/meter.h), from the
 * meter's samples: each phase's share of the samples taken in the runs,
 * of the runs' measured time. "target" is what the target spent outside
 * a simulation's phases (parsing the input; all of a target that is no
 * simulation). */
#define COST_SAMPLES_HZ 1000u

static void print_costs(void)
{
	unsigned long n[VRS_PHASE_COUNT], in_runs = 0;
	vrs_meter_stop();
	vrs_meter_samples(n);
	for (unsigned p = VRS_PHASE_TARGET; p < VRS_PHASE_COUNT; p++)
		in_runs += n[p];
	unsigned long runs = (unsigned long)replayed * passes;
	if (!runs || !in_runs) {
		fprintf(stderr, "replay: cost per input: the runs were too "
			"short to sample (try more --passes)\n");
		return;
	}
	double per_input = run_seconds * 1e6 / (double)runs;
	fprintf(stderr, "replay: cost per input, microseconds:");
	for (unsigned p = VRS_PHASE_SETUP; p < VRS_PHASE_COUNT; p++)
		fprintf(stderr, " %s %.2f", vrs_phase_name(p),
			per_input * (double)n[p] / (double)in_runs);
	fprintf(stderr, " target %.2f total %.2f (%lu samples)\n",
		per_input * (double)n[VRS_PHASE_TARGET] / (double)in_runs,
		per_input, in_runs);
}

/* --acknowledge KIND:PREFIX, the report layer's acknowledgement. */
static int acknowledge(const char *arg)
{
	char why[160];
	if (vrs_report_acknowledge_spec(arg, false, why, sizeof(why)) < 0) {
		fprintf(stderr, "replay: --acknowledge: %s\n", why);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--encode") == 0)
		return encode(argv[2]);
	int first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "--decode") == 0) {
			decode_only = true;
		} else if (strcmp(argv[first], "--summary") == 0) {
			summary_only = true;
		} else if (strcmp(argv[first], "--passes") == 0) {
			char *end = NULL;
			unsigned long n = first + 1 < argc
				? strtoul(argv[first + 1], &end, 10) : 0;
			if (!end || *end || n == 0 || n > 1000000 ||
			    argv[first + 1][0] == '-') {
				fprintf(stderr, "replay: --passes needs a "
					"number from 1 to 1000000\n");
				return 2;
			}
			passes = (unsigned)n;
			first++;
		} else if (strcmp(argv[first], "--keep-going") == 0) {
			keep_going = true;
		} else if (strcmp(argv[first], "--costs") == 0) {
			costs = true;
		} else if (strcmp(argv[first], "--acknowledge") == 0) {
			if (first + 1 >= argc || acknowledge(argv[++first]) < 0)
				return 2;
		} else if (strcmp(argv[first], "-v") == 0 ||
			   strcmp(argv[first], "--verbose") == 0) {
			verbose = true;
		} else if (strcmp(argv[first], "-h") == 0 ||
			   strcmp(argv[first], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "replay: unknown option %s\n", argv[first]);
			usage(stderr);
			return 2;
		}
	}
	if (first == argc) {
		usage(stderr);
		return 2;
	}
	if (summary_only && (decode_only || !vrs_fuzz_target->summarize)) {
		fprintf(stderr, "replay: %s\n", decode_only
			? "--summary and --decode exclude each other"
			: "--summary: this target has no configuration to summarize");
		return 2;
	}
	if (vrs_fuzz_target->init() < 0) {
		fprintf(stderr, "replay: %s: init failed\n", vrs_fuzz_target->name);
		return 1;
	}
	if (keep_going)
		vrs_report_set_mode(VRS_REPORT_RECORD);
	if (costs && vrs_meter_start(COST_SAMPLES_HZ) < 0) {
		fprintf(stderr, "replay: --costs: no timer to sample with\n");
		return 2;
	}
	int rc = 0;
	for (int i = first; i < argc; i++)
		if (run_path(argv[i]) < 0)
			rc = 2;
	vrs_fuzz_target->cleanup();
	if (decode_only || summary_only)
		fprintf(stderr, "replay: %u inputs %s for %s\n", replayed,
			decode_only ? "decoded" : "summarized",
			vrs_fuzz_target->name);
	else if (passes > 1)
		fprintf(stderr, "replay: %u inputs through %s %u times: %.0f "
			"inputs/s in the runs%s\n", replayed,
			vrs_fuzz_target->name, passes,
			run_seconds > 0 ? replayed * (double)passes / run_seconds : 0,
			with_findings ? " (some with a finding)" : "");
	else if (with_findings)
		fprintf(stderr, "replay: %u inputs through %s, %u with a "
			"finding\n", replayed, vrs_fuzz_target->name,
			with_findings);
	else
		fprintf(stderr, "replay: %u inputs through %s, no finding\n",
			replayed, vrs_fuzz_target->name);
	if (costs && !decode_only && !summary_only)
		print_costs();
	return rc ? rc : with_findings ? 1 : 0;
}
