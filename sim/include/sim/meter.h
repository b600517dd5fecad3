/* Where a run's time goes: set-up, the run itself, the checks (state
 * checks, the referee, the leak check) and teardown, for the replayer's
 * --costs and scripts/bench-fuzz, so a slower input shows which part
 * grew. A run marks the phase it is in with one store; only a front end
 * that starts the sampler pays anything more: a timer signal that counts
 * the phase it interrupts, so the clock is never read per switch and the
 * figures are the program's own (its shares, to a sample's precision). */
#ifndef VRSIM_SIM_METER_H
#define VRSIM_SIM_METER_H

#include <signal.h>

enum vrs_phase {
	VRS_PHASE_FRONT,    /* not in a run: the front end (files, output) */
	VRS_PHASE_TARGET,   /* in the target, outside a simulation's phases */
	VRS_PHASE_SETUP,    /* configuration, machine, queues opened */
	VRS_PHASE_RUN,      /* the workload, steady cycles, the drain */
	VRS_PHASE_CHECKS,   /* state checks, the referee, the leak check */
	VRS_PHASE_TEARDOWN, /* queues shut down, outcome, machine cleaned */
	VRS_PHASE_COUNT
};

extern volatile sig_atomic_t vrs_meter_phase;

/* Enter phase TO; returns the phase left, for the caller to go back to. */
static inline enum vrs_phase vrs_meter_enter(enum vrs_phase to)
{
	enum vrs_phase was = (enum vrs_phase)vrs_meter_phase;
	vrs_meter_phase = to;
	return was;
}

/* Sample the phase HZ times a second of wall-clock time from now on;
 * 0 on success, -errno when the timer cannot be had. */
int vrs_meter_start(unsigned hz);
/* Stop sampling; the counts stay. */
void vrs_meter_stop(void);
/* The samples taken in each phase since the start. */
void vrs_meter_samples(unsigned long counts[VRS_PHASE_COUNT]);
const char *vrs_phase_name(enum vrs_phase p);

#endif
