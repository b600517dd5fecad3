/* Private state of the driver-side virtqueue, shared by the front end
 * (vq.c) and the two layouts (vq_split.c, vq_packed.c). */
#ifndef VRSIM_RING_VQ_INTERNAL_H
#define VRSIM_RING_VQ_INTERNAL_H

#include "vrsim/virtio.h"
#include "vrsim/vq.h"

/* The driver's private copy of one descriptor it wrote: unmapping and
 * validation use this, never the shared ring the device can scribble on. */
struct vq_desc_extra {
	vrs_dma_addr_t addr;
	uint32_t len;
	uint16_t flags; /* split flags (NEXT, WRITE, INDIRECT) */
	uint16_t next;	/* free list and chain link */
};

/* Per in-flight buffer (indexed by split head / packed buffer id). */
struct vq_desc_state {
	void *token;		  /* NULL: slot not in flight */
	uint16_t ndescs;	  /* ring slots it uses */
	uint16_t last;		  /* packed: last ring slot of the chain */
	uint64_t in_len;	  /* writable bytes: bound for used len */
	/* indirect table: guest memory the device reads, and our shadow */
	struct vrs_vring_desc *indir;
	struct vq_desc_extra *indir_extra;
	vrs_dma_addr_t indir_addr;
	uint16_t indir_num;
};

/* An indirect table's shadow kept per id after the buffer is gone, so
 * the next indirect buffer with this id reuses it instead of allocating. */
struct vq_indir_cache {
	struct vq_desc_extra *extra;
	unsigned cap;
};

struct vq_layout_ops;

struct vrs_vq {
	struct vrs_driver_queue_config cfg;
	const struct vq_layout_ops *ops;
	struct vrs_endian e;
	bool event_idx, indirect, in_order, notification_data;
	unsigned num, num_free;
	uint16_t free_head;
	/* IN_ORDER: the free list's last entry. Freed descriptors join at
	 * the tail, so they are handed out again in ring order, as 2.7.5.2
	 * wants of a split ring (next is x + 1, and 0 after the last). */
	uint16_t free_tail;
	bool broken;
	char why[160];

	/* the ring: one coherent allocation */
	void *ring_cpu;
	vrs_dma_addr_t ring_dma;
	size_t ring_size;
	struct vrs_vq_addrs addrs;

	/* Host-side arrays hold shadow_cap entries, the most this queue has
	 * had: a smaller reset or a restart reuses them (the tail poisoned
	 * under ASan), so a fuzz harness allocates nothing per input. */
	unsigned shadow_cap;
	/* Ids whose state may be non-zero are below this (vq_touch_state):
	 * a reset zeroes those, not the whole array. */
	unsigned shadow_dirty;
	struct vq_desc_state *state;
	struct vq_desc_extra *extra;
	struct vq_indir_cache *indir_cache;
	unsigned inflight;	/* buffers posted and not yet returned */
	unsigned detach_cursor;	/* where vrs_vq_detach_unused resumes */
	/* IN_ORDER: ids in the order they were made available (FIFO) */
	uint16_t *posted;
	unsigned posted_head, posted_tail;

	/* split: pointers into ring memory (who writes: see vq_split.c) */
	struct vrs_vring_desc *desc;
	uint16_t *avail_flags, *avail_idx, *avail_ring, *used_event;
	uint16_t *used_flags, *used_idx, *avail_event;
	struct vrs_vring_used_elem *used_ring;
	uint16_t avail_idx_shadow, avail_flags_shadow, last_used_idx;
	uint16_t num_added;

	/* packed */
	struct vrs_packed_desc *pdesc;
	struct vrs_packed_event *driver_event, *device_event;
	uint16_t next_avail, avail_used_flags, last_used, event_flags_shadow;
	bool avail_wrap, used_wrap;
};

/* What differs between the layouts, chosen once when the queue starts. */
struct vq_layout_ops {
	bool packed;   /* the VIRTIO_F_RING_PACKED layout */
	bool num_pow2; /* ring indexes wrap by masking: num a power of two */
	size_t (*ring_size)(unsigned num, bool legacy);
	void (*init)(struct vrs_vq *vq); /* ring memory zeroed, ids free */
	int (*add)(struct vrs_vq *vq, const struct vrs_sg *sg, unsigned out,
		   unsigned in, void *token);
	bool (*kick_prepare)(struct vrs_vq *vq);
	int (*get_buf)(struct vrs_vq *vq, uint32_t *len, void **token);
	bool (*more_used)(struct vrs_vq *vq);
	void (*disable_cb)(struct vrs_vq *vq);
	bool (*enable_cb)(struct vrs_vq *vq);
	/* NOTIFICATION_DATA's high half: where the next buffer will go. */
	uint32_t (*notify_data)(const struct vrs_vq *vq);
};

extern const struct vq_layout_ops vrs_vq_split_ops;
extern const struct vq_layout_ops vrs_vq_packed_ops;

/* Shared helpers (vq.c). */
void vrs_vq_bad_ring(struct vrs_vq *vq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vrs_vq_map_sg(struct vrs_vq *vq, const struct vrs_sg *sg, bool write,
		  vrs_dma_addr_t *addr);
void vrs_vq_unmap(struct vrs_vq *vq, vrs_dma_addr_t addr, uint32_t len,
		  bool write);
/* Indirect table for n descriptors: kmem + host shadow + mapping. */
int vrs_vq_alloc_indirect(struct vrs_vq *vq, struct vq_desc_state *st,
			  unsigned n);
void vrs_vq_free_indirect(struct vrs_vq *vq, struct vq_desc_state *st);
/* Bookkeeping when a buffer goes out and when the device returns it:
 * returns false (queue broken) when IN_ORDER is violated. */
void vrs_vq_posted(struct vrs_vq *vq, uint16_t id, void *token,
		   uint64_t in_len);
bool vrs_vq_check_used(struct vrs_vq *vq, uint32_t id, uint32_t len);
/* Unmap and free the buffer with this id (split head or packed id) from
 * the shadow, never the shared ring; returns its token. Both layouts
 * link a buffer's descriptors through vq->extra[].next. */
void *vrs_vq_detach_buf(struct vrs_vq *vq, uint16_t id);
int vrs_vq_map_indirect(struct vrs_vq *vq, struct vq_desc_state *st);

/* Shared fields the device writes are read once, as READ_ONCE does. */
#define VQ_READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define VQ_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
/* virtio_wmb/virtio_rmb: order ring accesses against the device. */
#define VQ_WMB() __atomic_thread_fence(__ATOMIC_RELEASE)
#define VQ_RMB() __atomic_thread_fence(__ATOMIC_ACQUIRE)

/* Id's state is about to be written: reinit_ring zeroes the states of
 * ids below shadow_dirty only, so a reset costs what the runs used, not
 * the queue size. */
static inline void vq_touch_state(struct vrs_vq *vq, unsigned id)
{
	if (id >= vq->shadow_dirty)
		vq->shadow_dirty = id + 1;
}

#endif
