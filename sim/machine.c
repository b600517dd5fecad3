/* Composition of the simulated machine; see sim/machine.h. */
#include "sim/machine.h"

#include <stdlib.h>

#include "dma/debug.h"
#include "dma/direct.h"
#include "dma/encrypt.h"
#include "dma/fault.h"
#include "dma/iommu.h"
#include "dma/swiotlb.h"
#include "dma/xen.h"
#include "sim/devbus.h"
#include "vrsim/guard.h"

/* IOVAs start above any guest memory, so a GPA never passes for an IOVA. */
#define IOVA_BASE 0x100000000ull
#define IOVA_APERTURE (256u << 20)

struct vrs_machine {
	struct vrs_machine_config cfg;
	struct vrs_gmem *gm;
	struct vrs_swiotlb *swiotlb;
	struct vrs_iommu *iommu;
	/* A few p2m scrambles built once: picking one per run costs nothing,
	 * rebuilding one per fuzz input would cost O(pages). */
	struct vrs_xen *xen[VRS_MACHINE_XEN_TABLES];
	struct vrs_xen *xen_now;
	uint32_t corrupt_nth;
	struct vrs_dma_debug *debug;

	/* per run */
	const struct vrs_platform *plat;
	struct vrs_direct platform_direct; /* direct / bounce / restricted */
	struct vrs_direct phys_direct;	   /* virt_to_phys */
	struct vrs_direct bus_direct;	   /* the device's GPA, dma-ranges and
					    * shared-alias views */
	struct vrs_dma backend;		   /* the platform's DMA API */
	struct vrs_dma_fault fault;
	struct vrs_dma fault_dma;
	struct vrs_dma dma;		   /* what the driver calls */
	struct vrs_dma phys;
	struct vrs_devbus devbus;
	struct vrs_bus bus;
	/* Guest memory by GPA with the platform's checks and no
	 * translation, for a device side that translates by itself
	 * (vrsim/device.h); and what that device side is told. */
	struct vrs_devbus phys_devbus;
	struct vrs_bus phys_bus;
	bool device_iommu; /* the device's bus goes through the IOMMU */
	bool bus_is_gpa;   /* the device's bus address is the GPA itself */
};

static void defaults(struct vrs_machine_config *c)
{
	if (!c->mem_bytes)
		c->mem_bytes = 16u << 20;
	if (!c->swiotlb_bytes)
		c->swiotlb_bytes = 2u << 20;
	if (!c->iotlb_entries)
		c->iotlb_entries = 64;
	if (!c->debug_entries)
		c->debug_entries = 4096;
}

int vrs_machine_create(const struct vrs_machine_config *cfg,
		       struct vrs_machine **out)
{
	VRS_ENSURE(out, EINVAL);
	struct vrs_machine *m = calloc(1, sizeof(*m));
	VRS_ENSURE(m, ENOMEM);
	if (cfg)
		m->cfg = *cfg;
	defaults(&m->cfg);
	struct vrs_iommu_config ic = {
		.iova_base = IOVA_BASE,
		.aperture = IOVA_APERTURE,
		.iotlb_entries = m->cfg.iotlb_entries,
	};
	int rc = vrs_gmem_create(m->cfg.mem_bytes, &m->gm);
	struct vrs_direct_config phys = {0};
	if (rc == 0) {
		/* The physical path never changes; dma-debug starts over it
		 * until the first setup points it at a platform. */
		vrs_direct_init(&m->phys_direct, m->gm, &phys);
		vrs_direct_dma(&m->phys_direct, &m->phys);
	}
	if (rc == 0)
		rc = vrs_swiotlb_create(m->gm, m->cfg.swiotlb_bytes, &m->swiotlb);
	if (rc == 0)
		rc = vrs_iommu_create(m->gm, &ic, &m->iommu);
	for (unsigned i = 0; rc == 0 && i < VRS_MACHINE_XEN_TABLES; i++)
		rc = vrs_xen_create(m->gm, m->swiotlb, i, &m->xen[i]);
	if (rc == 0)
		rc = vrs_dma_debug_create(&m->phys, m->cfg.debug_entries,
					  &m->debug);
	if (rc < 0) {
		vrs_machine_destroy(m);
		return rc;
	}
	*out = m;
	return 0;
}

void vrs_machine_destroy(struct vrs_machine *m)
{
	if (!m)
		return;
	vrs_dma_debug_destroy(m->debug);
	for (unsigned i = 0; i < VRS_MACHINE_XEN_TABLES; i++)
		vrs_xen_destroy(m->xen[i]);
	vrs_iommu_destroy(m->iommu);
	vrs_swiotlb_destroy(m->swiotlb);
	vrs_gmem_destroy(m->gm);
	free(m);
}

