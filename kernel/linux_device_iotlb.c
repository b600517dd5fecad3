/* The vhost IOTLB of Linux's vringh, told of the machine's IOMMU
 * mappings as a vDPA bus tells it, and the check of every access vringh
 * makes after its own translation against a copy of those mappings kept
 * apart (see linux_device_internal.h). */
#include <stdlib.h>

#include "linux_device_internal.h"
#include "kcall.h"
#include "vrsim/guard.h"
#include "vrsim/report.h"

static void oopsed(struct ld *d)
{
	ld_oopsed(d);
}

/* ---- the vhost IOTLB, told of the IOMMU's mappings ---- */

static unsigned vhost_perm(unsigned perm)
{
	return (perm & VRS_XLATE_PERM_READ ? VHOST_MAP_RO : 0) |
	       (perm & VRS_XLATE_PERM_WRITE ? VHOST_MAP_WO : 0);
}

static void shadow_add(struct ld *d, vrs_dma_addr_t iova, vrs_gpa_t gpa,
		       uint64_t size, unsigned perm)
{
	if (d->nmaps == d->cap) {
		unsigned cap = d->cap ? 2 * d->cap : 64;
		struct shadow_map *m = realloc(d->maps, cap * sizeof(*m));
		if (!m) {
			vrs_report(VRS_FIND_INTERNAL, "out of host memory");
			return;
		}
		d->maps = m;
		d->cap = cap;
	}
	d->maps[d->nmaps++] = (struct shadow_map){iova, gpa, size, perm};
}

static void shadow_remove(struct ld *d, vrs_dma_addr_t iova, uint64_t size)
{
	for (unsigned i = 0; i < d->nmaps;) {
		const struct shadow_map *m = &d->maps[i];
		if (m->iova >= iova && m->iova - iova < size)
			d->maps[i] = d->maps[--d->nmaps];
		else
			i++;
	}
}

/* Whether a live mapping grants perm on [gpa, gpa + len), page by page. */
static bool granted(const struct ld *d, vrs_gpa_t gpa, size_t len,
		    unsigned perm)
{
	vrs_gpa_t end = gpa + len;
	while (gpa < end) {
		const struct shadow_map *hit = NULL;
		for (unsigned i = 0; i < d->nmaps && !hit; i++) {
			const struct shadow_map *m = &d->maps[i];
			if ((m->perm & perm) == perm && gpa >= m->gpa &&
			    gpa - m->gpa < m->size)
				hit = m;
		}
		if (!hit)
			return false;
		gpa = hit->gpa + hit->size;
	}
	return true;
}

static int checked_access(struct ld *d, vrs_gpa_t gpa, size_t len,
			  unsigned perm)
{
	if (granted(d, gpa, len, perm))
		return 0;
	vrs_report(VRS_FIND_STALE_IOTLB,
		   "vringh %s of %zu bytes at GPA 0x%llx that no live IOMMU "
		   "mapping grants (a vhost IOTLB entry that outlived its "
		   "unmap, or the wrong permission)",
		   perm & VRS_XLATE_PERM_WRITE ? "write" : "read", len,
		   (unsigned long long)gpa);
	return -EFAULT;
}

static int checked_read(void *ctx, vrs_dma_addr_t addr, void *dst, size_t len)
{
	struct ld *d = ctx;
	int rc = checked_access(d, addr, len, VRS_XLATE_PERM_READ);
	return rc < 0 ? rc : vrs_bus_read(d->cfg.phys, addr, dst, len);
}

static int checked_write(void *ctx, vrs_dma_addr_t addr, const void *src,
			 size_t len)
{
	struct ld *d = ctx;
	int rc = checked_access(d, addr, len, VRS_XLATE_PERM_WRITE);
	return rc < 0 ? rc : vrs_bus_write(d->cfg.phys, addr, src, len);
}

static const struct vrs_bus_ops checked_ops = {
	.read = checked_read,
	.write = checked_write,
};

/* Called from inside whoever maps (often the Linux driver, in its own
 * kernel call): the device's environment for the IOTLB's allocation,
 * the caller's back afterwards. */
static void iotlb_map(void *ctx, vrs_dma_addr_t iova, vrs_gpa_t gpa,
		      size_t size, unsigned perm)
{
	struct ld *d = ctx;
	shadow_add(d, iova, gpa, size, perm);
	struct kshim_env *caller = kshim_current();
	int rc = KCALL(d, -EFAULT,
		       vhost_iotlb_add_range(d->iotlb, iova, iova + size - 1,
					     gpa, vhost_perm(perm)));
	kshim_set_env(caller);
	if (rc < 0)
		vrs_report(VRS_FIND_INTERNAL,
			   "vhost_iotlb_add_range(0x%llx, %zu): error %d",
			   (unsigned long long)iova, size, rc);
}

static void iotlb_unmap(void *ctx, vrs_dma_addr_t iova, size_t size)
{
	struct ld *d = ctx;
	shadow_remove(d, iova, size);
	struct kshim_env *caller = kshim_current();
	KVOID(d, vhost_iotlb_del_range(d->iotlb, iova, iova + size - 1));
	kshim_set_env(caller);
}

void ld_stop_watching(struct ld *d)
{
	if (d->watching)
		d->watching->watch(d->watching->ctx, &d->listener, false);
	d->watching = NULL;
}

void ld_watch_iommu(struct ld *d)
{
	d->checked = (struct vrs_bus){&checked_ops, d};
	d->env.bus = &d->checked;
	d->nmaps = 0;
	d->listener = (struct vrs_xlate_listener){iotlb_map, iotlb_unmap, d};
	d->watching = d->cfg.mappings;
	d->watching->watch(d->watching->ctx, &d->listener, true);
}

/* What guest memory holds at bus address addr, read as the device would
 * reach it but without the bus (no trace, no finding): through the
 * IOMMU's live mappings, or directly where a bus address is a GPA.
 * false when that cannot be known (another platform, a private page). */
bool ld_guest_bytes(const struct ld *d, uint64_t addr, uint8_t *out,
			size_t len)
{
	while (len) {
		uint64_t gpa = addr, room = len;
		if (d->env.bus == &d->checked) {
			const struct shadow_map *hit = NULL;
			for (unsigned i = 0; i < d->nmaps && !hit; i++)
				if (addr >= d->maps[i].iova &&
				    addr - d->maps[i].iova < d->maps[i].size)
					hit = &d->maps[i];
			if (!hit)
				return false;
			gpa = hit->gpa + (addr - hit->iova);
			room = hit->size - (addr - hit->iova);
		} else if (!d->cfg.bus_is_gpa) {
			return false;
		}
		size_t n = VRS_MIN(len, room);
		n = VRS_MIN(n, VRS_PAGE_SIZE - (gpa & VRS_PAGE_MASK));
		const uint8_t *p = d->cfg.gm ? vrs_gmem_hva(d->cfg.gm, gpa, n) : NULL;
		if (!p || vrs_gmem_page_private(d->cfg.gm, gpa))
			return false;
		memcpy(out, p, n);
		out += n;
		addr += n;
		len -= n;
	}
	return true;
}

