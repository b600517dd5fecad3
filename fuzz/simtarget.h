/* What the simulation fuzz targets (fuzz_sim, fuzz_driver, fuzz_device)
 * share: one machine per process, the input format of sim/input.h, the
 * context printed when an armed oracle fires. */
#ifndef VRSIM_FUZZ_SIMTARGET_H
#define VRSIM_FUZZ_SIMTARGET_H

#include "fuzz/target.h"
#include "sim/input.h"

enum vrs_fuzz_role {
	VRS_ROLE_HONEST,      /* fuzz_sim: honest driver and device */
	VRS_ROLE_HOSTILE_DEV, /* fuzz_driver: the adversarial device */
	VRS_ROLE_HOSTILE_DRV, /* fuzz_device: a driver writing raw rings */
};

int vrs_fuzz_sim_init(enum vrs_fuzz_role role);
int vrs_fuzz_sim_run(const uint8_t *data, size_t len);
void vrs_fuzz_sim_cleanup(void);
void vrs_fuzz_sim_decode(const uint8_t *data, size_t len, FILE *f);

/* Turn a parsed input into the configuration this role runs. Returns
 * false when the input has nothing to run. */
bool vrs_fuzz_sim_config(enum vrs_fuzz_role role, struct vrs_sim_config *cfg);

#endif
