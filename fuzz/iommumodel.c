/* fuzz_iommu's reference model: the simulated IOMMU (dma/iommu.c,
 * iova.c, iotlb.c) against what the device may reach, the live mappings
 * and, in lazy mode, the unmapped ones whose IOTLB invalidation is still
 * queued. What each kind of op does is here; how ops are read, printed and
 * encoded is iommuops.c, and fuzz/fuzz_iommu.c documents both. */
#include <errno.h>
#include <string.h>

#include "iommumodel.h"
#include "vrsim/report.h"

#define IOTLB_ENTRIES 16u
#define MAX_OPS 512

/* Process state, created by init; everything below is reset per input. */
static struct vrs_gmem *gm;
static struct vrs_iommu *io;
static struct vrs_xlate xl;

static bool lazy;
static struct handle hs[MAX_OPS];
static unsigned nh;
static struct op ops[MAX_OPS];
static uint64_t live_pages; /* model: pages of live mappings */

static const char *cur_op(void)
{
	return vrs_dmaops_cur_op();
}

/* ---- the handles -------------------------------------------------------- */

static bool covers(const struct handle *hd, vrs_dma_addr_t addr)
{
	return addr >= first_page(hd) &&
	       addr - first_page(hd) < (uint64_t)hd->npages * PAGE;
}

/* The handle of that state whose pages hold addr; -1 if none. (At most
 * one live or pending mapping holds a page; gone ones may overlap.) */
static int covering(vrs_dma_addr_t addr, int state)
{
	for (unsigned h = nh; h-- > 0;)
		if ((state < 0 || hs[h].state == state) && covers(&hs[h], addr))
			return (int)h;
	return -1;
}

int vrs_fuzz_iommu_pick(unsigned raw, enum pick want,
			const struct handle **hd)
{
	for (unsigned i = 0; i < nh; i++) {
		unsigned h = (raw + i) % nh;
		if (want == PICK_ANY ||
		    (hs[h].state == S_LIVE) == (want == PICK_LIVE)) {
			*hd = &hs[h];
			return (int)h;
		}
	}
	return -1;
}

static void end_pending(void)
{
	for (unsigned h = 0; h < nh; h++)
		if (hs[h].state == S_PENDING)
			hs[h].state = S_GONE;
}

/* ---- executing operations ----------------------------------------------- */

static void do_map(void *op)
{
	struct op *o = op;
	vrs_dma_addr_t iova;
	o->rc = vrs_iommu_map_range(io, o->gpa, o->size, o->prot, &iova);
	uint64_t npages = ((o->gpa & (PAGE - 1)) + o->size + PAGE - 1) / PAGE;
	if (o->rc == -ENOMEM && live_pages == 0 && npages <= APERTURE / PAGE)
		vrs_report(VRS_FIND_PROTOCOL,
			   "iommu: [%s] failed with nothing mapped", cur_op());
	else if (o->rc < 0 && o->rc != -ENOMEM)
		vrs_report(VRS_FIND_PROTOCOL, "iommu: [%s] failed: %d",
			   cur_op(), o->rc);
	if (o->rc < 0)
		return;
	const char *why = NULL;
	if ((iova & (PAGE - 1)) != (o->gpa & (PAGE - 1)))
		why = "does not keep the page offset";
	else if (iova < IOVA_BASE || iova - IOVA_BASE > APERTURE - o->size)
		why = "is outside the aperture";
	struct handle nhd = {.iova = iova, .npages = (uint32_t)npages};
	for (unsigned h = 0; !why && h < nh; h++)
		if (hs[h].state != S_GONE &&
		    first_page(&hs[h]) < first_page(&nhd) + npages * PAGE &&
		    first_page(&nhd) < first_page(&hs[h]) + hs[h].npages * PAGE) {
			/* A pending IOVA comes back only after the queue was
			 * flushed (it flushes itself when full or when map
			 * runs out of space): that mapping is gone now. */
			if (hs[h].state == S_PENDING)
				hs[h].state = S_GONE;
			else
				why = "overlaps a live mapping";
		}
	if (why) {
		vrs_report(VRS_FIND_PROTOCOL, "iommu: [%s] gave IOVA 0x%llx, "
			   "which %s", cur_op(), (unsigned long long)iova, why);
		return;
	}
	o->addr = iova;
	o->newh = (int)nh;
	hs[nh++] = (struct handle){.iova = iova,
				   .gpa = o->gpa,
				   .size = o->size,
				   .npages = (uint32_t)npages,
				   .prot = o->prot,
				   .state = S_LIVE};
	live_pages += npages;
}

