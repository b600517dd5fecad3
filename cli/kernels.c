/* The Linux kernels built into this vrsim (kernel/kernels.h), or none
 * when it was configured without a Linux source. */
#include <errno.h>

#include "cli.h"

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

const char *vrs_cli_kernel_release(unsigned i)
{
#ifdef VRSIM_HAVE_LINUX
	if (i < vrs_cli_kernel_count())
		return vrs_linux_kernels[i].release;
#endif
	(void)i;
	return "?";
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
