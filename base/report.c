/* The one place every finding goes through. In RECORD mode findings are
 * counted and the latest message of each kind kept (tests, the matrix); in
 * ABORT mode the message is printed and the process traps inside a function
 * named after the kind, so fuzzers deduplicate crashes by oracle. */
#include "vrsim/report.h"

#include "vrsim/guard.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 256

static const char *const finding_names[VRS_FIND_COUNT] = {
#define VRS_FINDING_NAME(id, name) [VRS_FIND_##id] = name,
	VRS_FINDING_KINDS(VRS_FINDING_NAME)
#undef VRS_FINDING_NAME
};

/* Findings a replay was told to step over (vrs_report_acknowledge). */
#define ACK_MAX 32
#define ACK_LEN 128

static struct {
	enum vrs_report_mode mode;
	unsigned nack, acknowledged;
	bool ack_quiet[ACK_MAX];
	enum vrs_finding ack_kind[ACK_MAX];
	char ack_prefix[ACK_MAX][ACK_LEN];
	uint64_t armed;
	void (*hook)(void *ctx);
	void *hook_ctx;
	unsigned count[VRS_FIND_COUNT];
	unsigned total;
	char last[VRS_FIND_COUNT][MSG_MAX];
} oracle = {.armed = VRS_FIND_ALL};

const char *vrs_finding_name(enum vrs_finding kind)
{
	return (unsigned)kind < VRS_FIND_COUNT ? finding_names[kind] : "?";
}

/* One trap function per kind: the top frame names the oracle that fired. */
#define VRS_FINDING_TRAP(id, name)                                             \
	static __attribute__((noinline, noreturn)) void vrs_oracle_##id(void) \
	{                                                                      \
		fflush(stderr);                                                \
		__asm__ volatile("" ::: "memory");                             \
		abort();                                                       \
	}
VRS_FINDING_KINDS(VRS_FINDING_TRAP)
#undef VRS_FINDING_TRAP

static __attribute__((noreturn)) void trap(enum vrs_finding kind)
{
	switch (kind) {
#define VRS_FINDING_CASE(id, name)                                             \
	case VRS_FIND_##id:                                                    \
		vrs_oracle_##id();
		VRS_FINDING_KINDS(VRS_FINDING_CASE)
#undef VRS_FINDING_CASE
	default:
		abort();
	}
}

void vrs_report(enum vrs_finding kind, const char *fmt, ...)
{
	if ((unsigned)kind >= VRS_FIND_COUNT)
		kind = VRS_FIND_PROTOCOL;
	va_list ap;
	va_start(ap, fmt);
	char msg[MSG_MAX];
	vsnprintf(msg, MSG_MAX, fmt, ap);
	va_end(ap);
	for (unsigned i = 0; i < oracle.nack; i++) {
		if (oracle.ack_kind[i] == kind &&
		    fnmatch(oracle.ack_prefix[i], msg, FNM_NOESCAPE) == 0) {
			oracle.acknowledged++;
			if (!oracle.ack_quiet[i])
				fprintf(stderr, "vrsim: acknowledged [%s]: %s\n",
					finding_names[kind], msg);
			return;
		}
	}
	memcpy(oracle.last[kind], msg, MSG_MAX);
	oracle.count[kind]++;
	oracle.total++;
	if (oracle.mode == VRS_REPORT_ABORT &&
	    (~oracle.armed & VRS_FIND_BIT(kind)) == 0) {
		fprintf(stderr, "vrsim: finding [%s]: %s\n", finding_names[kind],
			oracle.last[kind]);
		if (oracle.hook)
			oracle.hook(oracle.hook_ctx);
		trap(kind);
	}
}

void vrs_report_invariant(const char *what, const char *cond,
			  const char *file, int line)
{
	vrs_report(VRS_FIND_INTERNAL, "%s(%s) broken at %s:%d", what, cond,
		   file, line);
}

int vrs_report_acknowledge(enum vrs_finding kind, const char *prefix)
{
	if ((unsigned)kind >= VRS_FIND_COUNT || !*prefix ||
	    strlen(prefix) >= ACK_LEN - 1 || oracle.nack == ACK_MAX)
		return -EINVAL;
	oracle.ack_kind[oracle.nack] = kind;
	/* a prefix, in which * and ? stand for any text (a queue or chain
	 * number) */
	snprintf(oracle.ack_prefix[oracle.nack++], ACK_LEN, "%s*", prefix);
	return 0;
}

int vrs_report_acknowledge_spec(const char *spec, bool quiet, char *why,
				size_t len)
{
	char name[64];
	const char *colon = strchr(spec, ':');
	enum vrs_finding kind;
	size_t n = colon ? (size_t)(colon - spec) : 0;
	if (!colon || n >= sizeof(name)) {
		snprintf(why, len, "needs KIND:PREFIX, not '%s'", spec);
		return -EINVAL;
	}
	memcpy(name, spec, n);
	name[n] = '\0';
	if (vrs_finding_by_name(name, &kind) < 0) {
		snprintf(why, len, "no finding kind '%s'", name);
		return -EINVAL;
	}
	if (vrs_report_acknowledge(kind, colon + 1) < 0) {
		snprintf(why, len, "prefix empty, too long or too many");
		return -EINVAL;
	}
	oracle.ack_quiet[oracle.nack - 1] = quiet;
	return 0;
}

void vrs_report_save(struct vrs_report_saved *out)
{
	_Static_assert(sizeof(out->count) == sizeof(oracle.count) &&
			       sizeof(out->last) == sizeof(oracle.last),
		       "vrs_report_saved matches the oracle's record");
	memcpy(out->count, oracle.count, sizeof(out->count));
	memcpy(out->last, oracle.last, sizeof(out->last));
	out->total = oracle.total;
}

void vrs_report_restore(const struct vrs_report_saved *in)
{
	memcpy(oracle.count, in->count, sizeof(oracle.count));
	memcpy(oracle.last, in->last, sizeof(oracle.last));
	oracle.total = in->total;
}

unsigned vrs_report_acknowledged(void)
{
	return oracle.acknowledged;
}

int vrs_finding_by_name(const char *name, enum vrs_finding *kind)
{
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++)
		if (strcmp(finding_names[k], name) == 0) {
			*kind = (enum vrs_finding)k;
			return 0;
		}
	return -ENOENT;
}

void vrs_report_set_mode(enum vrs_report_mode mode)
{
	oracle.mode = mode;
}

void vrs_report_set_armed(uint64_t mask) { oracle.armed = mask; }
uint64_t vrs_report_armed(void) { return oracle.armed; }

void vrs_report_set_abort_hook(void (*hook)(void *ctx), void *ctx)
{
	oracle.hook = hook;
	oracle.hook_ctx = ctx;
}
enum vrs_report_mode vrs_report_mode(void) { return oracle.mode; }

unsigned vrs_report_count(enum vrs_finding kind)
{
	if (kind == VRS_FIND_COUNT)
		return oracle.total;
	return (unsigned)kind < VRS_FIND_COUNT ? oracle.count[kind] : 0;
}

const char *vrs_report_last(enum vrs_finding kind)
{
	return (unsigned)kind < VRS_FIND_COUNT ? oracle.last[kind] : "";
}

void vrs_report_clear(void)
{
	/* Every kind, whatever fired: the same work after any run, so a run's
	 * coverage does not depend on the findings of the one before. */
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++) {
		oracle.count[k] = 0;
		oracle.last[k][0] = '\0';
	}
	oracle.total = 0;
}
