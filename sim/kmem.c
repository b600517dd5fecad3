#include "sim/kmem.h"

static void *kmem_alloc(void *ctx, size_t size)
{
	struct vrs_gmem *gm = ctx;
	vrs_gpa_t gpa;
	if (vrs_gmem_alloc(gm, size, VRS_OWNER_BUFFER, &gpa) < 0)
		return NULL;
	return vrs_gmem_hva(gm, gpa, size);
}

static void kmem_free(void *ctx, void *p, size_t size)
{
	struct vrs_gmem *gm = ctx;
	vrs_gpa_t gpa;
	if (p && vrs_gmem_gpa(gm, p, size, &gpa) == 0)
		vrs_gmem_free(gm, gpa, size);
}

void vrs_sim_kmem(struct vrs_gmem *gm, struct vrs_kmem *out)
{
	out->alloc = kmem_alloc;
	out->free = kmem_free;
	out->ctx = gm;
}
