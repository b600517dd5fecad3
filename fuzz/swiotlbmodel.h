/* What fuzz_swiotlb's reference model (swiotlbmodel.c) and its ops'
 * format (swiotlbops.c) share: the kinds of op, what an op and a handle
 * hold. fuzz/fuzz_swiotlb.c documents the input and the description
 * syntax. */
#ifndef VRSIM_FUZZ_SWIOTLBMODEL_H
#define VRSIM_FUZZ_SWIOTLBMODEL_H

#include "dma/swiotlb.h"
#include "dmaops.h"

#define NBUF 4
#define SEG_BYTES ((size_t)VRS_SWIOTLB_MAX_MAPPING)
/* The sizes oversize maps reach: up to a page past the maximum. */
#define OVERSIZE_SPAN 0x1000u

/* The original buffers maps and CPU writes use. */
static const size_t buf_bytes[NBUF] = {4096, 16384, 65536, 320 << 10};
/* The device's min_align_mask, by the header byte mod 4. */
static const uint64_t masks[4] = {0, 0x7ff, 0xfff, 0x3f};

enum kind {
	K_MAP,
	K_UNMAP,
	K_SYNC_CPU,
	K_SYNC_DEV,
	K_DEV_WRITE,
	K_CPU_WRITE,
	K_ALLOC,
	K_FREE,
	K_COUNT
};

/* A map or alloc the model tracks; index = handle number. */
struct handle {
	vrs_gpa_t tlb;	  /* data address the backend returned */
	vrs_gpa_t slots;  /* first slot */
	uint32_t size;	  /* bytes mapped or allocated */
	uint32_t nbytes;  /* slot bytes held */
	uint32_t boff;	  /* map: original at buffer buf, offset boff */
	uint8_t buf, dir;
	bool alloc, live;
};

/* One executed operation: decoded arguments and result. */
struct op {
	struct vrs_dmaop op;
	uint8_t buf, dir, val;
	bool dir_given;	    /* sync: explicit direction */
	int h;		    /* resolved handle; -1: no target */
	uint32_t size, off, len;
	uint32_t off_plus;  /* sync: OFF was end+N (N), 0: plain */
	uint32_t len_plus;  /* sync: LEN was rest+N (N), 0: plain */
	int64_t adj;	    /* unmap/free: size given minus size mapped */
	int rc;
	int newh;	    /* map/alloc: handle created, or -1 */
	vrs_gpa_t addr;	    /* map/alloc: what the backend returned */
};

#define WANT_MAP 1u
#define WANT_ALLOC 2u

/* A live handle of the wanted kinds, the first from raw on: its number
 * and *hd, or -1 when there is none. */
int vrs_fuzz_swiotlb_pick(unsigned raw, unsigned want,
			  const struct handle **hd);

extern const struct vrs_dmaops_format vrs_fuzz_swiotlb_format;

#endif
