/* The kernel's drivers/vhost/iotlb.c (the vhost IOTLB, an interval tree)
 * and lib/rbtree.c under it, compiled as they are from the build tree's
 * extracted copies. */
#include VRSIM_KERNEL_RBTREE_C
#include VRSIM_KERNEL_IOTLB_C
