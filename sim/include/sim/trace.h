/* A compact event trace: fixed-size records in a ring buffer, cheap enough
 * to keep on while fuzzing, printable as readable lines when a run fails.
 * Same input, same trace, byte for byte. */
#ifndef VRSIM_SIM_TRACE_H
#define VRSIM_SIM_TRACE_H

#include <stdio.h>

#include "vrsim/types.h"

/* Events and the format of their numbers (q, a, b, c). Events whose
 * meaning is a reason string print it from the record's s. */
#define VRS_TRACE_EVENTS(X)                                                    \
	X(SETUP, "")                                                           \
	X(REFUSED, "")                                                         \
	X(DRV_ADD, "q%llu driver add token=%llu out=%llu in=%llu")             \
	X(DRV_ADD_FAIL, "")                                                    \
	X(DRV_KICK, "q%llu driver kick notified=%llu")                         \
	X(DRV_GET, "q%llu driver get token=%llu len=%llu")                     \
	X(DRV_BROKEN, "")                                                      \
	X(DEV_POP, "q%llu device pop id=%llu out=%llu in=%llu")                \
	X(DEV_PUSH, "q%llu device push id=%llu len=%llu")                      \
	X(DEV_ERROR, "")                                                       \
	X(DEV_IRQ, "q%llu device interrupt raised=%llu")                       \
	X(DRV_IRQ, "q%llu driver handles interrupt")                           \
	X(IOMMU_FLUSH, "q%llu iommu flush")                                    \
	X(FINDING, "")                                                         \
	X(DRAIN, "q%llu workload over: draining %llu buffers in flight")       \
	X(RESET, "q%llu driver resets the queue, new size %llu")                \
	X(OP, "")                                                              \
	X(STEADY, "q%llu steady-state phase: %llu small complete cycles")

enum vrs_trace_kind {
#define VRS_TRACE_ENUM(id, fmt) VRS_EV_##id,
	VRS_TRACE_EVENTS(VRS_TRACE_ENUM)
#undef VRS_TRACE_ENUM
	VRS_EV_COUNT
};

struct vrs_trace_event {
	uint32_t step;
	uint16_t kind;
	uint16_t q;
	uint64_t a, b, c;
	const char *s; /* a static string, or NULL */
};

#define VRS_TRACE_CAP 4096u

struct vrs_trace {
	struct vrs_trace_event ev[VRS_TRACE_CAP];
	uint64_t count; /* events ever recorded; the last CAP are kept */
	uint32_t step;
	FILE *live;	/* when set, every event is also printed at once */
};

void vrs_trace_print_event(const struct vrs_trace_event *e, FILE *f);

static inline void vrs_trace_reset(struct vrs_trace *t)
{
	t->count = 0;
	t->step = 0;
}

static inline void vrs_trace(struct vrs_trace *t, enum vrs_trace_kind kind,
			     unsigned q, uint64_t a, uint64_t b, uint64_t c,
			     const char *s)
{
	struct vrs_trace_event *e = &t->ev[t->count++ % VRS_TRACE_CAP];
	e->step = t->step;
	e->kind = (uint16_t)kind;
	e->q = (uint16_t)q;
	e->a = a;
	e->b = b;
	e->c = c;
	e->s = s;
	if (__builtin_expect(t->live != NULL, 0))
		vrs_trace_print_event(e, t->live);
}

/* Print the last n events (all kept ones when n is 0). */
void vrs_trace_print(const struct vrs_trace *t, FILE *f, unsigned n);
/* Format one event as a line (no newline) into buf. */
void vrs_trace_format(const struct vrs_trace_event *e, char *buf, size_t len);

#endif
