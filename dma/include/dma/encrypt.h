/* Encrypted guest memory: Linux's set_memory_decrypted()/encrypted() over
 * page ranges. On a protected guest (SEV, TDX, s390 PV, POWER ultravisor)
 * only decrypted (shared) pages are visible to the device. */
#ifndef VRSIM_DMA_ENCRYPT_H
#define VRSIM_DMA_ENCRYPT_H

#include "vrsim/gmem.h"

/* Both take a page-aligned GPA; -EINVAL otherwise (Linux WARNs). */
int vrs_set_memory_decrypted(struct vrs_gmem *gm, vrs_gpa_t gpa,
			     size_t npages);
int vrs_set_memory_encrypted(struct vrs_gmem *gm, vrs_gpa_t gpa,
			     size_t npages);

#endif
