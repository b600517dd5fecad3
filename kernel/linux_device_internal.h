/* Private to kernel/linux_device.c and kernel/linux_device_iotlb.c:
 * Linux's vringh behind the device-side interface, its queue object and
 * the mirror of the IOMMU's mappings (linux_device_iotlb.c). */
#ifndef VRSIM_KERNEL_LINUX_DEVICE_INTERNAL_H
#define VRSIM_KERNEL_LINUX_DEVICE_INTERNAL_H

#include <linux/vhost_iotlb.h>
#include <linux/vringh.h>

#include "kshim/env.h"
#include "vrsim/device.h"
#include "vrsim/virtio.h"

#define KIOV_INLINE 16

/* One of vringh's flavours: its accessors, by the same calls. */
struct flavour {
	const char *prefix; /* for messages: "vringh_getdesc_iotlb" */
	ssize_t (*pull)(struct vringh *vrh, struct vringh_kiov *riov,
			void *dst, size_t len);
	ssize_t (*push)(struct vringh *vrh, struct vringh_kiov *wiov,
			const void *src, size_t len);
	int (*getdesc)(struct vringh *vrh, struct vringh_kiov *riov,
		       struct vringh_kiov *wiov, u16 *head, gfp_t gfp);
	int (*complete)(struct vringh *vrh, u16 head, u32 len);
	int (*need_notify)(struct vringh *vrh);
	bool (*notify_enable)(struct vringh *vrh);
	void (*notify_disable)(struct vringh *vrh);
};

/* One IOMMU mapping as the mirror was told of it. */
struct shadow_map {
	vrs_dma_addr_t iova;
	vrs_gpa_t gpa;
	uint64_t size;
	unsigned perm;
};

/* One vringh queue (its struct vrs_device_queue first). */
struct ld {
	struct vrs_device_queue dq; /* first: the interface's view */
	const struct flavour *fl;
	struct kshim_env env;
	struct vrs_kmem host; /* the host kernel's memory, not the guest's */
	struct vringh vrh;
	struct kvec rvec[KIOV_INLINE], wvec[KIOV_INLINE];
	struct vringh_kiov riov, wiov;
	struct vhost_iotlb *iotlb;
	spinlock_t iotlb_lock;
	struct vrs_xlate_listener listener;
	const struct vrs_xlate_mappings *watching;
	/* What the IOMMU told, kept apart from the vhost IOTLB: every access
	 * vringh makes after its own translation must be granted by one of
	 * these (checked, the bus it is given). */
	struct shadow_map *maps;
	unsigned nmaps, cap;
	struct vrs_bus checked;
	struct vrs_vqdev_config cfg;
	unsigned inflight;
	int last_head; /* the chain whose kiovs are still d->riov, d->wiov */
	uint8_t popped[(VRS_MAX_QUEUE_SIZE + 7) / 8]; /* heads in flight */
	bool broken, dead;
	char why[240];
};

/* A BUG() or the liveness bound ended a kernel call (linux_device.c). */
void ld_oopsed(struct ld *d);

/* linux_device_iotlb.c: behind the IOMMU, mirror its mappings into the
 * vhost IOTLB and a copy of its own, and hold each access vringh makes
 * after its translation to what a live mapping grants (d->env.bus). */
void ld_watch_iommu(struct ld *d);
void ld_stop_watching(struct ld *d);
/* What guest memory holds at bus address addr, as the device would reach
 * it but without the bus; false when that cannot be known. */
bool ld_guest_bytes(const struct ld *d, uint64_t addr, uint8_t *out,
		    size_t len);

#endif
