/* An identity DMA backend for the wrapper suites: bus address == guest
 * physical address, coherent memory straight from guest memory, and every
 * call that reaches it counted, with the last release recorded as the
 * backend saw it. */
#ifndef VRSIM_TEST_IDENT_DMA_H
#define VRSIM_TEST_IDENT_DMA_H

#include "vrsim/dma.h"
#include "vrsim/gmem.h"

#include <stddef.h>

struct vrs_test_ident {
	struct vrs_gmem *gm;
	unsigned maps, unmaps, syncs_cpu, syncs_dev, allocs, frees, errs;
	/* What max_mapping_size answers; vrs_test_ident_init sets 1 MiB. */
	size_t max_mapping;
	/* the last release (unmap or free_coherent), as the backend saw it */
	vrs_dma_addr_t last_addr;
	size_t last_size;
	enum vrs_dma_dir last_dir;
	enum vrs_dma_kind last_kind;
	void *last_cpu;
};

/* The ops table, for suites that want a variant of it. */
extern const struct vrs_dma_ops vrs_test_ident_ops;

/* Zero *id, back it with gm, and point *out at it. */
void vrs_test_ident_init(struct vrs_test_ident *id, struct vrs_gmem *gm,
			 struct vrs_dma *out);

#endif
