/* The _kern flavour of vringh reads indirect tables and writes used
 * entries with memcpy on "kernel pointers" taken from descriptors. In
 * vrsim those are bus addresses: an address below kshim_env.bus_below
 * (the size of guest memory; host memory never lies that low, which the
 * adapter checks at start) is one, and the copy goes through the bus.
 * Included by the vringh unit only, after <string.h>. */
#ifndef KSHIM_KERN_MEMCPY_H
#define KSHIM_KERN_MEMCPY_H

#include <string.h>

void *kshim_kern_memcpy(void *dst, const void *src, size_t len);
#define memcpy(d, s, n) kshim_kern_memcpy((d), (s), (n))

#endif
