/* fuzz_device: the model devices and the ring's device side against a
 * hostile driver writing raw ring memory; the device must refuse what is
 * invalid and never crash. */
#include "fuzz/simtarget.h"

static int init(void) { return vrs_fuzz_sim_init(VRS_ROLE_HOSTILE_DRV); }

VRS_FUZZ_TARGET(.name = "fuzz_device", .init = init, .run = vrs_fuzz_sim_run,
		.cleanup = vrs_fuzz_sim_cleanup, .decode = vrs_fuzz_sim_decode);
