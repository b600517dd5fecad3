/* The simulator itself: what it is made of and keeps from run to run
 * (the machine, the device's iov array, the models' arrays), the names
 * of devices and outcomes, and the trace of the last run. A run is set
 * up in setup.c, driven in run.c and served by services.c. */
#include "sim/sim.h"

#include <stdlib.h>
#include <string.h>

#include "sim/kmem.h"
#include "sim_internal.h"
#include "vrsim/guard.h"

static const char *const device_names[VRS_DEV_COUNT] = {
	[VRS_DEV_BLK] = "blk",
	[VRS_DEV_NET] = "net",
	[VRS_DEV_ADVERSARIAL] = "adversarial",
};

static const char *const outcome_names[VRS_OUT_COUNT] = {
	[VRS_OUT_WORKS] = "works",
	[VRS_OUT_REFUSED] = "refused cleanly",
	[VRS_OUT_PRIVATE] = "private-memory access",
	[VRS_OUT_DMA_FAULT] = "DMA fault",
	[VRS_OUT_BROKEN] = "broken",
	[VRS_OUT_FINDING] = "finding",
};

const char *vrs_device_name(enum vrs_device_kind d)
{
	return (unsigned)d < VRS_DEV_COUNT ? device_names[d] : "?";
}

int vrs_device_by_name(const char *name, enum vrs_device_kind *out)
{
	for (unsigned i = 0; name && i < VRS_DEV_COUNT; i++) {
		if (strcmp(device_names[i], name) == 0) {
			*out = (enum vrs_device_kind)i;
			return 0;
		}
	}
	return -ENOENT;
}

const char *vrs_outcome_name(enum vrs_outcome o)
{
	return (unsigned)o < VRS_OUT_COUNT ? outcome_names[o] : "?";
}


const struct vrs_model_ops *const vrs_sim_models[VRS_DEV_COUNT] = {
	[VRS_DEV_BLK] = &vrs_model_blk,
	[VRS_DEV_NET] = &vrs_model_net,
	[VRS_DEV_ADVERSARIAL] = &vrs_model_adversarial,
};

int vrs_sim_create(struct vrs_sim **out)
{
	VRS_ENSURE(out, EINVAL);
	struct vrs_sim *s = calloc(1, sizeof(*s));
	VRS_ENSURE(s, ENOMEM);
	int rc = vrs_machine_create(NULL, &s->m);
	if (rc < 0) {
		free(s);
		return rc;
	}
	s->iov = calloc(VRS_SIM_MAX_IOV, sizeof(*s->iov));
	rc = s->iov ? 0 : -ENOMEM;
	for (unsigned d = 0; d < VRS_DEV_COUNT; d++)
		for (unsigned k = 0; k < VRS_SIM_MODEL_ARRAYS; k++) {
			size_t size = vrs_sim_models[d]->arrays[k];
			if (size && !(s->model_arrays[d][k] = calloc(1, size)))
				rc = -ENOMEM;
		}
	if (rc < 0) {
		vrs_sim_destroy(s);
		return rc;
	}
	vrs_sim_kmem(vrs_machine_gmem(s->m), &s->kmem);
	*out = s;
	return 0;
}

void vrs_sim_destroy(struct vrs_sim *s)
{
	if (!s)
		return;
	for (unsigned q = 0; q < VRS_SIM_MAX_QUEUES; q++)
		vrs_qpair_destroy(&s->pair[q]);
	vrs_machine_destroy(s->m);
	for (unsigned d = 0; d < VRS_DEV_COUNT; d++)
		for (unsigned k = 0; k < VRS_SIM_MODEL_ARRAYS; k++)
			free(s->model_arrays[d][k]);
	free(s->iov);
	free(s);
}

void vrs_sim_set_live_trace(struct vrs_sim *s, FILE *f)
{
	s->trace.live = f;
}

void vrs_sim_print_trace(const struct vrs_sim *s, FILE *f, unsigned n)
{
	vrs_trace_print(&s->trace, f, n);
}
