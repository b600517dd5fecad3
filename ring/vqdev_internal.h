/* Private state of the device-side virtqueue (vqdev.c, vqdev_split.c,
 * vqdev_packed.c). The device sees guest memory only through the bus. */
#ifndef VRSIM_RING_VQDEV_INTERNAL_H
#define VRSIM_RING_VQDEV_INTERNAL_H

#include "vrsim/virtio.h"
#include "vrsim/vqdev.h"

struct vrs_vqdev_layout_ops;

struct vrs_vqdev {
	struct vrs_vqdev_config cfg;
	const struct vrs_vqdev_layout_ops *ops;
	struct vrs_endian e;
	bool event_idx, indirect, in_order;
	bool needs_reset;
	char error[160];
	unsigned inflight;

	/* split */
	uint16_t last_avail;  /* next avail entry to read */
	uint16_t used_idx;    /* next used entry to write */
	uint16_t signalled;   /* used_idx at the last interrupt decision */
	uint16_t seen_avail;  /* avail idx last read, for 2.7.6.1 */
	bool seen_valid;

	/* packed */
	uint16_t next_avail, next_used;
	bool avail_wrap, used_wrap;
	uint16_t used_count;	  /* slots used so far, mod 2^16 */
	uint16_t signalled_count; /* used_count at the last decision */
};

/* What differs between the layouts, chosen once per configuration. */
struct vrs_vqdev_layout_ops {
	bool num_pow2; /* ring indexes wrap by masking: num a power of two */
	int (*pop)(struct vrs_vqdev *d, struct vrs_vqdev_req *req);
	int (*push)(struct vrs_vqdev *d, const struct vrs_vqdev_req *req,
		    uint32_t len);
	bool (*need_interrupt)(struct vrs_vqdev *d);
	int (*set_kicks)(struct vrs_vqdev *d, bool wanted);
	/* The layout's part of vrs_vqdev_check. */
	int (*check)(const struct vrs_vqdev *d);
};

extern const struct vrs_vqdev_layout_ops vrs_vqdev_split_ops;
extern const struct vrs_vqdev_layout_ops vrs_vqdev_packed_ops;

/* Refuse the driver's ring: keep the first reason, need a reset. Every
 * fmt starts with text, so a kept reason is never empty (vrs_vqdev_check
 * relies on it). */
int vrs_vqdev_protocol_error(struct vrs_vqdev *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append one buffer to a request, enforcing readable-before-writable,
 * non-zero length and the chain bound. */
int vrs_vqdev_push_iov(struct vrs_vqdev *d, struct vrs_vqdev_req *req,
		       uint64_t addr, uint32_t len, bool write);
/* Entries in an indirect table of len bytes, or a protocol error when the
 * feature is off or the length is not a whole, bounded table. */
int vrs_vqdev_indirect_entries(struct vrs_vqdev *d, uint32_t len, uint32_t *n);

#endif
