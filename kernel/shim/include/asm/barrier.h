/* Real fences, never the abort() stubs of tools/virtio: the ring's
 * correctness on a weakly ordered machine rests on these. */
#ifndef KSHIM_ASM_BARRIER_H
#define KSHIM_ASM_BARRIER_H

#include "kshim/base.h"

#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define dma_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define dma_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define virt_mb() smp_mb()
#define virt_rmb() smp_rmb()
#define virt_wmb() smp_wmb()
#define virt_store_mb(var, value)                                              \
	do {                                                                   \
		WRITE_ONCE(var, value);                                        \
		smp_mb();                                                      \
	} while (0)

#endif
