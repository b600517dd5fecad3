/* xen_domain(), from the platform profile.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_XEN_XEN_H
#define KSHIM_XEN_XEN_H
#include "kshim/dma.h"
#endif
