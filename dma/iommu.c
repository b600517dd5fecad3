/* The simulated IOMMU: page table, map/unmap with strict or lazy
 * invalidation, and the DMA API on top (Linux's drivers/iommu/dma-iommu.c).
 *
 * Lazy mode follows Linux's flush queue: unmap clears the PTEs at once but
 * queues both the IOTLB invalidation and the IOVA free, so an IOVA is never
 * handed out again while a device may still cache it. The device can,
 * however, keep reaching the freed page through its IOTLB until the flush:
 * that window is what the stale-IOTLB oracle watches. */
#include <stdlib.h>
#include <string.h>

#include "iommu_internal.h"
#include "vrsim/guard.h"
#include "vrsim/report.h"

int vrs_iommu_create(struct vrs_gmem *gm, const struct vrs_iommu_config *cfg,
		     struct vrs_iommu **out)
{
	VRS_ENSURE(gm && cfg && out, EINVAL);
	VRS_ENSURE(cfg->iova_base != 0 && !(cfg->iova_base & VRS_PAGE_MASK),
		   EINVAL);
	VRS_ENSURE(cfg->aperture > 0 && !(cfg->aperture & VRS_PAGE_MASK),
		   EINVAL);
	VRS_ENSURE((cfg->aperture >> VRS_PAGE_SHIFT) <=
			   (1u << VRS_IOVA_MAX_ORDER), EINVAL);
	/* The last IOVA must not wrap nor be VRS_DMA_MAPPING_ERROR. */
	VRS_ENSURE(cfg->iova_base < VRS_DMA_MAPPING_ERROR - cfg->aperture,
		   EINVAL);
	struct vrs_iommu *io = calloc(1, sizeof(*io));
	VRS_ENSURE(io, ENOMEM);
	io->gm = gm;
	io->cfg = *cfg;
	io->npages = (uint32_t)(cfg->aperture >> VRS_PAGE_SHIFT);
	io->ntop = (io->npages + VRS_IOMMU_LEAF_PTES - 1) >> VRS_IOMMU_LEAF_SHIFT;
	/* Every leaf the aperture can need, so map never allocates; calloc
	 * keeps untouched leaves as untouched zero pages. */
	io->top = calloc(io->ntop, sizeof(*io->top));
	io->leaf_pool = calloc((size_t)io->ntop * VRS_IOMMU_LEAF_PTES,
			       sizeof(*io->leaf_pool));
	io->used_leaves = calloc(io->ntop, sizeof(*io->used_leaves));
	io->rec = calloc(io->npages, sizeof(*io->rec));
	int rc = -ENOMEM;
	if (io->top && io->leaf_pool && io->used_leaves && io->rec)
		rc = vrs_iova_init(&io->iova, io->npages);
	if (rc == 0)
		rc = vrs_iotlb_init(&io->tlb, cfg->iotlb_entries);
	if (rc < 0) {
		vrs_iommu_destroy(io);
		return rc;
	}
	*out = io;
	return 0;
}

void vrs_iommu_destroy(struct vrs_iommu *io)
{
	if (!io)
		return;
	vrs_iotlb_fini(&io->tlb);
	vrs_iova_fini(&io->iova);
	free(io->rec);
	free(io->used_leaves);
	free(io->leaf_pool);
	free(io->top);
	free(io);
}

void vrs_iommu_reset(struct vrs_iommu *io)
{
	for (uint32_t u = 0; u < io->nused; u++) {
		uint32_t t = io->used_leaves[u];
		memset(io->top[t], 0, VRS_IOMMU_LEAF_PTES * sizeof(uint64_t));
		io->top[t] = NULL;
	}
	io->nused = 0;
	io->mapped_pages = 0;
	/* Records are read only at ALLOC heads, which the reset drops. */
	vrs_iova_reset(&io->iova);
	vrs_iotlb_invalidate_all(&io->tlb);
	io->fq_len = 0;
	memset(&io->stats, 0, sizeof(io->stats));
	for (unsigned i = 0; i < VRS_IOMMU_LISTENERS; i++)
		if (io->listener[i].unmap)
			io->listener[i].unmap(io->listener[i].ctx,
					      io->cfg.iova_base, io->cfg.aperture);
}

void vrs_iommu_set_lazy(struct vrs_iommu *io, bool lazy)
{
	/* Going strict must not leave deferred invalidations behind. */
	if (!lazy)
		vrs_iommu_flush(io);
	io->cfg.lazy = lazy;
}

