/* The fixture the ring suites share (test_vq.c, the driver side, and
 * test_vqdev.c, the device side): a KVM machine, the driver's allocator
 * and one queue pair of vrsim's ring (sim/qpair.h, the fixture the
 * simulation and the ring benchmark use too). */
#include "vq_pair.h"

#include <criterion/criterion.h>

#include "sim/kmem.h"
#include "testing.h"

struct vrs_machine *m;
struct vrs_kmem kmem;
struct vrs_qpair qp;
struct vrs_vq *vq;	 /* qp's driver queue: vrsim's ring */
struct vrs_vqdev *dev; /* qp's device queue */
struct vrs_iov iovs[64];
unsigned kicks;

static void notify(void *ctx, uint32_t data)
{
	kicks++;
}

void vrs_test_pair_setup(void)
{
	vrs_report_set_mode(VRS_REPORT_RECORD);
	vrs_report_clear();
	cr_assert_eq(vrs_machine_create(NULL, &m), 0);
	struct vrs_run_config rc = {.platform = VRS_PLAT_KVM};
	cr_assert_eq(vrs_machine_setup(m, &rc), 0);
	vrs_sim_kmem(vrs_machine_gmem(m), &kmem);
	kicks = 0;
}

void vrs_test_pair_teardown(void)
{
	vrs_qpair_destroy(&qp);
	vq = NULL;
	dev = NULL;
	vrs_machine_destroy(m);
}

/* Open the pair (again: restart it) on the machine's DMA API. */
int open_pair(unsigned num, uint64_t features, bool big_endian)
{
	return open_pair_at(num, features, big_endian, 0);
}

int open_pair_at(unsigned num, uint64_t features, bool big_endian,
		 uint16_t start)
{
	struct vrs_qpair_config c = {.num = num, .features = features,
				     .big_endian_guest = big_endian,
				     .kmem = &kmem, .notify = notify,
				     .start = start};
	int rc = vrs_qpair_open(&qp, m, &c);
	vq = vrs_ring_driver_vq(qp.dq);
	dev = vrs_ring_device_vqdev(qp.dev);
	return rc;
}

void make(unsigned num, uint64_t features)
{
	cr_assert_eq(open_pair(num, features, false), 0);
	cr_assert_not_null(vq);
}

uint8_t *kbuf(size_t n)
{
	uint8_t *p = kmem.alloc(kmem.ctx, n);
	cr_assert_not_null(p);
	return p;
}

struct vrs_vqdev_req new_req(void)
{
	return (struct vrs_vqdev_req){.iov = iovs, .iov_cap = 64};
}

/* One request out and back: the device reads the out bytes and writes the
 * in bytes through the bus; the driver gets its token and length. */
void round_trip(unsigned n_out, unsigned n_in, size_t sz, int tag)
{
	struct vrs_sg sg[8];
	for (unsigned i = 0; i < n_out + n_in; i++) {
		sg[i].buf = kbuf(sz);
		sg[i].len = (uint32_t)sz;
		vrs_test_fill(sg[i].buf, sz, (uint8_t)(i < n_out ? tag + i : 0));
	}
	int token;
	cr_assert_eq(vrs_vq_add(vq, sg, n_out, n_in, &token), 0);
	vrs_vq_kick(vq);
	struct vrs_vqdev_req req = new_req();
	cr_assert_eq(vrs_vqdev_pop(dev, &req), 0, "%s", vrs_vqdev_error(dev));
	cr_assert_eq(req.nout, n_out);
	cr_assert_eq(req.nin, n_in);
	uint8_t tmp[4096];
	for (unsigned i = 0; i < n_out; i++) {
		cr_assert_eq(vrs_bus_read(vrs_machine_bus(m), req.iov[i].addr, tmp, sz), 0);
		cr_assert(vrs_test_has_pattern(tmp, sz, (uint8_t)(tag + i)));
	}
	for (unsigned i = n_out; i < n_out + n_in; i++) {
		vrs_test_fill(tmp, sz, (uint8_t)(100 + i));
		cr_assert_eq(vrs_bus_write(vrs_machine_bus(m), req.iov[i].addr, tmp, sz), 0);
	}
	cr_assert_eq(vrs_vqdev_push(dev, &req, (uint32_t)(n_in * sz)), 0);
	uint32_t len;
	void *got;
	cr_assert_eq(vrs_vq_get_buf(vq, &len, &got), 0, "%s", vrs_vq_broken_reason(vq));
	cr_assert_eq(got, &token);
	cr_assert_eq(len, n_in * sz);
	for (unsigned i = n_out; i < n_out + n_in; i++)
		cr_assert(vrs_test_has_pattern(sg[i].buf, sz, (uint8_t)(100 + i)));
	for (unsigned i = 0; i < n_out + n_in; i++)
		kmem.free(kmem.ctx, sg[i].buf, sz);
}
