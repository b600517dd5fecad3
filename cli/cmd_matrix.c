/* vrsim matrix: the standard workload on every platform, under every
 * policy, with and without ACCESS_PLATFORM, as one table per device side
 * under test built in (or the one --device-side names), a Linux device
 * side once per kernel built with vringh; with --driver linux, each Linux
 * kernel built in beside vrsim's policies. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>

#include "cli.h"
#include "vrsim/virtio.h"

enum format { FMT_TEXT, FMT_MARKDOWN };

struct matrix_opts {
	struct vrs_sim_config cfg; /* platform, policy and offer set per cell */
	enum format format;
	bool one_side; /* --device-side: cfg.device_side's table alone */
	bool unsupported; /* some cell was n/a */
};

/* A table: a device side, and for a Linux one the kernel whose vringh. */
struct side_table {
	enum vrs_device_side_id side;
	int kernel; /* index for vrs_cli_use_kernel_device, or -1 */
};

#define MAX_TABLES (1 + 2 * 8)

void vrs_cmd_matrix_usage(FILE *f)
{
	fprintf(f,
		"usage: vrsim matrix [options]\n\n"
		"Run the standard workload for every platform x policy x "
		"ACCESS_PLATFORM\n(offered or not) and print the outcomes as a "
		"table.\n\n"
		"  --driver NAME         the driver under test (default vrsim);\n"
		"                        linux adds a column per kernel built in,\n"
		"                        beside vrsim's ring under each policy\n"
		"  --device-side NAME    the device side under test (default: a\n"
		"                        table for each one built in; linux and\n"
		"                        linux-kern: one per kernel built in)\n"
		"  --device D            device model (default blk)\n"
		"  --steps N             workload steps per run (default 200)\n"
		"  --seed S              workload seed (default 1)\n"
		"  --queue-size N        ring size, 2..1024, a power of two "
		"(default 64)\n"
		"  --format text|markdown  table format (default text)\n"
		"  -h, --help            this text\n\n"
		"Cells: works, dma-fault, private (device touched private "
		"memory),\nrefused (clean refusal at FEATURES_OK), broken "
		"(a side gave up on the ring),\nfinding (another oracle "
		"fired), n/a (the device side cannot run on the\nplatform: "
		"linux-kern where a bus address is not a GPA).\n\n");
	vrs_cli_print_names(f);
}

enum {
	OPT_DRIVER = 256, OPT_DEVICE, OPT_STEPS, OPT_SEED, OPT_QUEUE, OPT_FORMAT,
	OPT_DEVICE_SIDE,
};

