/* The device side of a virtqueue, split and packed, reaching guest memory
 * only through the bus. It validates everything the driver wrote: chain
 * length bounded by the queue size, loops, indirect inside indirect, the
 * indirect table's length, readable after writable, zero lengths and
 * out-of-range heads. An invalid chain is refused with -EPROTO and the
 * reason kept; the device then needs a reset, as a real one would. */
#ifndef VRSIM_VQDEV_H
#define VRSIM_VQDEV_H

#include "vrsim/bus.h"
#include "vrsim/gmem.h"
#include "vrsim/vq.h"
#include "vrsim/xlate.h"

struct vrs_iov {
	vrs_dma_addr_t addr;
	uint32_t len;
	bool write; /* device-writable */
};

/* One popped chain. The caller provides iov storage of iov_cap entries. */
struct vrs_vqdev_req {
	uint16_t id;	   /* head (split) or buffer id (packed) */
	uint16_t ndesc;	   /* ring slots the chain used (packed) */
	unsigned niov, nout, nin;
	uint64_t out_len, in_len;
	struct vrs_iov *iov;
	unsigned iov_cap;
};

struct vrs_vqdev_config {
	unsigned num;
	uint64_t features;
	bool big_endian_guest;
	struct vrs_vq_addrs addrs;
	const struct vrs_bus *bus;
	/* Where the driver started the ring's indices (vrs_packed_start in
	 * vrsim/virtio.h): the device begins there, as at zero after a
	 * reset. */
	uint16_t start;
	/* For a device side that translates bus addresses itself, as
	 * Linux's vringh does through its vhost IOTLB (vrsim/device.h);
	 * vrsim's own ignores these. mappings: the IOMMU's IOVA->GPA
	 * mappings to mirror, NULL when the device does not go through
	 * the IOMMU (bus addresses are used as they are); phys: guest
	 * memory by GPA with the platform's checks, for the accesses after
	 * such a translation; gm and bus_is_gpa: whether a bus address is
	 * a GPA, so the ring can be reached by host pointer. */
	const struct vrs_xlate_mappings *mappings;
	const struct vrs_bus *phys;
	struct vrs_gmem *gm;
	bool bus_is_gpa;
};

struct vrs_vqdev;

int vrs_vqdev_create(const struct vrs_vqdev_config *cfg,
		     struct vrs_vqdev **out);
void vrs_vqdev_destroy(struct vrs_vqdev *d);
/* Re-read the configuration (queue reset or resize). */
int vrs_vqdev_reset(struct vrs_vqdev *d, const struct vrs_vqdev_config *cfg);

/* Next available chain: 0, -EAGAIN when none, -EPROTO when the driver
 * wrote something invalid (see vrs_vqdev_error), -EFAULT when the bus
 * refused an access, -ENOSPC when iov_cap is too small. */
int vrs_vqdev_pop(struct vrs_vqdev *d, struct vrs_vqdev_req *req);
/* Mark a popped chain used with len bytes written. */
int vrs_vqdev_push(struct vrs_vqdev *d, const struct vrs_vqdev_req *req,
		   uint32_t len);
/* Whether the driver wants an interrupt now (flags or used_event). */
bool vrs_vqdev_need_interrupt(struct vrs_vqdev *d);
/* Ask the driver for kicks or not (used flags or avail_event). */
int vrs_vqdev_set_kicks(struct vrs_vqdev *d, bool wanted);

/* Where the device stands: the next available entry it will read
 * (split: avail index; packed: slot and driver wrap counter) and the
 * next used entry it will write (split: used index; packed: slot and
 * device wrap counter; the split wraps read false). */
struct vrs_vqdev_position {
	uint16_t avail, used;
	bool avail_wrap, used_wrap;
};
void vrs_vqdev_position(const struct vrs_vqdev *d, struct vrs_vqdev_position *out);

/* Chains popped and not yet pushed. */
unsigned vrs_vqdev_inflight(const struct vrs_vqdev *d);
bool vrs_vqdev_needs_reset(const struct vrs_vqdev *d);
const char *vrs_vqdev_error(const struct vrs_vqdev *d);
/* Validity check of the device's own state. 0 or -EINVAL. */
int vrs_vqdev_check(const struct vrs_vqdev *d);

#endif
