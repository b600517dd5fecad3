/* DMA layer benchmark: ns per map+unmap for each backend as the driver sees
 * it (dma-debug and fault injection included), the per-run machine setup,
 * and guest-memory reset cost for 16 MiB and 256 MiB with 64 touched pages.
 * It prints figures; nothing here passes or fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/machine.h"
#include "vrsim/report.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *kmalloc(struct vrs_gmem *gm, size_t size)
{
	vrs_gpa_t gpa;
	if (vrs_gmem_alloc(gm, size, VRS_OWNER_BUFFER, &gpa) < 0)
		abort();
	return vrs_gmem_hva(gm, gpa, size);
}

static double bench_map(struct vrs_machine *m, enum vrs_platform_id plat,
			size_t len, unsigned iters, bool debug)
{
	struct vrs_run_config rc = {.platform = plat, .access_platform = true,
				    .no_dma_debug = !debug};
	if (vrs_machine_setup(m, &rc) < 0)
		abort();
	const struct vrs_dma *dma = vrs_machine_dma(m);
	void *buf = kmalloc(vrs_machine_gmem(m), len);
	memset(buf, 1, len);
	double t0 = now_ns();
	for (unsigned i = 0; i < iters; i++) {
		vrs_dma_addr_t a;
		if (vrs_dma_map_single(dma, buf, len, VRS_DMA_BIDIRECTIONAL, &a) < 0 ||
		    vrs_dma_mapping_error(dma, a))
			abort();
		vrs_dma_unmap_single(dma, a, len, VRS_DMA_BIDIRECTIONAL);
	}
	return (now_ns() - t0) / iters;
}

static void bench_reset(size_t mem_bytes, unsigned iters)
{
	struct vrs_gmem *gm;
	if (vrs_gmem_create(mem_bytes, &gm) < 0)
		abort();
	double total = 0;
	for (unsigned i = 0; i < iters; i++) {
		for (unsigned p = 0; p < 64; p++)
			*(volatile char *)kmalloc(gm, 4096) = 1;
		double t0 = now_ns();
		vrs_gmem_reset(gm);
		total += now_ns() - t0;
	}
	printf("  reset %4zu MiB guest, 64 touched pages: %8.0f ns\n",
	       mem_bytes >> 20, total / iters);
	vrs_gmem_destroy(gm);
}

static void bench_setup(struct vrs_machine *m, enum vrs_platform_id plat,
			unsigned iters)
{
	struct vrs_run_config rc = {.platform = plat, .access_platform = true};
	double t0 = now_ns();
	for (unsigned i = 0; i < iters; i++)
		if (vrs_machine_setup(m, &rc) < 0)
			abort();
	printf("  machine setup %-16s %8.0f ns per run\n",
	       vrs_platform_get(plat)->name, (now_ns() - t0) / iters);
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 200000;
	if (iters == 0) {
		fprintf(stderr, "usage: bench_dma [ITERATIONS>0]\n");
		return 2;
	}
	vrs_report_set_mode(VRS_REPORT_ABORT); /* a finding here is a bug */
	struct vrs_machine *m;
	if (vrs_machine_create(NULL, &m) < 0)
		return 1;
	static const enum vrs_platform_id plats[] = {
		VRS_PLAT_KVM, VRS_PLAT_HW_VIRTIO, VRS_PLAT_SEV, VRS_PLAT_XEN,
		VRS_PLAT_RESTRICTED_POOL};
	static const char *const backend[] = {"direct", "iommu", "swiotlb",
					      "xen-swiotlb", "restricted"};
	printf("ns per map+unmap (fault injection on; dma-debug off / on):\n");
	printf("  %-16s %-12s %6s %10s %10s\n", "platform", "backend", "size",
	       "bare", "+debug");
	for (unsigned i = 0; i < sizeof(plats) / sizeof(plats[0]); i++) {
		static const size_t sizes[] = {64, 1500};
		for (unsigned k = 0; k < 2; k++) {
			size_t len = sizes[k];
			printf("  %-16s %-12s %5zuB %10.1f %10.1f\n",
			       vrs_platform_get(plats[i])->name, backend[i], len,
			       bench_map(m, plats[i], len, iters, false),
			       bench_map(m, plats[i], len, iters, true));
		}
	}
	printf("per-run costs:\n");
	for (unsigned i = 0; i < sizeof(plats) / sizeof(plats[0]); i++)
		bench_setup(m, plats[i], iters / 20 + 1);
	bench_reset(16u << 20, iters / 20 + 1);
	bench_reset(256u << 20, iters / 20 + 1);
	vrs_machine_destroy(m);
	return 0;
}
