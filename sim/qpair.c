/* The queue-pair fixture; see sim/qpair.h. */
#include "sim/qpair.h"

#include <string.h>

#include "vrsim/guard.h"
#include "vrsim/vq.h"

void vrs_qpair_device_config(const struct vrs_qpair *qp,
			     struct vrs_vqdev_config *out)
{
	*out = (struct vrs_vqdev_config){
		.num = vrs_dq_num(qp->dq),
		.features = qp->cfg.features,
		.big_endian_guest = qp->cfg.big_endian_guest,
		.bus = vrs_machine_bus(qp->m),
		.start = qp->cfg.start,
		.mappings = vrs_machine_mappings(qp->m),
		.phys = vrs_machine_phys_bus(qp->m),
		.gm = vrs_machine_gmem(qp->m),
		.bus_is_gpa = vrs_machine_bus_is_gpa(qp->m),
	};
	vrs_dq_addrs(qp->dq, &out->addrs);
	if (qp->moved_used)
		out->addrs.device = qp->moved_used;
}

static void free_driver_queue(struct vrs_qpair *qp)
{
	if (qp->dq)
		qp->driver->destroy(qp->dq);
	qp->dq = NULL;
}

static void free_device_queue(struct vrs_qpair *qp)
{
	if (qp->dev)
		qp->device->destroy(qp->dev);
	qp->dev = NULL;
}

int vrs_qpair_open(struct vrs_qpair *qp, struct vrs_machine *m,
		   const struct vrs_qpair_config *cfg)
{
	VRS_ENSURE(qp && m && cfg && cfg->kmem, EINVAL);
	const struct vrs_driver_ops *driver =
		cfg->driver ? cfg->driver : &vrs_ring_driver;
	const struct vrs_device_ops *device =
		cfg->device ? cfg->device : &vrs_ring_device;
	if (qp->driver != driver)
		free_driver_queue(qp);
	if (qp->device != device)
		free_device_queue(qp);
	qp->driver = driver;
	qp->device = device;
	qp->m = m;
	qp->moved_used = 0;
	qp->cfg = *cfg;
	qp->cfg.driver = driver;
	qp->cfg.device = device;
	if (!qp->cfg.dma)
		qp->cfg.dma = vrs_machine_dma(m);
	struct vrs_driver_queue_config qc = {
		.index = cfg->index,
		.num = cfg->num,
		.features = cfg->features,
		.big_endian_guest = cfg->big_endian_guest,
		.dma = qp->cfg.dma,
		.kmem = cfg->kmem,
		.notify = cfg->notify,
		.notify_ctx = cfg->notify_ctx,
		.phys = vrs_machine_phys(m),
		.xen_domain = vrs_machine_platform(m)->xen_domain,
		.choose = cfg->choose,
		.choose_ctx = cfg->choose_ctx,
		.device_honest = cfg->device_honest,
		.start = cfg->start,
	};
	VRS_GUARD(qp->dq ? driver->restart(qp->dq, &qc)
			 : driver->create(&qc, &qp->dq));
	struct vrs_vqdev_config dc;
	vrs_qpair_device_config(qp, &dc);
	int rc = qp->dev ? device->reset(qp->dev, &dc)
			 : device->create(&dc, &qp->dev);
	if (rc < 0)
		driver->shutdown(qp->dq); /* leave no ring behind */
	return rc;
}

int vrs_qpair_reset(struct vrs_qpair *qp, unsigned new_num)
{
	VRS_GUARD(vrs_dq_reset(qp->dq, new_num));
	return vrs_qpair_reset_device(qp);
}

int vrs_qpair_move_used(struct vrs_qpair *qp, vrs_dma_addr_t addr)
{
	qp->moved_used = addr;
	return vrs_qpair_reset_device(qp);
}

int vrs_qpair_reset_device(struct vrs_qpair *qp)
{
	struct vrs_vqdev_config dc;
	vrs_qpair_device_config(qp, &dc);
	return qp->device->reset(qp->dev, &dc);
}

void vrs_qpair_shutdown(struct vrs_qpair *qp)
{
	if (qp->dq)
		qp->driver->shutdown(qp->dq);
}

void vrs_qpair_destroy(struct vrs_qpair *qp)
{
	if (!qp)
		return;
	free_driver_queue(qp);
	free_device_queue(qp);
	memset(qp, 0, sizeof(*qp));
}