/* The leaf holding page, taken from the pool on first use. */
static uint64_t *leaf_for(struct vrs_iommu *io, uint32_t page)
{
	uint32_t t = page >> VRS_IOMMU_LEAF_SHIFT;
	if (!io->top[t]) {
		/* Leaf t of the pool belongs to top entry t: never shared. */
		io->top[t] = io->leaf_pool + (size_t)t * VRS_IOMMU_LEAF_PTES;
		io->used_leaves[io->nused++] = t;
	}
	return io->top[t];
}

static void set_pte(struct vrs_iommu *io, uint32_t page, uint64_t pte)
{
	leaf_for(io, page)[page & (VRS_IOMMU_LEAF_PTES - 1)] = pte;
}

static void clear_ptes(struct vrs_iommu *io, uint32_t start, uint32_t n)
{
	for (uint32_t p = start; p < start + n; p++)
		if (io->top[p >> VRS_IOMMU_LEAF_SHIFT])
			io->top[p >> VRS_IOMMU_LEAF_SHIFT]
			       [p & (VRS_IOMMU_LEAF_PTES - 1)] = 0;
}

static vrs_dma_addr_t page_iova(const struct vrs_iommu *io, uint32_t page)
{
	return io->cfg.iova_base + ((vrs_dma_addr_t)page << VRS_PAGE_SHIFT);
}

/* The listener is told when the device must stop using a mapping. */
static void tell_unmap(struct vrs_iommu *io, uint32_t head)
{
	const struct vrs_iommu_rec *r = &io->rec[head];
	for (unsigned i = 0; i < VRS_IOMMU_LISTENERS; i++)
		if (io->listener[i].unmap)
			io->listener[i].unmap(io->listener[i].ctx,
					      page_iova(io, head),
					      vrs_iommu_span(r->offset, r->size)
						      << VRS_PAGE_SHIFT);
}

/* Invalidate and free one queued unmap. */
static void retire(struct vrs_iommu *io, uint32_t head)
{
	uint8_t s = io->iova.state[head];
	tell_unmap(io, head);
	vrs_iotlb_invalidate(&io->tlb, head, vrs_iova_block_pages(s));
	io->stats.invalidations++;
	io->rec[head].pending = false;
	vrs_iova_free(&io->iova, head);
}

void vrs_iommu_flush(struct vrs_iommu *io)
{
	for (unsigned i = 0; i < io->fq_len; i++)
		retire(io, io->fq[i]);
	io->fq_len = 0;
}

void vrs_iommu_invalidate_all(struct vrs_iommu *io)
{
	vrs_iotlb_invalidate_all(&io->tlb);
	io->stats.invalidations++;
}

int vrs_iommu_map_range(struct vrs_iommu *io, vrs_gpa_t gpa, size_t size,
			unsigned prot, vrs_dma_addr_t *iova)
{
	VRS_ENSURE(io && iova, EINVAL);
	*iova = VRS_DMA_MAPPING_ERROR;
	VRS_ENSURE(size > 0 && vrs_gmem_range_ok(io->gm, gpa, size), EINVAL);
	VRS_ENSURE(prot && !(prot & ~VRS_PTE_PROT), EINVAL);
	uint64_t offset = gpa & VRS_PAGE_MASK;
	uint64_t n = vrs_iommu_span(offset, size);
	VRS_ENSURE(n <= io->npages, ENOMEM);
	uint32_t start;
	int rc = vrs_iova_alloc(&io->iova, (uint32_t)n, &start);
	if (rc == -ENOMEM && io->fq_len) {
		/* Space held by deferred frees: flush, as the queue's timer
		 * eventually would, and try again. */
		vrs_iommu_flush(io);
		rc = vrs_iova_alloc(&io->iova, (uint32_t)n, &start);
	}
	VRS_GUARD(rc);
	/* No IOTLB invalidation: no entry can exist for a free IOVA (strict
	 * mode invalidated it, lazy mode frees only after invalidating). */
	vrs_gpa_t page_gpa = gpa - offset;
	for (uint32_t p = 0; p < n; p++)
		set_pte(io, start + p,
			(page_gpa + ((uint64_t)p << VRS_PAGE_SHIFT)) |
				VRS_PTE_PRESENT | prot);
	io->mapped_pages += n;
	io->rec[start] = (struct vrs_iommu_rec){
		.size = size, .offset = (uint16_t)offset, .pending = false};
	*iova = page_iova(io, start) + offset;
	for (unsigned i = 0; i < VRS_IOMMU_LISTENERS; i++)
		if (io->listener[i].map)
			io->listener[i].map(io->listener[i].ctx,
					    page_iova(io, start), page_gpa,
					    n << VRS_PAGE_SHIFT, prot);
	return 0;
}

