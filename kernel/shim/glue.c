/* The shim's functions: kernel memory, the DMA API and the kernel's alarms,
 * each handed to vrsim (see kshim/env.h for who provides what). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kshim/dma.h"
#include "kshim/env.h"
#include "vrsim/dma.h"
#include "vrsim/kmem.h"
#include "vrsim/report.h"

static struct kshim_env *current_env;

void kshim_set_env(struct kshim_env *env)
{
	current_env = env;
}

struct kshim_env *kshim_current(void)
{
	return current_env;
}

void kshim_enter(struct kshim_env *env)
{
	current_env = env;
	env->map_failures = 0;
	env->alloc_refusals = 0;
	env->accesses = 0;
	env->stuck = false;
}

/* ---- alarms ---- */

void kshim_bug(const char *cond, const char *file, int line)
{
	const char *base = strrchr(file, '/');
	vrs_report(VRS_FIND_KERNEL_BUG, "%s at %s:%d", cond, base ? base + 1 : file,
		   line);
	if (current_env && current_env->oops)
		longjmp(*current_env->oops, 1);
	abort();
}

bool kshim_warn(bool cond, bool once, bool *done, const char *what,
		const char *file, int line)
{
	/* Once per boot in Linux; every run is a boot here, so a WARN_ONCE
	 * reports in every run that reaches it. */
	(void)once;
	(void)done;
	if (cond) {
		const char *base = strrchr(file, '/');
		vrs_report(VRS_FIND_KERNEL_WARN, "%s at %s:%d", what,
			   base ? base + 1 : file, line);
	}
	return cond;
}

void kshim_printk(const char *level, const char *fmt, ...)
{
	(void)level;
	if (!current_env)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(current_env->msg, sizeof(current_env->msg), fmt, ap);
	va_end(ap);
	size_t n = strlen(current_env->msg);
	if (n && current_env->msg[n - 1] == '\n')
		current_env->msg[n - 1] = '\0';
}

void kshim_vprintk(const char *fmt, va_list ap)
{
	if (!current_env)
		return;
	vsnprintf(current_env->msg, sizeof(current_env->msg), fmt, ap);
	size_t n = strlen(current_env->msg);
	if (n && current_env->msg[n - 1] == '\n')
		current_env->msg[n - 1] = '\0';
}

void kshim_spin_lock(spinlock_t *l, const char *file, int line)
{
	if (l->held)
		kshim_bug("spin_lock of a held lock (deadlock)", file, line);
	l->held = 1;
}

void kshim_spin_unlock(spinlock_t *l, const char *file, int line)
{
	if (!l->held)
		kshim_bug("spin_unlock of a free lock", file, line);
	l->held = 0;
}

ktime_t ktime_get(void)
{
	return 0; /* DEBUG builds only; a run's time is its steps */
}

/* virtio_has_feature() asks the core whether the driver offered a
 * device-specific bit; the adapter offers only ring and transport bits. */
void virtio_check_driver_offered_feature(const void *vdev, unsigned int fbit);
void virtio_check_driver_offered_feature(const void *vdev, unsigned int fbit)
{
	(void)vdev;
	(void)fbit;
}

bool kshim_xen_domain(void)
{
	return current_env && current_env->xen_domain;
}

/* ---- memory ---- */

static struct kshim_env *env_or_bug(void)
{
	if (!current_env)
		kshim_bug("kernel code ran outside an adapter call", __FILE__,
			  __LINE__);
	return current_env;
}

static bool track(struct kshim_env *e, void *p, size_t size)
{
	if (e->nallocs == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		struct kshim_alloc *a = realloc(e->allocs, cap * sizeof(*a));
		if (!a)
			return false;
		e->allocs = a;
		e->cap = cap;
	}
	e->allocs[e->nallocs++] = (struct kshim_alloc){p, size};
	return true;
}

