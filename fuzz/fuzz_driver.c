/* fuzz_driver: the ring core's driver side against the adversarial device
 * (forged used ids and lengths, descriptors and used entries rewritten
 * between two reads, wrap-counter lies); armed: dma-debug, DMA misuse and
 * the driver's contract with its caller. */
#include "fuzz/simtarget.h"

static int init(void) { return vrs_fuzz_sim_init(VRS_ROLE_HOSTILE_DEV); }

VRS_FUZZ_TARGET(.name = "fuzz_driver", .init = init, .run = vrs_fuzz_sim_run,
		.cleanup = vrs_fuzz_sim_cleanup, .decode = vrs_fuzz_sim_decode);
