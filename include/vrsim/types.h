/* Basic types shared by every layer: addresses and DMA directions. */
#ifndef VRSIM_TYPES_H
#define VRSIM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A guest physical address: an offset into guest memory. 0 is never valid. */
typedef uint64_t vrs_gpa_t;

/* A bus address as the device uses it: GPA, IOVA or machine address,
 * depending on the platform. */
typedef uint64_t vrs_dma_addr_t;

/* What a failed streaming mapping hands back through its out-parameter, as
 * Linux's DMA_MAPPING_ERROR, so that a driver which ignores the return value
 * is still caught by mapping_error() and by the debug layer. */
#define VRS_DMA_MAPPING_ERROR (~(vrs_dma_addr_t)0)

#define VRS_PAGE_SHIFT 12u
#define VRS_PAGE_SIZE (1u << VRS_PAGE_SHIFT)
#define VRS_PAGE_MASK ((uint64_t)VRS_PAGE_SIZE - 1)

/* Directions with Linux's values (enum dma_data_direction). */
enum vrs_dma_dir {
	VRS_DMA_BIDIRECTIONAL = 0,
	VRS_DMA_TO_DEVICE = 1,
	VRS_DMA_FROM_DEVICE = 2,
	VRS_DMA_NONE = 3,
};

/* Which DMA API entry point made a mapping; the debug layer reports an
 * unmap through the wrong one, as Linux's dma-debug does. */
enum vrs_dma_kind {
	VRS_DMA_KIND_PAGE = 0,
	VRS_DMA_KIND_SINGLE = 1,
	VRS_DMA_KIND_COHERENT = 2,
};

const char *vrs_dma_dir_name(enum vrs_dma_dir dir);
const char *vrs_dma_kind_name(enum vrs_dma_kind kind);

static inline bool vrs_dma_dir_valid(enum vrs_dma_dir dir)
{
	return (unsigned)dir <= VRS_DMA_NONE;
}

/* True when the device may write the buffer (the CPU must see the result). */
static inline bool vrs_dma_dir_from_device(enum vrs_dma_dir dir)
{
	return dir == VRS_DMA_FROM_DEVICE || dir == VRS_DMA_BIDIRECTIONAL;
}

/* True when the device may read the buffer (the CPU's data must reach it). */
static inline bool vrs_dma_dir_to_device(enum vrs_dma_dir dir)
{
	return dir == VRS_DMA_TO_DEVICE || dir == VRS_DMA_BIDIRECTIONAL;
}

#endif
