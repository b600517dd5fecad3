/* The driver's general-purpose allocator (kmalloc/kfree), for memory that is
 * then mapped with the DMA API, such as indirect descriptor tables. sim/
 * provides it from guest memory. */
#ifndef VRSIM_KMEM_H
#define VRSIM_KMEM_H

#include <stddef.h>

struct vrs_kmem {
	void *(*alloc)(void *ctx, size_t size); /* NULL on failure */
	void (*free)(void *ctx, void *p, size_t size);
	void *ctx;
};

#endif
