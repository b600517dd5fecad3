/* Differential mode (sim/sim.h, vrs_sim_differential): one workload, two
 * drivers, honest parties; what each had the device use is recorded here
 * (the hooks added and used, which each run is handed) and compared. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diffreport.h"
#include "run.h"

/* What one run completed. */
#define VRS_DIFF_TOKENS 4096 /* token ids / 8: the model's state */
#define VRS_DIFF_EVENTS 8192
struct vrs_diff_queue {
	int8_t add[VRS_DIFF_EVENTS];	   /* each add's result: 0 or errno */
	uint32_t nadd;
	uint32_t ordinal[VRS_DIFF_TOKENS]; /* token -> its latest add, +1 */
	uint32_t used_ord[VRS_DIFF_EVENTS], used_len[VRS_DIFF_EVENTS];
	uint32_t nused;
	bool overflow;			   /* a token or a count out of range */
};
struct vrs_diff_log {
	struct vrs_diff_queue q[VRS_SIM_MAX_QUEUES];
};

static void added(void *ctx, struct vrs_sim *s, unsigned q, const void *token,
		  int rc)
{
	struct vrs_diff_queue *d = &((struct vrs_diff_log *)ctx)->q[q];
	uint64_t id = vrs_sim_token_id(s, token) / 8;
	if (d->nadd == VRS_DIFF_EVENTS || (rc == 0 && id >= VRS_DIFF_TOKENS)) {
		d->overflow = true;
		return;
	}
	d->add[d->nadd++] = (int8_t)(rc < 0 ? -rc : rc);
	if (rc == 0)
		d->ordinal[id] = d->nadd; /* the nth add, from 1 */
}

static void used(void *ctx, struct vrs_sim *s, unsigned q, const void *token,
		 uint32_t len)
{
	struct vrs_diff_queue *d = &((struct vrs_diff_log *)ctx)->q[q];
	uint64_t id = vrs_sim_token_id(s, token) / 8;
	if (d->nused == VRS_DIFF_EVENTS || id >= VRS_DIFF_TOKENS ||
	    !d->ordinal[id]) {
		d->overflow = true;
		return;
	}
	d->used_ord[d->nused] = d->ordinal[id];
	d->used_len[d->nused++] = len;
}

/* The policy under which vrsim's ring takes the path the first driver
 * took on this platform, or -1. */
static int policy_for(enum vrs_policy_decision path,
		      const struct vrs_sim_config *cfg, uint64_t accepted)
{
	const struct vrs_platform *plat = vrs_platform_get(cfg->platform);
	bool ap = vrs_has_feature(accepted, VRS_F_ACCESS_PLATFORM);
	for (unsigned p = 0; p < VRS_POLICY_COUNT; p++)
		if (vrs_policy_decide((enum vrs_policy)p, plat, ap) == path)
			return (int)p;
	return -1;
}

static bool used_in(const struct vrs_diff_queue *d, uint32_t ord)
{
	for (uint32_t i = 0; i < d->nused; i++)
		if (d->used_ord[i] == ord)
			return true;
	return false;
}

/* The next entry of d's used list from *i on that o also used. */
static bool next_common(const struct vrs_diff_queue *d,
			const struct vrs_diff_queue *o, uint32_t *i)
{
	while (*i < d->nused && !used_in(o, d->used_ord[*i]))
		(*i)++;
	return *i < d->nused;
}

/* 0 when the runs agree (or cannot be compared), else the queue + 1, the
 * difference described in why. */
static unsigned compare(const struct vrs_diff_log *a, const struct vrs_diff_log *b,
			unsigned nq, const char *na, const char *nb, char *why,
			size_t len)
{
	for (unsigned q = 0; q < nq; q++) {
		const struct vrs_diff_queue *x = &a->q[q], *y = &b->q[q];
		if (x->overflow || y->overflow || x->nadd != y->nadd ||
		    memcmp(x->add, y->add, x->nadd) != 0)
			return 0; /* the workloads parted: nothing to compare */
	}
	for (unsigned q = 0; q < nq; q++) {
		const struct vrs_diff_queue *x = &a->q[q], *y = &b->q[q];
		uint32_t i = 0, j = 0;
		while (next_common(x, y, &i) && next_common(y, x, &j)) {
			if (x->used_ord[i] != y->used_ord[j]) {
				snprintf(why, len, "q%u: %s completed buffer #%u "
					 "where %s completed #%u", q, na,
					 x->used_ord[i], nb, y->used_ord[j]);
				return q + 1;
			}
			if (x->used_len[i] != y->used_len[j]) {
				snprintf(why, len, "q%u: buffer #%u used with "
					 "len %u by %s, %u by %s", q,
					 x->used_ord[i], x->used_len[i], na,
					 y->used_len[j], nb);
				return q + 1;
			}
			i++;
			j++;
		}
	}
	return 0;
}

static int run_logged(struct vrs_sim *s, const struct vrs_sim_config *cfg,
		      const uint8_t *input, size_t len, struct vrs_diff_log *log,
		      struct vrs_sim_result *res)
{
	memset(log, 0, sizeof(*log));
	const struct vrs_sim_hooks hooks = {
		.ctx = log, .on_added = added, .on_used = used,
	};
	return vrs_sim_run_hooked(s, &hooks, cfg, input, len, res);
}

int vrs_sim_differential(struct vrs_sim *s, const struct vrs_sim_config *cfg,
			 const uint8_t *input, size_t len,
			 struct vrs_sim_result *res)
{
	static struct vrs_diff_log *logs; /* two, made once per process */
	if (!logs && !(logs = calloc(2, sizeof(*logs))))
		return -ENOMEM;
	const struct vrs_driver_ops *first = vrs_driver_get(cfg->driver);
	const struct vrs_driver_ops *ours = vrs_driver_get(VRS_DRIVER_VRSIM);
	if (!first)
		return -EINVAL;
	/* One workload: what both drivers can negotiate, no input picks. */
	struct vrs_sim_config a = *cfg;
	a.differential = true;
	a.offered &= first->features & ours->features;
	int rc = run_logged(s, &a, input, len, &logs[0], res);
	if (rc < 0 || res->outcome == VRS_OUT_REFUSED || res->findings ||
	    a.device == VRS_DEV_ADVERSARIAL || a.raw_driver)
		return rc;
	struct vrs_sim_config b = a;
	b.driver = VRS_DRIVER_VRSIM;
	int p = policy_for(res->path, &a, vrs_sim_negotiate(&a, first));
	if (p < 0)
		return 0;
	b.policy = (enum vrs_policy)p;
	struct vrs_sim_result rb;
	rc = run_logged(s, &b, input, len, &logs[1], &rb);
	if (rc < 0 || rb.findings)
		return rc;
	char why[200];
	unsigned q = compare(&logs[0], &logs[1], s->nq, first->name,
			     ours->name, why, sizeof(why));
	if (!q)
		return 0;
	vrs_diff_report(s, &a, &b, input, len, first->name, ours->name, why,
			res);
	return 0;
}
