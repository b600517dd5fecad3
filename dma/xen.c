/* Xen PV-style DMA: a scrambled p2m table and xen-swiotlb's DMA ops
 * (Linux's drivers/xen/swiotlb-xen.c), plus the device's view of machine
 * addresses.
 *
 * The p2m is a permutation of guest frames onto machine frames 1..n-1,
 * built from a seed; the swiotlb pool gets one contiguous machine run, as
 * Xen exchanges the bounce pool for machine-contiguous memory at boot
 * (xen_swiotlb_fixup). An m2p table makes both directions O(1). */
#include "dma/xen.h"

#include <stdlib.h>
#include <string.h>

#include "dma/swiotlb.h"
#include "vrsim/guard.h"
#include "vrsim/report.h"

#define NO_FRAME UINT32_MAX

struct vrs_xen {
	struct vrs_gmem *gm;	 /* not owned */
	struct vrs_swiotlb *sw;	 /* not owned; NULL: no bouncing */
	size_t npages;		 /* guest frames = machine frames */
	size_t pool_pfn;	 /* first frame of the swiotlb pool */
	size_t pool_npages;	 /* 0 without a swiotlb */
	uint32_t *p2m;		 /* pfn -> mfn; NO_FRAME for pfn 0 */
	uint32_t *m2p;		 /* mfn -> pfn; NO_FRAME for mfn 0 */
	uint32_t *scratch;	 /* free mfns while building; host side */
};

/* splitmix64: a seed in, a well-mixed stream out, no global state. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool in_pool(const struct vrs_xen *x, size_t pfn)
{
	return pfn >= x->pool_pfn && pfn - x->pool_pfn < x->pool_npages;
}

/* Lay out the pool's machine run at a seeded place, shuffle the other
 * machine frames over the other guest frames (Fisher-Yates). */
static void build(struct vrs_xen *x, uint64_t seed)
{
	uint64_t st = seed;
	size_t n = x->npages, k = x->pool_npages;
	size_t run = 1 + (size_t)(splitmix64(&st) % (n - k));
	size_t m = 0;
	for (size_t mfn = 1; mfn < n; mfn++)
		if (mfn < run || mfn >= run + k)
			x->scratch[m++] = (uint32_t)mfn;
	for (size_t i = m; i > 1; i--) {
		size_t j = (size_t)(splitmix64(&st) % i);
		uint32_t t = x->scratch[i - 1];
		x->scratch[i - 1] = x->scratch[j];
		x->scratch[j] = t;
	}
	x->p2m[0] = NO_FRAME;
	x->m2p[0] = NO_FRAME;
	for (size_t pfn = 1, c = 0; pfn < n; pfn++) {
		uint32_t mfn = in_pool(x, pfn)
				       ? (uint32_t)(run + (pfn - x->pool_pfn))
				       : x->scratch[c++];
		x->p2m[pfn] = mfn;
		x->m2p[mfn] = (uint32_t)pfn;
	}
}

int vrs_xen_create(struct vrs_gmem *gm, struct vrs_swiotlb *sw, uint64_t seed,
		   struct vrs_xen **out)
{
	VRS_ENSURE(gm && out, EINVAL);
	struct vrs_xen *x = calloc(1, sizeof(*x));
	VRS_ENSURE(x, ENOMEM);
	x->gm = gm;
	x->sw = sw;
	x->npages = vrs_gmem_npages(gm);
	if (sw) {
		x->pool_pfn = vrs_swiotlb_pool_start(sw) >> VRS_PAGE_SHIFT;
		x->pool_npages = vrs_swiotlb_pool_size(sw) >> VRS_PAGE_SHIFT;
	}
	x->p2m = calloc(x->npages, sizeof(*x->p2m));
	x->m2p = calloc(x->npages, sizeof(*x->m2p));
	x->scratch = calloc(x->npages, sizeof(*x->scratch));
	int rc = 0;
	if (!x->p2m || !x->m2p || !x->scratch)
		rc = -ENOMEM;
	/* The pool must be guest memory and leave page 0 out. */
	else if (x->pool_npages && (x->pool_pfn == 0 ||
				    x->pool_pfn + x->pool_npages > x->npages))
		rc = -EINVAL;
	if (rc < 0) {
		vrs_xen_destroy(x);
		return rc;
	}
	build(x, seed);
	*out = x;
	return 0;
}

void vrs_xen_destroy(struct vrs_xen *x)
{
	if (!x)
		return;
	free(x->p2m);
	free(x->m2p);
	free(x->scratch);
	free(x);
}

void vrs_xen_reseed(struct vrs_xen *x, uint64_t seed)
{
	if (x)
		build(x, seed);
}

/* VRS_DMA_MAPPING_ERROR for a GPA that is no guest page (page 0 or past
 * the end). */
