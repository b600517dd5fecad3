/* A kernel tree without drivers/vhost/vringh.c: the driver side only. */
#include <stddef.h>

#include "kernel/linux.h"

const struct vrs_device_ops *vrs_linux_device_ops(void)
{
	return NULL;
}

const struct vrs_device_ops *vrs_linux_device_kern_ops(void)
{
	return NULL;
}
