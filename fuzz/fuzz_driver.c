/* fuzz_driver: the ring core's driver side against the adversarial device
 * (forged used ids and lengths, descriptors and used entries rewritten
 * between two reads, wrap-counter lies); armed: dma-debug, DMA misuse and
 * the driver's contract with its caller. */
#include "simtarget.h"

VRS_FUZZ_SIM_TARGET("fuzz_driver", VRS_ROLE_HOSTILE_DEV);
