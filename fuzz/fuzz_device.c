/* fuzz_device: the model devices and the ring's device side against a
 * hostile driver writing raw ring memory; the device must refuse what is
 * invalid and never crash. */
#include "fuzz/target.h"

VRS_FUZZ_TARGET(vrs_fuzz_device_target);
