/* What the simulation fuzz targets (fuzz_sim, fuzz_driver, fuzz_device)
 * share: one simulation per process, the input format of sim/input.h, the
 * oracles each role arms, and the context printed when one fires. */
#ifndef VRSIM_FUZZ_SIMTARGET_H
#define VRSIM_FUZZ_SIMTARGET_H

#include "fuzz/target.h"
#include "sim/input.h"

int vrs_fuzz_sim_init(enum vrs_input_role role);
int vrs_fuzz_sim_run(const uint8_t *data, size_t len);
void vrs_fuzz_sim_cleanup(void);
void vrs_fuzz_sim_decode(const uint8_t *data, size_t len, FILE *f);
void vrs_fuzz_sim_summarize(const uint8_t *data, size_t len, FILE *f);
long vrs_fuzz_sim_encode(const char *description, uint8_t *out, size_t cap);

/* Declare a simulation target for a role. */
#define VRS_FUZZ_SIM_TARGET(target_name, role)                                 \
	static int init(void) { return vrs_fuzz_sim_init(role); }             \
	VRS_FUZZ_TARGET(.name = target_name, .init = init,                     \
			.run = vrs_fuzz_sim_run,                               \
			.cleanup = vrs_fuzz_sim_cleanup,                       \
			.decode = vrs_fuzz_sim_decode,                         \
			.summarize = vrs_fuzz_sim_summarize,                   \
			.encode = vrs_fuzz_sim_encode)

#endif
