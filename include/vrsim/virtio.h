/* Virtio constants and ring layouts (VIRTIO 1.2, sections 2.7 and 2.8), and
 * the byte-order helpers that legacy devices and big-endian guests need. */
#ifndef VRSIM_VIRTIO_H
#define VRSIM_VIRTIO_H

#include "vrsim/types.h"

/* Feature bits that change the ring's behaviour. */
#define VRS_F_INDIRECT_DESC 28
#define VRS_F_EVENT_IDX 29
#define VRS_F_VERSION_1 32
#define VRS_F_ACCESS_PLATFORM 33
#define VRS_F_RING_PACKED 34
#define VRS_F_IN_ORDER 35
#define VRS_F_NOTIFICATION_DATA 38
#define VRS_F_RING_RESET 40
#define VRS_BIT(f) (1ull << (f))

static inline bool vrs_has_feature(uint64_t features, unsigned bit)
{
	return (features >> bit) & 1;
}

/* Device status bits (2.1). */
#define VRS_STATUS_ACKNOWLEDGE 1u
#define VRS_STATUS_DRIVER 2u
#define VRS_STATUS_DRIVER_OK 4u
#define VRS_STATUS_FEATURES_OK 8u
#define VRS_STATUS_NEEDS_RESET 64u
#define VRS_STATUS_FAILED 128u

/* Split ring (2.7). */
#define VRS_DESC_F_NEXT 1u
#define VRS_DESC_F_WRITE 2u
#define VRS_DESC_F_INDIRECT 4u
#define VRS_AVAIL_F_NO_INTERRUPT 1u
#define VRS_USED_F_NO_NOTIFY 1u
#define VRS_LEGACY_ALIGN 4096u /* VIRTIO_PCI_VRING_ALIGN */
#define VRS_MAX_QUEUE_SIZE 32768u

struct vrs_vring_desc {
	uint64_t addr; /* driver writes */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vrs_vring_used_elem {
	uint32_t id; /* device writes */
	uint32_t len;
};

/* Split-ring area sizes for a queue of num entries. */
static inline size_t vrs_split_desc_size(unsigned num) { return 16u * num; }
static inline size_t vrs_split_avail_size(unsigned num) { return 6u + 2u * num; }
static inline size_t vrs_split_used_size(unsigned num) { return 6u + 8u * num; }

/* Packed ring (2.8). */
#define VRS_PACKED_DESC_F_AVAIL 7
#define VRS_PACKED_DESC_F_USED 15
#define VRS_PACKED_EVENT_ENABLE 0u
#define VRS_PACKED_EVENT_DISABLE 1u
#define VRS_PACKED_EVENT_DESC 2u
#define VRS_PACKED_WRAP_SHIFT 15

struct vrs_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct vrs_packed_event {
	uint16_t off_wrap;
	uint16_t flags;
};

/* Where a queue's free-running indices start, as driver and device agree
 * at set-up (zero after a real reset; anywhere in a harness, so that the
 * wrap paths run without 65,536 completions first). Split rings: avail,
 * used and last-used indices all start at start. Packed rings: start
 * counts slots already used since a reset, modulo 2 * num: the ring
 * begins at slot *pos with wrap counters *wrap (true on the first lap),
 * every slot looking used by the lap that wrote it last. */
static inline void vrs_packed_start(uint16_t start, unsigned num,
				    uint16_t *pos, bool *wrap)
{
	unsigned t = start % (2 * num);
	*pos = (uint16_t)(t % num);
	*wrap = t < num;
}

/* Event index rule (2.7.10): notify if new_idx passed event_idx since old. */
static inline bool vrs_need_event(uint16_t event_idx, uint16_t new_idx,
				  uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) <
	       (uint16_t)(new_idx - old_idx);
}

/* Ring byte order: little endian for VERSION_1, the guest's own order for
 * legacy devices; big_endian says the guest is big endian. */
struct vrs_endian {
	bool big;
};

static inline struct vrs_endian vrs_endian_for(uint64_t features,
					       bool big_endian_guest)
{
	struct vrs_endian e = {
		.big = !vrs_has_feature(features, VRS_F_VERSION_1) &&
		       big_endian_guest};
	return e;
}

static inline uint16_t vrs_to16(struct vrs_endian e, uint16_t v)
{
	return e.big ? __builtin_bswap16(v) : v;
}
static inline uint32_t vrs_to32(struct vrs_endian e, uint32_t v)
{
	return e.big ? __builtin_bswap32(v) : v;
}
static inline uint64_t vrs_to64(struct vrs_endian e, uint64_t v)
{
	return e.big ? __builtin_bswap64(v) : v;
}
/* Byte swapping is its own inverse. */
#define vrs_from16 vrs_to16
#define vrs_from32 vrs_to32
#define vrs_from64 vrs_to64

#endif
