/* Ring benchmark: ns per transfer (driver add + kick + device pop + device
 * push + driver get) for split and packed rings over direct, IOMMU and
 * SWIOTLB DMA, with and without EVENT_IDX, on one core, -O2, the driver
 * given the bare DMA stack (no dma-debug). Each driver under test in the
 * same run: vrsim's ring, then every Linux kernel built in. Then the
 * device sides alone: ns per chain popped and pushed, vrsim's device side
 * and each kernel's vringh (_iotlb and _kern), all serving vrsim's ring.
 * Prints figures only. */
#include <errno.h>
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

static unsigned kicks;

/* A queue of 256 between driver and device (NULL: vrsim's) on platform
 * plat, and the chain's two buffers (64 B out, 1500 B in) in sg: what
 * vrs_qpair_open returned. */
static int open_pair(struct vrs_machine *m, const struct vrs_driver_ops *driver,
		     const struct vrs_device_ops *device,
		     enum vrs_platform_id plat, uint64_t features, bool debug,
		     struct vrs_qpair *qp, struct vrs_sg sg[2])
{
	struct vrs_run_config rc = {.platform = plat, .access_platform = true,
				    .no_dma_debug = !debug};
	if (vrs_machine_setup(m, &rc) < 0)
		abort();
	static struct vrs_kmem kmem;
	vrs_sim_kmem(vrs_machine_gmem(m), &kmem);
	struct vrs_qpair_config c = {.driver = driver, .device = device,
				     .num = 256, .features = features,
				     .kmem = &kmem, .notify = notify,
				     .notify_ctx = &kicks};
	sg[0] = (struct vrs_sg){kmem.alloc(kmem.ctx, 64), 64};
	sg[1] = (struct vrs_sg){kmem.alloc(kmem.ctx, 1500), 1500};
	return vrs_qpair_open(qp, m, &c);
}

