/* The simulation targets' common parts (fuzz/simtarget.c), for a target
 * defined elsewhere: the Linux ring's (fuzz/linux_target.c), whose init
 * registers the driver and then calls vrs_fuzz_sim_init. */
#ifndef VRSIM_FUZZ_SIMTARGET_H
#define VRSIM_FUZZ_SIMTARGET_H

#include "fuzz/target.h"
#include "sim/input.h"

/* Once per process: the simulation, the oracles the role arms, and the
 * driver every input of the target runs (whatever its driver byte). */
int vrs_fuzz_sim_init(const char *name, enum vrs_input_role role,
		      enum vrs_driver_id driver);
int vrs_fuzz_sim_run(const uint8_t *data, size_t len);
void vrs_fuzz_sim_cleanup(void);
void vrs_fuzz_sim_decode(const uint8_t *data, size_t len, FILE *f);
void vrs_fuzz_sim_summarize(const uint8_t *data, size_t len, FILE *f);
long vrs_fuzz_sim_encode(const char *description, uint8_t *out, size_t cap);

#define VRS_FUZZ_SIM_TARGET(target_name, init_fn)                              \
	{                                                                      \
		.name = target_name, .init = init_fn,                          \
		.run = vrs_fuzz_sim_run, .cleanup = vrs_fuzz_sim_cleanup,      \
		.decode = vrs_fuzz_sim_decode,                                 \
		.summarize = vrs_fuzz_sim_summarize,                           \
		.encode = vrs_fuzz_sim_encode,                                 \
	}

#endif
