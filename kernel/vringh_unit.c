/* The kernel's drivers/vhost/vringh.c, compiled as it is from the build
 * tree's extracted copy (never from this repository). The _kern
 * flavour's memcpy goes through kshim/kern_memcpy.h. */
#include <string.h>

#include "kshim/kern_memcpy.h"

#include VRSIM_KERNEL_VRINGH_C
