#include "ident_dma.h"

#include <criterion/criterion.h>
#include <string.h>

static int ident_map(void *ctx, void *cpu, size_t size, enum vrs_dma_dir dir,
		     enum vrs_dma_kind kind, vrs_dma_addr_t *out)
{
	struct vrs_test_ident *id = ctx;
	vrs_gpa_t gpa;
	id->maps++;
	*out = VRS_DMA_MAPPING_ERROR;
	int rc = vrs_gmem_gpa(id->gm, cpu, size, &gpa);
	if (rc < 0)
		return rc;
	*out = gpa;
	return 0;
}

static void ident_unmap(void *ctx, vrs_dma_addr_t addr, size_t size,
			enum vrs_dma_dir dir, enum vrs_dma_kind kind)
{
	struct vrs_test_ident *id = ctx;
	id->unmaps++;
	id->last_addr = addr;
	id->last_size = size;
	id->last_dir = dir;
	id->last_kind = kind;
}

static void ident_sync_cpu(void *ctx, vrs_dma_addr_t addr, size_t offset,
			   size_t size, enum vrs_dma_dir dir)
{
	((struct vrs_test_ident *)ctx)->syncs_cpu++;
}

static void ident_sync_dev(void *ctx, vrs_dma_addr_t addr, size_t offset,
			   size_t size, enum vrs_dma_dir dir)
{
	((struct vrs_test_ident *)ctx)->syncs_dev++;
}

static int ident_alloc(void *ctx, size_t size, void **cpu, vrs_dma_addr_t *out)
{
	struct vrs_test_ident *id = ctx;
	vrs_gpa_t gpa;
	id->allocs++;
	*cpu = NULL;
	*out = VRS_DMA_MAPPING_ERROR;
	int rc = vrs_gmem_alloc(id->gm, size, VRS_OWNER_COHERENT, &gpa);
	if (rc < 0)
		return rc;
	*cpu = vrs_gmem_hva(id->gm, gpa, size);
	*out = gpa;
	return 0;
}

static void ident_free(void *ctx, size_t size, void *cpu, vrs_dma_addr_t addr)
{
	struct vrs_test_ident *id = ctx;
	id->frees++;
	id->last_addr = addr;
	id->last_size = size;
	id->last_cpu = cpu;
	cr_assert_eq(vrs_gmem_free(id->gm, addr, size), 0,
		     "backend handed an inconsistent free");
}

static bool ident_err(void *ctx, vrs_dma_addr_t addr)
{
	((struct vrs_test_ident *)ctx)->errs++;
	return addr == VRS_DMA_MAPPING_ERROR;
}

static size_t ident_max(void *ctx)
{
	return ((struct vrs_test_ident *)ctx)->max_mapping;
}

const struct vrs_dma_ops vrs_test_ident_ops = {
	.name = "identity",
	.map = ident_map,
	.unmap = ident_unmap,
	.sync_for_cpu = ident_sync_cpu,
	.sync_for_device = ident_sync_dev,
	.alloc_coherent = ident_alloc,
	.free_coherent = ident_free,
	.mapping_error = ident_err,
	.max_mapping_size = ident_max,
};

void vrs_test_ident_init(struct vrs_test_ident *id, struct vrs_gmem *gm,
			 struct vrs_dma *out)
{
	memset(id, 0, sizeof(*id));
	id->gm = gm;
	id->max_mapping = 1u << 20;
	out->ops = &vrs_test_ident_ops;
	out->ctx = id;
}
