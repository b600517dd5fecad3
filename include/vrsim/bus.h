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
	/* Optional (NULL: never). The host address of [addr, addr + len),
	 * in one contiguous piece, when the access (a read; a write if
	 * write) would succeed and do nothing but count: no finding, no
	 * ciphertext, no fault injection, no other side effect. The access
	 * counts as made. NULL otherwise, and the caller then uses read and
	 * write, which report as before. The bus may look addr up in its
	 * translator either way (an IOTLB counts the lookup). */
	void *(*direct)(void *ctx, vrs_dma_addr_t addr, size_t len,
			bool write);
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

/* NULL where the bus has no direct op, or refuses (see struct vrs_bus_ops). */
static inline void *vrs_bus_direct(const struct vrs_bus *b,
				   vrs_dma_addr_t addr, size_t len, bool write)
{
	return b->ops->direct ? b->ops->direct(b->ctx, addr, len, write)
			      : NULL;
}

#endif
