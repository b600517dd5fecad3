/* The scheduler: the turns the run loop (run.c) takes. The steps an
 * input chooses (the driver submits and kicks, the device works and
 * interrupts, the driver handles the interrupt, IOMMU flushes, queue
 * resets), the steady cycles, and the drain that judges liveness once the
 * input has ended. The driver under test is reached only through its ops
 * table, the way a Linux driver calls virtqueue_*. */
#include <errno.h>

#include "run.h"

/* The device refused the driver's ring: with an honest driver that is the
 * driver's bug (protocol conformance), unless an earlier finding explains
 * it (a device reading ciphertext sees nonsense). */
static void device_refused(struct vrs_sim *s, unsigned q, const char *why)
{
	vrs_sim_device_dead(s, q, why);
	if (vrs_sim_honest(s) && vrs_sim_first_trouble())
		vrs_report(VRS_FIND_PROTOCOL,
			   "device q%u refused the honest driver's ring: %s", q,
			   why);
}

static void device_step(struct vrs_sim *s, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	if (sq->dead || !sq->woken)
		return;
	struct vrs_vqdev_req req;
	int rc = vrs_sim_pop(s, q, &req);
	if (rc == -EAGAIN) {
		/* Going idle: ask for kicks, then look once more so that a
		 * buffer added in between is not lost. */
		if (sq->dev->ops->set_kicks(sq->dev, true) < 0) {
			vrs_sim_device_dead(s, q, "cannot write the event area");
			return;
		}
		rc = vrs_sim_pop(s, q, &req);
		if (rc == -EAGAIN) {
			sq->woken = false;
			return;
		}
	}
	if (rc == 0) {
		/* Busy: kicks are not needed while we poll. */
		if (sq->dev->ops->set_kicks(sq->dev, false) < 0) {
			vrs_sim_device_dead(s, q, "cannot write the event area");
			return;
		}
		rc = s->model->serve(s, q, &req);
		if (rc == 0 || sq->dead)
			return;
	}
	if (rc == -EPROTO)
		device_refused(s, q, sq->dev->ops->error(sq->dev)[0]
					     ? sq->dev->ops->error(sq->dev)
					     : "malformed request");
	else
		vrs_sim_device_dead(s, q, rc == -EFAULT ? "bus fault" : "cannot serve");
}

static void device_irq(struct vrs_sim *s, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	if (sq->dead)
		return;
	bool raise = sq->dev->ops->need_interrupt(sq->dev);
	enum vrs_phase was = vrs_meter_enter(VRS_PHASE_CHECKS);
	vrs_sim_referee_irq(s, q, raise);
	vrs_meter_enter(was);
	/* A platform that loses an interrupt (the lose_irq_nth fault). */
	if (raise && ++s->irqs == s->cfg.lose_irq_nth)
		raise = false;
	if (raise)
		sq->irq_pending = true;
	vrs_trace(&s->trace, VRS_EV_DEV_IRQ, q, raise, 0, 0, NULL);
}

static void driver_broken(struct vrs_sim *s, unsigned q)
{
	const char *why = vrs_sim_keep(s, vrs_dq_broken_reason(s->q[q].dq));
	s->res->breaks++;
	vrs_trace(&s->trace, VRS_EV_DRV_BROKEN, q, 0, 0, 0, why);
	if (vrs_sim_honest(s) && vrs_sim_first_trouble())
		vrs_report(VRS_FIND_PROTOCOL,
			   "driver marked q%u broken with an honest device: %s",
			   q, why);
}