/* Why (iova, size) is not a live mapping, or NULL when it is one. */
static const char *unmap_problem(const struct vrs_iommu *io,
				 vrs_dma_addr_t iova, size_t size,
				 uint32_t *head_out)
{
	if (iova < io->cfg.iova_base ||
	    iova - io->cfg.iova_base >= io->cfg.aperture)
		return "outside the IOVA aperture";
	uint32_t page = (uint32_t)((iova - io->cfg.iova_base) >> VRS_PAGE_SHIFT);
	uint32_t head;
	uint8_t s = vrs_iova_find(&io->iova, page, &head);
	if (!(s & VRS_IOVA_ALLOC))
		return "not mapped (free IOVA)";
	const struct vrs_iommu_rec *r = &io->rec[head];
	if (r->pending)
		return "already unmapped (invalidation pending)";
	if (head != page || r->offset != (iova & VRS_PAGE_MASK))
		return "inside a mapping but not its start";
	if (r->size != size)
		return "size differs from the mapping's";
	*head_out = head;
	return NULL;
}

int vrs_iommu_unmap_range(struct vrs_iommu *io, vrs_dma_addr_t iova,
			  size_t size)
{
	VRS_ENSURE(io, EINVAL);
	uint32_t head = 0;
	const char *why = unmap_problem(io, iova, size, &head);
	if (why) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "iommu: unmap of IOVA 0x%llx size %zu: %s",
			   (unsigned long long)iova, size, why);
		return -EINVAL;
	}
	const struct vrs_iommu_rec *r = &io->rec[head];
	uint32_t n = (uint32_t)vrs_iommu_span(r->offset, r->size);
	clear_ptes(io, head, n);
	io->mapped_pages -= n;
	if (!io->cfg.lazy) {
		tell_unmap(io, head);
		vrs_iotlb_invalidate(&io->tlb, head, n);
		io->stats.invalidations++;
		vrs_iova_free(&io->iova, head);
		return 0;
	}
	/* Linux flushes a full queue right away. */
	if (io->fq_len == VRS_IOMMU_FQ_SIZE)
		vrs_iommu_flush(io);
	io->rec[head].pending = true;
	io->fq[io->fq_len++] = head;
	return 0;
}

int vrs_iommu_lookup(const struct vrs_iommu *io, vrs_dma_addr_t iova,
		     vrs_gpa_t *gpa, unsigned *prot)
{
	VRS_ENSURE(io, EINVAL);
	VRS_ENSURE(iova >= io->cfg.iova_base &&
			   iova - io->cfg.iova_base < io->cfg.aperture,
		   ENOENT);
	uint32_t page = (uint32_t)((iova - io->cfg.iova_base) >> VRS_PAGE_SHIFT);
	uint64_t pte = vrs_iommu_pte(io, page);
	VRS_ENSURE(pte & VRS_PTE_PRESENT, ENOENT);
	if (gpa)
		*gpa = (pte & VRS_PTE_GPA) + (iova & VRS_PAGE_MASK);
	if (prot)
		*prot = (unsigned)(pte & VRS_PTE_PROT);
	return 0;
}

/* Every live mapping, as map_range told it: a vDPA bus sends one IOTLB
 * update per mapping, and an unmap removes what overlaps it, so two
 * mappings must never be told as one. Pending (lazy) unmaps are already
 * gone from the table. */
static void tell_live(struct vrs_iommu *io, const struct vrs_xlate_listener *l)
{
	for (uint32_t page = 0; page < io->npages; page++) {
		if (!io->top[page >> VRS_IOMMU_LEAF_SHIFT]) {
			page |= VRS_IOMMU_LEAF_PTES - 1; /* skip the leaf */
			continue;
		}
		uint32_t head;
		uint8_t st = vrs_iova_find(&io->iova, page, &head);
		uint64_t pte = vrs_iommu_pte(io, page);
		if (head != page || !(st & VRS_IOVA_ALLOC) ||
		    !(pte & VRS_PTE_PRESENT) || io->rec[head].pending)
			continue;
		uint64_t n = vrs_iommu_span(io->rec[head].offset,
					    io->rec[head].size);
		l->map(l->ctx, page_iova(io, page), pte & VRS_PTE_GPA,
		       n << VRS_PAGE_SHIFT, (unsigned)(pte & VRS_PTE_PROT));
		page += (uint32_t)n - 1;
	}
}

