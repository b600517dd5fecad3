/* The validity checks (vrs_sim_check_state): those the objects offer,
 * which the loop runs while the input runs (not only at teardown), so a
 * corrupted state is caught at the step that did it, give or take
 * VRS_SIM_CHECK_EVERY, and reported once per run.
 *
 * vrsim's own objects keep their state to themselves: vrsim's ring never
 * reads back from the shared ring what it wrote there (its shadow holds
 * each chain), the device queue keeps its own cursor, the machine is the
 * platform's. What the other party writes cannot make a correct one
 * inconsistent, so a failure is a bug in the object's code, never a
 * symptom of what a hostile party did (the checks go on after the faults
 * a hostile party causes): a protocol finding naming the object.
 *
 * That premise is false for a kernel's ring (the driver's kernel_state):
 * Linux's detach_buf_split walks a used chain by the NEXT flag it reads
 * back from the descriptor table, which the device can write (all of it
 * on a plain KVM guest, the shared ring on a protected one), so a hostile
 * device that forges a flag corrupts the kernel's own free list. That is
 * the kernel trusting device-writable memory, not vrsim finding a
 * violation of its own protocol: it is reported as the kernel's state
 * (kernel-state-corrupt) in the kernel's own words (check_reason), and
 * said to follow the device's writes when the device is hostile.
 *
 * The driver's shadow means nothing when a hostile driver writes the ring
 * by hand, nor once it has declared the ring broken. */
#include <stdio.h>

#include "sim_internal.h"

static const char *state_problem(struct vrs_sim *s, unsigned *q,
				 bool *driver)
{
	*driver = false;
	for (*q = 0; *q < s->nq; (*q)++) {
		struct vrs_sim_queue *sq = &s->q[*q];
		if (!s->cfg.raw_driver && !vrs_dq_broken(sq->dq) &&
		    vrs_dq_check(sq->dq) < 0) {
			*driver = true;
			return "driver shadow";
		}
		if (sq->dev->ops->check && sq->dev->ops->check(sq->dev) < 0)
			return "device queue";
	}
	const char *what;
	return vrs_machine_check_run(s->m, &what) < 0 ? what : NULL;
}

/* A kernel ring's own state failed its check on queue q. */
static void kernel_state_corrupt(struct vrs_sim *s, unsigned q)
{
	const char *why = vrs_dq_check_reason(s->q[q].dq);
	char reason[160];
	snprintf(reason, sizeof(reason), " (%s)", why);
	if (vrs_sim_honest(s))
		vrs_report(VRS_FIND_KERNEL_STATE,
			   "q%u: the Linux ring's own state is corrupt%s with "
			   "an honest device", q, why[0] ? reason : "");
	else
		vrs_report(VRS_FIND_KERNEL_STATE,
			   "q%u: the Linux ring's own state is corrupt%s after "
			   "the device wrote the ring: the kernel trusted "
			   "device-writable memory", q, why[0] ? reason : "");
}

void vrs_sim_check_state(struct vrs_sim *s)
{
	if (s->state_reported)
		return;
	unsigned q;
	bool driver;
	enum vrs_phase was = vrs_meter_enter(VRS_PHASE_CHECKS);
	const char *what = state_problem(s, &q, &driver);
	vrs_meter_enter(was);
	if (!what)
		return;
	s->state_reported = true;
	if (driver && s->q[q].dq->ops->kernel_state)
		kernel_state_corrupt(s, q);
	else if (q < s->nq)
		vrs_report(VRS_FIND_PROTOCOL, "q%u: %s state inconsistent", q,
			   what);
	else
		vrs_report(VRS_FIND_PROTOCOL,
			   "machine state inconsistent: %s failed its check",
			   what);
}
