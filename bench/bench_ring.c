/* Ring benchmark: ns per transfer (driver add + kick + device pop + device
 * push + driver get) for split and packed rings over direct, IOMMU and
 * SWIOTLB DMA, with and without EVENT_IDX, on one core, -O2, the driver
 * given the bare DMA stack (no dma-debug). Each driver under test in the
 * same run: vrsim's ring, then every Linux kernel built in. Prints
 * figures only. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/kmem.h"
#include "sim/machine.h"
#include "sim/qpair.h"
#include "vrsim/report.h"
#include "vrsim/virtio.h"
#include "vrsim/driver.h"
#include "vrsim/vqdev.h"
#include "vrsim/vq.h"
#ifdef VRSIM_HAVE_LINUX
#include "kernel/kernels.h"
#endif

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void notify(void *ctx, uint32_t data)
{
	(*(unsigned *)ctx)++;
}

static double bench(struct vrs_machine *m, const struct vrs_driver_ops *driver,
		    enum vrs_platform_id plat, uint64_t features, unsigned iters,
		    bool debug)
{
	struct vrs_run_config rc = {.platform = plat, .access_platform = true,
				    .no_dma_debug = !debug};
	if (vrs_machine_setup(m, &rc) < 0)
		abort();
	struct vrs_kmem kmem;
	vrs_sim_kmem(vrs_machine_gmem(m), &kmem);
	unsigned kicks = 0;
	struct vrs_qpair qp = {0};
	struct vrs_qpair_config c = {.driver = driver, .num = 256,
				     .features = features,
				     .kmem = &kmem, .notify = notify,
				     .notify_ctx = &kicks};
	if (vrs_qpair_open(&qp, m, &c) < 0)
		abort();
	/* The driver through the driver-under-test interface, as the
	 * simulation calls it. */
	struct vrs_driver_queue *dq = qp.dq;
	struct vrs_vqdev *dev = vrs_ring_device_vqdev(qp.dev);
	vrs_vqdev_set_kicks(dev, true);
	struct vrs_sg sg[2] = {{kmem.alloc(kmem.ctx, 64), 64},
			       {kmem.alloc(kmem.ctx, 1500), 1500}};
	struct vrs_iov iov[4];
	struct vrs_vqdev_req req = {.iov = iov, .iov_cap = 4};
	int token;
	double t0 = now_ns();
	for (unsigned i = 0; i < iters; i++) {
		uint32_t len;
		void *got;
		if (vrs_dq_add(dq, sg, 1, 1, &token) < 0)
			abort();
		vrs_dq_kick(dq);
		if (vrs_vqdev_pop(dev, &req) < 0 ||
		    vrs_vqdev_push(dev, &req, 100) < 0)
			abort();
		vrs_vqdev_need_interrupt(dev);
		if (vrs_dq_get_buf(dq, &len, &got) < 0)
			abort();
	}
	double ns = (now_ns() - t0) / iters;
	vrs_qpair_destroy(&qp);
	return ns;
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 1000000;
	if (iters == 0) {
		fprintf(stderr, "usage: bench_ring [ITERATIONS>0]\n");
		return 2;
	}
	vrs_report_set_mode(VRS_REPORT_ABORT); /* a finding here is a bug */
	struct vrs_machine *m;
	if (vrs_machine_create(NULL, &m) < 0)
		return 1;
	static const struct {
		const char *name;
		enum vrs_platform_id plat;
	} dmas[] = {{"direct", VRS_PLAT_KVM},
		    {"iommu", VRS_PLAT_HW_VIRTIO},
		    {"swiotlb", VRS_PLAT_SEV}};
	/* ACCESS_PLATFORM: the Linux ring then maps through the DMA API as
	 * vrsim's does (vring_use_dma_api). */
	const uint64_t v1 = VRS_BIT(VRS_F_VERSION_1) |
			    VRS_BIT(VRS_F_ACCESS_PLATFORM);
	const uint64_t ev = VRS_BIT(VRS_F_EVENT_IDX);
	const uint64_t packed = VRS_BIT(VRS_F_RING_PACKED);
	printf("ns per transfer (add + kick + pop + push + get), 64 B out + "
	       "1500 B in, queue 256, %u transfers:\n", iters);
	struct {
		char name[24];
		const struct vrs_driver_ops *ops;
	} drivers[8] = {{"vrsim", &vrs_ring_driver}};
	unsigned nd = 1;
#ifdef VRSIM_HAVE_LINUX
	for (unsigned k = 0; vrs_linux_kernels[k].version && nd < 8; k++, nd++) {
		snprintf(drivers[nd].name, sizeof(drivers[nd].name), "linux-%s",
			 vrs_linux_kernels[k].release);
		drivers[nd].ops = vrs_linux_kernels[k].ops();
	}
#endif
	printf("  %-15s %-8s %-7s %12s %12s %14s\n", "driver", "dma", "layout",
	       "no EVENT_IDX", "EVENT_IDX", "+dma-debug");
	for (unsigned i = 0; i < 3; i++) {
		for (int p = 0; p <= 1; p++) {
			for (unsigned d = 0; d < nd; d++) {
				const struct vrs_driver_ops *o = drivers[d].ops;
				uint64_t f = v1 | (p ? packed : 0);
				double a = bench(m, o, dmas[i].plat, f, iters, false);
				double b = bench(m, o, dmas[i].plat, f | ev, iters, false);
				double c = bench(m, o, dmas[i].plat, f | ev, iters, true);
				printf("  %-15s %-8s %-7s %12.1f %12.1f %14.1f\n",
				       drivers[d].name, dmas[i].name,
				       p ? "packed" : "split", a, b, c);
			}
		}
	}
	vrs_machine_destroy(m);
	return 0;
}
