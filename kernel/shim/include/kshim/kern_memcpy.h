/* The _kern flavour of vringh reads indirect tables and buffers with
 * memcpy on "kernel pointers" taken from descriptors. In vrsim those are
 * bus addresses, whatever a hostile driver wrote: a pointer is host
 * memory only when it lies on the stack, in a live kmalloc allocation,
 * or in a range the adapter named (kshim_env.host: guest memory's host
 * mapping, its own objects); any other goes through the bus, which
 * refuses what lies outside guest memory. Included by the vringh unit
 * only, after <string.h>. */
#ifndef KSHIM_KERN_MEMCPY_H
#define KSHIM_KERN_MEMCPY_H

#include <string.h>

void *kshim_kern_memcpy(void *dst, const void *src, size_t len);
#define memcpy(d, s, n) kshim_kern_memcpy((d), (s), (n))

#endif
