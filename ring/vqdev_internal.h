/* Private state of the device-side virtqueue (vqdev.c, vqdev_split.c,
 * vqdev_packed.c). The device sees guest memory only through the bus. */
#ifndef VRSIM_RING_VQDEV_INTERNAL_H
#define VRSIM_RING_VQDEV_INTERNAL_H

#include "vrsim/virtio.h"
#include "vrsim/vqdev.h"

struct vrs_vqdev {
	struct vrs_vqdev_config cfg;
	struct vrs_endian e;
	bool packed, event_idx, indirect;
	bool needs_reset;
	char error[160];
	unsigned inflight;

	/* split */
	uint16_t last_avail;  /* next avail entry to read */
	uint16_t used_idx;    /* next used entry to write */
	uint16_t signalled;   /* used_idx at the last interrupt decision */

	/* packed */
	uint16_t next_avail, next_used;
	bool avail_wrap, used_wrap;
	uint16_t used_count;	  /* slots used so far, mod 2^16 */
	uint16_t signalled_count; /* used_count at the last decision */
};

/* Refuse the driver's ring: keep the first reason, need a reset. */
int vqdev_protocol_error(struct vrs_vqdev *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append one buffer to a request, enforcing readable-before-writable,
 * non-zero length and the chain bound. */
int vqdev_push_iov(struct vrs_vqdev *d, struct vrs_vqdev_req *req,
		   uint64_t addr, uint32_t len, bool write);
/* Entries in an indirect table of len bytes, or a protocol error when the
 * feature is off or the length is not a whole, bounded table. */
int vqdev_indirect_entries(struct vrs_vqdev *d, uint32_t len, uint32_t *n);
/* Walk an indirect table at addr of len bytes into req. */
int vqdev_walk_indirect(struct vrs_vqdev *d, struct vrs_vqdev_req *req,
			uint64_t addr, uint32_t len);

int vqdev_split_pop(struct vrs_vqdev *d, struct vrs_vqdev_req *req);
int vqdev_split_push(struct vrs_vqdev *d, const struct vrs_vqdev_req *req,
		     uint32_t len);
bool vqdev_split_need_interrupt(struct vrs_vqdev *d);
int vqdev_split_set_kicks(struct vrs_vqdev *d, bool wanted);

int vqdev_packed_pop(struct vrs_vqdev *d, struct vrs_vqdev_req *req);
int vqdev_packed_push(struct vrs_vqdev *d, const struct vrs_vqdev_req *req,
		      uint32_t len);
bool vqdev_packed_need_interrupt(struct vrs_vqdev *d);
int vqdev_packed_set_kicks(struct vrs_vqdev *d, bool wanted);

#endif
