/* The driver-side DMA API: a table of function pointers plus a context.
 *
 * This is the only way ring/ reaches memory the device will see. Backends in
 * dma/ implement it (direct, iommu, swiotlb, xen); wrappers (debug, fault
 * injection) implement it over another instance. The calls mirror Linux's
 * DMA API: streaming maps hand back a bus address through an out-parameter
 * and return 0 or a negative errno; on failure the address is also set to
 * VRS_DMA_MAPPING_ERROR, and mapping_error() must be asked, as in Linux. */
#ifndef VRSIM_DMA_H
#define VRSIM_DMA_H

#include "vrsim/types.h"

struct vrs_dma_ops {
	const char *name;
	/* Map [cpu, cpu+size) of guest memory (a kernel virtual address). */
	int (*map)(void *ctx, void *cpu, size_t size, enum vrs_dma_dir dir,
		   enum vrs_dma_kind kind, vrs_dma_addr_t *out);
	void (*unmap)(void *ctx, vrs_dma_addr_t addr, size_t size,
		      enum vrs_dma_dir dir, enum vrs_dma_kind kind);
	/* Sync [addr+offset, addr+offset+size) of a live streaming mapping. */
	void (*sync_for_cpu)(void *ctx, vrs_dma_addr_t addr, size_t offset,
			     size_t size, enum vrs_dma_dir dir);
	void (*sync_for_device)(void *ctx, vrs_dma_addr_t addr, size_t offset,
				size_t size, enum vrs_dma_dir dir);
	/* Coherent memory: both sides see it at all times (shared pages on a
	 * protected guest). */
	int (*alloc_coherent)(void *ctx, size_t size, void **cpu,
			      vrs_dma_addr_t *out);
	void (*free_coherent)(void *ctx, size_t size, void *cpu,
			      vrs_dma_addr_t addr);
	bool (*mapping_error)(void *ctx, vrs_dma_addr_t addr);
	size_t (*max_mapping_size)(void *ctx);
};

struct vrs_dma {
	const struct vrs_dma_ops *ops;
	void *ctx;
};

/* Front-end helpers with Linux's names, so driver code reads like Linux. */
static inline int vrs_dma_map_single(const struct vrs_dma *d, void *cpu,
				     size_t size, enum vrs_dma_dir dir,
				     vrs_dma_addr_t *out)
{
	return d->ops->map(d->ctx, cpu, size, dir, VRS_DMA_KIND_SINGLE, out);
}

static inline void vrs_dma_unmap_single(const struct vrs_dma *d,
					vrs_dma_addr_t addr, size_t size,
					enum vrs_dma_dir dir)
{
	d->ops->unmap(d->ctx, addr, size, dir, VRS_DMA_KIND_SINGLE);
}

static inline int vrs_dma_map_page(const struct vrs_dma *d, void *cpu,
				   size_t size, enum vrs_dma_dir dir,
				   vrs_dma_addr_t *out)
{
	return d->ops->map(d->ctx, cpu, size, dir, VRS_DMA_KIND_PAGE, out);
}

static inline void vrs_dma_unmap_page(const struct vrs_dma *d,
				      vrs_dma_addr_t addr, size_t size,
				      enum vrs_dma_dir dir)
{
	d->ops->unmap(d->ctx, addr, size, dir, VRS_DMA_KIND_PAGE);
}

static inline void vrs_dma_sync_for_cpu(const struct vrs_dma *d,
					vrs_dma_addr_t addr, size_t offset,
					size_t size, enum vrs_dma_dir dir)
{
	d->ops->sync_for_cpu(d->ctx, addr, offset, size, dir);
}

static inline void vrs_dma_sync_for_device(const struct vrs_dma *d,
					   vrs_dma_addr_t addr, size_t offset,
					   size_t size, enum vrs_dma_dir dir)
{
	d->ops->sync_for_device(d->ctx, addr, offset, size, dir);
}

static inline int vrs_dma_alloc_coherent(const struct vrs_dma *d, size_t size,
					 void **cpu, vrs_dma_addr_t *out)
{
	return d->ops->alloc_coherent(d->ctx, size, cpu, out);
}

static inline void vrs_dma_free_coherent(const struct vrs_dma *d, size_t size,
					 void *cpu, vrs_dma_addr_t addr)
{
	d->ops->free_coherent(d->ctx, size, cpu, addr);
}

static inline bool vrs_dma_mapping_error(const struct vrs_dma *d,
					 vrs_dma_addr_t addr)
{
	return d->ops->mapping_error(d->ctx, addr);
}

static inline size_t vrs_dma_max_mapping_size(const struct vrs_dma *d)
{
	return d->ops->max_mapping_size(d->ctx);
}

#endif
