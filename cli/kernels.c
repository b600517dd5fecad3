/* The Linux kernels built into this vrsim (kernel/kernels.h), or none
 * when it was configured without a Linux source, and their fuzz targets
 * by the names the replayers have (kernel/CMakeLists.txt). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "fuzz/simtarget.h"

#ifdef VRSIM_HAVE_LINUX
#include "kernel/kernels.h"
#endif

unsigned vrs_cli_kernel_count(void)
{
	unsigned n = 0;
#ifdef VRSIM_HAVE_LINUX
	while (vrs_linux_kernels[n].version)
		n++;
#endif
	return n;
}

/* Kernel i's release ("6.12.118") or version ("6.12"); "?" past the end. */
static const char *kernel_name(unsigned i, bool release)
{
#ifdef VRSIM_HAVE_LINUX
	if (i < vrs_cli_kernel_count())
		return release ? vrs_linux_kernels[i].release
			       : vrs_linux_kernels[i].version;
#endif
	(void)i;
	(void)release;
	return "?";
}

const char *vrs_cli_kernel_release(unsigned i)
{
	return kernel_name(i, true);
}

static const char *kernel_version(unsigned i)
{
	return kernel_name(i, false);
}

int vrs_cli_use_kernel(unsigned i)
{
#ifdef VRSIM_HAVE_LINUX
	if (i < vrs_cli_kernel_count())
		return vrs_driver_register(VRS_DRIVER_LINUX,
					   vrs_linux_kernels[i].ops());
#endif
	(void)i;
	return -ENOENT;
}

/* ---- the Linux fuzz targets ---- */

/* What kernel/fuzz_linux_sim.c and fuzz_linux_driver.c set up, for
 * whichever kernel the name picks. */
static const struct {
	const char *name;
	enum vrs_input_role role;
} linux_kinds[] = {
	{"fuzz_linux_sim", VRS_ROLE_HONEST},
	{"fuzz_linux_driver", VRS_ROLE_HOSTILE_DEV},
};
#define NKINDS (sizeof(linux_kinds) / sizeof(linux_kinds[0]))

static struct {
	char name[64];
	unsigned kernel;
	enum vrs_input_role role;
} picked;

static int linux_target_init(void)
{
	int rc = vrs_cli_use_kernel(picked.kernel);
	return rc < 0 ? rc
		      : vrs_fuzz_sim_init(picked.name, picked.role,
					  VRS_DRIVER_LINUX);
}

static const struct vrs_fuzz_target linux_target =
	VRS_FUZZ_SIM_TARGET(picked.name, linux_target_init);

int vrs_cli_linux_target(const char *name, const struct vrs_fuzz_target **t)
{
	for (unsigned k = 0; k < NKINDS; k++) {
		size_t n = strlen(linux_kinds[k].name);
		if (strncmp(name, linux_kinds[k].name, n) != 0)
			continue;
		const char *suffix = name + n;
		/* plain: the first kernel source, as the plain replayers */
		for (unsigned i = 0; i < vrs_cli_kernel_count(); i++) {
			if (suffix[0] &&
			    (suffix[0] != '-' ||
			     strcmp(suffix + 1, kernel_version(i)) != 0))
				continue;
			if (strlen(name) >= sizeof(picked.name))
				return -ENOENT;
			strcpy(picked.name, name);
			picked.kernel = i;
			picked.role = linux_kinds[k].role;
			*t = &linux_target;
			return 0;
		}
	}
	return -ENOENT;
}

void vrs_cli_print_linux_targets(FILE *f, const char *sep)
{
	for (unsigned k = 0; k < NKINDS; k++)
		for (unsigned i = 0; i < vrs_cli_kernel_count(); i++)
			fprintf(f, "%s%s-%s", sep, linux_kinds[k].name,
				kernel_version(i));
}

int vrs_cli_fuzz_target(const char *name, const struct vrs_fuzz_target **t)
{
	return vrs_fuzz_target_find(name, t) == 0
		       ? 0
		       : vrs_cli_linux_target(name, t);
}

void vrs_cli_print_fuzz_targets(FILE *f, const char *sep)
{
	for (unsigned i = 0; vrs_fuzz_targets[i]; i++)
		fprintf(f, "%s%s", i ? sep : "", vrs_fuzz_targets[i]->name);
	vrs_cli_print_linux_targets(f, sep);
}