/* The interrupt handler, as a Linux driver's callback is written. */
static void driver_irq(struct vrs_sim *s, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	if (!sq->irq_pending)
		return;
	sq->irq_pending = false;
	vrs_trace(&s->trace, VRS_EV_DRV_IRQ, q, 0, 0, 0, NULL);
	for (unsigned rounds = 0; rounds <= vrs_dq_num(sq->dq); rounds++) {
		vrs_dq_disable_cb(sq->dq);
		for (;;) {
			uint32_t len;
			void *token;
			int rc = vrs_dq_get_buf(sq->dq, &len, &token);
			if (rc == -EAGAIN)
				break;
			if (rc < 0) {
				driver_broken(s, q);
				return;
			}
			sq->inflight--;
			s->res->completed++;
			vrs_trace(&s->trace, VRS_EV_DRV_GET, q,
				  vrs_sim_token_id(s, token), len, 0, NULL);
			if (s->hooks && s->hooks->on_used)
				s->hooks->on_used(s->hooks->ctx, s, q, token,
						  len);
			s->model->complete(s, q, token, len, true);
		}
		if (vrs_dq_enable_cb(sq->dq))
			return;
	}
}

static void driver_kick(struct vrs_sim *s, unsigned q)
{
	bool notified = vrs_dq_kick(s->q[q].dq);
	vrs_trace(&s->trace, VRS_EV_DRV_KICK, q, notified, 0, 0, NULL);
}

/* Per-queue reset (RING_RESET), possibly resizing. */
static void queue_reset(struct vrs_sim *s, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	if (!vrs_has_feature(s->accepted, VRS_F_RING_RESET))
		return;
	unsigned num = vrs_dq_num(sq->dq);
	uint8_t how = vrs_provider_u8(&s->prov) % 3;
	unsigned new_num = how == 0 ? num : how == 1 ? num / 2 : num * 2;
	/* Never above the size the queue was made with: the device's
	 * maximum (QueueNumMax; Linux's num_max refuses more). */
	if (new_num < 2 || new_num > s->cfg.queue_size)
		new_num = num;
	vrs_trace(&s->trace, VRS_EV_RESET, q, new_num, 0, 0, NULL);
	vrs_sim_release_unused(s, q);
	sq->woken = sq->irq_pending = false;
	/* dead when the driver could not get ring memory */
	sq->dead = vrs_qpair_reset(&s->pair[q], new_num) < 0;
	if (!sq->dead)
		vrs_sim_referee_start(s, q);
}

enum { OP_SUBMIT, OP_KICK, OP_DEVICE, OP_DEV_IRQ, OP_DRV_IRQ, OP_FLUSH,
       OP_RESET, OP_COUNT };

/* Op byte to op: the common steps get more of the byte's range. */
static unsigned decode_op(uint8_t b)
{
	static const uint8_t bounds[OP_COUNT] = {80, 112, 176, 200, 244, 250, 255};
	unsigned op = 0;
	while (op < OP_COUNT - 1 && b >= bounds[op])
		op++;
	return op;
}

/* The hostile driver's side of the steps that belong to the driver. */
static bool raw_step(struct vrs_sim *s, unsigned op, unsigned q)
{
	struct vrs_sim_queue *sq = &s->q[q];
	switch (op) {
	case OP_SUBMIT:
		vrs_rawdrv_submit(s, q);
		return true;
	case OP_KICK:
		sq->woken = true;
		return true;
	case OP_DRV_IRQ:
		sq->irq_pending = false;
		return true;
	case OP_RESET: {
		/* Reset the device so the next nonsense meets a live one. */
		sq->dead = vrs_qpair_reset_device(&s->pair[q]) < 0;
		if (!sq->dead)
			vrs_sim_referee_start(s, q);
		return true;
	}
	default:
		return false;
	}
}

static const char *const op_names[OP_COUNT] = {
	"driver submits", "driver kicks", "device works", "device may interrupt",
	"driver handles interrupt", "iommu flush", "queue reset",
};

