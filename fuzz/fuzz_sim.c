/* fuzz_sim: honest driver and device with random features, platform,
 * policy, queue size and fault injection; every oracle armed. */
#include "fuzz/target.h"

VRS_FUZZ_TARGET(vrs_fuzz_sim_target);
