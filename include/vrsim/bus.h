/* The device-side bus: how a device reaches guest memory.
 *
 * ring/'s device side and the model devices use only this. An access may
 * fail (unmapped IOVA, missing permission, private page, outside memory):
 * failure is a return value (-EFAULT), recorded by sim/ as a DMA-fault
 * event, never undefined behaviour. */
#ifndef VRSIM_BUS_H
#define VRSIM_BUS_H

#include "vrsim/types.h"

struct vrs_bus_ops {
	int (*read)(void *ctx, vrs_dma_addr_t addr, void *dst, size_t len);
	int (*write)(void *ctx, vrs_dma_addr_t addr, const void *src,
		     size_t len);
};

struct vrs_bus {
	const struct vrs_bus_ops *ops;
	void *ctx;
};

static inline int vrs_bus_read(const struct vrs_bus *b, vrs_dma_addr_t addr,
			       void *dst, size_t len)
{
	return b->ops->read(b->ctx, addr, dst, len);
}

static inline int vrs_bus_write(const struct vrs_bus *b, vrs_dma_addr_t addr,
				const void *src, size_t len)
{
	return b->ops->write(b->ctx, addr, src, len);
}

#endif
