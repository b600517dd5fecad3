/* The Linux kernels built into this vrsim (kernel/kernels.h), or none
 * when it was configured without a Linux source, and their fuzz targets
 * by the names the replayers have (kernel/CMakeLists.txt). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "fuzz/simtarget.h"
#include "sim/machine.h"
#include "vrsim/virtio.h"

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

const char *vrs_cli_kernel_version(unsigned i)
{
	return kernel_version(i);
}

int vrs_cli_kernel_by_name(const char *name)
{
	for (unsigned i = 0; i < vrs_cli_kernel_count(); i++)
		if (strcmp(name, kernel_version(i)) == 0 ||
		    strcmp(name, vrs_cli_kernel_release(i)) == 0)
			return (int)i;
	return -ENOENT;
}

/* The kernels whose driver and device sides are registered now. */
static int driver_kernel = -1, device_kernel = -1;

#ifdef VRSIM_HAVE_LINUX
/* Kernel i's vringh of one flavour, or NULL (a tree without vringh.c). */
static const struct vrs_device_ops *kernel_device(unsigned i, bool kern)
{
	const struct vrs_linux_kernel *k = &vrs_linux_kernels[i];
	const struct vrs_device_ops *(*get)(void) =
		kern ? k->device_kern : k->device;
	return get ? get() : NULL;
}
#endif

const struct vrs_device_ops *vrs_cli_kernel_device(unsigned i,
						   enum vrs_device_side_id id)
{
#ifdef VRSIM_HAVE_LINUX
	if (i < vrs_cli_kernel_count() && id != VRS_DEVSIDE_VRSIM)
		return kernel_device(i, id == VRS_DEVSIDE_LINUX_KERN);
#endif
	(void)i;
	(void)id;
	return NULL;
}

bool vrs_cli_kernel_has_device(unsigned i)
{
	return vrs_cli_kernel_device(i, VRS_DEVSIDE_LINUX) ||
	       vrs_cli_kernel_device(i, VRS_DEVSIDE_LINUX_KERN);
}

int vrs_cli_use_kernel_driver(unsigned i)
{
#ifdef VRSIM_HAVE_LINUX
	if (i < vrs_cli_kernel_count()) {
		int rc = vrs_driver_register(VRS_DRIVER_LINUX,
					     vrs_linux_kernels[i].ops());
		if (rc == 0)
			driver_kernel = (int)i;
		return rc;
	}
#endif
	(void)i;
	return -ENOENT;
}

int vrs_cli_use_kernel_device(unsigned i)
{
#ifdef VRSIM_HAVE_LINUX
	if (i >= vrs_cli_kernel_count())
		return -ENOENT;
	if (!vrs_cli_kernel_has_device(i))
		return -ENODEV;
	static const struct {
		enum vrs_device_side_id id;
		bool kern;
	} flavours[] = {
		{VRS_DEVSIDE_LINUX, false},
		{VRS_DEVSIDE_LINUX_KERN, true},
	};
	for (unsigned f = 0; f < 2; f++) {
		const struct vrs_device_ops *d = kernel_device(i, flavours[f].kern);
		int rc = d ? vrs_device_side_register(flavours[f].id, d) : 0;
		if (rc < 0)
			return rc;
	}
	device_kernel = (int)i;
	return 0;
#else
	(void)i;
	return -ENOENT;
#endif
}

int vrs_cli_use_kernel(unsigned i)
{
	int rc = vrs_cli_use_kernel_driver(i);
	if (rc < 0)
		return rc;
	rc = vrs_cli_use_kernel_device(i);
	return rc == -ENODEV ? 0 : rc; /* a tree without vringh: driver only */
}

const char *vrs_cli_unsupported_why(enum vrs_device_side_id side)
{
	if (side == VRS_DEVSIDE_LINUX_KERN)
		return "vringh's _kern accessors need a bus address that is "
		       "a GPA (no IOMMU, no DMA offset or window); "
		       "--device-side linux runs there";
	return "the device side refused the platform (-EOPNOTSUPP)";
}

/* Whether a device on platform plat, ACCESS_PLATFORM negotiated or not,
 * sees GPAs on its bus: set up a machine of our own as the run's was. */
static bool bus_is_gpa(enum vrs_platform_id plat, bool access_platform)
{
	static struct vrs_machine *m;
	if (!m && vrs_machine_create(NULL, &m) < 0)
		return true; /* cannot tell: not the reason */
	struct vrs_run_config rc = {.platform = plat,
				    .access_platform = access_platform};
	if (vrs_machine_setup(m, &rc) < 0)
		return true;
	bool gpa = vrs_machine_bus_is_gpa(m);
	vrs_machine_clean(m);
	return gpa;
}

bool vrs_cli_side_unsupported(const struct vrs_sim_config *cfg,
			      const struct vrs_sim_result *r)
{
	/* The simulation calls a queue that fails to come up "broken"
	 * before the first step; -EOPNOTSUPP of linux-kern's create is
	 * that on a platform where a bus address is not a GPA. */
	return cfg->device_side == VRS_DEVSIDE_LINUX_KERN &&
	       r->outcome == VRS_OUT_BROKEN && r->steps == 0 &&
	       r->submitted == 0 && r->path != VRS_REFUSE &&
	       !bus_is_gpa(cfg->platform,
			   vrs_has_feature(r->accepted, VRS_F_ACCESS_PLATFORM));
}

int vrs_cli_kernel_in_use(bool device)
{
	return device ? device_kernel : driver_kernel;
}

/* ---- the Linux fuzz targets ---- */

/* What fuzz/linux_target.c sets up for fuzz_linux_sim and _driver, for
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
