/* The device's bus as sim/ builds it: a platform translator, the window the
 * device may reach, the encryption check, then guest memory. Every refused
 * access is a finding (DMA fault or private-memory access) with a message
 * that names the access, the address, the reason and the platform. */
#ifndef VRSIM_SIM_DEVBUS_H
#define VRSIM_SIM_DEVBUS_H

#include "sim/platform.h"
#include "vrsim/bus.h"
#include "vrsim/gmem.h"
#include "vrsim/xlate.h"

struct vrs_devbus {
	struct vrs_gmem *gm;
	struct vrs_xlate xlate;
	const struct vrs_platform *plat;
	vrs_gpa_t window_start; /* restricted pool; window_size 0 = none */
	size_t window_size;
	uint32_t corrupt_nth;	/* flip a bit in this write (1-based; 0 never) */
	bool quiet;		/* inside vrs_devbus_peek */
	/* counters for traces and tests */
	uint64_t reads, writes, faults, private_hits, stale_hits;
};

void vrs_devbus_init(struct vrs_devbus *b, struct vrs_gmem *gm,
		     const struct vrs_xlate *xlate,
		     const struct vrs_platform *plat);
void vrs_devbus_set_window(struct vrs_devbus *b, vrs_gpa_t start, size_t size);
void vrs_devbus_bus(struct vrs_devbus *b, struct vrs_bus *out);
/* A read as the device would make it (translation, window, ciphertext,
 * faults) that leaves no trace: no counter, no finding. For the referee,
 * which must see what the device sees without being the device. The
 * translator may still cache the entry, as the device's own read of the
 * same address right after does. */
int vrs_devbus_peek(struct vrs_devbus *b, vrs_dma_addr_t addr, void *dst,
		    size_t len);

#endif
