/* dma-direct, as Linux's kernel/dma/direct.c: the bus address is the GPA plus
 * a fixed offset (translate_phys_to_dma over a dma_range_map), with the
 * shared alias bit on decrypted memory (phys_to_dma_unencrypted), optionally
 * bouncing through a swiotlb when the platform forces it (protected guests,
 * restricted pools). */
#include "dma/direct.h"

#include "dma/encrypt.h"
#include "dma/swiotlb.h"
#include "vrsim/guard.h"
#include "vrsim/report.h"

void vrs_direct_init(struct vrs_direct *d, struct vrs_gmem *gm,
		     const struct vrs_direct_config *cfg)
{
	d->gm = gm;
	d->cfg = *cfg;
}

static bool bounces(const struct vrs_direct *d)
{
	return d->cfg.swiotlb && d->cfg.force_bounce;
}

/* Coherent memory the device shares: pool slots or decrypted pages. */
static bool coherent_decrypted(const struct vrs_direct *d)
{
	return (d->cfg.coherent_from_pool && d->cfg.swiotlb) ||
	       d->cfg.decrypt_coherent;
}

/* phys_to_dma(), or phys_to_dma_unencrypted() for decrypted memory: the
 * offset first, then the alias (Linux: dma_addr_unencrypted of
 * __phys_to_dma). */
static vrs_dma_addr_t to_bus(const struct vrs_direct *d, vrs_gpa_t gpa,
			     bool decrypted)
{
	vrs_dma_addr_t addr = gpa + d->cfg.offset;
	return decrypted ? addr | d->cfg.shared_alias : addr;
}

static int direct_map(void *ctx, void *cpu, size_t size, enum vrs_dma_dir dir,
		      enum vrs_dma_kind kind, vrs_dma_addr_t *out)
{
	struct vrs_direct *d = ctx;
	vrs_gpa_t gpa;
	*out = VRS_DMA_MAPPING_ERROR;
	VRS_ENSURE(size > 0 && vrs_dma_dir_valid(dir) && dir != VRS_DMA_NONE,
		   EINVAL);
	VRS_GUARD(vrs_gmem_gpa(d->gm, cpu, size, &gpa));
	if (bounces(d))
		VRS_GUARD(vrs_swiotlb_map(d->cfg.swiotlb, gpa, size, dir, &gpa));
	/* A bounce slot is decrypted memory (swiotlb_map hands out
	 * phys_to_dma_unencrypted); an unbounced buffer is not. */
	*out = to_bus(d, gpa, bounces(d));
	return 0;
}

/* The GPA behind a bus address, when it is one this backend could issue:
 * dma_to_phys(), which clears the alias (dma_addr_canonical) and then
 * takes the offset off. */
static bool bus_to_gpa(const struct vrs_direct *d, vrs_dma_addr_t addr,
		       vrs_gpa_t *gpa)
{
	addr &= ~d->cfg.shared_alias;
	if (addr < d->cfg.offset)
		return false;
	*gpa = addr - d->cfg.offset;
	return vrs_gmem_range_ok(d->gm, *gpa, 1);
}

static void direct_unmap(void *ctx, vrs_dma_addr_t addr, size_t size,
			 enum vrs_dma_dir dir, enum vrs_dma_kind kind)
{
	struct vrs_direct *d = ctx;
	vrs_gpa_t gpa;
	if (!bus_to_gpa(d, addr, &gpa)) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "dma-direct: unmap of 0x%llx, not a bus address of "
			   "guest memory", (unsigned long long)addr);
		return;
	}
	if (bounces(d))
		vrs_swiotlb_unmap(d->cfg.swiotlb, gpa, size, dir);
}

static void direct_sync(struct vrs_direct *d, vrs_dma_addr_t addr,
			size_t offset, size_t size, enum vrs_dma_dir dir,
			bool for_cpu)
{
	vrs_gpa_t gpa;
	if (!bounces(d))
		return; /* cache-coherent: nothing to copy */
	if (!bus_to_gpa(d, addr, &gpa) || offset > SIZE_MAX - gpa) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "dma-direct: sync of 0x%llx, not a bus address of "
			   "guest memory", (unsigned long long)addr);
		return;
	}
	if (for_cpu)
		vrs_swiotlb_sync_for_cpu(d->cfg.swiotlb, gpa + offset, size, dir);
	else
		vrs_swiotlb_sync_for_device(d->cfg.swiotlb, gpa + offset, size,
					    dir);
}

static void direct_sync_for_cpu(void *ctx, vrs_dma_addr_t addr, size_t offset,
				size_t size, enum vrs_dma_dir dir)
{
	direct_sync(ctx, addr, offset, size, dir, true);
}

