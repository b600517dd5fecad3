/* The one device-table entry linux/virtio.h names.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_MOD_DEVICETABLE_H
#define KSHIM_LINUX_MOD_DEVICETABLE_H
#include "kshim/base.h"
struct virtio_device_id {
	__u32 device;
	__u32 vendor;
};
#define VIRTIO_DEV_ANY_ID 0xffffffff
#endif
