/* The phase meter (sim/meter.h): a POSIX timer on the monotonic clock
 * raises SIGPROF at the rate asked; the handler counts the phase the
 * program is in. */
#include "sim/meter.h"

#include <errno.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t vrs_meter_phase;
static volatile unsigned long samples[VRS_PHASE_COUNT];
static timer_t timer;
static int running;

static void on_sample(int sig)
{
	(void)sig;
	unsigned p = (unsigned)vrs_meter_phase;
	if (p < VRS_PHASE_COUNT)
		samples[p]++;
}

int vrs_meter_start(unsigned hz)
{
	if (running || hz == 0 || hz > 1000000)
		return -EINVAL;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sample;
	sa.sa_flags = SA_RESTART; /* the front end's reads go on */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, NULL) < 0)
		return -errno;
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGPROF;
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer) < 0)
		return -errno;
	long ns = 1000000000L / (long)hz;
	struct itimerspec every = {
		.it_interval = {ns / 1000000000L, ns % 1000000000L},
		.it_value = {ns / 1000000000L, ns % 1000000000L},
	};
	if (timer_settime(timer, 0, &every, NULL) < 0) {
		int rc = -errno;
		timer_delete(timer);
		return rc;
	}
	running = 1;
	return 0;
}

void vrs_meter_stop(void)
{
	if (!running)
		return;
	timer_delete(timer);
	running = 0;
}

void vrs_meter_samples(unsigned long counts[VRS_PHASE_COUNT])
{
	for (unsigned p = 0; p < VRS_PHASE_COUNT; p++)
		counts[p] = samples[p];
}

const char *vrs_phase_name(enum vrs_phase p)
{
	static const char *const names[VRS_PHASE_COUNT] = {
		[VRS_PHASE_FRONT] = "front-end",
		[VRS_PHASE_TARGET] = "target",
		[VRS_PHASE_SETUP] = "set-up",
		[VRS_PHASE_RUN] = "run",
		[VRS_PHASE_CHECKS] = "checks",
		[VRS_PHASE_TEARDOWN] = "teardown",
	};
	return (unsigned)p < VRS_PHASE_COUNT ? names[p] : "?";
}
