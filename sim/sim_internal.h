/* What the parts of a run share: its state, and the services the loop
 * (run.h: run.c, scheduler.c), the hostile driver (rawdrv.c), the referee
 * (refereeing.c) and the model devices (model_*.c) call. Everything
 * declared here sits below the loop: it never calls the loop back. */
#ifndef VRSIM_SIM_SIM_INTERNAL_H
#define VRSIM_SIM_SIM_INTERNAL_H

#include "sim/machine.h"
#include "sim/meter.h"
#include "pattern.h"
#include "sim/provider.h"
#include "sim/qpair.h"
#include "sim/referee.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "vrsim/kmem.h"
#include "vrsim/virtio.h"
#include "vrsim/device.h"
#include "vrsim/driver.h"
#include "vrsim/vqdev.h"

#define VRS_SIM_MAX_QUEUES 2
/* The longest chain a device must take: the queue size (2.7.5.3.1). */
#define VRS_SIM_MAX_IOV VRS_MAX_QUEUE_SIZE
#define VRS_SIM_MODEL_ARRAYS 2

struct vrs_sim_queue {
	/* The run's queue pair (s->pair[q]), for short. */
	struct vrs_driver_queue *dq; /* the driver under test's queue */
	struct vrs_device_queue *dev; /* the device side under test's */
	bool woken;	   /* the device was kicked and has not gone idle */
	bool irq_pending;  /* the device raised an interrupt */
	bool dead;	   /* the device stopped (bus fault, protocol error) */
	unsigned inflight; /* buffers the driver has posted */
	/* the referee of this queue's device (refereeing.c) */
	struct vrs_referee ref;
	bool refereed;	    /* judging: off after its finding, or unset */
	uint16_t irq_used;  /* device's used position at the last decision */
	bool irq_used_wrap;
};

struct vrs_model_ops {
	const char *name;
	unsigned nqueues;
	/* Start of a run: forget the previous run's requests. */
	void (*reset)(struct vrs_sim *s);
	/* Driver half: post one unit of work chosen by the provider. */
	void (*submit)(struct vrs_sim *s, struct vrs_provider *p);
	/* Driver half: a buffer came back (len bytes written) or was
	 * detached unused (used == false). Checks data, frees it. */
	void (*complete)(struct vrs_sim *s, unsigned q, void *token,
			 uint32_t len, bool used);
	/* Device half: serve one popped chain; must push it (or fail). */
	int (*serve)(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req);
	/* Number of requests the driver side may have outstanding. */
	unsigned max_tokens;
	/* Bytes of each array the model indexes by counts the ring
	 * supplies (0: none): each gets its own allocation of exactly that
	 * size (vrs_sim_model_array), so AddressSanitizer sees one element
	 * too many where inside model_state it would land on a neighbour. */
	size_t arrays[VRS_SIM_MODEL_ARRAYS];
};

extern const struct vrs_model_ops vrs_model_blk;
extern const struct vrs_model_ops vrs_model_net;
extern const struct vrs_model_ops vrs_model_adversarial;

/* The hostile driver of fuzz_device (sim/rawdrv.c). */
#define VRS_RAW_BUFS 4
#define VRS_RAW_BUF_LEN 4096u
/* Long indirect tables: 4096 entries, a mapping every DMA path can make
 * (a swiotlb segment holds 256 KiB). */
#define VRS_RAW_TABLE_ENTRIES 4096u
struct vrs_rawdrv {
	uint8_t *buf[VRS_RAW_BUFS];
	vrs_dma_addr_t addr[VRS_RAW_BUFS]; /* mapped BIDIRECTIONAL */
	uint8_t *table;			   /* VRS_RAW_TABLE_ENTRIES * 16 bytes */
	vrs_dma_addr_t table_addr;	   /* mapped TO_DEVICE */
	uint8_t *ro_used[VRS_SIM_MAX_QUEUES]; /* used rings the device may */
	vrs_dma_addr_t ro_used_addr[VRS_SIM_MAX_QUEUES]; /* only read */
	size_t ro_used_len;
	uint8_t *spare;		   /* remap-tables: the other table buffer */
	uint16_t avail_idx[VRS_SIM_MAX_QUEUES];
	uint16_t next[VRS_SIM_MAX_QUEUES];  /* packed: next slot to publish */
	bool wrap[VRS_SIM_MAX_QUEUES];
};