/* The size of a live allocation, removed from the table; 0 if unknown. */
static size_t untrack(struct kshim_env *e, const void *p)
{
	for (size_t i = e->nallocs; i-- > 0;) {
		if (e->allocs[i].p == p) {
			size_t size = e->allocs[i].size;
			e->allocs[i] = e->allocs[--e->nallocs];
			return size;
		}
	}
	return 0;
}

static void *alloc(size_t size, gfp_t gfp, bool refusable)
{
	struct kshim_env *e = env_or_bug();
	if (refusable && e->refuse &&
	    e->refuse(e->ctx, gfp & ___GFP_DIRECT_RECLAIM)) {
		e->alloc_refusals++;
		return NULL;
	}
	if (size == 0)
		size = 1;
	/* Above KMALLOC_MAX_SIZE the page allocator refuses the order, with
	 * WARN_ON_ONCE_GFP unless the caller said __GFP_NOWARN (x86-64:
	 * MAX_PAGE_ORDER 10, 4 MiB). A host allocator would give it. */
	if (size > KMALLOC_MAX_SIZE) {
		if (!(gfp & __GFP_NOWARN))
			kshim_warn(true, true, NULL,
				   "WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER) in "
				   "__alloc_pages: a kmalloc above KMALLOC_MAX_SIZE",
				   __FILE__, __LINE__);
		return NULL;
	}
	void *p = e->kmem->alloc(e->kmem->ctx, size);
	if (!p)
		return NULL;
	if (!track(e, p, size)) {
		e->kmem->free(e->kmem->ctx, p, size);
		return NULL;
	}
	if (gfp & __GFP_ZERO)
		memset(p, 0, size);
	return p;
}

void *kshim_kmalloc(size_t size, gfp_t gfp, const char *file, int line)
{
	(void)file;
	(void)line;
	return alloc(size, gfp, true);
}

size_t kshim_alloc_size(const void *p)
{
	struct kshim_env *e = env_or_bug();
	for (size_t i = e->nallocs; i-- > 0;)
		if (e->allocs[i].p == p)
			return e->allocs[i].size;
	return 0;
}

void kfree(const void *p)
{
	if (!p)
		return;
	struct kshim_env *e = env_or_bug();
	size_t size = untrack(e, p);
	if (!size)
		kshim_bug("kfree of memory kmalloc never gave", __FILE__,
			  __LINE__);
	e->kmem->free(e->kmem->ctx, (void *)p, size);
}

void *kshim_alloc_pages_exact(size_t size, gfp_t gfp)
{
	/* Above a page the guest allocator hands out page-aligned chunks.
	 * These are the ring itself (vring_alloc_queue without the DMA
	 * API): never refused. */
	return alloc(PAGE_ALIGN(size) < PAGE_SIZE ? PAGE_SIZE : PAGE_ALIGN(size),
		     gfp, false);
}

void free_pages_exact(void *p, size_t size)
{
	(void)size;
	kfree(p);
}

phys_addr_t kshim_virt_to_phys(const volatile void *p)
{
	struct kshim_env *e = env_or_bug();
	vrs_dma_addr_t addr;
	if (e->phys->ops->map(e->phys->ctx, (void *)p, 1, VRS_DMA_BIDIRECTIONAL,
			      VRS_DMA_KIND_SINGLE, &addr) < 0)
		return (phys_addr_t)VRS_DMA_MAPPING_ERROR;
	return addr;
}

size_t kshim_env_live(const struct kshim_env *env)
{
	size_t bytes = 0;
	for (size_t i = 0; i < env->nallocs; i++)
		bytes += env->allocs[i].size;
	return bytes;
}

void kshim_env_release(struct kshim_env *env)
{
	for (size_t i = 0; i < env->nallocs; i++)
		env->kmem->free(env->kmem->ctx, env->allocs[i].p,
				env->allocs[i].size);
	env->nallocs = 0;
}

void kshim_env_free(struct kshim_env *env)
{
	kshim_env_release(env);
	free(env->allocs);
	env->allocs = NULL;
	env->cap = 0;
}

/* ---- the DMA API ---- */

