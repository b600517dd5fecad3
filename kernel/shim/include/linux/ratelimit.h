/* See kshim/vhost.h.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_RATELIMIT_H
#define KSHIM_LINUX_RATELIMIT_H
#include "kshim/vhost.h"
#endif
