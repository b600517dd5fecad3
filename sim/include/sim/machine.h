/* The simulated machine: guest memory and every DMA backend, created once
 * per process, and a per-run setup that picks a platform and builds
 *   - the DMA API the driver gets: debug -> fault injection -> backend,
 *   - the physical path a driver that bypasses the DMA API takes
 *     (virt_to_phys, as virtio did before 2016),
 *   - the bus the device gets for that platform and ACCESS_PLATFORM.
 * Setup resets everything the previous run touched; nothing leaks from one
 * run into the next. */
#ifndef VRSIM_SIM_MACHINE_H
#define VRSIM_SIM_MACHINE_H

#include "sim/platform.h"
#include "vrsim/bus.h"
#include "vrsim/dma.h"
#include "vrsim/gmem.h"
#include "vrsim/xlate.h"

struct vrs_machine_config {
	size_t mem_bytes;	/* guest memory; default 16 MiB */
	size_t swiotlb_bytes;	/* bounce pool; default 2 MiB */
	unsigned iotlb_entries;	/* device IOTLB; default 64 */
	size_t debug_entries;	/* dma-debug live mappings; default 4096 */
};

struct vrs_run_config {
	enum vrs_platform_id platform;
	bool access_platform;	/* device negotiated ACCESS_PLATFORM */
	bool lazy_iotlb;	/* IOMMU flush queue instead of strict */
	uint64_t min_align_mask; /* device's swiotlb min_align_mask */
	uint32_t fail_nth;	/* fault injection: fail the Nth map/alloc */
	bool fail_persistent;
	uint64_t xen_seed;	/* p2m scramble: one of VRS_MACHINE_XEN_TABLES */
	bool no_dma_debug;	/* benchmarks: the driver gets the bare stack */
	uint32_t corrupt_nth;	/* a faulty DMA engine: flip a bit in the
				 * Nth device write (0: never) */
};

#define VRS_MACHINE_XEN_TABLES 4

struct vrs_machine;

int vrs_machine_create(const struct vrs_machine_config *cfg,
		       struct vrs_machine **out);
void vrs_machine_destroy(struct vrs_machine *m);

/* Reset and build the stacks for one run; -EINVAL for a bad config. */
int vrs_machine_setup(struct vrs_machine *m, const struct vrs_run_config *rc);
/* Undo what a run touched, right after it: the next run's setup then has
 * nothing left to clean, so its cost and its coverage do not depend on
 * the input before it (AFL++ stability). */
void vrs_machine_clean(struct vrs_machine *m);

struct vrs_gmem *vrs_machine_gmem(struct vrs_machine *m);
const struct vrs_platform *vrs_machine_platform(const struct vrs_machine *m);
/* The platform's DMA API, wrapped in dma-debug and fault injection. */
const struct vrs_dma *vrs_machine_dma(const struct vrs_machine *m);
/* The no-DMA-API path: bus address = GPA, no bounce, nothing shared. */
const struct vrs_dma *vrs_machine_phys(const struct vrs_machine *m);
const struct vrs_bus *vrs_machine_bus(const struct vrs_machine *m);
/* For a device side that translates bus addresses itself (vrsim/device.h,
 * struct vrs_vqdev_config): guest memory by GPA with the platform's
 * checks (restricted-pool window, private pages, outside memory) and no
 * translation; whether the device's bus address is the GPA itself (the
 * GPA view, or the IOMMU-if-ACCESS_PLATFORM view without it); and the
 * IOMMU's mappings to mirror when the device's bus goes through the
 * IOMMU (NULL otherwise). As set up for the current run. */
const struct vrs_bus *vrs_machine_phys_bus(const struct vrs_machine *m);
bool vrs_machine_bus_is_gpa(const struct vrs_machine *m);
const struct vrs_xlate_mappings *vrs_machine_mappings(struct vrs_machine *m);
/* IOMMU housekeeping a driver or the scheduler may trigger. */
void vrs_machine_iommu_flush(struct vrs_machine *m);

/* DMA API mappings and coherent allocations live right now. */
size_t vrs_machine_live_mappings(const struct vrs_machine *m);
/* Teardown oracle: report every DMA mapping still live; returns the count. */
size_t vrs_machine_check_leaks(struct vrs_machine *m);
/* Validity check of every component. 0 or -EINVAL. */
int vrs_machine_check(const struct vrs_machine *m);
/* The same for what a run can change, cheap enough to run while it runs:
 * guest memory, dma-debug, and the swiotlb or IOMMU when the platform uses
 * them; not the Xen p2m tables, which are fixed when the machine is made.
 * On failure *failed (if given) names the component. */
int vrs_machine_check_run(const struct vrs_machine *m, const char **failed);

/* Backends, for tests and benchmarks that look inside. */
struct vrs_swiotlb *vrs_machine_swiotlb(struct vrs_machine *m);
struct vrs_iommu *vrs_machine_iommu(struct vrs_machine *m);
struct vrs_devbus *vrs_machine_devbus(struct vrs_machine *m);

#endif
