/* struct device: what virtio_ring.c reads of it is the parent (the
 * transport's DMA device) and, through the DMA API, the vrsim DMA stack the
 * shim hangs on it. */
#ifndef KSHIM_DEVICE_H
#define KSHIM_DEVICE_H

#include "kshim/base.h"

struct device_driver {
	const char *name;
};

struct device {
	struct device *parent;
	const char *init_name;
	struct device_driver *driver;
	void *driver_data;
	/* vrsim: the struct kshim_dma this device maps through */
	void *kshim_dma;
};

static inline const char *dev_name(const struct device *dev)
{
	return dev->init_name ? dev->init_name : "virtio";
}

#define dev_err(dev, fmt...) kshim_printk("err", fmt)
#define dev_warn(dev, fmt...) kshim_printk("warn", fmt)
#define dev_info(dev, fmt...) kshim_printk("info", fmt)
#define dev_dbg(dev, fmt...) do { if (0) kshim_printk("debug", fmt); } while (0)
#define dev_warn_once(dev, fmt...) kshim_printk("warn", fmt)
#define dev_err_once(dev, fmt...) kshim_printk("err", fmt)

#endif
