/* Private to dma/iommu.c, dma/iova.c and dma/iotlb.c: the IOMMU object, its
 * IOVA allocator and the device IOTLB. Nothing outside those files includes
 * this; everyone else goes through dma/iommu.h. */
#ifndef VRSIM_DMA_IOMMU_INTERNAL_H
#define VRSIM_DMA_IOMMU_INTERNAL_H

#include "dma/iommu.h"

/* ---- IOVA allocator (iova.c) ------------------------------------------
 * A binary buddy allocator over the aperture's pages, indexed from
 * iova_base. A request of n pages takes a block of roundup_pow_of_two(n)
 * pages aligned to its size (relative to iova_base), as Linux's alloc_iova
 * with size_aligned; unlike Linux the rounding padding stays reserved with
 * the block. Free lists are LIFO and splits keep the lower half, so the
 * sequence of addresses depends only on the sequence of calls. */

#define VRS_IOVA_MAX_ORDER 24u /* at most 2^24 pages (64 GiB) of aperture */
#define VRS_IOVA_NIL UINT32_MAX

/* Per-page state byte; only block heads have FREE or ALLOC set. */
#define VRS_IOVA_ORDER 0x1fu
#define VRS_IOVA_FREE 0x20u
#define VRS_IOVA_ALLOC 0x40u
#define VRS_IOVA_TOUCHED 0x80u /* on the touched list since the last reset */

struct vrs_iova {
	uint32_t npages;    /* pages in the aperture */
	unsigned max_order; /* largest block: floor(log2(npages)) */
	uint32_t free_head[VRS_IOVA_MAX_ORDER + 1]; /* LIFO list per order */
	uint32_t free_pages;
	uint32_t *next, *prev; /* free-list links, meaningful at free heads */
	uint8_t *state;	       /* per page, see VRS_IOVA_* */
	uint32_t *touched;     /* pages whose state was written; reset list */
	uint32_t ntouched;
};

int vrs_iova_init(struct vrs_iova *a, uint32_t npages);
void vrs_iova_fini(struct vrs_iova *a);
/* Back to one free block per aligned piece; O(pages touched). */
void vrs_iova_reset(struct vrs_iova *a);
/* First page of a block of at least n pages; -ENOMEM when none is free. */
int vrs_iova_alloc(struct vrs_iova *a, uint32_t n, uint32_t *start);
/* Free the block allocated at start; -EINVAL if start is not one. */
int vrs_iova_free(struct vrs_iova *a, uint32_t start);
/* The block containing page: its head and state byte (0 if none). */
uint8_t vrs_iova_find(const struct vrs_iova *a, uint32_t page, uint32_t *head);
/* Free lists, counters and block heads agree. 0 or -EINVAL. */
int vrs_iova_check(const struct vrs_iova *a);

static inline uint32_t vrs_iova_block_pages(uint8_t state)
{
	return 1u << (state & VRS_IOVA_ORDER);
}

/* ---- device IOTLB (iotlb.c) -------------------------------------------
 * Direct-mapped by IOVA page (slot = page % entries). An entry keeps the PTE
 * it was filled from, so a hit can be compared with the table. */

struct vrs_iotlb_entry {
	uint64_t pte;  /* PTE value when filled */
	uint32_t page; /* IOVA page index */
	bool valid;
};

struct vrs_iotlb {
	struct vrs_iotlb_entry *e; /* n entries, NULL when n == 0 */
	unsigned n;
};

int vrs_iotlb_init(struct vrs_iotlb *t, unsigned n);
void vrs_iotlb_fini(struct vrs_iotlb *t);
void vrs_iotlb_invalidate(struct vrs_iotlb *t, uint32_t start, uint32_t npages);
void vrs_iotlb_invalidate_all(struct vrs_iotlb *t);

/* ---- the IOMMU object (iommu.c) ---------------------------------------- */

/* PTE: GPA of the page | PRESENT | prot (VRS_IOMMU_READ/WRITE). */
#define VRS_PTE_PRESENT 4u
#define VRS_PTE_PROT ((uint64_t)(VRS_IOMMU_READ | VRS_IOMMU_WRITE))
#define VRS_PTE_GPA (~VRS_PAGE_MASK)

#define VRS_IOMMU_LEAF_SHIFT 9u
#define VRS_IOMMU_LEAF_PTES (1u << VRS_IOMMU_LEAF_SHIFT) /* 512 */

/* Linux's IOVA_FQ_SIZE: unmaps deferred before an implicit flush. */
#define VRS_IOMMU_FQ_SIZE 256u

/* What map_range handed out, kept at the allocator block's head page. */
struct vrs_iommu_rec {
	uint64_t size;	 /* bytes asked for */
	uint16_t offset; /* gpa & VRS_PAGE_MASK, kept in the IOVA */
	bool pending;	 /* unmapped, invalidation and free queued (lazy) */
};

struct vrs_iommu {
	struct vrs_gmem *gm; /* guest memory, owned by the caller */
	struct vrs_iommu_config cfg;
	uint32_t npages; /* aperture pages */

	/* Page table: top[i] is NULL until leaf i is first used; leaves come
	 * from a pool allocated at create so map never allocates. */
	uint64_t **top;
	uint64_t *leaf_pool;	/* ntop * 512 PTEs */
	uint32_t *used_leaves;	/* top indices in use, for reset and check */
	uint32_t ntop, nused;
	size_t mapped_pages;	/* present PTEs */

	struct vrs_iova iova;
	struct vrs_iommu_rec *rec; /* per page, valid at ALLOC heads */
	struct vrs_iotlb tlb;	   /* the device's cache */

	#define VRS_IOMMU_LISTENERS 8u /* one per device queue keeping a copy */

/* Lazy mode's flush queue: allocator heads of pending unmaps. */
	uint32_t fq[VRS_IOMMU_FQ_SIZE];
	unsigned fq_len;

	struct vrs_iommu_stats stats; /* since the last reset */

	/* A device keeping its own copy of the mappings (vrs_iommu_mappings) */
	struct vrs_xlate_listener listener[VRS_IOMMU_LISTENERS]; /* map NULL: free */
	struct vrs_xlate_mappings mappings;
};

static inline uint64_t vrs_iommu_pte(const struct vrs_iommu *io, uint32_t page)
{
	const uint64_t *leaf = io->top[page >> VRS_IOMMU_LEAF_SHIFT];
	return leaf ? leaf[page & (VRS_IOMMU_LEAF_PTES - 1)] : 0;
}

/* Pages an IOVA range [offset, offset+size) within its first page spans. */
static inline uint64_t vrs_iommu_span(uint64_t offset, uint64_t size)
{
	return (offset + size + VRS_PAGE_MASK) >> VRS_PAGE_SHIFT;
}

/* IOTLB entries agree with the table or belong to a pending unmap. */
int vrs_iommu_check_iotlb(const struct vrs_iommu *io);

#endif