static void iommu_watch(void *ctx, const struct vrs_xlate_listener *l,
			bool on)
{
	struct vrs_iommu *io = ctx;
	unsigned free = VRS_IOMMU_LISTENERS;
	for (unsigned i = 0; i < VRS_IOMMU_LISTENERS; i++) {
		if (io->listener[i].map && io->listener[i].ctx == l->ctx)
			io->listener[i] = (struct vrs_xlate_listener){0};
		if (!io->listener[i].map && free == VRS_IOMMU_LISTENERS)
			free = i;
	}
	if (!on || !l->map)
		return;
	if (free == VRS_IOMMU_LISTENERS) {
		vrs_report(VRS_FIND_INTERNAL, "iommu: more than %u listeners",
			   VRS_IOMMU_LISTENERS);
		return;
	}
	io->listener[free] = *l;
	tell_live(io, l);
}

const struct vrs_xlate_mappings *vrs_iommu_mappings(struct vrs_iommu *io)
{
	io->mappings = (struct vrs_xlate_mappings){iommu_watch, io};
	return &io->mappings;
}

size_t vrs_iommu_mapped_pages(const struct vrs_iommu *io)
{
	return io->mapped_pages;
}

void vrs_iommu_get_stats(const struct vrs_iommu *io,
			 struct vrs_iommu_stats *st)
{
	*st = io->stats;
}

/* ---- the DMA API (iommu-dma) ------------------------------------------- */

static unsigned dir_prot(enum vrs_dma_dir dir)
{
	switch (dir) {
	case VRS_DMA_TO_DEVICE:
		return VRS_IOMMU_READ;
	case VRS_DMA_FROM_DEVICE:
		return VRS_IOMMU_WRITE;
	case VRS_DMA_BIDIRECTIONAL:
		return VRS_IOMMU_READ | VRS_IOMMU_WRITE;
	default:
		return 0;
	}
}

static int iommu_map(void *ctx, void *cpu, size_t size, enum vrs_dma_dir dir,
		     enum vrs_dma_kind kind, vrs_dma_addr_t *out)
{
	struct vrs_iommu *io = ctx;
	vrs_gpa_t gpa;
	*out = VRS_DMA_MAPPING_ERROR;
	unsigned prot = dir_prot(dir);
	VRS_ENSURE(size > 0 && prot, EINVAL);
	VRS_GUARD(vrs_gmem_gpa(io->gm, cpu, size, &gpa));
	return vrs_iommu_map_range(io, gpa, size, prot, out);
}

static void iommu_unmap(void *ctx, vrs_dma_addr_t addr, size_t size,
			enum vrs_dma_dir dir, enum vrs_dma_kind kind)
{
	/* A bad unmap is reported inside and changes nothing. */
	vrs_iommu_unmap_range(ctx, addr, size);
}

/* The platform is cache-coherent and nothing bounces: syncs are no-ops. */
static void iommu_sync(void *ctx, vrs_dma_addr_t addr, size_t offset,
		       size_t size, enum vrs_dma_dir dir)
{
}

static int iommu_alloc_coherent(void *ctx, size_t size, void **cpu,
				vrs_dma_addr_t *out)
{
	struct vrs_iommu *io = ctx;
	vrs_gpa_t gpa;
	*cpu = NULL;
	*out = VRS_DMA_MAPPING_ERROR;
	VRS_ENSURE(size > 0, EINVAL);
	VRS_ENSURE(size <= vrs_gmem_size(io->gm), ENOMEM);
	/* Whole pages, as iommu_dma_alloc: the device sees no neighbour. */
	size_t bytes = VRS_ALIGN_UP(size, (size_t)VRS_PAGE_SIZE);
	VRS_GUARD(vrs_gmem_alloc(io->gm, bytes, VRS_OWNER_COHERENT, &gpa));
	int rc = vrs_iommu_map_range(io, gpa, bytes,
				     VRS_IOMMU_READ | VRS_IOMMU_WRITE, out);
	if (rc < 0) {
		vrs_gmem_free(io->gm, gpa, bytes);
		return rc;
	}
	*cpu = vrs_gmem_hva(io->gm, gpa, size);
	return 0;
}

static void iommu_free_coherent(void *ctx, size_t size, void *cpu,
				vrs_dma_addr_t addr)
{
	struct vrs_iommu *io = ctx;
	vrs_gpa_t gpa, mapped;
	if (size == 0 || vrs_gmem_gpa(io->gm, cpu, size, &gpa) < 0 ||
	    vrs_iommu_lookup(io, addr, &mapped, NULL) < 0 || mapped != gpa) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "iommu: free_coherent of %p/0x%llx size %zu, not a "
			   "coherent allocation", cpu,
			   (unsigned long long)addr, size);
		return;
	}
	size_t bytes = VRS_ALIGN_UP(size, (size_t)VRS_PAGE_SIZE);
	/* Pages go back to the allocator only once the device lost them. */
	if (vrs_iommu_unmap_range(io, addr, bytes) == 0)
		vrs_gmem_free(io->gm, gpa, bytes);
}