static const struct option long_opts[] = {
	{"driver", required_argument, NULL, OPT_DRIVER},
	{"device-side", required_argument, NULL, OPT_DEVICE_SIDE},
	{"device", required_argument, NULL, OPT_DEVICE},
	{"steps", required_argument, NULL, OPT_STEPS},
	{"seed", required_argument, NULL, OPT_SEED},
	{"queue-size", required_argument, NULL, OPT_QUEUE},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int apply(void *ctx, int c, const char *arg)
{
	struct matrix_opts *o = ctx;
	unsigned long long v;
	int rc = 0;
	switch (c) {
	case OPT_DRIVER:
		return vrs_cli_driver(arg, &o->cfg.driver);
	case OPT_DEVICE_SIDE:
		o->one_side = true;
		return vrs_cli_device_side(arg, &o->cfg.device_side);
	case OPT_DEVICE:
		return vrs_cli_device(arg, &o->cfg.device);
	case OPT_FORMAT:
		if (strcmp(arg, "text") == 0)
			o->format = FMT_TEXT;
		else if (strcmp(arg, "markdown") == 0)
			o->format = FMT_MARKDOWN;
		else {
			fprintf(stderr, "vrsim: unknown format '%s'; valid "
					"formats: text markdown\n", arg);
			return -1;
		}
		return 0;
	case OPT_STEPS:
		rc = vrs_cli_number("steps", arg, 1, UINT_MAX, &v);
		o->cfg.steps = (unsigned)v;
		break;
	case OPT_SEED:
		rc = vrs_cli_number("seed", arg, 0, ULLONG_MAX, &v);
		o->cfg.seed = v;
		break;
	case OPT_QUEUE:
		rc = vrs_cli_number("queue-size", arg, 2, 1024, &v);
		if (rc == 0 && (v & (v - 1))) {
			fprintf(stderr, "vrsim: --queue-size: %llu is not a "
					"power of two (the split-ring runs need "
					"one)\n", v);
			rc = -1;
		}
		o->cfg.queue_size = (unsigned)v;
		break;
	}
	return rc;
}

/* 0, or 1 with the usage error reported; *done when --help was asked. */
static int parse(int argc, char **argv, struct matrix_opts *o, bool *done)
{
	*o = (struct matrix_opts){
		.cfg = {
			.device = VRS_DEV_BLK,
			.driver_features = VRS_DRIVER_FEATURES_ALL,
			.queue_size = 64,
			.steps = 200,
			.seed = 1,
		},
	};
	return vrs_cli_parse(argc, argv, long_opts, vrs_cmd_matrix_usage, apply,
			     o, done);
}

/* A column: vrsim's ring under one DMA-use policy, or a Linux kernel
 * deciding for itself (--driver linux adds one per kernel built in). */
struct column {
	char name[32];
	enum vrs_driver_id driver;
	enum vrs_policy policy;
	int kernel; /* index for vrs_cli_use_kernel, or -1 */
};

#define MAX_COLUMNS (VRS_POLICY_COUNT + 8)

static unsigned columns(const struct matrix_opts *o, struct column *c)
{
	unsigned n = 0;
	for (unsigned p = 0; p < VRS_POLICY_COUNT; p++) {
		c[n] = (struct column){.driver = VRS_DRIVER_VRSIM,
				       .policy = (enum vrs_policy)p, .kernel = -1};
		snprintf(c[n].name, sizeof(c[n].name), "%s",
			 vrs_policy_name((enum vrs_policy)p));
		n++;
	}
	if (o->cfg.driver != VRS_DRIVER_LINUX)
		return n;
	for (unsigned k = 0; k < vrs_cli_kernel_count() && n < MAX_COLUMNS; k++) {
		c[n] = (struct column){.driver = VRS_DRIVER_LINUX,
				       .policy = VRS_POLICY_TODAY, .kernel = (int)k};
		snprintf(c[n].name, sizeof(c[n].name), "linux-%s",
			 vrs_cli_kernel_release(k));
		n++;
	}
	return n;
}

/* Column width: the longest name or outcome word; the last column is
 * not padded (no trailing blanks). */
static int cell_width(const struct column *c, bool last)
{
	if (last)
		return 0;
	int w = (int)strlen(c->name);
	for (unsigned o = 0; o < VRS_OUT_COUNT; o++) {
		int n = (int)strlen(vrs_cli_outcome_word((enum vrs_outcome)o));
		if (n > w)
			w = n;
	}
	return w;
}

static int platform_width(void)
{
	int w = (int)strlen("platform");
	for (unsigned i = 0; i < VRS_PLAT_COUNT; i++) {
		int n = (int)strlen(vrs_platform_get((enum vrs_platform_id)i)->name);
		if (n > w)
			w = n;
	}
	return w;
}

static void header(enum format fmt, int pw, const struct column *c, unsigned n)
{
	if (fmt == FMT_MARKDOWN) {
		printf("| platform | AP |");
		for (unsigned i = 0; i < n; i++)
			printf(" %s |", c[i].name);
		printf("\n|---|---|");
		for (unsigned i = 0; i < n; i++)
			printf("---|");
		printf("\n");
		return;
	}
	printf("%-*s  AP ", pw, "platform");
	for (unsigned i = 0; i < n; i++)
		printf(" %-*s", cell_width(&c[i], i + 1 == n), c[i].name);
	printf("\n");
}

/* One row: a platform with or without ACCESS_PLATFORM; -1 if a run failed. */
static int row(struct vrs_sim *sim, struct matrix_opts *o,
	       enum vrs_platform_id plat, bool ap, int pw,
	       const struct column *c, unsigned n)
{
	const char *name = vrs_platform_get(plat)->name;
	const char *apw = ap ? "yes" : "no";
	if (o->format == FMT_MARKDOWN)
		printf("| %s | %s |", name, apw);
	else
		printf("%-*s  %-3s", pw, name, apw);
	for (unsigned i = 0; i < n; i++) {
		struct vrs_sim_config cfg = o->cfg;
		cfg.driver = c[i].driver;
		cfg.platform = plat;
		cfg.policy = c[i].policy;
		cfg.offered = VRS_DRIVER_FEATURES_ALL;
		if (!ap)
			cfg.offered &= ~VRS_BIT(VRS_F_ACCESS_PLATFORM);
		struct vrs_sim_result res;
		int rc = c[i].kernel >= 0
				 ? vrs_cli_use_kernel_driver((unsigned)c[i].kernel)
				 : 0;
		if (rc == 0)
			rc = vrs_sim_run(sim, &cfg, NULL, 0, &res);
		if (rc == 0 && vrs_cli_side_unsupported(&cfg, &res))
			rc = -EOPNOTSUPP;
		if (rc < 0 && rc != -EOPNOTSUPP) {
			printf("\n");
			fprintf(stderr, "vrsim matrix: %s/%s cannot run: %s\n",
				name, c[i].name, strerror(-rc));
			return -1;
		}
		/* linux-kern where a bus address is not a GPA */
		if (rc == -EOPNOTSUPP)
			o->unsupported = true;
		const char *w = rc == -EOPNOTSUPP
					? "n/a"
					: vrs_cli_outcome_word(res.outcome);
		if (o->format == FMT_MARKDOWN)
			printf(" %s |", w);
		else
			printf(" %-*s", cell_width(&c[i], i + 1 == n), w);
	}
	printf("\n");
	return 0;
}

/* The table of the device side o->cfg.device_side (of kernel t->kernel,
 * registered), titled with the driver (and the device side when
 * name_side, with the kernel whose vringh it is). */
static void table(struct vrs_sim *sim, struct matrix_opts *o, int pw,
		  const struct column *c, unsigned n,
		  const struct side_table *t, bool name_side, int *status)
{
	const char *drv = vrs_driver_name(o->cfg.driver);
	const char *side = vrs_device_side_name(o->cfg.device_side);
	char of[64] = "";
	if (t->kernel >= 0)
		snprintf(of, sizeof(of), " (vringh of Linux %s)",
			 vrs_cli_kernel_release((unsigned)t->kernel));
	if (o->format == FMT_MARKDOWN && name_side)
		printf("Driver `%s`, device side `%s`%s.\n\n", drv, side, of);
	else if (o->format == FMT_MARKDOWN)
		printf("Driver `%s`.\n\n", drv);
	else if (name_side)
		printf("driver: %s, device side: %s%s\n", drv, side, of);
	else
		printf("driver: %s\n", drv);
	header(o->format, pw, c, n);
	for (unsigned i = 0; i < VRS_PLAT_COUNT && *status == VRS_EXIT_CLEAN; i++)
		for (int ap = 1; ap >= 0 && *status == VRS_EXIT_CLEAN; ap--)
			if (row(sim, o, (enum vrs_platform_id)i, ap, pw, c, n) < 0)
				*status = VRS_EXIT_USAGE;
}

static void legend(enum format fmt, const struct column *c, unsigned n,
		   bool unsupported)
{
	printf("\n");
	printf("AP: the device offers ACCESS_PLATFORM.\n");
	if (unsupported)
		printf("n/a: linux-kern cannot run on the platform: %s.\n",
		       vrs_cli_unsupported_why(VRS_DEVSIDE_LINUX_KERN));
	if (fmt == FMT_MARKDOWN)
		printf("\n");
	else
		printf("policies:\n");
	for (unsigned i = 0; i < n; i++) {
		char what[160];
		if (c[i].kernel >= 0)
			snprintf(what, sizeof(what), "Linux %s's virtio_ring.c: "
				 "the kernel decides (vring_use_dma_api, "
				 "virtio_features_ok)",
				 vrs_cli_kernel_release((unsigned)c[i].kernel));
		else
			snprintf(what, sizeof(what), "vrsim's ring: %s",
				 vrs_policy_summary(c[i].policy));
		if (fmt == FMT_MARKDOWN)
			printf("- `%s`: %s\n", c[i].name, what);
		else
			printf("  %-20s %s\n", c[i].name, what);
	}
}

/* The tables: vrsim's device side, then each Linux flavour once per
 * kernel whose tree had vringh (first kernel first); or --device-side's
 * alone (still once per kernel). */
static unsigned tables_of(const struct matrix_opts *o, struct side_table *t)
{
	unsigned n = 0;
	for (unsigned d = 0; d < VRS_DEVSIDE_COUNT; d++) {
		enum vrs_device_side_id id = (enum vrs_device_side_id)d;
		if (o->one_side && id != o->cfg.device_side)
			continue;
		if (id == VRS_DEVSIDE_VRSIM) {
			t[n++] = (struct side_table){id, -1};
			continue;
		}
		for (unsigned k = 0; k < vrs_cli_kernel_count() && n < MAX_TABLES; k++)
			if (vrs_cli_kernel_device(k, id))
				t[n++] = (struct side_table){id, (int)k};
	}
	return n;
}

int vrs_cmd_matrix(int argc, char **argv)
{
	char prog[] = "vrsim matrix"; /* getopt's messages name the command */
	argv[0] = prog;
	struct matrix_opts o;
	bool done = false;
	if (parse(argc, argv, &o, &done))
		return VRS_EXIT_USAGE;
	if (done)
		return VRS_EXIT_CLEAN;

	vrs_report_set_mode(VRS_REPORT_RECORD);
	struct vrs_sim *sim;
	if (vrs_sim_create(&sim) < 0) {
		fprintf(stderr, "vrsim matrix: cannot create the simulation\n");
		return VRS_EXIT_USAGE;
	}
	int pw = platform_width();
	struct column cols[MAX_COLUMNS];
	unsigned ncols = columns(&o, cols);
	struct side_table tables[MAX_TABLES];
	unsigned ntables = tables_of(&o, tables);
	int status = VRS_EXIT_CLEAN;
	for (unsigned t = 0; t < ntables && status == VRS_EXIT_CLEAN; t++) {
		o.cfg.device_side = tables[t].side;
		if (tables[t].kernel >= 0 &&
		    vrs_cli_use_kernel_device((unsigned)tables[t].kernel) < 0) {
			fprintf(stderr, "vrsim matrix: cannot register the device "
				"sides of Linux %s\n",
				vrs_cli_kernel_release((unsigned)tables[t].kernel));
			status = VRS_EXIT_USAGE;
			break;
		}
		if (t)
			printf("\n");
		table(sim, &o, pw, cols, ncols, &tables[t],
		      ntables > 1 || tables[t].side != VRS_DEVSIDE_VRSIM,
		      &status);
	}
	if (status == VRS_EXIT_CLEAN)
		legend(o.format, cols, ncols, o.unsupported);
	vrs_sim_destroy(sim);
	return status;
}
