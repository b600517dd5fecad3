/* set_memory_decrypted()/encrypted(): flip pages between private and shared.
 * Separate from gmem so the DMA layer owns the policy of when memory is
 * shared, and guest memory only stores the state. */
#include "dma/encrypt.h"

#include "vrsim/guard.h"

static int set_encryption(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t npages,
			  bool private_)
{
	VRS_ENSURE((gpa & VRS_PAGE_MASK) == 0, EINVAL);
	return vrs_gmem_set_private(gm, gpa, npages, private_);
}

int vrs_set_memory_decrypted(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t npages)
{
	return set_encryption(gm, gpa, npages, false);
}

int vrs_set_memory_encrypted(struct vrs_gmem *gm, vrs_gpa_t gpa, size_t npages)
{
	return set_encryption(gm, gpa, npages, true);
}
