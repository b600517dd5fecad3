/* vrsim decode FILE...: print fuzz inputs of the simulation targets as
 * readable programs (the configuration, then every step of the run). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sim/input.h"

void vrs_cmd_decode_usage(FILE *f)
{
	fprintf(f,
		"usage: vrsim decode [--target fuzz_sim|fuzz_driver|fuzz_device] "
		"FILE...\n\n"
		"Prints each input of a simulation fuzz target as a program: the\n"
		"configuration block, every step the scheduler takes and what the\n"
		"driver and the device do, then the outcome and any finding.\n"
		"--target says whose input it is (default fuzz_sim): the same\n"
		"bytes run against the adversarial device or a hostile driver\n"
		"under fuzz_driver and fuzz_device.\n");
}

static int role_by_target(const char *t, enum vrs_input_role *r)
{
	static const struct {
		const char *name;
		enum vrs_input_role role;
	} roles[] = {{"fuzz_sim", VRS_ROLE_HONEST},
		     {"fuzz_driver", VRS_ROLE_HOSTILE_DEV},
		     {"fuzz_device", VRS_ROLE_HOSTILE_DRV}};
	for (unsigned i = 0; i < 3; i++) {
		if (strcmp(t, roles[i].name) == 0) {
			*r = roles[i].role;
			return 0;
		}
	}
	fprintf(stderr, "vrsim decode: unknown target '%s'; valid targets: "
			"fuzz_sim fuzz_driver fuzz_device\n", t);
	return -1;
}

/* The whole file, or NULL with the reason printed. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "vrsim decode: cannot read '%s': %s\n", path,
			strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *bigger = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!bigger) {
				fprintf(stderr, "vrsim decode: '%s' is too large\n", path);
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

int vrs_cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{"target", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum vrs_input_role role = VRS_ROLE_HONEST;
	int c;
	while ((c = getopt_long(argc, argv, "ht:", opts, NULL)) != -1) {
		if (c == 'h') {
			vrs_cmd_decode_usage(stdout);
			return VRS_EXIT_CLEAN;
		}
		if (c != 't' || role_by_target(optarg, &role) < 0) {
			if (c != 't')
				vrs_cmd_decode_usage(stderr);
			return VRS_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vrsim decode: which file? (see vrsim decode --help)\n");
		return VRS_EXIT_USAGE;
	}
	struct vrs_sim *sim;
	if (vrs_sim_create(&sim) < 0) {
		fprintf(stderr, "vrsim decode: out of memory\n");
		return VRS_EXIT_USAGE;
	}
	int rc = VRS_EXIT_CLEAN;
	for (int i = optind; i < argc; i++) {
		size_t len;
		uint8_t *data = slurp(argv[i], &len);
		if (!data) {
			rc = VRS_EXIT_USAGE;
			continue;
		}
		printf("== %s (%zu bytes)\n", argv[i], len);
		vrs_input_decode(sim, role, data, len, stdout);
		free(data);
	}
	vrs_sim_destroy(sim);
	return rc;
}