static const struct vrs_dma *dma_of(struct device *dev)
{
	struct kshim_env *e = dev ? dev->kshim_dma : NULL;
	if (!e)
		kshim_bug("DMA API call on a device without a DMA stack",
			  __FILE__, __LINE__);
	return e->dma;
}

static dma_addr_t map(struct device *dev, void *cpu, size_t size,
		      enum dma_data_direction dir, enum vrs_dma_kind kind)
{
	const struct vrs_dma *d = dma_of(dev);
	vrs_dma_addr_t addr;
	if (d->ops->map(d->ctx, cpu, size, (enum vrs_dma_dir)dir, kind, &addr) < 0) {
		env_or_bug()->map_failures++;
		return DMA_MAPPING_ERROR;
	}
	return addr;
}

/* Attributes: vrsim's stack always syncs at map and unmap, which is what
 * DMA_ATTR_SKIP_CPU_SYNC's callers then do by hand; nothing else changes
 * what a device sees. */
dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page,
			      size_t offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	(void)attrs;
	return map(dev, (char *)page + offset, size, dir, VRS_DMA_KIND_PAGE);
}

static void unmap(struct device *dev, dma_addr_t addr, size_t size,
		  enum dma_data_direction dir, enum vrs_dma_kind kind)
{
	const struct vrs_dma *d = dma_of(dev);
	d->ops->unmap(d->ctx, addr, size, (enum vrs_dma_dir)dir, kind);
}

void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	(void)attrs;
	unmap(dev, addr, size, dir, VRS_DMA_KIND_PAGE);
}

dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size,
				enum dma_data_direction dir,
				unsigned long attrs)
{
	(void)attrs;
	return map(dev, ptr, size, dir, VRS_DMA_KIND_SINGLE);
}

void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	(void)attrs;
	unmap(dev, addr, size, dir, VRS_DMA_KIND_SINGLE);
}

int dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	const struct vrs_dma *d = dma_of(dev);
	return d->ops->mapping_error(d->ctx, addr) ? -ENOMEM : 0;
}

void dma_sync_single_range_for_cpu(struct device *dev, dma_addr_t addr,
				   unsigned long offset, size_t size,
				   enum dma_data_direction dir)
{
	const struct vrs_dma *d = dma_of(dev);
	d->ops->sync_for_cpu(d->ctx, addr, offset, size, (enum vrs_dma_dir)dir);
}

void dma_sync_single_range_for_device(struct device *dev, dma_addr_t addr,
				      unsigned long offset, size_t size,
				      enum dma_data_direction dir)
{
	const struct vrs_dma *d = dma_of(dev);
	d->ops->sync_for_device(d->ctx, addr, offset, size,
				(enum vrs_dma_dir)dir);
}

/* Every vrsim stack may bounce (swiotlb, Xen, restricted pools), and the
 * debug layer checks the syncs, so a caller is always told to sync. */
bool dma_need_sync(struct device *dev, dma_addr_t addr)
{
	(void)dma_of(dev);
	(void)addr;
	return true;
}

size_t dma_max_mapping_size(struct device *dev)
{
	const struct vrs_dma *d = dma_of(dev);
	return d->ops->max_mapping_size(d->ctx);
}

void *dma_alloc_coherent(struct device *dev, size_t size,
			 dma_addr_t *dma_handle, gfp_t gfp)
{
	(void)gfp;
	const struct vrs_dma *d = dma_of(dev);
	void *cpu;
	vrs_dma_addr_t addr;
	if (d->ops->alloc_coherent(d->ctx, size, &cpu, &addr) < 0)
		return NULL;
	memset(cpu, 0, size); /* Linux's coherent memory comes zeroed */
	*dma_handle = addr;
	return cpu;
}

void dma_free_coherent(struct device *dev, size_t size, void *cpu,
		       dma_addr_t dma_handle)
{
	const struct vrs_dma *d = dma_of(dev);
	d->ops->free_coherent(d->ctx, size, cpu, dma_handle);
}
