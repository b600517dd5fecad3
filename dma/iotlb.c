/* The device's IOTLB (an ATS cache) and the device's translation through it.
 *
 * Hardware answers from the cache without looking at the page table; only an
 * invalidation removes an entry. So a hit whose PTE has since been cleared is
 * served anyway: the translator marks it stale and sim/ reports the access.
 * Direct-mapped by IOVA page: deterministic, and adjacent pages never evict
 * each other. */
#include <stdlib.h>

#include "iommu_internal.h"
#include "vrsim/guard.h"

int vrs_iotlb_init(struct vrs_iotlb *t, unsigned n)
{
	t->n = n;
	t->e = NULL;
	if (n == 0)
		return 0;
	t->e = calloc(n, sizeof(*t->e));
	VRS_ENSURE(t->e, ENOMEM);
	return 0;
}

void vrs_iotlb_fini(struct vrs_iotlb *t)
{
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

static struct vrs_iotlb_entry *slot(const struct vrs_iotlb *t, uint32_t page)
{
	return t->n ? &t->e[page % t->n] : NULL;
}

static struct vrs_iotlb_entry *find(const struct vrs_iotlb *t, uint32_t page)
{
	struct vrs_iotlb_entry *e = slot(t, page);
	return e && e->valid && e->page == page ? e : NULL;
}

void vrs_iotlb_invalidate(struct vrs_iotlb *t, uint32_t start, uint32_t npages)
{
	if (npages >= t->n) {
		/* A long range: cheaper to look at every entry once. */
		for (unsigned i = 0; i < t->n; i++)
			if (t->e[i].valid && t->e[i].page - start < npages)
				t->e[i].valid = false;
		return;
	}
	for (uint32_t p = 0; p < npages; p++) {
		struct vrs_iotlb_entry *e = find(t, start + p);
		if (e)
			e->valid = false;
	}
}

void vrs_iotlb_invalidate_all(struct vrs_iotlb *t)
{
	for (unsigned i = 0; i < t->n; i++)
		t->e[i].valid = false;
}

static void fill_result(uint64_t pte, vrs_dma_addr_t addr,
			struct vrs_xlate_result *res)
{
	uint64_t off = addr & VRS_PAGE_MASK;
	res->gpa = (pte & VRS_PTE_GPA) + off;
	res->contiguous = VRS_PAGE_SIZE - off;
}

static enum vrs_xlate_fault iommu_translate(void *ctx, vrs_dma_addr_t addr,
					    bool write,
					    struct vrs_xlate_result *res)
{
	struct vrs_iommu *io = ctx;
	res->stale = false;
	if (addr < io->cfg.iova_base ||
	    addr - io->cfg.iova_base >= io->cfg.aperture)
		return VRS_XLATE_UNMAPPED;
	uint32_t page = (uint32_t)((addr - io->cfg.iova_base) >> VRS_PAGE_SHIFT);
	uint64_t need = write ? VRS_IOMMU_WRITE : VRS_IOMMU_READ;
	uint64_t pte = vrs_iommu_pte(io, page);

	struct vrs_iotlb_entry *e = find(&io->tlb, page);
	/* An entry without the needed permission sends the device back to
	 * the table, as an ATS request with the write bit would. */
	if (e && (e->pte & need)) {
		io->stats.iotlb_hits++;
		if (e->pte != pte) {
			res->stale = true;
			io->stats.stale_hits++;
		}
		fill_result(e->pte, addr, res);
		return VRS_XLATE_OK;
	}
	io->stats.iotlb_misses++;
	if (!(pte & VRS_PTE_PRESENT))
		return VRS_XLATE_UNMAPPED;
	if (!(pte & need))
		return write ? VRS_XLATE_NO_WRITE : VRS_XLATE_NO_READ;
	struct vrs_iotlb_entry *fill = slot(&io->tlb, page);
	if (fill) {
		fill->pte = pte;
		fill->page = page;
		fill->valid = true;
	}
	fill_result(pte, addr, res);
	return VRS_XLATE_OK;
}

void vrs_iommu_xlate(struct vrs_iommu *io, struct vrs_xlate *out)
{
	out->translate = iommu_translate;
	out->ctx = io;
}

int vrs_iommu_check_iotlb(const struct vrs_iommu *io)
{
	const struct vrs_iotlb *t = &io->tlb;
	for (unsigned i = 0; i < t->n; i++) {
		const struct vrs_iotlb_entry *e = &t->e[i];
		if (!e->valid)
			continue;
		VRS_ENSURE(e->page < io->npages && e->page % t->n == i, EINVAL);
		VRS_ENSURE(e->pte & VRS_PTE_PRESENT, EINVAL);
		if (e->pte == vrs_iommu_pte(io, e->page))
			continue;
		/* Out of date is legal only while its unmap waits in the
		 * flush queue (lazy mode). */
		uint32_t head;
		uint8_t s = vrs_iova_find(&io->iova, e->page, &head);
		VRS_ENSURE((s & VRS_IOVA_ALLOC) && io->rec[head].pending,
			   EINVAL);
	}
	return 0;
}
