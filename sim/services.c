/* The run's services: what the loop, the hostile driver and the models
 * call while a run goes on. The driver's adds and the device's pops and
 * pushes go through here, with their bookkeeping, their trace and the
 * run's hooks (a mode built on the run watches them there); the rest are
 * guest memory for the models, reasons kept for the trace and the
 * helpers every oracle asks. Nothing here calls the loop (run.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "sim_internal.h"
#include "vrsim/guard.h"

void *vrs_sim_model_array(struct vrs_sim *s, unsigned k)
{
	return s->model_arrays[s->cfg.device][k];
}

/* A token as the trace shows it: its offset in the model's state, the same
 * on every run and every build (a host pointer is not). */
uint64_t vrs_sim_token_id(const struct vrs_sim *s, const void *token)
{
	uintptr_t t = (uintptr_t)token, base = (uintptr_t)s->model_state;
	return t - base < sizeof(s->model_state) ? t - base : t;
}

void *vrs_sim_kmalloc(struct vrs_sim *s, size_t size)
{
	return s->kmem.alloc(s->kmem.ctx, size);
}

void vrs_sim_kfree(struct vrs_sim *s, void *p, size_t size)
{
	s->kmem.free(s->kmem.ctx, p, size);
}

const struct vrs_bus *vrs_sim_bus(struct vrs_sim *s)
{
	return vrs_machine_bus(s->m);
}

bool vrs_sim_first_trouble(void)
{
	return vrs_report_count(VRS_FIND_COUNT) == 0;
}

bool vrs_sim_honest(const struct vrs_sim *s)
{
	return !s->driver_under_test && !s->device_under_test;
}

void vrs_sim_integrity(struct vrs_sim *s, const char *fmt, ...)
{
	/* Data means something only when both sides are honest. */
	if (!vrs_sim_honest(s))
		return;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vrs_trace(&s->trace, VRS_EV_FINDING, 0, 0, 0, 0, "data-integrity");
	vrs_report(VRS_FIND_DATA_INTEGRITY, "%s", msg);
}

int vrs_sim_add(struct vrs_sim *s, unsigned q, const struct vrs_sg *sg,
		unsigned out, unsigned in, void *token)
{
	struct vrs_sim_queue *sq = &s->q[q];
	int rc = vrs_dq_add(sq->dq, sg, out, in, token);
	if (s->hooks && s->hooks->on_added)
		s->hooks->on_added(s->hooks->ctx, s, q, token, rc);
	if (rc == 0) {
		sq->inflight++;
		s->res->submitted++;
		vrs_trace(&s->trace, VRS_EV_DRV_ADD, q, vrs_sim_token_id(s, token),
			  out, in, NULL);
	} else {
		vrs_trace(&s->trace, VRS_EV_DRV_ADD_FAIL, q, 0, 0, 0,
			  rc == -ENOSPC ? "-ENOSPC (ring full)"
			  : rc == -ENOMEM ? "-ENOMEM (mapping failed)"
			  : rc == -EIO	  ? "-EIO"
					  : "invalid");
	}
	return rc;
}

const char *vrs_sim_keep(struct vrs_sim *s, const char *why)
{
	char *slot = s->reasons[s->nreasons++ % VRS_ARRAY_SIZE(s->reasons)];
	snprintf(slot, sizeof(s->reasons[0]), "%s", why);
	return slot;
}

void vrs_sim_device_dead(struct vrs_sim *s, unsigned q, const char *why)
{
	s->q[q].dead = true;
	s->res->breaks++;
	vrs_trace(&s->trace, VRS_EV_DEV_ERROR, q, 0, 0, 0,
		  vrs_sim_keep(s, why));
}

int vrs_sim_push(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req,
		 uint32_t len)
{
	/* Device conformance: an honest model (any but the adversarial
	 * one, whose run has the driver under test) never claims more bytes
	 * than the chain let it write. With a hostile driver (fuzz_device)
	 * nobody else would notice. */
	if (!s->driver_under_test && len > req->in_len)
		vrs_report(VRS_FIND_PROTOCOL,
			   "device q%u used id %u with len %u, beyond the "
			   "chain's %llu writable bytes", q, req->id, len,
			   (unsigned long long)req->in_len);
	int rc = s->q[q].dev->ops->push(s->q[q].dev, req, len);
	if (rc < 0) {
		vrs_sim_device_dead(s, q, "push failed");
	} else {
		s->res->used++;
		vrs_trace(&s->trace, VRS_EV_DEV_PUSH, q, req->id, len, 0, NULL);
		if (s->hooks && s->hooks->on_pushed)
			s->hooks->on_pushed(s->hooks->ctx, s, q, req->id, len);
	}
	return rc;
}

int vrs_sim_pop(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req)
{
	req->iov = s->iov;
	req->iov_cap = VRS_SIM_MAX_IOV;
	struct vrs_referee_chain want;
	enum vrs_phase was = vrs_meter_enter(VRS_PHASE_CHECKS);
	bool judged = vrs_sim_referee_judge(s, q, &want);
	vrs_meter_enter(was);
	int rc = s->q[q].dev->ops->pop(s->q[q].dev, req);
	if (judged) {
		vrs_meter_enter(VRS_PHASE_CHECKS);
		vrs_sim_referee_check(s, q, &want, rc, req);
		vrs_meter_enter(was);
	}
	if (s->hooks && s->hooks->on_popped)
		s->hooks->on_popped(s->hooks->ctx, s, q, rc, req);
	if (rc == 0)
		vrs_trace(&s->trace, VRS_EV_DEV_POP, q, req->id, req->nout,
			  req->nin, NULL);
	return rc;
}

/* Detach every buffer the device has not used and hand it back. */
void vrs_sim_release_unused(struct vrs_sim *s, unsigned q)
{
	void *token;
	while (vrs_dq_detach_unused(s->q[q].dq, &token) == 0) {
		s->q[q].inflight--;
		s->res->released++;
		s->model->complete(s, q, token, 0, false);
	}
}