vrs_dma_addr_t vrs_xen_phys_to_bus(const struct vrs_xen *x, vrs_gpa_t gpa)
{
	uint64_t pfn = gpa >> VRS_PAGE_SHIFT;
	if (pfn == 0 || pfn >= x->npages)
		return VRS_DMA_MAPPING_ERROR;
	return VRS_XEN_MACHINE_BASE + ((uint64_t)x->p2m[pfn] << VRS_PAGE_SHIFT) +
	       (gpa & VRS_PAGE_MASK);
}

/* -EFAULT for a machine address that holds no guest page. */
int vrs_xen_bus_to_phys(const struct vrs_xen *x, vrs_dma_addr_t addr,
			vrs_gpa_t *gpa)
{
	VRS_ENSURE(addr >= VRS_XEN_MACHINE_BASE, EFAULT);
	uint64_t mfn = (addr - VRS_XEN_MACHINE_BASE) >> VRS_PAGE_SHIFT;
	VRS_ENSURE(mfn < x->npages && x->m2p[mfn] != NO_FRAME, EFAULT);
	*gpa = ((vrs_gpa_t)x->m2p[mfn] << VRS_PAGE_SHIFT) | (addr & VRS_PAGE_MASK);
	return 0;
}

/* Linux's range_straddles_page_boundary(), inverted. */
bool vrs_xen_machine_contiguous(const struct vrs_xen *x, vrs_gpa_t gpa,
				size_t size)
{
	if (!vrs_gmem_range_ok(x->gm, gpa, VRS_MAX(size, (size_t)1)) ||
	    gpa < VRS_PAGE_SIZE)
		return false;
	size_t first = gpa >> VRS_PAGE_SHIFT;
	size_t last = (gpa + VRS_MAX(size, (size_t)1) - 1) >> VRS_PAGE_SHIFT;
	for (size_t pfn = first; pfn < last; pfn++)
		if (x->p2m[pfn + 1] != x->p2m[pfn] + 1)
			return false;
	return true;
}

/* ---- DMA ops (xen-swiotlb) ---- */

static int xen_map(void *ctx, void *cpu, size_t size, enum vrs_dma_dir dir,
		   enum vrs_dma_kind kind, vrs_dma_addr_t *out)
{
	struct vrs_xen *x = ctx;
	vrs_gpa_t gpa;
	*out = VRS_DMA_MAPPING_ERROR;
	VRS_ENSURE(size > 0 && vrs_dma_dir_valid(dir) && dir != VRS_DMA_NONE,
		   EINVAL);
	VRS_GUARD(vrs_gmem_gpa(x->gm, cpu, size, &gpa));
	VRS_ENSURE(gpa >= VRS_PAGE_SIZE, EINVAL);
	/* Machine-contiguous: the device can use the buffer where it is. */
	if (vrs_xen_machine_contiguous(x, gpa, size)) {
		*out = vrs_xen_phys_to_bus(x, gpa);
		return 0;
	}
	/* Otherwise bounce through the machine-contiguous pool. */
	VRS_ENSURE(x->sw, EINVAL);
	VRS_GUARD(vrs_swiotlb_map(x->sw, gpa, size, dir, &gpa));
	*out = vrs_xen_phys_to_bus(x, gpa);
	return 0;
}

static void xen_unmap(void *ctx, vrs_dma_addr_t addr, size_t size,
		      enum vrs_dma_dir dir, enum vrs_dma_kind kind)
{
	struct vrs_xen *x = ctx;
	vrs_gpa_t gpa;
	if (vrs_xen_bus_to_phys(x, addr, &gpa) < 0) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "xen: unmap of 0x%llx, not a machine address of "
			   "guest memory", (unsigned long long)addr);
		return;
	}
	if (vrs_swiotlb_owns(x->sw, gpa))
		vrs_swiotlb_unmap(x->sw, gpa, size, dir);
}

static void xen_sync(struct vrs_xen *x, vrs_dma_addr_t addr, size_t offset,
		     size_t size, enum vrs_dma_dir dir, bool for_cpu)
{
	vrs_gpa_t gpa;
	if (vrs_xen_bus_to_phys(x, addr, &gpa) < 0 ||
	    offset > UINT64_MAX - gpa) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "xen: sync of 0x%llx, not a machine address of "
			   "guest memory", (unsigned long long)addr);
		return;
	}
	/* Only a bounce has anything to copy; the pool is machine-contiguous,
	 * so the offset applies to the GPA as it does to the bus address. */
	if (!vrs_swiotlb_owns(x->sw, gpa))
		return;
	if (for_cpu)
		vrs_swiotlb_sync_for_cpu(x->sw, gpa + offset, size, dir);
	else
		vrs_swiotlb_sync_for_device(x->sw, gpa + offset, size, dir);
}

static void xen_sync_for_cpu(void *ctx, vrs_dma_addr_t addr, size_t offset,
			     size_t size, enum vrs_dma_dir dir)
{
	xen_sync(ctx, addr, offset, size, dir, true);
}

static void xen_sync_for_device(void *ctx, vrs_dma_addr_t addr, size_t offset,
				size_t size, enum vrs_dma_dir dir)
{
	xen_sync(ctx, addr, offset, size, dir, false);
}

