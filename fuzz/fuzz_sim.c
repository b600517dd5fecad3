/* fuzz_sim: honest driver and device with random features, platform,
 * policy, queue size and fault injection; every oracle armed. */
#include "simtarget.h"

VRS_FUZZ_SIM_TARGET("fuzz_sim", VRS_ROLE_HONEST);