static bool iommu_mapping_error(void *ctx, vrs_dma_addr_t addr)
{
	return addr == VRS_DMA_MAPPING_ERROR;
}

/* The largest block the allocator has, for a page-aligned buffer. */
static size_t iommu_max_mapping_size(void *ctx)
{
	const struct vrs_iommu *io = ctx;
	return (size_t)1 << (io->iova.max_order + VRS_PAGE_SHIFT);
}

static const struct vrs_dma_ops iommu_ops = {
	.name = "iommu",
	.map = iommu_map,
	.unmap = iommu_unmap,
	.sync_for_cpu = iommu_sync,
	.sync_for_device = iommu_sync,
	.alloc_coherent = iommu_alloc_coherent,
	.free_coherent = iommu_free_coherent,
	.mapping_error = iommu_mapping_error,
	.max_mapping_size = iommu_max_mapping_size,
};

void vrs_iommu_dma(struct vrs_iommu *io, struct vrs_dma *out)
{
	out->ops = &iommu_ops;
	out->ctx = io;
}

/* ---- validity check ------------------------------------------------------ */

/* One allocated block: a live mapping has its pages present and contiguous
 * in GPA, a pending one has none; rounding padding is never mapped. */
static int check_block(const struct vrs_iommu *io, uint32_t head, uint8_t s,
		       uint64_t *live)
{
	const struct vrs_iommu_rec *r = &io->rec[head];
	uint32_t block = vrs_iova_block_pages(s);
	VRS_ENSURE(r->size > 0 && r->offset <= VRS_PAGE_MASK, EINVAL);
	uint64_t n = vrs_iommu_span(r->offset, r->size);
	VRS_ENSURE(n <= block, EINVAL);
	uint64_t first = vrs_iommu_pte(io, head);
	for (uint32_t p = 0; p < block; p++) {
		uint64_t pte = vrs_iommu_pte(io, head + p);
		if (p >= n || r->pending) {
			VRS_ENSURE(!(pte & VRS_PTE_PRESENT), EINVAL);
			continue;
		}
		VRS_ENSURE(pte & VRS_PTE_PRESENT, EINVAL);
		VRS_ENSURE((pte & VRS_PTE_PROT) == (first & VRS_PTE_PROT) &&
				   (pte & VRS_PTE_PROT),
			   EINVAL);
		VRS_ENSURE((pte & VRS_PTE_GPA) ==
				   (first & VRS_PTE_GPA) +
					   ((uint64_t)p << VRS_PAGE_SHIFT),
			   EINVAL);
	}
	VRS_ENSURE(vrs_gmem_range_ok(io->gm, (first & VRS_PTE_GPA) + r->offset,
				     r->size) || r->pending,
		   EINVAL);
	if (!r->pending)
		*live += n;
	return 0;
}

int vrs_iommu_check(const struct vrs_iommu *io)
{
	VRS_ENSURE(io, EINVAL);
	VRS_GUARD(vrs_iova_check(&io->iova));
	/* Every block head is on the allocator's touched list. */
	uint64_t live = 0, pending = 0;
	for (uint32_t t = 0; t < io->iova.ntouched; t++) {
		uint32_t head = io->iova.touched[t];
		uint8_t s = io->iova.state[head];
		if (!(s & VRS_IOVA_ALLOC))
			continue;
		VRS_GUARD(check_block(io, head, s, &live));
		pending += io->rec[head].pending;
	}
	VRS_ENSURE(pending == io->fq_len && (io->cfg.lazy || !pending), EINVAL);
	for (unsigned i = 0; i < io->fq_len; i++) {
		uint32_t head = io->fq[i];
		VRS_ENSURE(head < io->npages &&
				   (io->iova.state[head] & VRS_IOVA_ALLOC) &&
				   io->rec[head].pending,
			   EINVAL);
	}
	/* PTEs outside live mappings would show up as a surplus here. */
	uint64_t present = 0;
	VRS_ENSURE(io->nused <= io->ntop, EINVAL);
	for (uint32_t u = 0; u < io->nused; u++) {
		const uint64_t *leaf = io->top[io->used_leaves[u]];
		VRS_ENSURE(leaf, EINVAL);
		for (unsigned i = 0; i < VRS_IOMMU_LEAF_PTES; i++)
			present += (leaf[i] & VRS_PTE_PRESENT) != 0;
	}
	VRS_ENSURE(present == io->mapped_pages && present == live, EINVAL);
	return vrs_iommu_check_iotlb(io);
}
