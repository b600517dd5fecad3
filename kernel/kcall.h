/* Entering kernel code from an adapter (linux_driver.c, linux_device.c). */
#ifndef VRSIM_KERNEL_KCALL_H
#define VRSIM_KERNEL_KCALL_H

#include <setjmp.h>

#include "kshim/env.h"

/* Enter the kernel: the queue's environment is current, and a BUG()
 * comes back here instead (the kernel thread died: the queue is dead and
 * the call yields fallback). Between the setjmp and a longjmp only the
 * kernel call runs, which changes no local of the caller, so nothing the
 * caller reads afterwards is clobbered (-Wno-clobbered in CMakeLists). */
#define KCALL(q, fallback, call)                                               \
	({                                                                     \
		jmp_buf __oops;                                                \
		__typeof__(call) __r;                                          \
		kshim_enter(&(q)->env);                                        \
		(q)->env.oops = &__oops;                                       \
		if (_setjmp(__oops)) {                                         \
			oopsed(q);                                             \
			__r = (fallback);                                      \
		} else {                                                       \
			__r = (call);                                          \
		}                                                              \
		(q)->env.oops = NULL;                                          \
		__r;                                                           \
	})
#define KVOID(q, call) ((void)KCALL(q, 0, ((call), 0)))

#endif
