/* Small helpers shared by the DMA-layer fuzz targets (fuzz_swiotlb.c,
 * fuzz_iommu.c): writing input bytes for encode, splitting a one-line
 * description into operations and words, and showing in decode which
 * findings an operation raised. Header-only (static inline) so that the
 * targets stay one file each and need no build change. */
#ifndef VRSIM_FUZZ_DMAMODEL_H
#define VRSIM_FUZZ_DMAMODEL_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/provider.h"
#include "vrsim/report.h"

/* ---- encode: bytes out, in the order vrs_provider reads them ---------- */

struct vrs_dm_enc {
	uint8_t *out;
	size_t cap, len;
	bool full; /* a byte did not fit */
};

static inline void vrs_dm_put8(struct vrs_dm_enc *e, uint8_t v)
{
	if (e->len < e->cap)
		e->out[e->len++] = v;
	else
		e->full = true;
}

/* Little endian: vrs_provider_u16/u32 read the low part first. */
static inline void vrs_dm_put16(struct vrs_dm_enc *e, uint16_t v)
{
	vrs_dm_put8(e, (uint8_t)v);
	vrs_dm_put8(e, (uint8_t)(v >> 8));
}

static inline void vrs_dm_put32(struct vrs_dm_enc *e, uint32_t v)
{
	vrs_dm_put16(e, (uint16_t)v);
	vrs_dm_put16(e, (uint16_t)(v >> 16));
}

/* n generated op bytes after the header: the "ops=N opseed=S" form. */
static inline void vrs_dm_put_seeded(struct vrs_dm_enc *e, uint64_t n,
				     uint64_t seed)
{
	struct vrs_provider p;
	vrs_provider_seeded(&p, seed);
	for (uint64_t i = 0; i < n && !e->full; i++)
		vrs_dm_put8(e, vrs_provider_u8(&p));
}

/* ---- when to run a backend's full structural check ---------------------- */

/* The model comparison runs after every op; the backend's own full check
 * (vrs_iommu_check, vrs_swiotlb_check) walks its whole state, so the
 * fuzzers run it every VRS_DM_CHECK_EVERY ops and at the end of the input,
 * and decode (a reader localising a finding) after every op. */
#define VRS_DM_CHECK_EVERY 16
#define VRS_DM_STR_(x) #x
#define VRS_DM_STR(x) VRS_DM_STR_(x)

static inline bool vrs_dm_full_check_due(unsigned nops, bool decoding)
{
	return decoding || nops % VRS_DM_CHECK_EVERY == 0;
}

/* Reports a failed full check (rc < 0) of a backend, naming the op. */
static inline void vrs_dm_check_result(const char *check, int rc,
				       unsigned nops, const char *op,
				       bool decoding)
{
	if (rc < 0)
		vrs_report(VRS_FIND_PROTOCOL, "%s failed by op %u [%s]%s",
			   check, nops - 1, op,
			   decoding ? "" : " (checked every "
			   VRS_DM_STR(VRS_DM_CHECK_EVERY) " ops: decode the "
			   "input to find the first)");
}

/* ---- parsing a one-line description ----------------------------------- */

#define VRS_DM_MAX_WORDS 8
#define VRS_DM_WORD_LEN 48

/* One operation of a description: its words. */
struct vrs_dm_words {
	unsigned n;
	char w[VRS_DM_MAX_WORDS][VRS_DM_WORD_LEN];
};

/* Split the next ';'-separated piece of *s into words; false at the end.
 * Too many or too long words are an error (*bad). */
static inline bool vrs_dm_next_op(const char **s, struct vrs_dm_words *out,
				  bool *bad)
{
	const char *p = *s;
	if (!*p)
		return false;
	const char *end = strchr(p, ';');
	if (!end)
		end = p + strlen(p);
	*s = *end ? end + 1 : end;
	out->n = 0;
	while (p < end) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		const char *w = p;
		while (p < end && !isspace((unsigned char)*p))
			p++;
		size_t len = (size_t)(p - w);
		if (!len)
			break;
		if (out->n == VRS_DM_MAX_WORDS || len >= VRS_DM_WORD_LEN) {
			*bad = true;
			return true;
		}
		memcpy(out->w[out->n], w, len);
		out->w[out->n++][len] = '\0';
	}
	return true;
}

/* A whole word as a number (decimal or 0x hex). */
static inline bool vrs_dm_num(const char *w, uint64_t *v)
{
	if (!isdigit((unsigned char)w[0]))
		return false;
	char *end;
	*v = strtoull(w, &end, 0);
	return *end == '\0';
}

/* "key=number": true and *v set when w has that key. */
static inline bool vrs_dm_key(const char *w, const char *key, uint64_t *v,
			      bool *bad)
{
	size_t k = strlen(key);
	if (strncmp(w, key, k) != 0 || w[k] != '=')
		return false;
	if (!vrs_dm_num(w + k + 1, v))
		*bad = true;
	return true;
}

/* "PREFIX+N" with N >= 1 (end+N, rest+N), or "+N" with an empty prefix. */
static inline bool vrs_dm_plus(const char *w, const char *prefix, uint64_t *v)
{
	size_t k = strlen(prefix);
	return strncmp(w, prefix, k) == 0 && w[k] == '+' &&
	       vrs_dm_num(w + k + 1, v) && *v >= 1;
}

/* ---- decode: the findings an operation raised ------------------------- */

struct vrs_dm_counts {
	unsigned c[VRS_FIND_COUNT];
};

static inline void vrs_dm_snapshot(struct vrs_dm_counts *s)
{
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++)
		s->c[k] = vrs_report_count((enum vrs_finding)k);
}

/* Print, indented, each kind reported since the snapshot. */
static inline void vrs_dm_print_new(const struct vrs_dm_counts *s, FILE *f)
{
	for (unsigned k = 0; k < VRS_FIND_COUNT; k++)
		if (vrs_report_count((enum vrs_finding)k) != s->c[k])
			fprintf(f, "    ! %s: %s\n",
				vrs_finding_name((enum vrs_finding)k),
				vrs_report_last((enum vrs_finding)k));
}

#endif
