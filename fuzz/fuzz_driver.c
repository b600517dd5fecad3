/* fuzz_driver: the ring core's driver side against the adversarial device
 * (forged used ids and lengths, descriptors and used entries rewritten
 * between two reads, wrap-counter lies); armed: dma-debug, DMA misuse and
 * the driver's contract with its caller. */
#include "fuzz/target.h"

VRS_FUZZ_TARGET(vrs_fuzz_driver_target);
