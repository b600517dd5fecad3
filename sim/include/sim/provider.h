/* The data provider every run reads its decisions from: the bytes of a fuzz
 * input, or a seeded generator (splitmix64) when there is no input. An
 * exhausted input reads as zeros, so any byte sequence is a valid run. */
#ifndef VRSIM_SIM_PROVIDER_H
#define VRSIM_SIM_PROVIDER_H

#include "vrsim/types.h"

struct vrs_provider {
	const uint8_t *data;
	size_t len, pos;
	uint64_t rng;
	bool seeded;
};

static inline void vrs_provider_bytes(struct vrs_provider *p,
				      const uint8_t *data, size_t len)
{
	p->data = data;
	p->len = data ? len : 0;
	p->pos = 0;
	p->rng = 0;
	p->seeded = false;
}

static inline void vrs_provider_seeded(struct vrs_provider *p, uint64_t seed)
{
	p->data = NULL;
	p->len = p->pos = 0;
	p->rng = seed;
	p->seeded = true;
}

static inline uint64_t vrs_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint8_t vrs_provider_u8(struct vrs_provider *p)
{
	if (p->seeded)
		return (uint8_t)vrs_splitmix64(&p->rng);
	return p->pos < p->len ? p->data[p->pos++] : 0;
}

static inline uint16_t vrs_provider_u16(struct vrs_provider *p)
{
	uint16_t lo = vrs_provider_u8(p);
	return (uint16_t)(lo | (uint16_t)vrs_provider_u8(p) << 8);
}

static inline uint32_t vrs_provider_u32(struct vrs_provider *p)
{
	uint32_t lo = vrs_provider_u16(p);
	return lo | (uint32_t)vrs_provider_u16(p) << 16;
}

static inline uint64_t vrs_provider_u64(struct vrs_provider *p)
{
	uint64_t lo = vrs_provider_u32(p);
	return lo | (uint64_t)vrs_provider_u32(p) << 32;
}

static inline bool vrs_provider_bool(struct vrs_provider *p)
{
	return vrs_provider_u8(p) & 1;
}

/* A value in [lo, hi] (inclusive); hi >= lo. */
static inline uint32_t vrs_provider_range(struct vrs_provider *p, uint32_t lo,
					  uint32_t hi)
{
	uint32_t span = hi - lo + 1;
	uint32_t v = span <= 256 ? vrs_provider_u8(p)
		     : span <= 65536 ? vrs_provider_u16(p)
				     : vrs_provider_u32(p);
	return span ? lo + v % span : v;
}

/* True when a byte input is used up (never for a generator). */
static inline bool vrs_provider_done(const struct vrs_provider *p)
{
	return !p->seeded && p->pos >= p->len;
}

#endif
