/* vrsim decode FILE...: print fuzz inputs as readable programs, for any
 * target vrsim_fuzz defines (the registry in fuzz/include/fuzz/target.h)
 * and the Linux targets of every kernel built in (cli/kernels.c), by the
 * replayers' names, exactly as its replayer's --decode prints them. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "fuzz/target.h"

void vrs_cmd_decode_usage(FILE *f)
{
	fprintf(f, "usage: vrsim decode [--target ");
	vrs_cli_print_fuzz_targets(f, "|");
	fprintf(f,
		"] FILE...\n\n"
		"Prints each input of a fuzz target as a program. A simulation\n"
		"target's: the configuration block, every step the scheduler\n"
		"takes and what the driver and the device do, then the outcome\n"
		"and any finding. A DMA-layer target's: every operation, what\n"
		"the backend answered and what the reference model found.\n"
		"--target says whose input it is (default fuzz_sim): the same\n"
		"bytes run against the adversarial device or a hostile driver\n"
		"under fuzz_driver and fuzz_device. The Linux targets take the\n"
		"replayers' names: fuzz_linux_sim and fuzz_linux_driver with a\n"
		"kernel's version (-6.1), or plain for the first kernel built.\n");
}

int vrs_cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{"target", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const struct vrs_fuzz_target *t = &vrs_fuzz_sim_target;
	int c;
	while ((c = getopt_long(argc, argv, "ht:", opts, NULL)) != -1) {
		if (c == 'h') {
			vrs_cmd_decode_usage(stdout);
			return VRS_EXIT_CLEAN;
		}
		if (c != 't') {
			vrs_cmd_decode_usage(stderr);
			return VRS_EXIT_USAGE;
		}
		if (vrs_cli_fuzz_target(optarg, &t) < 0) {
			fprintf(stderr, "vrsim decode: unknown target '%s'; "
				"valid targets: ", optarg);
			vrs_cli_print_fuzz_targets(stderr, " ");
			fprintf(stderr, "\n");
			if (strncmp(optarg, "fuzz_linux_", 11) == 0 &&
			    !vrs_cli_kernel_count())
				fprintf(stderr, "vrsim decode: this vrsim was "
					"built without a Linux source\n");
			return VRS_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vrsim decode: which file? (see vrsim decode --help)\n");
		return VRS_EXIT_USAGE;
	}
	int rc = t->init();
	if (rc < 0) {
		fprintf(stderr, "vrsim decode: cannot set up %s: %s\n", t->name,
			strerror(-rc));
		return VRS_EXIT_USAGE;
	}
	int status = VRS_EXIT_CLEAN;
	for (int i = optind; i < argc; i++) {
		rc = vrs_fuzz_decode_file(t, argv[i], stdout);
		if (rc < 0) {
			fprintf(stderr, "vrsim decode: cannot read '%s': %s\n",
				argv[i], strerror(-rc));
			status = VRS_EXIT_USAGE;
		}
	}
	t->cleanup();
	return status;
}
