/* kmalloc/kfree for the driver under test, over guest memory. */
#ifndef VRSIM_SIM_KMEM_H
#define VRSIM_SIM_KMEM_H

#include "vrsim/gmem.h"
#include "vrsim/kmem.h"

void vrs_sim_kmem(struct vrs_gmem *gm, struct vrs_kmem *out);

#endif
