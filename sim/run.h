/* The run loop (run.c) and the scheduler's turns it takes (scheduler.c):
 * what drives an input to its end. Only the loop and the modes built on
 * it (differential.c, devdiff.c) include this; the services below it
 * (sim_internal.h) never do. */
#ifndef VRSIM_SIM_RUN_H
#define VRSIM_SIM_RUN_H

#include "sim_internal.h"

/* vrs_sim_run with hooks (NULL: none) the run calls as its events
 * happen; they are the run's until it returns. */
int vrs_sim_run_hooked(struct vrs_sim *s, const struct vrs_sim_hooks *hooks,
		       const struct vrs_sim_config *cfg, const uint8_t *input,
		       size_t len, struct vrs_sim_result *res);

/* One operation read from the provider. */
void vrs_sim_step(struct vrs_sim *s);
/* The steady-state phase: cycles small complete cycles (one unit of
 * work submitted, kicked, served, interrupted, completed), every oracle
 * armed, from a generator seeded by the input's seed, so that bugs which
 * need many completions (fragmentation, exhaustion, slow leaks) need no
 * long input. Stops early once every queue is dead or a finding fired. */
void vrs_sim_steady(struct vrs_sim *s, unsigned cycles);
/* Liveness: finish what is in flight with honest parties, or report. */
void vrs_sim_drain(struct vrs_sim *s);

#endif