void vrs_rawdrv_start(struct vrs_sim *s);
void vrs_rawdrv_submit(struct vrs_sim *s, unsigned q);
/* A well-formed request the model devices serve (the steady phase's). */
void vrs_rawdrv_request(struct vrs_sim *s, unsigned q);
void vrs_rawdrv_stop(struct vrs_sim *s);

/* What a mode built on the run watches of it (differential.c, devdiff.c):
 * it hands these to vrs_sim_run_hooked (run.h), and the run calls each
 * one that is set as the event happens, with ctx. The run knows no mode
 * by name. */
struct vrs_sim_hooks {
	void *ctx;
	/* The driver's add of token on queue q returned rc. */
	void (*on_added)(void *ctx, struct vrs_sim *s, unsigned q,
			 const void *token, int rc);
	/* The driver got token back from queue q, len bytes used. */
	void (*on_used)(void *ctx, struct vrs_sim *s, unsigned q,
			const void *token, uint32_t len);
	/* The device's pop on queue q returned rc (req filled when 0). */
	void (*on_popped)(void *ctx, struct vrs_sim *s, unsigned q, int rc,
			  const struct vrs_vqdev_req *req);
	/* The device pushed chain id on queue q with len bytes written. */
	void (*on_pushed)(void *ctx, struct vrs_sim *s, unsigned q, uint16_t id,
			  uint32_t len);
};

struct vrs_sim {
	struct vrs_machine *m;
	const struct vrs_sim_hooks *hooks; /* this run's, or NULL */
	struct vrs_kmem kmem;
	struct vrs_sim_config cfg;
	const struct vrs_model_ops *model;
	const struct vrs_driver_ops *driver; /* the driver under test */
	const struct vrs_device_ops *device_side; /* the device side under test */
	const struct vrs_dma *dma; /* what the driver uses (policy) */
	uint64_t accepted;
	struct vrs_sim_queue q[VRS_SIM_MAX_QUEUES];
	unsigned nq;
	/* The queue pairs, kept from run to run (shut down in between) so
	 * a fuzz input allocates no host memory for them. */
	struct vrs_qpair pair[VRS_SIM_MAX_QUEUES];
	struct vrs_provider prov;
	struct vrs_trace trace;
	struct vrs_sim_result *res;
	bool device_under_test;	/* the driver is adversarial: device findings */
	bool driver_under_test; /* the device is adversarial: driver findings */
	uint32_t serial;	/* request serial numbers, for data patterns */
	uint32_t irqs;		/* interrupts raised, for lose_irq_nth */
	bool state_reported;	/* a validity check failed this run */
	/* The device's iov array, VRS_SIM_MAX_IOV entries: its own
	 * allocation, so an overrun is AddressSanitizer's to see. */
	struct vrs_iov *iov;
	/* vrs_sim_model_array's allocations, per model and slot */
	void *model_arrays[VRS_DEV_COUNT][VRS_SIM_MODEL_ARRAYS];
	struct vrs_rawdrv raw;
	/* Copies of reason strings the trace points at (the queue that
	 * owned the original may be gone when the trace is printed). */
	char reasons[32][200];
	unsigned nreasons;
	/* model state lives here, sized for the largest model */
	uint64_t model_state[4096];
};

/* The model of each device kind (sim.c). */
extern const struct vrs_model_ops *const vrs_sim_models[VRS_DEV_COUNT];

/* The run's services (services.c), for the loop, the hostile driver and
 * the models. None of them calls back into the loop (run.h). */
/* True when nothing has gone wrong yet in this run: follow-on symptoms of
 * an earlier finding are not findings of their own. */
