/* The ring suites' shared fixture; see vq_pair.c. The short names are
 * the suites' own: nothing outside tests/ links this. */
#ifndef VRSIM_TESTS_VQ_PAIR_H
#define VRSIM_TESTS_VQ_PAIR_H

#include "sim/machine.h"
#include "sim/qpair.h"
#include "vrsim/virtio.h"
#include "vrsim/vq.h"
#include "vrsim/vqdev.h"

#define V1 VRS_BIT(VRS_F_VERSION_1)
#define PACKED VRS_BIT(VRS_F_RING_PACKED)
#define INDIRECT VRS_BIT(VRS_F_INDIRECT_DESC)
#define EVENT VRS_BIT(VRS_F_EVENT_IDX)
#define INORDER VRS_BIT(VRS_F_IN_ORDER)

extern struct vrs_machine *m;
extern struct vrs_kmem kmem;
extern struct vrs_qpair qp;
extern struct vrs_vq *vq;	/* qp's driver queue: vrsim's ring */
extern struct vrs_vqdev *dev;	/* qp's device queue */
extern struct vrs_iov iovs[64];
extern unsigned kicks;		/* notifications the driver sent */

/* Criterion .init/.fini: a fresh KVM machine, RECORD mode; the pair and
 * the machine freed. */
void vrs_test_pair_setup(void);
void vrs_test_pair_teardown(void);
/* Open the pair (again: restart it) on the machine's DMA API. */
int open_pair(unsigned num, uint64_t features, bool big_endian);
/* The same with the ring's indices starting at start (vrs_packed_start). */
int open_pair_at(unsigned num, uint64_t features, bool big_endian,
		 uint16_t start);
void make(unsigned num, uint64_t features);
uint8_t *kbuf(size_t n);
struct vrs_vqdev_req new_req(void);
/* One request out and back: the device reads the out bytes and writes
 * the in bytes through the bus; the driver gets its token and length. */
void round_trip(unsigned n_out, unsigned n_in, size_t sz, int tag);

#endif
