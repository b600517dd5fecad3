/* Data patterns both sides of a run know: what the driver writes for a
 * request (OUT), what the device answers (IN), and what an in-buffer holds
 * before the device writes (FILL), so that a stale or foreign byte always
 * shows. Each is a window into one pseudo-random table, so filling is a
 * memcpy and checking a memcmp: the per-byte loops they replace dominated
 * the fuzzers' time under coverage instrumentation. */
#ifndef VRSIM_SIM_PATTERN_H
#define VRSIM_SIM_PATTERN_H

#include "vrsim/types.h"

/* The longest buffer a pattern covers. */
#define VRS_PAT_SPAN 65536u

enum vrs_pat_kind {
	VRS_PAT_OUT = 0,
	VRS_PAT_IN,
	VRS_PAT_FILL,
};

/* VRS_PAT_SPAN bytes of the pattern of (kind, serial). */
const uint8_t *vrs_pat(enum vrs_pat_kind kind, uint32_t serial);

/* Write len bytes of the pattern, starting at pattern offset off. */
void vrs_pat_write(uint8_t *dst, enum vrs_pat_kind kind, uint32_t serial,
		   uint32_t off, size_t len);
/* Index of the first byte of src that differs from the pattern at off, or
 * len when all match. */
size_t vrs_pat_mismatch(const uint8_t *src, enum vrs_pat_kind kind,
			uint32_t serial, uint32_t off, size_t len);

static inline uint8_t vrs_pat_byte(enum vrs_pat_kind kind, uint32_t serial,
				   uint32_t i)
{
	return vrs_pat(kind, serial)[i % VRS_PAT_SPAN];
}

static inline uint8_t vrs_pat_out(uint32_t serial, uint32_t i)
{
	return vrs_pat_byte(VRS_PAT_OUT, serial, i);
}
static inline uint8_t vrs_pat_in(uint32_t serial, uint32_t i)
{
	return vrs_pat_byte(VRS_PAT_IN, serial, i);
}
static inline uint8_t vrs_pat_fill(uint32_t serial, uint32_t i)
{
	return vrs_pat_byte(VRS_PAT_FILL, serial, i);
}

#endif
