/* Memory the kernel code allocates. Everything comes from guest memory
 * (the device may be handed an indirect table or a ring), through the
 * allocator of the queue being worked on (kshim/env.h). Pages are guest
 * memory seen through their kernel virtual address: a struct page pointer
 * is the page-aligned address itself, which virtio_ring.c never
 * dereferences. */
#ifndef KSHIM_MM_H
#define KSHIM_MM_H

#include "kshim/base.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) ALIGN((x), PAGE_SIZE)

/* The GFP bits the shim tells apart: a caller that may not sleep
 * (GFP_ATOMIC, GFP_NOWAIT) can be refused memory, as Linux can refuse it. */
#define ___GFP_DIRECT_RECLAIM 0x400u
#define ___GFP_KSWAPD_RECLAIM 0x800u
#define __GFP_HIGH 0x20u
#define __GFP_IO 0x40u
#define __GFP_FS 0x80u
#define __GFP_ZERO 0x100u
#define __GFP_NOWARN 0x2000u
#define __GFP_HIGHMEM 0x02u
#define __GFP_RECLAIM (___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM)
#define GFP_ATOMIC (__GFP_HIGH | ___GFP_KSWAPD_RECLAIM)
#define GFP_NOWAIT (___GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)

/* The largest kmalloc the page allocator serves (order 10 on x86-64). */
#define KMALLOC_MAX_SIZE (PAGE_SIZE << 10)

struct page;

void *kshim_kmalloc(size_t size, gfp_t gfp, const char *file, int line);
void kfree(const void *p);
/* The size of a live kmalloc allocation; 0 if unknown. */
size_t kshim_alloc_size(const void *p);
void *kshim_alloc_pages_exact(size_t size, gfp_t gfp);
void free_pages_exact(void *p, size_t size);
phys_addr_t kshim_virt_to_phys(const volatile void *p);

#define kmalloc(size, gfp) kshim_kmalloc((size), (gfp), __FILE__, __LINE__)
#define kzalloc(size, gfp) kmalloc((size), (gfp) | __GFP_ZERO)
static inline void *kshim_kmalloc_array(size_t n, size_t size, gfp_t gfp,
					const char *file, int line)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kshim_kmalloc(bytes, gfp, file, line);
}
#define kmalloc_array(n, size, gfp)                                            \
	kshim_kmalloc_array((n), (size), (gfp), __FILE__, __LINE__)
#define kcalloc(n, size, gfp) kmalloc_array((n), (size), (gfp) | __GFP_ZERO)
#define alloc_pages_exact(size, gfp) kshim_alloc_pages_exact((size), (gfp))

#define virt_to_phys(p) kshim_virt_to_phys(p)
#define virt_to_page(p) ((struct page *)((uintptr_t)(p) & PAGE_MASK))
#define offset_in_page(p) ((unsigned long)(p) & ~PAGE_MASK)
#define page_address(pg) ((void *)(pg))
#define page_to_phys(pg) kshim_virt_to_phys(pg)

#endif
