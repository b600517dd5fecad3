/* The vrsim command line: subcommands and the option parsing they share. */
#ifndef VRSIM_CLI_CLI_H
#define VRSIM_CLI_CLI_H

#include <stdio.h>

#include "sim/sim.h"

/* Exit statuses. */
#define VRS_EXIT_CLEAN 0    /* no oracle fired */
#define VRS_EXIT_FINDING 1  /* at least one finding */
#define VRS_EXIT_USAGE 2    /* bad command line or unreadable input */

/* Subcommands: argv[0] is the subcommand's name. */
int vrs_cmd_run(int argc, char **argv);
int vrs_cmd_matrix(int argc, char **argv);
int vrs_cmd_decode(int argc, char **argv);
void vrs_cmd_decode_usage(FILE *f);
void vrs_cmd_run_usage(FILE *f);
void vrs_cmd_matrix_usage(FILE *f);

/* The option loop the subcommands share (getopt_long, "h" for --help):
 * apply(ctx, c, optarg) takes each option and returns -1 after reporting
 * a bad argument. 0, or 1 with the usage error reported; *done when
 * --help was asked (the usage is printed). argv[0] names the command in
 * messages; no positional arguments. */
struct option;
int vrs_cli_parse(int argc, char **argv, const struct option *opts,
		  void (*usage)(FILE *),
		  int (*apply)(void *ctx, int c, const char *arg), void *ctx,
		  bool *done);

/* Option arguments. Each returns 0, or prints a message naming the option
 * (and, for names, every valid one) to stderr and returns -1. */
int vrs_cli_number(const char *opt, const char *arg, unsigned long long min,
		   unsigned long long max, unsigned long long *out);
int vrs_cli_driver(const char *arg, enum vrs_driver_id *out);
int vrs_cli_device_side(const char *arg, enum vrs_device_side_id *out);
int vrs_cli_platform(const char *arg, enum vrs_platform_id *out);
int vrs_cli_policy(const char *arg, enum vrs_policy *out);
int vrs_cli_device(const char *arg, enum vrs_device_kind *out);
/* A comma-separated list of feature names, "all" or "none". */
int vrs_cli_features(const char *arg, uint64_t *out);

/* Feature bits as a comma-separated list of names ("none" when empty). */
void vrs_cli_feature_list(uint64_t bits, char *buf, size_t len);

/* The one-word outcome the matrix prints, and what the policy chose. */
const char *vrs_cli_outcome_word(enum vrs_outcome o);
const char *vrs_cli_path_name(enum vrs_policy_decision d);

/* The Linux kernels built in (cli/kernels.c), first source first: how
 * many, the release of one ("6.12.117") and its version ("6.12"), the
 * index a version or release names (or -ENOENT), and whether its tree had
 * vringh (the device sides linux and linux-kern). */
unsigned vrs_cli_kernel_count(void);
const char *vrs_cli_kernel_release(unsigned i);
const char *vrs_cli_kernel_version(unsigned i);
int vrs_cli_kernel_by_name(const char *name);
bool vrs_cli_kernel_has_device(unsigned i);
/* Kernel i's device side id (linux or linux-kern), or NULL. */
const struct vrs_device_ops *vrs_cli_kernel_device(unsigned i,
						   enum vrs_device_side_id id);
/* Make kernel i the one --driver linux runs (_driver), the one
 * --device-side linux and linux-kern run (_device: -ENODEV when its tree
 * had no vringh), or both (its device sides only when it has them): 0, or
 * -ENOENT past the kernels built in. main() registers the first. */
int vrs_cli_use_kernel_driver(unsigned i);
int vrs_cli_use_kernel_device(unsigned i);
int vrs_cli_use_kernel(unsigned i);
/* The kernel registered now as the driver (false) or the device sides
 * (true), or -1: none. */
int vrs_cli_kernel_in_use(bool device);
/* Whether a run's device side could not run on its platform at all
 * (linux-kern where a bus address is not a GPA: its create says
 * -EOPNOTSUPP and the run comes out broken before any step), and why. */
bool vrs_cli_side_unsupported(const struct vrs_sim_config *cfg,
			      const struct vrs_sim_result *r);
const char *vrs_cli_unsupported_why(enum vrs_device_side_id side);

/* The fuzz targets whose inputs the command line reads: every one the
 * registry knows (fuzz/registry.c) and, with kernels built in, the Linux
 * ones by the replayers' names: fuzz_linux_sim and fuzz_linux_driver,
 * plain (the first kernel) or with a kernel's version (-6.1). 0 and *t
 * (a Linux target's init registers its kernel), or -ENOENT. */
struct vrs_fuzz_target;
int vrs_cli_fuzz_target(const char *name, const struct vrs_fuzz_target **t);
int vrs_cli_linux_target(const char *name, const struct vrs_fuzz_target **t);
/* Their names, sep between them (the Linux ones with their versions). */
void vrs_cli_print_fuzz_targets(FILE *f, const char *sep);
void vrs_cli_print_linux_targets(FILE *f, const char *sep);

/* Lines listing the valid names, for usage texts. */
void vrs_cli_print_names(FILE *f);

#endif
