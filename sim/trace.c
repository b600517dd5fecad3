/* Readable lines from trace records. */
#include "sim/trace.h"

#include <string.h>

static const char *const formats[VRS_EV_COUNT] = {
#define VRS_TRACE_FMT(id, fmt) [VRS_EV_##id] = fmt,
	VRS_TRACE_EVENTS(VRS_TRACE_FMT)
#undef VRS_TRACE_FMT
};

void vrs_trace_format(const struct vrs_trace_event *e, char *buf, size_t len)
{
	int n = snprintf(buf, len, "[%6u] ", e->step);
	if (n < 0 || (size_t)n >= len)
		return;
	const char *s = e->s ? e->s : "";
	unsigned long long q = e->q, a = e->a, b = e->b, c = e->c;
	switch ((enum vrs_trace_kind)e->kind) {
	case VRS_EV_SETUP:
		/* a, b: platform and policy names are in s as "plat/policy" */
		snprintf(buf + n, len - (size_t)n,
			 "setup %s features=%#llx queue=%llu device=%llu", s, a,
			 b, c);
		return;
	case VRS_EV_REFUSED:
	case VRS_EV_DRV_ADD_FAIL:
	case VRS_EV_DRV_BROKEN:
	case VRS_EV_DEV_ERROR:
	case VRS_EV_FINDING: {
		/* Events that carry a reason string. */
		static const char *const what[] = {
			[VRS_EV_REFUSED] = "driver refused the device: ",
			[VRS_EV_DRV_ADD_FAIL] = "driver add failed: ",
			[VRS_EV_DRV_BROKEN] = "driver marked the queue broken: ",
			[VRS_EV_DEV_ERROR] = "device refused the ring: ",
			[VRS_EV_FINDING] = "FINDING ",
		};
		snprintf(buf + n, len - (size_t)n, "q%llu %s%s", q,
			 what[e->kind], s);
		return;
	}
	case VRS_EV_OP:
		snprintf(buf + n, len - (size_t)n, "q%llu step: %s", q, s);
		return;
	default:
		break;
	}
	if ((unsigned)e->kind < VRS_EV_COUNT)
		snprintf(buf + n, len - (size_t)n, formats[e->kind], q, a, b,
			 c);
}

void vrs_trace_print_event(const struct vrs_trace_event *e, FILE *f)
{
	char line[256];
	vrs_trace_format(e, line, sizeof(line));
	fprintf(f, "%s\n", line);
}

void vrs_trace_print(const struct vrs_trace *t, FILE *f, unsigned n)
{
	uint64_t kept = t->count < VRS_TRACE_CAP ? t->count : VRS_TRACE_CAP;
	if (n == 0 || n > kept)
		n = (unsigned)kept;
	if (t->count > n)
		fprintf(f, "... %llu earlier events not shown\n",
			(unsigned long long)(t->count - n));
	char line[256];
	for (uint64_t i = t->count - n; i < t->count; i++) {
		vrs_trace_format(&t->ev[i % VRS_TRACE_CAP], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
}
