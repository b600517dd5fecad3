/* kernel/ links with the base and the interfaces alone: the Linux ring of
 * one kernel version, and its vringh where the kernel tree had one, in a
 * program linked against that kernel/ library and nothing above it, so a
 * call from kernel/ into sim/, fuzz/ or cli/ fails this build. Exit 0 when
 * both sides answer with their own names and the kernel's features. */
#include <stdio.h>
#include <string.h>

#include "kernel/linux.h"
#include "vrsim/device.h"

int main(void)
{
	const struct vrs_driver_ops *drv = vrs_linux_driver_ops();
	const struct vrs_device_ops *dev = vrs_linux_device_ops();
	int ok = drv && strcmp(drv->name, "linux") == 0 && drv->features &&
		 vrs_linux_release[0];
	ok &= !dev || strcmp(dev->name, "linux") == 0;
	printf("kernel alone: Linux %s, driver %s, device side %s: %s\n",
	       vrs_linux_release, drv ? drv->name : "none",
	       dev ? dev->name : "none", ok ? "ok" : "FAILED");
	return !ok;
}
