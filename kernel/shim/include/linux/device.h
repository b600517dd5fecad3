/* struct device and dev_* printing.
 * (vrsim's kernel shim; see kshim/base.h) */
#ifndef KSHIM_LINUX_DEVICE_H
#define KSHIM_LINUX_DEVICE_H
#include "kshim/device.h"
#endif