/* Up to a page comes from the allocator (its chunks never straddle a
 * page, so they are machine-contiguous); more comes from the pool, which
 * stands in for xen_create_contiguous_region(). */
static int xen_alloc_coherent(void *ctx, size_t size, void **cpu,
			      vrs_dma_addr_t *out)
{
	struct vrs_xen *x = ctx;
	vrs_gpa_t gpa;
	*cpu = NULL;
	*out = VRS_DMA_MAPPING_ERROR;
	VRS_ENSURE(size > 0, EINVAL);
	if (size <= VRS_PAGE_SIZE) {
		VRS_GUARD(vrs_gmem_alloc(x->gm, size, VRS_OWNER_COHERENT, &gpa));
	} else {
		VRS_ENSURE(x->sw, ENOMEM);
		VRS_GUARD(vrs_swiotlb_alloc(x->sw, size, &gpa));
	}
	*cpu = vrs_gmem_hva(x->gm, gpa, size);
	*out = vrs_xen_phys_to_bus(x, gpa);
	return 0;
}

static void xen_free_coherent(void *ctx, size_t size, void *cpu,
			      vrs_dma_addr_t addr)
{
	struct vrs_xen *x = ctx;
	vrs_gpa_t gpa;
	if (size == 0 || vrs_gmem_gpa(x->gm, cpu, size, &gpa) < 0 ||
	    vrs_xen_phys_to_bus(x, gpa) != addr) {
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "xen: free_coherent of %p/0x%llx, not a coherent "
			   "allocation", cpu, (unsigned long long)addr);
		return;
	}
	if (size <= VRS_PAGE_SIZE) {
		if (vrs_gmem_free(x->gm, gpa, size) < 0)
			vrs_report(VRS_FIND_DMA_MISUSE,
				   "xen: free_coherent of %zu bytes at 0x%llx, "
				   "not an allocation of that size", size,
				   (unsigned long long)addr);
	} else if (vrs_swiotlb_owns(x->sw, gpa))
		vrs_swiotlb_free(x->sw, gpa, size);
	else
		vrs_report(VRS_FIND_DMA_MISUSE,
			   "xen: free_coherent of %zu bytes at 0x%llx, not "
			   "from the pool", size, (unsigned long long)addr);
}

static bool xen_mapping_error(void *ctx, vrs_dma_addr_t addr)
{
	return addr == VRS_DMA_MAPPING_ERROR;
}

static size_t xen_max_mapping_size(void *ctx)
{
	struct vrs_xen *x = ctx;
	return x->sw ? vrs_swiotlb_max_mapping_size(x->sw) : SIZE_MAX;
}

static const struct vrs_dma_ops xen_ops = {
	.name = "xen-swiotlb",
	.map = xen_map,
	.unmap = xen_unmap,
	.sync_for_cpu = xen_sync_for_cpu,
	.sync_for_device = xen_sync_for_device,
	.alloc_coherent = xen_alloc_coherent,
	.free_coherent = xen_free_coherent,
	.mapping_error = xen_mapping_error,
	.max_mapping_size = xen_max_mapping_size,
};

void vrs_xen_dma(struct vrs_xen *x, struct vrs_dma *out)
{
	out->ops = &xen_ops;
	out->ctx = x;
}

/* ---- device view ---- */

/* Page by page: the next machine frame need not hold the next guest
 * frame, so a translation is good to the end of its page only. */
static enum vrs_xlate_fault xen_translate(void *ctx, vrs_dma_addr_t addr,
					  bool write,
					  struct vrs_xlate_result *res)
{
	const struct vrs_xen *x = ctx;
	vrs_gpa_t gpa;
	if (vrs_xen_bus_to_phys(x, addr, &gpa) < 0)
		return VRS_XLATE_UNMAPPED;
	res->gpa = gpa;
	res->contiguous = VRS_PAGE_SIZE - (size_t)(gpa & VRS_PAGE_MASK);
	res->stale = false;
	return VRS_XLATE_OK;
}

void vrs_xen_xlate(struct vrs_xen *x, struct vrs_xlate *out)
{
	out->translate = xen_translate;
	out->ctx = x;
}

/* p2m and m2p are inverse permutations, page 0 and mfn 0 unused, the
 * pool one ascending machine run. */
int vrs_xen_check(const struct vrs_xen *x)
{
	VRS_ENSURE(x && x->p2m && x->m2p && x->npages >= 2, EINVAL);
	VRS_ENSURE(x->p2m[0] == NO_FRAME && x->m2p[0] == NO_FRAME, EINVAL);
	for (size_t pfn = 1; pfn < x->npages; pfn++) {
		uint32_t mfn = x->p2m[pfn];
		VRS_ENSURE(mfn != 0 && mfn < x->npages, EINVAL);
		VRS_ENSURE(x->m2p[mfn] == pfn, EINVAL);
		if (in_pool(x, pfn) && pfn > x->pool_pfn)
			VRS_ENSURE(mfn == x->p2m[pfn - 1] + 1, EINVAL);
	}
	return 0;
}
