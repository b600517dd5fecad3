/* Differential mode for device sides (sim/sim.h,
 * vrs_sim_device_differential): one hostile driver's input, two device
 * sides, the one under test and vrsim's. Each pop (what was taken or
 * refused) and each used entry the device wrote (read back from the
 * ring, beside what the model device pushed) is recorded here, by the
 * hooks popped and pushed each run is handed, and the two records are
 * compared in order.
 *
 * Where the pops part, the runs part: the referee has already judged
 * each side's pop in its own run (a device-acceptance finding, or a
 * catalogued one stepped over), or the spec let the device choose, and
 * nothing after is compared. What the referee cannot see is compared to
 * the end: the used entry each side wrote for the same push; the side
 * whose entry is not what the model device pushed is the wrong one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diffreport.h"
#include "run.h"
#include "sim/devbus.h"

/* What one run saw: each pop and each used entry written, in order. */
#define VRS_DEVDIFF_EVENTS 4096
struct vrs_devdiff_event {
	uint8_t type, q;
	uint8_t rc;	/* pops: 0 taken, 1 nothing, 2 refused */
	uint16_t id;
	uint32_t nout, nin; /* used entries: nout holds the used idx */
	uint64_t out_len, in_len;
};
struct vrs_devdiff_log {
	struct vrs_devdiff_event ev[VRS_DEVDIFF_EVENTS];
	uint32_t n;
	bool overflow;
};

enum { EV_POP, EV_USED };

static void log_event(struct vrs_devdiff_log *d,
		      const struct vrs_devdiff_event *ev)
{
	if (d->n == VRS_DEVDIFF_EVENTS) {
		d->overflow = true;
		return;
	}
	d->ev[d->n++] = *ev;
}

static void popped(void *ctx, struct vrs_sim *s, unsigned q, int rc,
		   const struct vrs_vqdev_req *req)
{
	struct vrs_devdiff_event ev = {
		.type = EV_POP, .q = (uint8_t)q,
		.rc = rc == 0 ? 0 : rc == -EAGAIN ? 1 : 2,
	};
	if (rc == 0) {
		ev.id = req->id;
		ev.nout = req->nout;
		ev.nin = req->nin;
		ev.out_len = req->out_len;
		ev.in_len = req->in_len;
	}
	log_event(ctx, &ev);
}

/* The split used entry the device just wrote, as the driver reads it. */
static void pushed(void *ctx, struct vrs_sim *s, unsigned q, uint16_t id,
		   uint32_t len)
{
	if (vrs_sim_packed(s))
		return; /* split only: the layout every Linux device side has */
	struct vrs_vqdev_config dc;
	struct vrs_vqdev_position p;
	vrs_qpair_device_config(&s->pair[q], &dc);
	s->q[q].dev->ops->position(s->q[q].dev, &p);
	uint16_t slot = (uint16_t)(p.used - 1) & (uint16_t)(dc.num - 1);
	uint8_t b[8] = {0}, idx[2] = {0};
	struct vrs_devbus *bus = vrs_machine_devbus(s->m);
	vrs_devbus_peek(bus, dc.addrs.device + 2, idx, 2);
	vrs_devbus_peek(bus, dc.addrs.device + 4 + 8ull * slot, b, 8);
	/* used entries: id and in_len as written, out_len pushed (id << 32 |
	 * len), nout the used idx */
	struct vrs_devdiff_event ev = {.type = EV_USED, .q = (uint8_t)q,
				       .out_len = (uint64_t)id << 32 | len};
	uint32_t wrote;
	memcpy(&ev.id, b, 2); /* the id's low 16 bits: a head */
	memcpy(&wrote, b + 4, 4);
	ev.in_len = wrote;
	uint16_t used_idx;
	memcpy(&used_idx, idx, 2);
	ev.nout = used_idx;
	log_event(ctx, &ev);
}

static bool wrote_what_was_pushed(const struct vrs_devdiff_event *e)
{
	return e->out_len == ((uint64_t)e->id << 32 | e->in_len);
}

