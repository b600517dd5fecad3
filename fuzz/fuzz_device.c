/* fuzz_device: the model devices and the ring's device side against a
 * hostile driver writing raw ring memory; the device must refuse what is
 * invalid and never crash. */
#include "simtarget.h"

VRS_FUZZ_SIM_TARGET("fuzz_device", VRS_ROLE_HOSTILE_DRV);
