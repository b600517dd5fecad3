/* The oracle of the kernel ring's API contract (contract.c): every return
 * value of the exported virtqueue_* functions held to its kernel-doc, and
 * the tokens: each returned once, and only if it was added. */
#ifndef VRSIM_KERNEL_CONTRACT_H
#define VRSIM_KERNEL_CONTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include "kshim/env.h"

struct virtqueue;

/* A mapping the driver made itself (premapped buffers). */
struct kring_map {
	uint64_t addr;
	unsigned len;
	int dir; /* enum dma_data_direction */
};

/* A buffer the kernel holds for the driver. */
struct kring_buf {
	void *token; /* NULL: a free slot */
	void *ctx;
	uint64_t offered; /* writable bytes */
	struct kring_map *maps;
	unsigned nmaps, cap;
};

struct kring_contract {
	struct kring_buf *bufs; /* open addressing by token, cap a power of 2 */
	unsigned cap, live;
	bool device_honest; /* used lengths are held to what was offered */
};

/* The queue's state before an add. */
struct kring_before {
	unsigned num_free;
	bool broken;
	bool packed; /* the packed layout: which add path a failure took */
	unsigned nsegs;
};

void kring_contract_reset(struct kring_contract *c);
void kring_contract_free(struct kring_contract *c);
void kring_contract_before(struct kring_before *b, struct virtqueue *vq,
			   unsigned nsegs);
void kring_contract_added(struct kring_contract *c, const struct kshim_env *env,
			  const struct kring_before *b, struct virtqueue *vq,
			  int rc, void *token, void *ctx, uint64_t offered);
void kring_contract_premap(struct kring_contract *c, void *token,
			   struct kring_map m);
void kring_contract_got(struct kring_contract *c, void *token, unsigned len,
			void *ctx);
void kring_contract_detached(struct kring_contract *c, void *token);
struct kring_buf *kring_contract_buf(struct kring_contract *c, void *token);
void kring_contract_forget(struct kring_contract *c, void *token);
void kring_contract_interrupt(int irqreturn);
/* virtqueue_set_dma_premapped on an empty queue or not. */
void kring_contract_premapped(int rc, bool empty);
/* virtqueue_dma_dev: the transport's device with the DMA API, else NULL. */
void kring_contract_dma_dev(const void *got, const void *transport,
			    bool use_dma_api);
void kring_contract_reset_done(struct kring_contract *c, int rc);
/* After vring_del_virtqueue: every buffer came back, used or detached. */
void kring_contract_teardown(struct kring_contract *c, bool dead);

/* FEATURES_OK (features_ok.c): 0 or -ENODEV. */
int kring_features_ok(uint64_t accepted, bool restricted_mem_acc);

#endif
