/* fuzz_sim: honest driver and device with random features, platform,
 * policy, queue size and fault injection; every oracle armed. */
#include "fuzz/simtarget.h"

static int init(void) { return vrs_fuzz_sim_init(VRS_ROLE_HONEST); }

VRS_FUZZ_TARGET(.name = "fuzz_sim", .init = init, .run = vrs_fuzz_sim_run,
		.cleanup = vrs_fuzz_sim_cleanup, .decode = vrs_fuzz_sim_decode);