/* The DMA API the platform's kernel would give this device. */
static void build_backend(struct vrs_machine *m)
{
	const struct vrs_platform *p = m->plat;
	struct vrs_direct_config dc = {
		.offset = p->dma_offset,
		.shared_alias = p->shared_alias,
	};
	switch (p->dma) {
	case VRS_PLAT_DMA_IOMMU:
		vrs_iommu_dma(m->iommu, &m->backend);
		return;
	case VRS_PLAT_DMA_XEN:
		vrs_xen_dma(m->xen_now, &m->backend);
		return;
	case VRS_PLAT_DMA_BOUNCE:
		dc.swiotlb = m->swiotlb;
		dc.force_bounce = true;
		dc.decrypt_coherent = p->protected_memory;
		break;
	case VRS_PLAT_DMA_RESTRICTED:
		dc.swiotlb = m->swiotlb;
		dc.force_bounce = true;
		dc.coherent_from_pool = true;
		break;
	case VRS_PLAT_DMA_DIRECT:
		break;
	}
	vrs_direct_init(&m->platform_direct, m->gm, &dc);
	vrs_direct_dma(&m->platform_direct, &m->backend);
}

/* A device bus over the translator x with the platform's checks. */
static void device_bus(struct vrs_machine *m, struct vrs_devbus *b,
		       const struct vrs_xlate *x, struct vrs_bus *out)
{
	vrs_devbus_init(b, m->gm, x, m->plat);
	b->corrupt_nth = m->corrupt_nth;
	if (m->plat->view == VRS_VIEW_POOL_ONLY)
		vrs_devbus_set_window(b, vrs_swiotlb_pool_start(m->swiotlb),
				      vrs_swiotlb_pool_size(m->swiotlb));
	vrs_devbus_bus(b, out);
}

/* The device's view of a bus address on this platform, and the view by
 * GPA a device side that translates by itself reaches memory through. */
static void build_bus(struct vrs_machine *m, bool access_platform)
{
	const struct vrs_platform *p = m->plat;
	struct vrs_xlate x;
	if (vrs_platform_device_uses_iommu(p, access_platform)) {
		vrs_iommu_xlate(m->iommu, &x);
	} else if (p->view == VRS_VIEW_XEN) {
		vrs_xen_xlate(m->xen_now, &x);
	} else {
		/* The inverse of the platform's direct conversions. */
		struct vrs_direct_config bc = {
			.offset = p->dma_offset,
			.shared_alias = p->shared_alias,
		};
		vrs_direct_init(&m->bus_direct, m->gm, &bc);
		vrs_direct_xlate(&m->bus_direct, &x);
	}
	device_bus(m, &m->devbus, &x, &m->bus);
	/* The same checks on GPAs: the identity of the physical path. */
	vrs_direct_xlate(&m->phys_direct, &x);
	device_bus(m, &m->phys_devbus, &x, &m->phys_bus);
	m->device_iommu = vrs_platform_device_uses_iommu(p, access_platform);
	/* Only where the bus translates nothing and checks no window: a
	 * restricted pool's addresses are GPAs, but a host pointer would
	 * reach past its window. */
	m->bus_is_gpa = p->view == VRS_VIEW_GPA ||
			(p->view == VRS_VIEW_IOMMU_IF_AP && !access_platform);
}

/* Every kind of address keeps to its own range, so that one never passes
 * for another: GPAs below the dma-ranges window, the window and the shared
 * alias below or above the IOVAs (a larger guest memory can break this). */
static bool layout_ok(const struct vrs_machine *m, const struct vrs_platform *p)
{
	uint64_t mem = vrs_gmem_size(m->gm);
	uint64_t iova_end = IOVA_BASE + IOVA_APERTURE;
	if (p->dma_offset && (p->dma_offset < mem ||
			      p->dma_offset + mem > IOVA_BASE))
		return false;
	if (p->shared_alias && ((p->shared_alias & (p->shared_alias - 1)) ||
				p->shared_alias < iova_end ||
				p->dma_offset + mem > p->shared_alias))
		return false;
	return true;
}

