/* The Linux ring as a driver under test (kernel/linux_driver.c), for the
 * executables built per kernel version: they register it with the
 * simulation (sim/driver_registry.h) before the first run. */
#ifndef VRSIM_KERNEL_LINUX_H
#define VRSIM_KERNEL_LINUX_H

#include "vrsim/driver.h"

/* The ops table, its features filled in from the kernel's own
 * vring_transport_features() on first call. */
const struct vrs_driver_ops *vrs_linux_driver_ops(void);
/* The kernel's queue behind one of its driver queues (NULL before start
 * or after shutdown), for tests and benchmarks that look inside. */
struct virtqueue;
struct virtqueue *vrs_linux_virtqueue(const struct vrs_driver_queue *q);
/* Linux's vringh as a device side under test (kernel/linux_device.c): the
 * _iotlb flavour ("linux") and the _kern one ("linux-kern"). NULL when
 * the kernel tree had no drivers/vhost/vringh.c. */
struct vrs_device_ops;
const struct vrs_device_ops *vrs_linux_device_ops(void);
const struct vrs_device_ops *vrs_linux_device_kern_ops(void);
/* The kernel release the ring was built from ("6.12.117"). */
extern const char vrs_linux_release[];

#endif