static void direct_sync_for_device(void *ctx, vrs_dma_addr_t addr,
				   size_t offset, size_t size,
				   enum vrs_dma_dir dir)
{
	direct_sync(ctx, addr, offset, size, dir, false);
}

static int direct_alloc_coherent(void *ctx, size_t size, void **cpu,
				 vrs_dma_addr_t *out)
{
	struct vrs_direct *d = ctx;
	vrs_gpa_t gpa;
	*cpu = NULL;
	*out = VRS_DMA_MAPPING_ERROR;
	VRS_ENSURE(size > 0, EINVAL);
	if (d->cfg.coherent_from_pool && d->cfg.swiotlb) {
		VRS_GUARD(vrs_swiotlb_alloc(d->cfg.swiotlb, size, &gpa));
	} else {
		/* Whole pages, so that decrypting them shares nothing else. */
		size_t bytes = VRS_ALIGN_UP(size, (size_t)VRS_PAGE_SIZE);
		VRS_GUARD(vrs_gmem_alloc(d->gm, bytes, VRS_OWNER_COHERENT, &gpa));
		if (d->cfg.decrypt_coherent) {
			int rc = vrs_set_memory_decrypted(
				d->gm, gpa, bytes >> VRS_PAGE_SHIFT);
			if (rc < 0) {
				vrs_gmem_free(d->gm, gpa, bytes);
				return rc;
			}
		}
	}
	*cpu = vrs_gmem_hva(d->gm, gpa, size);
	*out = to_bus(d, gpa, coherent_decrypted(d));
	return 0;
}

static void direct_free_coherent(void *ctx, size_t size, void *cpu,
				 vrs_dma_addr_t addr)
{
	struct vrs_direct *d = ctx;
	vrs_gpa_t gpa;
	if (vrs_gmem_gpa(d->gm, cpu, size, &gpa) < 0 ||
	    to_bus(d, gpa, coherent_decrypted(d)) != addr) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "dma-direct: free_coherent of %p/0x%llx, not a "
			   "coherent allocation", cpu, (unsigned long long)addr);
		return;
	}
	if (d->cfg.coherent_from_pool && d->cfg.swiotlb) {
		vrs_swiotlb_free(d->cfg.swiotlb, gpa, size);
		return;
	}
	size_t bytes = VRS_ALIGN_UP(size, (size_t)VRS_PAGE_SIZE);
	/* Re-encrypt before the pages go back to the allocator, as Linux
	 * does, so a later user never gets a page the host can read. */
	if (d->cfg.decrypt_coherent)
		vrs_set_memory_encrypted(d->gm, gpa, bytes >> VRS_PAGE_SHIFT);
	vrs_gmem_free(d->gm, gpa, bytes);
}

static bool direct_mapping_error(void *ctx, vrs_dma_addr_t addr)
{
	return addr == VRS_DMA_MAPPING_ERROR;
}

static size_t direct_max_mapping_size(void *ctx)
{
	struct vrs_direct *d = ctx;
	return bounces(d) ? vrs_swiotlb_max_mapping_size(d->cfg.swiotlb)
			  : SIZE_MAX;
}

static const struct vrs_dma_ops direct_ops = {
	.name = "direct",
	.map = direct_map,
	.unmap = direct_unmap,
	.sync_for_cpu = direct_sync_for_cpu,
	.sync_for_device = direct_sync_for_device,
	.alloc_coherent = direct_alloc_coherent,
	.free_coherent = direct_free_coherent,
	.mapping_error = direct_mapping_error,
	.max_mapping_size = direct_max_mapping_size,
};

void vrs_direct_dma(struct vrs_direct *d, struct vrs_dma *out)
{
	out->ops = &direct_ops;
	out->ctx = d;
}

static enum vrs_xlate_fault direct_translate(void *ctx, vrs_dma_addr_t addr,
					     bool write,
					     struct vrs_xlate_result *res)
{
	struct vrs_direct *d = ctx;
	vrs_gpa_t gpa;
	/* Without the alias the address is the protected IPA: no host
	 * mapping reaches it (a CCA granule protection fault). */
	if (d->cfg.shared_alias && !(addr & d->cfg.shared_alias))
		return VRS_XLATE_UNMAPPED;
	if (!bus_to_gpa(d, addr, &gpa))
		return VRS_XLATE_OUTSIDE;
	res->gpa = gpa;
	res->contiguous = vrs_gmem_size(d->gm) - gpa;
	res->stale = false;
	return VRS_XLATE_OK;
}

void vrs_direct_xlate(struct vrs_direct *d, struct vrs_xlate *out)
{
	out->translate = direct_translate;
	out->ctx = d;
}
