/* Deterministic fault injection over another DMA API instance: the Nth map
 * or coherent allocation fails with -ENOMEM (and every later one too when
 * persistent), exactly as a real backend reports exhaustion, so the driver's
 * error paths run without rand(). */
#include "dma/fault.h"

#include "vrsim/guard.h"

void vrs_dma_fault_init(struct vrs_dma_fault *f, const struct vrs_dma *inner,
			uint32_t fail_nth, bool persistent)
{
	f->inner = *inner;
	f->fail_nth = fail_nth;
	f->persistent = persistent;
	f->calls = 0;
	f->injected = 0;
}

/* Count one map or allocation; true when it is the one to fail. */
static bool should_fail(struct vrs_dma_fault *f)
{
	if (f->calls < UINT32_MAX) /* saturate: a wrap would refire fail_nth */
		f->calls++;
	if (f->fail_nth == 0)
		return false;
	bool fail = f->persistent ? f->calls >= f->fail_nth
				  : f->calls == f->fail_nth;
	if (fail)
		f->injected++;
	return fail;
}

static int fault_map(void *ctx, void *cpu, size_t size, enum vrs_dma_dir dir,
		     enum vrs_dma_kind kind, vrs_dma_addr_t *out)
{
	struct vrs_dma_fault *f = ctx;
	if (should_fail(f)) {
		*out = VRS_DMA_MAPPING_ERROR;
		return -ENOMEM;
	}
	return f->inner.ops->map(f->inner.ctx, cpu, size, dir, kind, out);
}

static void fault_unmap(void *ctx, vrs_dma_addr_t addr, size_t size,
			enum vrs_dma_dir dir, enum vrs_dma_kind kind)
{
	struct vrs_dma_fault *f = ctx;
	f->inner.ops->unmap(f->inner.ctx, addr, size, dir, kind);
}

static void fault_sync_for_cpu(void *ctx, vrs_dma_addr_t addr, size_t offset,
			       size_t size, enum vrs_dma_dir dir)
{
	struct vrs_dma_fault *f = ctx;
	f->inner.ops->sync_for_cpu(f->inner.ctx, addr, offset, size, dir);
}

static void fault_sync_for_device(void *ctx, vrs_dma_addr_t addr,
				  size_t offset, size_t size,
				  enum vrs_dma_dir dir)
{
	struct vrs_dma_fault *f = ctx;
	f->inner.ops->sync_for_device(f->inner.ctx, addr, offset, size, dir);
}

static int fault_alloc_coherent(void *ctx, size_t size, void **cpu,
				vrs_dma_addr_t *out)
{
	struct vrs_dma_fault *f = ctx;
	if (should_fail(f)) {
		*cpu = NULL;
		*out = VRS_DMA_MAPPING_ERROR;
		return -ENOMEM;
	}
	return f->inner.ops->alloc_coherent(f->inner.ctx, size, cpu, out);
}

static void fault_free_coherent(void *ctx, size_t size, void *cpu,
				vrs_dma_addr_t addr)
{
	struct vrs_dma_fault *f = ctx;
	f->inner.ops->free_coherent(f->inner.ctx, size, cpu, addr);
}

static bool fault_mapping_error(void *ctx, vrs_dma_addr_t addr)
{
	struct vrs_dma_fault *f = ctx;
	/* An injected failure hands out VRS_DMA_MAPPING_ERROR, which the
	 * backend never issued: answer for it here, whatever the backend. */
	return addr == VRS_DMA_MAPPING_ERROR ||
	       f->inner.ops->mapping_error(f->inner.ctx, addr);
}

static size_t fault_max_mapping_size(void *ctx)
{
	struct vrs_dma_fault *f = ctx;
	return f->inner.ops->max_mapping_size(f->inner.ctx);
}

static const struct vrs_dma_ops fault_ops = {
	.name = "dma-fault",
	.map = fault_map,
	.unmap = fault_unmap,
	.sync_for_cpu = fault_sync_for_cpu,
	.sync_for_device = fault_sync_for_device,
	.alloc_coherent = fault_alloc_coherent,
	.free_coherent = fault_free_coherent,
	.mapping_error = fault_mapping_error,
	.max_mapping_size = fault_max_mapping_size,
};

void vrs_dma_fault_dma(struct vrs_dma_fault *f, struct vrs_dma *out)
{
	out->ops = &fault_ops;
	out->ctx = f;
}
