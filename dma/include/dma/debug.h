/* DMA-API debugging, as Linux's kernel/dma/debug.c: a wrapper over another
 * DMA API instance that tracks every live mapping and reports misuse through
 * vrs_report():
 *   unmap of an unknown address, wrong size, wrong direction, wrong function
 *   (single vs page vs coherent), sync of an unmapped address, sync outside
 *   the mapping, sync in a direction the mapping does not allow, a mapping
 *   whose error status was never checked, an invalid direction, and every
 *   mapping still live at teardown (a leak).
 * The call still goes through to the backend after a report, as in Linux,
 * unless that would hand the backend an address it never issued. */
#ifndef VRSIM_DMA_DEBUG_H
#define VRSIM_DMA_DEBUG_H

#include "vrsim/dma.h"

struct vrs_dma_debug;

/* max_entries bounds the tracked live mappings (Linux:
 * dma_debug_entries); beyond it tracking stops with one report. */
int vrs_dma_debug_create(const struct vrs_dma *inner, size_t max_entries,
			 struct vrs_dma_debug **out);
void vrs_dma_debug_destroy(struct vrs_dma_debug *dbg);
/* Point at another backend and forget every entry without reporting. */
void vrs_dma_debug_reset(struct vrs_dma_debug *dbg, const struct vrs_dma *inner);

void vrs_dma_debug_dma(struct vrs_dma_debug *dbg, struct vrs_dma *out);

size_t vrs_dma_debug_live(const struct vrs_dma_debug *dbg);
/* Teardown check: report each live mapping as VRS_FIND_DEBUG_LEAK and
 * return how many there were. Entries stay tracked. */
size_t vrs_dma_debug_check_leaks(struct vrs_dma_debug *dbg);

int vrs_dma_debug_check(const struct vrs_dma_debug *dbg);

#endif