bool vrs_sim_first_trouble(void);
/* Both parties honest: data and liveness mean something. */
bool vrs_sim_honest(const struct vrs_sim *s);
/* A stable copy of a reason string for the trace. */
const char *vrs_sim_keep(struct vrs_sim *s, const char *why);
/* The device stopped on queue q (bus fault, protocol error, ...). */
void vrs_sim_device_dead(struct vrs_sim *s, unsigned q, const char *why);
/* A token as the trace shows it, the same on every run and build. */
uint64_t vrs_sim_token_id(const struct vrs_sim *s, const void *token);
/* Whether the queues use the packed layout. */
static inline bool vrs_sim_packed(const struct vrs_sim *s)
{
	return vrs_has_feature(s->accepted, VRS_F_RING_PACKED);
}
/* Detach every buffer the device has not used and hand it back. */
void vrs_sim_release_unused(struct vrs_sim *s, unsigned q);

/* A run's set-up and its end (setup.c), in the order the loop calls them.
 * Take cfg, negotiate, decide the DMA path and set the machine up: -EINVAL
 * for a configuration that cannot be run; res->path is VRS_REFUSE (and
 * res says why) when the device is refused at FEATURES_OK. */
int vrs_sim_begin(struct vrs_sim *s, const struct vrs_sim_config *cfg,
		  const uint8_t *input, size_t len, struct vrs_sim_result *res);
/* Open the queue pairs (the probe); negative when one cannot be. */
int vrs_sim_open_queues(struct vrs_sim *s);
/* Hand back what the device did not use, shut the queues down and check
 * that no mapping is left. */
void vrs_sim_close_queues(struct vrs_sim *s);
/* How the run ended, from the findings and the queues' state. */
void vrs_sim_classify(struct vrs_sim *s, bool probe_failed);

/* The referee at work (refereeing.c). Start judging queue q where its
 * device stands now (after set-up and every reset). */
void vrs_sim_referee_start(struct vrs_sim *s, unsigned q);
/* Before a pop: the verdict on the chain the device is about to take;
 * false when there is none to hold the device to. */
bool vrs_sim_referee_judge(struct vrs_sim *s, unsigned q,
			   struct vrs_referee_chain *want);
/* After the pop (rc, and req when 0): the device against the verdict. */
void vrs_sim_referee_check(struct vrs_sim *s, unsigned q,
			   const struct vrs_referee_chain *want, int rc,
			   const struct vrs_vqdev_req *req);
/* The device's interrupt decision against the driver's suppression. */
void vrs_sim_referee_irq(struct vrs_sim *s, unsigned q, bool raised);

/* The validity checks (checks.c). Run every validity check of the queues
 * and the machine; a failure is a finding (protocol: an object's own
 * state went wrong). */
void vrs_sim_check_state(struct vrs_sim *s);
/* The loop checks the state every this many steps: chosen by
 * measurement (docs/simulation.md, "The driver under test") to cost fuzz_sim under
 * 10% of its rate; -DVRS_SIM_CHECK_EVERY=N measures another N. */
#ifndef VRS_SIM_CHECK_EVERY
#define VRS_SIM_CHECK_EVERY 64
#endif

/* For models: array k of the running model (its ops' arrays[k] bytes,
 * kept from run to run; contents are the model's to reset). */
void *vrs_sim_model_array(struct vrs_sim *s, unsigned k);
/* For models: guest memory as the driver sees it. */
void *vrs_sim_kmalloc(struct vrs_sim *s, size_t size);
void vrs_sim_kfree(struct vrs_sim *s, void *p, size_t size);
/* Driver add with bookkeeping and tracing; returns the driver's value. */
int vrs_sim_add(struct vrs_sim *s, unsigned q, const struct vrs_sg *sg,
		unsigned out, unsigned in, void *token);
/* Device push with tracing; marks the queue dead on failure. */
int vrs_sim_push(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req,
		 uint32_t len);
/* Device pop for models that take several chains at once (mergeable rx). */
int vrs_sim_pop(struct vrs_sim *s, unsigned q, struct vrs_vqdev_req *req);
const struct vrs_bus *vrs_sim_bus(struct vrs_sim *s);
/* Report a data-integrity finding through the one oracle sink. */
void vrs_sim_integrity(struct vrs_sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