/* 0 when the records agree as far as they can be compared, else 1 with
 * the first difference in why. */
static int compare(const struct vrs_devdiff_log *x,
		   const struct vrs_devdiff_log *y, const char *na,
		   const char *nb, char *why, size_t len)
{
	uint32_t n = x->n < y->n ? x->n : y->n;
	for (uint32_t i = 0; i < n; i++) {
		const struct vrs_devdiff_event *a = &x->ev[i], *b = &y->ev[i];
		if (a->type != b->type || a->q != b->q)
			return 0; /* the runs parted */
		if (a->type == EV_POP) {
			if (a->rc != b->rc ||
			    (a->rc == 0 && (a->id != b->id || a->nout != b->nout ||
					    a->nin != b->nin ||
					    a->out_len != b->out_len ||
					    a->in_len != b->in_len)))
				return 0; /* the referee's to judge */
			continue;
		}
		if (a->id == b->id && a->in_len == b->in_len &&
		    a->nout == b->nout)
			continue;
		const char *wrong = !wrote_what_was_pushed(a) ? na
				    : !wrote_what_was_pushed(b) ? nb
								: "neither";
		snprintf(why, len, "device sides: q%u: used entry %u: %s "
			 "wrote id %u len %llu (used idx %u), %s wrote id %u "
			 "len %llu (used idx %u); the model device pushed id "
			 "%u len %u: %s is wrong", a->q, i, na, a->id,
			 (unsigned long long)a->in_len, a->nout, nb, b->id,
			 (unsigned long long)b->in_len, b->nout,
			 (unsigned)(a->out_len >> 32), (unsigned)a->out_len,
			 wrong);
		return 1;
	}
	return 0;
}

static int run_logged(struct vrs_sim *s, const struct vrs_sim_config *cfg,
		      const uint8_t *input, size_t len,
		      struct vrs_devdiff_log *log, struct vrs_sim_result *res)
{
	log->n = 0;
	log->overflow = false;
	const struct vrs_sim_hooks hooks = {
		.ctx = log, .on_popped = popped, .on_pushed = pushed,
	};
	return vrs_sim_run_hooked(s, &hooks, cfg, input, len, res);
}

int vrs_sim_device_differential(struct vrs_sim *s,
				const struct vrs_sim_config *cfg,
				const uint8_t *input, size_t len,
				struct vrs_sim_result *res)
{
	static struct vrs_devdiff_log *logs; /* two, made once per process */
	if (!logs && !(logs = calloc(2, sizeof(*logs))))
		return -ENOMEM;
	const struct vrs_device_ops *first = vrs_device_side_get(cfg->device_side);
	const struct vrs_device_ops *ours = vrs_device_side_get(VRS_DEVSIDE_VRSIM);
	if (!first)
		return -EINVAL;
	/* One driver input: what both device sides serve. */
	struct vrs_sim_config a = *cfg;
	a.differential = true;
	a.offered &= first->features & ours->features;
	int rc = run_logged(s, &a, input, len, &logs[0], res);
	/* A hostile driver's runs have findings a device side is not
	 * blamed for (DMA faults): they do not stop the comparison. */
	if (rc < 0 || res->outcome == VRS_OUT_REFUSED ||
	    cfg->device_side == VRS_DEVSIDE_VRSIM)
		return rc;
	struct vrs_sim_config b = a;
	b.device_side = VRS_DEVSIDE_VRSIM;
	struct vrs_sim_result rb;
	/* the reference run's findings are not the device side's: what the
	 * first run found stands */
	static struct vrs_report_saved found;
	vrs_report_save(&found);
	rc = run_logged(s, &b, input, len, &logs[1], &rb);
	vrs_report_restore(&found);
	if (rc < 0 || logs[0].overflow || logs[1].overflow)
		return rc;
	char why[240];
	if (!compare(&logs[0], &logs[1], first->name, ours->name, why,
		     sizeof(why)))
		return 0;
	vrs_diff_report(s, &a, &b, input, len, first->name, ours->name, why,
			res);
	return 0;
}
