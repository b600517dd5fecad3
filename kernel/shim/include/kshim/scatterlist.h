/* Scatterlists: a page, an offset and a length per entry, chained by an
 * explicit pointer (the kernel packs the chain into page_link's low bits;
 * virtio_ring.c only walks with sg_next, so the shape may differ). */
#ifndef KSHIM_SCATTERLIST_H
#define KSHIM_SCATTERLIST_H

#include "kshim/mm.h"

struct scatterlist {
	struct page *page;
	unsigned int offset;
	unsigned int length;
	dma_addr_t dma_address;
	unsigned int dma_length;
	struct scatterlist *next; /* NULL: the end */
};

#define sg_dma_address(sg) ((sg)->dma_address)
#define sg_dma_len(sg) ((sg)->dma_length)

static inline struct scatterlist *sg_next(struct scatterlist *sg)
{
	return sg->next;
}
static inline struct page *sg_page(struct scatterlist *sg)
{
	return sg->page;
}
static inline void *sg_virt(struct scatterlist *sg)
{
	return (char *)sg->page + sg->offset;
}
static inline phys_addr_t sg_phys(struct scatterlist *sg)
{
	return kshim_virt_to_phys(sg->page) + sg->offset;
}
static inline void sg_set_buf(struct scatterlist *sg, const void *buf,
			      unsigned int len)
{
	sg->page = virt_to_page(buf);
	sg->offset = offset_in_page(buf);
	sg->length = len;
}
static inline void sg_init_table(struct scatterlist *sg, unsigned int n)
{
	memset(sg, 0, n * sizeof(*sg));
	for (unsigned int i = 0; i + 1 < n; i++)
		sg[i].next = &sg[i + 1];
}
static inline void sg_init_one(struct scatterlist *sg, const void *buf,
			       unsigned int len)
{
	sg_init_table(sg, 1);
	sg_set_buf(sg, buf, len);
}
static inline void sg_mark_end(struct scatterlist *sg)
{
	sg->next = NULL;
}

#endif
