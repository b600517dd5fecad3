/* The one report of both differential modes (diffreport.c). */
#ifndef VRSIM_SIM_DIFFREPORT_H
#define VRSIM_SIM_DIFFREPORT_H

#include "sim_internal.h"

/* A divergence between the runs of a and b (differential.c, devdiff.c):
 * in abort mode both traces first, then the finding. */
void vrs_diff_report(struct vrs_sim *s, const struct vrs_sim_config *a,
		     const struct vrs_sim_config *b, const uint8_t *input,
		     size_t len, const char *na, const char *nb,
		     const char *why, struct vrs_sim_result *res);

#endif
