/* One simulated run: feature negotiation, the DMA-use policy, a driver and a
 * model device on a platform, a deterministic scheduler interleaving their
 * steps from a byte stream or a seeded generator, and the oracles. */
#ifndef VRSIM_SIM_SIM_H
#define VRSIM_SIM_SIM_H

#include <stdio.h>

#include "sim/device_registry.h"
#include "sim/driver_registry.h"
#include "sim/policy.h"
#include "vrsim/report.h"

enum vrs_device_kind {
	VRS_DEV_BLK = 0,     /* request header, data, status byte */
	VRS_DEV_NET,	     /* tx and rx with headers, mergeable rx */
	VRS_DEV_ADVERSARIAL, /* every device write comes from the input */
	VRS_DEV_COUNT,
};

const char *vrs_device_name(enum vrs_device_kind d);
int vrs_device_by_name(const char *name, enum vrs_device_kind *out);

struct vrs_sim_config {
	enum vrs_driver_id driver; /* the driver under test */
	enum vrs_device_side_id device_side; /* the device side under test
					      * (0: vrsim's own) */
	enum vrs_platform_id platform;
	enum vrs_policy policy;
	enum vrs_device_kind device;
	uint64_t offered;	  /* ring and transport bits the device offers */
	uint64_t driver_features; /* bits the driver may accept (the driver
				   * under test also masks what it lacks) */
	unsigned queue_size;	  /* 0: 64; at most VRS_MAX_QUEUE_SIZE */
	bool big_endian_guest;
	bool lazy_iotlb;
	uint64_t min_align_mask;
	uint32_t fail_nth;	  /* DMA fault injection */
	bool fail_persistent;
	bool raw_driver;	  /* a hostile driver writes raw ring memory
				   * (fuzz_device); the device is under test */
	bool ro_used;		  /* it gives the device a used ring mapped
				   * read-only for the device */
	bool kern_flavour;	  /* the input asks a Linux device side for
				   * vringh's _kern flavour (sim/input.c) */
	bool remap_tables;	  /* it unmaps an indirect table it published
				   * and writes the next one elsewhere */
	bool long_chains;	  /* its well-formed requests run as long as
				   * the queue (direct) or an indirect table
				   * of up to VRS_RAW_TABLE_ENTRIES allows */
	uint32_t corrupt_nth;	  /* faulty DMA engine: corrupt the Nth device write */
	uint32_t lose_irq_nth;	  /* faulty interrupt delivery: lose the Nth one */
	bool differential;	  /* vrs_sim_differential: the driver makes no
				   * input picks, so two drivers read one
				   * workload alike */
	uint16_t start;		  /* where the rings' indices start
				   * (vrs_packed_start in vrsim/virtio.h) */
	unsigned steady_cycles;	  /* after the workload: this many small
				   * complete cycles, every oracle armed */
	unsigned steps;		  /* workload steps; 0: until the input ends */
	uint64_t seed;		  /* generator seed when there is no input */
};

/* The standard driver: every ring feature vrsim implements, and
 * ACCESS_PLATFORM, as Linux accepts it. */
#define VRS_DRIVER_FEATURES_ALL                                                \
	(VRS_BIT(VRS_F_INDIRECT_DESC) | VRS_BIT(VRS_F_EVENT_IDX) |             \
	 VRS_BIT(VRS_F_VERSION_1) | VRS_BIT(VRS_F_ACCESS_PLATFORM) |          \
	 VRS_BIT(VRS_F_RING_PACKED) | VRS_BIT(VRS_F_IN_ORDER) |               \
	 VRS_BIT(VRS_F_NOTIFICATION_DATA) | VRS_BIT(VRS_F_RING_RESET))

/* How a run ended, most telling first. */
enum vrs_outcome {
	VRS_OUT_WORKS = 0,
	VRS_OUT_REFUSED,   /* refused cleanly at FEATURES_OK */
	VRS_OUT_PRIVATE,   /* the device touched private memory */
	VRS_OUT_DMA_FAULT, /* a device access was refused by the platform */
	VRS_OUT_BROKEN,	   /* the driver or the device gave up on the ring */
	VRS_OUT_FINDING,   /* another oracle fired */
	VRS_OUT_COUNT,
};

const char *vrs_outcome_name(enum vrs_outcome o);

struct vrs_sim_result {
	enum vrs_outcome outcome;
	enum vrs_policy_decision path;
	uint64_t accepted;
	unsigned steps, submitted, completed, released;
	unsigned used;	   /* buffers the device put in the used ring */
	unsigned breaks;   /* times a queue was broken or refused by a side */
	unsigned findings; /* total findings in this run */
	enum vrs_finding first_finding;
	char detail[200];  /* refusal, broken reason or first finding */
};

struct vrs_sim;

/* FEATURES_OK: what the driver accepts of what is offered (the packed
 * layout exists only with VERSION_1). The device offers only what its
 * device side under test (cfg->device_side) can serve. */
uint64_t vrs_sim_negotiate(const struct vrs_sim_config *cfg,
			   const struct vrs_driver_ops *driver);

int vrs_sim_create(struct vrs_sim **out);
void vrs_sim_destroy(struct vrs_sim *s);

/* Run one configuration. input may be NULL: the seeded generator then
 * drives cfg->steps steps. -EINVAL for a configuration that cannot be run
 * (bad queue size, unknown platform, a driver or device side this build
 * does not have); every byte stream is valid. */
int vrs_sim_run(struct vrs_sim *s, const struct vrs_sim_config *cfg,
		const uint8_t *input, size_t len, struct vrs_sim_result *res);

/* Print every event as it happens (NULL: stop); for decoding inputs. */
/* Differential mode: run the input with cfg->driver and again with vrsim's
 * ring (cfg->differential set for both, honest parties only), and compare
 * what each completed: on every queue, the buffers both runs had the
 * device use, in the same order and with the same used lengths. A
 * difference is a differential-divergence finding, with both runs'
 * traces on stderr. Runs whose workloads part (an add one driver took and
 * the other refused, as a different indirect policy makes happen) are not
 * compared. *res is the first run's. */
int vrs_sim_differential(struct vrs_sim *s, const struct vrs_sim_config *cfg,
			 const uint8_t *input, size_t len,
			 struct vrs_sim_result *res);

/* The same for device sides, with a hostile raw driver: the input run
 * on cfg->device_side and again on vrsim's device, each pop and each
 * used entry written compared in order (sim/devdiff.c). Pops that part
 * are the referee's to judge in each run; a used entry that differs is
 * a differential-divergence finding naming the side that did not write
 * what the model device pushed. */
int vrs_sim_device_differential(struct vrs_sim *s,
				const struct vrs_sim_config *cfg,
				const uint8_t *input, size_t len,
				struct vrs_sim_result *res);

void vrs_sim_set_live_trace(struct vrs_sim *s, FILE *f);
/* The trace of the last run: the last n events (all kept when 0). */
void vrs_sim_print_trace(const struct vrs_sim *s, FILE *f, unsigned n);

#endif
