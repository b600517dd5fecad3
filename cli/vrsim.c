/* vrsim: the command line. Global options, then a subcommand with its own. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

#define VRSIM_VERSION "0.1"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *f);
	const char *summary;
} commands[] = {
	{"run", vrs_cmd_run, vrs_cmd_run_usage,
	 "run one configuration and report what the oracles saw"},
	{"matrix", vrs_cmd_matrix, vrs_cmd_matrix_usage,
	 "every platform x policy x ACCESS_PLATFORM, as a table"},
	{"decode", vrs_cmd_decode, vrs_cmd_decode_usage,
	 "print fuzz inputs as readable programs"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: vrsim [--help] [--version] <command> [options]\n\n"
		   "vrsim simulates a virtio driver and device on a platform's "
		   "DMA layer.\n\ncommands:\n");
	for (unsigned i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  help     [command]: this text, or a command's options\n\n"
		   "'vrsim <command> --help' lists a command's options.\n");
}

static int find_command(const char *name)
{
	for (unsigned i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return (int)i;
	fprintf(stderr, "vrsim: unknown command '%s'; valid commands:", name);
	for (unsigned i = 0; i < NCOMMANDS; i++)
		fprintf(stderr, " %s", commands[i].name);
	fprintf(stderr, " help\n");
	return -1;
}

/* vrsim help [command] */
static int help(int argc, char **argv)
{
	if (argc <= 1) {
		usage(stdout);
		return VRS_EXIT_CLEAN;
	}
	if (argc > 2) {
		fprintf(stderr, "vrsim help: one command at most\n");
		return VRS_EXIT_USAGE;
	}
	int c = find_command(argv[1]);
	if (c < 0)
		return VRS_EXIT_USAGE;
	commands[c].usage(stdout);
	return VRS_EXIT_CLEAN;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	/* --driver linux runs the first kernel built in. */
	if (vrs_cli_kernel_count())
		vrs_cli_use_kernel(0);
	/* '+': stop at the subcommand; its options are its own. */
	int c;
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return VRS_EXIT_CLEAN;
		case 'V':
			printf("vrsim " VRSIM_VERSION "\n");
			return VRS_EXIT_CLEAN;
		default:
			usage(stderr);
			return VRS_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return VRS_EXIT_USAGE;
	}
	char **sub = argv + optind;
	int nsub = argc - optind;
	if (strcmp(sub[0], "help") == 0)
		return help(nsub, sub);
	int i = find_command(sub[0]);
	if (i < 0)
		return VRS_EXIT_USAGE;
	optind = 0; /* glibc: start afresh on the subcommand's arguments */
	return commands[i].run(nsub, sub);
}