void vrs_sim_step(struct vrs_sim *s)
{
	uint8_t b = vrs_provider_u8(&s->prov);
	unsigned q = s->nq > 1 ? vrs_provider_u8(&s->prov) % s->nq : 0;
	unsigned op = decode_op(b);
	vrs_trace(&s->trace, VRS_EV_OP, q, op, 0, 0, op_names[op]);
	if (s->cfg.raw_driver && raw_step(s, op, q))
		return;
	switch (op) {
	case OP_SUBMIT:
		s->model->submit(s, &s->prov);
		break;
	case OP_KICK:
		driver_kick(s, q);
		break;
	case OP_DEVICE:
		device_step(s, q);
		break;
	case OP_DEV_IRQ:
		device_irq(s, q);
		break;
	case OP_DRV_IRQ:
		driver_irq(s, q);
		break;
	case OP_FLUSH:
		vrs_machine_iommu_flush(s->m);
		vrs_trace(&s->trace, VRS_EV_IOMMU_FLUSH, 0, 0, 0, 0, NULL);
		break;
	default:
		queue_reset(s, q);
		break;
	}
}

/* The device works while it is woken (a ring's worth at most), then
 * decides on an interrupt. */
static void device_round(struct vrs_sim *s, unsigned q)
{
	for (unsigned k = 0; k <= vrs_dq_num(s->q[q].dq) && s->q[q].woken &&
			     !s->q[q].dead;
	     k++)
		device_step(s, q);
	device_irq(s, q);
}

static bool any_queue_alive(const struct vrs_sim *s)
{
	for (unsigned q = 0; q < s->nq; q++)
		if (!s->q[q].dead && !vrs_dq_broken(s->q[q].dq))
			return true;
	return false;
}

void vrs_sim_steady(struct vrs_sim *s, unsigned cycles)
{
	struct vrs_provider input = s->prov;
	vrs_provider_seeded(&s->prov, s->cfg.seed ^ 0x57eadull);
	vrs_trace(&s->trace, VRS_EV_STEADY, 0, cycles, 0, 0, NULL);
	for (unsigned c = 0; c < cycles; c++) {
		if (!any_queue_alive(s) || !vrs_sim_first_trouble())
			break;
		/* Each cycle is a step of the run, numbered as one in the
		 * trace and counted in the result. */
		s->trace.step = ++s->res->steps;
		unsigned q0 = c % s->nq;
		if (s->cfg.raw_driver) {
			vrs_rawdrv_request(s, q0);
			s->q[q0].woken = true;
		} else {
			s->model->submit(s, &s->prov);
			for (unsigned q = 0; q < s->nq; q++)
				driver_kick(s, q);
		}
		for (unsigned q = 0; q < s->nq; q++) {
			device_round(s, q);
			if (s->cfg.raw_driver)
				s->q[q].irq_pending = false;
			else
				driver_irq(s, q);
		}
		if ((c + 1) % VRS_SIM_CHECK_EVERY == 0)
			vrs_sim_check_state(s);
	}
	s->prov = input;
}

static unsigned outstanding(const struct vrs_sim *s)
{
	unsigned n = 0;
	for (unsigned q = 0; q < s->nq; q++)
		if (!s->q[q].dead && !vrs_dq_broken(s->q[q].dq))
			n += s->q[q].inflight;
	return n;
}

/* Liveness: with the workload over, honest parties finish every buffer
 * within a bound. The driver kicks as it must after adding; the device
 * works while woken and interrupts as the driver asked. */
void vrs_sim_drain(struct vrs_sim *s)
{
	vrs_trace(&s->trace, VRS_EV_DRAIN, 0, outstanding(s), 0, 0, NULL);
	unsigned bound = 8 + 2 * (s->cfg.queue_size ? s->cfg.queue_size : 64);
	for (unsigned r = 0; r < bound && outstanding(s); r++) {
		for (unsigned q = 0; q < s->nq; q++)
			driver_kick(s, q);
		for (unsigned q = 0; q < s->nq; q++)
			device_round(s, q);
		for (unsigned q = 0; q < s->nq; q++)
			driver_irq(s, q);
	}
	unsigned left = outstanding(s);
	if (left && vrs_sim_honest(s) && vrs_sim_first_trouble())
		vrs_report(VRS_FIND_LIVENESS,
			   "%u buffers still in flight %u rounds after the "
			   "workload ended (lost kick or interrupt?)",
			   left, bound);
}