static void do_unmap(void *op)
{
	struct op *o = op;
	if (o->h < 0)
		return;
	struct handle *hd = &hs[o->h];
	o->rc = vrs_iommu_unmap_range(io, hd->iova, hd->size);
	if (o->rc < 0) {
		vrs_report(VRS_FIND_PROTOCOL,
			   "iommu: [%s] of a live mapping failed: %d", cur_op(),
			   o->rc);
		return;
	}
	hd->state = lazy ? S_PENDING : S_GONE;
	live_pages -= hd->npages;
}

/* The translation against the model; the page-table walk too. */
static void check_xlate(struct op *o)
{
	vrs_dma_addr_t a = o->addr;
	unsigned need = o->write ? VRS_IOMMU_WRITE : VRS_IOMMU_READ;
	const char *acc = o->write ? "write" : "read";
	vrs_gpa_t walk_gpa = 0;
	unsigned walk_prot = 0;
	int walk = vrs_iommu_lookup(io, a, &walk_gpa, &walk_prot);
	int l = covering(a, S_LIVE);
	if (l >= 0) {
		const struct handle *hd = &hs[l];
		vrs_gpa_t want = hd->gpa + (a - hd->iova);
		if (walk < 0 || walk_gpa != want || walk_prot != hd->prot)
			vrs_report(VRS_FIND_DATA_INTEGRITY,
				   "iommu: [%s] page table for live #%d at "
				   "0x%llx: %s gpa 0x%llx prot %u, want gpa "
				   "0x%llx prot %u", cur_op(), l,
				   (unsigned long long)a,
				   walk < 0 ? "no entry," : "",
				   (unsigned long long)walk_gpa, walk_prot,
				   (unsigned long long)want, hd->prot);
		if (!(hd->prot & need)) {
			unsigned f = o->write ? VRS_XLATE_NO_WRITE
					      : VRS_XLATE_NO_READ;
			if (o->fault == VRS_XLATE_OK)
				vrs_report(VRS_FIND_DATA_INTEGRITY,
					   "iommu: [%s] device may %s a page "
					   "mapped %s", cur_op(), acc,
					   prot_names[hd->prot]);
			else if (o->fault != f)
				vrs_report(VRS_FIND_PROTOCOL,
					   "iommu: [%s] gave %s, want %s",
					   cur_op(), fault_name(o->fault),
					   fault_name(f));
		} else if (o->fault != VRS_XLATE_OK) {
			vrs_report(VRS_FIND_PROTOCOL,
				   "iommu: [%s] live mapping #%d gave %s",
				   cur_op(), l, fault_name(o->fault));
		} else if (o->stale) {
			vrs_report(VRS_FIND_STALE_IOTLB,
				   "iommu: [%s] live mapping #%d served by a "
				   "stale IOTLB entry (gpa 0x%llx, want 0x%llx)",
				   cur_op(), l, (unsigned long long)o->res_gpa,
				   (unsigned long long)want);
		} else if (o->res_gpa != want) {
			vrs_report(VRS_FIND_DATA_INTEGRITY,
				   "iommu: [%s] translated to gpa 0x%llx, live "
				   "mapping #%d says 0x%llx", cur_op(),
				   (unsigned long long)o->res_gpa, l,
				   (unsigned long long)want);
		}
		return;
	}
	if (walk == 0)
		vrs_report(VRS_FIND_PROTOCOL,
			   "iommu: [%s] page table still maps unmapped IOVA "
			   "0x%llx to gpa 0x%llx", cur_op(),
			   (unsigned long long)a, (unsigned long long)walk_gpa);
	if (o->fault != VRS_XLATE_OK) {
		if (o->fault != VRS_XLATE_UNMAPPED)
			vrs_report(VRS_FIND_PROTOCOL,
				   "iommu: [%s] unmapped IOVA gave %s, want "
				   "unmapped", cur_op(), fault_name(o->fault));
		return;
	}
	int p = covering(a, S_PENDING), ever = covering(a, -1);
	if (ever < 0) {
		vrs_report(VRS_FIND_DATA_INTEGRITY,
			   "iommu: [%s] device reached gpa 0x%llx through "
			   "IOVA 0x%llx, which was never mapped", cur_op(),
			   (unsigned long long)o->res_gpa,
			   (unsigned long long)a);
	} else if (!o->stale) {
		vrs_report(VRS_FIND_STALE_IOTLB,
			   "iommu: [%s] device reached freed memory (gpa "
			   "0x%llx, unmapped #%d) through an unflagged IOTLB "
			   "entry", cur_op(), (unsigned long long)o->res_gpa,
			   ever);
	} else if (p < 0) {
		vrs_report(VRS_FIND_STALE_IOTLB,
			   "iommu: [%s] device reached freed memory (gpa "
			   "0x%llx, #%d) after its IOTLB entry should have been "
			   "invalidated (%s)", cur_op(),
			   (unsigned long long)o->res_gpa, ever,
			   lazy ? "flushed or invalidated" : "strict unmap");
	} else {
		const struct handle *hd = &hs[p];
		vrs_gpa_t want = hd->gpa + (a - hd->iova);
		if (o->res_gpa != want || !(hd->prot & need))
			vrs_report(VRS_FIND_DATA_INTEGRITY,
				   "iommu: [%s] stale entry of #%d gave gpa "
				   "0x%llx for a %s, the mapping was gpa 0x%llx "
				   "%s", cur_op(), p,
				   (unsigned long long)o->res_gpa, acc,
				   (unsigned long long)want,
				   prot_names[hd->prot]);
	}
}

