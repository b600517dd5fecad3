/* What the shim needs from whoever runs kernel code: the vrsim DMA stack
 * and allocator of the queue being worked on, the platform's answers, and
 * where a BUG() unwinds to. The adapter (kernel/linux_driver.c) owns one per
 * queue and makes it current around every call into the kernel. */
#ifndef KSHIM_ENV_H
#define KSHIM_ENV_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vrs_dma;
struct vrs_kmem;
struct vrs_bus;

struct kshim_alloc {
	void *p;
	size_t size;
};

struct kshim_env {
	const struct vrs_dma *dma;  /* the DMA API: debug, faults, platform */
	const struct vrs_dma *phys; /* virt_to_phys */
	const struct vrs_kmem *kmem;
	bool xen_domain;
	/* The input's say on a kmalloc (never the ring's own pages): true
	 * refuses it, as a kernel under memory pressure can; may_sleep tells
	 * GFP_KERNEL from GFP_ATOMIC, which fails far more often. */
	bool (*refuse)(void *ctx, bool may_sleep);
	void *ctx;

	/* What happened inside the current call (kshim_enter clears it). */
	unsigned map_failures;	  /* DMA maps that failed */
	unsigned alloc_refusals;  /* allocations refused */

	/* Every live allocation the kernel made, for kfree's size and the
	 * leak check (host memory: a device cannot scribble on it). */
	struct kshim_alloc *allocs;
	size_t nallocs, cap;

	/* The device side (kshim/vhost.h): where the addresses vringh
	 * reaches guest memory by go. */
	const struct vrs_bus *bus;
	/* The _kern flavour's host memory besides the stack and kmalloc's:
	 * guest memory's host mapping and the adapter's own objects; any
	 * other "kernel pointer" is a bus address (kshim/kern_memcpy.h). */
	struct { const void *p; size_t len; } host[4];
	/* Liveness of the device side: accesses in the current call, the
	 * most one call may make (0: no bound), the last few addresses
	 * (the chain it was walking), and whether the bound ended it. */
	unsigned accesses, access_limit;
	uint64_t recent[8];
	bool stuck;

	jmp_buf *oops; /* where BUG() unwinds to; NULL: abort */
	char msg[200]; /* the last line the kernel printed */
};

/* The queue whose calls follow. */
void kshim_set_env(struct kshim_env *env);
struct kshim_env *kshim_current(void);
/* Forget the per-call counters. */
void kshim_enter(struct kshim_env *env);
/* Free what is left of the kernel's allocations (after a leak was
 * reported or a BUG unwound), keeping the table for the next run. */
void kshim_env_release(struct kshim_env *env);
/* The same, and the table itself. */
void kshim_env_free(struct kshim_env *env);
/* Bytes the kernel holds through kmalloc and alloc_pages_exact. */
size_t kshim_env_live(const struct kshim_env *env);

#endif