int vrs_machine_setup(struct vrs_machine *m, const struct vrs_run_config *rc)
{
	VRS_ENSURE(m && rc, EINVAL);
	const struct vrs_platform *p = vrs_platform_get(rc->platform);
	VRS_ENSURE(p && layout_ok(m, p), EINVAL);
	m->plat = p;

	vrs_gmem_reset(m->gm);
	vrs_gmem_set_default_private(m->gm, p->protected_memory);
	vrs_swiotlb_reset(m->swiotlb);
	vrs_swiotlb_set_min_align_mask(m->swiotlb, rc->min_align_mask);
	/* The bounce pool is a reservation: shared on every platform. */
	vrs_iommu_reset(m->iommu);
	vrs_iommu_set_lazy(m->iommu, rc->lazy_iotlb);
	m->xen_now = m->xen[rc->xen_seed % VRS_MACHINE_XEN_TABLES];

	build_backend(m);
	vrs_dma_fault_init(&m->fault, &m->backend, rc->fail_nth,
			   rc->fail_persistent);
	vrs_dma_fault_dma(&m->fault, &m->fault_dma);
	vrs_dma_debug_reset(m->debug, &m->fault_dma);
	if (rc->no_dma_debug)
		m->dma = m->fault_dma;
	else
		vrs_dma_debug_dma(m->debug, &m->dma);
	m->corrupt_nth = rc->corrupt_nth;
	build_bus(m, rc->access_platform);
	return 0;
}

void vrs_machine_clean(struct vrs_machine *m)
{
	vrs_dma_debug_reset(m->debug, NULL);
	vrs_iommu_reset(m->iommu);
	vrs_swiotlb_reset(m->swiotlb);
	vrs_gmem_reset(m->gm);
}

struct vrs_gmem *vrs_machine_gmem(struct vrs_machine *m) { return m->gm; }

const struct vrs_platform *vrs_machine_platform(const struct vrs_machine *m)
{
	return m->plat;
}

const struct vrs_dma *vrs_machine_dma(const struct vrs_machine *m)
{
	return &m->dma;
}

const struct vrs_dma *vrs_machine_phys(const struct vrs_machine *m)
{
	return &m->phys;
}

const struct vrs_bus *vrs_machine_bus(const struct vrs_machine *m)
{
	return &m->bus;
}

const struct vrs_bus *vrs_machine_phys_bus(const struct vrs_machine *m)
{
	return &m->phys_bus;
}

bool vrs_machine_bus_is_gpa(const struct vrs_machine *m)
{
	return m->bus_is_gpa;
}

const struct vrs_xlate_mappings *vrs_machine_mappings(struct vrs_machine *m)
{
	return m->device_iommu ? vrs_iommu_mappings(m->iommu) : NULL;
}

void vrs_machine_iommu_flush(struct vrs_machine *m)
{
	vrs_iommu_flush(m->iommu);
}

size_t vrs_machine_live_mappings(const struct vrs_machine *m)
{
	return vrs_dma_debug_live(m->debug);
}

size_t vrs_machine_check_leaks(struct vrs_machine *m)
{
	return vrs_dma_debug_check_leaks(m->debug);
}

int vrs_machine_check(const struct vrs_machine *m)
{
	VRS_ENSURE(m && m->plat, EINVAL);
	VRS_GUARD(vrs_gmem_check(m->gm));
	VRS_GUARD(vrs_swiotlb_check(m->swiotlb));
	VRS_GUARD(vrs_iommu_check(m->iommu));
	VRS_GUARD(vrs_xen_check(m->xen_now));
	VRS_GUARD(vrs_dma_debug_check(m->debug));
	return 0;
}

int vrs_machine_check_run(const struct vrs_machine *m, const char **failed)
{
	VRS_ENSURE(m && m->plat, EINVAL);
	/* A backend the platform does not use keeps its reset state; the
	 * swiotlb and IOMMU checks walk what the run touched of them, so
	 * they run only where the run can have changed something. */
	enum vrs_plat_dma d = m->plat->dma;
	bool bounces = d == VRS_PLAT_DMA_BOUNCE || d == VRS_PLAT_DMA_XEN ||
		       d == VRS_PLAT_DMA_RESTRICTED;
	const char *what = NULL;
	if (vrs_gmem_check(m->gm) < 0)
		what = "guest memory";
	else if (vrs_dma_debug_check(m->debug) < 0)
		what = "dma-debug";
	else if (bounces && vrs_swiotlb_check(m->swiotlb) < 0)
		what = "swiotlb";
	else if (d == VRS_PLAT_DMA_IOMMU && vrs_iommu_check(m->iommu) < 0)
		what = "iommu";
	if (failed)
		*failed = what;
	return what ? -EINVAL : 0;
}

struct vrs_swiotlb *vrs_machine_swiotlb(struct vrs_machine *m)
{
	return m->swiotlb;
}

struct vrs_iommu *vrs_machine_iommu(struct vrs_machine *m)
{
	return m->iommu;
}

struct vrs_devbus *vrs_machine_devbus(struct vrs_machine *m)
{
	return &m->devbus;
}
