/* ERR_PTR and friends.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_ERR_H
#define KSHIM_LINUX_ERR_H
#include "kshim/base.h"
#endif
