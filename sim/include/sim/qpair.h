/* A queue pair: one queue of a driver under test and the device queue that
 * serves it, over one machine's DMA stack and bus, made in one call (as
 * rust-vmm's MockSplitQueue serves its unit tests, benches and fuzzers).
 * The simulation keeps one per queue from run to run; tests/test_vq.c and
 * bench/bench_ring.c use the same one. */
#ifndef VRSIM_SIM_QPAIR_H
#define VRSIM_SIM_QPAIR_H

#include "sim/machine.h"
#include "vrsim/device.h"
#include "vrsim/driver.h"
#include "vrsim/vqdev.h"

struct vrs_qpair_config {
	const struct vrs_driver_ops *driver; /* NULL: vrsim's ring */
	const struct vrs_device_ops *device; /* NULL: vrsim's */
	unsigned index;
	unsigned num;
	uint64_t features;	/* negotiated */
	bool big_endian_guest;
	/* The DMA API the driver uses; NULL: the machine's (dma-debug,
	 * fault injection, platform), as the DMA-use policy mostly says. */
	const struct vrs_dma *dma;
	const struct vrs_kmem *kmem; /* the driver's allocator */
	void (*notify)(void *ctx, uint32_t data);
	void *notify_ctx;
	/* For a driver that decides on the DMA API itself (vrsim/driver.h):
	 * the machine's physical path and xen_domain() are passed along,
	 * and these. */
	uint8_t (*choose)(void *ctx);
	void *choose_ctx;
	bool device_honest;
	uint16_t start; /* where both sides start the ring's indices */
};

struct vrs_qpair {
	const struct vrs_driver_ops *driver;
	struct vrs_driver_queue *dq;
	const struct vrs_device_ops *device;
	struct vrs_device_queue *dev;
	struct vrs_machine *m;
	struct vrs_qpair_config cfg;
	/* Where the device is told its used ring is, when not where the
	 * driver put it (vrs_qpair_move_used); 0: the driver's. */
	vrs_dma_addr_t moved_used;
};

/* Both queues on the machine m (already set up for a run). A pair whose
 * objects exist from an earlier open (zeroed otherwise) restarts them, so
 * a run allocates no host memory for its queues; another driver's or
 * device side's are freed first. On failure nothing is left live (no ring, no mapping); the
 * pair may be opened again or destroyed. */
int vrs_qpair_open(struct vrs_qpair *qp, struct vrs_machine *m,
		   const struct vrs_qpair_config *cfg);
/* Per-queue reset (RING_RESET) with a new size (0: the same), the driver
 * first, then the device told the new ring. Buffers must be detached. */
int vrs_qpair_reset(struct vrs_qpair *qp, unsigned new_num);
/* The device alone starts over on the driver's current ring. */
int vrs_qpair_reset_device(struct vrs_qpair *qp);
/* Tell the device its used ring is at addr (a hostile driver's choice)
 * and start it over there; the referee and every other reader of the
 * device's view follow. Undone by the next open. */
int vrs_qpair_move_used(struct vrs_qpair *qp, vrs_dma_addr_t addr);
/* The device's view of the driver's ring right now, with what a device
 * side that translates by itself needs of the machine (its mappings,
 * physical bus, guest memory and whether a bus address is a GPA). */
void vrs_qpair_device_config(const struct vrs_qpair *qp,
			     struct vrs_vqdev_config *out);
/* End of a run: the driver frees its ring and mappings, keeping its
 * objects for the next open. */
void vrs_qpair_shutdown(struct vrs_qpair *qp);
void vrs_qpair_destroy(struct vrs_qpair *qp);

#endif
