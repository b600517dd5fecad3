/* The kernel's streaming and coherent DMA API, each call handed to the
 * vrsim DMA stack of the device it names (dma-debug, then fault injection,
 * then the platform: kshim/glue_dma.c), so every platform and every DMA
 * oracle applies to the kernel's calls. */
#ifndef KSHIM_DMA_H
#define KSHIM_DMA_H

#include "kshim/device.h"
#include "kshim/mm.h"

enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,
};

#define DMA_MAPPING_ERROR (~(dma_addr_t)0)
#define DMA_ATTR_WEAK_ORDERING (1ul << 1)
#define DMA_ATTR_WRITE_COMBINE (1ul << 2)
#define DMA_ATTR_NO_KERNEL_MAPPING (1ul << 4)
#define DMA_ATTR_SKIP_CPU_SYNC (1ul << 5)
#define DMA_ATTR_FORCE_CONTIGUOUS (1ul << 6)
#define DMA_ATTR_ALLOC_SINGLE_PAGES (1ul << 7)
#define DMA_ATTR_NO_WARN (1ul << 8)
#define DMA_ATTR_PRIVILEGED (1ul << 9)

dma_addr_t dma_map_page_attrs(struct device *dev, struct page *page,
			      size_t offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs);
void dma_unmap_page_attrs(struct device *dev, dma_addr_t addr, size_t size,
			  enum dma_data_direction dir, unsigned long attrs);
dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size,
				enum dma_data_direction dir,
				unsigned long attrs);
void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size,
			    enum dma_data_direction dir, unsigned long attrs);
int dma_mapping_error(struct device *dev, dma_addr_t addr);
void dma_sync_single_range_for_cpu(struct device *dev, dma_addr_t addr,
				   unsigned long offset, size_t size,
				   enum dma_data_direction dir);
void dma_sync_single_range_for_device(struct device *dev, dma_addr_t addr,
				      unsigned long offset, size_t size,
				      enum dma_data_direction dir);
bool dma_need_sync(struct device *dev, dma_addr_t addr);
size_t dma_max_mapping_size(struct device *dev);
void *dma_alloc_coherent(struct device *dev, size_t size,
			 dma_addr_t *dma_handle, gfp_t gfp);
void dma_free_coherent(struct device *dev, size_t size, void *cpu,
		       dma_addr_t dma_handle);

#define dma_map_page(d, p, o, s, r) dma_map_page_attrs(d, p, o, s, r, 0)
#define dma_unmap_page(d, a, s, r) dma_unmap_page_attrs(d, a, s, r, 0)
#define dma_map_single(d, a, s, r) dma_map_single_attrs(d, a, s, r, 0)
#define dma_unmap_single(d, a, s, r) dma_unmap_single_attrs(d, a, s, r, 0)
static inline void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr,
					   size_t size,
					   enum dma_data_direction dir)
{
	dma_sync_single_range_for_cpu(dev, addr, 0, size, dir);
}
static inline void dma_sync_single_for_device(struct device *dev,
					      dma_addr_t addr, size_t size,
					      enum dma_data_direction dir)
{
	dma_sync_single_range_for_device(dev, addr, 0, size, dir);
}

/* KMSAN is not built in: the hook is empty, as in a kernel without it. */
static inline void kmsan_handle_dma(struct page *page, size_t offset,
				    size_t size, enum dma_data_direction dir)
{
	(void)page; (void)offset; (void)size; (void)dir;
}

/* xen_domain(): the platform profile's answer (kshim/env.h). */
bool kshim_xen_domain(void);
#define xen_domain() kshim_xen_domain()
#define xen_pv_domain() false
#define xen_hvm_domain() kshim_xen_domain()

#endif