static double bench(struct vrs_machine *m, const struct vrs_driver_ops *driver,
		    enum vrs_platform_id plat, uint64_t features, unsigned iters,
		    bool debug)
{
	struct vrs_qpair qp = {0};
	struct vrs_sg sg[2];
	if (open_pair(m, driver, NULL, plat, features, debug, &qp, sg) < 0)
		abort();
	/* The driver through the driver-under-test interface, as the
	 * simulation calls it. */
	struct vrs_driver_queue *dq = qp.dq;
	struct vrs_vqdev *dev = vrs_ring_device_vqdev(qp.dev);
	vrs_vqdev_set_kicks(dev, true);
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

/* The device side alone: vrsim's ring adds BATCH chains (64 B out +
 * 1500 B in) and kicks, untimed; the device side pops every chain and
 * pushes it (100 bytes written), then asks need_interrupt once, timed;
 * the driver takes them back, untimed. ns per chain, or -1 when the
 * device side cannot serve the platform (linux-kern without GPAs). */
#define BATCH 64
static double bench_device(struct vrs_machine *m,
			   const struct vrs_device_ops *side,
			   enum vrs_platform_id plat, uint64_t features,
			   unsigned chains)
{
	struct vrs_qpair qp = {0};
	struct vrs_sg sg[2];
	int err = open_pair(m, &vrs_ring_driver, side, plat, features, false,
			    &qp, sg);
	if (err == -EOPNOTSUPP) {
		vrs_qpair_destroy(&qp);
		vrs_machine_clean(m);
		return -1;
	}
	if (err < 0)
		abort();
	struct vrs_driver_queue *dq = qp.dq;
	struct vrs_device_queue *dev = qp.dev;
	side->set_kicks(dev, true);
	static struct vrs_iov iov[BATCH][4];
	static struct vrs_vqdev_req req[BATCH];
	double ns = 0;
	unsigned done = 0;
	while (done < chains) {
		int token;
		for (unsigned i = 0; i < BATCH; i++)
			if (vrs_dq_add(dq, sg, 1, 1, &token) < 0)
				abort();
		vrs_dq_kick(dq);
		double t0 = now_ns();
		for (unsigned i = 0; i < BATCH; i++) {
			req[i] = (struct vrs_vqdev_req){.iov = iov[i], .iov_cap = 4};
			if (side->pop(dev, &req[i]) < 0 ||
			    side->push(dev, &req[i], 100) < 0)
				abort();
		}
		side->need_interrupt(dev);
		ns += now_ns() - t0;
		for (unsigned i = 0; i < BATCH; i++) {
			uint32_t len;
			void *got;
			if (vrs_dq_get_buf(dq, &len, &got) < 0)
				abort();
		}
		done += BATCH;
	}
	vrs_qpair_destroy(&qp);
	vrs_machine_clean(m);
	return ns / done;
}

static void cell(double ns, double base)
{
	if (ns < 0)
		printf(" %12s %8s", "n/a", "");
	else
		printf(" %12.1f %7.2fx", ns, ns / base);
}

/* The device sides' table: vrsim's, then each kernel's _iotlb and _kern
 * vringh, on a platform without an IOMMU, one with, and a SWIOTLB one. */
static void device_sides(struct vrs_machine *m, unsigned chains)
{
	static const struct {
		const char *name;
		enum vrs_platform_id plat;
	} plats[] = {{"kvm", VRS_PLAT_KVM},
		     {"hw-virtio", VRS_PLAT_HW_VIRTIO},
		     {"sev", VRS_PLAT_SEV}};
	struct {
		char name[32];
		const struct vrs_device_ops *ops;
	} sides[1 + 2 * 8] = {{"vrsim", &vrs_ring_device}};
	unsigned ns_ = 1;
#ifdef VRSIM_HAVE_LINUX
	for (unsigned k = 0; vrs_linux_kernels[k].version && ns_ + 2 <= 17; k++) {
		const struct vrs_linux_kernel *K = &vrs_linux_kernels[k];
		const struct vrs_device_ops *io = K->device ? K->device() : NULL;
		const struct vrs_device_ops *kern =
			K->device_kern ? K->device_kern() : NULL;
		if (io) {
			snprintf(sides[ns_].name, sizeof(sides[ns_].name),
				 "linux-%s", K->release);
			sides[ns_++].ops = io;
		}
		if (kern) {
			snprintf(sides[ns_].name, sizeof(sides[ns_].name),
				 "linux-kern-%s", K->release);
			sides[ns_++].ops = kern;
		}
	}
#endif
	const uint64_t v1 = VRS_BIT(VRS_F_VERSION_1) |
			    VRS_BIT(VRS_F_ACCESS_PLATFORM);
	const uint64_t ev = VRS_BIT(VRS_F_EVENT_IDX);
	printf("\nns per chain on the device side alone (pop + push, need_interrupt "
	       "once per %u chains;\nvrsim's ring adds them untimed), 64 B out + "
	       "1500 B in, split, queue 256, %u chains;\nx: against vrsim's "
	       "device side on the same platform; linux: vringh_*_iotlb through\n"
	       "the vhost IOTLB, linux-kern: vringh_*_kern (n/a: no GPAs on the "
	       "bus):\n", BATCH, chains);
	printf("  %-22s %-9s %12s %8s %12s %8s\n", "device side", "platform",
	       "no EVENT_IDX", "", "EVENT_IDX", "");
	for (unsigned p = 0; p < sizeof(plats) / sizeof(plats[0]); p++) {
		double base[2] = {0, 0};
		for (unsigned d = 0; d < ns_; d++) {
			double a = bench_device(m, sides[d].ops, plats[p].plat,
						v1, chains);
			double b = bench_device(m, sides[d].ops, plats[p].plat,
						v1 | ev, chains);
			if (d == 0) {
				base[0] = a;
				base[1] = b;
			}
			printf("  %-22s %-9s", sides[d].name, plats[p].name);
			cell(a, base[0]);
			cell(b, base[1]);
			printf("\n");
		}
	}
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
	device_sides(m, iters / 20 ? iters / 20 : 1);
	vrs_machine_destroy(m);
	return 0;
}
