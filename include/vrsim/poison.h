/* Memory the code keeps but must not touch right now: a buffer kept at
 * its high-water size for reuse. Under AddressSanitizer the unused part is
 * poisoned, so an overrun into it is still reported; elsewhere these are
 * no-ops. */
#ifndef VRSIM_POISON_H
#define VRSIM_POISON_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define VRS_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VRS_HAVE_ASAN 1
#endif
#endif

#ifdef VRS_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#define VRS_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define VRS_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define VRS_POISON(p, n) ((void)(p), (void)(n))
#define VRS_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Of an array of cap elements of size sz, make the first n usable and the
 * rest untouchable. */
static inline void vrs_poison_tail(void *base, size_t n, size_t cap, size_t sz)
{
	VRS_UNPOISON(base, n * sz);
	VRS_POISON((char *)base + n * sz, (cap - n) * sz);
}

#endif
