/* struct completion (a field of virtio_admin_cmd).
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_COMPLETION_H
#define KSHIM_LINUX_COMPLETION_H
#include "kshim/base.h"
#endif