static void do_xlate(void *op)
{
	struct op *o = op;
	o->op.done = true; /* the result fields are set from here on */
	if (o->h < 0 && o->tmode != T_ADDR)
		return;
	struct vrs_xlate_result res = {0};
	o->fault = (uint8_t)xl.translate(xl.ctx, o->addr, o->write, &res);
	o->stale = o->fault == VRS_XLATE_OK && res.stale;
	o->res_gpa = o->fault == VRS_XLATE_OK ? res.gpa : 0;
	check_xlate(o);
}

static void do_flush(void *op)
{
	vrs_iommu_flush(io);
	end_pending();
}

static void do_invalidate(void *op)
{
	/* Pending IOVAs stay reserved, but no entry reaches them. */
	vrs_iommu_invalidate_all(io);
	end_pending();
}

static void do_setmode(void *op)
{
	const struct op *o = op;
	vrs_iommu_set_lazy(io, o->lazy);
	if (!o->lazy)
		end_pending();
	lazy = o->lazy;
}

static void (*const exec[K_COUNT])(void *op) = {
	[K_MAP] = do_map,
	[K_UNMAP] = do_unmap,
	[K_FLUSH] = do_flush,
	[K_INVAL] = do_invalidate,
	[K_SETMODE] = do_setmode,
	[K_XLATE] = do_xlate,
};

static int check_structure(void)
{
	return vrs_iommu_check(io);
}

/* After every op: the backend maps the pages the model does. */
static void check_accounting(void)
{
	if (vrs_iommu_mapped_pages(io) != live_pages)
		vrs_report(VRS_FIND_PROTOCOL,
			   "iommu: %zu pages mapped after op %u [%s], the "
			   "model has %llu", vrs_iommu_mapped_pages(io),
			   vrs_dmaops_cur_index(), cur_op(),
			   (unsigned long long)live_pages);
}

/* ---- the model ---------------------------------------------------------- */

static void destroy(void)
{
	vrs_iommu_destroy(io);
	vrs_gmem_destroy(gm);
	io = NULL;
	gm = NULL;
}

static int create(void)
{
	struct vrs_iommu_config cfg = {.iova_base = IOVA_BASE,
				       .aperture = APERTURE,
				       .iotlb_entries = IOTLB_ENTRIES};
	int rc = vrs_gmem_create(GMEM_BYTES, &gm);
	if (rc == 0)
		rc = vrs_iommu_create(gm, &cfg, &io);
	if (rc < 0) {
		destroy();
		return rc;
	}
	vrs_iommu_xlate(io, &xl);
	return 0;
}

/* Header byte bit 0: lazy (1) or strict (0) invalidation. */
static void start(uint8_t header)
{
	nh = 0;
	live_pages = 0;
	lazy = header & 1;
	vrs_iommu_set_lazy(io, lazy);
}

static void reset(void)
{
	vrs_gmem_reset(gm);
	vrs_iommu_reset(io);
}

static const struct vrs_dmaops_model model = {
	.target = "fuzz_iommu",
	.format = &vrs_fuzz_iommu_format,
	.exec = exec,
	.ops = ops,
	.op_size = sizeof(ops[0]),
	.max_ops = MAX_OPS,
	.armed = VRS_FIND_BIT(VRS_FIND_DATA_INTEGRITY) |
		 VRS_FIND_BIT(VRS_FIND_STALE_IOTLB) |
		 VRS_FIND_BIT(VRS_FIND_PROTOCOL) |
		 VRS_FIND_BIT(VRS_FIND_INTERNAL),
	.create = create,
	.destroy = destroy,
	.start = start,
	.check_name = "vrs_iommu_check",
	.check = check_structure,
	.after_op = check_accounting,
	.reset = reset,
};

VRS_DMAOPS_TARGET(vrs_fuzz_iommu_target, "fuzz_iommu", model);
